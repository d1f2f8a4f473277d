"""Canvas edge cases: each drawing gets its defined state, and none is claimed as a sure digit
that is not one.

| drawing                         | defined state                                               |
|---------------------------------|-------------------------------------------------------------|
| blank                           | none: no digit, no probabilities                            |
| a single dot                    | unsure, reason "small"                                      |
| full ink (the pad filled)       | unsure, reason "blob" (the network alone says a sure 0/8)   |
| a line along the top border     | unsure, reason "flat" (the network alone says a 100% 2)     |
| a line along the left border    | a 1: a vertical bar is one                                  |
| ink only at a corner: a speck   | unsure, reason "small"                                      |
| ink only at a corner: a small 7 | 7, as CPython reads the same input (preprocessing centres)  |
| devicePixelRatio 1 -> 2         | the same input as before; the canvas is re-rendered at 2x   |
| window resized mid-stroke       | one stroke, continuous in pad units; CPython agrees         |
| a very small viewport (240x360) | the pad fits, takes strokes, reads a 7                      |

Run: python3 build.py build && python3 -m pytest tests/e2e/test_edges.py
"""

import numpy as np
import pytest

from .conftest import DIGITS, SCREENSHOTS, App

pytestmark = pytest.mark.e2e


@pytest.fixture
def edge(fresh):
    yield fresh
    set_brush(fresh, 20)


def set_brush(app, px):
    app.page.eval_on_selector("#brush", "(e, px) => { e.value = px; e.dispatchEvent(new Event('input')); }", px)


def agrees_with_cpython(app, reference):
    snap = app.snapshot()
    net = reference(snap["model"])
    probs = net.forward(np.asarray(snap["input"], np.float32).reshape(1, 784)).probs[0]
    np.testing.assert_allclose(snap["probs"], probs, atol=1e-5)
    return int(np.argmax(probs))


def last_reason(app):
    return app.page.evaluate("window.__reason")


@pytest.fixture(autouse=True)
def track_reason(app):
    """Keep the last update's prediction reason on window (the result carries it)."""
    app.page.evaluate("""() => { if (!window.__tracking) { window.__tracking = true;
        addEventListener('digitlab:update', (e) => { window.__reason = e.detail.result.prediction.reason ?? null; }); } }""")


def test_blank(edge):
    p = edge.prediction()
    assert p["state"] == "none" and p["digit"] == ""
    assert edge.snapshot()["probs"] is None
    assert edge.page.eval_on_selector_all("#probs [data-p]", "es => es.map(e => Number(e.dataset.p))") == [0] * 10


def test_a_single_dot(edge):
    b = edge.pad_box()
    n = edge.updates()
    edge.page.mouse.click(b["x"] + b["width"] * 0.5, b["y"] + b["height"] * 0.5)
    edge.wait_update(n)
    edge.page.wait_for_timeout(100)
    assert edge.prediction()["state"] == "unsure"
    assert last_reason(edge) == "small"


def test_full_ink_is_no_digit(edge, reference):
    set_brush(edge, 40)
    rows = [[(0.005, y), (1.05, y)] for y in np.linspace(0.005, 0.995, 11)]   # past the edge: capture keeps it
    p = edge.draw(rows)
    ink = edge.page.evaluate("Array.from(window.digitlab.pad.pixels()).filter(v => v > 200).length")
    assert ink > 0.9 * 280 * 280, ink
    agrees_with_cpython(edge, reference)
    assert p["state"] == "unsure" and last_reason(edge) == "blob", p


def test_a_line_along_the_border(edge, reference):
    p = edge.draw([[(0.02, 0.03), (0.5, 0.03), (0.98, 0.03)]])
    agrees_with_cpython(edge, reference)
    assert p["state"] == "unsure" and last_reason(edge) == "flat", p
    edge.clear()
    p = edge.draw([[(0.03, 0.02), (0.03, 0.5), (0.03, 0.98)]])          # the left border: a 1
    assert agrees_with_cpython(edge, reference) == 1
    assert p["digit"] == "1" and p["state"] == "sure"


def test_ink_only_at_a_corner(edge, reference):
    p = edge.draw([[(0.96, 0.96), (0.98, 0.97), (0.97, 0.985)]])
    assert p["state"] == "unsure" and last_reason(edge) == "small", p
    edge.clear()
    seven = [(0.62 + 0.35 * (x - 0.28) / 0.44, 0.62 + 0.35 * (y - 0.2) / 0.64) for x, y in DIGITS[7][0]]
    p = edge.draw([seven])
    assert agrees_with_cpython(edge, reference) == 7
    assert p["digit"] == "7"


def test_a_device_pixel_ratio_change(edge, reference):
    """Python reads the same 280x280 pixels at any ratio; the visible canvas is re-rendered at the
    new ratio (here at the next touch: an emulated ratio change fires no resize or media event)."""
    crisp = """(dpr) => { const c = document.querySelector('#pad'), r = c.getBoundingClientRect();
                          return c.width === Math.max(1, Math.round(r.width * dpr)); }"""
    p = edge.draw(DIGITS[7])
    before = edge.snapshot()["input"]
    cdp = edge.context.new_cdp_session(edge.page)
    try:
        for dpr in (2, 1.5):
            cdp.send("Emulation.setDeviceMetricsOverride",
                     {"width": 1280, "height": 900, "deviceScaleFactor": dpr, "mobile": False})
            edge.poll("(dpr) => devicePixelRatio === dpr", dpr)
            n = edge.updates()
            edge.page.evaluate("window.digitlab.update()")
            edge.wait_update(n)
            assert edge.snapshot()["input"] == before                # Python reads the same pixels
            assert edge.prediction()["digit"] == p["digit"] == "7"
            edge.draw([[(0.1, 0.9), (0.15, 0.9)]])                   # a touch: now crisp at this ratio
            edge.poll(crisp, dpr, 5000)
            n = edge.updates()
            edge.page.click("#undo")
            edge.wait_update(n)
            assert edge.snapshot()["input"] == before
        edge.clear()
        p = edge.draw(DIGITS[1])                                     # strokes land where the mouse is
        assert agrees_with_cpython(edge, reference) == 1 and p["digit"] == "1"
    finally:
        cdp.send("Emulation.clearDeviceMetricsOverride")
        cdp.detach()


def test_a_window_resize_mid_stroke(edge, reference):
    """The pad moves under the pointer: the stroke ends where it was (going on would draw a jump
    across the pad); the next stroke is drawn in the new layout."""
    page = edge.page
    try:
        b = edge.pad_box()
        m = page.mouse
        m.move(b["x"] + 0.28 * b["width"], b["y"] + 0.2 * b["height"])
        m.down()
        m.move(b["x"] + 0.72 * b["width"], b["y"] + 0.2 * b["height"], steps=8)
        page.set_viewport_size({"width": 700, "height": 800})          # the layout (and the pad) change
        edge.poll("() => { const c = document.querySelector('#pad'), r = c.getBoundingClientRect();"
                  " return c.width === Math.round(r.width * devicePixelRatio); }")
        b2 = page.locator("#pad").bounding_box()
        assert (b2["x"], b2["width"]) != (b["x"], b["width"])
        m.move(b2["x"] + 0.55 * b2["width"], b2["y"] + 0.5 * b2["height"], steps=8)
        n = edge.updates()
        m.up()
        page.wait_for_timeout(200)
        strokes = page.evaluate("window.digitlab.pad.strokes.map(s => s.pts)")
        assert len(strokes) == 1
        xs, ys = np.asarray(strokes[0][0::2]), np.asarray(strokes[0][1::2])
        assert xs.max() == pytest.approx(0.72, abs=0.02) and np.ptp(ys) < 0.02, strokes   # the bar, no jump
        edge.wait_update(n - 1)
        assert edge.prediction()["state"] == "unsure" and last_reason(edge) == "flat"
        p = edge.draw([DIGITS[7][0][1:]])                            # the rest of the 7, in the new layout
        assert agrees_with_cpython(edge, reference) == 7 and p["digit"] == "7"
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})


def test_a_very_small_viewport(browser, site_url, reference):
    context = browser.new_context(viewport={"width": 240, "height": 360}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    try:
        app = App(context, site_url).open()
        b = app.pad_box()
        assert 150 <= b["width"] <= 240 and b["x"] >= 0 and b["x"] + b["width"] <= 240, b
        p = app.draw(DIGITS[7])
        assert agrees_with_cpython(app, reference) == 7 and p["digit"] == "7"
        app.page.screenshot(path=str(SCREENSHOTS / "edges-240x360.png"))
        assert app.errors == [] and app.foreign_requests() == []
    finally:
        context.close()
