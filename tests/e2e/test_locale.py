"""Languages, share links, stroke replay, multi-digit and accessibility, in the real page.

Real Chromium, real Pyodide, real mouse strokes; numbers are checked against CPython's digitlab.
"""

import numpy as np
import pytest

from digitlab import preprocess, segment, sharelink

from .conftest import DIGITS, SCREENSHOTS, App

pytestmark = pytest.mark.e2e

PROB_TOL = 1e-5
# Strokes as a person draws them, in pad units: a "4" in the left half, a "2" in the right half.
FOUR_LEFT = [[(0.2, 0.22), (0.1, 0.56), (0.38, 0.56)], [(0.31, 0.3), (0.3, 0.84)]]
TWO_RIGHT = [[(0.58, 0.33), (0.66, 0.22), (0.8, 0.22), (0.86, 0.34), (0.8, 0.5), (0.6, 0.8), (0.93, 0.8)]]
EIGHT = [[(0.62, 0.22), (0.45, 0.17), (0.34, 0.28), (0.5, 0.45), (0.66, 0.62), (0.55, 0.82), (0.38, 0.78),
          (0.36, 0.62), (0.5, 0.45)], [(0.5, 0.45), (0.64, 0.32), (0.62, 0.22)]]


def text(page, sel):
    return page.text_content(sel).strip()


def pad_pixels(app):
    px = app.page.evaluate("Array.from(window.digitlab.pad.pixels())")
    return np.asarray(px, np.uint8).reshape(280, 280)


def assert_probs_match_cpython(app, reference):
    snap = app.snapshot()
    x = np.asarray(snap["input"], np.float32).reshape(1, 784)
    np.testing.assert_allclose(snap["probs"], reference(snap["model"]).forward(x).probs[0], atol=PROB_TOL)
    return snap


# ---- languages ----------------------------------------------------------------------------------

def test_lang_ja_shows_japanese_and_bad_hash_does_nothing(fresh, site_url):
    """?lang=ja, opened with a hash whose every field holds markup: Japanese page, a notice, no new
    element, no dialog, nothing run. (A second page in the module's browser context: a repeat visit
    starts from the cached Python snapshot, much faster than a cold start.)"""
    context = fresh.context
    evil = "<img src=x onerror=window.__pwned=1>"
    fields = ["v", "m", "s", "db", "dn", "dl", "do"]
    hash_ = "&".join(f"{f}={evil}" for f in fields)
    app = App(context, site_url)
    dialogs = []
    app.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        app.open("?lang=ja#" + hash_)
        page = app.page
        app.poll("() => !document.querySelector('#share-notice').hidden")
        assert page.get_attribute("html", "lang") == "ja"
        assert text(page, "#draw-h") == "描く"
        assert text(page, "#undo") == "元に戻す" and text(page, "#clear") == "消去"
        assert text(page, "#result-h") == "どのくらい確かか"
        assert text(page, "#lang") == "English"
        assert text(page, "#share") == "リンクをコピー"
        assert text(page, "#status .status-text").startswith("準備完了")
        assert text(page, "#prediction .pred-text") == "判定するものがありません"
        assert page.get_attribute("#pad", "aria-label").startswith("描画パッド")
        notice = text(page, "#share-notice")
        assert "無視しました" in notice and "<" not in notice and "img" not in notice
        assert page.evaluate("document.querySelectorAll('img:not(.samples img)').length") == 0   # no injected <img>
        assert page.evaluate("window.__pwned") is None and dialogs == []
        app.draw(DIGITS[7])
        assert "確信度" in text(page, "#prediction .pred-text")
        assert "と読みました" in text(page, "#prediction [aria-live]")
        page.locator("#network").scroll_into_view_if_needed()     # off screen the diagram waits
        app.poll("() => window.digitlab.snapshot().diagram")
        assert "本中" in text(page, "#net-caption")
        assert "ユニット" in page.text_content("#network") or "フィルタ" in page.text_content("#network")
        assert page.evaluate("window.__pwned") is None and dialogs == []
        assert app.errors == [] and app.foreign_requests() == []
    finally:
        app.page.close()


def test_toggle_switches_instantly_mid_drawing(fresh):
    page = fresh.page
    assert text(page, "#lang") == "日本語" and page.get_attribute("html", "lang") == "en"
    page.focus("#lang")
    b = fresh.pad_box()
    xy = lambda u, v: (b["x"] + u * b["width"], b["y"] + v * b["height"])
    m = page.mouse
    m.move(*xy(0.3, 0.2))
    m.down()
    for i in range(1, 10):
        m.move(*xy(0.3 + 0.04 * i, 0.2))
    page.keyboard.press("Enter")                         # the pen is still down
    assert page.get_attribute("html", "lang") == "ja"
    assert text(page, "#draw-h") == "描く" and text(page, "#lang") == "English"
    n = fresh.updates()
    for i in range(1, 12):
        m.move(*xy(0.66 - 0.02 * i, 0.2 + 0.06 * i))
    m.up()
    fresh.wait_update(n)
    page.wait_for_timeout(100)
    strokes = page.evaluate("window.digitlab.pad.strokes.map(s => s.pts.length / 2)")
    assert len(strokes) == 1 and strokes[0] >= 20       # one stroke, carried on through the switch
    assert "確信度" in text(page, "#prediction .pred-text")
    page.keyboard.press("Enter")                         # back to English
    assert page.get_attribute("html", "lang") == "en" and text(page, "#draw-h") == "Draw"
    assert "confidence" in text(page, "#prediction .pred-text")


# ---- share links --------------------------------------------------------------------------------

def test_share_link_round_trips(fresh, site_url, reference):
    page = fresh.page
    fresh.choose("mlp-128-64")
    damage = page.evaluate("!!window.digitlab.damage?.get")
    if damage:
        page.evaluate("window.digitlab.damage.set({bias: false, noise: 0.4, layers: [], neurons: [], prune: 0.3,"
                      " temperature: 2, scales: {'h1:3': 0.5}})")
    fresh.draw(DIGITS[3])
    before = fresh.snapshot()
    page.click("#share")
    fresh.poll("() => location.hash.includes('s=')")
    link = page.url
    assert not page.is_hidden("#share-notice")
    state, notices = sharelink.decode(link.split("#", 1)[1])
    assert notices == [] and state["model"] == "mlp-128-64" and len(state["strokes"]) == 1
    assert ("damage" in state) == damage
    # The link holds the strokes on a 1/4095 grid: put exactly those on this pad for the exact check.
    n = fresh.updates()
    page.evaluate("s => { window.digitlab.pad.setStrokes(s); window.digitlab.update(); }", state["strokes"])
    fresh.wait_update(n)
    quantised = fresh.snapshot()
    np.testing.assert_allclose(quantised["probs"], before["probs"], atol=2e-3)

    other = App(fresh.context, site_url)
    try:
        other.open(link[len(site_url):])
        other.poll("() => window.digitlab.snapshot()?.model === 'mlp-128-64' && window.digitlab.pad.strokes.length === 1"
                   " && window.digitlab.snapshot().probs")
        other.page.wait_for_timeout(200)
        # damaged weights differ from CPython's shipped ones: the first page is the reference then
        after = other.snapshot() if damage else assert_probs_match_cpython(other, reference)
        assert after["model"] == "mlp-128-64"
        np.testing.assert_allclose(after["probs"], quantised["probs"], atol=1e-6)
        shown = other.page.evaluate("window.digitlab.pad.strokes")
        np.testing.assert_allclose(shown[0]["pts"], state["strokes"][0]["pts"], atol=1e-12)
        if damage:
            got = other.page.evaluate("window.digitlab.damage.get()")
            assert (got["noise"], got["prune"], got["temperature"], got["scales"]) == (0.4, 0.3, 2, {"h1:3": 0.5})
        assert other.page.input_value("#model") == "mlp-128-64"
        assert other.errors == [] and other.foreign_requests() == []
    finally:
        other.page.close()
        if damage:
            page.evaluate("window.digitlab.damage.set({bias: false, noise: 0, layers: [], neurons: []})")
        page.evaluate("history.replaceState(null, '', location.pathname)")


def test_a_malicious_hash_change_does_nothing(fresh):
    page = fresh.page
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    imgs = page.evaluate("document.querySelectorAll('img').length")
    for field in ["v", "m", "s", "db", "dn", "dl", "do"]:
        for evil in ["<img src=x onerror=window.__pwned=1>", "javascript:window.__pwned=1", "NaN", "1e999"]:
            page.evaluate("h => { location.hash = h; }", f"v=1&{field}={evil}")
            fresh.poll("() => !document.querySelector('#share-notice').hidden")
            assert page.evaluate("document.querySelectorAll('img').length") == imgs
            assert page.evaluate("window.__pwned") is None and dialogs == []
            assert "<" not in text(page, "#share-notice")
            page.evaluate("document.querySelector('#share-notice').hidden = true")
    assert fresh.snapshot()["model"] == "cnn"
    page.evaluate("history.replaceState(null, '', location.pathname)")


# ---- stroke replay ------------------------------------------------------------------------------

def test_replay_has_a_point_per_stroke_and_scrubs(fresh, reference):
    page = fresh.page
    strokes = EIGHT + [[(0.3, 0.9), (0.7, 0.9)]]
    fresh.draw(strokes)
    fresh.poll("() => document.querySelector('#replay').dataset.points === '3'")
    points = page.eval_on_selector_all("#replay [data-stroke]", "es => es.map(e => [e.dataset.stroke, "
                                       "Number(e.dataset.digit), Number(e.dataset.p)])")
    assert [p[0] for p in points] == ["1", "2", "3"]
    snap = assert_probs_match_cpython(fresh, reference)
    assert points[-1][1] == int(np.argmax(snap["probs"]))
    assert points[-1][2] == pytest.approx(max(snap["probs"]), abs=PROB_TOL)
    full = page.evaluate("window.digitlab.pad.strokes")
    page.focus("#replay-scrub")
    n = fresh.updates()
    page.keyboard.press("Home")                          # 0 strokes
    page.keyboard.press("ArrowRight")                    # the first stroke only
    fresh.wait_update(n)
    fresh.poll("() => window.digitlab.pad.strokes.length === 1 && window.digitlab.snapshot().probs")
    page.wait_for_timeout(150)
    shown = page.evaluate("window.digitlab.pad.strokes")
    assert shown[0]["pts"] == full[0]["pts"]
    snap = assert_probs_match_cpython(fresh, reference)
    assert int(np.argmax(snap["probs"])) == points[0][1]
    assert max(snap["probs"]) == pytest.approx(points[0][2], abs=PROB_TOL)
    assert page.get_attribute("#replay .marker", "data-k") == "1"
    assert len(page.query_selector_all("#replay [data-stroke]")) == 3    # the chart keeps the whole drawing
    n = fresh.updates()
    page.keyboard.press("End")
    fresh.wait_update(n)
    fresh.poll("() => window.digitlab.pad.strokes.length === 3")
    assert page.evaluate("window.digitlab.pad.strokes") == full


# ---- multi-digit --------------------------------------------------------------------------------

def test_four_and_two_apart_read_as_42(fresh, reference):
    page = fresh.page
    fresh.draw(FOUR_LEFT + TWO_RIGHT)
    fresh.poll("() => document.querySelector('#digits').dataset.sequence !== ''")
    assert page.get_attribute("#digits", "data-sequence") == "42"
    assert page.is_visible("#digits")
    parts = segment.split(pad_pixels(fresh))                  # the same reading in CPython
    X = np.stack([preprocess.to_mnist(p).reshape(784) for p in parts])
    assert "".join(map(str, reference("cnn").forward(X).probs.argmax(axis=1))) == "42"
    fresh.clear()
    fresh.draw(DIGITS[3])
    assert page.get_attribute("#digits", "data-sequence") == ""
    assert page.is_hidden("#digits")


# ---- accessibility ------------------------------------------------------------------------------

def test_keyboard_focus_live_region_and_reduced_motion(fresh):
    page = fresh.page
    page.focus("#lang")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "share"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    live = page.locator("#prediction [aria-live=polite]")
    assert live.count() == 1
    # Announced on a change of digit or state only, and not while the pen is down (aria-busy):
    # the answer flickers mid-stroke, a screen reader reads it once the stroke has landed.
    page.evaluate("""() => { window.__spoken = {busy: 0, said: 0};
        const live = document.querySelector('#prediction [aria-live]');
        new MutationObserver(() => window.__spoken[live.getAttribute('aria-busy') === 'true' ? 'busy' : 'said']++)
          .observe(live, {childList: true, characterData: true, subtree: true}); }""")
    n = fresh.updates()
    fresh.draw(DIGITS[7])
    fresh.page.wait_for_timeout(100)
    assert fresh.updates() - n > 5
    spoken = page.evaluate("window.__spoken")
    assert spoken["busy"] >= 1 and spoken["said"] <= 1, spoken
    assert page.get_attribute("#prediction [aria-live]", "aria-busy") == "false"
    fresh.poll("() => !document.querySelector('#replay-scrub').disabled")    # a drawing to replay
    page.focus("#model")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "replay-scrub"
    page.emulate_media(reduced_motion="reduce")
    dur = page.evaluate("getComputedStyle(document.querySelector('#status .status-bar > span')).animationName")
    assert dur == "none"
    page.emulate_media(reduced_motion="no-preference")


DEUTERANOPIA = "0.367 0.861 -0.228 0 0  0.280 0.673 0.047 0 0  -0.012 0.043 0.969 0 0  0 0 0 1 0"
PROTANOPIA = "0.152 1.053 -0.205 0 0  0.115 0.786 0.099 0 0  -0.004 -0.048 1.052 0 0  0 0 0 1 0"


def test_screenshots_and_colour_blind_view(fresh):
    """Desktop and phone, in both languages, and the page as deuteranopes and protanopes see it
    (Machado et al. 2009 matrices, severity 1) -- looked at by a person, see the report."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page = fresh.page
    fresh.draw(FOUR_LEFT + TWO_RIGHT)
    page.locator("#network").scroll_into_view_if_needed()
    fresh.poll("() => window.digitlab.snapshot().diagram")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / "locale-desktop-en.png"))
    page.click("#lang")
    page.screenshot(path=str(SCREENSHOTS / "locale-desktop-ja.png"))
    page.click("#lang")
    for name, matrix in [("deuteranopia", DEUTERANOPIA), ("protanopia", PROTANOPIA)]:
        page.evaluate("""([name, m]) => {
            const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
            svg.id = 'cb-sim'; svg.setAttribute('width', 0); svg.setAttribute('height', 0);
            svg.innerHTML = `<filter id="cb-${name}"><feColorMatrix type="matrix" values="${m}"/></filter>`;
            document.body.appendChild(svg); }""", [name, matrix])
        # The page's CSP refuses a <style> tag (add_style_tag); a style set through the CSSOM is allowed.
        page.evaluate("name => { document.body.style.filter = `url(#cb-${name})`; }", name)
        page.locator(".net").screenshot(path=str(SCREENSHOTS / f"locale-{name}-network.png"))
        page.locator(".card.draw").screenshot(path=str(SCREENSHOTS / f"locale-{name}-draw.png"))
        page.locator(".card.result").screenshot(path=str(SCREENSHOTS / f"locale-{name}-result.png"))  # bars, replay
        page.evaluate("() => { document.body.style.filter = ''; document.querySelector('#cb-sim').remove(); }")
    # The phone layout (390 wide; test_page.py covers a real touch phone): the same page, narrowed.
    page.set_viewport_size({"width": 390, "height": 844})
    try:
        fresh.clear()
        fresh.draw(EIGHT)
        for lang in ("ja", "en"):
            page.evaluate("window.scrollTo(0, 0)")
            if page.get_attribute("html", "lang") != lang:
                page.click("#lang")
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(SCREENSHOTS / f"locale-phone-{lang}.png"))
            page.locator(".replay").scroll_into_view_if_needed()
            page.screenshot(path=str(SCREENSHOTS / f"locale-phone-replay-{lang}.png"))
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways on a phone: {width}px"
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})
