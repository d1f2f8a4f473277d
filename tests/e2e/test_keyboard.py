"""Without a mouse (issue #20): the main path with page.keyboard only, and the pad's keyboard pen.

Every step reaches its control with Tab (never page.focus or a click), checks that the focused
element shows a focus indicator, and reads what a screen reader would: the answer's live region.
"""

import pytest

from .conftest import App

pytestmark = pytest.mark.e2e

MAX_TABS = 400
# The focused element shows its focus: an outline (HTML) or, for the diagram's SVG units, a stroke.
FOCUS_SHOWN = """() => { const e = document.activeElement, s = getComputedStyle(e);
    if (!e.matches(':focus-visible')) return false;
    if (e instanceof SVGElement) return parseFloat(s.strokeWidth) >= 2;
    return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; }"""


def tab_to(app, selector):
    """Press Tab until `selector` has the focus; it must show it. -> the number of presses."""
    for n in range(1, MAX_TABS + 1):
        app.page.keyboard.press("Tab")
        if app.page.evaluate("s => document.activeElement?.matches(s)", selector):
            assert app.page.evaluate(FOCUS_SHOWN), f"{selector}: focused but no visible focus"
            return n
    raise AssertionError(f"{selector} never took the focus in {MAX_TABS} presses of Tab")


def spoken(app):
    return app.page.eval_on_selector("#prediction [aria-live]", "e => e.getAttribute('aria-busy') !== 'true'"
                                                                 " ? e.textContent : null")


@pytest.fixture
def kb(browser, site_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    app = App(context, site_url).open()
    app.page.mouse.move(1, 1)
    yield app
    assert app.errors == [] and app.foreign_requests() == []
    context.close()


def test_the_main_path_by_keyboard(kb):
    page, k = kb.page, kb.page.keyboard
    # A sample: reached with Tab, chosen with Enter; the answer is announced.
    tab_to(kb, "#samples button")
    want = page.evaluate("() => { const d = document.activeElement.dataset; return d.cnnPred ?? d.label; }")
    n = kb.updates()
    k.press("Enter")
    kb.wait_update(n)
    kb.poll("d => document.querySelector('#prediction').dataset.digit === d", want)
    kb.poll("d => { const e = document.querySelector('#prediction [aria-live]');"
            " return e.getAttribute('aria-busy') !== 'true' && e.textContent.includes(d); }", want)

    # A node of the diagram: its one tab stop, an arrow to the next unit, Enter opens the inspector.
    tab_to(kb, "#network [tabindex='0']")
    k.press("ArrowDown")
    unit = page.evaluate("document.activeElement.dataset.nodeId || document.activeElement.dataset.tileId")
    assert page.evaluate(FOCUS_SHOWN)
    k.press("Enter")
    kb.poll("id => document.querySelector('#inspector').dataset.nodeId === id"
            " && !document.querySelector('#inspector .insp-body').hidden", unit)
    assert not page.eval_on_selector("#inspector", "e => e.dataset.error")

    # Break It: noise to its maximum with End, then Reset with Enter.
    tab_to(kb, "#break-noise")
    n = kb.updates()
    k.press("End")
    kb.wait_update(n)
    kb.poll("() => window.digitlab.damage.get().noise > 0")
    tab_to(kb, "#break-reset")
    n = kb.updates()
    k.press("Enter")
    kb.wait_update(n)
    assert page.evaluate("window.digitlab.damage.get()") == {"bias": False, "noise": 0, "layers": [], "neurons": [],
                                                             "prune": 0, "prune_global": False, "temperature": 1,
                                                             "scales": {}}

    # Training: open the lab, Train, then Pause: focus follows to the button that undoes it.
    tab_to(kb, "#train-open")
    k.press("Enter")
    kb.poll("() => document.querySelector('#train-progress').dataset.acc !== ''")
    tab_to(kb, "#train-start")
    k.press("Enter")
    kb.poll("() => document.querySelector('#train-state').dataset.state === 'running'")
    kb.poll("() => Number(document.querySelector('#train-progress').dataset.iter) > 5")
    assert page.evaluate("document.activeElement.id") == "train-pause"
    k.press("Enter")
    kb.poll("() => document.querySelector('#train-state').dataset.state === 'paused'")
    assert page.evaluate("document.activeElement.id") == "train-start" and page.evaluate(FOCUS_SHOWN)


def test_the_pad_draws_with_the_arrow_keys(kb):
    page, k = kb.page, kb.page.keyboard
    tab_to(kb, "#pad")
    assert page.is_visible("#pad-keys")                      # the keys are told while it has focus
    for _ in range(5):
        k.press("ArrowUp")                                   # from the centre (col 8, row 8) to row 3
    n = kb.updates()
    k.press("Space")                                         # pen down
    assert page.eval_on_selector(".pad-pen", "e => !e.hidden && e.classList.contains('down')")
    for _ in range(9):
        k.press("ArrowDown")                                 # a line down to row 12
    k.press("Space")                                         # pen up: the stroke ends
    kb.wait_update(n)
    said = page.text_content("#pad-say")
    assert "12" in said and "8" in said, said
    kb.poll("() => document.querySelector('#prediction').dataset.digit === '1'")
    kb.poll("() => { const e = document.querySelector('#prediction [aria-live]');"
            " return e.getAttribute('aria-busy') === 'false' && e.textContent.includes('1'); }")
    # The ink is a vertical bar where the pen went, a brush (20 px) wide: cell centres are at
    # (i + 0.5) * 20 px of 280, so column 8 is x = 150 and rows 3..12 run y = 50..230.
    ink = page.evaluate("""() => { const a = window.digitlab.pad.pixels(), S = 280;
        let x0 = S, x1 = 0, y0 = S, y1 = 0;
        for (let i = 0; i < a.length; i++) if (a[i] > 128) { const x = i % S, y = (i / S) | 0;
          x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
        return [x0, x1, y0, y1]; }""")
    assert 135 <= ink[0] and ink[1] <= 165 and 35 <= ink[2] <= 45 and 235 <= ink[3] <= 245, ink
    # Escape or leaving the pad lifts the pen too; Undo by keyboard takes the stroke back.
    tab_to(kb, "#undo")
    n = kb.updates()
    k.press("Enter")
    kb.wait_update(n)
    assert page.evaluate("window.digitlab.pad.strokes.length") == 0
