"""The photo card's "Turn into pen strokes" (#photo-to-pad), through the built page: a photo file
is read, pressed into strokes (digitlab.photoink in the page), and from there the pad's reading,
stroke replay and a share link opened in a fresh browser all hold the same drawing, checked
number for number against CPython. Without a reading the button says why and touches nothing."""

import numpy as np
import pytest

from digitlab import photo, photoink, photoset
from digitlab.web.features import digits as _digits_hook  # noqa: F401 - registers the #digits reading

from .conftest import DIGITS, SCREENSHOTS, App as Page
from .test_photo import card, cpython, mnist, upload  # noqa: F401 - cpython and mnist are fixtures

pytestmark = pytest.mark.e2e

PAD_STATE = """() => ({strokes: window.digitlab.pad.strokes.map(s => ({w: s.w, pts: Array.from(s.pts)})),
                       base: !!window.digitlab.pad.base, pixels: Array.from(window.digitlab.pad.pixels())})"""


def ink_status(app):
    return app.page.text_content("#photo-ink-status")


def to_pad(app):
    """Press #photo-to-pad and wait for the pad's reading of the strokes."""
    n = app.updates()
    app.page.click("#photo-to-pad")
    app.wait_update(n)
    app.page.wait_for_timeout(100)


def cpython_reads(cpython, pixels):
    """CPython's update on the very pad pixels the page drew -> (probs, sequence)."""
    cpython.pad[:] = np.asarray(pixels, np.uint8)
    out = cpython.update("cnn")
    return np.asarray(out["probs"]), out["digits"]["sequence"]


def test_without_a_reading_the_button_says_why_and_keeps_the_pad(fresh):
    """First in this module's page: no photo has been read in it yet."""
    fresh.draw(DIGITS[7])
    before = fresh.page.evaluate(PAD_STATE)
    fresh.page.click("#photo-to-pad")
    assert "no photo reading" in ink_status(fresh) and "unchanged" in ink_status(fresh)
    assert fresh.page.evaluate(PAD_STATE) == before
    blank = photoset.png_bytes(np.full((300, 400, 4), 255, np.uint8))
    assert upload(fresh, "white.png", blank) == "error"
    fresh.page.click("#photo-to-pad")
    assert "no digit" in ink_status(fresh) and "unchanged" in ink_status(fresh)
    assert fresh.page.evaluate(PAD_STATE) == before
    assert fresh.page.is_hidden("#photo-ink-undo")


def test_a_photo_becomes_strokes_that_read_replay_and_share(fresh, mnist, cpython, browser, site_url):
    X, y = mnist
    idx = [3, 1, 4]
    want = "".join(str(y[i]) for i in idx)
    rgba = photoset.photo([X[i] for i in idx], shape=(480, 640), seed=7, board=False)
    assert upload(fresh, "three.png", photoset.png_bytes(rgba)) == "done"
    assert card(fresh)["sequence"] == want
    picture = fresh.snapshot()["input"]
    to_pad(fresh)
    pad = fresh.page.evaluate(PAD_STATE)
    made, _ = photoink.strokes(photo.read(rgba).pad)
    assert not pad["base"] and pad["strokes"] == made                 # CPython's strokes, exactly
    probs, sequence = cpython_reads(cpython, pad["pixels"])
    np.testing.assert_allclose(fresh.snapshot()["probs"], probs, atol=1e-5)
    assert card(fresh)["sequence"] == sequence == want                 # still the photo's reading
    assert "3 digits" in ink_status(fresh) and f"{len(made)} pen strokes" in ink_status(fresh)
    # replay: one point per stroke; scrubbing to the first stroke leaves only it on the pad
    fresh.poll("n => document.querySelector('#replay').dataset.points === String(n)", len(made))
    n = fresh.updates()
    fresh.page.locator("#replay-scrub").fill("1")
    fresh.wait_update(n)
    assert fresh.page.evaluate("window.digitlab.pad.strokes.length") == 1
    fresh.page.locator("#replay-scrub").fill(str(len(made)))
    fresh.page.wait_for_timeout(100)
    # a share link opened in a fresh browser context: the same strokes, pixels and reading
    fresh.page.click("#share")
    fresh.poll("() => location.hash.includes('s=')")
    link = fresh.page.evaluate("location.href")
    assert "photo is not part" not in fresh.page.text_content("#share-notice")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        other = Page(context, link).open()
        other.poll("() => document.querySelector('#share-notice').textContent.includes('Restored')")
        other.poll("([n, want]) => window.digitlab.pad.strokes.length === n &&"
                   " document.querySelector('#digits')?.dataset.sequence === want", [len(made), want])
        other.page.wait_for_timeout(200)                               # the link's update has landed
        shared = other.page.evaluate(PAD_STATE)
        assert shared["strokes"] == made and shared["pixels"] == pad["pixels"]
        np.testing.assert_allclose(other.snapshot()["probs"], probs, atol=1e-5)
        assert card(other)["sequence"] == want
        assert other.errors == []
    finally:
        context.close()
    # "Put the pad back": the photo's picture returns, and reads as it did
    n = fresh.updates()
    fresh.page.click("#photo-ink-undo")
    fresh.wait_update(n)
    assert fresh.page.evaluate("!!window.digitlab.pad.base && window.digitlab.pad.strokes.length === 0")
    assert fresh.snapshot()["input"] == picture and fresh.page.is_hidden("#photo-ink-undo")


def test_single_digit_photos_read_the_same_as_strokes(fresh, mnist, cpython):
    """Eight single digits: the strokes' reading is CPython's for those pixels every time, and
    the same digit as the photo's picture (clean photos)."""
    X, y = mnist
    for i in range(8):
        rgba = photoset.photo([X[i]], shape=(480, 640), seed=300 + i, board=i % 4 == 3)
        assert upload(fresh, f"digit-{i}.png", photoset.png_bytes(rgba)) == "done"
        photo_digit = fresh.prediction()["digit"]
        to_pad(fresh)
        pad = fresh.page.evaluate(PAD_STATE)
        probs, _ = cpython_reads(cpython, pad["pixels"])
        np.testing.assert_allclose(fresh.snapshot()["probs"], probs, atol=1e-5)
        assert fresh.prediction()["digit"] == str(int(np.argmax(probs))) == photo_digit == str(y[i])
        assert "The digit is now" in ink_status(fresh)


def test_a_stroke_after_the_transfer_keeps_the_drawing_its_own(fresh, mnist):
    """After a transfer, a new stroke makes "Put the pad back" go away (it would lose the stroke)."""
    X, _ = mnist
    rgba = photoset.photo([X[0]], shape=(240, 320), seed=5, board=False)
    assert upload(fresh, "seven.png", photoset.png_bytes(rgba)) == "done"
    to_pad(fresh)
    assert fresh.page.is_visible("#photo-ink-undo")
    count = fresh.page.evaluate("window.digitlab.pad.strokes.length")
    fresh.draw([[(0.1, 0.9), (0.2, 0.95)]])
    assert fresh.page.is_hidden("#photo-ink-undo")
    assert fresh.page.evaluate("window.digitlab.pad.strokes.length") == count + 1


def test_screenshots(fresh, mnist):
    X, _ = mnist
    rgba = photoset.photo([X[i] for i in (7, 0, 2, 6)], shape=(480, 640), seed=11, board=False)
    upload(fresh, "four.png", photoset.png_bytes(rgba))
    to_pad(fresh)
    SCREENSHOTS.mkdir(exist_ok=True)
    page = fresh.page
    page.locator("#photo").screenshot(path=str(SCREENSHOTS / "photo-ink-card.png"))
    page.locator("#pad").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "photo-ink-desktop.png"))
    page.locator(".replay").screenshot(path=str(SCREENSHOTS / "photo-ink-replay.png"))
    page.set_viewport_size({"width": 390, "height": 844})
    try:
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.locator("#photo-to-pad").scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / "photo-ink-phone.png"))
        page.click("#lang")                                               # Japanese, re-worded
        assert "ペンの線" in ink_status(fresh) and "ペンの線" in page.text_content("#photo-to-pad")
        page.locator("#photo-to-pad").scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / "photo-ink-phone-ja.png"))
        page.click("#lang")
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})
