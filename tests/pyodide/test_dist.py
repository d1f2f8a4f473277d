"""dist/ as build.py assembles it: the vendored runtime, the generated config, the samples.

These checks are independent of build.py's own code, so a bug there cannot hide itself.
"""

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from digitlab import data, models

ROOT = Path(__file__).resolve().parents[2]
OFFLINE_ONLY = {"data.py", "cli.py", "__main__.py"}


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def load_json(path):
    return json.loads(Path(path).read_text())


def test_vendored_wheels_match_the_official_lock(dist_dir):
    folder = dist_dir / "vendor" / "pyodide"
    lock = load_json(folder / "pyodide-lock.json")
    assert lock["info"]["version"] == "0.27.7"
    official = {p["file_name"]: p["sha256"] for p in lock["packages"].values()}
    wheels = {w.name: sha256(w) for w in folder.glob("*.whl")}
    assert {n.split("-")[0] for n in wheels} == {"numpy", "micropip", "packaging"}
    for name, digest in wheels.items():
        assert official.get(name) == digest, f"{name}: {digest} is not the lock's {official.get(name)}"


def test_runtime_files_present(dist_dir):
    for rel in ("vendor/pyodide/pyodide.mjs", "vendor/pyodide/pyodide.asm.wasm",
                "vendor/pyodide/python_stdlib.zip", "vendor/pyscript/core.js", "vendor/pyscript/core.css"):
        assert (dist_dir / rel).is_file(), rel
    assert not list((dist_dir / "vendor").rglob("*.map")), "source maps are not shipped"


def test_pyscript_files_table_matches_dist(dist_dir):
    config = load_json(dist_dir / "pyscript.json")
    # The interpreter module is site/boot.mjs, which wraps the vendored Pyodide (snapshot, early compile).
    interpreter = (dist_dir / config["interpreter"]).resolve()
    assert interpreter == dist_dir / "boot.mjs"
    assert 'from "./vendor/pyodide/pyodide.mjs"' in interpreter.read_text()
    assert "numpy" in config["packages"]
    files = config["files"]
    for url, target in files.items():
        assert (dist_dir / url).is_file(), f"{url} is listed but not in dist/"
    shipped = {f"./{p.relative_to(dist_dir).as_posix()}" for p in (dist_dir / "py").rglob("*") if p.is_file()}
    shipped |= {f"./{p.relative_to(dist_dir).as_posix()}" for p in (dist_dir / "weights").iterdir()}
    assert shipped <= set(files), f"not in the files table: {sorted(shipped - set(files))}"
    for url in shipped:  # Python sees `digitlab` and `weights/` relative to its working folder
        assert files[url] == url.replace("./py/", "./", 1)


def test_package_is_fresh_and_browser_safe(dist_dir):
    src, shipped = ROOT / "pysrc" / "digitlab", dist_dir / "py" / "digitlab"
    expected = {p.relative_to(src) for p in src.rglob("*")
                if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}
    expected -= {Path(n) for n in OFFLINE_ONLY}
    assert {p.relative_to(shipped) for p in shipped.rglob("*") if p.is_file()} == expected
    stale = [str(r) for r in expected if (src / r).read_bytes() != (shipped / r).read_bytes()]
    assert not stale, f"dist/ is older than pysrc/ for {stale}: rebuild"


def test_weights_are_the_repo_weights(dist_dir):
    repo = {p.name: sha256(p) for p in (ROOT / "weights").glob("*.npz")}
    repo |= {p.name: sha256(p) for p in (ROOT / "weights").glob("*.json")}
    assert repo, "no weights shipped"
    assert {p.name: sha256(p) for p in (dist_dir / "weights").iterdir()} == repo


@pytest.fixture(scope="module")
def samples(dist_dir):
    return load_json(dist_dir / "data" / "samples.json")


def test_samples_are_real_mnist_test_images(samples):
    X, y = data.load("test")
    items = samples["samples"]
    assert {s["label"] for s in items} == set(range(10)), "at least one per digit"
    for s in items:
        assert len(s["pixels"]) == 784 and all(0 <= v <= 255 for v in s["pixels"])
        assert s["pixels"] == X[s["index"]].reshape(-1).tolist()
        assert s["label"] == int(y[s["index"]])


def test_samples_record_real_mistakes_of_the_model(samples, dist_dir):
    if (ROOT / "weights" / "cnn.npz").exists():
        assert samples["model"] == "cnn"
    assert samples["model"] in models.ARCHS
    net = models.load(samples["model"], root=dist_dir / "weights")
    items = samples["samples"]
    x = np.asarray([s["pixels"] for s in items], np.float32) / 255.0
    assert [s["cnn_pred"] for s in items] == net.predict_proba(x).argmax(axis=1).tolist()
    assert sum(s["cnn_pred"] != s["label"] for s in items) >= 3


def test_version_stamp(dist_dir):
    stamp = load_json(dist_dir / "version.json")
    assert stamp["runtime"]["pyodide"] == "0.27.7" and stamp["runtime"]["pyscript"] == "0.6.66"
    assert set(stamp["weights"]) == {p.stem for p in (dist_dir / "weights").glob("*.npz")}
