"""The editor panel, used as a person would: real keys typed into CodeMirror, checked against CPython.

One page (one context, so one localStorage) serves the module; each test starts from the
original code with the panel open and the pad cleared. The reference is CPython running the
same weights with the same edit made by hand (monkeypatch), independent of the page's machinery.
"""

import numpy as np
import pytest

from digitlab import models
from digitlab.core import activations

from .conftest import DIGITS, SCREENSHOTS, App, type_keys

pytestmark = pytest.mark.e2e

ACT = "digitlab/core/activations.py"
PRE = "digitlab/preprocess.py"
FILES = [PRE, ACT, "digitlab/core/layers.py", "digitlab/viewmodel.py"]
PROB_TOL, SHOWN_TOL = 1e-5, 1e-4
RUNTIME = ("pyodide.asm.wasm", "pyodide.asm.js", "pyodide.mjs", "python_stdlib.zip")


class Editor:
    """What a person does with the panel."""

    def __init__(self, app):
        self.app, self.page = app, app.page

    def open(self):
        if self.page.get_attribute("#editor-toggle", "aria-expanded") != "true":
            self.page.click("#editor-toggle")
        self.page.wait_for_selector("#editor .cm-content")
        self.app.poll("() => !document.querySelector('#editor-file').disabled")

    def choose(self, path):
        self.page.select_option("#editor-file", path)

    def source(self, path):
        """The original text as the page's Python has it (the file shipped in dist/)."""
        return (self.app.dist / "py" / path).read_text()

    def replace_line(self, n, text):
        """Put the cursor on line n with the keyboard, select its text and type `text` over it."""
        k = self.page.keyboard
        self.page.click("#editor .cm-content")
        k.press("Control+Home")
        for _ in range(n - 1):
            k.press("ArrowDown")
        k.press("Home")                      # CodeMirror: to the end of the indentation
        k.press("Shift+End")
        type_keys(self.page, text)

    def type_lines(self, lines):
        """Enter, then each line; the auto-indent CodeMirror adds is selected and typed over."""
        for line in lines:
            self.page.keyboard.press("Enter")
            self.page.keyboard.press("Shift+Home")
            type_keys(self.page, line)

    def apply(self, key=True):
        """Ctrl+Enter (or the button); -> True when a new update was shown."""
        n, v = self.app.updates(), self.version()
        if key:
            self.page.keyboard.press("Control+Enter")
        else:
            self.page.click("#editor-apply")
        self.app.poll("([v]) => document.querySelector('#editor').dataset.version !== v"
                      " || document.querySelector('#editor-error').textContent !== ''", [v])
        if self.version() == v:
            return False
        self.app.wait_update(n)
        return True

    def version(self):
        """#editor[data-version]: successful applies since this page loaded."""
        return int(self.page.get_attribute("#editor", "data-version"))

    def error(self):
        return self.page.eval_on_selector("#editor-error", "e => ({text: e.textContent, ...e.dataset})")

    def reset_all(self):
        if self.page.eval_on_selector_all("#editor-file option", "os => os.some(o => o.text.includes('edited'))"):
            n = self.app.updates()
            self.page.click("#editor-reset-all")
            self.app.wait_update(n)


@pytest.fixture(scope="module")
def page_app(browser, site_url, dist_dir):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    app = App(context, site_url)
    app.dist = dist_dir
    app.page_requests = []                  # the page's own, not the service worker's precaching
    app.page.on("request", lambda r: app.page_requests.append(r.url))
    app.open()
    yield app
    context.close()


@pytest.fixture
def ed(page_app):
    """The panel open on the original code, an empty pad; fails the test on new errors."""
    e = Editor(page_app)
    e.open()
    e.reset_all()
    page_app.clear()
    n_err = len(page_app.errors)
    yield e
    assert page_app.errors[n_err:] == [], page_app.errors[n_err:]
    assert page_app.foreign_requests() == []


@pytest.fixture(scope="module")
def net(dist_dir):
    return models.load("cnn", root=dist_dir / "weights")


def check_like_cpython(app, net):
    """snapshot().probs and every drawn node's data-a vs CPython's forward pass on snapshot().input.
    -> the CPython trace's activations by layer."""
    app.page.locator("#network").scroll_into_view_if_needed()
    app.poll("() => window.digitlab.snapshot().diagram")
    snap = app.snapshot()
    assert snap["model"] == "cnn"
    x = np.asarray(snap["input"], np.float32).reshape(1, 784)
    trace = net.forward(x)
    np.testing.assert_allclose(snap["probs"], trace.probs[0], atol=PROB_TOL)
    acts = {"in": x[0], **{r.name: r.a.reshape(-1) for r in trace.layers}}
    nodes = app.page.eval_on_selector_all(
        "#network [data-node-id][data-a]", "es => es.map(e => [e.dataset.nodeId, Number(e.dataset.a)])")
    assert len(nodes) >= 20
    for nid, a in nodes:
        layer, i = nid.split(":")
        assert a == pytest.approx(float(acts[layer][int(i)]), abs=SHOWN_TOL), nid
    return acts


def line_of(text, needle):
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_panel_lists_the_real_sources_and_loads_codemirror_lazily(browser, site_url, dist_dir):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    app = App(context, site_url).open()
    try:
        page = app.page
        # Not paid at start-up. (The page's own loads only: the service worker precaches the
        # editor in the background once the app is ready, so that it works offline too.)
        page_loads = "() => performance.getEntriesByType('resource').filter(r => r.name.includes('codemirror')).length"
        assert page.evaluate(page_loads) == 0
        assert page.get_attribute("#editor-toggle", "aria-expanded") == "false"
        ed = Editor(app)
        app.dist = dist_dir
        ed.open()
        assert page.evaluate(page_loads) > 0
        assert page.eval_on_selector_all("#editor-file option", "os => os.map(o => o.value)") == FILES
        for path in FILES:
            ed.choose(path)
            text = ed.source(path)
            want = text.splitlines()[:12]
            for _ in range(100):        # CodeMirror draws the new file on its next measure
                shown = page.locator("#editor .cm-line").all_text_contents()[:12]
                if shown == want:
                    break
                page.wait_for_timeout(50)
            assert shown == want, path
        # Python highlighting: keywords, strings and comments in colours other than the text's
        colours = page.evaluate("""() => {
            const c = document.querySelector('#editor-code').shadowRoot.querySelector('.cm-content');
            return [getComputedStyle(c).color, [...c.querySelectorAll('span')].map(s => getComputedStyle(s).color)]; }""")
        assert len(set(colours[1]) - {colours[0]}) >= 3
        explained = page.eval_on_selector_all("#editor-presets li", "ls => ls.map(l => [l.querySelector('button').textContent, l.querySelector('span').textContent])")
        assert len(explained) >= 3 and all(label and len(why) > 20 for label, why in explained)
        assert page.text_content("#editor-error") == "" and ed.version() == 0
        assert app.errors == []
    finally:
        context.close()


def test_relu_edit_changes_probs_and_diagram_like_cpython(ed, net, monkeypatch):
    app = ed.app
    app.draw(DIGITS[3])
    before = check_like_cpython(app, net)
    ed.choose(ACT)
    src, v = ed.source(ACT), ed.version()
    ed.replace_line(line_of(src, "return np.maximum(z, 0)"), "return np.tanh(z)")
    assert ed.apply()                                   # re-classified at once, no new stroke
    assert ed.version() == v + 1 and ed.error()["text"] == ""
    monkeypatch.setitem(activations.ACTIVATIONS, "relu", (np.tanh, activations.tanh_grad))
    after = check_like_cpython(app, net)
    assert not np.allclose(after["out"], before["out"], atol=1e-3)
    shown = app.page.eval_on_selector_all("#network [data-node-id^='fc1:']", "es => es.map(e => Number(e.dataset.a))")
    assert min(shown) < 0                               # ReLU never drew a negative unit
    assert "edited" in app.page.text_content("#editor-mark")
    monkeypatch.undo()
    n = app.updates()
    app.page.click("#editor-reset")
    app.wait_update(n)
    check_like_cpython(app, net)


def test_no_centring_preset_changes_the_preview(ed):
    app, page = ed.app, ed.page
    app.draw([[(0.15, 0.1), (0.15, 0.35)]])            # a small "1" near the corner
    pixels = "id => Array.from(document.getElementById(id).getContext('2d').getImageData(0, 0, 28, 28).data)"
    assert page.evaluate(pixels, "input") != page.evaluate(pixels, "drawn")   # cropped, scaled, centred
    n, v = app.updates(), ed.version()
    page.click("[data-preset='no-centring']")
    app.wait_update(n)
    assert ed.version() == v + 1
    assert page.evaluate(pixels, "input") == page.evaluate(pixels, "drawn")   # the pad as drawn
    assert "preprocess.py · edited" in page.eval_on_selector("#editor-file", "s => s.selectedOptions[0].text")


def test_strongest_10_links_preset(ed):
    app = ed.app
    app.draw(DIGITS[0])
    app.page.locator("#network").scroll_into_view_if_needed()
    app.poll("() => window.digitlab.snapshot().diagram")
    links = lambda: app.page.locator("#network [data-link-id]").count()
    assert links() > 40
    n = app.updates()
    app.page.click("[data-preset='links-10']")
    app.wait_update(n)
    # The click scrolls to the editor; with the diagram off screen the page skips drawing it.
    app.page.locator("#network").scroll_into_view_if_needed()
    # The link handles follow once the drawing rests (the new layout starts with none).
    app.poll("() => { const n = document.querySelectorAll('#network [data-link-id]').length;"
             " return n > 0 && n <= 20; }")                                              # 2 dense layers
    assert 0 < links() <= 20


def test_syntax_error_shows_its_line_and_the_app_keeps_classifying(ed, net):
    app, page = ed.app, ed.page
    ed.choose(ACT)
    src, v = ed.source(ACT), ed.version()
    n = line_of(src, "return np.maximum(z, 0)")
    ed.replace_line(n, "return np.maximum(z, <b>0</b>")
    assert not ed.apply()
    err = ed.error()
    assert err["line"] == str(n) and err["when"] == "syntax", err
    assert f"line {n}" in err["text"] and "SyntaxError" in err["text"]
    assert "<b>0</b>" in err["text"] and page.locator("#editor-error b").count() == 0   # text, never HTML
    assert page.locator("#editor .cm-error-line").count() == 1
    assert ed.version() == v
    pred = app.draw(DIGITS[7])                         # the previous code still runs
    assert pred["digit"] == "7"
    check_like_cpython(app, net)


def test_an_import_error_and_a_wrong_shape_are_refused(ed, net):
    app = ed.app
    ed.choose(PRE)
    n = line_of(ed.source(PRE), "BOX = 20")
    ed.replace_line(n, "BOX = 20 // 0")
    assert not ed.apply()
    err = ed.error()
    assert err["when"] == "import" and err["line"] == str(n) and "ZeroDivisionError" in err["text"], err
    ed.choose(ACT)
    m = line_of(ed.source(ACT), "return np.maximum(z, 0)")
    ed.replace_line(m, "return np.maximum(z, 0)[:, :1]")
    assert not ed.apply()
    err = ed.error()
    assert err["when"] == "check" and err["path"] == ACT, err
    assert "activations.apply('relu', z) returned shape (2, 1, 4); expected (2, 3, 4)" in err["text"]
    assert app.draw(DIGITS[0])["digit"] == "0"
    check_like_cpython(app, net)


def test_an_exception_in_an_update_is_caught_and_the_app_recovers_after_a_fix(ed, net, monkeypatch):
    app, page = ed.app, ed.page
    ed.choose(ACT)
    src = ed.source(ACT)
    n = line_of(src, "return np.maximum(z, 0)")
    ed.replace_line(n, 'relu.calls = getattr(relu, "calls", 0) + 1')
    ed.type_lines(['    if relu.calls > 12: raise RuntimeError("boom in relu")',
                   "    return np.maximum(z, 0) * 0.5"])
    assert ed.apply()                                  # fine on apply: it fails only later
    for d in (1, 7):
        app.draw(DIGITS[d])
    app.poll("() => document.querySelector('#editor-error').dataset.when === 'update'")
    err = ed.error()
    assert "RuntimeError: boom in relu" in err["text"] and err["line"] == str(n + 1), err
    assert "last working version" in err["text"]
    page.wait_for_timeout(200)
    assert app.prediction()["digit"] == "7"            # rolled back to the original: still reading
    check_like_cpython(app, net)
    # the fix: drop the raise and apply again
    ed.replace_line(n + 1, "pass")
    assert ed.apply() and ed.error()["text"] == ""
    monkeypatch.setitem(activations.ACTIVATIONS, "relu", (lambda z: np.maximum(z, 0) * 0.5, None))
    check_like_cpython(app, net)
    for d in (0, 3):                                   # and it keeps running
        app.clear()
        app.draw(DIGITS[d])
    check_like_cpython(app, net)
    assert ed.error()["text"] == ""


def test_a_runaway_loop_is_stopped_and_the_page_stays_usable(ed, net):
    app, page = ed.app, ed.page
    ed.choose(ACT)
    src = ed.source(ACT)
    n = line_of(src, "return np.maximum(z, 0)")
    ed.replace_line(n, "while True:")
    ed.type_lines(["        pass", "    return np.maximum(z, 0)"])
    t0 = page.evaluate("performance.now()")
    assert not ed.apply()
    took = page.evaluate("performance.now()") - t0
    err = ed.error()
    assert "endless loop" in err["text"] and err["when"] == "check" and err["line"] in (str(n), str(n + 1)), err
    assert took < 5000
    assert app.draw(DIGITS[1])["digit"] == "1"
    check_like_cpython(app, net)


def test_edits_survive_a_reload_and_reset_restores_the_original(ed, net, monkeypatch):
    app, page = ed.app, ed.page
    app.draw(DIGITS[3])
    n = app.updates()
    page.click("[data-preset='tanh']")
    app.wait_update(n)
    page.reload()
    page.wait_for_selector("#status[data-state=ready]", timeout=120_000)
    app.wait_update(0)
    ed.open()
    assert ed.version() == 1                        # re-applied before the first update
    assert page.eval_on_selector("#editor-file", "s => s.value") == ACT
    assert page.text_content("#editor-mark") == "edited · running"
    assert "return np.tanh(z)  # preset" in page.locator("#editor .cm-content").text_content()
    app.draw(DIGITS[3])
    with monkeypatch.context() as m:
        m.setitem(activations.ACTIVATIONS, "relu", (np.tanh, activations.tanh_grad))
        check_like_cpython(app, net)
    n = app.updates()
    page.click("#editor-reset")
    app.wait_update(n)
    assert page.is_hidden("#editor-mark") and ed.version() == 2
    check_like_cpython(app, net)
    page.reload()
    page.wait_for_selector("#status[data-state=ready]", timeout=120_000)
    app.wait_update(0)
    assert ed.version() == 0                        # nothing left to re-apply


def test_reset_all_and_download(ed, net):
    app, page = ed.app, ed.page
    for preset in ("tanh", "no-centring"):
        n = app.updates()
        page.click(f"[data-preset='{preset}']")
        app.wait_update(n)
    edited = page.eval_on_selector_all("#editor-file option", "os => os.filter(o => o.text.includes('edited')).length")
    assert edited == 2
    ed.choose(ACT)
    with page.expect_download() as dl:
        page.click("#editor-download")
    assert dl.value.suggested_filename == "activations.py"
    text = open(dl.value.path(), encoding="utf-8").read()
    assert "return np.tanh(z)  # preset" in text and text != ed.source(ACT)
    n = app.updates()
    page.click("#editor-reset-all")
    app.wait_update(n)
    assert page.eval_on_selector_all("#editor-file option", "os => os.filter(o => o.text.includes('edited')).length") == 0
    app.draw(DIGITS[0])
    check_like_cpython(app, net)


def test_keyboard_only(ed, net, monkeypatch):
    app, page = ed.app, ed.page
    app.draw(DIGITS[3])
    page.focus("#editor-toggle")
    page.keyboard.press("Enter")                      # collapse, then open again
    assert page.is_hidden("#editor-body")
    page.keyboard.press("Enter")
    assert page.is_visible("#editor-body")
    order = []
    for _ in range(14):
        page.keyboard.press("Tab")
        order.append(page.evaluate("(document.activeElement.shadowRoot?.activeElement?.className || '')"
                                   " + '#' + document.activeElement.id + (document.activeElement.dataset.preset || '')"))
        if "cm-content" in order[-1]:
            break
    ids = [o.split("#")[1] for o in order]
    assert ids.index("tanh") < ids.index("editor-file") < ids.index("editor-apply") < ids.index("editor-code")
    page.select_option("#editor-file", ACT)           # (choosing in a select is the browser's own UI)
    page.focus("#editor-file")
    for _ in range(10):
        if "cm-content" in page.evaluate("document.activeElement.shadowRoot?.activeElement?.className || ''"):
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Control+Home")
    for _ in range(line_of(ed.source(ACT), "return np.maximum(z, 0)") - 1):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Home")
    page.keyboard.press("Shift+End")
    type_keys(page, "return np.tanh(z)")
    assert ed.apply()
    monkeypatch.setitem(activations.ACTIVATIONS, "relu", (np.tanh, activations.tanh_grad))
    check_like_cpython(app, net)
    page.click("#editor .cm-content")
    page.keyboard.press("Escape")                     # Esc, then Tab leaves the code
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") != "editor-code"


def test_one_interpreter_serves_the_app_and_the_editor(ed):
    """No second Pyodide: after opening the editor and applying edits, nothing of the runtime was
    fetched again, no worker was started, and PyScript's own py-editor is never used."""
    app, page = ed.app, ed.page
    first, workers = len(app.page_requests), []
    page.on("worker", lambda w: workers.append(w.url))
    page.reload()                                     # a fresh start; the panel reopens as it was
    page.wait_for_selector("#status[data-state=ready]", timeout=120_000)
    app.wait_update(0)
    runtime = lambda: [u for u in app.page_requests[first:] if u.endswith(RUNTIME)]
    at_ready, workers_at_ready = runtime(), list(workers)
    ed.open()
    n = app.updates()
    page.click("[data-preset='tanh']")
    app.wait_update(n)
    ed.choose(PRE)
    ed.replace_line(line_of(ed.source(PRE), "BOX = 20"), "BOX = 18")
    assert ed.apply() and ed.version() == 2
    assert [u for u in app.page_requests[first:] if "codemirror" in u]   # the editor loaded here
    assert at_ready and runtime() == at_ready        # nothing of the runtime fetched again
    assert workers == workers_at_ready                # none started by the editor, and none runs Python:
    assert not [w for w in workers if "pyodide" in w or "pyscript" in w]   # (boot-worker.mjs only reads files)
    # PyScript imports its py-editor plugin module at start-up anyway; what would start a second
    # Python is a py-editor script or box in the page, and that never appears
    assert page.locator("script[type='py-editor'], .py-editor-box, py-editor").count() == 0
    assert page.evaluate("performance.getEntriesByName('digitlab:apply').length") == 2


def test_screenshots_desktop_and_phone(ed, browser, site_url, dist_dir):
    app, page = ed.app, ed.page
    app.draw(DIGITS[3])
    n = app.updates()
    page.click("[data-preset='tanh']")
    app.wait_update(n)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.locator("#editor").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "editor-desktop.png"))
    ed.replace_line(line_of(ed.source(ACT), "return np.maximum(z, 0)"), "return np.tanh(z")
    ed.apply()
    page.locator("#editor-error").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "editor-desktop-error.png"))
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    try:
        phone = App(context, site_url).open()
        p = phone.page
        assert p.is_hidden("#editor-body")                      # collapsed until asked for
        box = p.locator("#editor-toggle").bounding_box()
        assert box["height"] >= 44
        phone.dist = dist_dir
        Editor(phone).open()
        for sel in ["#editor-apply", "#editor-reset", "#editor-file", "[data-preset]"]:
            assert p.locator(sel).first.bounding_box()["height"] >= 44, sel
        assert p.evaluate("document.documentElement.scrollWidth") <= 390
        p.locator("#editor-code").scroll_into_view_if_needed()
        p.screenshot(path=str(SCREENSHOTS / "editor-phone.png"))
        p.evaluate("document.querySelector('#editor').scrollIntoView({block: 'start'})")
        p.screenshot(path=str(SCREENSHOTS / "editor-phone-top.png"))
        assert phone.errors == []
    finally:
        context.close()
