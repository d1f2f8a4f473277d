"""The lowest `digitlab:update` any page can reach here: the same measure on a page that does nothing.

    python3 benchmarks/latency_floor.py [--runs 3] [--moves 400] [--work-ms 0,5]

The page's update is measured from the pointer event's timeStamp to a task queued in the
animation frame that shows the result, which runs once that frame is rendered (site/shim.js).
This serves a bare page with a canvas `#pad` and a `#clear` button, the same mouse strokes as
page_bench.py, and the same measure, with no Python, no diagram, no DOM writes: only the
handler's own `work` (a busy wait standing in for Python + DOM, 0 ms = nothing at all):

  aligned   pointermove -> requestAnimationFrame -> work -> after paint  (what shim.js does)
  inline    pointermove -> work at once              -> next rAF -> after paint
  raw       pointerrawupdate (not frame-aligned)     -> work at once -> next rAF -> after paint

If even `aligned` with 0 ms of work sits above a goal, no page code can meet that goal with
this measure on this browser; `raw` shows what starting the work before the frame would gain.
Prints medians over fresh browsers of each run's p50 / p95 (ms), with the load average.
"""

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sitebench as sb  # noqa: E402
from page_bench import pct, strokes  # noqa: E402

PAGE = """<!doctype html><meta charset="utf-8"><title>latency floor</title>
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

MODES = ["aligned", "inline", "raw"]


def one_run(playwright, url, modes, works, n_moves):
    """-> {(mode, work): (p50, p95, wait p50, n)} from one fresh browser."""
    out = {}
    with tempfile.TemporaryDirectory(prefix="digitlab-floor-") as profile:
        context = sb.launch_profile(playwright, profile)
        try:
            for mode in modes:
                for work in works:
                    page = context.new_page()
                    page.goto(f"{url}floor.html?mode={mode}&work={work}")
                    page.wait_for_timeout(200)
                    strokes(page, n_moves)
                    page.wait_for_timeout(300)
                    recs = page.evaluate("window.floor()")[5:]
                    page.close()
                    if not recs:
                        raise RuntimeError(f"{mode}: the page recorded no update")
                    u, w = [r["update"] for r in recs], [r["wait"] for r in recs]
                    out[mode, work] = (pct(u, 0.5), pct(u, 0.95), pct(w, 0.5), len(recs))
        finally:
            context.close()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--moves", type=int, default=400)
    ap.add_argument("--work-ms", default="0,5", help="busy work per update, ms, comma-separated")
    ap.add_argument("--modes", default=",".join(MODES))
    args = ap.parse_args()
    works = [float(w) for w in args.work_ms.split(",")]
    modes = args.modes.split(",")
    with tempfile.TemporaryDirectory(prefix="digitlab-floor-site-") as site:
        Path(site, "floor.html").write_text(PAGE)
        server = sb.Server(site)
        try:
            with sync_playwright() as p:
                runs = [one_run(p, server.url, modes, works, args.moves) for _ in range(args.runs)]
        finally:
            server.close()
    med = lambda k, i: statistics.median(r[k][i] for r in runs)  # noqa: E731
    print(f"load average {os.getloadavg()[0]:.2f}; {args.runs} fresh browsers, {args.moves} moves each\n")
    print("| mode | work per update | update p50 / p95 ms | event -> handler p50 ms | updates |")
    print("|---|---|---|---|---|")
    for mode in modes:
        for work in works:
            k = (mode, work)
            print(f"| {mode} | {work:g} ms | {med(k, 0):.1f} / {med(k, 1):.1f} | {med(k, 2):.1f} | {med(k, 3):.0f} |")


if __name__ == "__main__":
    main()
