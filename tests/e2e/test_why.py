"""'Why this digit?' and 'Live maths' in the built page: real strokes, numbers checked against CPython.

Run: python3 build.py build && DIGITLAB_DIST=$PWD/dist python3 -m pytest tests/e2e/test_why.py
"""

import numpy as np
import pytest

from digitlab import explain

from .conftest import DIGITS, READY_TIMEOUT_MS, SCREENSHOTS, App

pytestmark = pytest.mark.e2e

# Pyodide's numpy and CPython's BLAS add in different orders: float32 results differ by ~1e-6
# relative. The map is compared relative to its biggest pixel.
MAP_TOL = 1e-4
Z_TOL = 1e-4
PP_TOL = 1e-3        # percentage points
KATEX = "/vendor/katex/"


def katex_requests(app):
    """KaTeX files the page itself loaded (the service worker's install fetches them too)."""
    return [u for u in app.page.evaluate("performance.getEntriesByType('resource').map((e) => e.name)")
            if KATEX in u]


def show(app, selector):
    app.page.locator(selector).scroll_into_view_if_needed()


def saliency_state(app):
    return app.page.eval_on_selector(
        "#saliency", "e => ({state: e.dataset.state, winner: e.dataset.winner, runner: e.dataset.runner,"
                     " values: e.saliencyValues ? Array.from(e.saliencyValues) : null,"
                     " input: e.saliencyInput ? Array.from(e.saliencyInput) : null})")


def wait_saliency(app):
    """Until the map on screen explains the input the page shows now. -> (state, snapshot)."""
    snap = {}

    def current():
        snap.update(app.snapshot())
        s = saliency_state(app)
        return s["input"] is not None and np.array_equal(np.float32(s["input"]), np.float32(snap["input"]))
    for _ in range(400):
        if current():
            return saliency_state(app), snap
        app.page.wait_for_timeout(25)
    raise TimeoutError("the saliency map never caught up with the drawing")


def test_katex_is_not_loaded_before_the_maths_is_in_view(fresh):
    # The shared page opened at the top; nothing has scrolled the maths near the viewport yet.
    assert katex_requests(fresh) == []
    assert fresh.page.evaluate("typeof window.katex") == "undefined"
    # From here on, any Content-Security-Policy refusal on this page is recorded (KaTeX's test checks).
    fresh.page.evaluate("window.__whyCsp = []; document.addEventListener('securitypolicyviolation',"
                        " (e) => window.__whyCsp.push(e.violatedDirective + ' ' + e.blockedURI))")


@pytest.mark.parametrize("model,digit", [("cnn", 3), ("mlp-128-64", 7)])
def test_saliency_and_ablation_equal_cpython(fresh, reference, model, digit):
    if model != "cnn":
        fresh.choose(model)
    show(fresh, "#saliency")
    fresh.poll("() => document.querySelector('#saliency').dataset.state === 'empty'")
    fresh.draw(DIGITS[digit])
    show(fresh, "#saliency")
    s, snap = wait_saliency(fresh)
    net = reference(snap["model"])
    x = np.asarray(snap["input"], np.float32).reshape(1, 784)
    trace = net.forward(x)
    want = explain.saliency(net, trace)
    assert s["state"] == "ready"
    assert (int(s["winner"]), int(s["runner"])) == (want["winner"], want["runner"])
    got = np.asarray(s["values"], np.float64).reshape(28, 28)
    peak = float(np.abs(want["map"]).max())
    assert peak > 0 and np.count_nonzero(got) > 20
    np.testing.assert_allclose(got, want["map"], atol=MAP_TOL * peak, rtol=0)
    rows = fresh.page.eval_on_selector_all(
        "#why-units tr[data-unit-id]", "es => es.map(e => [e.dataset.unitId, Number(e.dataset.deltaPp)])")
    ranked = explain.ablation(net, trace, top=None)            # every hidden unit, biggest first
    want_pp = {r["id"]: r["delta_pp"] for r in ranked}
    assert len(rows) == 8
    for uid, pp in rows:
        assert pp == pytest.approx(want_pp[uid], abs=PP_TOL), uid
    shown = [abs(pp) for _, pp in rows]
    assert shown == sorted(shown, reverse=True)
    # The eight shown are the top eight (up to ties closer than summation noise).
    assert min(shown) >= abs(ranked[8]["delta_pp"]) - PP_TOL
    assert max(shown) == pytest.approx(abs(ranked[0]["delta_pp"]), abs=PP_TOL)


def test_blank_pad_is_an_honest_empty_state(fresh):
    fresh.draw(DIGITS[7])
    show(fresh, "#saliency")            # drawing scrolled the pad into view; the map catches up here
    wait_saliency(fresh)
    fresh.clear()
    show(fresh, "#saliency")
    fresh.poll("() => document.querySelector('#saliency').dataset.state === 'empty'")
    s = saliency_state(fresh)
    assert s["values"] is None and s["winner"] is None
    assert fresh.page.locator("#saliency .why-message").is_visible()
    assert fresh.page.eval_on_selector_all("#why-units tr[data-unit-id]", "es => es.length") == 0


def maths_state(app):
    return app.page.eval_on_selector("#maths", "e => ({...e.dataset})")


def test_maths_z_and_terms_equal_cpython_and_katex_renders(fresh, reference):
    show(fresh, "#maths")
    fresh.poll("() => document.querySelector('#maths').dataset.katex === 'ready'")
    fresh.draw(DIGITS[0])
    show(fresh, "#maths")
    snap = fresh.snapshot()
    net = reference(snap["model"])
    trace = net.forward(np.asarray(snap["input"], np.float32).reshape(1, 784))
    winner, runner = explain.top_two(trace.logits[0])
    for click, unit in ((None, winner), (str(runner), runner), ("winner", winner)):
        if click:
            fresh.page.click(f"#maths .maths-picker button[data-unit='{click}']")
        fresh.poll("u => document.querySelector('#maths').dataset.unit === String(u)", unit)
        m = maths_state(fresh)
        assert float(m["z"]) == pytest.approx(float(trace.logits[0, unit]), abs=Z_TOL)
        assert float(m["p"]) == pytest.approx(float(trace.probs[0, unit]), abs=1e-5)
        terms = fresh.page.eval_on_selector_all(
            "#maths .maths-terms tr[data-id]", "es => es.map(e => [e.dataset.id, +e.dataset.w, +e.dataset.a])")
        src = trace.layers[-2]
        W = net.params[net.layers[-1].name]["W"]
        assert len(terms) == 4
        for tid, w, a in terms:
            name, i = tid.split(":")
            assert name == src.name
            assert w == pytest.approx(float(W[int(i), unit]), abs=1e-6)
            assert a == pytest.approx(float(src.a[0, int(i)]), abs=1e-4)
    page = fresh.page
    assert page.locator("#maths .katex").count() >= 5
    assert page.locator("#maths .maths-card").count() == len(net.layers)
    assert katex_requests(fresh), "KaTeX was never fetched"
    assert page.evaluate("window.__whyCsp") == []           # KaTeX's styles are set through the DOM
    assert all(u.startswith(fresh.url) for u in katex_requests(fresh))


def test_desktop_screenshot(fresh):
    """At 1280 px, as a person sees it: both maps painted (not blank), the maths typeset, nothing
    sticking out of the section sideways (KaTeX stays in its own boxes), no text under 10 px."""
    fresh.draw(DIGITS[3])
    show(fresh, "#saliency")
    s, _ = wait_saliency(fresh)
    assert s["state"] == "ready" and s["winner"] == "3"
    painted = fresh.page.eval_on_selector_all(
        "#saliency canvas", "cs => cs.map(c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
                            " let n = 0; for (let i = 3; i < d.length; i += 4) n += d[i] > 0; return n; })")
    assert len(painted) >= 2 and min(painted) > 1000, painted
    show(fresh, "#maths")
    fresh.poll("() => document.querySelector('#maths .maths-story .katex')")
    mount = fresh.page.locator("#why-mount").bounding_box()
    right = fresh.page.evaluate("Math.max(...[...document.querySelectorAll('#why-mount *')]"
                                ".map(e => e.closest('.tex') ? 0 : e.getBoundingClientRect().right))")
    assert right <= mount["x"] + mount["width"] + 0.5, (right, mount)
    small = fresh.page.evaluate(
        "[...document.querySelectorAll('#why-mount *')].filter(e => !e.closest('.katex') && e.offsetParent &&"
        " [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()) &&"
        " parseFloat(getComputedStyle(e).fontSize) < 10).map(e => e.tagName + '.' + e.className)")
    assert small == [], small
    fresh.page.locator("#why-mount").screenshot(path=SCREENSHOTS / "why-desktop.png")


def test_phone_and_katex_offline_after_first_use(browser, dist_dir, tmp_path):
    """On a phone: the sections fit, and KaTeX, loaded by the page only once the maths is in view
    but installed by the service worker with the rest of the build: with the server gone, a
    reload still typesets."""
    from .test_offline import Site, wait_offline_ready

    site = Site(dist_dir, tmp_path / "site")
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    try:
        app = App(context, site.url)
        own = []                                              # the page's requests, not the worker's
        app.page.on("request", lambda r: own.append(r.url))
        app.open()
        wait_offline_ready(app)
        assert [u for u in own if KATEX in u] == []           # not loaded by the page yet...
        assert app.page.evaluate("(u) => caches.match(u).then(Boolean)", KATEX + "katex.min.js")   # ...but kept
        app.draw(DIGITS[7])
        show(app, "#saliency")
        wait_saliency(app)
        app.page.locator("#saliency").screenshot(path=SCREENSHOTS / "why-phone.png")
        show(app, "#maths")
        app.poll("() => document.querySelector('#maths .maths-story .katex')")
        app.page.wait_for_timeout(300)                         # the fonts the first render asked for
        app.page.locator("#maths").screenshot(path=SCREENSHOTS / "maths-phone.png")
        right = app.page.evaluate("Math.max(...[...document.querySelectorAll('#why-mount *')]"
                                  ".map(e => e.closest('.tex') ? 0 : e.getBoundingClientRect().right))")
        assert right <= 390, f"something in the section sticks out sideways on a phone ({right} px)"
        site.stop()
        failed = []
        app.page.on("requestfailed", lambda r: failed.append(r.url))
        app.page.reload()
        app.page.wait_for_selector("#status[data-state=ready]", timeout=READY_TIMEOUT_MS)
        app.draw(DIGITS[7])
        show(app, "#maths")
        app.poll("() => document.querySelector('#maths').dataset.katex === 'ready'"
                 " && document.querySelector('#maths .maths-story .katex')")
        app.page.wait_for_timeout(300)
        assert failed == [] and app.errors == [] and app.foreign_requests() == []
    finally:
        context.close()
        site.stop()
