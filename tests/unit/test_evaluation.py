"""digitlab.evaluation: the figures, a cell's images, coverage and PCA, against plain definitions;
then Evaluate's page side (web/features/evaluation.py, evalmap.py) on a real App."""

import io

import numpy as np
import pytest

from digitlab import data
from digitlab import evaluation as ev
from digitlab.app import PAD, App
from digitlab.web.features import evalmap


def probs(n=300, seed=1):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, 10)) * 3
    P = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    return P.astype(np.float32), rng.integers(0, 10, n)


def test_figures_follow_their_definitions():
    P, y = probs()
    f = ev.figures(P, y)
    pred = P.argmax(axis=1)
    assert f["accuracy"] == pytest.approx(np.mean(pred == y))
    assert f["xent"] == pytest.approx(np.mean([-np.log(P[i, y[i]]) for i in range(len(y))]), rel=1e-6)
    assert f["errors"] == int(np.sum(pred != y))
    assert f["confident_errors"] == int(np.sum((pred != y) & (P.max(axis=1) > 0.9)))
    C = np.array(f["confusion"])
    assert C.sum() == len(y) and all(C[t, p] == np.sum((y == t) & (pred == p)) for t in range(10) for p in range(10))
    for t in range(10):
        assert f["per_class"][t] == pytest.approx(np.mean(pred[y == t] == t))
        assert sum(f["shade"][t]) == pytest.approx(1, abs=1e-3)


def test_a_cell_holds_its_images_most_confident_first():
    P, y = probs()
    pred = P.argmax(axis=1)
    t, p = y[0], pred[0]
    pos = ev.cell(P, y, t, p)
    assert set(pos) == set(np.flatnonzero((y == t) & (pred == p)))
    assert np.all(np.diff(P[pos, p]) <= 0)


def test_coverage_and_its_curve():
    P, y = probs()
    conf, right = P.max(axis=1), P.argmax(axis=1) == y
    c = ev.coverage(conf, right, 0.7)
    assert c["coverage"] == pytest.approx(np.mean(conf >= 0.7))
    assert c["accuracy"] == pytest.approx(np.mean(right[conf >= 0.7]))
    assert ev.coverage(conf, right, 1.01)["accuracy"] is None
    curve = ev.coverage_curve(conf, right)
    assert curve[-1, 0] == 1 and curve[-1, 1] == pytest.approx(right.mean())
    for cov, acc, thr in curve:
        assert acc == pytest.approx(np.mean(right[conf >= thr]))   # no ties in random floats


@pytest.mark.parametrize("d", [5, 40, 300])
def test_pca_gives_the_svds_axes_up_to_sign(d):
    rng = np.random.default_rng(d)
    A = rng.standard_normal((500, d)) * np.linspace(3, 0.5, d) + 7
    mean, axes, var = ev.pca(A)
    Vt = np.linalg.svd(A - A.mean(axis=0), full_matrices=False)[2][:2]
    assert np.allclose(np.abs(axes @ Vt.T), np.eye(2), atol=1e-6)
    assert np.allclose(mean, A.mean(axis=0))


def test_nearest_are_the_nearest():
    rng = np.random.default_rng(3)
    A, v = rng.standard_normal((400, 20)), rng.standard_normal(20)
    got = ev.nearest(A, (A * A).sum(axis=1), v)
    assert got.tolist() == np.argsort(((A - v) ** 2).sum(axis=1))[:5].tolist()


# ---- the page side (web/features/evaluation.py, evalmap.py) on a real App and real test images ----

@pytest.fixture(scope="module")
def run():
    """An App with 300 real test images evaluated by mlp-25-25, in uneven slices."""
    X, y = data.load("test")
    app = App()
    buf = io.BytesIO()
    np.savez_compressed(buf, x=X[:300], y=y[:300], index=np.arange(300, dtype=np.uint16) + 5000)
    app.call("damage.evalset", {"data": memoryview(buf.getvalue())})
    assert app.call("eval.start", {"model": "mlp-25-25"}) == {"n": 300, "model": "mlp-25-25", "images": "sample"}
    for stop in (7, 100, 101, 290, 1000):
        app.call("eval.step", {"stop": stop})
    return app, X[:300], y[:300].astype(int)


def test_the_run_scores_every_image_once_with_the_network_in_use(run):
    app, X, y = run
    f = app.call("eval.figures")
    net = app.model("mlp-25-25")[0]
    pred = net.predict_proba(X.astype(np.float32) / 255).argmax(axis=1)
    assert f["preds"].tolist() == pred.tolist() and f["indices"].tolist() == list(range(5000, 5300))
    assert f["confusion"] == ev.confusion(y, pred).tolist()
    c = app.call("eval.cell", {"true": 3, "pred": 3, "limit": 4})
    assert c["total"] == int(np.sum((y == 3) & (pred == 3))) and len(c["indices"]) == 4
    assert c["pixels"].tolist() == X[c["indices"] - 5000].reshape(-1).tolist()
    with pytest.raises(ValueError):
        app.call("eval.cell", {"true": 10, "pred": 0})


def test_the_threshold_decides_the_live_answer(run):
    app = run[0]
    img = np.zeros((PAD, PAD), np.uint8)
    img[40:240, 130:150] = 255                               # a 1
    before = app.result(img, "mlp-25-25")["prediction"]
    assert "threshold" not in before                         # no threshold set: the page's own rule
    app.call("eval.threshold", {"value": 1.0})
    p = app.result(img, "mlp-25-25")["prediction"]
    assert p["state"] == "unsure" and p["reason"] == "threshold" and p["threshold"] == 100.0
    app.call("eval.threshold", {"value": 0.0})
    assert app.result(img, "mlp-25-25")["prediction"]["state"] == "sure"
    with pytest.raises(ValueError):
        app.call("eval.threshold", {"value": float("nan")})


def test_the_live_point_costs_nothing_unless_watched(run):
    app = run[0]
    app.call("map.start", {"layer": "h2"})
    while not app.call("map.step", {"budget_ms": 1})["done"]:
        pass
    img = np.zeros((PAD, PAD), np.uint8)
    img[40:240, 130:150] = 255
    assert "map_you" not in app.result(img, "mlp-25-25")     # not watched: the hook adds nothing
    assert app.call("map.watch", {"on": True}) == {"on": True}
    out = app.result(img, "mlp-25-25")
    m = evalmap.point_map(app)
    assert np.allclose(out["map_you"], (m.you - m.mean) @ m.axes.T, atol=1e-4)
    nb = app.call("map.neighbours", {"k": 5})
    A = m.A.astype(np.float64)
    assert nb["positions"].tolist() == np.argsort(((A - m.you) ** 2).sum(axis=1))[:5].tolist()
    assert app.result(np.zeros((PAD, PAD), np.uint8), "mlp-25-25")["map_you"] is None   # blank: no point
    app.call("map.watch", {"on": False})
    assert "map_you" not in app.result(img, "mlp-25-25")


def test_every_test_image_is_evaluated_when_asked(monkeypatch):
    """eval.testset takes the whole set's bytes; eval.start on "all" scores those, not the sample,
    and a map of many images shows at most POINTS of them, spread through the run."""
    X, y = data.load("test")
    app = App()
    with pytest.raises(RuntimeError):
        app.call("eval.start", {"model": "mlp-25-25", "images": "all"})     # not sent yet
    buf = io.BytesIO()
    np.savez_compressed(buf, x=X[:700], y=y[:700], index=np.arange(700, dtype=np.uint16))
    assert app.call("eval.testset", {"data": memoryview(buf.getvalue())}) == {"n": 700}
    with pytest.raises(ValueError):
        app.call("eval.start", {"model": "mlp-25-25", "images": "some"})
    assert app.call("eval.start", {"model": "mlp-25-25", "images": "all"})["n"] == 700
    app.call("eval.step", {"stop": 700})
    f = app.call("eval.figures")
    pred = app.model("mlp-25-25")[0].predict_proba(X[:700].astype(np.float32) / 255).argmax(axis=1)
    assert f["indices"].tolist() == list(range(700)) and f["preds"].tolist() == pred.tolist()
    monkeypatch.setitem(evalmap.POINTS, "pca", 100)
    assert app.call("map.start", {"layer": "input"})["n"] == 100
    while not app.call("map.step", {"budget_ms": 5})["done"]:
        pass
    m = app.call("map.points")
    assert m["indices"].tolist() == np.linspace(0, 699, 100).round().astype(int).tolist()
    assert app.call("map.neighbours")["indices"] == []        # no drawing yet


def test_a_damaged_run_also_scores_the_healthy_network_once(run):
    """Break It's copy is evaluated next to the network it was made from (the page sets the two
    confusion matrices side by side); the healthy scores are made once per healthy network."""
    app, X, y = run
    healthy = app.model("mlp-25-25")[0]
    app.call("damage.set", {"model": "mlp-25-25", "state": {"bias": False, "noise": 1.5, "layers": [], "neurons": []}})
    try:
        damaged = app.model("mlp-25-25")[0]
        assert damaged is not healthy
        calls = []
        real = ev.scores
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(ev, "scores", lambda net, *a, **k: calls.append(net) or real(net, *a, **k))
            for _ in range(2):
                app.call("eval.start", {"model": "mlp-25-25"})
                for stop in (50, 300):
                    app.call("eval.step", {"stop": stop})
                f = app.call("eval.figures")
                assert f["healthy_pending"] is (_ == 0) and (f["healthy"] is None) is (_ == 0)
                for stop in (120, 300):
                    app.call("eval.healthy", {"stop": stop})
        assert calls.count(healthy) == 2 and calls.count(damaged) == 4      # healthy: the first run only
        f = app.call("eval.figures")
        assert f["healthy_pending"] is False
        x = X.astype(np.float32) / 255
        want_d, want_h = damaged.predict_proba(x).argmax(axis=1), healthy.predict_proba(x).argmax(axis=1)
        assert f["preds"].tolist() == want_d.tolist() and f["healthy"]["preds"].tolist() == want_h.tolist()
        assert f["healthy"]["confusion"] == ev.confusion(y, want_h).tolist() != f["confusion"]
    finally:
        app.call("damage.set", {"model": "mlp-25-25", "state": {}})
    app.call("eval.start", {"model": "mlp-25-25"})
    app.call("eval.step", {"stop": 300})
    assert app.call("eval.figures")["healthy"] is None                      # healed: nothing to compare
