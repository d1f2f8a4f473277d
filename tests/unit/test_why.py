"""'Why this digit?': saliency against finite differences, ablation against re-running a damaged copy."""

import numpy as np
import pytest

from digitlab import data, explain, models, preprocess
from digitlab.core import Network
from digitlab.web.features import why

ARCHS = list(models.ARCHS)


@pytest.fixture(scope="module")
def digits():
    """A few real MNIST test images, (n, 28, 28) float32 in [0, 1], and their labels."""
    X, y = data.load("test")
    idx = [0, 1, 2, 3, 18, 247]           # 247 is one the small models get wrong
    return X[idx].astype(np.float32) / 255, y[idx]


def as_float64(net):
    """The same network with float64 weights: finite differences then measure the maths, not rounding."""
    params = {k: {n: v.astype(np.float64) for n, v in p.items()} for k, p in net.params.items()}
    return Network(net.layers, params, net.input_shape)


def margin(net, x, w, r):
    z = net.forward(x.reshape(1, 784)).logits[0]
    return float(z[w]) - float(z[r])


def one_sided(net, x, i, j, eps, w, r):
    """Forward and backward differences of the margin at pixel (i, j), by the real float32 steps."""
    up, down = x.copy(), x.copy()
    up[i, j] += eps
    down[i, j] -= eps
    m0 = margin(net, x, w, r)
    return ((margin(net, up, w, r) - m0) / (float(up[i, j]) - float(x[i, j])),
            (m0 - margin(net, down, w, r)) / (float(x[i, j]) - float(down[i, j])))


@pytest.mark.parametrize("arch", ARCHS)
def test_saliency_is_gradient_times_input_by_finite_differences(arch, digits):
    net = as_float64(models.load(arch))
    for x in digits[0][:3]:
        sal = explain.saliency(net, net.forward(x.reshape(1, 784)))
        w, r = sal["winner"], sal["runner"]
        eps = 1e-5         # small enough not to cross a ReLU or max-pool kink; the float32 input's
        ink = np.argwhere(x > 0.2)
        rng = np.random.default_rng(0)
        peak = np.abs(sal["grad"]).max()
        checked = 0
        for i, j in ink[rng.choice(len(ink), 12, replace=False)]:
            fd_up, fd_down = one_sided(net, x, i, j, eps, w, r)
            if abs(fd_up - fd_down) > 1e-3 * peak:
                continue    # a kink (a max-pool tie: thick ink makes equal windows): no derivative
            checked += 1
            fd = (fd_up + fd_down) / 2
            assert sal["grad"][i, j] == pytest.approx(fd, abs=2e-3 * peak), (arch, i, j, "mine vs fd")
            assert sal["map"][i, j] == pytest.approx(fd * x[i, j], abs=2e-3 * peak)
        assert checked >= 8, (arch, "too few differentiable points", checked)
        # The whole map at once: its sum is the derivative along the input itself.
        up, down = x * np.float32(1 + 1e-3), x * np.float32(1 - 1e-3)
        fd = (margin(net, up, w, r) - margin(net, down, w, r)) / 2e-3
        assert float(sal["map"].sum()) == pytest.approx(fd, rel=2e-3, abs=1e-3), (arch, "mine vs fd")


def test_saliency_names_winner_and_runner_and_is_zero_off_ink(digits):
    net = models.load("mlp-128-64")
    x = digits[0][0]
    trace = net.forward(x.reshape(1, 784))
    sal = explain.saliency(net, trace)
    order = np.argsort(-trace.logits[0])
    assert (sal["winner"], sal["runner"]) == (order[0], order[1])
    assert sal["margin"] == pytest.approx(float(trace.logits[0, order[0]] - trace.logits[0, order[1]]))
    assert np.all(sal["map"][x == 0] == 0) and np.any(sal["grad"][x == 0] != 0)
    assert sal["map"].dtype == np.float32 and sal["map"].shape == (28, 28)


def switched_off(net, layer, unit):
    """A copy whose unit produces 0 for every input: ReLU of z = 0 (its weights and bias zeroed)."""
    damaged = net.copy()
    damaged.params[layer]["W"][..., unit] = 0
    damaged.params[layer]["b"][unit] = 0
    return damaged


@pytest.mark.parametrize("arch", ARCHS)
def test_ablation_matches_re_running_a_damaged_copy(arch, digits):
    net = models.load(arch)
    x = digits[0][5].reshape(1, 784)
    trace = net.forward(x)
    ranked = explain.ablation(net, trace, top=None)
    p0 = explain.softmax64(trace.logits[0])
    winner = int(np.argmax(p0))
    n_units = sum(net.shapes()[i][-1] for i in explain.hidden_layers(net))
    assert len(ranked) == n_units
    direct = {}
    for r in ranked:
        z = switched_off(net, r["layer"], r["unit"]).forward(x).logits[0]
        p = explain.softmax64(z)
        direct[r["id"]] = 100 * (p[winner] - p0[winner])
        assert r["delta_pp"] == pytest.approx(direct[r["id"]], abs=1e-4), (r["id"], "mine vs direct")
        assert r["digit"] == int(np.argmax(p))
    sizes = [abs(r["delta_pp"]) for r in ranked]
    assert sizes == sorted(sizes, reverse=True)
    best = sorted(direct, key=lambda k: -abs(direct[k]))[:8]
    assert abs(direct[best[-1]]) == pytest.approx(sizes[7], abs=1e-4)
    assert explain.ablation(net, trace, top=8) == ranked[:8]


def test_switching_off_a_unit_that_matters_changes_the_answer(digits):
    """mlp-25-25 is small enough that one unit can flip a drawing (a real, not a synthetic, case)."""
    net = models.load("mlp-25-25")
    trace = net.forward(digits[0][0].reshape(1, 784))
    top = explain.ablation(net, trace, top=1)[0]
    assert top["delta_pp"] < -50 and top["digit"] != int(np.argmax(trace.probs[0]))


def test_the_handler_reads_the_pad_and_places_the_field_on_it(digits):
    x, _ = digits
    pad = np.zeros((280, 280), np.uint8)
    pad[70:210, 30:170] = np.kron((x[0] * 255).astype(np.uint8), np.ones((5, 5), np.uint8))
    res = why.explain_drawing(models.load("cnn-small"), pad)
    want = preprocess.to_mnist(pad)
    assert res["blank"] is False
    np.testing.assert_array_equal(res["input"], want.reshape(-1))
    net = models.load("cnn-small")
    sal = explain.saliency(net, net.forward(want.reshape(1, 784)))
    np.testing.assert_array_equal(res["saliency"], sal["map"].reshape(-1))
    # MNIST digits are already centred 28x28 fields: the field drawn 5x at (70, 30) comes back.
    top, left, h, w = res["frame"]
    assert (h, w) == (pytest.approx(140 / 280, abs=0.02), pytest.approx(140 / 280, abs=0.02))
    assert (top, left) == (pytest.approx(70 / 280, abs=5 / 280), pytest.approx(30 / 280, abs=5 / 280))
    assert len(res["image"]) == 28 * 28 * 4 and len(res["units"]) == why.TOP_UNITS
    assert why.explain_drawing(models.load("cnn-small"), np.zeros((280, 280), np.uint8)) == {"blank": True}
