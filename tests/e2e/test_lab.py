"""The inspector and Break It in the built page, driven with a mouse and keys, checked against CPython.

Reference numbers come from CPython's digitlab with the weights the page was served, damaged
here by hand (biases zeroed, a layer zeroed, a unit's weights zeroed), on snapshot().input.
"""

import numpy as np
import pytest

from digitlab.core import Network

from .conftest import DIGITS, SCREENSHOTS

pytestmark = pytest.mark.e2e

PROB_TOL = 1e-5       # float32 in wasm vs CPython's BLAS, summed in other orders
VALUE_TOL = 1e-4
NO_DAMAGE = {"bias": False, "noise": 0, "layers": [], "neurons": [], "prune": 0, "prune_global": False,
             "temperature": 1, "scales": {}}


def with_defaults(**damage):
    """Break It's whole state (as window.digitlab.damage.get() gives it) with these fields set."""
    return {**NO_DAMAGE, **damage}


@pytest.fixture
def lab(app):
    """The shared page, healed, cleared, on mlp-128-64; fails on new errors or foreign requests."""
    if app.page.evaluate("window.digitlab.damage.get()") != NO_DAMAGE:
        app.page.click("#break-reset")
    if app.snapshot()["model"] != "mlp-128-64":
        app.choose("mlp-128-64")
    app.clear()
    n_err = len(app.errors)
    yield app
    assert app.errors[n_err:] == [], app.errors[n_err:]
    assert app.foreign_requests() == []


def damaged(net, fn):
    """A copy of net whose params fn(params) changed in place (the test's own damage)."""
    params = {n: {k: v.copy() for k, v in p.items()} for n, p in net.params.items()}
    fn(params)
    return Network(net.layers, params, net.input_shape)


def input_of(app):
    return np.asarray(app.snapshot()["input"], np.float32).reshape(1, 784)


def settle(app, n):
    """Wait for an update after count n, then for the last frame to land."""
    app.wait_update(n)
    app.page.wait_for_timeout(150)


def accuracy(app):
    app.poll("() => document.querySelector('#break-accuracy').dataset.state === 'ready'", timeout_ms=90_000)
    return app.page.eval_on_selector("#break-accuracy", "e => ({...e.dataset})")


def diagram_state(app):
    # The snapshot first: it brings the link handles up to date (the page writes them at rest).
    return app.page.evaluate("""() => {
        const probs = window.digitlab.snapshot().probs;
        return {
        a: Object.fromEntries([...document.querySelectorAll('#network [data-node-id]')].map(e => [e.dataset.nodeId, e.dataset.a ?? null])),
        s: Object.fromEntries([...document.querySelectorAll('#network [data-link-id]')].map(e => [e.dataset.linkId, e.dataset.signal])),
        probs }; }""")


def unit_values(app, sel):
    return app.page.eval_on_selector(sel, "e => ({id: e.dataset.unit, z: e.dataset.z, a: e.dataset.a, bias: e.dataset.bias,"
                                          " pixel: e.dataset.pixel, hidden: e.hidden})")


def test_inspector_tooltip_panel_and_keys_match_cpython(lab, reference):
    page = lab.page
    lab.draw(DIGITS[3])
    page.locator("#network").scroll_into_view_if_needed()
    lab.poll("() => window.digitlab.snapshot().diagram")
    net = reference("mlp-128-64")
    trace = net.forward(input_of(lab))
    node = page.eval_on_selector("#network [data-node-id^='h2:']", "e => e.dataset.nodeId")
    j = int(node.split(":")[1])
    page.hover(f"#network [data-node-id='{node}']")
    lab.poll("id => document.querySelector('#inspector-tip').dataset.unit === id", node)
    tip = unit_values(lab, "#inspector-tip")
    assert not tip["hidden"]
    assert float(tip["z"]) == pytest.approx(float(trace["h2"].z[0, j]), abs=VALUE_TOL)
    assert float(tip["a"]) == pytest.approx(float(trace["h2"].a[0, j]), abs=VALUE_TOL)
    assert float(tip["bias"]) == pytest.approx(float(net.params["h2"]["b"][j]), abs=1e-7)
    contribs = page.eval_on_selector_all("#inspector-tip li", "es => es.map(e => e.textContent)")
    c = trace["h1"].a[0] * net.params["h2"]["W"][:, j]
    assert contribs[0].split()[0] == f"h1:{int(np.argmax(np.abs(c)))}"

    page.click(f"#network [data-node-id='{node}']")
    lab.poll("id => document.querySelector('#inspector')?.dataset.nodeId === id", node)
    panel = unit_values(lab, "#inspector")
    assert float(panel["z"]) == pytest.approx(float(trace["h2"].z[0, j]), abs=VALUE_TOL)
    assert page.eval_on_selector("#inspector [data-fig=learned] canvas", "c => c.width * c.height") == 8 * 16

    # live: another stroke changes the drawing, the open panel follows it
    n = lab.updates()
    lab.stroke([(0.2, 0.5), (0.8, 0.5)])
    settle(lab, n)
    trace = net.forward(input_of(lab))
    lab.poll("z => document.querySelector('#inspector').dataset.z !== z", panel["z"])
    panel = unit_values(lab, "#inspector")
    assert float(panel["z"]) == pytest.approx(float(trace["h2"].z[0, j]), abs=VALUE_TOL)

    # keyboard: the diagram has one tab stop; arrows move it, Enter opens the panel
    page.mouse.move(1, 1)                          # the pointer's own hover must not interfere
    page.focus("#network [tabindex='0']")
    page.keyboard.press("ArrowDown")
    focused = page.evaluate("document.activeElement.dataset.nodeId || document.activeElement.dataset.tileId")
    assert focused and page.eval_on_selector("#inspector-tip", "e => !e.hidden && e.dataset.unit") == focused
    page.keyboard.press("Enter")
    lab.poll("id => document.querySelector('#inspector').dataset.nodeId === id", focused)
    assert page.eval_on_selector_all("#network [tabindex='0']", "es => es.length") == 1


def test_cnn_channels_and_features_match_cpython(lab, reference):
    page = lab.page
    lab.choose("cnn")
    lab.draw(DIGITS[7])
    page.locator("#network").scroll_into_view_if_needed()
    lab.poll("() => window.digitlab.snapshot().diagram")
    net = reference("cnn")
    trace = net.forward(input_of(lab))
    page.hover("#network [data-tile-id='conv2:3']")
    lab.poll("() => document.querySelector('#inspector-tip').dataset.unit === 'conv2:3'")
    tip = unit_values(lab, "#inspector-tip")
    r, c = map(int, tip["pixel"].split(","))
    assert float(tip["a"]) == pytest.approx(float(trace["conv2"].a[0, :, :, 3].max()), abs=VALUE_TOL)
    assert float(tip["z"]) == pytest.approx(float(trace["conv2"].z[0, r, c, 3]), abs=VALUE_TOL)
    assert float(tip["bias"]) == pytest.approx(float(net.params["conv2"]["b"][3]), abs=1e-7)
    flat = page.eval_on_selector("#network [data-node-id^='flat:']", "e => [e.dataset.nodeId, Number(e.dataset.a)]")
    page.click(f"#network [data-node-id='{flat[0]}']")
    lab.poll("id => document.querySelector('#inspector').dataset.nodeId === id", flat[0])
    assert float(unit_values(lab, "#inspector")["a"]) == pytest.approx(flat[1], abs=VALUE_TOL)
    k = int(flat[0].split(":")[1])
    assert float(unit_values(lab, "#inspector")["a"]) == pytest.approx(float(trace["flat"].a[0, k]), abs=VALUE_TOL)


def test_noise_at_maximum_hurts_and_reset_restores_exactly(lab):
    page = lab.page
    lab.draw(DIGITS[0])
    page.locator("#network").scroll_into_view_if_needed()
    lab.poll("() => window.digitlab.snapshot().diagram")
    healthy = diagram_state(lab)
    assert len(healthy["s"]) >= 20
    n = lab.updates()
    page.focus("#break-noise")
    page.keyboard.press("End")                     # the slider's maximum, as a keyboard user would
    settle(lab, n)
    acc = accuracy(lab)
    assert float(page.input_value("#break-noise")) == float(page.get_attribute("#break-noise", "max")) > 0
    assert float(acc["after"]) < float(acc["before"]) - 0.05, acc
    assert float(acc["before"]) > 0.9
    page.locator("#network").scroll_into_view_if_needed()
    lab.poll("() => window.digitlab.snapshot().diagram")
    assert diagram_state(lab) != healthy
    n = lab.updates()
    page.click("#break-reset")
    settle(lab, n)
    page.locator("#network").scroll_into_view_if_needed()
    lab.poll("() => window.digitlab.snapshot().diagram")
    assert diagram_state(lab) == healthy                # every data-a, data-signal and probability
    acc = accuracy(lab)
    assert acc["after"] == acc["before"]
    assert page.evaluate("window.digitlab.damage.get()") == NO_DAMAGE


def test_bias_off_and_a_zeroed_layer_equal_cpython(lab, reference):
    page = lab.page
    lab.draw(DIGITS[7])
    net = reference("mlp-128-64")
    x = input_of(lab)
    n = lab.updates()
    page.check("#break-bias")
    settle(lab, n)
    want = damaged(net, lambda p: [q["b"].fill(0) for q in p.values()]).predict_proba(x)[0]
    np.testing.assert_allclose(lab.snapshot()["probs"], want, atol=PROB_TOL)
    n = lab.updates()
    page.uncheck("#break-bias")
    page.check("[data-break-layer='h2']")
    settle(lab, n)
    want = damaged(net, lambda p: p["h2"]["W"].fill(0)).predict_proba(x)[0]
    np.testing.assert_allclose(lab.snapshot()["probs"], want, atol=PROB_TOL)
    assert page.eval_on_selector_all("[data-break-layer]", "es => es.map(e => e.dataset.breakLayer)") == ["h1", "h2", "out"]
    acc = accuracy(lab)
    assert float(acc["after"]) < 0.2                        # one answer for every image
    # side by side: the healthy diagram shows the shipped network's answer
    healthy = page.eval_on_selector_all("#break-healthy [data-node-id^='out:']", "es => es.map(e => Number(e.dataset.a))")
    np.testing.assert_allclose(healthy, net.predict_proba(x)[0], atol=VALUE_TOL)


def test_the_damaged_and_healthy_panels_doubt_a_tiny_drawing(lab):
    """A scribble too small to be a digit: both Break It panels word it as the main answer does
    ("unsure: too small to read …"), the healthy one as the page did before the damage, the
    damaged one as it does now."""
    page = lab.page
    lab.draw([[(0.50, 0.50), (0.52, 0.51), (0.51, 0.53)]])
    healthy = lab.prediction()["text"]
    assert healthy.startswith("unsure:")
    n = lab.updates()
    page.check("#break-bias")
    settle(lab, n)
    damaged_text = lab.prediction()["text"]
    assert damaged_text.startswith("unsure:")
    page.locator("#break-healthy").scroll_into_view_if_needed()
    reads = "(side) => document.querySelector(`.break-side.${side} .reads`).textContent"
    lab.poll(f"() => ({reads})('healthy') === {healthy!r} && ({reads})('damaged') === {damaged_text!r}")
    page.uncheck("#break-bias")


def open_live_unit(app, layer):
    """Draw a 3, click a unit of `layer` that answers it (a > 0) and wait for its panel.
    -> (node id, its index j, the drawing's input (1, 784))."""
    app.draw(DIGITS[3])
    app.page.locator("#network").scroll_into_view_if_needed()
    app.poll("() => window.digitlab.snapshot().diagram")
    x = input_of(app)
    node = app.page.eval_on_selector(f"#network [data-node-id^='{layer}:'][data-a]:not([data-a='0'])",
                                     "e => e.dataset.nodeId")
    app.page.click(f"#network [data-node-id='{node}']")
    app.poll("id => document.querySelector('#inspector').dataset.nodeId === id", node)
    return node, int(node.split(":")[1]), x


def test_a_neuron_switched_off_in_the_inspector(lab, reference):
    page = lab.page
    net = reference("mlp-128-64")
    node, j, x = open_live_unit(lab, "h1")
    n = lab.updates()
    page.click("#inspector-switch")
    settle(lab, n)

    def off(p):
        p["h1"]["W"][:, j] = 0
        p["h1"]["b"][j] = 0
    np.testing.assert_allclose(lab.snapshot()["probs"], damaged(net, off).predict_proba(x)[0], atol=PROB_TOL)
    assert page.evaluate("window.digitlab.damage.get().neurons") == [node]
    assert page.get_attribute("#inspector-switch", "aria-pressed") == "true"
    lab.poll("id => document.querySelector('#inspector').dataset.a === '0'", node)
    assert page.locator(f".break-chips [data-neuron='{node}']").count() == 1


def test_share_state_validates_and_follows_a_model_switch(lab, reference):
    page = lab.page
    lab.draw(DIGITS[7])
    n = lab.updates()
    res = page.evaluate("""() => window.digitlab.damage.set({bias: true, noise: 0.5, layers: ['h1', '<img src=x onerror=alert(1)>'],
                                                             neurons: ['h2:3', 'out:1', 42], extra: 'ignored'})""")
    settle(lab, n)
    assert res["state"] == with_defaults(bias=True, noise=0.5, layers=["h1"])   # a junk list goes whole
    res = page.evaluate("window.digitlab.damage.set({bias: true, noise: 0.5, layers: ['h1'], neurons: ['h2:3', 'out:1']})")
    assert res["state"] == with_defaults(bias=True, noise=0.5, layers=["h1"], neurons=["h2:3"])
    assert any("out:1" in r for r in res["rejected"])
    assert page.eval_on_selector("#break-bias", "e => e.checked") and page.is_checked("[data-break-layer='h1']")
    assert page.locator("#break-lab img, #lab-mount img").count() == 0
    lab.choose("cnn-small")
    assert page.evaluate("window.digitlab.damage.get()") == with_defaults(bias=True, noise=0.5)
    net = reference("cnn-small")
    x = input_of(lab)
    from digitlab import damage as dmg
    want = dmg.apply(net, dmg.Damage(bias=True, noise=0.5)).predict_proba(x)[0]
    lab.poll("() => window.digitlab.snapshot().model === 'cnn-small'")
    np.testing.assert_allclose(lab.snapshot()["probs"], want, atol=PROB_TOL)
    no_bias = damaged(net, lambda p: [q["b"].fill(0) for q in p.values()]).predict_proba(x)[0]
    assert not np.allclose(lab.snapshot()["probs"], no_bias, atol=1e-3)    # the noise is there too


def test_screenshots_desktop_and_phone(lab):
    page = lab.page
    lab.draw(DIGITS[7])
    node = page.eval_on_selector("#network [data-node-id^='h1:']", "e => e.dataset.nodeId")
    page.click(f"#network [data-node-id='{node}']")
    n = lab.updates()
    page.check("#break-bias")
    settle(lab, n)
    accuracy(lab)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.hover(f"#network [data-node-id='{node}']")
    page.screenshot(path=str(SCREENSHOTS / "lab-tooltip.png"))
    page.locator("#lab-mount").screenshot(path=str(SCREENSHOTS / "lab-desktop.png"))
    swipe = "() => [...document.querySelectorAll('.break-side .swipe-hint')].map(e => !!e.offsetParent)"
    assert page.evaluate(swipe) == [False, False]                   # the diagrams fit: no hint
    # The same page at a phone's width (a second Pyodide boot would double this file's time).
    page.set_viewport_size({"width": 390, "height": 844})
    try:
        page.locator("#break-healthy").scroll_into_view_if_needed()
        lab.poll("() => document.querySelector('#break-healthy [data-node-id]')")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, width                                   # nothing pushes the page sideways
        lab.poll("() => [...document.querySelectorAll('.break-side .swipe-hint')].every(e => e.offsetParent)")
        assert "Swipe sideways" in page.text_content(".break-side.healthy .swipe-hint")   # the diagram scrolls: say so
        small = page.eval_on_selector_all(
            "#lab-mount button, #lab-mount input[type=range], #lab-mount .break-check",   # a checkbox: its label
            "es => es.filter(e => e.offsetParent).map(e => [e.id || e.className, e.getBoundingClientRect().height])"
            ".filter(([, h]) => h < 44)")
        assert small == [], small                                     # touch targets of at least 44 px
        page.locator("#lab-mount").screenshot(path=str(SCREENSHOTS / "lab-phone.png"))
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})
