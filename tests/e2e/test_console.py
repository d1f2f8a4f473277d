"""The Python console, typed with the real keyboard into the real prompt, checked against CPython.

One page serves the module (one interpreter, one localStorage). Each test types into
#console-input with page.keyboard, presses Enter, and reads #console-output as a person would;
the numbers it checks come from CPython running the same weights on the page's own input.
"""

import re

import numpy as np
import pytest

from digitlab import viewmodel

from .conftest import DIGITS, SCREENSHOTS, App, type_keys

pytestmark = pytest.mark.e2e
PROB_TOL = 1e-5


class Prompt:
    """What a person does with the console."""

    def __init__(self, app):
        self.app, self.page = app, app.page

    def open(self):
        if self.page.get_attribute("#console-toggle", "aria-expanded") != "true":
            self.page.click("#console-toggle")
        self.page.wait_for_selector("#console-input .cm-content")
        self.app.poll("() => document.querySelector('#console').dataset.state === 'ready'")

    def focus(self):
        self.page.click("#console-input .cm-content")

    def type(self, text, enter=True):
        """Type `text` line by line (Enter between lines, as a person would), then Enter."""
        self.focus()
        lines = text.split("\n")
        for i, line in enumerate(lines):
            type_keys(self.page, line)
            if i < len(lines) - 1 or enter:
                self.page.keyboard.press("Enter")

    def run(self, text):
        """Type a statement, press Enter, wait for it to finish. -> the transcript's new text."""
        n = self.page.locator("#console-output > *").count()
        self.type(text)
        self.app.poll("(n) => document.querySelectorAll('#console-output > *').length > n"
                      " && document.querySelector('#console').dataset.state === 'ready'", n)
        return self.since(n)

    def since(self, n):
        return self.page.evaluate("(n) => [...document.querySelectorAll('#console-output > *')]"
                                  ".slice(n).map(e => e.textContent).join('')", n)

    def prompt_text(self):
        return self.page.locator("#console-input .cm-content").inner_text()


@pytest.fixture(scope="module")
def con(app):
    p = Prompt(app)
    p.open()
    return p


@pytest.fixture
def drawn(con, fresh):
    """The console open, a 3 drawn on the page's default model."""
    fresh.choose("mlp-128-64")
    fresh.draw(DIGITS[3])
    return fresh


def test_probs_argmax_prints_the_digit_the_page_shows(con, drawn):
    out = con.run("lab.probs.argmax()")
    digit = int(drawn.prediction()["digit"])
    # numpy's repr: np.int32(3) in the page (wasm32), np.int64(3) on a 64-bit CPython
    assert re.fullmatch(rf"np\.int(32|64)\({digit}\)", out.splitlines()[-1]), out
    assert con.prompt_text().strip() == ""                    # the prompt empties for the next command


def test_show_x_draws_the_input_the_network_reads(con, drawn):
    con.run("show(lab.x)")
    x = np.array(drawn.snapshot()["input"], np.float32).reshape(28, 28)
    shown = drawn.page.evaluate("""() => {
        const c = [...document.querySelectorAll('#console-output canvas')].pop();
        return {w: c.width, h: c.height, rgba: [...c.getContext('2d').getImageData(0, 0, c.width, c.height).data]};
    }""")
    assert (shown["w"], shown["h"]) == (28, 28)
    want = viewmodel.rgba_tiles(x[:, :, None]).reshape(-1).view(np.uint8).reshape(784, 4)
    alpha = np.array(shown["rgba"], np.uint8).reshape(784, 4)[:, 3]
    np.testing.assert_array_equal(alpha, want[:, 3])          # every pixel's strength is Python's
    assert alpha.max() == 255 and (alpha > 0).sum() > 40


def test_zeroing_an_output_column_then_update_matches_cpython(con, drawn, reference):
    before = np.array(drawn.snapshot()["probs"])
    n = drawn.updates()
    con.run('lab.net.params["out"]["W"][:, 3] = 0\nlab.update()\n')
    drawn.wait_update(n)
    snap = drawn.snapshot()
    net = reference("mlp-128-64").copy()
    net.params["out"]["W"][:, 3] = 0
    want = net.predict_proba(np.array(snap["input"], np.float32).reshape(1, 784))[0]
    np.testing.assert_allclose(snap["probs"], want, atol=PROB_TOL)
    assert abs(snap["probs"][3] - before[3]) > 1e-3            # the change reached the page
    out = con.run("lab.probs.round(6)")                        # lab.probs follows the change too
    np.testing.assert_allclose(np.array(snap["probs"]).round(6)[3], want.round(6)[3], atol=1e-6)
    assert "array(" in out
    # Break It's Reset brings the shipped weights back.
    n = drawn.updates()
    drawn.page.click("#break-reset")
    drawn.wait_update(n)
    healed = drawn.snapshot()["probs"]
    shipped = reference("mlp-128-64").predict_proba(np.array(snap["input"], np.float32).reshape(1, 784))[0]
    np.testing.assert_allclose(healed, shipped, atol=PROB_TOL)


def test_an_error_shows_its_traceback_and_the_page_goes_on(con, drawn):
    out = con.run("1/0")
    assert "ZeroDivisionError" in out and "Traceback" in out
    assert drawn.page.locator("#console-output .console-err").last.inner_text().endswith("division by zero\n") \
        or "division by zero" in out
    drawn.clear()
    assert drawn.draw(DIGITS[7])["digit"] == "7"               # the page still classifies


def test_a_runaway_loop_is_stopped_with_a_message(con, drawn):
    out = con.run("while True: pass")
    assert "Stopped after" in out and "ms" in out
    assert con.run("1 + 1").strip().endswith("2")
    drawn.clear()
    assert drawn.draw(DIGITS[0])["digit"] == "0"


def test_output_is_text_never_html(con, drawn):
    out = con.run('print("<b id=evil>bold</b><img src=x onerror=alert(1)>")')
    assert "<b id=evil>bold</b>" in out
    assert drawn.page.locator("#console-output #evil, #console-output img").count() == 0


def test_multi_line_block_history_and_completion(con, drawn):
    con.run("total = 0")
    out = con.run("for k in range(4):\ntotal += k\n")           # Enter in a block goes on; "" ends it
    assert "... " in out and "total += k" in out, out
    assert con.run("total").strip().endswith("6")
    con.focus()
    type_keys(drawn.page, "lab.pro")
    drawn.page.keyboard.press("Tab")
    assert con.prompt_text().strip() == "lab.probs"
    drawn.page.keyboard.press("Control+a")
    drawn.page.keyboard.press("Backspace")
    drawn.page.keyboard.press("ArrowUp")
    assert "total" in con.prompt_text()                        # the last command comes back
    drawn.page.keyboard.press("Control+a")
    drawn.page.keyboard.press("Backspace")


def test_lab_draw_puts_an_image_on_the_pad_and_the_page_reads_it(con, fresh):
    n = fresh.updates()
    out = con.run("img = np.zeros((28, 28))\nimg[4:24, 13:16] = 1\nlab.draw(img)\n")
    assert "Traceback" not in out, out
    fresh.wait_update(n)
    assert fresh.prediction()["digit"] == "1"
    drawn = np.array(fresh.snapshot()["input"]).reshape(28, 28)
    assert drawn[:, :10].max() < 0.1 and drawn[4:24, 12:17].mean() > 0.3   # a bar, as drawn
    assert "ValueError" in con.run("lab.draw(np.full((28, 28), 7.5))")    # out of range: said, not drawn


def test_history_survives_a_reload(browser, site_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        app = App(context, site_url).open()
        p = Prompt(app)
        p.open()
        p.run("answer = 6 * 7")
        app.page.reload()
        app.page.wait_for_selector("#status[data-state=ready]")
        p.open()
        p.focus()
        app.page.keyboard.press("ArrowUp")
        assert p.prompt_text().strip() == "answer = 6 * 7"
        app.page.keyboard.press("Control+a")
        app.page.keyboard.press("Backspace")
        assert "NameError" in p.run("answer")                  # a reload starts a fresh namespace
        # A damaged history is dropped with a word (store.js), and the console still works.
        app.page.evaluate("localStorage.setItem('digitlab.console.v1', '{\"history\": [1, null]}')")
        app.page.reload()
        app.page.wait_for_selector("#status[data-state=ready]")
        p.open()
        assert "console history" in app.page.inner_text("#stored")   # named, as every bad stored value
        assert p.run("2 ** 10").strip().endswith("1024")
        assert app.errors == []
    finally:
        context.close()


def test_examples_run_on_every_kind_of_model(con, fresh):
    fresh.draw(DIGITS[3])
    for model in ("cnn-small", "mlp-25-25"):
        fresh.choose(model)
        for ex in fresh.page.locator("#console-examples [data-example]").all():
            n = fresh.page.locator("#console-output > *").count()
            ex.click()
            fresh.poll("(n) => document.querySelectorAll('#console-output > *').length > n"
                       " && document.querySelector('#console').dataset.state === 'ready'", n)
            assert "Traceback" not in con.since(n), (model, ex.get_attribute("data-example"), con.since(n))
    n = fresh.updates()
    fresh.page.click("#break-reset")                          # the "switch off" example is undone
    fresh.wait_update(n)


def test_screenshots_desktop_and_phone(con, drawn, browser, site_url):
    drawn.page.click("#console-clear")
    assert drawn.page.locator("#console-output > *").count() == 0
    con.run("lab.probs.round(3)")
    con.run("show(lab.probs)")
    con.run('show(lab.net.params["h1"]["W"][:, 17].reshape(28, 28))')
    panel = drawn.page.locator("#console")
    panel.scroll_into_view_if_needed()
    SCREENSHOTS.mkdir(exist_ok=True)
    panel.screenshot(path=str(SCREENSHOTS / "console-desktop.png"))
    assert drawn.page.locator("#console-output canvas").count() >= 1
    assert drawn.page.locator("#console-output .console-bar").count() == 10
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    try:
        phone = App(context, site_url).open("?lang=ja")
        p = Prompt(phone)
        p.open()
        p.run("show(lab.x)")
        box = phone.page.locator("#console").bounding_box()
        assert box["width"] <= 390
        assert phone.page.evaluate("document.documentElement.scrollWidth") <= 390
        phone.page.locator("#console").screenshot(path=str(SCREENSHOTS / "console-phone.png"))
    finally:
        context.close()
