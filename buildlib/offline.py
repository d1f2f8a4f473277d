"""The service worker's build manifest (dist/sw-assets.js), generated from the assembled site.

`files` maps every file in dist/ that the page can load, lazily loaded ones included, to its
sha256, so the list cannot drift from what ships; left out are the worker's own scripts and what
the page provably never loads (each with its reason below). The worker installs a build only when
every file it fetched has the listed hash (a deploy uploaded in pieces is not cached as a mix),
and an open tab keeps reading the build it started with. `build` is a hash of those files' bytes,
so the cache name changes exactly when some file the page can load does (KaTeX or a data set
alone included): an identical rebuild keeps the visitor's cache, any change replaces it.
version.json, whose "built" time changes every build, is cached but not hashed; the worker checks
that it names this build.
"""

import hashlib
import json
from pathlib import Path

ASSETS = "sw-assets.js"
NEVER_CACHED = {"sw.js", ASSETS, ".nojekyll", "version.json"}  # version.json is added unhashed
# Shipped for other clients (tests, Node) but never loaded by the page.
NOT_FOR_THE_PAGE = {
    "vendor/pyodide/pyodide.js": "the UMD twin of pyodide.mjs, which PyScript imports",
    "vendor/pyodide/package.json": "npm metadata",
    "vendor/pyscript/service-worker.js": "PyScript's own (empty) worker stub",
    "vendor/pyscript/storage.js": "PyScript's IndexedDB helper for user code",
}
# Loaded on demand by the page, but installed with the build like the rest: a tab opened before a
# new deploy must still find its own build's copy when it first asks for one of these.
LAZY = ("vendor/katex/",)   # KaTeX, fetched when the Live maths section first comes into view
LAZY += ("data/trainset.npz",)   # 3.7 MB of MNIST, fetched when the training panel first opens
LAZY += ("data/evalset.npz",)    # 333 kB of MNIST test images, fetched when Break It or Evaluate is first used
LAZY += ("data/testset.npz",)    # all 10,000 MNIST test images, fetched when Evaluate is asked for them
# PyScript chunks loaded only by features the page may not use; any of the markers that would
# bring one in, found in the site's own files, keeps it (e.g. an editor importing PyScript's
# `codemirror` export, or a py-editor tag).
PYSCRIPT_FEATURES = {"codemirror": ("py-editor", "codemirror"), "xterm": ("py-terminal", "xterm"),
                     "toml": (".toml",), "zip-": ("/*\"",), "mpy-": ("type=\"mpy",)}


def _needed_wheels(dist, config):
    """Wheel file names the page loads: the lock's closure of config["packages"], plus micropip's
    own closure unless packages_cache is "passthrough" (then PyScript never imports micropip)."""
    lock = json.loads((dist / "vendor" / "pyodide" / "pyodide-lock.json").read_text())["packages"]
    todo = list(config.get("packages", []))
    if config.get("packages_cache") != "passthrough":
        todo.append("micropip")
    seen = set()
    while todo:
        name = todo.pop().lower()
        if name in seen or name not in lock:
            continue
        seen.add(name)
        todo.extend(lock[name].get("depends", []))
    return {lock[n]["file_name"] for n in seen}


def _unused_features(dist):
    """PyScript chunk prefixes whose feature markers appear in none of the site's own files."""
    own = "".join(p.read_text(errors="ignore") for p in dist.rglob("*")
                  if p.is_file() and p.suffix in (".html", ".js", ".mjs", ".json", ".py")
                  and "vendor" not in p.relative_to(dist).parts and p.name not in NEVER_CACHED)
    return [prefix for prefix, markers in PYSCRIPT_FEATURES.items() if not any(m in own for m in markers)]


def precache_list(dist):
    """-> sorted site-relative paths the service worker must cache, in dist/ (LAZY ones included)."""
    dist = Path(dist)
    config = json.loads((dist / "pyscript.json").read_text())
    wheels, unused = _needed_wheels(dist, config), _unused_features(dist)
    files = []
    for path in sorted(p for p in dist.rglob("*") if p.is_file()):
        rel = path.relative_to(dist).as_posix()
        if (rel in NEVER_CACHED or rel in NOT_FOR_THE_PAGE or "__pycache__" in rel
                or (rel.endswith(".whl") and path.name not in wheels)
                or (rel.startswith("vendor/pyscript/") and path.name.startswith(tuple(unused)))):
            continue
        files.append(rel)
    return files


def write_assets(dist):
    """Write dist/sw-assets.js: {build, files: {"./path": sha256 hex}, inflate}. -> the build id
    (16 hex digits of a hash over every listed path and its bytes' sha256)."""
    dist = Path(dist)
    files = {rel: hashlib.sha256((dist / rel).read_bytes()).hexdigest() for rel in precache_list(dist)}
    h = hashlib.sha256()
    for rel, digest in files.items():
        h.update(rel.encode() + b"\0" + bytes.fromhex(digest))
    build = h.hexdigest()[:16]
    listed = {f"./{rel}": digest for rel, digest in files.items()}
    # Kept inflated in the cache, so a visit reads them without unpacking (the Python snapshot).
    inflate = [f for f in listed if f.endswith((".zst", ".gz"))]
    (dist / ASSETS).write_text(
        "// Generated by build.py (buildlib/offline.py): every file of this build and its sha256.\n"
        f"self.DIGITLAB_ASSETS = {json.dumps({'build': build, 'files': listed, 'inflate': inflate}, indent=1)};\n")
    return build
