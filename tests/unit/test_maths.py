"""'Live maths': the terms shown add up to the forward pass's own z, and the TeX shows those numbers."""

import numpy as np
import pytest

from digitlab import data, explain, models, preprocess
from digitlab.web.features import maths

ARCHS = list(models.ARCHS)


@pytest.fixture(scope="module")
def image():
    X, _ = data.load("test")
    return X[3].astype(np.float32) / 255


def pad_of(x):
    """A 28x28 image drawn 10x on a 280x280 pad, as the page would send it."""
    return np.kron((x * 255).astype(np.uint8), np.ones((10, 10), np.uint8))


@pytest.mark.parametrize("arch", ARCHS)
def test_terms_plus_rest_plus_bias_is_z_for_every_dense_unit(arch, image):
    net = models.load(arch)
    trace = net.forward(image.reshape(1, 784))
    for i, layer in enumerate(net.layers):
        if layer.kind != "dense":
            continue
        for unit in range(layer.n_out):
            s = explain.unit_sum(net, trace, i, unit, k=4)
            total = sum(t["wa"] for t in s["terms"]) + s["rest"] + s["b"]
            assert total == pytest.approx(s["z"], abs=1e-9)
            assert s["z"] == pytest.approx(s["z_trace"], abs=1e-4 * max(1, abs(s["z_trace"]))), (layer.name, unit)
            assert s["n_rest"] == layer.n_in - 4
            sizes = [abs(t["wa"]) for t in s["terms"]]
            assert sizes == sorted(sizes, reverse=True)
            assert all(t["wa"] == pytest.approx(t["w"] * t["a"]) for t in s["terms"])


def test_dense_terms_are_the_biggest_and_exact_on_a_small_case():
    w = np.float32([0.5, -2.0, 0.1, 1.0])
    a = np.float32([1.0, 1.0, 3.0, 0.0])
    s = explain.dense_terms(w, a, 0.25, k=2)
    assert [t["i"] for t in s["terms"]] == [1, 0]
    assert s["rest"] == pytest.approx(0.3) and s["n_rest"] == 2
    assert s["z"] == pytest.approx(0.5 - 2.0 + 0.3 + 0.25)


@pytest.mark.parametrize("arch", ["cnn-small", "cnn"])
def test_conv_window_sum_and_pool_max_are_the_trace(arch, image):
    net = models.load(arch)
    trace = net.forward(image.reshape(1, 784))
    for i, layer in enumerate(net.layers):
        if layer.kind == "conv2d":
            u = explain.conv_unit(net, trace, i)
            assert u["z"] == pytest.approx(u["z_trace"], abs=1e-4)
            assert u["a_out"] == pytest.approx(max(0.0, u["z_trace"]), abs=1e-6)
            assert u["a_out"] == pytest.approx(float(trace.layers[i].a.max()))
            assert u["n"] == layer.kh * layer.kw * layer.c_in
        if layer.kind == "maxpool2d":
            u = explain.pool_unit(net, trace, i)
            assert len(u["window"]) == layer.size ** 2 and max(u["window"]) == u["a_out"]


@pytest.mark.parametrize("arch", ARCHS)
def test_the_chosen_unit_story_is_the_forward_pass(arch, image):
    net = models.load(arch)
    trace = net.forward(preprocess.to_mnist(pad_of(image)).reshape(1, 784))     # what the page reads
    for unit in (None, 0, 9):
        res = maths.explain_drawing(net, pad_of(image), unit)
        u = int(np.argmax(trace.probs[0])) if unit is None else unit
        assert res["unit"] == u and res["winner"] == int(np.argmax(trace.probs[0]))
        assert res["z"] == pytest.approx(float(trace.logits[0, u]), abs=1e-5)
        assert res["p"] == pytest.approx(float(trace.probs[0, u]), abs=1e-6)
        s = res["sum"]
        assert sum(t["wa"] for t in s["terms"]) + s["rest"] + s["b"] == pytest.approx(res["z"], abs=1e-4)
        src = trace.layers[-2]
        j = s["terms"][0]["i"]
        assert res["relu"] == {"id": f"{src.name}:{j}", "z": float(src.z[0, j]), "a": float(src.a[0, j])}
        assert res["softmax"]["p"] == pytest.approx(res["p"], abs=1e-6)
        # What is typeset is these numbers.
        assert maths.num(res["z"], 3) in res["tex"]["sum"]
        assert all(maths.num(t["wa"]) in res["tex"]["sum"] for t in s["terms"])
        assert maths.num(res["relu"]["a"], 3) in res["tex"]["relu"]
        assert maths.num(res["softmax"]["p"], 4) in res["tex"]["softmax"]


@pytest.mark.parametrize("arch", ARCHS)
def test_a_card_per_layer_with_shapes_params_and_active_units(arch, image):
    net = models.load(arch)
    trace = net.forward(preprocess.to_mnist(pad_of(image)).reshape(1, 784))
    cards = maths.explain_drawing(net, pad_of(image))["layers"]
    assert [c["name"] for c in cards] == [l.name for l in net.layers]
    assert sum(c["params"] for c in cards) == net.n_params()
    for i, c in enumerate(cards):
        assert tuple(c["shape_out"]) == net.shapes()[i]
        if net.layers[i].activation == "relu":
            assert c["active"] == int((trace.layers[i].a > 0).sum())
        assert c["tex"] and all(isinstance(t, str) and t for t in c["tex"])
    blank = maths.explain_drawing(net, np.zeros((280, 280), np.uint8))
    assert blank["blank"] is True and [c["active"] for c in blank["layers"]] == [None] * len(cards)


def test_numbers_for_tex():
    assert maths.num(-0.0001) == "0.00" and maths.num(2.345, 1) == "2.3"
    assert maths.paren(-1.5) == "(-1.50)" and maths.paren(1.5) == "1.50"


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "leaky_relu"])
def test_other_activations_get_their_own_symbol_and_no_relu_step(activation, image):
    """A network trained in the page may use any activation; the TeX names it (no raw underscores)."""
    net = models.mlp((16,), activation=activation)
    res = maths.explain_drawing(net, pad_of(image))
    assert res["relu"] is None and res["tex"]["relu"] == ""
    first = res["layers"][0]["tex"][0]
    assert maths.FUNCTIONS[activation] in first and "_relu" not in first
    assert res["layers"][0]["active"] is None
