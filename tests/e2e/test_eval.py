"""Evaluate (#eval): the network in use on the shipped test sample, checked against CPython.

Run: python3 build.py build && python3 -m pytest tests/e2e/test_eval.py
"""

import numpy as np
import pytest

from digitlab import damage as dmg
from digitlab import evaluation as ev
from digitlab import spoil as sp

from .conftest import DIGITS

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


def cells(app, table="#confusion"):
    """The matrix as the page shows it: (10, 10) counts read from the cells' data-count."""
    got = app.page.eval_on_selector_all(
        f"{table} [data-true][data-pred][data-count]",
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


def mapped(app, layer):
    """Evaluate (if not yet), choose `layer` for the map like a person and wait for it."""
    if app.page.get_attribute("#eval", "data-state") != "done":
        evaluate(app)
    app.poll("() => document.querySelector('.eval-map').dataset.state === 'done'")
    app.page.locator("#map").scroll_into_view_if_needed()
    if app.page.get_attribute(".eval-map", "data-layer") != layer:
        app.page.select_option("#map-layer", layer)
        app.poll("l => document.querySelector('.eval-map').dataset.state === 'done' &&"
                 " document.querySelector('.eval-map').dataset.layer === l", layer)
    return app.page.evaluate("window.digitlab.map()")


def layer_activations(net, X, layer):
    return ev.scores(net, X, [layer])[1][layer].astype(np.float64) if layer != "input" \
        else X.reshape(len(X), -1).astype(np.float64) / 255


@pytest.mark.parametrize("layer", ["fc1", "input"])
def test_pca_coordinates_equal_cpythons_up_to_each_axis_sign(fresh, reference, sample, layer):
    app = fresh
    m = mapped(app, layer)
    assert m["layer"] == layer and m["method"] == "pca"
    pos = np.searchsorted(sample["index"], m["indices"])
    A = layer_activations(reference("cnn"), sample["x"][pos], layer)
    U, S, Vt = np.linalg.svd(A - A.mean(axis=0), full_matrices=False)
    want, got = (A - A.mean(axis=0)) @ Vt[:2].T, np.array(m["xy"])
    for k in range(2):
        sign = np.sign(got[:, k] @ want[:, k])
        assert np.abs(got[:, k] - sign * want[:, k]).max() < 1e-3 * np.abs(want[:, k]).max()
    # The dots drawn are those points, one per image, errors ringed.
    assert app.page.locator("#map text[data-i]").count() == len(pos)
    preds = np.array(app.page.evaluate("window.digitlab.evaluation().preds"))
    assert app.page.locator("#map circle.miss").count() == int(np.sum(preds != sample["y"][pos]))


def test_your_drawing_is_a_live_point_with_its_nearest_images(fresh, reference, sample):
    app = fresh
    m = mapped(app, "fc1")
    pos = np.searchsorted(sample["index"], m["indices"])
    net = reference("cnn")
    A = layer_activations(net, sample["x"][pos], "fc1")
    signs = np.sign([np.array(m["xy"])[:, k] @ ((A - A.mean(axis=0)) @ np.linalg.svd(
        A - A.mean(axis=0), full_matrices=False)[2][k]) for k in range(2)])
    axes = signs[:, None] * np.linalg.svd(A - A.mean(axis=0), full_matrices=False)[2][:2]
    seen = []
    for digit in (1, 7):
        app.clear()
        app.draw(DIGITS[digit])                             # the pad scrolls into view, the map out of it
        assert app.page.evaluate("window.digitlab.map().you") is None      # off screen: Python places nothing
        n = app.updates()
        app.page.locator("#map").scroll_into_view_if_needed()
        app.wait_update(n)                                  # on screen again: the drawing is placed at once
        app.poll("() => window.digitlab.map().neighbours.length === 5 && window.digitlab.map().you")
        app.page.wait_for_timeout(300)                      # the drawing rests: neighbours of this drawing
        m = app.page.evaluate("window.digitlab.map()")
        x = np.array(app.snapshot()["input"], np.float32).reshape(1, 784)
        v = ev.activation(net.forward(x), "fc1")[0].astype(np.float64)
        assert np.allclose(m["you"], (v - A.mean(axis=0)) @ axes.T, atol=1e-3 * np.abs(A).max())
        you = app.page.eval_on_selector("#map-you", "e => [+e.dataset.x, +e.dataset.y]")
        assert you == m["you"]
        nearest = np.argsort(((A - v) ** 2).sum(axis=1))[:5]
        assert m["neighbours"] == sample["index"][pos][nearest].tolist()
        shown = app.page.eval_on_selector_all("#map-neighbours [data-index]", "bs => bs.map(b => +b.dataset.index)")
        assert shown == m["neighbours"]
        seen.append(m["you"])
    assert np.hypot(*np.subtract(*seen)) > 1                 # the point moved with the drawing
    # Another layer, with the drawing shown: mapped afresh, the drawing placed in it at once.
    m = mapped(app, "out")
    app.poll("() => window.digitlab.map().neighbours.length === 5 && window.digitlab.map().you")
    B = layer_activations(net, sample["x"][pos], "out")
    v = ev.activation(net.forward(x), "out")[0].astype(np.float64)
    app.page.wait_for_timeout(300)
    assert app.page.evaluate("window.digitlab.map().neighbours") == \
        sample["index"][pos][np.argsort(((B - v) ** 2).sum(axis=1))[:5]].tolist()
    n = app.updates()
    app.page.evaluate("window.digitlab.pad.clear(); window.digitlab.update()")   # cleared in view of the map
    app.wait_update(n)
    assert app.page.evaluate("window.digitlab.map().you") is None


def test_spoiled_curves_equal_cpythons_for_both_networks(fresh, reference, sample):
    app = fresh
    app.page.locator("#spoil-run").scroll_into_view_if_needed()
    app.page.select_option("#spoil-compare", "mlp-25-25")
    app.page.click("#spoil-run")
    app.poll("() => document.querySelector('#spoil').dataset.state === 'done'", timeout_ms=180_000)
    got = app.page.evaluate("window.digitlab.call('spoil.curves')")
    assert got["models"] == ["cnn", "mlp-25-25"]
    X, y = sample["x"][:500], sample["y"][:500]
    for model in got["models"]:
        net = reference(model)
        for kind, strengths in sp.STRENGTHS.items():
            want = [np.mean(net.predict_proba(sp.spoil(X, **sp.one(kind, v))).argmax(axis=1) == y) for v in strengths]
            assert np.allclose(got["accuracy"][model][kind], want, atol=0.0021), (model, kind)   # 1 image at most
    assert app.page.locator("#spoil path.curve[data-model]").count() == 8           # 4 spoilers x 2 networks
    # A slider shows the images spoiled so (the same pixels as CPython's) and marks the curves there.
    app.page.locator("#spoil-rotate").fill("30")
    app.poll("() => document.querySelectorAll('#spoil-preview [data-index]').length === 8")
    shown = app.page.eval_on_selector_all("#spoil-preview [data-index]", "ls => ls.map(l => +l.dataset.index)")
    assert shown == sample["index"][:8].tolist()
    pixels = np.array(app.page.evaluate(
        "Array.from(window.digitlab.call('spoil.images', {noise: 0, rotate: 30, thickness: 0, k: 8}).pixels)"))
    want = np.rint(sp.spoil(X, rotate_deg=30)[:8] * 255).reshape(-1)
    assert np.abs(pixels - want).max() <= 1
    acc = got["accuracy"]["cnn"]["rotate"][3]
    assert f"{100 * acc:.1f}%" in app.page.text_content("#spoil-rotate-cap")
    # The shift slider, pressed as a keyboard user would: its images are CPython's, shifted 2 px.
    app.page.focus("#spoil-shift")
    app.page.keyboard.press("ArrowRight")
    app.page.keyboard.press("ArrowRight")
    assert app.page.input_value("#spoil-shift") == "2"
    pixels = np.array(app.page.evaluate(
        "Array.from(window.digitlab.call('spoil.images', {noise: 0, rotate: 30, thickness: 0, shift: 2, k: 8}).pixels)"))
    want = np.rint(sp.spoil(X, rotate_deg=30, shift_px=2)[:8] * 255).reshape(-1)
    assert np.abs(pixels - want).max() <= 1
    acc = got["accuracy"]["cnn"]["shift"][2]
    app.poll("s => document.querySelector('#spoil-shift-cap').textContent.includes(s)", f"{100 * acc:.1f}%")
