"""The explorers in the real page, driven by mouse, keys and touch, checked against CPython's
digitlab on the same numbers.

Run: python3 build.py build && DIGITLAB_DIST=$PWD/dist python3 -m pytest tests/e2e/test_explore.py
"""

import math

import numpy as np
import pytest

from digitlab import lr_sweep
from digitlab.core import activations as act

from .conftest import SCREENSHOTS, App

pytestmark = pytest.mark.e2e

# Values cross as float64 copies of Pyodide's float32 results; numpy there and here may differ
# in the last bit of exp/tanh, so compare to 1e-6. Text is shown to 4 decimals.
VALUE_TOL = 1e-6
SHOWN_TOL = 5e-5 + 1e-6
PLOT = {"W": 480, "left": 40, "right": 12, "x0": -4.0, "x1": 4.0}   # explore-act.js's plot box


def shown(text):
    """A number as the page writes it (real minus sign) -> float."""
    return float(text.strip().replace("−", "-"))


def readout(page):
    return page.evaluate("""() => Object.fromEntries(['x', 'fx', 'dfx'].map(k => {
        const e = document.querySelector('#act-' + k); return [k, [Number(e.dataset.value), e.textContent]]; }))""")


def cpython_activation(name, x):
    f, df = act.ACTIVATIONS[name]
    z = np.array([x], np.float32)
    return float(f(z)[0]), float(df(z, f(z))[0])


def plot_box(page):
    """The plot's content box in viewport pixels (inside its border, where the viewBox maps)."""
    return page.eval_on_selector("#act-plot", """e => { const r = e.getBoundingClientRect();
        return {x: r.x + e.clientLeft, y: r.y + e.clientTop, width: e.clientWidth, height: e.clientHeight}; }""")


def plot_x(box, client_x):
    """The x the plot should take for a pointer at client_x (the SVG scales uniformly)."""
    u = (client_x - box["x"]) * PLOT["W"] / box["width"]
    frac = (u - PLOT["left"]) / (PLOT["W"] - PLOT["left"] - PLOT["right"])
    return PLOT["x0"] + frac * (PLOT["x1"] - PLOT["x0"])


@pytest.mark.parametrize("name,to", [("sigmoid", 0.71), ("tanh", 0.3), ("leaky_relu", 0.18)])
def test_dragging_x_shows_the_cores_values(fresh, name, to):
    page = fresh.page
    page.locator("#act-plot").scroll_into_view_if_needed()
    page.locator(f"#act-explorer input[value={name}]").check()
    fresh.poll("n => document.querySelector('#act-plot').dataset.name === n", name)
    box = plot_box(page)
    y = box["y"] + box["height"] * 0.5
    start, end = box["x"] + box["width"] * 0.5, box["x"] + box["width"] * to
    m = page.mouse
    m.move(start, y)
    m.down()
    for i in range(1, 13):                                # a hand's drag: many small moves
        m.move(start + (end - start) * i / 12, y + i % 3)
    m.up()
    want_x = round(plot_x(box, end), 2)
    fresh.poll("x => Math.abs(Number(document.querySelector('#act-x').dataset.value) - x) < 0.0101", want_x)
    page.wait_for_timeout(100)
    got = readout(page)
    x = got["x"][0]
    assert x == pytest.approx(want_x, abs=0.0101)          # the point went where the mouse went
    fx, dfx = cpython_activation(name, x)
    assert got["fx"][0] == pytest.approx(fx, abs=VALUE_TOL)
    assert got["dfx"][0] == pytest.approx(dfx, abs=VALUE_TOL)
    assert shown(got["fx"][1]) == pytest.approx(fx, abs=SHOWN_TOL)
    assert shown(got["dfx"][1]) == pytest.approx(dfx, abs=SHOWN_TOL)
    assert float(page.get_attribute("#act-plot", "aria-valuenow")) == pytest.approx(x)


def test_keys_move_x(fresh):
    page = fresh.page
    page.locator("#act-explorer input[value=relu]").check()
    page.focus("#act-plot")
    page.keyboard.press("Home")
    fresh.poll("() => document.querySelector('#act-x').dataset.value === '-4'")
    for key in ["PageUp", "PageUp", "PageUp", "ArrowRight", "ArrowRight"]:
        page.keyboard.press(key)
    fresh.poll("() => Math.abs(Number(document.querySelector('#act-x').dataset.value) + 0.8) < 1e-6")
    got = readout(page)
    assert got["fx"][0] == 0 and got["dfx"][0] == 0                # ReLU left of 0: flat
    page.keyboard.press("End")
    fresh.poll("() => document.querySelector('#act-x').dataset.value === '4'")
    assert readout(page)["fx"][0] == 4


def test_softmax_temperature(fresh):
    page = fresh.page
    page.locator("#softmax-explorer").scroll_into_view_if_needed()
    page.fill("#sm-z1", "3")
    page.focus("#sm-temp")
    for _ in range(25):                                   # slider 50 -> 25: T = 10^(-0.5)
        page.keyboard.press("ArrowLeft")
    T = 10 ** (-0.5)
    z = np.array([3, 1, 0.1, -1], np.float32)
    want = act.softmax((z / np.float32(T)).reshape(1, -1))[0]
    fresh.poll("p => Math.abs(Number(document.querySelector('#sm-probs li').dataset.p) - p) < 1e-5", float(want[0]))
    got = page.eval_on_selector_all("#sm-probs li", "es => es.map(e => Number(e.dataset.p))")
    np.testing.assert_allclose(got, want, atol=1e-6)
    assert sum(got) == pytest.approx(1, abs=1e-6)


def test_neuron_calculator_matches_cpython(fresh):
    page = fresh.page
    page.locator("#neuron-calc").scroll_into_view_if_needed()
    page.locator("#neuron-n3").check()
    values = {"#neuron-x1": "1.5", "#neuron-x2": "-2", "#neuron-x3": "0.25",
              "#neuron-w1": "0.7", "#neuron-w2": "0.35", "#neuron-w3": "-1.2", "#neuron-b": "0.05"}
    for sel, v in values.items():
        page.fill(sel, "")
        page.type(sel, v)
    page.select_option("#neuron-act", "tanh")
    x = np.array([1.5, -2, 0.25], np.float32)
    w = np.array([0.7, 0.35, -1.2], np.float32)
    z = float(np.dot(x.astype(np.float64), w.astype(np.float64)) + np.float32(0.05))
    a = float(np.tanh(np.float32(z)))
    fresh.poll("z => Math.abs(Number(document.querySelector('#neuron-result').dataset.z) - z) < 1e-5 &&"
               " document.querySelector('#neuron-a code').textContent.includes('tanh')", z)
    res = page.eval_on_selector("#neuron-result", "e => ({...e.dataset})")
    assert float(res["z"]) == pytest.approx(z, abs=1e-6)
    assert float(res["a"]) == pytest.approx(a, abs=VALUE_TOL)
    steps = page.eval_on_selector_all("#neuron-steps code", "es => es.map(e => e.textContent)")
    assert steps[0].count("·") == 3 and "(−2)" in steps[0]           # z = 0.7·1.5 + 0.35·(−2) + …
    assert shown(steps[2].split("=")[-1]) == pytest.approx(z, abs=SHOWN_TOL)
    assert shown(steps[3].split("=")[-1]) == pytest.approx(a, abs=SHOWN_TOL)
    page.fill("#neuron-w2", "")
    fresh.poll("() => document.querySelector('#neuron-result').dataset.state === 'invalid'")


def test_learning_rate_explorer(fresh):
    page = fresh.page
    page.locator("#lr-explore").scroll_into_view_if_needed()
    # Record frame gaps while it trains: the work is cut per frame, the page keeps drawing.
    page.evaluate("""() => { window.__gaps = []; let last = performance.now();
        const tick = (t) => { window.__gaps.push(t - last); last = t;
          if (document.querySelector('#lr-explore').dataset.state !== 'done') requestAnimationFrame(tick); };
        requestAnimationFrame(tick); }""")
    page.click("#lr-run")
    fresh.poll("() => document.querySelector('#lr-explore').dataset.state === 'done'", timeout_ms=120_000)
    runs = page.eval_on_selector_all("#lr-runs li", "es => es.map(e => ({...e.dataset}))")
    assert [float(r["rate"]) for r in runs] == list(lr_sweep.RATES)
    curves = page.eval_on_selector_all("#lr-curves path.curve", "es => es.map(e => [Number(e.dataset.rate),"
                                       " Number(e.dataset.points), e.getAttribute('d').length])")
    assert [c[0] for c in curves] == list(lr_sweep.RATES) and all(c[1] > 10 and c[2] > 50 for c in curves)
    diverged = [r for r in runs if r["diverged"] == "true"]
    assert [float(r["rate"]) for r in diverged] == [10.0] and diverged[0]["verdict"] == "diverged"
    marks = page.eval_on_selector_all("#lr-curves .blowup", "es => es.map(e => [e.dataset.rate, e.dataset.step])")
    assert len(marks) == 1 and marks[0][0] == "10"

    # The same sweep in CPython: the same verdicts, the same losses.
    sweep = lr_sweep.Sweep()
    while not sweep.done:
        sweep.advance()
    assert [r["verdict"] for r in runs] == sweep.verdicts()
    for shown_run, run in zip(runs, sweep.runs):
        if not run.stopped:
            assert float(shown_run["final"]) == pytest.approx(run.losses[-1], rel=1e-4)
    assert abs(int(marks[0][1]) - sweep.runs[-1].blowup) <= 2
    says = page.eval_on_selector_all("#lr-verdict p", "es => es.map(e => e.dataset.verdict)")
    assert says == ["crawls", "fastest", "diverged"]

    land = page.eval_on_selector("#lr-land", "e => ({...e.dataset, cells: e.querySelectorAll('.cell').length,"
                                 " coloured: [...e.querySelectorAll('.cell')].filter(c => c.dataset.loss).length})")
    best = sweep.verdicts().index("fastest")
    assert int(land["run"]) == best and land["cells"] == land["coloured"] == 21 * 21
    centre = lr_sweep.Landscape(sweep, best).centre_loss()
    assert float(land["centreLoss"]) == pytest.approx(centre, rel=1e-4)
    gaps = page.evaluate("window.__gaps")
    assert len(gaps) > 20 and max(gaps[2:]) < 1000, max(gaps)     # frames kept coming while it trained
    assert page.eval_on_selector("#lr-land-run", "e => e.options.length") == 4   # the calm runs

    SCREENSHOTS.mkdir(exist_ok=True)
    page.locator("#explore-mount").screenshot(path=str(SCREENSHOTS / "explore-desktop.png"))


def test_phone_and_japanese(browser, site_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True, reduced_motion="reduce")
    app = App(context, site_url).open("?lang=ja")
    page = app.page
    try:
        assert page.text_content("#act-h") == "活性化関数"
        page.locator("#act-plot").scroll_into_view_if_needed()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        for sel in ["#act-explorer .seg label", "#neuron-calc .seg label", "#neuron-x1", "#neuron-act", "#lr-run",
                    "#sm-temp", "#lr-land-run"]:
            for box in [page.locator(sel).nth(i).bounding_box() for i in range(page.locator(sel).count())]:
                assert box["height"] >= 44 and box["width"] >= 44, sel
        # A finger's sideways drag moves x (the plot only lets the page pan vertically).
        box = plot_box(page)
        y = box["y"] + box["height"] / 2
        cdp = context.new_cdp_session(page)
        touch = lambda kind, x: cdp.send("Input.dispatchTouchEvent", {"type": kind,
                                          "touchPoints": [] if x is None else [{"x": x, "y": y}]})
        x0, x1 = box["x"] + box["width"] * 0.5, box["x"] + box["width"] * 0.2
        touch("touchStart", x0)
        for i in range(1, 9):
            touch("touchMove", x0 + (x1 - x0) * i / 8)
        touch("touchEnd", None)
        want = round(plot_x(box, x1), 2)
        app.poll("x => Math.abs(Number(document.querySelector('#act-x').dataset.value) - x) < 0.0101", want)
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "explore-phone.png"))
        page.locator("#lr-explore").scroll_into_view_if_needed()
        # Reduced motion: the charts are drawn when a phase completes, not on every frame.
        page.evaluate("""() => { window.__draws = 0; new MutationObserver(() => window.__draws++)
            .observe(document.querySelector('#lr-curves'), {childList: true}); }""")
        page.click("#lr-run")
        app.poll("() => document.querySelector('#lr-explore').dataset.state === 'done'", timeout_ms=120_000)
        assert 1 <= page.evaluate("window.__draws") <= 4
        assert "発散" in page.text_content("#lr-verdict")
        page.locator("#lr-explore").screenshot(path=str(SCREENSHOTS / "explore-phone-lr.png"))
        assert app.errors == [] and app.foreign_requests() == []
    finally:
        context.close()


def test_an_edit_of_the_activations_shows_here(fresh):
    """The editor's "ReLU → tanh" preset edits activations.py in the running Python: the
    explorer's ReLU is then tanh, because it calls the network's own functions."""
    page = fresh.page
    page.locator("#act-explorer input[value=relu]").check()
    page.focus("#act-plot")
    page.keyboard.press("End")
    fresh.poll("() => document.querySelector('#act-fx').dataset.value === '4'")
    page.click("#editor-toggle")
    page.click("[data-preset='tanh']")
    want = float(np.tanh(np.float32(4)))
    try:
        fresh.poll("f => Math.abs(Number(document.querySelector('#act-fx').dataset.value) - f) < 1e-6", want)
    finally:
        page.click("#editor-reset-all")
    fresh.poll("() => document.querySelector('#act-fx').dataset.value === '4'")
