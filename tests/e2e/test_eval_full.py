"""Evaluate, further: a t-SNE map that settles in the page, all 10,000 test images on request, and
the healthy and damaged confusion matrices side by side; each checked against CPython.

Run: python3 build.py build && python3 -m pytest tests/e2e/test_eval_full.py
"""

import numpy as np
import pytest

from digitlab import damage as dmg
from digitlab import data
from digitlab import evaluation as ev

from .conftest import DIGITS, READY_TIMEOUT_MS, App
from .test_eval import cells, evaluate, layer_activations, sample  # noqa: F401  (sample: a fixture)
from .test_break_deeper import click_at
from .test_offline import site, wait_offline_ready  # noqa: F401  (site: a fixture)

pytestmark = pytest.mark.e2e

FRAMES = """() => { window.__frames = []; const loop = (t) => { window.__frames.push(t);
  if (window.__frames.length < 100000) requestAnimationFrame(loop); }; requestAnimationFrame(loop); }"""


def dots(app):
    """Where the map's glyphs are drawn now: (m, 2) SVG coordinates."""
    return np.array(app.page.eval_on_selector_all("#map text[data-i]", "ts => ts.map(t => [+t.getAttribute('x'), +t.getAttribute('y')])"))


def test_a_tsne_settles_in_the_page_and_places_the_drawing_among_its_nearest(fresh, reference, sample):  # noqa: F811
    app = fresh
    evaluate(app)
    app.poll("() => document.querySelector('.eval-map').dataset.state === 'done'")
    app.page.locator("#map").scroll_into_view_if_needed()
    app.page.evaluate(FRAMES)
    app.page.select_option("#map-method", "tsne")
    # It is drawn while it settles: the glyphs move between two looks, the page keeps drawing frames.
    app.poll("() => document.querySelectorAll('#map text[data-i]').length === 1000", timeout_ms=60_000)
    first = dots(app)
    app.page.wait_for_timeout(1500)
    assert app.page.get_attribute(".eval-map", "data-state") == "running"
    assert np.abs(dots(app) - first).max() > 1
    assert "t-SNE" in app.page.text_content(".eval-map .eval-status")
    app.poll("() => document.querySelector('.eval-map').dataset.state === 'done'", timeout_ms=180_000)
    frames = np.array(app.page.evaluate("window.__frames"))
    assert len(frames) > 100 and np.median(np.diff(frames)) < 25    # the page drew on while Python worked
    m = app.page.evaluate("window.digitlab.map()")
    assert m["method"] == "tsne" and m["layer"] == "fc1" and len(m["indices"]) == 1000
    run = app.page.evaluate("window.digitlab.evaluation()")
    want = np.array(run["indices"])[np.unique(np.linspace(0, len(run["indices"]) - 1, 1000).round().astype(int))]
    assert m["indices"] == want.tolist()                          # 1,000 spread through the run
    # The layout keeps neighbours: each point's 10 nearest on the map are mostly among its 30
    # nearest in fc1 (computed here); PCA of the same layer keeps far fewer.
    pos = np.searchsorted(sample["index"], m["indices"])
    A = layer_activations(reference("cnn"), sample["x"][pos], "fc1")
    kept = lambda Y: np.mean([len(set(a) & set(b)) / 10 for a, b in zip(knn(Y, 10), knn(A, 30))])   # noqa: E731
    Xc = A - A.mean(axis=0)
    pca = Xc @ np.linalg.svd(Xc, full_matrices=False)[2][:2].T
    assert kept(np.array(m["xy"])) > 0.8 > kept(pca) + 0.2     # about 0.9 and 0.45
    # Your drawing: at the mean place of its five nearest points in fc1, which are the ones listed.
    app.draw(DIGITS[7])
    n = app.updates()
    app.page.locator("#map").scroll_into_view_if_needed()
    app.wait_update(n)
    app.poll("() => window.digitlab.map().neighbours.length === 5 && window.digitlab.map().you")
    app.page.wait_for_timeout(300)
    m = app.page.evaluate("window.digitlab.map()")
    x = np.array(app.snapshot()["input"], np.float32).reshape(1, 784)
    v = ev.activation(reference("cnn").forward(x), "fc1")[0].astype(np.float64)
    nearest = np.argsort(((A - v) ** 2).sum(axis=1))[:5]
    assert m["neighbours"] == sample["index"][pos][nearest].tolist()
    assert np.allclose(m["you"], np.array(m["xy"])[nearest].mean(axis=0), atol=1e-4)
    shown = app.page.eval_on_selector_all("#map-neighbours [data-index]", "bs => bs.map(b => +b.dataset.index)")
    assert shown == m["neighbours"]
    assert "average" in app.page.text_content(".eval-map")
    app.page.select_option("#map-method", "pca")                 # back to PCA for the other tests
    app.poll("() => document.querySelector('.eval-map').dataset.state === 'done' && window.digitlab.map().method === 'pca'")


def knn(Z, k):
    """Each row's k nearest other rows of Z (n, d). -> (n, k)."""
    Z = np.asarray(Z, np.float64)
    sq = (Z ** 2).sum(axis=1)
    D = sq[:, None] + sq[None, :] - 2 * Z @ Z.T
    np.fill_diagonal(D, np.inf)
    return np.argsort(D, axis=1)[:, :k]


FETCHED = "() => performance.getEntriesByType('resource').filter(e => e.name.endsWith('/data/testset.npz')).length"


def evaluate_all(app):
    """Choose all 10,000 images like a person (that starts the run) and wait for it to finish."""
    app.page.locator("#eval-images").scroll_into_view_if_needed()
    app.page.select_option("#eval-images", "all")
    app.poll("() => document.querySelector('#eval').dataset.state === 'done'", timeout_ms=180_000)
    return app.page.evaluate("window.digitlab.evaluation()")


def test_a_failed_fetch_of_the_whole_test_set_says_so_and_loses_nothing(browser, site_url):
    # No service worker (it would answer from its cache, where a route cannot reach), and the
    # request for the whole set fails as it would offline before the site was installed.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    try:
        app = App(context, site_url).open()
        before = evaluate(app)
        assert app.page.evaluate(FETCHED) == 0                     # not fetched until asked for
        context.route("**/data/testset.npz", lambda route: route.abort("internetdisconnected"))
        app.page.select_option("#eval-images", "all")
        app.poll("() => document.querySelector('#eval').dataset.state === 'idle'")
        status = app.page.text_content("#eval-status")
        assert "10,000 test images could not be fetched" in status and "2,000-image sample still works" in status
        assert app.page.input_value("#eval-images") == "sample"      # the figures shown are still the sample's
        assert app.page.evaluate("window.digitlab.evaluation()") == before
        assert app.page.locator("#confusion [data-count]").count() == 100
        assert app.page.get_attribute("#eval-run", "disabled") is None
    finally:
        context.close()


def test_all_ten_thousand_test_images_on_request_equal_cpythons(fresh, reference):
    app = fresh
    X, y = data.load("test")
    app.page.evaluate(FRAMES)
    r = evaluate_all(app)
    assert app.page.evaluate(FETCHED) == 1
    assert app.page.get_attribute("#eval", "data-n") == "10000" and r["indices"] == list(range(10000))
    P, _ = ev.scores(reference("cnn"), X)
    pred = P.argmax(axis=1)
    assert r["labels"] == y.tolist() and r["preds"] == pred.tolist()
    assert (cells(app) == ev.confusion(y, pred)).all()
    assert float(app.page.get_attribute("#eval-accuracy", "data-value")) == pytest.approx((pred == y).mean(), abs=1e-12)
    e = app.page.evaluate("(() => { const e = performance.getEntriesByName('digitlab:eval').at(-1);"
                          " return {start: e.startTime, ms: e.duration, n: e.detail.n}; })()")
    frames = [t for t in app.page.evaluate("window.__frames") if e["start"] <= t <= e["start"] + e["ms"]]
    assert e["n"] == 10000 and np.median(np.diff(frames)) < 25        # it ran in slices: the page drew on
    # The map shows 2,000 of them, spread through the run.
    app.poll("() => document.querySelector('.eval-map').dataset.state === 'done'")
    m = app.page.evaluate("window.digitlab.map()")
    assert m["indices"] == np.linspace(0, 9999, 2000).round().astype(int).tolist()
    app.page.select_option("#eval-images", "sample")                 # back to the sample for the other tests
    app.poll("() => document.querySelector('#eval').dataset.state === 'done' && document.querySelector('#eval').dataset.n === '2000'")


def test_all_test_images_work_offline_once_installed(browser, site):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        app = App(context, site.url).open()
        wait_offline_ready(app)
        site.stop()
        app.page.reload()
        app.page.wait_for_selector("#status[data-state=ready]", timeout=READY_TIMEOUT_MS)
        r = evaluate_all(app)
        assert len(r["indices"]) == 10000 and app.foreign_requests() == []
    finally:
        context.close()


def test_healthy_and_damaged_confusion_matrices_sit_side_by_side(fresh, reference, sample):  # noqa: F811
    app = fresh
    app.page.locator("#break-prune").scroll_into_view_if_needed()
    click_at(app, "#break-prune", 0.9)                              # prune ~90% of each layer's weights
    share = app.page.evaluate("window.digitlab.damage.get().prune")
    try:
        assert share > 0.5
        r = evaluate(app)
        pos = np.searchsorted(sample["index"], r["indices"])
        X, y = sample["x"][pos], sample["y"][pos].astype(int)
        healthy = reference("cnn")
        before = ev.scores(healthy, X)[0].argmax(axis=1)
        after = ev.scores(dmg.apply(healthy, dmg.Damage(prune=share)), X)[0].argmax(axis=1)
        assert r["preds"] == after.tolist()
        assert app.page.is_visible("#confusion-healthy")
        assert (cells(app, "#confusion-healthy") == ev.confusion(y, before)).all()
        assert (cells(app) == ev.confusion(y, after)).all()
        assert (before == y).mean() > (after == y).mean() + 0.01      # the damage shows
        assert f"{100 * (before == y).mean():.1f}%" in app.page.text_content("#confusion-healthy caption")
        assert f"{100 * (after == y).mean():.1f}%" in app.page.text_content("#confusion caption")
        box = [app.page.locator(s).bounding_box() for s in ("#confusion-healthy", "#confusion")]
        assert box[0]["x"] + box[0]["width"] <= box[1]["x"] and abs(box[0]["y"] - box[1]["y"]) < 2   # before, then after
    finally:
        app.page.locator("#break-reset").scroll_into_view_if_needed()
        app.page.click("#break-reset")
    evaluate(app)                                                    # healed: one matrix again
    assert not app.page.is_visible("#confusion-healthy")
    assert "After" not in app.page.text_content("#confusion caption")
