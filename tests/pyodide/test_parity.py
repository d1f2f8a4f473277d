"""The same digitlab code and weights give the same probabilities under Pyodide as under CPython.

Node boots the vendored Pyodide from dist/ once per session (4-6 s) and runs every shipped
model on real MNIST test images; each model is then compared with CPython here.
"""

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from digitlab import data, models

pytestmark = pytest.mark.pyodide

RUNNER = Path(__file__).with_name("run_models.mjs")
DIGITS = range(8)  # one real test image of each of these digits


def mnist_inputs():
    """-> (x (8, 784) float32 in [0, 1], indices): the first test image of each digit in DIGITS."""
    X, y = data.load("test")
    idx = [int(np.flatnonzero(y == d)[0]) for d in DIGITS]
    return X[idx].reshape(len(idx), -1).astype(np.float32) / 255.0, idx


@pytest.fixture(scope="session")
def pyodide_result(dist_dir, tmp_path_factory):
    """Run run_models.mjs once for all models. -> (x, result dict)."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed; the Pyodide tests need Node.js 18+")
    x, _ = mnist_inputs()
    folder = tmp_path_factory.mktemp("pyodide")
    request, result = folder / "request.json", folder / "result.json"
    request.write_text(json.dumps({"models": list(models.ARCHS), "inputs": x.tolist()}))
    run = subprocess.run([node, str(RUNNER), str(dist_dir), str(request), str(result)],
                         capture_output=True, text=True, timeout=600)
    if run.returncode or not result.exists():
        pytest.fail(f"Pyodide run failed ({run.returncode}):\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}")
    return x, json.loads(result.read_text())


def test_runtime_versions(pyodide_result):
    _, result = pyodide_result
    assert (result["pyodide"], result["numpy"]) == ("0.27.7", "2.0.2")
    assert result["python"].startswith("3.12.")


@pytest.mark.parametrize("name", list(models.ARCHS))
def test_probabilities_match_cpython(pyodide_result, dist_dir, name):
    x, result = pyodide_result
    assert name not in result["errors"], f"{name} failed under Pyodide: {result['errors'].get(name)}"
    got = np.asarray(result["probs"][name])  # (8, 10)
    want = models.load(name, root=dist_dir / "weights").predict_proba(x)  # the very files Pyodide read
    assert got.shape == want.shape == (len(DIGITS), 10)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-5,
                               err_msg=f"{name}: Pyodide (actual) vs CPython (desired)")
    # Guard against a comparison that passes trivially: real weights make confident, varied guesses.
    assert len(set(want.argmax(axis=1))) > 1
