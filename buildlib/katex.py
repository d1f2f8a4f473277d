"""Vendor KaTeX (typesetting for the page's Live maths) into dist/vendor/katex/.

The npm tarball is packed once into <cache>/npm/, checked by sha256 like the runtime's
archives (runtime.py), and the few files the page needs are extracted into
<cache>/runtime/katex-<version>/; later builds copy from there with no network.

Shipped: katex.min.js (a classic script that defines `window.katex`), katex.min.css, and the
woff2 fonts only. Every browser that runs Pyodide reads woff2, so the CSS's woff/ttf fallbacks
are dropped from its @font-face rules; the build then checks that every url() in the CSS names
a shipped file, so nothing the stylesheet asks for can 404. The page loads all of it lazily,
when the Live maths section first scrolls into view (site/js/why-maths.js).
"""

import re
import shutil
import tarfile
import tempfile
from pathlib import Path

from . import runtime

KATEX = "0.19.1"
TARBALL = (f"katex@{KATEX}", f"katex-{KATEX}.tgz",
           "24da5a599eb2fcede2e270b99a6ff48bca816beecc95feeb84e8cccbd1bb34fd")
FILES = ("katex.min.js", "katex.min.css")        # under package/dist/, plus fonts/*.woff2
FALLBACKS = re.compile(r',url\(fonts/[\w-]+\.(?:woff|ttf)\) format\("(?:woff|truetype)"\)')


def fetch():
    """npm pack the pinned KaTeX into <cache>/npm/ (once). -> the verified tarball path."""
    return runtime.npm_pack(*TARBALL)


def woff2_only(css):
    """The stylesheet with each @font-face's woff/ttf fallbacks removed. Raises if none were."""
    out, n = FALLBACKS.subn("", css)
    if n == 0:
        raise runtime.BuildError("katex.min.css: no woff/ttf font fallbacks found; has its format changed?")
    return out


def check_urls(folder):
    """Every url(...) in katex.min.css must name a file in folder. -> the number of fonts."""
    css = (folder / "katex.min.css").read_text()
    urls = set(re.findall(r"url\(([^)]+)\)", css))
    missing = sorted(u for u in urls if not (folder / u.strip("'\"")).is_file())
    if missing:
        raise runtime.BuildError(f"katex.min.css asks for files that are not shipped: {missing[:5]}")
    return len(urls)


def _extract(tmp):
    with tarfile.open(fetch()) as tar:
        for member in tar.getmembers():
            rel = member.name.removeprefix("package/dist/")
            if member.isfile() and (rel in FILES or (rel.startswith("fonts/") and rel.endswith(".woff2"))):
                (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
                (tmp / rel).write_bytes(tar.extractfile(member).read())
        (tmp / "LICENSE").write_bytes(tar.extractfile("package/LICENSE").read())
    (tmp / "katex.min.css").write_text(woff2_only((tmp / "katex.min.css").read_text()))
    check_urls(tmp)


def cached():
    """<cache>/runtime/katex-<version>/, extracted once (renamed into place when complete)."""
    final = runtime.cache_root() / "runtime" / f"katex-{KATEX}"
    if final.is_dir():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".katex-{KATEX}-", dir=final.parent))
    try:
        _extract(tmp)
        tmp.chmod(0o755)                           # mkdtemp makes it owner-only
        tmp.rename(final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def vendor(dest):
    """Copy KaTeX into dest (e.g. dist/vendor/katex). -> {"katex": version, "fonts": n}."""
    shutil.copytree(cached(), dest)
    return {"katex": KATEX, "fonts": check_urls(dest)}
