"""The page's Python memory snapshot (dist/snapshot/), made in Node by buildlib/snapshot.mjs.

numpy and digitlab are imported inside it, so every visit skips the interpreter's start-up and
both imports (site/boot.mjs restores it; packed with zstd, buildlib/zstd.py). It is cached on a
hash of everything it is made from, so a rebuild with nothing changed costs a copy. Without Node
the site is built without it, and the page starts Python the ordinary way.
"""

import gzip
import hashlib
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from . import runtime, zstd

MAKER = Path(__file__).resolve().with_name("snapshot.mjs")
OUT = "snapshot"                       # dist/snapshot/{digitlab.snapshot.zst (or .gz), snapshot.json}


def _inputs(site, model):
    """Everything the snapshot depends on, as (label, bytes) pairs."""
    config = json.loads((site / "pyscript.json").read_text())
    yield "model", model.encode()
    yield "maker", MAKER.read_bytes()
    for rel in ("boot.mjs", "unzip.mjs", "pyscript.json", "vendor/pyodide/pyodide.asm.wasm",
                "vendor/pyodide/pyodide.asm.js", "vendor/pyodide/pyodide.mjs", "vendor/pyodide/pyodide-lock.json"):
        yield rel, (site / rel).read_bytes()
    for src in sorted(config.get("files", {})):
        yield src, (site / src).read_bytes()
    for wheel in sorted((site / "vendor" / "pyodide").glob("*.whl")):
        yield wheel.name, b""          # wheels are pinned by the lock file's hashes above


def make(site, model, log=print):
    """Write site/snapshot/ for the assembled site. -> its snapshot.json as a dict, or None when
    Node is missing (the page then starts Python without it)."""
    site = Path(site)
    if shutil.which("node") is None:
        log("WARNING: node is not installed; building without the Python snapshot (slower start-up)")
        return None
    exe = zstd.tool(log)
    h = hashlib.sha256()
    h.update(b"zstd" if exe else b"gzip")
    for label, data in _inputs(site, model):
        h.update(label.encode() + b"\0" + hashlib.sha256(data).digest())
    cached = runtime.cache_root() / "snapshot" / h.hexdigest()[:20]
    if not (cached / "snapshot.json").exists():
        log("making the Python snapshot in Node (numpy + digitlab imported; ~10 s, once)")
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".snapshot-", dir=cached.parent))
        try:
            run = subprocess.run(["node", str(MAKER), str(site), str(tmp), model],
                                 capture_output=True, text=True)
            if run.returncode:
                raise runtime.BuildError(f"making the Python snapshot failed:\n{run.stderr.strip()[-1500:]}")
            _pack(tmp, exe)
            tmp.chmod(0o755)  # mkdtemp makes it private; the site is served to everyone
            tmp.rename(cached)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(cached, site / OUT)
    return json.loads((cached / "snapshot.json").read_text())


def _pack(folder, exe):
    """Compress the raw image the maker wrote: zstd with `exe`, else gzip; snapshot.json names it."""
    meta = json.loads((folder / "snapshot.json").read_text())
    raw = folder / meta["image"]
    if exe:
        packed = raw.with_name(raw.name + ".zst")
        zstd.compress(raw, packed, exe)
    else:
        packed = raw.with_name(raw.name + ".gz")
        packed.write_bytes(gzip.compress(raw.read_bytes(), 9, mtime=0))
    raw.unlink()
    (folder / "snapshot.json").write_text(json.dumps({**meta, "image": packed.name}, indent=1) + "\n")
