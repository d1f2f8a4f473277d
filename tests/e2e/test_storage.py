"""What the page keeps in localStorage, when that storage is damaged, planted, full or left in a hurry.

Any script of the origin can write these keys, so each test plants a value as such a script would
(before the page's own modules run), then loads the page as a visitor: the page must start, drop
what it cannot use, say so in the #stored notice, and keep what it can. Issue #15, section 2.
"""

import base64
import json

import pytest

from .conftest import DIGITS, READY_TIMEOUT_MS, SCREENSHOTS, App, type_keys

pytestmark = pytest.mark.e2e

EDITOR, TEACH, LANG = "digitlab:editor", "digitlab:teach", "digitlab:lang"
PRE = "digitlab/preprocess.py"
ACT = "digitlab/core/activations.py"
GOOD_PX = base64.b64encode(bytes(range(0, 256, 1)) * 3 + bytes(16)).decode()   # 784 bytes


def plant(context, items):
    """Write `items` ({key: text}) into localStorage once, before the first page's scripts run."""
    context.add_init_script(
        "if (!sessionStorage.getItem('planted')) { sessionStorage.setItem('planted', '1');"
        f" for (const [k, v] of Object.entries({json.dumps(items)})) localStorage.setItem(k, v); }}")


def refuse(context, methods, error, message):
    """From the first script on, localStorage's `methods` throw DOMException(message, error)."""
    context.add_init_script(
        f"for (const m of {json.dumps(methods)}) Storage.prototype[m] = function () {{"
        f" throw new DOMException({json.dumps(message)}, {json.dumps(error)}); }};")


def start(app, query=""):
    """Load the page; -> the state it settles in ("ready" or "error"), without waiting out a failure."""
    app.page.goto(app.url + query)
    app.poll("() => ['ready', 'error'].includes(document.querySelector('#status')?.dataset.state)",
             timeout_ms=READY_TIMEOUT_MS)
    return app.page.get_attribute("#status", "data-state")


def stored(app, key):
    return app.page.evaluate("(k) => localStorage.getItem(k)", key)


def notice(app):
    """{id: text} of the #stored notice's lines (none when hidden)."""
    if app.page.is_hidden("#stored"):
        return {}
    return dict(app.page.eval_on_selector_all(
        "#stored li", "ls => ls.map(l => [l.dataset.notice, l.textContent])"))


@pytest.fixture
def context(browser):
    c = browser.new_context(viewport={"width": 1280, "height": 900})
    yield c
    c.close()


def test_a_null_edit_record_is_dropped_and_named_and_the_page_starts(context, site_url):
    plant(context, {EDITOR: json.dumps({"open": "yes", "files": {PRE: None, ACT: {"active": 5}}})})
    app = App(context, site_url)
    assert start(app) == "ready", app.page.text_content("#error")
    app.wait_update(0)
    lines = notice(app)
    assert list(lines) == [f"bad:{EDITOR}"]
    assert lines[f"bad:{EDITOR}"].endswith(f"was removed: {PRE}, {ACT}, open."), lines
    assert json.loads(stored(app, EDITOR))["files"] == {}           # dropped, so not named again
    assert app.draw(DIGITS[7])["digit"] == "7"
    app.page.reload()
    assert start(app) == "ready"
    assert notice(app) == {}
    assert app.errors == []


BAD_B64 = {"label": 3, "px": "!!not base64!!"}
TEN_BYTES = {"label": 4, "px": base64.b64encode(bytes(10)).decode()}
GOOD = {"label": 7, "px": GOOD_PX}


@pytest.mark.parametrize("teach, named", [
    ([BAD_B64, GOOD], ["#1 (3)"]),                      # used to throw at module load: no start
    ([GOOD, TEN_BYTES], ["#2 (4)"]),                    # used to leave the training panel half set up
    ([BAD_B64, TEN_BYTES, GOOD, {"label": 12, "px": GOOD_PX}, "x"], ["#1 (3)", "#2 (4)", "#4 (12)", "#5"]),
], ids=["bad-base64", "10-bytes", "mixed"])
def test_damaged_taught_digits_are_dropped_one_by_one(context, site_url, teach, named):
    plant(context, {TEACH: json.dumps(teach)})
    app = App(context, site_url)
    assert start(app) == "ready", app.page.text_content("#error")
    text = notice(app)[f"bad:{TEACH}"]
    for part in named:
        assert part in text, text
    assert json.loads(stored(app, TEACH)) == [GOOD]
    open_training(app)
    assert app.page.eval_on_selector_all("#teach-list li", "ls => ls.map(l => l.dataset.label)") == ["7"]
    assert app.page.text_content("#teach-count") == "In your set: 1"
    app.page.click("#train-step")                 # the panel is whole: it trains, with the kept digit
    app.poll("() => document.querySelector('#train-progress').dataset.iter === '1'")
    assert app.errors == []


@pytest.mark.parametrize("value", ["xx", "", "ja; drop"])
def test_an_unknown_language_is_dropped_and_named(context, site_url, value):
    plant(context, {LANG: value})
    app = App(context, site_url)
    assert start(app) == "ready"
    assert "language" in notice(app)[f"bad:{LANG}"]
    assert stored(app, LANG) is None
    assert app.page.get_attribute("html", "lang") == "en"
    assert app.errors == []


def test_a_full_storage_is_reported_for_edits_and_taught_digits(context, site_url):
    # The origin's quota is used up (by another app of the origin, say): every write is refused.
    refuse(context, ["setItem"], "QuotaExceededError", "The quota has been exceeded.")
    app = App(context, site_url).open()
    assert notice(app) == {}
    app.page.click("#editor-toggle")
    app.page.wait_for_selector("#editor .cm-content")
    n = app.updates()
    app.page.click("[data-preset='tanh']")
    app.wait_update(n)
    line = notice(app)[f"unsaved:{EDITOR}"]
    assert "code edits" in line and "QuotaExceededError" in line
    app.draw(DIGITS[3])
    app.page.click("#train-open")
    app.page.select_option("#teach-label", "3")
    app.page.click("#teach-add")
    app.poll("() => document.querySelectorAll('#teach-list li').length === 1")   # used on this page...
    assert "Not saved" in app.page.text_content("#teach-msg")                    # ...but said unsaved
    assert "QuotaExceededError" in notice(app)[f"unsaved:{TEACH}"]
    assert app.errors == []


def test_a_browser_that_blocks_storage_is_named_and_the_page_works(context, site_url):
    # As with cookies blocked for the site: every access throws a SecurityError.
    refuse(context, ["getItem", "setItem", "removeItem"], "SecurityError", "Access is denied for this document.")
    app = App(context, site_url).open()
    line = notice(app)["blocked"]
    assert "blocks storage" in line and "SecurityError" in line
    assert app.draw(DIGITS[3])["digit"] == "3"
    assert app.errors == []


def test_a_draft_typed_just_before_leaving_is_kept(context, site_url):
    app = App(context, site_url).open()
    app.page.click("#editor-toggle")
    app.page.wait_for_selector("#editor .cm-content")
    app.poll("() => !document.querySelector('#editor-file').disabled")
    app.page.click("#editor .cm-content")
    app.page.keyboard.press("Control+End")
    type_keys(app.page, "\n# typed just before leaving")
    app.page.reload()                             # well inside the 300 ms the key timer waits
    assert start(app) == "ready"
    draft = json.loads(stored(app, EDITOR))["files"][PRE]["draft"]
    assert draft.endswith("# typed just before leaving"), draft[-80:]
    assert app.errors == []


def test_restored_edits_are_announced_with_a_reset(context, site_url, dist_dir):
    app = App(context, site_url).open()
    app.page.click("#editor-toggle")
    app.page.wait_for_selector("#editor .cm-content")
    n = app.updates()
    app.page.click("[data-preset='tanh']")
    app.wait_update(n)
    assert notice(app) == {}                      # an edit made now is not news
    app.page.click("#editor-toggle")              # closed: the restored edit must be seen anyway
    app.page.reload()
    assert start(app) == "ready"
    app.wait_update(0)
    lines = notice(app)
    assert lines[f"restored:{ACT}"].startswith(f"Your edits to {ACT} are active"), lines
    assert app.page.is_visible("#stored")
    reset = app.page.locator(f"#stored li[data-notice='restored:{ACT}'] button")
    assert reset.text_content() == f"Reset {ACT}"
    app.page.screenshot(path=str(SCREENSHOTS / "stored-restored.png"))
    app.page.set_viewport_size({"width": 390, "height": 844})
    assert reset.bounding_box()["x"] + reset.bounding_box()["width"] <= 390      # within a phone's width
    app.page.screenshot(path=str(SCREENSHOTS / "stored-restored-phone.png"))
    n = app.updates()
    reset.focus()
    app.page.keyboard.press("Enter")              # reachable and usable from the keyboard
    app.wait_update(n)
    assert notice(app) == {}
    assert app.page.get_attribute("#editor", "data-version") == "2"   # restored, then reset
    app.page.reload()
    assert start(app) == "ready"
    assert notice(app) == {}
    assert int(app.page.get_attribute("#editor", "data-version") or 0) == 0   # nothing re-applied
    assert app.errors == []


def test_leaving_with_unexported_training_asks_first(context, site_url):
    app = App(context, site_url).open()
    asked = []

    def record(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    app.page.on("dialog", record)
    open_training(app)
    app.page.reload()                             # nothing trained yet: no question
    assert start(app) == "ready" and asked == []
    app.page.remove_listener("dialog", record)
    open_training(app)
    app.page.click("#train-step")
    app.poll("() => document.querySelector('#train-progress').dataset.iter === '1'")
    with app.page.expect_event("dialog") as question:
        app.page.close(run_before_unload=True)
    assert question.value.type == "beforeunload"
    question.value.dismiss()                      # stay: the page and its network are still there
    assert not app.page.is_closed()
    assert app.page.get_attribute("#train-progress", "data-iter") == "1"
    with app.page.expect_download():
        app.page.click("#train-export")
    with app.page.expect_event("close"):          # exported: leaving asks nothing
        app.page.close(run_before_unload=True)


def open_training(app):
    app.page.click("#train-open")
    app.poll("() => document.querySelector('#train-progress').dataset.acc !== ''", timeout_ms=60_000)
