"""Soak: 10,000+ random pointer events on the pad, from three sources at once.

- the real Playwright mouse: fast and slow strokes that leave the pad and come back;
- trusted touch events through CDP (Input.dispatchTouchEvent): two fingers at once (two
  pointerIds; the pad follows the first), and touchCancel mid-stroke (pointercancel);
- script-made PointerEvents in batches inside page.evaluate, a frame apart (pen, touch and
  mouse pointerIds, strokes out of and back into the pad, pointercancel mid-stroke).

Then: no console error and no unhandled rejection; the state shown equals a fresh
classification of the final drawing (CPython's digitlab on the same pixels, and the page's own
re-classification); JS heap + wasm memory grew by at most 5 MB (measured after a collection,
from a warmed-up page), and the DOM did not grow. Prints the figures for BENCHMARKS.md.

Run: python3 build.py build && python3 -m pytest tests/e2e/test_soak.py -s
"""

import json
import random
import time

import numpy as np
import pytest

from digitlab import models, preprocess

from .conftest import App

pytestmark = pytest.mark.e2e

SEED = 8
MAX_GROWTH = 5 * 2**20          # bytes, JS heap + wasm memory
BATCH = 50                      # script-made events per animation frame

COUNT_EVENTS = """() => {
  window.__soak = {events: 0, rejections: []};
  const pad = document.querySelector('#pad');
  for (const type of ['pointerdown', 'pointermove', 'pointerup', 'pointercancel'])
    pad.addEventListener(type, () => { window.__soak.events++; }, {capture: true});
  addEventListener('unhandledrejection', (e) => window.__soak.rejections.push(String(e.reason)));
}"""

# Random strokes as PointerEvents: each plan entry is [type, pointerId, pointerType, u, v] in pad
# units (u, v outside 0..1 leave the pad); dispatched BATCH per frame, on the pad (or on the
# document once outside, as a browser with capture would still deliver them to the pad).
DISPATCH = """async ([plan, batch]) => {
  const pad = document.querySelector('#pad');
  const t0 = performance.now();
  for (let i = 0; i < plan.length; i += batch) {
    const r = pad.getBoundingClientRect();
    for (const [type, pointerId, pointerType, u, v] of plan.slice(i, i + batch)) {
      pad.dispatchEvent(new PointerEvent(type, {pointerId, pointerType, isPrimary: pointerId === 1,
        clientX: r.left + u * r.width, clientY: r.top + v * r.height, button: 0, buttons: type === 'pointerup' ? 0 : 1,
        bubbles: true, cancelable: true}));
    }
    await new Promise(requestAnimationFrame);
  }
  return performance.now() - t0;
}"""


def walk(rng, n, fast):
    """A random stroke of n points in pad units, sometimes leaving the pad and coming back."""
    u, v = rng.uniform(0.15, 0.85), rng.uniform(0.15, 0.85)
    step = 0.08 if fast else 0.01
    pts = []
    for _ in range(n):
        u = min(1.3, max(-0.3, u + rng.gauss(0, step)))
        v = min(1.3, max(-0.3, v + rng.gauss(0, step)))
        pts.append((u, v))
    return pts


def script_plan(rng, n_events):
    plan = []
    kinds = [(1, "mouse"), (7, "pen"), (11, "touch"), (12, "touch")]
    while len(plan) < n_events:
        pid, ptype = rng.choice(kinds)
        pts = walk(rng, rng.randint(3, 60), fast=rng.random() < 0.5)
        plan.append(["pointerdown", pid, ptype, *pts[0]])
        if rng.random() < 0.3:                                 # a second pointer joins mid-stroke
            other = 12 if pid != 12 else 11
            plan.append(["pointerdown", other, "touch", *walk(rng, 1, True)[0]])
            plan.append(["pointerup", other, "touch", 0.5, 0.5])
        plan += [["pointermove", pid, ptype, *p] for p in pts[1:]]
        plan.append(["pointercancel" if rng.random() < 0.2 else "pointerup", pid, ptype, *pts[-1]])
    return plan


def mouse_strokes(app, rng, n_moves):
    """The real mouse: strokes with fast and slow moves, leaving the pad and re-entering it."""
    m = app.page.mouse
    done = 0
    while done < n_moves:
        b = app.pad_box()
        to_xy = lambda p: (b["x"] + p[0] * b["width"], b["y"] + p[1] * b["height"])  # noqa: E731
        pts = walk(rng, rng.randint(4, 30), fast=rng.random() < 0.5)
        pts[0] = (min(max(pts[0][0], 0.05), 0.95), min(max(pts[0][1], 0.05), 0.95))   # start on the pad
        m.move(*to_xy(pts[0]))
        m.down()
        for p in pts[1:]:
            m.move(*to_xy(p), steps=1 if rng.random() < 0.7 else 3)
        m.up()
        done += len(pts) + 1


def touch_strokes(app, rng, n_events):
    """Trusted touches via CDP: often two fingers at once, sometimes cancelled mid-stroke."""
    cdp = app.context.new_cdp_session(app.page)
    sent = 0
    try:
        while sent < n_events:
            b = app.pad_box()
            to_xy = lambda p, i: {"x": b["x"] + p[0] * b["width"], "y": b["y"] + p[1] * b["height"], "id": i}  # noqa: E731
            a, c = walk(rng, 12, fast=True), walk(rng, 12, fast=False)
            a[0] = (0.5, 0.5)
            two = rng.random() < 0.5
            fingers = lambda k: [to_xy(a[k], 0)] + ([to_xy(c[k], 1)] if two else [])  # noqa: E731
            cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": fingers(0)})
            for k in range(1, len(a)):
                cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": fingers(k)})
            end = "touchCancel" if rng.random() < 0.25 else "touchEnd"
            cdp.send("Input.dispatchTouchEvent", {"type": end, "touchPoints": []})
            sent += len(a) + 1
    finally:
        cdp.detach()


def memory(app, cdp):
    """JS heap used + wasm memory, after a collection on both sides; and the DOM's size."""
    py = app.page.evaluate("window.digitlab.call('debug.memory', {collect: true})")
    cdp.send("HeapProfiler.collectGarbage")
    js = cdp.send("Runtime.getHeapUsage")["usedSize"]
    nodes = app.page.evaluate("document.getElementsByTagName('*').length")
    return {"js": js, "wasm": py["wasm_heap"], "py_objects": py["objects"], "dom": nodes}


def settle(app):
    """Until the last input has been shown: one more update after the pad went quiet."""
    app.page.wait_for_timeout(150)
    n = app.updates()
    app.page.evaluate("window.digitlab.update()")
    app.wait_update(n)


def test_soak(browser, site_url, dist_dir):
    rng = random.Random(SEED)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, has_touch=True)
    app = App(context, site_url).open()
    page = app.page
    cdp = context.new_cdp_session(page)
    try:
        page.evaluate(COUNT_EVENTS)
        assert page.evaluate("window.digitlab.call('debug.memory', {}).wasm_heap") > 0
        for name in reversed(list(models.ARCHS)):             # warm up: every model's caches, then cnn
            app.choose(name)
        mouse_strokes(app, rng, 150)
        page.evaluate(DISPATCH, [script_plan(rng, 300), BATCH])
        settle(app)
        page.click("#clear")
        settle(app)
        before = memory(app, cdp)

        counted, n_updates = page.evaluate("window.__soak.events"), app.updates()
        t0 = time.perf_counter()
        spans, counts = {}, {}
        for round_ in range(3):                                # clear now and then, as a class would
            for source, run in (("mouse", lambda: mouse_strokes(app, rng, 100)),
                                ("touch", lambda: touch_strokes(app, rng, 100)),
                                ("script", lambda: page.evaluate(DISPATCH, [script_plan(rng, 3200), BATCH]))):
                t, c = time.perf_counter(), page.evaluate("window.__soak.events")
                run()
                spans[source] = spans.get(source, 0) + time.perf_counter() - t
                counts[source] = counts.get(source, 0) + page.evaluate("window.__soak.events") - c
            if round_ < 2:
                page.click("#clear")
        total_s = time.perf_counter() - t0
        settle(app)
        events = page.evaluate("window.__soak.events") - counted
        assert events >= 10_000, events

        # The state shown is a fresh classification of the final drawing.
        snap = app.snapshot()
        pixels = np.asarray(page.evaluate("Array.from(window.digitlab.pad.pixels())"), np.uint8).reshape(280, 280)
        x = preprocess.to_mnist(pixels)
        np.testing.assert_allclose(snap["input"], x.reshape(-1), atol=1e-6)
        assert preprocess.has_ink(pixels), "the soak left no ink: nothing was compared"
        net = models.load(snap["model"], root=dist_dir / "weights")
        probs = net.forward(x.reshape(1, 784)).probs[0]
        np.testing.assert_allclose(snap["probs"], probs, atol=1e-5)
        shown = app.prediction()
        assert shown["digit"] == str(int(np.argmax(probs)))
        n = app.updates()
        page.evaluate("window.digitlab.update()")
        app.wait_update(n)
        again = app.snapshot()
        assert again["input"] == snap["input"] and again["probs"] == snap["probs"]
        assert app.prediction() == shown

        page.click("#clear")
        settle(app)
        after = memory(app, cdp)
        growth = (after["js"] - before["js"]) + (after["wasm"] - before["wasm"])
        figures = {"events": events, "seconds": round(total_s, 1), "events_per_s": round(events / total_s),
                   "per_source": {k: [counts[k], round(v, 1), round(counts[k] / v)] for k, v in spans.items()},
                   "updates": app.updates() - n_updates, "before": before, "after": after,
                   "growth_MB": round(growth / 2**20, 3)}
        print("\nsoak figures:", json.dumps(figures))
        assert growth <= MAX_GROWTH, figures
        assert after["dom"] <= before["dom"] + 5, figures
        assert after["py_objects"] <= before["py_objects"] + 200, figures     # no Python objects pile up
        assert page.evaluate("window.__soak.rejections") == []
        assert app.errors == [], app.errors
        assert app.foreign_requests() == []
    finally:
        cdp.detach()
        context.close()
