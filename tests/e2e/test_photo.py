"""The photo card (#photo), with real files uploaded to the built page: synthetic photos of MNIST
test digits (digitlab.photoset) as PNG files, read in the page and checked number for number
against CPython reading the same pixels; bad files each get their message, and the pad goes on."""

import numpy as np
import pytest

from digitlab import photo, photoset
from digitlab.app import App
from digitlab.web.features import digits as _digits_hook  # noqa: F401 - registers the #digits reading

from .conftest import DIGITS, SCREENSHOTS, full_page_screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def mnist():
    from digitlab import data
    return data.load("test")


@pytest.fixture(scope="module")
def cpython():
    return App()


def upload(app, name, data, mime="image/png"):
    """Give #photo-input one file; wait until the card has answered (and the pad's update, if read)."""
    n = app.updates()
    app.page.set_input_files("#photo-input", files=[{"name": name, "mimeType": mime, "buffer": data}])
    app.poll("() => ['done', 'error'].includes(document.querySelector('#photo').dataset.state)")
    state = app.page.get_attribute("#photo", "data-state")
    if state == "done":
        app.wait_update(n)
        app.page.wait_for_timeout(50)
    return state


def card(app):
    return app.page.evaluate("""() => ({
        state: document.querySelector('#photo').dataset.state,
        error: document.querySelector('#photo-error').textContent,
        status: document.querySelector('#photo-status').textContent,
        steps: [...document.querySelectorAll('#photo-steps [data-step]')].map(e => e.dataset.step),
        sequence: document.querySelector('#digits')?.dataset.sequence ?? '' })""")


def cpython_reading(cpython, rgba, region=None):
    """What CPython makes of the same pixels: (pad input, probs, sequence) on the cnn."""
    r = photo.read(rgba, region)
    cpython.pad[:] = r.pad.reshape(-1)
    out = cpython.update("cnn")
    return out["input"], out["probs"], out["digits"]["sequence"]


def shown(app):
    """The page's reading: the digit it shows, or the multi-digit sequence when there is one."""
    return card(app)["sequence"] or app.prediction()["digit"]


def test_photos_are_read_as_cpython_reads_them(fresh, mnist, cpython):
    """34 single-digit photos: >= 97% read right, and every number equals CPython's."""
    X, y = mnist
    right = 0
    for i in range(34):
        rgba = photoset.photo([X[i]], shape=(480, 640), seed=i)
        assert upload(fresh, f"digit-{i}.png", photoset.png_bytes(rgba)) == "done", card(fresh)
        snap = fresh.snapshot()
        x, probs, sequence = cpython_reading(cpython, rgba)
        np.testing.assert_allclose(snap["input"], np.asarray(x).reshape(-1), atol=1e-6)
        np.testing.assert_allclose(snap["probs"], probs, atol=1e-5)
        assert card(fresh)["sequence"] == sequence
        assert fresh.prediction()["digit"] == str(int(np.argmax(probs)))
        right += shown(fresh) == str(y[i])
    assert right >= 33
    c = card(fresh)
    assert c["steps"] == ["photo", "grey", "light", "ink", "clean", "pad", "mnist"] and c["error"] == ""
    assert "640×480" in c["status"]


def test_a_three_digit_photo_reads_as_a_sequence(fresh, mnist, cpython):
    X, y = mnist
    idx = [3, 1, 4]
    rgba = photoset.photo([X[i] for i in idx], shape=(480, 640), seed=7, board=False)
    assert upload(fresh, "three.png", photoset.png_bytes(rgba)) == "done"
    want = "".join(str(y[i]) for i in idx)
    assert card(fresh)["sequence"] == want == cpython_reading(cpython, rgba)[2]
    assert fresh.page.locator(f"#digits[data-sequence='{want}']").count() == 1
    fresh.page.click("#share")                                        # a link cannot carry the photo: said
    fresh.poll("() => !document.querySelector('#share-notice').hidden")
    assert "photo is not part of a link" in fresh.page.text_content("#share-notice")


def drag_box(app, y0, y1, x0, x1):
    """Drag a box over #photo-view from (x0, y0) to (x1, y1), fractions of the picture; wait for
    the new reading."""
    view = app.page.locator("#photo-view")
    view.scroll_into_view_if_needed()
    b = view.bounding_box()
    m = app.page.mouse
    n = app.page.evaluate("performance.getEntriesByName('digitlab:photo').length")
    m.move(b["x"] + x0 * b["width"], b["y"] + y0 * b["height"])
    m.down()
    for k in range(1, 6):
        m.move(b["x"] + (x0 + (x1 - x0) * k / 5) * b["width"], b["y"] + (y0 + (y1 - y0) * k / 5) * b["height"])
    m.up()
    return n


def wait_reading(app, n):
    app.poll("n => performance.getEntriesByName('digitlab:photo').length > n", n)
    app.page.wait_for_timeout(50)


def click_and_read(app, selector):
    n = app.page.evaluate("performance.getEntriesByName('digitlab:photo').length")
    app.page.click(selector)
    wait_reading(app, n)


def test_a_box_chooses_the_digits_read_and_rotate_and_undo_go_back(fresh, mnist, cpython):
    X, y = mnist
    idx = [3, 1, 4]
    rgba = photoset.photo([X[i] for i in idx], shape=(480, 640), seed=7, board=False)
    want = "".join(str(y[i]) for i in idx)
    assert upload(fresh, "three.png", photoset.png_bytes(rgba)) == "done"
    assert fresh.page.is_disabled("#photo-undo") and fresh.page.is_disabled("#photo-whole")
    groups = photo.read(rgba).groups
    (r0, r1, c0, c1), right = groups[0], groups[1][2]
    wait_reading(fresh, drag_box(fresh, r0 / 480 - 0.03, r1 / 480 + 0.03, c0 / 640 - 0.02, (c1 + right) / 2 / 640))
    assert card(fresh)["sequence"] == "" and fresh.prediction()["digit"] == str(y[idx[0]])
    top, height, left, width = fresh.page.evaluate(
        "() => { const s = document.querySelector('#photo-box').style;"
        " return [s.top, s.height, s.left, s.width].map(parseFloat); }")
    region = (top / 100, (top + height) / 100, left / 100, (left + width) / 100)
    x, probs, _ = cpython_reading(cpython, rgba, region)
    np.testing.assert_allclose(fresh.snapshot()["probs"], probs, atol=1e-5)   # the box's reading is CPython's
    assert not fresh.page.is_hidden("#photo-box") and not fresh.page.is_disabled("#photo-whole")
    click_and_read(fresh, "#photo-undo")
    assert card(fresh)["sequence"] == want and fresh.page.is_hidden("#photo-box")
    click_and_read(fresh, "#photo-rotate")
    size = fresh.page.evaluate("() => [document.querySelector('#photo-view').naturalWidth,"
                               " document.querySelector('#photo-view').naturalHeight]")
    assert size == [270, 360]                                         # 640x480 turned: portrait
    assert card(fresh)["sequence"] != want                            # read sideways: not the row of digits
    click_and_read(fresh, "#photo-undo")
    assert card(fresh)["sequence"] == want and fresh.page.is_disabled("#photo-undo")
    drag_box(fresh, 0.5, 0.51, 0.5, 0.51)                             # a click is not a box
    fresh.page.wait_for_timeout(200)
    assert card(fresh)["sequence"] == want and fresh.page.is_disabled("#photo-undo")


GIVE = """([how, bytes]) => {
  const dt = new DataTransfer();
  dt.items.add(new File([new Uint8Array(bytes)], 'given.png', {type: 'image/png'}));
  if (how === 'drop') {
    const zone = document.querySelector('#photo-drop');
    zone.dispatchEvent(new DragEvent('dragover', {dataTransfer: dt, bubbles: true, cancelable: true}));
    zone.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
  } else {
    document.body.dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true}));
  } }"""


@pytest.mark.parametrize("how", ["drop", "paste"])
def test_a_dropped_or_pasted_image_is_read(fresh, mnist, cpython, how):
    X, y = mnist
    rgba = photoset.photo([X[2]], shape=(240, 320), seed=21, board=False)
    n = fresh.updates()
    fresh.page.evaluate(GIVE, [how, list(photoset.png_bytes(rgba))])
    fresh.poll("() => document.querySelector('#photo').dataset.state === 'done'")
    fresh.wait_update(n)
    fresh.page.wait_for_timeout(50)
    _, probs, _ = cpython_reading(cpython, rgba)
    np.testing.assert_allclose(fresh.snapshot()["probs"], probs, atol=1e-5)
    assert fresh.prediction()["digit"] == str(y[2]) and "320×240" in card(fresh)["status"]


def test_text_pasted_into_a_field_is_left_to_the_field(fresh):
    """A paste into a text field (the console, the editor) is not taken for a photo."""
    before = card(fresh)
    fresh.page.evaluate("""() => { const box = document.createElement('textarea'); box.id = 'probe-text';
        document.body.append(box); const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array([137, 80, 78, 71])], 'x.png', {type: 'image/png'}));
        box.dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true})); }""")
    fresh.page.wait_for_timeout(200)
    assert card(fresh) == before                                      # not read: no message, no new state
    fresh.page.evaluate("() => document.querySelector('#probe-text').remove()")


def jpeg_from_the_browser(app, rgba):
    """The browser's own JPEG encoding of rgba (quality 0.95) -> bytes."""
    return bytes(app.page.evaluate("""async ([w, h, px]) => {
        const c = new OffscreenCanvas(w, h);
        c.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(px), w, h), 0, 0);
        const blob = await c.convertToBlob({type: 'image/jpeg', quality: 0.95});
        return Array.from(new Uint8Array(await blob.arrayBuffer())); }""",
        [rgba.shape[1], rgba.shape[0], rgba.reshape(-1).tolist()]))


def with_orientation(jpeg, orientation):
    """jpeg bytes with an EXIF APP1 segment saying `orientation` (1..8) right after SOI."""
    import struct
    ifd = struct.pack("<H", 1) + struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack("<I", 0)
    body = b"Exif\0\0" + b"II*\0" + struct.pack("<I", 8) + ifd
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body + jpeg[2:]


def test_a_phone_photo_held_upright_is_turned_by_its_exif_orientation(fresh, mnist):
    """Phones save the sensor's landscape pixels and an EXIF orientation (6: turn clockwise). The
    size Python reads from the header is the upright one, which is what the browser decodes to."""
    X, y = mnist
    upright = photoset.photo([X[1]], shape=(640, 480), seed=4, board=False)       # portrait, as seen
    sensor = np.ascontiguousarray(np.rot90(upright, k=1))                         # as the sensor stored it
    jpeg = with_orientation(jpeg_from_the_browser(fresh, sensor), 6)
    assert upload(fresh, "phone.jpg", jpeg, "image/jpeg") == "done"
    assert "480×640" in card(fresh)["status"]
    assert fresh.page.evaluate("[document.querySelector('#photo-view').naturalWidth,"
                               " document.querySelector('#photo-view').naturalHeight]") == [270, 360]
    assert shown(fresh) == str(y[1])


def pad_still_works(app):
    p = app.draw(DIGITS[7])
    assert p["digit"] == "7", p


@pytest.mark.parametrize("name,data,mime,words", [
    ("notes.txt", b"these are my notes, not a photo\n", "text/plain", "not an image"),
    ("fake.png", b"this text only claims to be a PNG", "image/png", "not an image"),
    ("white.png", photoset.png_bytes(np.full((300, 400, 4), 255, np.uint8)), "image/png", "all white"),
    ("black.png", photoset.png_bytes(np.dstack([np.zeros((300, 400, 3), np.uint8), np.full((300, 400), 255, np.uint8)])),
     "image/png", "all black"),
])
def test_bad_files_get_their_message_and_the_pad_goes_on(fresh, name, data, mime, words):
    fresh.draw(DIGITS[1])
    before = fresh.snapshot()["input"]
    assert upload(fresh, name, data, mime) == "error"
    c = card(fresh)
    assert words in c["error"], c
    assert fresh.snapshot()["input"] == before                     # the drawing is untouched
    fresh.clear()
    pad_still_works(fresh)


def test_an_image_too_big_to_open_is_refused_before_decoding(fresh):
    # 12000 x 10000 white: 120 megapixels, yet a small file (it compresses to almost nothing).
    row = np.full((1, 12000, 4), 255, np.uint8)
    big = photoset.png_bytes(np.broadcast_to(row, (10000, 12000, 4)), level=9)
    assert len(big) < 2 << 20
    assert upload(fresh, "bomb.png", big) == "error"
    c = card(fresh)
    assert "12,000×10,000" in c["error"] and "too many" in c["error"], c
    pad_still_works(fresh)


def test_a_48_megapixel_photo_is_scaled_down_then_read(fresh, mnist):
    X, y = mnist
    small = photoset.photo([X[0]], shape=(600, 800), seed=3, board=False)
    big = np.repeat(np.repeat(small, 10, axis=0), 10, axis=1)          # 8000 x 6000
    assert upload(fresh, "big.png", photoset.png_bytes(big, level=1)) == "done"
    c = card(fresh)
    assert "8,000×6,000" in c["status"] and f"{photo.MAX_SIDE:,}×768" in c["status"], c
    assert shown(fresh) == str(y[0])


def test_screenshots(fresh, mnist, browser, site_url):
    X, _ = mnist
    rgba = photoset.photo([X[i] for i in (7, 0, 2, 6)], shape=(480, 640), seed=11, board=False)
    upload(fresh, "four.png", photoset.png_bytes(rgba))
    SCREENSHOTS.mkdir(exist_ok=True)
    full_page_screenshot(fresh.page, SCREENSHOTS / "photo-desktop.png")
    fresh.page.locator("#photo").screenshot(path=str(SCREENSHOTS / "photo-card.png"))
    page = fresh.page
    page.set_viewport_size({"width": 390, "height": 844})
    try:
        assert page.evaluate("document.documentElement.scrollWidth") <= 390     # no sideways page
        page.click("#lang")                                                      # Japanese, re-worded
        assert "写真" in page.text_content("#photo-status") and page.get_attribute("html", "lang") == "ja"
        page.locator("#photo").scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / "photo-phone-ja.png"))
        page.click("#lang")
        page.locator("#photo").screenshot(path=str(SCREENSHOTS / "photo-phone-card.png"))
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})


def test_no_camera_gets_its_message_and_the_pad_goes_on(fresh):
    """The test browser has no camera at all: getUserMedia finds none, and the card says so."""
    assert fresh.page.is_visible("#photo-live")
    fresh.page.click("#photo-live")
    fresh.poll("() => document.querySelector('#photo-error').textContent !== ''")
    assert "No camera was found" in card(fresh)["error"]
    assert fresh.page.is_hidden("#photo-live-view") and not fresh.page.is_disabled("#photo-live")
    pad_still_works(fresh)


def test_a_refused_camera_then_a_granted_one_snaps_a_frame_and_stops(browser_type, site_url):
    """Chromium's fake camera (a moving test pattern). Without permission the browser refuses it
    and the card says so; with it, the view shows the camera, Snap reads one frame as a photo and
    stops the camera."""
    from .conftest import CHROMIUM, CHROMIUM_ARGS, App as Page
    browser = browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + ["--use-fake-device-for-media-stream"])
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        app = Page(context, site_url).open()
        app.page.click("#photo-live")
        app.poll("() => document.querySelector('#photo-error').textContent !== ''")
        assert "refused the camera" in card(app)["error"] and app.page.is_hidden("#photo-live-view")
        context.close()
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.grant_permissions(["camera"])
        app = Page(context, site_url).open()
        app.page.click("#photo-live")
        app.poll("() => document.querySelector('#photo-video').videoWidth > 0")
        assert app.page.is_visible("#photo-video") and not app.page.is_disabled("#photo-snap")
        SCREENSHOTS.mkdir(exist_ok=True)
        app.page.locator("#photo").screenshot(path=str(SCREENSHOTS / "photo-camera.png"))
        app.page.click("#photo-snap")
        app.poll("() => ['done', 'error'].includes(document.querySelector('#photo').dataset.state)")
        c = card(app)
        assert c["steps"][:3] == ["photo", "grey", "light"], c
        assert app.page.is_hidden("#photo-live-view")
        assert app.page.evaluate("document.querySelector('#photo-video').srcObject") is None   # stopped
        assert app.errors == []
        context.close()
    finally:
        browser.close()
