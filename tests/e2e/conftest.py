"""The built page in Debian chromium: a local server for dist/, a browser, and a person's hands.

The site is served from $DIGITLAB_DIST (default <repo>/dist, see tests/conftest.py) on a free
127.0.0.1 port for the whole session. Chromium resolves every other host to nothing
(--host-resolver-rules), and each page records every request and console error so a test can
assert that nothing left localhost and nothing went wrong.
"""

import functools
import http.server
import math
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from buildlib import serving  # noqa: E402
from digitlab import models  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
]
READY_TIMEOUT_MS = 120_000      # cold start is 7-9 s on an idle 2-core machine; allow for load
SCREENSHOTS = Path(__file__).parent / "screenshots"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


class _Quiet(serving.Handler):
    """build.py serve's handler (types, no-cache, gzip), without its request log."""

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def site_url(dist_dir):
    """Serve dist/ on 127.0.0.1:<free port> in a thread; stopped when the session ends."""
    handler = functools.partial(_Quiet, directory=str(dist_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


class App:
    """One page of the site, with everything it requested and every error it printed."""

    def __init__(self, context, url):
        self.context, self.url = context, url
        self.requests, self.errors = [], []
        context.on("request", lambda r: self.requests.append(r.url))
        self.page = context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))

    def open(self, query=""):
        self.page.goto(self.url + query)
        self.page.wait_for_selector("#status[data-state=ready]", timeout=READY_TIMEOUT_MS)
        self.wait_update(0)
        return self

    def poll(self, js, arg=None, timeout_ms=60_000):
        """Wait until the function `js` is truthy in the page. (page.wait_for_function compiles
        its predicate with eval, which the page's Content-Security-Policy rightly refuses.)"""
        for _ in range(timeout_ms // 25):
            if self.page.evaluate(js, arg):
                return
            self.page.wait_for_timeout(25)
        raise TimeoutError(f"timed out waiting for {js} ({arg})")

    # ---- what the page shows ----

    def snapshot(self):
        return self.page.evaluate("window.digitlab.snapshot()")

    def prediction(self):
        return self.page.eval_on_selector(
            "#prediction", "e => ({...e.dataset, text: e.querySelector('.pred-text').textContent,"
                           " speak: e.querySelector('[aria-live]').textContent})")

    def updates(self):
        return self.page.evaluate("performance.getEntriesByName('digitlab:update').length")

    def wait_update(self, since=None, model=None):
        """Wait until an update newer than `since` (a count of digitlab:update measures) is shown."""
        since = self.updates() if since is None else since
        self.poll("([n, m]) => performance.getEntriesByName('digitlab:update').length > n &&"
                  " (!m || window.digitlab.snapshot()?.model === m)", [since, model])

    # ---- what a person does ----

    def pad_box(self):
        """The pad's box in viewport pixels, after scrolling it into view (clicks elsewhere scroll)."""
        pad = self.page.locator("#pad")
        pad.scroll_into_view_if_needed()
        return pad.bounding_box()

    def stroke(self, points, steps=6):
        """Drag the mouse through `points` (pad units, 0..1), like a hand: many small moves."""
        b = self.pad_box()
        xy = [(b["x"] + u * b["width"], b["y"] + v * b["height"]) for u, v in points]
        m = self.page.mouse
        m.move(*xy[0])
        m.down()
        for (x0, y0), (x1, y1) in zip(xy, xy[1:]):
            for i in range(1, steps + 1):
                m.move(x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps)
        m.up()

    def draw(self, strokes):
        n = self.updates()
        for s in strokes:
            self.stroke(s)
        self.wait_update(n)
        self.page.wait_for_timeout(100)        # let the last frame (latest wins) land
        return self.prediction()

    def clear(self):
        n = self.updates()
        self.page.click("#clear")
        self.wait_update(n)

    def choose(self, model):
        n = self.updates()
        self.page.select_option("#model", model)
        self.wait_update(n, model)

    def foreign_requests(self):
        return [u for u in self.requests if not u.startswith(self.url) and not u.startswith("data:")]


# One key, then a frame and a task: CodeMirror reads each key's DOM change (and the selection) in
# its own observers. Keys sent at machine speed into a busy page were read out of order in CI
# ("BOX" became "BO...X"), as no person's typing is; the wait keeps every key real and in order.
SETTLE = "() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))"


def type_keys(page, text):
    """Type `text` with the real keyboard, one key at a time ("\n" is Enter)."""
    for ch in text:
        page.keyboard.type(ch)
        page.evaluate(SETTLE)


# Cards away from the screen are not rendered (content-visibility: auto, style.css), and a
# full-page capture does not scroll them into view: render them all while it is taken.
SHOW_ALL_CARDS = """(on) => {
  if (on) {
    window.__allCards = new CSSStyleSheet();
    window.__allCards.replaceSync('.card { content-visibility: visible !important; }');
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, window.__allCards];
  } else {
    document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== window.__allCards);
  }
  return new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
}"""


def full_page_screenshot(page, path):
    """The whole page as a person scrolling through it sees it, every card rendered."""
    page.evaluate(SHOW_ALL_CARDS, True)
    page.screenshot(path=str(path), full_page=True)
    page.evaluate(SHOW_ALL_CARDS, False)


def ellipse(cx, cy, rx, ry, n=36, start=-math.pi / 2):
    return [(cx + rx * math.cos(start + 2 * math.pi * i / n), cy + ry * math.sin(start + 2 * math.pi * i / n))
            for i in range(n + 2)]


# Digits as a person draws them, in pad units (x right, y down), one list per stroke.
DIGITS = {
    0: [ellipse(0.5, 0.5, 0.2, 0.32)],
    1: [[(0.52, 0.16), (0.51, 0.5), (0.5, 0.84)]],
    3: [[(0.3, 0.22), (0.45, 0.14), (0.62, 0.18), (0.66, 0.32), (0.48, 0.47), (0.66, 0.6),
         (0.68, 0.76), (0.5, 0.86), (0.3, 0.8)]],
    7: [[(0.28, 0.2), (0.72, 0.2), (0.55, 0.5), (0.44, 0.84)]],
}


@pytest.fixture(scope="module")
def reference(dist_dir):
    """name -> the CPython network loaded from the very weights the page was served."""
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = models.load(name, root=dist_dir / "weights")
        return cache[name]
    return get


@pytest.fixture(scope="module")
def app(browser, site_url):
    """One desktop page for a module's tests (booting Pyodide per test would take minutes)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    a = App(context, site_url).open()
    yield a
    context.close()


@pytest.fixture
def fresh(app):
    """The shared page, cleared and on the default model; fails the test on new errors or foreign requests."""
    if app.snapshot()["model"] != "cnn":
        app.choose("cnn")
    app.clear()
    n_err = len(app.errors)
    yield app
    assert app.errors[n_err:] == [], app.errors[n_err:]
    assert app.foreign_requests() == []
