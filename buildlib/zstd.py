"""Zstandard for the Python snapshot: Debian's `zstd` packs it at build time, fzstd unpacks it.

The 36 MB memory image is 7.7 MB gzipped and 5.5 MB as zstd -19, and fzstd (npm, MIT, 24 kB)
inflates it faster than the browser's own gunzip (~150 vs ~250 ms for this image in Node). The
page needs the image on its first visit, so the 2.2 MB matter. Two builds of fzstd ship in
dist/vendor/fzstd/: fzstd.mjs (ES module: the page's boot worker, Node) and fzstd.js (a classic
script defining `self.fzstd`: the service worker, which imports with importScripts).

Without the `zstd` tool (and no apt-get to install it) the snapshot is gzipped instead; the page
reads either, by the image's file name.
"""

import shutil
import subprocess
import tarfile

from . import runtime

FZSTD = "0.1.1"
TARBALL = (f"fzstd@{FZSTD}", f"fzstd-{FZSTD}.tgz",
           "5ed2ee2d3439067be211d0093292c708a831045372342c897437e5a4997c45c5")
FILES = {"package/esm/index.mjs": "fzstd.mjs", "package/umd/index.js": "fzstd.js", "package/LICENSE": "LICENSE"}
LEVEL = 19       # -19: 5.43 MB; --ultra -22 saves 1% more for twice the time


def fetch():
    """npm pack the pinned fzstd into <cache>/npm/ (once). -> the verified tarball path."""
    return runtime.npm_pack(*TARBALL)


def vendor(dest):
    """Copy fzstd's two builds into dest (e.g. dist/vendor/fzstd). -> {"fzstd": version}."""
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fetch()) as tar:
        for member, name in FILES.items():
            (dest / name).write_bytes(tar.extractfile(member).read())
    return {"fzstd": FZSTD}


def tool(log=print):
    """The `zstd` executable, installed with apt-get if missing; None when that is not possible."""
    if shutil.which("zstd") is None:
        from .env import ensure_apt
        try:
            ensure_apt({"zstd": ["zstd"]})
        except (OSError, subprocess.CalledProcessError) as e:
            log(f"WARNING: no zstd ({e}); the Python snapshot is gzipped instead (2.2 MB larger)")
    return shutil.which("zstd")


def compress(src, dest, exe):
    """Write src's bytes to dest as zstd -LEVEL with `exe`; raises BuildError on failure."""
    done = subprocess.run([exe, "-q", f"-{LEVEL}", "-f", str(src), "-o", str(dest)],
                          capture_output=True, text=True)
    if done.returncode:
        raise runtime.BuildError(f"zstd failed on {src}: {done.stderr.strip()[-500:]}")
