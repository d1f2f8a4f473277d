"""Accessibility (issue #20): axe-core finds nothing, at any impact, in every state a learner reaches.

One page per language and screen walks the states in sequence (booting Pyodide per state would
take minutes): start; a drawing made with real mouse strokes; the inspector open on a node;
Break It damaged; the saliency and maths cards computed; the training lab open, running, and
diverged; the editor with an error shown; each explorer after one interaction. axe-core
(npm, sha256-pinned, buildlib/axe.py; a test dependency that never ships in dist/) is injected
into the page by the browser, outside the page's own scripts and Content-Security-Policy.
"""

import pytest

from buildlib import axe

from .conftest import DIGITS, App, type_keys

pytestmark = pytest.mark.e2e

SCREENS = {
    "en-desktop": ({"width": 1280, "height": 900}, "?lang=en"),
    "ja-phone": ({"width": 390, "height": 844}, "?lang=ja"),
}
AXE_CSP = "Applying inline style violates the following Content Security Policy directive"
RUN_AXE = """async () => {
    const r = await window.axe.run(document, {resultTypes: ['violations']});
    return r.violations.map(v => ({rule: v.id, impact: v.impact,
        targets: v.nodes.map(n => n.target.join(' ')).slice(0, 8), count: v.nodes.length}));
}"""


def violations(app, state):
    """axe on the page as it is now. -> ["state: rule (impact) x n: targets", ...]."""
    app.page.wait_for_timeout(150)            # the last frame lands
    n_err = len(app.errors)
    found = app.page.evaluate(RUN_AXE)
    # axe itself, walking CodeMirror's shadow root, sets a style attribute that the page's CSP
    # refuses (the editor alone never does: test_editor.py checks for console errors): not the page's.
    app.errors[n_err:] = [e for e in app.errors[n_err:] if AXE_CSP not in e]
    return [f"{state}: {v['rule']} ({v['impact']}) x{v['count']}: {', '.join(v['targets'])}" for v in found]


def show(app, selector):
    app.page.locator(selector).first.scroll_into_view_if_needed()


def alt(app, selector):
    """The text alternative of a chart or picture (its aria-label)."""
    return app.page.get_attribute(selector, "aria-label") or ""


def drawn(app):
    app.draw(DIGITS[3])
    # The stroke replay says where the answer stood after the last stroke, as its points' tooltips do.
    app.poll("() => document.querySelector('#replay .pt title')")
    last = app.page.text_content("#replay .pt:last-child title")
    assert last in alt(app, "#replay"), (last, alt(app, "#replay"))


def inspector_open(app):
    show(app, "#network")
    app.poll("() => window.digitlab.snapshot().diagram")
    app.page.locator("#network [tabindex='0']").click()          # the diagram's one tab stop
    app.poll("() => !document.querySelector('#inspector').hidden && document.querySelector('#inspector').dataset.nodeId")


def break_it_damaged(app):
    n = app.updates()
    app.page.focus("#break-noise")
    app.page.keyboard.press("End")
    app.wait_update(n)
    app.poll("() => document.querySelector('#break-accuracy').dataset.state === 'ready'", timeout_ms=90_000)
    # The side-by-side diagrams are drawn once their box comes near the screen (on a narrow one
    # the deeper controls put it further down than the focused slider): scroll to it, then wait.
    show(app, ".break-compare")
    app.poll("() => document.querySelector('.break-compare').dataset.state !== 'idle'")
    show(app, ".break-side.damaged")


def cards_computed(app):
    show(app, "#saliency")
    app.poll("() => document.querySelector('#saliency').dataset.state === 'ready'")
    show(app, "#maths")
    app.poll("() => document.querySelector('#maths').dataset.katex === 'ready'"
             " && document.querySelector('#maths').dataset.state === 'ready'")
    s = app.page.eval_on_selector("#saliency", "e => ({...e.dataset})")
    peak = app.page.evaluate("p => Number(p).toPrecision(2)", s["peak"])
    for canvas in ("#saliency canvas.why-input", "#saliency canvas.why-drawing"):
        said = alt(app, canvas)                      # which digits it weighs, and the map's own scale
        assert s["winner"] in said and s["runner"] in said and f"±{peak}" in said, said


def training_running(app):
    app.page.click("#break-reset")
    app.page.click("#train-open")
    app.poll("() => document.querySelector('#train-progress').dataset.acc !== ''")
    app.page.click("#train-start")
    app.poll("() => Number(document.querySelector('#train-progress').dataset.iter) > 20")


def training_diverged(app):
    before = alt(app, "#train-chart-loss")
    app.page.click("#train-pause")
    app.page.focus("#train-lr")
    app.page.keyboard.press("End")                                  # a learning rate of 10
    app.page.click("#train-start")
    app.poll("() => document.querySelector('#train-state').dataset.state === 'diverged'")
    # Redrawn when it stopped: the accuracy chart ends on the test accuracy the counters show.
    acc = app.page.evaluate("() => (100 * Number(document.querySelector('#train-progress').dataset.acc)).toFixed(1)")
    assert f"{acc}%" in alt(app, "#train-chart-acc"), (acc, alt(app, "#train-chart-acc"))
    assert alt(app, "#train-chart-loss") != before


def cnn_training(app):
    """#17: a refused conv set-up (its field marked invalid, the note saying why), then the
    cnn-small preset (after Reset: the MLP trained before) training with its live kernel grid."""
    show(app, "#train-arch")
    app.page.select_option("#train-arch", "cnn")
    app.page.fill("#train-conv", "8@5, pool, 16@5, pool, 16@5")
    app.page.dispatch_event("#train-conv", "change")
    app.poll("() => document.querySelector('#train-conv').getAttribute('aria-invalid') === 'true'")
    found = violations(app, "cnn-setup-refused")
    app.page.select_option("#train-arch", "cnn-small")
    app.page.focus("#train-lr")                # back from the diverging rate: 10 ** -2.7, the default
    for _ in range(37):
        app.page.keyboard.press("ArrowLeft")
    app.page.click("#train-reset")             # a new network waits for the weights' reset once trained
    app.poll("() => document.querySelectorAll('#train-kernels [data-kernel]').length === 24")
    app.page.click("#train-start")
    app.poll("() => Number(document.querySelector('#train-progress').dataset.iter) > 5")
    show(app, "#train-kernels")
    found += violations(app, "cnn-running")
    app.page.click("#train-pause")             # the walk goes on with the trained CNN as the model in use
    return found


def editor_error(app):
    app.page.click("#editor-toggle")
    app.page.wait_for_selector("#editor .cm-content")
    app.poll("() => !document.querySelector('#editor-file').disabled")
    # The file's text can arrive after the panel opens and replace what was typed: type until it stays.
    for _ in range(3):
        app.page.click("#editor .cm-content")
        app.page.keyboard.press("Control+End")
        type_keys(app.page, "\n)(")
        app.page.wait_for_timeout(100)
        if app.page.locator("#editor .cm-content").inner_text().rstrip().endswith(")("):
            break
    app.page.keyboard.press("Control+Enter")
    app.poll("() => document.querySelector('#editor-error').textContent !== ''")


def explorers_used(app):
    show(app, "#act-plot")
    app.page.focus("#act-plot")
    app.page.keyboard.press("PageUp")
    app.page.fill("#sm-z1", "3")
    app.page.fill("#neuron-x1", "1.5")
    show(app, "#lr-explore")
    app.page.click("#lr-run")
    app.poll("() => document.querySelector('#lr-explore').dataset.state === 'done'", timeout_ms=120_000)
    # The curves name every rate's last loss as the legend shows it; the landscape its centre.
    finals = app.page.eval_on_selector_all("#lr-runs li[data-diverged=false] span:not(.badge):not(.swatch-line)",
                                           "es => es.map(e => e.textContent.split(' ').pop())")
    assert len(finals) == 4 and all(f in alt(app, "#lr-curves") for f in finals), (finals, alt(app, "#lr-curves"))
    n_points = app.page.eval_on_selector("#lr-data", "e => e.querySelectorAll('circle').length")
    assert f"{n_points} " in alt(app, "#lr-data"), alt(app, "#lr-data")       # the scatter counts its points
    centre = app.page.text_content("#lr-land-centre").split(" ")[-1].split("：")[-1]
    assert centre and centre in alt(app, "#lr-land"), (centre, alt(app, "#lr-land"))


def console_used(app):
    """The console open after a picture, bars, an error and a stopped loop (#19's card)."""
    show(app, "#console")
    app.page.click("#console-toggle")
    app.page.wait_for_selector("#console-input .cm-content")
    for line in ("show(lab.x)", "show(lab.probs)", "1/0"):
        n = app.page.locator("#console-output > *").count()
        app.page.click("#console-input .cm-content")
        type_keys(app.page, line)
        app.page.keyboard.press("Enter")
        app.poll("(n) => document.querySelectorAll('#console-output > *').length > n"
                 " && document.querySelector('#console').dataset.state === 'ready'", n)
    assert app.page.locator("#console-output .console-err").count() >= 1


def evaluated(app):
    """#16's card: evaluated, a cell's gallery open, the threshold moved, the point map made."""
    show(app, "#eval-run")
    app.page.click("#eval-run")
    app.poll("() => document.querySelector('#eval').dataset.state === 'done'", timeout_ms=120_000)
    app.page.click("#confusion [data-true='4'][data-pred='4']")
    app.poll("() => document.querySelectorAll('#eval-gallery [data-index]').length > 0")
    app.page.locator("#eval-threshold").fill("0.9")
    app.poll("() => document.querySelector('.eval-map')?.dataset.state === 'done'", timeout_ms=120_000)
    show(app, "#map")


def tsne_map(app):
    """#16's point map by t-SNE, settled, the drawing placed among its neighbours."""
    app.page.select_option("#map-method", "tsne")
    app.poll("() => window.digitlab.map()?.method === 'tsne' && "
             "document.querySelector('.eval-map').dataset.state === 'done'", timeout_ms=120_000)
    show(app, "#map")


def photo_read(app):
    """#18's card: a synthetic photo of two MNIST digits read, its steps shown, turned into strokes."""
    from digitlab import data, photoset
    X, _ = data.load("test")
    rgba = photoset.photo([X[0], X[1]], shape=(480, 640), seed=3)
    show(app, "#photo-input")
    app.page.set_input_files("#photo-input", files=[{"name": "two.png", "mimeType": "image/png",
                                                     "buffer": photoset.png_bytes(rgba)}])
    app.poll("() => document.querySelector('#photo').dataset.state === 'done'", timeout_ms=60_000)
    assert app.page.locator("#photo-steps [data-step]").count() >= 5
    show(app, "#photo-to-pad")                                    # its status and "Put the pad back" too
    app.page.click("#photo-to-pad")
    app.poll("() => !document.querySelector('#photo-ink-undo').hidden")


STATES = [("start", None), ("drawn", drawn), ("inspector", inspector_open), ("break-it", break_it_damaged),
          ("cards", cards_computed), ("training", training_running), ("diverged", training_diverged),
          ("cnn-training", cnn_training), ("editor-error", editor_error), ("explorers", explorers_used),
          ("console", console_used), ("evaluate", evaluated), ("t-sne", tsne_map), ("photo", photo_read)]


@pytest.mark.parametrize("screen", SCREENS)
def test_axe_finds_nothing_in_any_state(browser, site_url, screen):
    viewport, query = SCREENS[screen]
    context = browser.new_context(viewport=viewport)
    context.add_init_script(path=str(axe.cached()))
    try:
        app = App(context, site_url).open(query)
        found = []
        for state, reach in STATES:
            if reach:
                found += reach(app) or []           # a step may check a state on its way too
            found += violations(app, state)
        assert app.errors == []
    finally:
        context.close()
    assert found == [], "\n" + "\n".join(found)


# Every element whose box leaves the box that clips it (the page, or an overflow:hidden/auto
# ancestor), except inside the diagrams' sideways scrollers, KaTeX's MathML copy (visually hidden
# on purpose, for screen readers) and KaTeX's own clipping of its stretchy braces. -> {scrollWidth, clientWidth, cut: [...], scrollers: [...]}
REFLOW = """() => {
  const W = document.documentElement.clientWidth, cut = [];
  const clipper = (e) => { for (let a = e.parentElement; a && a !== document.body; a = a.parentElement)
      if (getComputedStyle(a).overflowX !== 'visible') return a; return null; };
  for (const e of document.querySelectorAll('body *')) {
    const r = e.getBoundingClientRect();
    if (e.ownerSVGElement || !r.width || e.closest('.net-scroll, .lab-scroll, .katex-mathml')) continue;
    const a = clipper(e), box = a ? a.getBoundingClientRect() : { left: 0, right: W };
    if (a && a.closest('.katex')) continue;
    if (r.right > box.right + 0.5 || r.left < box.left - 0.5)
      cut.push(`${e.id || e.tagName + '.' + e.className} ${Math.round(r.left)}..${Math.round(r.right)}`);
  }
  const scrollers = [...document.querySelectorAll('.net-scroll, .lab-scroll')]
    .filter((s) => s.offsetParent && s.scrollWidth > s.clientWidth + 1)
    .map((s) => { const hint = s.parentElement.querySelector('.net-hint, .swipe-hint');
                  return {box: s.className, hint: !!hint && hint.offsetParent !== null && hint.textContent}; });
  return {scrollWidth: document.documentElement.scrollWidth, clientWidth: W, cut: cut.slice(0, 12), scrollers};
}"""


@pytest.mark.parametrize("width", [320, 640])       # 640: a 1280 px screen at 200% zoom
def test_reflow_nothing_cut_off_and_only_the_diagrams_scroll(browser, site_url, width):
    context = browser.new_context(viewport={"width": width, "height": 800})
    try:
        app = App(context, site_url).open()
        seen = []
        for state, reach in [("start", None), ("drawn", drawn), ("break-it", break_it_damaged),
                             ("cards", cards_computed), ("training", training_running),
                             ("editor-error", editor_error)]:
            if reach:
                reach(app)
            got = app.page.evaluate(REFLOW)
            assert got["scrollWidth"] <= got["clientWidth"], (state, got)     # no sideways page scroll
            assert got["cut"] == [], (state, got["cut"])
            assert all(s["hint"] for s in got["scrollers"]), (state, got["scrollers"])   # it says it scrolls
            seen += [s["box"] for s in got["scrollers"]]
        if width == 320:                          # the diagrams are wider than a phone: they scroll
            assert {"net-scroll", "lab-scroll"} <= set(seen), seen
    finally:
        context.close()
