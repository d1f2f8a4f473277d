"""The inspector's maths (digitlab.inspect_unit, behind web/features/inspect.py) on the shipped weights and real MNIST.

Each unit's numbers are rebuilt here from the weights and the trace by hand: z = Σ w·a + b
for dense units, a correlation of the patch for conv channels, the pool window's max for a
CNN feature, so the inspector cannot just echo the trace it was given.
"""

import numpy as np
import pytest

from digitlab import data, models, preprocess
from digitlab import inspect_unit as unit
from digitlab.web.features import inspect


@pytest.fixture(scope="module")
def x():
    X, _ = data.load("test")
    return X[0].astype(np.float32) / 255            # a 7


@pytest.fixture(scope="module")
def mlp(x):
    net = models.load("mlp-128-64")
    return net, net.forward(x.reshape(1, 784))


@pytest.fixture(scope="module")
def cnn(x):
    net = models.load("cnn")
    return net, net.forward(x.reshape(1, 784))


@pytest.mark.parametrize("node", ["h1:0", "h1:77", "h2:5", "out:7", "out:2"])
def test_dense_unit_values_and_contributions(mlp, x, node):
    net, trace = mlp
    name, j = node.split(":")
    j = int(j)
    d = unit.describe(net, trace, node, full=True)
    src = {"h1": x.reshape(-1), "h2": trace["h1"].a[0], "out": trace["h2"].a[0]}[name]
    W, b = net.params[name]["W"].astype(np.float64), float(net.params[name]["b"][j])
    z = float(src @ W[:, j]) + b
    assert d["z"] == pytest.approx(z, abs=1e-4) and d["bias"] == b
    assert d["a"] == pytest.approx(float(trace[name].a[0, j]), abs=1e-7)
    assert d["sum"] + d["bias"] == pytest.approx(d["z"], abs=1e-4)
    c = src * W[:, j]
    order = np.argsort(-np.abs(c))[:unit.TOP]
    prefix = {"h1": "in", "h2": "h1", "out": "h2"}[name]
    assert [i["id"] for i in d["incoming"]] == [f"{prefix}:{k}" for k in order]
    np.testing.assert_allclose([i["c"] for i in d["incoming"]], c[order], atol=1e-6)
    assert d["switch"] == (None if name == "out" else node)
    assert d["stats"]["n"] == W.shape[0] and d["stats"]["max"] == pytest.approx(W[:, j].max())


def test_first_layer_pictures_are_28_by_28(mlp):
    net, trace = mlp
    d = unit.describe(net, trace, "h1:3", full=True)
    assert (d["learned"]["w"], d["learned"]["h"], d["learned"]["n"]) == (28, 28, 1)
    assert len(d["learned"]["rgba"]) == 28 * 28 * 4
    assert d["learned"]["peak"] == pytest.approx(float(np.abs(net.params["h1"]["W"][:, 3]).max()))
    d2 = unit.describe(net, trace, "h2:3", full=True)
    assert d2["learned"]["w"] * d2["learned"]["h"] == 128


@pytest.mark.parametrize("node", ["conv1:0", "conv1:9", "conv2:4", "conv2:31", "pool1:9", "pool2:4"])
def test_conv_channel_is_read_where_it_answers_most(cnn, node):
    net, trace = cnn
    d = unit.describe(net, trace, node, full=True)
    conv = {"pool1": "conv1", "pool2": "conv2"}.get(node.split(":")[0], node.split(":")[0])
    ch = int(node.split(":")[1])
    a_map = trace[conv].a[0, :, :, ch]
    r, c = d["pixel"]
    assert d["a"] == pytest.approx(float(a_map.max())) and a_map[r, c] == a_map.max()
    layer_in = trace.x[0] if conv == "conv1" else trace["pool1"].a[0]
    W = net.params[conv]["W"][..., ch].astype(np.float64)
    kh, kw = W.shape[:2]
    z = float((layer_in[r:r + kh, c:c + kw, :] * W).sum()) + float(net.params[conv]["b"][ch])
    assert d["z"] == pytest.approx(z, abs=1e-4)
    assert d["switch"] == f"{conv}:{ch}"
    assert d["learned"]["n"] == W.shape[2] and (d["learned"]["h"], d["learned"]["w"]) == (kh, kw)
    assert d["response"]["map"]["w"] == a_map.shape[1]


def test_every_flat_feature_is_its_pool_winner(cnn):
    net, trace = cnn
    flat = trace["flat"].a[0]
    for k in list(range(0, flat.size, 37)) + [int(np.argmax(flat))]:
        d = unit.describe(net, trace, f"flat:{k}")
        assert d["a"] == flat[k], k                        # the very number the diagram shows
        r, c = d["pixel"]
        assert d["layer"] == "conv2" and trace["conv2"].a[0, r, c, k % 32] == flat[k]
        assert (r // 2, c // 2) == divmod(k // 32, 4)


def test_fc1_weights_are_shown_on_the_maps_they_read(cnn):
    net, trace = cnn
    d = unit.describe(net, trace, "fc1:5", full=True)
    assert (d["learned"]["h"], d["learned"]["w"], d["learned"]["n"]) == (4, 4, 32)
    assert d["incoming"][0]["id"].startswith("flat:")


def test_input_pixels(mlp, x):
    net, trace = mlp
    d = unit.describe(net, trace, "in:300", full=True)
    assert d["a"] == pytest.approx(float(x.reshape(-1)[300])) and d["z"] is None and d["switch"] is None
    assert d["pixel"] == [10, 20]


@pytest.mark.parametrize("node", ["h1:128", "in:784", "conv1:0", "zz:1", "h1", "h1:x", "", "<b>:1"])
def test_unknown_ids_are_refused(mlp, node):
    net, trace = mlp
    with pytest.raises(unit.UnitError):
        unit.describe(net, trace, node)


def test_cnn_has_no_input_nodes(cnn):
    with pytest.raises(unit.UnitError):
        unit.describe(*cnn, "in:3")


def test_the_handler_reads_the_pad_like_the_page(app, seven):
    app.pad[:] = seven.reshape(-1)
    d = inspect.node(app, model="mlp-25-25", id="h1:4", full=True)
    net = app.model("mlp-25-25")[0]
    want = net.forward(preprocess.to_mnist(seven).reshape(1, 784))
    assert d["z"] == pytest.approx(float(want["h1"].z[0, 4]), abs=1e-6) and not d["blank"]
    assert inspect.node(app, model="mlp-25-25", id="nope:1")["error"]
    app.pad[:] = 0
    blank = inspect.node(app, model="mlp-25-25", id="h1:4", full=True)
    assert blank["blank"] and blank["z"] is None and blank["learned"]["n"] == 1
