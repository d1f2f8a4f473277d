"""Evaluate (#eval): the network in use on the shipped test sample, checked against CPython.

Run: python3 build.py build && python3 -m pytest tests/e2e/test_eval.py
"""

import numpy as np
import pytest

from digitlab import damage as dmg
from digitlab import evaluation as ev

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def sample(dist_dir):
    """The evaluation sample the page was served: x (n, 28, 28) uint8, y (n,), index (n,)."""
    with np.load(dist_dir / "data" / "evalset.npz") as f:
        return {k: f[k] for k in f.files}


def evaluate(app):
    """Click Evaluate like a person and wait for the run to finish. -> window.digitlab.evaluation()."""
    app.page.locator("#eval-run").scroll_into_view_if_needed()
    app.page.click("#eval-run")
    app.poll("() => document.querySelector('#eval').dataset.state === 'done'", timeout_ms=120_000)
    return app.page.evaluate("window.digitlab.evaluation()")


def cells(app):
    """The matrix as the page shows it: (10, 10) counts read from the cells' data-count."""
    got = app.page.eval_on_selector_all(
        "#confusion [data-true][data-pred][data-count]",
        "bs => bs.map(b => [+b.dataset.true, +b.dataset.pred, +b.dataset.count])")
    assert len(got) == 100
    C = np.zeros((10, 10), int)
    for t, p, c in got:
        C[t, p] = c
    return C


def cpython_preds(net, sample, indices):
    pos = np.searchsorted(sample["index"], indices)
    assert (sample["index"][pos] == indices).all()
    P, _ = ev.scores(net, sample["x"][pos])
    return P.argmax(axis=1), sample["y"][pos].astype(int)


def test_confusion_matrix_equals_cpythons_for_the_same_model_and_indices(fresh, reference, sample):
    app = fresh
    r = evaluate(app)
    assert r["model"] == "cnn" and len(r["indices"]) == len(sample["y"]) >= 2000
    assert app.page.get_attribute("#eval", "data-n") == str(len(r["indices"]))
    pred, y = cpython_preds(reference("cnn"), sample, np.array(r["indices"]))
    assert r["labels"] == y.tolist() and r["preds"] == pred.tolist()
    assert (cells(app) == ev.confusion(y, pred)).all()
    shown = float(app.page.get_attribute("#eval-accuracy", "data-value"))
    assert shown == pytest.approx((pred == y).mean(), abs=1e-12)


def test_a_cells_gallery_holds_its_images_and_one_goes_on_the_pad(fresh, sample):
    app = fresh
    r = evaluate(app)
    labels, preds = np.array(r["labels"]), np.array(r["preds"])
    miss = [(t, p) for t in range(10) for p in range(10) if t != p and ((labels == t) & (preds == p)).any()]
    assert miss, "cnn makes some mistakes on the sample"
    for t, p in [miss[0], (8, 8)]:
        app.page.click(f"#confusion [data-true='{t}'][data-pred='{p}']")
        shown = app.page.eval_on_selector_all("#eval-gallery [data-index]", "bs => bs.map(b => +b.dataset.index)")
        want = set(np.array(r["indices"])[(labels == t) & (preds == p)].tolist())
        assert len(shown) == len(set(shown)) == min(60, len(want)) and set(shown) <= want   # at most 60 shown
        if len(want) <= 60:
            assert set(shown) == want
    # The most confident 8 read as 8, clicked onto the pad: the live answer is the cell's answer.
    n = app.updates()
    app.page.click("#eval-gallery [data-index] >> nth=0")
    app.wait_update(n)
    app.page.wait_for_timeout(100)
    assert app.prediction()["digit"] == "8"
    first = int(app.page.get_attribute("#eval-gallery [data-index] >> nth=0", "data-index"))
    pos = int(np.searchsorted(sample["index"], first))
    on_pad = np.array(app.snapshot()["input"])
    assert on_pad.max() > 0.5 and sample["y"][pos] == 8


def test_a_damaged_network_is_evaluated_not_the_shipped_one(fresh, reference, sample):
    app = fresh
    state = {"bias": False, "noise": 1.2, "layers": [], "neurons": []}
    n = app.updates()
    app.page.evaluate("s => window.digitlab.damage.set(s)", state)
    app.wait_update(n)
    try:
        r = evaluate(app)
        damaged = dmg.apply(reference("cnn"), dmg.parse(state, reference("cnn"))[0])
        pred, y = cpython_preds(damaged, sample, np.array(r["indices"]))
        assert r["preds"] == pred.tolist()
        healthy, _ = cpython_preds(reference("cnn"), sample, np.array(r["indices"]))
        assert (pred == y).mean() < (healthy == y).mean() - 0.01     # the damage shows
        assert float(app.page.get_attribute("#eval-accuracy", "data-value")) == pytest.approx((pred == y).mean())
        assert (cells(app) == ev.confusion(y, pred)).all()
    finally:
        app.page.evaluate("window.digitlab.damage.set({bias: false, noise: 0, layers: [], neurons: []})")


def set_threshold(app, v):
    n = app.updates()
    app.page.locator("#eval-threshold").fill(str(v))
    app.wait_update(n)
    app.page.wait_for_timeout(50)


def test_threshold_coverage_and_the_live_answer_follow_python(fresh, reference, sample):
    app = fresh
    r = evaluate(app)
    P, _ = ev.scores(reference("cnn"), sample["x"][np.searchsorted(sample["index"], r["indices"])])
    conf, right = P.max(axis=1), P.argmax(axis=1) == sample["y"]
    try:
        for thr in (0.99, 0.5, 1.0):
            set_threshold(app, thr)
            want = ev.coverage(conf, right, thr)
            got = {k: app.page.get_attribute(f"#eval-{k}", "data-value") for k in ("coverage", "accepted-accuracy")}
            assert float(got["coverage"]) == pytest.approx(want["coverage"], abs=1e-9)
            assert float(got["accepted-accuracy"]) == pytest.approx(want["accuracy"], abs=1e-9)
        assert float(app.page.get_attribute("#eval-coverage", "data-value")) < 0.9    # few are 100% sure
        assert app.page.locator(".eval-curve path.curve").count() == 1
        assert "coverage" in app.page.text_content("#eval-curve-cap")
        p = app.draw([[(0.5, 0.2), (0.48, 0.5), (0.45, 0.8)], [(0.3, 0.5), (0.7, 0.5)]])   # a cross: no clear digit
        confidence = max(app.snapshot()["probs"])
        assert confidence < 1.0 and p["state"] == "unsure" and "I don't know" in p["text"]
        set_threshold(app, 0.0)
        assert app.prediction()["state"] == "sure"
    finally:
        set_threshold(app, 0.6)
