"""The explorers' Python: the numbers the page shows are the core's, derivatives agree with
finite differences, and the learning-rate sweep shows what it claims (crawl, fastest, diverge)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digitlab import lr_sweep
from digitlab.app import App
from digitlab.core import activations as act
from digitlab.web.features import explore as ex
from digitlab.web.features import lr_explore as lrx

NAMES = list(ex.NAMES)
xs = st.floats(-6, 6, allow_nan=False).map(lambda v: float(np.float32(v)))


# ---- activations ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
@given(x=xs)
@settings(max_examples=40, deadline=None)
def test_activation_values_are_the_cores(name, x):
    res = ex.activation(None, name=name, x=x)
    z = np.array([x], np.float32)
    f, df = act.ACTIVATIONS[name]
    assert res["x"] == x
    assert res["fx"] == float(f(z)[0]), "handler vs core f"
    assert res["dfx"] == float(df(z, f(z))[0]), "handler vs core f'"


@pytest.mark.parametrize("name", NAMES)
@given(x=xs.filter(lambda v: abs(v) > 1e-2))      # away from ReLU's kink at 0
@settings(max_examples=40, deadline=None)
def test_derivative_matches_finite_differences(name, x):
    """f'(x) from the handler vs (f(x+h) - f(x-h)) / 2h of the core's f in float64."""
    f = act.ACTIVATIONS[name][0]
    h = 1e-5
    numeric = float((f(np.array([x + h])) - f(np.array([x - h])))[0] / (2 * h))
    mine = ex.activation(None, name=name, x=x)["dfx"]
    assert mine == pytest.approx(numeric, abs=2e-4), f"mine {mine} vs finite difference {numeric}"


@pytest.mark.parametrize("name", NAMES)
def test_curve_is_sampled_by_the_core(name):
    curve = ex.activation(None, name=name, x=0.5, curve=True)["curve"]
    z = np.asarray(curve["xs"], np.float32)
    f, df = act.ACTIVATIONS[name]
    assert len(z) == ex.CURVE[2] and z[0] == ex.CURVE[0] and z[-1] == ex.CURVE[1]
    np.testing.assert_array_equal(curve["f"], f(z))
    np.testing.assert_array_equal(curve["df"], df(z, f(z)))


def test_activation_follows_an_edited_core(monkeypatch):
    """The page's code editor replaces ACTIVATIONS entries: the explorer must show the edit."""
    monkeypatch.setitem(act.ACTIVATIONS, "relu", (lambda z: 2 * z, lambda z, a: np.full_like(z, 2)))
    res = ex.activation(None, name="relu", x=1.5)
    assert (res["fx"], res["dfx"]) == (3.0, 2.0)


def test_unknown_activation_is_refused():
    with pytest.raises(ValueError, match="unknown activation"):
        ex.activation(None, name="__import__", x=1)


# ---- softmax --------------------------------------------------------------------------------

@given(z=st.lists(st.floats(-8, 8, allow_nan=False), min_size=2, max_size=6),
       T=st.floats(0.1, 10, allow_nan=False))
@settings(max_examples=60, deadline=None)
def test_softmax_with_temperature(z, T):
    res = ex.softmax(None, z=z, T=T)
    zt = np.asarray(z, np.float32) / np.float32(T)
    np.testing.assert_array_equal(res["p"], act.softmax(zt.reshape(1, -1))[0])
    ref = np.exp(zt.astype(np.float64) - zt.max())
    np.testing.assert_allclose(res["p"], ref / ref.sum(), atol=1e-6)
    assert sum(res["p"]) == pytest.approx(1, abs=1e-5)


def test_temperature_sharpens_and_flattens():
    z = [2.0, 1.0, 0.1, -1.0]
    cold, warm, hot = (ex.softmax(None, z=z, T=T)["p"] for T in (0.1, 1.0, 10.0))
    assert cold[0] > warm[0] > hot[0] > 0.25
    assert max(hot) - min(hot) < 0.1


# ---- the neuron -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(ex.NEURON_ACTS))
@given(x=st.lists(st.floats(-5, 5, allow_nan=False), min_size=2, max_size=3),
       w=st.lists(st.floats(-3, 3, allow_nan=False), min_size=3, max_size=3),
       b=st.floats(-2, 2, allow_nan=False))
@settings(max_examples=25, deadline=None)
def test_neuron_is_a_dense_layer(name, x, w, b):
    res = ex.neuron(None, x=x, w=w, b=b, activation=name)
    x32, w32, b32 = np.float32(x), np.float32(w[:len(x)]), np.float32(b)
    z_ref = float(np.dot(x32.astype(np.float64), w32.astype(np.float64)) + b32)
    assert res["z"] == pytest.approx(z_ref, abs=1e-4)
    f = act.ACTIVATIONS[name][0]
    assert res["a"] == float(f(np.array([res["z"]], np.float32))[0])
    np.testing.assert_allclose(res["terms"], w32 * x32)
    assert len(res["terms"]) == len(x)


def test_neuron_worked_example():
    res = ex.neuron(None, x=[1, 0.5], w=[0.8, -0.4], b=0.1, activation="relu")
    assert res["z"] == pytest.approx(0.7, abs=1e-6) and res["a"] == pytest.approx(0.7, abs=1e-6)
    assert ex.neuron(None, x=[1, 2], w=[-1, -1], b=0, activation="relu")["a"] == 0


# ---- the learning-rate sweep ----------------------------------------------------------------

@pytest.fixture(scope="module")
def finished():
    """One full sweep and its landscape, driven through the page's own handlers."""
    app = App()
    lrx.start(app)
    for _ in range(100_000):
        rep = lrx.work(app, budget_ms=50)
        if rep["phase"] == "done":
            return app, rep, app.features["lr"]
    pytest.fail("the sweep never finished")


def test_every_rate_has_a_curve(finished):
    _, rep, _ = finished
    assert [r["lr"] for r in rep["runs"]] == list(lr_sweep.RATES)
    for r in rep["runs"]:
        assert r["losses"][0] == rep["runs"][0]["losses"][0]          # same starting weights
        # every step recorded; a run that blew up stops at that step, its loss the last one kept
        assert len(r["losses"]) == (rep["steps"] if r["blowup"] is None else r["blowup"] + 1), r["lr"]
    assert [r["blowup"] is not None for r in rep["runs"]] == [False] * (len(lr_sweep.RATES) - 1) + [True]


def test_small_rate_crawls_middle_is_fastest_large_diverges(finished):
    _, rep, _ = finished
    runs = rep["runs"]
    small, large = runs[0], runs[-1]
    fastest = [i for i, r in enumerate(runs) if r["verdict"] == "fastest"]
    assert len(fastest) == 1 and 0 < fastest[0] < len(runs) - 1, [r["verdict"] for r in runs]
    best = runs[fastest[0]]
    # the smallest rate does learn, but after all its steps is behind where the best was after a tenth
    assert small["final"] < small["start"]
    assert small["final"] > best["losses"][rep["steps"] // 10]
    assert small["verdict"] == "crawls"
    assert best["final"] < 0.1 * small["final"]
    # the largest blows up, is flagged, and says where
    assert large["diverged"] and large["verdict"] == "diverged"
    assert large["blowup"] is not None and large["diverged_at"] == large["blowup"] < rep["steps"]
    assert not math.isfinite(large["losses"][-1])
    assert all(not r["diverged"] for r in runs[:-1])


def test_sweep_steps_are_the_cores_sgd():
    """A run's first step is exactly params - lr * Network.backward on the full batch."""
    sweep = lr_sweep.Sweep(rates=[0.1], steps=1)
    net0 = lr_sweep.toy_network()
    grads = net0.backward(net0.forward(sweep.X), sweep.y)
    sweep.advance()
    run = sweep.runs[0]
    for layer, g in grads.items():
        for key in g:
            want = net0.params[layer][key] - np.float32(0.1) * g[key]
            np.testing.assert_array_equal(run.net.params[layer][key], want)


def test_landscape_centre_is_the_trained_loss(finished):
    _, rep, st_ = finished
    land, L = st_.land, rep["landscape"]
    run = st_.sweep.runs[land.index]
    assert run is st_.sweep.runs[L["run"]] and L["run"] == rep["runs"].index(
        next(r for r in rep["runs"] if r["verdict"] == "fastest"))
    n = L["n"]
    grid = np.asarray(L["grid"]).reshape(n, n)
    X, y = st_.sweep.X, st_.sweep.y
    trained = run.net.loss(run.net.forward(X), y)                 # the run's own network, as trained
    assert grid[n // 2, n // 2] == L["centre_loss"] == pytest.approx(trained, rel=1e-6)
    assert np.isfinite(grid).all() and grid.min() <= grid[n // 2, n // 2]
    path = np.asarray(L["path"]).reshape(-1, 2)
    np.testing.assert_allclose(path[-1], 0, atol=1e-9)            # the path ends at the centre
    assert abs(path[:, 0]).max() <= L["alpha"][-1] and abs(path[:, 1]).max() <= L["beta"][-1]


def test_landscape_directions_are_orthonormal(finished):
    land = finished[2].land
    np.testing.assert_allclose(land.dirs @ land.dirs.T, np.eye(2), atol=1e-9)
    assert 0.5 < land.explained[0] <= 1 and sum(land.explained) <= 1 + 1e-9


def test_landscape_of_another_run(finished):
    app = App()
    lrx.start(app, rates=[0.01, 0.1], steps=40)
    rep = lrx.landscape(app, run=0)
    while rep["phase"] != "done":
        rep = lrx.work(app, budget_ms=50)
    assert rep["landscape"]["run"] == 0 and rep["landscape"]["lr"] == 0.01


def test_diverged_run_keeps_its_last_finite_weights():
    sweep = lr_sweep.Sweep(rates=[10.0], steps=300)
    while not sweep.done:
        sweep.advance()
    run = sweep.runs[0]
    assert run.stopped
    assert math.isfinite(lr_sweep.loss_at(run.net, run.weights(), sweep.X, sweep.y))


def test_work_is_cut_into_small_pieces():
    app = App()
    rep = lrx.start(app)
    rep = lrx.work(app, budget_ms=1)
    assert rep["phase"] == "train" and rep["did"]["steps"] >= 1
    assert 1 <= sum(len(r["losses"]) for r in rep["runs"]) < 5 * lr_sweep.STEPS


def test_each_app_has_its_own_sweep():
    """The sweep is the app's (registry.state): a second App starts fresh and leaves the first alone."""
    one, two = App(), App()
    lrx.start(one, rates=[0.1], steps=20)
    lrx.work(one, budget_ms=50)
    done = len(one.features["lr"].sweep.runs[0].losses)
    rep = lrx.start(two, rates=[0.01, 0.1], steps=30)
    assert [r["lr"] for r in rep["runs"]] == [0.01, 0.1] and rep["steps"] == 30
    assert [r["lr"] for r in lrx.report(one)["runs"]] == [0.1] and done > 0
    assert len(one.features["lr"].sweep.runs[0].losses) == done
    assert one.features["lr"] is not two.features["lr"]
