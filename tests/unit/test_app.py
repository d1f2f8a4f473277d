"""The page's app and its update (digitlab.app) in CPython, on the shipped weights.

Each update is checked against the pieces it is made of, called here directly: preprocess on
the same pad, a separately loaded network's forward pass, the view model's own functions. A model
whose files are damaged is made by copying weights/ and breaking the copy.
"""

import shutil

import numpy as np
import pytest

import digitlab.web.features.digits  # noqa: F401 - registers the hook that adds "digits"
import digitlab.web.features.inspect  # noqa: F401 - registers inspect.node for App.call
from digitlab import models, preprocess, viewmodel
from digitlab.app import PAD, App, Clock, rgba_bytes


@pytest.fixture(scope="module")
def two(mnist_test):
    """A real handwritten 2 (MNIST test image 1) drawn half size in the pad's top-right corner."""
    X, y = mnist_test
    assert y[1] == 2
    pad = np.zeros((PAD, PAD), np.uint8)
    pad[20:160, 120:260] = np.kron(X[1], np.ones((5, 5), np.uint8))
    return pad


def ids(table):
    return table["ids"].split("\n") if table["ids"] else []


@pytest.mark.parametrize("name", ["mlp-128-64", "cnn"])
def test_an_update_is_the_network_on_the_preprocessed_drawing(app, two, name):
    out = app.result(two, name)
    x = preprocess.to_mnist(two)
    probs = models.load(name).forward(x.reshape(1, 784)).probs[0]      # a network of its own
    assert out["model"] == name
    np.testing.assert_array_equal(out["input"], x.reshape(-1))
    assert out["probs"].dtype == np.float64 and out["probs"].shape == (10,)
    np.testing.assert_allclose(out["probs"], probs, rtol=0, atol=1e-6)
    assert out["prediction"]["digit"] == int(np.argmax(probs)) == 2
    assert out["prediction"]["state"] == "sure" and out["percent"] == viewmodel.percent(out["probs"])
    nodes = out["view"]["nodes"]
    assert len(nodes["data"]) == len(nodes["cols"]) * len(ids(nodes))
    a = nodes["data"].reshape(len(nodes["cols"]), -1)[nodes["cols"].index("a")]
    shown = {i: v for i, v in zip(ids(nodes), a)}
    np.testing.assert_allclose([shown[f"out:{d}"] for d in range(10)], probs, atol=1e-4)
    assert out["view"]["winner"] == "out:2" and ids(out["view"]["links"])


def test_an_update_carries_the_input_pictures_and_every_diagram_column(app, two):
    out = app.result(two, "cnn-small")
    diagram = app.model("cnn-small")[1]
    x = preprocess.to_mnist(two)
    assert set(out["images"]) == {"input", "drawn"} | {c.id for c in diagram.columns if c.atlas is not None}
    want = rgba_bytes(viewmodel.rgba_tiles(x[:, :, None], ink=True))
    np.testing.assert_array_equal(out["images"]["input"], want)
    assert all(v.dtype == np.uint8 for v in out["images"].values())
    assert out["images"]["drawn"].size == 28 * 28 * 4
    assert out["digits"]["sequence"] == ""                  # a registered hook added its key


def test_a_blank_pad_claims_nothing(app):
    out = app.result(np.zeros((PAD, PAD), np.uint8), "mlp-25-25")
    assert out["probs"] is None and out["percent"] is None
    assert out["prediction"]["state"] == "none" and out["prediction"]["digit"] is None
    assert out["view"]["blank"] and not out["input"].any()


def test_without_the_diagram_only_the_input_pictures_are_made(app, two):
    full, lean = app.result(two, "cnn-small"), app.result(two, "cnn-small", full=False)
    assert lean["view"] is None and set(lean["images"]) == {"input", "drawn"}
    np.testing.assert_array_equal(lean["probs"], full["probs"])
    assert lean["prediction"] == full["prediction"]


def test_an_update_reads_the_pad_and_times_its_stages(app, two):
    app.pad[:] = two.reshape(-1)
    clock = Clock()
    out = app.update("mlp-25-25", True, clock)
    assert out["prediction"]["digit"] == 2
    assert list(clock.stages) == ["preprocess", "forward", "view", "images", "hooks", "pack"]
    assert all(ms >= 0 for ms in clock.stages.values()) and clock.total() >= sum(clock.stages.values())
    lean = Clock()
    app.update("mlp-25-25", False, lean)
    assert "view" not in lean.stages and "pack" not in lean.stages


def test_a_tiny_drawing_is_doubted(app):
    app.pad.reshape(PAD, PAD)[130:150, 135:150] = 255
    pred = app.update("cnn")["prediction"]
    assert pred["state"] == "unsure" and pred["reason"] == "small"


def test_call_runs_a_registered_function_with_the_app(app, seven):
    app.pad[:] = seven.reshape(-1)
    d = app.call("inspect.node", {"model": "mlp-25-25", "id": "h1:4"})
    want = app.model("mlp-25-25")[0].forward(preprocess.to_mnist(seven).reshape(1, 784))
    assert d["z"] == pytest.approx(float(want["h1"].z[0, 4]), abs=1e-6)
    with pytest.raises(KeyError, match="no.such"):
        app.call("no.such")


def test_the_editor_lists_its_files_and_presets(app):
    info = app.edit_files()
    assert {f["path"] for f in info["files"]} == set(app.live.entries) and info["version"] == 0
    assert not any(f["edited"] for f in info["files"]) and info["presets"]


# ---- damaged model files ---------------------------------------------------------------------

@pytest.fixture
def weights_copy(tmp_path, monkeypatch):
    """A copy of weights/ that models.load reads from ($DIGITLAB_WEIGHTS); break it freely."""
    dest = tmp_path / "weights"
    shutil.copytree(models.weights_dir(), dest)
    monkeypatch.setenv("DIGITLAB_WEIGHTS", str(dest))
    return dest


def test_a_truncated_model_is_reported_and_its_fallback_runs(weights_copy, app, heard, seven):
    npz = weights_copy / "cnn.npz"
    npz.write_bytes(npz.read_bytes()[:5000])
    net, _ = app.model("cnn")
    assert len(heard["faults"]) == 1
    name, problem, fallback = heard["faults"][0]
    assert (name, fallback) == ("cnn", "cnn-small") and "truncated" in problem and "cnn.npz" in problem
    out = app.result(seven, "cnn")
    want = models.load("cnn-small").forward(preprocess.to_mnist(seven).reshape(1, 784)).probs[0]
    np.testing.assert_allclose(out["probs"], want, atol=1e-6)
    assert net.specs() == models.build("cnn-small").specs()
    assert not app.check() and list(app.faults) == ["cnn"]
    app.report_faults()
    assert len(heard["faults"]) == 1                        # told once


def test_a_missing_file_is_named_as_missing(weights_copy, heard):
    (weights_copy / "cnn.json").write_text("<!doctype html><title>404 Not Found</title>")
    (weights_copy / "cnn-small.npz").unlink()
    app = App(on_fault=lambda *f: heard["faults"].append(f))
    assert app.fallback("cnn") == "mlp-128-64-32"
    app.report_faults()
    told = {name: (problem, fallback) for name, problem, fallback in heard["faults"]}
    assert set(told) == {"cnn", "cnn-small"}
    assert all("missing" in p and f == "mlp-128-64-32" for p, f in told.values())
    assert "cnn.json" in told["cnn"][0] and "cnn-small.npz" in told["cnn-small"][0]


def test_a_network_whose_output_is_not_a_number_shows_that_and_the_next_update_recovers(app, two):
    """Finite but huge weights (here 3e38 in h1) overflow on a real drawing: the answer is the
    "nan" state with no digit and no percentages, the diagram is still made, and the page's next
    update on a working network is an ordinary answer (before: ValueError, the page stopped)."""
    net = models.load("mlp-25-25").copy()
    net.params["h1"]["W"][:] = np.float32(3e38)
    app.put("broken", net)
    out = app.result(two, "broken")
    assert not np.isfinite(out["probs"]).all()
    assert out["prediction"] == {"digit": None, "confidence": 0.0, "state": "nan"}
    assert out["percent"] is None
    assert ids(out["view"]["nodes"]) and ids(out["view"]["links"]) and out["view"]["winner"] is None
    pair = np.maximum(two, np.roll(two, -120, axis=1))              # two 2s side by side
    assert app.result(pair, "mlp-25-25")["digits"]["sequence"] == "22"
    assert app.result(pair, "broken")["digits"] == {"sequence": "??", "digits": ["?", "?"], "confidence": [0.0, 0.0]}
    again = app.result(two, "mlp-25-25")
    assert again["prediction"]["state"] == "sure" and again["prediction"]["digit"] == 2
