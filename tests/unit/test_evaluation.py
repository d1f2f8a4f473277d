"""digitlab.evaluation: the figures, a cell's images, coverage and PCA, against plain definitions."""

import numpy as np
import pytest

from digitlab import evaluation as ev


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
