"""The lowest `digitlab:update` any page can reach here: the same measure on a page that does nothing.

    python3 benchmarks/latency_floor.py [--runs 3] [--moves 400] [--work-ms 0,5] [--phone] [--throttle 4]

The page's update is measured from the pointer event's timeStamp to a task queued in the
animation frame that shows the result, which runs once that frame is rendered (site/shim.js).
This serves a bare page (sitebench.FLOOR_PAGE) with a canvas `#pad` and a `#clear` button, the
same mouse strokes as page_bench.py, and the same measure, with no Python, no diagram, no DOM
writes: only the handler's own `work` (a busy wait standing in for Python + DOM, 0 ms = nothing):

  aligned   pointermove -> requestAnimationFrame -> work -> after paint  (what shim.js does)
  inline    pointermove -> work at once              -> next rAF -> after paint
  raw       pointerrawupdate (not frame-aligned)     -> work at once -> next rAF -> after paint

If even `aligned` with 0 ms of work sits above a goal, no page code can meet that goal with
this measure on this browser; `raw` shows what starting the work before the frame would gain.
Prints medians over fresh browsers of each run's p50 / p95 (ms), with the load average.
page_bench.py measures the `aligned`, 0 ms floor alongside Digit Lab, run for run.
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


def one_run(playwright, url, modes, works, n_moves, phone=False, rate=1):
    """-> {(mode, work): (p50, p95, wait p50, n)} from one fresh browser."""
    out = {}
    with tempfile.TemporaryDirectory(prefix="digitlab-floor-") as profile:
        context = sb.launch_profile(playwright, profile, phone)
        try:
            for mode in modes:
                for work in works:
                    recs = sb.floor_records(context, url, n_moves, mode, work, rate)
                    u, w = [r["update"] for r in recs], [r["wait"] for r in recs]
                    out[mode, work] = (sb.pct(u, 0.5), sb.pct(u, 0.95), sb.pct(w, 0.5), len(recs))
        finally:
            context.close()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--moves", type=int, default=400)
    ap.add_argument("--work-ms", default="0,5", help="busy work per update, ms, comma-separated")
    ap.add_argument("--modes", default=",".join(sb.FLOOR_MODES))
    ap.add_argument("--phone", action="store_true", help="390x844 at DPR 3, touch (sitebench.PHONE)")
    ap.add_argument("--throttle", type=float, default=1, help="CPU slowdown of the page (CDP), e.g. 4")
    args = ap.parse_args()
    works = [float(w) for w in args.work_ms.split(",")]
    modes = args.modes.split(",")
    with sb.floor_site() as server, sync_playwright() as p:
        runs = [one_run(p, server.url, modes, works, args.moves, args.phone, args.throttle) for _ in range(args.runs)]
    med = lambda k, i: statistics.median(r[k][i] for r in runs)  # noqa: E731
    where = ("phone 390x844" if args.phone else "desktop 1280x900") + (f", CPU throttled {args.throttle:g}x"
                                                                       if args.throttle != 1 else "")
    print(f"{where}; load average {os.getloadavg()[0]:.2f}; {args.runs} fresh browsers, {args.moves} moves each\n")
    print("| mode | work per update | update p50 / p95 ms | event -> handler p50 ms | updates |")
    print("|---|---|---|---|---|")
    for mode in modes:
        for work in works:
            k = (mode, work)
            print(f"| {mode} | {work:g} ms | {med(k, 0):.1f} / {med(k, 1):.1f} | {med(k, 2):.1f} | {med(k, 3):.0f} |")


if __name__ == "__main__":
    main()
