"""Finite-difference checks of every layer, activation and loss, on random shapes.

Computed in float64 (the layers are dtype-generic) so central differences are exact
enough to compare at 1e-5.
"""

import numpy as np
import pytest

from digitlab.core import Conv2D, Dense, Flatten, MaxPool2D, Network
from digitlab.core import activations as act
from digitlab.core.losses import mse, softmax_cross_entropy

EPS = 1e-6


def numeric_grad(f, x):
    """Central differences of scalar f() w.r.t. every element of x (modified in place, restored)."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + EPS
        hi = f()
        x[i] = old - EPS
        lo = f()
        x[i] = old
        g[i] = (hi - lo) / (2 * EPS)
    return g


def assert_close(mine, ref, what):
    err = np.abs(mine - ref).max() / max(1e-8, np.abs(ref).max())
    assert err < 1e-5, f"{what}: mine vs reference differ by {err:.2e} (relative)\nmine {mine.ravel()[:6]}\nref  {ref.ravel()[:6]}"


def away_from_kinks(x, rng):
    """Random values kept off 0 so ReLU-type kinks never sit within EPS."""
    return np.where(x >= 0, x + 0.05, x - 0.05)


LAYERS = [
    ("dense-relu", lambda r: Dense("d", int(r.integers(2, 7)), int(r.integers(2, 6)), "relu"), lambda l, r: (int(r.integers(1, 4)), l.n_in)),
    ("dense-tanh", lambda r: Dense("d", 5, 3, "tanh"), lambda l, r: (3, 5)),
    ("dense-sigmoid", lambda r: Dense("d", 4, 6, "sigmoid"), lambda l, r: (2, 4)),
    ("dense-leaky", lambda r: Dense("d", 6, 4, "leaky_relu"), lambda l, r: (3, 6)),
    ("dense-softmax", lambda r: Dense("d", 5, 4, "softmax"), lambda l, r: (3, 5)),
    ("conv", lambda r: Conv2D("c", (int(r.integers(1, 4)), int(r.integers(1, 4))), int(r.integers(1, 3)), int(r.integers(1, 4)), "relu"),
     lambda l, r: (2, int(r.integers(4, 7)), int(r.integers(4, 7)), l.c_in)),
    ("maxpool", lambda r: MaxPool2D("p", 2), lambda l, r: (2, int(r.integers(2, 7)), int(r.integers(2, 7)), 2)),
    ("flatten", lambda r: Flatten("f"), lambda l, r: (2, 3, 3, 2)),
]


@pytest.mark.parametrize("name,make,in_shape", LAYERS, ids=[l[0] for l in LAYERS])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_layer_gradients(name, make, in_shape, seed):
    rng = np.random.default_rng(seed)
    layer = make(rng)
    x = away_from_kinks(rng.standard_normal(in_shape(layer, rng)), rng)
    p = {k: v.astype(np.float64) for k, v in layer.init(rng).items()}
    if "b" in p:
        p["b"] += 0.1 * rng.standard_normal(p["b"].shape)
    _, a0, _ = layer.forward(p, x)
    upstream = rng.standard_normal(a0.shape)  # L = sum(upstream * a)

    def L():
        return float((upstream * layer.forward(p, x)[1]).sum())

    z, a, saved = layer.forward(p, x)
    dZ = act.backward(layer.activation, z, a, upstream)
    for with_saved in (saved, None):  # what forward kept, and rebuilt from x
        dX, grads = layer.backward_z(p, x, a, dZ, need_dx=True, saved=with_saved)
        assert_close(dX, numeric_grad(L, x), f"{name} dX")
        for k in p:
            assert_close(grads[k], numeric_grad(L, p[k]), f"{name} d{k}")


@pytest.mark.parametrize("loss", ["xent", "mse"])
def test_loss_gradients(loss):
    rng = np.random.default_rng(3)
    z = rng.standard_normal((4, 10))
    y = rng.integers(0, 10, 4)
    if loss == "xent":
        _, g = softmax_cross_entropy(z, y)
        assert_close(g, numeric_grad(lambda: softmax_cross_entropy(z, y)[0], z), "xent dz")
    else:
        a = rng.random((4, 10))
        _, g = mse(a, y)
        assert_close(g, numeric_grad(lambda: mse(a, y)[0], a), "mse da")


def small_cnn(rng):
    return Network([Conv2D("conv1", 3, 1, 3), MaxPool2D("pool1"), Conv2D("conv2", 2, 3, 4),
                    Flatten("flat"), Dense("fc1", 36, 5, "tanh"), Dense("out", 5, 10, "softmax")],
                   input_shape=(10, 10, 1), seed=int(rng.integers(100)))


@pytest.mark.parametrize("loss", ["xent", "mse"])
def test_network_backward_matches_finite_differences(loss):
    rng = np.random.default_rng(4)
    net = small_cnn(rng)
    net.params = {l: {k: v.astype(np.float64) for k, v in p.items()} for l, p in net.params.items()}
    x = rng.random((3, 10, 10)).astype(np.float64)
    net.prepare = lambda x: np.asarray(x, np.float64).reshape((len(x),) + net.input_shape)
    y = np.array([1, 4, 9])
    grads = net.backward(net.forward(x), y, loss)
    assert set(grads) == set(net.params)
    for layer, p in net.params.items():
        assert set(grads[layer]) == set(p)
        for k, w in p.items():
            ref = numeric_grad(lambda: net.loss(net.forward(x), y, loss), w)
            assert_close(grads[layer][k], ref, f"network {loss} {layer}.{k}")


def test_input_gradient_matches_finite_differences():
    rng = np.random.default_rng(5)
    net = small_cnn(rng)
    net.params = {l: {k: v.astype(np.float64) for k, v in p.items()} for l, p in net.params.items()}
    net.prepare = lambda x: np.asarray(x, np.float64).reshape((len(x),) + net.input_shape)
    x = rng.random((1, 10, 10, 1))
    d = np.zeros((1, 10))
    d[0, 3], d[0, 7] = 1, -1  # winner minus runner-up logit
    got = net.input_gradient(net.forward(x), d)
    ref = numeric_grad(lambda: float((net.forward(x).logits * d).sum()), x)
    assert_close(got, ref, "input gradient")


def test_maxpool_routes_a_tied_maximum_to_one_input_only():
    x = np.zeros((1, 2, 2, 1))
    x[0, 0, 1, 0] = x[0, 1, 0, 0] = 3.0  # two winners in one window
    pool = MaxPool2D("p", 2)
    _, a, _ = pool.forward({}, x)
    dX, _ = pool.backward_z({}, x, a, np.ones_like(a))
    assert dX.sum() == 1 and dX[0, 0, 1, 0] == 1
