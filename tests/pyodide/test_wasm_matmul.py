"""Under Pyodide the layers multiply with einsum instead of `@` (core.layers.matmul: `@` has no
BLAS there and is up to 10x slower). Both paths must give the same activations and gradients,
checked inside real Pyodide by switching layers.WASM on the very same network and batch. A batch
of one (an update's drawing) takes its own route there (`np.dot`), so it is checked too."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

RUNNER = Path(__file__).with_name("run_code.mjs")

SNIPPET = """
import json
import numpy as np
from digitlab import models
from digitlab.core import layers
rng = np.random.default_rng(0)
x = (rng.random((16, 784)) < 0.2).astype(np.float32)
y = rng.integers(0, 10, 16)
report = {"wasm": layers.WASM}
for name in models.ARCHS:
    net = models.load(name)
    report[name] = {}
    for n in (16, 1):
        runs = {}
        for flag in (True, False):
            layers.WASM = flag
            trace = net.forward(x[:n])
            runs[flag] = (trace, net.backward(trace, y[:n]))
        layers.WASM = True
        (t1, g1), (t0, g0) = runs[True], runs[False]
        z = max(float(np.abs(a.z - b.z).max() / (np.abs(b.z).max() + 1e-12)) for a, b in zip(t1.layers, t0.layers))
        g = max(float(np.abs(g1[k][p] - g0[k][p]).max() / (np.abs(g0[k][p]).max() + 1e-12))
                for k in g0 for p in g0[k])
        report[name][n] = {"z": z, "grad": g}
json.dumps(report)
"""


def test_einsum_path_matches_matmul(dist_dir, tmp_path):
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed; the Pyodide tests need Node.js 18+")
    snippet = tmp_path / "snippet.py"
    snippet.write_text(SNIPPET)
    run = subprocess.run([node, str(RUNNER), str(dist_dir), str(snippet)], capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report.pop("wasm") is True, "Pyodide must take the einsum path"
    assert len(report) == 5
    for name, by_batch in report.items():
        assert sorted(by_batch) == ["1", "16"], name
        for n, err in by_batch.items():
            assert err["z"] < 1e-5 and err["grad"] < 1e-5, (name, n, err)
