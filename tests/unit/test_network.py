"""Network behaviour: traces, purity of forward, overfitting, optimisers, metrics."""

import ast
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from digitlab import models
from digitlab.core import Network
from digitlab.core.metrics import confusion, evaluate
from digitlab.core.train import Diverged, TrainConfig, Trainer, fit

CORE = pathlib.Path(models.__file__).parent / "core"


def test_core_preprocess_and_the_app_import_only_numpy_and_stdlib():
    """The maths and the page's update (digitlab/app.py) import numpy, the standard library and
    digitlab itself (relative imports), never the browser."""
    import sys
    allowed = set(sys.stdlib_module_names) | {"numpy"}
    for path in list(CORE.rglob("*.py")) + [CORE.parent / "preprocess.py", CORE.parent / "app.py"]:
        if not path.exists():
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            for n in names:
                assert n.split(".")[0] in allowed, f"{path.name} imports {n}"


def test_the_app_and_all_it_imports_never_ask_for_the_browser():
    """Transitively, in a fresh interpreter: importing digitlab.app (and so every digitlab module it
    pulls in) never even tries to import js, pyodide or pyscript, guarded imports included."""
    spy = """
import sys
tried = []
class Spy:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("js", "pyodide", "pyscript"):
            tried.append(name)
sys.meta_path.insert(0, Spy())
import digitlab.app
assert "digitlab.web.bridge" not in sys.modules
print(",".join(tried))
"""
    run = subprocess.run([sys.executable, "-c", spy], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "", f"digitlab.app asked for {run.stdout.strip()}"


@pytest.mark.parametrize("name", list(models.ARCHS))
def test_trace_names_and_shapes(name):
    net = models.build(name)
    x = np.random.default_rng(0).random((3, 28, 28), dtype=np.float32)
    trace = net.forward(x)
    assert [r.name for r in trace.layers] == [l.name for l in net.layers]
    for rec, shape in zip(trace.layers, net.shapes()):
        assert rec.z.shape == rec.a.shape == (3, *shape), rec.name
        assert rec.a.dtype == np.float32, rec.name
    assert trace.probs.shape == (3, 10)
    np.testing.assert_allclose(trace.probs.sum(1), 1, rtol=1e-5)
    assert trace.x.shape == (3, *net.input_shape)


def test_forward_changes_nothing():
    net = models.build("cnn-small")
    before = {l: {k: v.copy() for k, v in p.items()} for l, p in net.params.items()}
    x = np.random.default_rng(1).random((2, 784), dtype=np.float32)
    x0 = x.copy()
    a, b = net.forward(x).probs, net.forward(x).probs
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(x, x0)
    for l, p in net.params.items():
        for k, v in p.items():
            np.testing.assert_array_equal(v, before[l][k])


def test_param_counts_match_the_spec():
    counts = {n: models.build(n).n_params() for n in models.ARCHS}
    assert counts["mlp-128-64-32"] == 111_146
    assert counts["cnn-small"] == 27_690
    assert counts["mlp-25-25"] == 784 * 25 + 25 + 25 * 25 + 25 + 25 * 10 + 10
    assert counts["cnn"] <= 100_000


@pytest.mark.parametrize("optimizer,lr", [("sgd", 0.1), ("momentum", 0.02), ("adam", 0.003)])
@pytest.mark.parametrize("name", ["mlp-25-25", "cnn-small"])
def test_tiny_batch_overfits(name, optimizer, lr):
    rng = np.random.default_rng(2)
    X = rng.random((16, 28, 28), dtype=np.float32)
    y = np.arange(16) % 10
    net = models.build(name)
    cfg = TrainConfig(optimizer=optimizer, lr=lr, batch_size=16, epochs=150, augment=False, schedule="constant")
    history = fit(Trainer(net, X, y, cfg))
    assert history[-1]["loss"] < 0.05 < history[0]["loss"]
    assert (net.predict_proba(X).argmax(1) == y).all()


def test_mse_loss_trains_too():
    rng = np.random.default_rng(3)
    X, y = rng.random((10, 28, 28), dtype=np.float32), np.arange(10)
    net = models.mlp((32,), activation="sigmoid")
    cfg = TrainConfig(optimizer="adam", lr=0.01, batch_size=10, epochs=300, loss="mse", augment=False)
    history = fit(Trainer(net, X, y, cfg))
    assert history[-1]["loss"] < 0.1 * history[0]["loss"]
    assert (net.predict_proba(X).argmax(1) == y).all()


def test_divergence_is_caught_and_leaves_weights_finite():
    rng = np.random.default_rng(4)
    X, y = rng.random((32, 28, 28), dtype=np.float32) * 50, rng.integers(0, 10, 32)
    net = models.build("mlp-25-25")
    cfg = TrainConfig(optimizer="sgd", lr=1e6, batch_size=32, augment=False, schedule="constant")
    trainer = Trainer(net, X, y, cfg)
    with pytest.raises(Diverged, match="learning rate"):
        for _ in range(50):
            trainer.step()
    assert all(np.isfinite(v).all() for p in net.params.values() for v in p.values())


def test_copy_is_independent():
    net = models.build("mlp-25-25")
    dup = net.copy()
    dup.params["h1"]["W"][:] = 0
    assert np.abs(net.params["h1"]["W"]).sum() > 0


def test_confusion_and_evaluate():
    m = confusion(np.array([0, 1, 1, 2]), np.array([0, 1, 2, 2]), k=3)
    assert m.tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 1]]

    class Fixed:
        def predict_proba(self, X):
            return np.eye(10, dtype=np.float32)[np.zeros(len(X), int)]

    r = evaluate(Fixed(), np.zeros((4, 784), np.float32), np.array([0, 0, 3, 0]))
    assert r["accuracy"] == 0.75 and r["confusion"][3][0] == 1


def test_augment_keeps_shape_and_mass():
    from digitlab.core.augment import affine_batch, augment
    rng = np.random.default_rng(5)
    X = np.zeros((4, 28, 28), np.float32)
    X[:, 10:18, 12:16] = 1
    out = augment(X, rng)
    assert out.shape == X.shape and out.dtype == np.float32
    assert np.allclose(out.sum((1, 2)), X.sum((1, 2)), rtol=0.1)
    same = affine_batch(X, np.zeros(4, np.float32), np.zeros((4, 2), np.float32))
    np.testing.assert_allclose(same, X, atol=1e-6)
    moved = affine_batch(X, np.zeros(4, np.float32), np.array([[0, 2]] * 4, np.float32))
    np.testing.assert_allclose(moved[:, :, 2:], X[:, :, :-2], atol=1e-6)


STEPS_WITH_FAULT_COUNT = """
import resource, sys
import numpy as np
from digitlab import models
from digitlab.cli import keep_freed_memory
from digitlab.core.optim import Adam
assert keep_freed_memory()
net, opt = models.build("cnn-small"), Adam(1e-3)
rng = np.random.default_rng(0)
X, y = rng.random((256, 784), dtype=np.float32), rng.integers(0, 10, 256)
def steps(n):
    for i in range(n):
        j = (i % 4) * 64
        opt.step(net.params, net.backward(net.forward(X[j:j + 64]), y[j:j + 64]))
steps(10)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
steps(100)
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 100)
"""


def test_keep_freed_memory_stops_page_faults_between_steps():
    """The CLI's malloc settings: a cnn-small step's MB-sized temporaries reuse freed memory.

    Measured here with glibc's defaults: ~2,900 minor page faults per step on random batches
    (1,110 on MNIST), ~0.05 with the settings. A fresh process, so the settings start clean.
    """
    import os
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", STEPS_WITH_FAULT_COUNT], capture_output=True, text=True,
                         env={**os.environ, "OPENBLAS_NUM_THREADS": "1"}, timeout=120)
    assert out.returncode == 0, out.stderr
    assert float(out.stdout) < 5, out.stdout
