"""The built page, driven like a person would, checked against CPython.

Run: python3 build.py build && DIGITLAB_DIST=$PWD/dist python3 -m pytest tests/e2e
"""

import json
import re

import numpy as np
import pytest

from digitlab import models, preprocess

from .conftest import DIGITS, READY_TIMEOUT_MS, SCREENSHOTS, App, full_page_screenshot

pytestmark = pytest.mark.e2e

ARCHS = list(models.ARCHS)
# Probabilities cross as float64 copies of Pyodide's float32 results: numpy in wasm and
# CPython's BLAS sum in different orders, ~1e-7. data-a / data-signal are rounded to 4 decimals
# for display, so they match to 5e-5 plus that.
PROB_TOL = 1e-5
SHOWN_TOL = 1e-4


def check_against_cpython(app, reference):
    """snapshot().probs and every drawn node's data-a and link's data-signal vs CPython."""
    # Off screen the page skips the diagram's work; bring it into view and let it catch up.
    app.page.locator("#network").scroll_into_view_if_needed()
    app.poll("() => window.digitlab.snapshot().diagram")
    snap = app.snapshot()
    net = reference(snap["model"])
    x = np.asarray(snap["input"], np.float32).reshape(1, 784)
    trace = net.forward(x)
    np.testing.assert_allclose(snap["probs"], trace.probs[0], atol=PROB_TOL)
    acts = {"in": x[0]}
    acts.update({r.name: r.a.reshape(-1) for r in trace.layers})
    nodes = app.page.eval_on_selector_all(
        "#network [data-node-id][data-a]", "es => es.map(e => [e.dataset.nodeId, Number(e.dataset.a)])")
    assert len(nodes) >= 20
    for nid, a in nodes:
        layer, i = nid.split(":")
        assert a == pytest.approx(float(acts[layer][int(i)]), abs=SHOWN_TOL), nid
    links = app.page.eval_on_selector_all(
        "#network [data-link-id]", "es => es.map(e => [e.dataset.linkId, Number(e.dataset.signal)])")
    assert len(links) >= 20
    for lid, s in links:
        (sl, si), (dl, dj) = [p.split(":") for p in lid.split(">")]
        want = acts[sl][int(si)] * net.params[dl]["W"][int(si), int(dj)]
        assert s == pytest.approx(float(want), abs=SHOWN_TOL), lid
    check_painted_links(app)
    return snap


def check_painted_links(app):
    """What is painted is those links: the stroked paths hold exactly one segment per link handle."""
    ends = app.page.eval_on_selector_all(
        "#network [data-link-id]", "es => es.map(e => ['x1', 'y1', 'x2', 'y2'].map(k => Number(e.getAttribute(k))))")
    paths = app.page.eval_on_selector_all("#network .strokes path", "es => es.map(e => e.getAttribute('d'))")
    segments = [tuple(float(v) for v in m) for d in paths
                for m in re.findall(r"M([-\d.e]+) ([-\d.e]+)L([-\d.e]+) ([-\d.e]+)", d)]
    assert len(segments) == sum(len(re.findall("M", d)) for d in paths)   # nothing but M x y L x y
    assert sorted(segments) == sorted(tuple(e) for e in ends)


def test_ready_and_marks(fresh):
    page = fresh.page
    assert page.evaluate("performance.getEntriesByName('digitlab:ready', 'mark').length") == 1
    assert page.get_attribute("#status", "data-state") == "ready"
    assert page.input_value("#model") == "cnn"
    options = page.eval_on_selector_all("#model option", "os => os.map(o => o.value)")
    assert options == ARCHS


@pytest.mark.parametrize("digit", sorted(DIGITS))
def test_drawn_digits_are_read(fresh, reference, digit):
    pred = fresh.draw(DIGITS[digit])
    assert pred["digit"] == str(digit), pred
    assert pred["state"] == "sure" and float(pred["confidence"]) >= 0.6
    probs = fresh.page.eval_on_selector_all("#probs [data-digit]", "es => es.map(e => Number(e.dataset.p))")
    assert int(np.argmax(probs)) == digit and sum(probs) == pytest.approx(1, abs=1e-4)
    assert fresh.page.eval_on_selector("#probs li.winner", "e => e.dataset.digit") == str(digit)
    check_against_cpython(fresh, reference)


@pytest.mark.parametrize("model", ARCHS)
def test_switching_models_keeps_the_drawing(fresh, reference, model):
    fresh.draw(DIGITS[7])
    before = fresh.snapshot()["input"]
    fresh.choose(model)
    snap = check_against_cpython(fresh, reference)
    assert snap["model"] == model
    assert snap["input"] == before                                   # same drawing, re-classified
    assert fresh.prediction()["digit"] == "7"
    ids = fresh.page.eval_on_selector_all("#network [data-node-id]", "es => es.map(e => e.dataset.nodeId)")
    first = "h1:" if model.startswith("mlp") else "fc1:"
    assert any(i.startswith(first) for i in ids) and any(i.startswith("out:") for i in ids)
    caption = fresh.page.text_content("#net-caption")
    total = sum(l.n_in * l.n_out for l in reference(model).layers if l.kind == "dense")
    assert f"of {total:,} links" in caption


def test_samples_load_onto_the_pad(fresh, dist_dir, reference):
    samples = json.loads((dist_dir / "data" / "samples.json").read_text())["samples"]
    buttons = fresh.page.locator("[data-sample]")
    assert buttons.count() == len(samples)
    labels = {s["label"] for s in samples}
    assert labels == set(range(10))
    wrong = [s for s in samples if s["cnn_pred"] != s["label"]]
    assert len(wrong) >= 3
    net = reference("cnn")
    for s in samples:
        n = fresh.updates()
        fresh.page.click(f"[data-sample='{s['index']}']")
        fresh.wait_update(n)
        snap = fresh.snapshot()
        pixels = np.asarray(s["pixels"], np.uint8).reshape(28, 28)
        # The pad holds the sample as crisp 10x10 blocks, so the page's input is exactly what
        # CPython's preprocessing makes of that pad, and (up to faint edge pixels) the original.
        pad = np.kron(pixels, np.ones((10, 10), np.uint8))
        np.testing.assert_allclose(snap["input"], preprocess.to_mnist(pad).reshape(-1), atol=1e-6)
        assert np.abs(np.asarray(snap["input"]) - pixels.reshape(-1) / 255).max() < 0.1, s["index"]
        assert fresh.prediction()["digit"] == str(s["cnn_pred"]), s
        assert int(np.argmax(net.predict_proba(pixels.reshape(1, 784) / 255))) == s["cnn_pred"]
    check_against_cpython(fresh, reference)


def test_clear_shows_the_blank_state(fresh):
    fresh.draw(DIGITS[3])
    assert fresh.prediction()["digit"] == "3"
    fresh.clear()
    p = fresh.prediction()
    assert p["digit"] == "" and p["state"] == "none" and "nothing to classify" in p["text"]
    assert fresh.snapshot()["probs"] is None
    assert fresh.page.eval_on_selector_all("#probs [data-digit]", "es => es.map(e => e.dataset.p)") == ["0"] * 10
    assert fresh.page.locator("#network [data-link-id]").count() == 0
    assert fresh.page.locator("#network [data-node-id][data-a]").count() == 0
    assert fresh.page.locator("#probs li.winner").count() == 0


def test_undo_removes_the_last_stroke(fresh):
    fresh.draw(DIGITS[1])
    one = fresh.snapshot()["input"]
    fresh.draw([[(0.2, 0.5), (0.8, 0.5)]])                           # a cross-bar
    assert fresh.snapshot()["input"] != one
    n = fresh.updates()
    fresh.page.click("#undo")
    fresh.wait_update(n)
    assert fresh.snapshot()["input"] == one
    assert fresh.prediction()["digit"] == "1"


@pytest.mark.parametrize("model", ARCHS)
def test_a_dot_is_not_claimed_as_a_digit(fresh, model):
    """Preprocessing blows any speck up to 20 px, and the networks then read a dot as a
    confident 0 or 6: the page must say unsure, not "0, with 100% confidence"."""
    fresh.choose(model)
    pred = fresh.draw([[(0.5, 0.5), (0.505, 0.505)]])
    assert pred["state"] == "unsure" and "too small" in pred["text"], pred
    pred = fresh.draw(DIGITS[1])                                     # drawn on top: now a real 1
    assert pred["state"] == "sure" and pred["digit"] == "1", pred


def test_updates_are_measured_per_frame(fresh):
    n = fresh.updates()
    fresh.draw(DIGITS[0])
    entries = fresh.page.evaluate(
        "performance.getEntriesByName('digitlab:update').map(e => e.duration)")[n:]
    moves = sum(len(s) for s in DIGITS[0]) * 6
    assert 1 <= len(entries) <= moves + 2                            # at most one per frame, no backlog
    assert all(d > 0 for d in entries)


def test_keyboard_reaches_every_control(fresh):
    page = fresh.page
    page.focus("#undo")
    seen = []
    for _ in range(12):
        page.keyboard.press("Tab")
        seen.append(page.evaluate("document.activeElement.id || document.activeElement.dataset.sample || ''"))
    assert "clear" in seen and "brush" in seen and "model" in seen
    assert any(s.isdigit() for s in seen)                            # a sample button
    sample = page.locator("[data-sample]").first
    sample.focus()
    n = fresh.updates()
    page.keyboard.press("Enter")
    fresh.wait_update(n)
    assert fresh.prediction()["state"] != "none"
    live = page.locator("#prediction [aria-live=polite]")
    assert live.count() == 1 and live.text_content().startswith(("reads", "unsure"))


def test_desktop_screenshot(fresh):
    """At 1280x900, as a person sees it: the 3 is read, the page does not scroll sideways, the
    diagram is on screen with its winner ringed; for mlp-25-25 every unit of every layer is drawn
    (25, 25, 10) and none of its nodes or column titles overlap."""
    p = fresh.draw(DIGITS[3])
    assert p["digit"] == "3" and p["state"] == "sure", p
    assert fresh.page.evaluate("document.documentElement.scrollWidth") <= 1280
    fresh.page.locator("#network").scroll_into_view_if_needed()
    fresh.poll("() => window.digitlab.snapshot().diagram")
    assert fresh.page.eval_on_selector_all("#network .winner[data-node-id='out:3']", "es => es.length") == 1
    SCREENSHOTS.mkdir(exist_ok=True)
    full_page_screenshot(fresh.page, SCREENSHOTS / "desktop.png")
    fresh.choose("mlp-25-25")
    fresh.poll("() => window.digitlab.snapshot().diagram")
    nodes = fresh.page.eval_on_selector_all(
        "#network [data-node-id]", "es => es.map(e => { const r = e.getBoundingClientRect();"
                                   " return [e.dataset.nodeId, r.x, r.y, r.width, r.height]; })")
    counts = {}
    for nid, *_ in nodes:
        counts[nid.split(":")[0]] = counts.get(nid.split(":")[0], 0) + 1
    assert {k: counts.get(k) for k in ("h1", "h2", "out")} == {"h1": 25, "h2": 25, "out": 10}
    for layer in ("h1", "h2", "out"):
        ys = sorted(y for nid, x, y, w, h in nodes if nid.startswith(layer + ":"))
        size = max(h for nid, x, y, w, h in nodes if nid.startswith(layer + ":"))
        assert min(b - a for a, b in zip(ys, ys[1:])) >= size - 0.5, layer      # no two circles overlap
    assert fresh.page.eval_on_selector_all("#network .winner[data-node-id='out:3']", "es => es.length") == 1
    fresh.page.locator(".net").screenshot(path=str(SCREENSHOTS / "desktop-mlp-25-25.png"))


def test_phone_viewport(browser, site_url, reference):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=3,
                                  is_mobile=True, has_touch=True)
    app = App(context, site_url).open()
    page = app.page
    try:
        assert page.evaluate("document.documentElement.scrollWidth") <= 390     # no sideways page
        for sel in ["#clear", "#undo", "#model", "[data-sample]"]:
            box = page.locator(sel).first.bounding_box()
            assert box["height"] >= 44 and box["width"] >= 44, sel
        css, backing = page.evaluate(
            "(() => { const c = document.querySelector('#pad'); const r = c.getBoundingClientRect();"
            " return [r.width, c.width]; })()")
        assert backing == round(css * 2)               # DPR 3 screen, pad capped at 2x (site/js/pad.js)
        assert page.eval_on_selector("#pad", "e => getComputedStyle(e).touchAction") == "none"
        assert page.eval_on_selector("body", "e => getComputedStyle(e).touchAction") == "auto"
        touch_stroke(app, DIGITS[7][0])
        app.wait_update(0)
        page.wait_for_timeout(200)
        assert app.prediction()["digit"] == "7"
        assert app.snapshot()["diagram"] is False        # off screen while drawing: not computed
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "phone.png"))
        check_against_cpython(app, reference)            # scrolled into view: caught up
        page.locator(".result").scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / "phone-result.png"))
        page.locator(".net").scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / "phone-network.png"))
        assert app.errors == [] and app.foreign_requests() == []
    finally:
        context.close()


def touch_stroke(app, points, steps=6):
    """A finger drag through `points` (pad units) with real touch events via CDP."""
    b = app.pad_box()
    xy = [(b["x"] + u * b["width"], b["y"] + v * b["height"]) for u, v in points]
    cdp = app.context.new_cdp_session(app.page)
    send = lambda kind, pts: cdp.send("Input.dispatchTouchEvent",
                                      {"type": kind, "touchPoints": [{"x": x, "y": y} for x, y in pts]})
    send("touchStart", [xy[0]])
    for (x0, y0), (x1, y1) in zip(xy, xy[1:]):
        for i in range(1, steps + 1):
            send("touchMove", [(x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps)])
    send("touchEnd", [])
    cdp.detach()


def test_reduced_motion_is_respected(browser, site_url):
    context = browser.new_context(reduced_motion="reduce")
    page = context.new_page()
    try:
        page.goto(site_url)
        name = page.eval_on_selector("#status .status-bar > span", "e => getComputedStyle(e).animationName")
        assert name == "none"
    finally:
        context.close()


def test_a_loading_error_shows_a_readable_banner(browser, site_url):
    """Break one file of the digitlab package: the page must say so, not stay blank. (bridge.py:
    the one module every start imports from its file; the memory snapshot holds the others
    already imported, and a build remakes the snapshot whenever one of them changes.)"""
    context = browser.new_context()
    context.route("**/py/digitlab/web/bridge.py", lambda route: route.fulfill(
        status=200, content_type="text/plain", body="raise RuntimeError('broken on purpose')\n"))
    page = context.new_page()
    try:
        page.goto(site_url)
        page.wait_for_selector("#status[data-state=error]", timeout=READY_TIMEOUT_MS)
        banner = page.locator("#error")
        assert banner.is_visible()
        assert "broken on purpose" in banner.text_content()
        assert page.get_attribute("#prediction", "data-state") == "none"
    finally:
        context.close()


def test_ink_before_python_is_ready_is_classified_when_it_is(browser, site_url):
    """The pad works from the first paint; the drawing is read the moment Python is ready."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    app = App(context, site_url)
    page = app.page
    # Hold Python's runtime back until the digit is drawn: on a quick start the page may otherwise
    # be ready before this test's first stroke gets through (the runtime's start blocks input).
    held = []
    page.route("**/vendor/pyodide/pyodide.asm.wasm", lambda route: held.append(route))
    try:
        page.goto(site_url)
        page.wait_for_selector("#pad")
        app.poll("() => !!window.digitlab")                    # the shim has run
        assert page.get_attribute("#status", "data-state") == "loading"
        progress = page.text_content("#status")
        assert "Loading" in progress or "Starting" in progress, progress
        for s in DIGITS[7]:
            app.stroke(s)
        for _ in range(400):                                   # the runtime has asked for its wasm
            if held:
                break
            page.wait_for_timeout(25)
        assert page.evaluate("performance.getEntriesByName('digitlab:ready').length") == 0
        for route in held:
            route.continue_()
        page.unroute("**/vendor/pyodide/pyodide.asm.wasm")
        page.wait_for_selector("#status[data-state=ready]", timeout=READY_TIMEOUT_MS)
        # The pad took the ink before Python was ready (the runtime's boot blocks the main
        # thread for a few seconds, so the moves may be handled late, but none is lost).
        first_ink, ready = page.evaluate(
            "['digitlab:first-ink', 'digitlab:ready'].map(n => performance.getEntriesByName(n)[0].startTime)")
        assert first_ink < ready
        page.wait_for_selector("#status[data-state=ready]", timeout=READY_TIMEOUT_MS)
        app.wait_update(0)
        assert app.prediction()["digit"] == "7"
        assert app.errors == [] and app.foreign_requests() == []
    finally:
        context.close()
