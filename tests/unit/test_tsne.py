"""digitlab.tsne: the affinities have the perplexity asked for, clusters stay apart, a seed fixes
the layout, and the page's time slices (map.step) end exactly where one uninterrupted run does."""

import io

import numpy as np
import pytest

from digitlab import data
from digitlab import tsne as ts
from digitlab.app import PAD, App
from digitlab.web.features import evalmap


def blobs(n_per=60, d=10, k=4, seed=0):
    """k clusters of n_per points in d dimensions, centres 30 apart, unit spread. -> (A, labels)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((k, d))
    centres *= 30 / np.linalg.norm(centres[0] - centres[1])
    A = np.concatenate([c + rng.standard_normal((n_per, d)) for c in centres])
    return A, np.repeat(np.arange(k), n_per)


def test_each_rows_gaussian_has_the_perplexity_asked_for():
    rng = np.random.default_rng(1)
    D = rng.random((20, 90)) * rng.random((20, 1)) * 1e3        # rows on very different scales
    for perplexity in (5.0, 30.0):
        P = ts.conditional(D, perplexity)
        assert np.allclose(P.sum(axis=1), 1)
        H = -(P * np.log(np.where(P > 0, P, 1))).sum(axis=1)
        assert np.allclose(np.exp(H), perplexity, rtol=1e-4)


def test_well_separated_clusters_stay_apart():
    A, lab = blobs()
    Y = ts.tsne(A, perplexity=15, seed=3, iters=400)
    D = ((Y[:, None] - Y[None]) ** 2).sum(axis=2)
    np.fill_diagonal(D, np.inf)
    assert (lab[D.argmin(axis=1)] == lab).all()               # every point's nearest is its own kind
    centres = np.array([Y[lab == c].mean(axis=0) for c in range(4)])
    spread = max(np.linalg.norm(Y[lab == c] - centres[c], axis=1).max() for c in range(4))
    gaps = [np.linalg.norm(centres[a] - centres[b]) for a in range(4) for b in range(a + 1, 4)]
    assert min(gaps) > 2 * spread                             # the clusters do not touch


def test_a_seed_fixes_the_layout_and_progress_only_grows():
    A, _ = blobs(n_per=25)
    run, seen = ts.TSNE(A, seed=7, iters=60), [0.0]
    while not run.step():
        seen.append(run.progress())
    assert np.all(np.diff(seen) >= 0) and run.progress() == 1.0
    one, two = run.Y, ts.tsne(A, seed=7, iters=60)
    assert np.array_equal(one, two)
    assert not np.allclose(one, ts.tsne(A, seed=8, iters=60))


def test_a_run_needs_a_few_points():
    with pytest.raises(ValueError):
        ts.TSNE(np.zeros((3, 5)))


@pytest.fixture(scope="module")
def app():
    """An App with 400 real test images evaluated by mlp-25-25."""
    X, y = data.load("test")
    app = App()
    buf = io.BytesIO()
    np.savez_compressed(buf, x=X[:400], y=y[:400], index=np.arange(400, dtype=np.uint16))
    app.call("damage.evalset", {"data": memoryview(buf.getvalue())})
    app.call("eval.start", {"model": "mlp-25-25"})
    app.call("eval.step", {"stop": 400})
    return app


def sliced(app, budget_ms):
    """map.start a t-SNE of h2 and map.step it to the end. -> (layout, how many steps it took)."""
    r = app.call("map.start", {"layer": "h2", "method": "tsne"})
    assert r["method"] == "tsne" and r["n"] == 400
    steps = 1
    while not app.call("map.step", {"budget_ms": budget_ms})["done"]:
        steps += 1
    return app.call("map.points")["xy"].reshape(-1, 2), steps


def test_the_pages_slices_end_where_one_run_does(app):
    small, many = sliced(app, 0.01)           # one piece of work per slice
    big, few = sliced(app, 10_000)            # the whole run in one slice
    assert many > 100 * few
    A = evalmap.point_map(app).A
    whole = np.round(ts.tsne(A, seed=0), 5).reshape(-1, 2)
    assert np.array_equal(small, big) and np.array_equal(big, whole)
    with pytest.raises(ValueError):
        app.call("map.start", {"layer": "h2", "method": "umap"})


def test_the_drawing_sits_among_its_nearest_on_a_tsne_map(app):
    sliced(app, 10_000)
    m = evalmap.point_map(app)
    img = np.zeros((PAD, PAD), np.uint8)
    img[40:240, 130:150] = 255
    app.call("map.watch", {"on": True})
    first = app.result(img, "mlp-25-25")["map_you"]                  # placed by the update itself
    nb = app.call("map.neighbours", {"k": 5})
    near = np.argsort(((m.A.astype(np.float64) - m.you) ** 2).sum(axis=1))[:5]
    assert nb["positions"].tolist() == near.tolist()
    assert np.allclose(nb["you"], m.tsne.Y[near].mean(axis=0), atol=1e-4)
    assert first == nb["you"]                                         # the list and the cross agree
    # Drawing on moves it at once (no rest needed), to the mean place of the new nearest five.
    img[40:60, 60:220] = 255                                          # a bar across the top: a 7
    moved = app.result(img, "mlp-25-25")["map_you"]
    near = np.argsort(((m.A.astype(np.float64) - m.you) ** 2).sum(axis=1))[:5]
    assert moved != first
    assert np.allclose(moved, m.tsne.Y[near].mean(axis=0), atol=1e-4)
    app.call("map.watch", {"on": False})
