"""Shared machinery for the start-up benchmark: a byte-counting static server, Debian chromium
through Playwright, and the probes a page carries while it loads.

Bytes are counted at the server, not in the browser, so every client is included: the page, its
workers and a service worker precaching the site. That is what "bytes transferred" means on a
real network.
"""

import contextlib
import functools
import http.server
import math
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from buildlib import serving  # noqa: E402  (the server build.py serve runs)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [  # ../shared/docs/RUNTIME.md: quiet on a closed network, nothing leaves localhost
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
]
READY_TIMEOUT_S = 120

# Resource type of a served path: a pattern ending in "/" matches a folder anywhere in the path,
# any other pattern matches the path's end. The first match wins.
KINDS = (("/sw.js", "service worker"), (".wasm", "wasm"), ("/vendor/pyodide/", "pyodide js+lock"),
         ("/vendor/pyscript/", "pyscript js"), ("/weights/", "weights"), ("/py/", "python source"),
         ("/icons/", "icons"), (".js", "site js"), (".json", "json"), ("", "page"))
KINDS_BEFORE = ((".whl", "wheels"), ("python_stdlib.zip", "stdlib zip"), ("/snapshot/", "snapshot"))


def kind(path):
    path = path.split("?")[0]
    for pattern, name in KINDS_BEFORE + KINDS:
        if (pattern.endswith("/") and pattern in path) or (not pattern.endswith("/") and path.endswith(pattern)):
            return name
    return "page"


class _Counting:
    """A write-only file that counts what passes through it."""

    def __init__(self, raw):
        self.raw, self.n = raw, 0

    def write(self, data):
        self.n += len(data)
        return self.raw.write(data)

    def __getattr__(self, name):                 # closed, flush, ...: the real file's
        return getattr(self.raw, name)


class CountingHandler(serving.Handler):
    """build.py's serving rules (types, no-cache, gzip when `gzip`), plus a log of bytes per request."""


    def __init__(self, *args, log, gzip=True, **kw):
        self.byte_log, self.gzip = log, gzip
        super().__init__(*args, **kw)

    def setup(self):
        super().setup()
        self.wfile = _Counting(self.wfile)

    def _accepts_gzip(self):
        return self.gzip and super()._accepts_gzip()

    def handle_one_request(self):
        self.wfile.n = 0
        self.path = None
        super().handle_one_request()
        if self.path:
            self.byte_log.append((self.path, self.wfile.n))

    def log_request(self, code="-", size="-"):
        if str(getattr(code, "value", code)).startswith(("4", "5")):
            self.byte_log.append((f"!{code} {self.path}", 0))   # a failed request, shown by bytes_by_kind

    def log_message(self, *args):
        pass


class Server:
    """Serve one folder on 127.0.0.1:<free port> in a thread; `log` is [(path, bytes)]."""

    def __init__(self, root, gzip=True):
        """gzip=False serves every file uncompressed, as a host without compression would."""
        self.root, self.log = Path(root), []
        handler = functools.partial(CountingHandler, directory=str(self.root), log=self.log, gzip=gzip)
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def take(self):
        """-> the log since the last take, emptied."""
        out = list(self.log)
        del self.log[:len(out)]
        return out

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def bytes_by_kind(log):
    """[(path, bytes)] -> {kind: bytes}, plus "total" and "requests"."""
    failed = [p[1:] for p, _ in log if p.startswith("!")]
    out = {"total": 0, "requests": len(log) - len(failed), "failed": failed}
    for path, n in log:
        if path.startswith("!"):
            continue
        out[kind(path)] = out.get(kind(path), 0) + n
        out["total"] += n
    return out


# Runs in every page before its own scripts. It records, on the page's own clock:
# - when the pad gets its pointer listener (it can take ink from then on);
# - every long task (main thread busy > 50 ms), so we know how janky drawing is while loading;
# - every WebAssembly.Memory created (Pyodide's heap), to read its size later.
PROBE = """
(() => {
  const add = EventTarget.prototype.addEventListener;
  EventTarget.prototype.addEventListener = function (type, ...rest) {
    if (type === "pointerdown" && this.id === "pad" && !performance.getEntriesByName("bench:pad").length)
      performance.mark("bench:pad");
    return add.call(this, type, ...rest);
  };
  window.__bench = { longtasks: [], memories: [], progress: [] };
  add.call(window, "py:progress", (e) => window.__bench.progress.push([performance.now(), String(e.detail)]));
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__bench.longtasks.push([e.startTime, e.duration]);
    }).observe({ type: "longtask", buffered: true });
  } catch (e) {}
  const Memory = WebAssembly.Memory;
  WebAssembly.Memory = new Proxy(Memory, {
    construct(target, args) {
      const m = Reflect.construct(target, args);
      window.__bench.memories.push(m);
      return m;
    },
  });
})();
"""

# Read in the page after it is ready: everything on the navigation's clock (ms from its start).
TIMES_JS = """
() => {
  const t = (name) => performance.getEntriesByName(name)[0]?.startTime ?? null;
  const fcp = performance.getEntriesByType("paint").find((e) => e.name === "first-contentful-paint");
  const ready = t("digitlab:ready");
  const tasks = window.__bench.longtasks.filter(([s]) => ready === null || s < ready);
  return {
    ready, pad_listener: t("bench:pad"), fcp: fcp ? fcp.startTime : null,
    longest_task: Math.max(0, ...tasks.map(([, d]) => d)),
    blocked: tasks.reduce((a, [, d]) => a + d - 50, 0),
    controlled: !!navigator.serviceWorker?.controller,
  };
}
"""

WASM_BYTES_JS = "() => Math.max(0, ...window.__bench.memories.map((m) => m.buffer.byteLength))"


# A mid-range phone's screen; its CPU is emulated apart, with throttle().
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True,
         "has_touch": True}


def launch_profile(playwright, user_dir, phone=False):
    """A fresh browser on its own on-disk profile, as a person's browser is: unlike Playwright's
    default in-memory contexts, it has a disk HTTP cache (whose in-memory stand-in does not keep
    the 10 MB wasm) and keeps compiled code. Desktop 1280x900, or the PHONE screen.
    -> the profile's one BrowserContext."""
    screen = PHONE if phone else {"viewport": {"width": 1280, "height": 900}}
    context = playwright.chromium.launch_persistent_context(
        user_dir, executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, **screen)
    context.add_init_script(PROBE)
    return context


def throttle(page, rate):
    """Slow the page's main thread rate times (Chromium's CPU throttling through CDP, the usual
    stand-in for a phone's CPU); it holds across the page's navigations. Workers are not slowed:
    Chromium refuses the command for them ("only supported for pages")."""
    if rate and rate != 1:
        page.context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": rate})


def open_ready(context, url, rate=1):
    """A new page (CPU throttled rate times) at url, waited until the first prediction is
    possible. -> (page, errors)."""
    page = context.new_page()
    throttle(page, rate)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(url)
    page.wait_for_selector("#status[data-state=ready]", timeout=READY_TIMEOUT_S * 1000 * max(1, rate))
    return page, errors


def settle_service_worker(page, timeout_ms=60_000):
    """If the page registered a service worker, wait until it is active (its precache is done)."""
    for _ in range(timeout_ms // 50):
        state = page.evaluate("""async () => {
            if (!navigator.serviceWorker) return "none";
            const r = await navigator.serviceWorker.getRegistration();
            if (!r) return "none";
            return r.active && !r.installing && !r.waiting ? r.active.state : "pending";
        }""")
        if state in ("none", "activated"):
            return state
        page.wait_for_timeout(50)
    raise TimeoutError("the service worker did not activate")


def heap_and_wasm(page):
    """-> (JS heap used after a full GC, wasm memory) in bytes."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("HeapProfiler.collectGarbage")
        used = cdp.send("Runtime.getHeapUsage")["usedSize"]
    finally:
        cdp.detach()
    return used, page.evaluate(WASM_BYTES_JS)


# ---------------------------------------------------------------- drawing and the update floor

def pct(values, q):
    v = sorted(values)
    return v[min(len(v) - 1, int(q * len(v)))] if v else float("nan")


def strokes(page, n_moves, place=None):
    """Real mouse strokes over the pad: loops like a 0, 6 or 8, 40 moves each, Clear between.
    Before each stroke place(page) scrolls the page where the stroke should be drawn (default:
    the pad into view if it is not)."""
    done, k = 0, 0
    while done < n_moves:
        k += 1
        pad = page.locator("#pad")
        if place:
            place(page)
        else:
            pad.scroll_into_view_if_needed()
        box = pad.bounding_box()
        x0, y0, w, h = box["x"], box["y"], box["width"], box["height"]
        page.mouse.move(x0 + w * 0.5, y0 + h * 0.18)
        page.mouse.down()
        for i in range(1, 41):
            a = 2 * math.pi * i / 40
            r = 0.22 + 0.06 * math.sin(k + 3 * a)           # a different wobble each stroke
            page.mouse.move(x0 + w * (0.5 + r * math.sin(a)), y0 + h * (0.5 - 1.4 * r * math.cos(a)))
        page.mouse.up()
        done += 40
        page.click("#clear")


# The floor: a bare page with a canvas #pad and a #clear button that takes the same strokes and
# records the same measure as the page (pointer event's timeStamp -> a task queued in the
# animation frame that shows the result, as site/shim.js does), with no Python, no diagram, no DOM
# writes: only `work` ms of busy wait per update, standing in for Python + DOM (0 = nothing). Its
# modes (aligned, what shim.js does; inline; raw) are described in latency_floor.py.
FLOOR_MODES = ["aligned", "inline", "raw"]
FLOOR_PAGE = """<!doctype html><meta charset="utf-8"><title>latency floor</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<canvas id="pad" width="280" height="280" style="width:280px;height:280px;touch-action:none;
background:#000;display:block;margin:40px"></canvas><button id="clear">clear</button>
<script>
const mode = new URLSearchParams(location.search).get("mode");
const work = Number(new URLSearchParams(location.search).get("work") || 0);
const rec = [];
const busy = (ms) => { const end = performance.now() + ms; while (performance.now() < end); };
const ch = new MessageChannel(), q = [];
ch.port1.onmessage = () => q.shift()();
// The same "after the frame is rendered" as shim.js: a task queued from inside a rAF callback.
const afterPaint = (fn) => requestAnimationFrame(() => { q.push(fn); ch.port2.postMessage(0); });
let pending = null;
function measured(since, t0) {
  afterPaint(() => rec.push({ update: performance.now() - since, wait: t0 - since }));
}
const pad = document.getElementById("pad");
if (mode === "aligned") {
  pad.addEventListener("pointermove", (e) => {
    if (!e.buttons || pending !== null) return;
    pending = e.timeStamp;
    requestAnimationFrame(() => {
      const since = pending, t0 = performance.now();
      pending = null;
      busy(work);
      q.push(() => rec.push({ update: performance.now() - since, wait: t0 - since }));
      ch.port2.postMessage(0);
    });
  });
} else {
  pad.addEventListener(mode === "raw" ? "pointerrawupdate" : "pointermove", (e) => {
    if (!e.buttons) return;
    const t0 = performance.now();
    busy(work);
    measured(e.timeStamp, t0);
  });
}
window.floor = () => rec;
</script>"""


@contextlib.contextmanager
def floor_site():
    """Serve the floor page (floor.html) from a temporary folder. -> its Server."""
    with tempfile.TemporaryDirectory(prefix="digitlab-floor-site-") as site:
        Path(site, "floor.html").write_text(FLOOR_PAGE)
        server = Server(site)
        try:
            yield server
        finally:
            server.close()


def floor_records(context, url, n_moves, mode="aligned", work=0, rate=1, skip=5):
    """Draw n_moves on a new floor page of context (CPU throttled rate times) with strokes().
    -> its records [{update, wait}] (ms), less the first `skip`."""
    page = context.new_page()
    throttle(page, rate)
    try:
        page.goto(f"{url}floor.html?mode={mode}&work={work}")
        page.wait_for_timeout(200)
        strokes(page, n_moves)
        page.wait_for_timeout(300)
        recs = page.evaluate("window.floor()")[skip:]
    finally:
        page.close()
    if not recs:
        raise RuntimeError(f"floor page ({mode}): no update recorded")
    return recs
