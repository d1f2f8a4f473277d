"""Live-update cost of the page, per model, in headless Debian chromium, and what it adds
above the floor (the same measure on a bare page that does nothing, latency_floor.py).

    python3 build.py build
    python3 benchmarks/page_bench.py [--runs 3] [--moves 300] [--models cnn,mlp-25-25]
                                     [--phone] [--throttle 4] [--diagram on|off|forced] [--no-floor]

Each run starts a fresh browser on its own profile (benchmarks/sitebench.py), opens the page
cold, waits for `digitlab:ready`, then opens it again (repeat visit). On the repeat page it
draws with real mouse strokes, a few hundred moves per model, and reads the page's own record
of every update (window.digitlab.timings()). Alternating with it, run for run (page first in
odd runs, floor first in even ones), another fresh browser with the same screen and CPU
throttling draws the same strokes on the bare floor page (sitebench.FLOOR_PAGE), once per
model; "above the floor" is the median over runs of the page's p50 (p95) minus its run's floor.

  update   pointer event's timeStamp -> the frame showing the result has been rendered
           (= the `digitlab:update` measure)
  wait     event -> the animation frame that handles it starts (rAF alignment)
  work     frame start -> rendered: the part this code controls (call + draw + paint)
  call     the Python call as JS sees it; python: the same on Python's clock, split in stages
  draw     JS copying the result into the DOM; paint: style, layout, paint of that frame

Screens: desktop 1280x900, or --phone 390x844 at DPR 3 with touch; --throttle N slows the
main thread of both pages N times (CDP Emulation.setCPUThrottlingRate; workers are not slowed).
--diagram places the page before each stroke, the whole pad always in view:
  on      scrolled to show as much of #network as possible (default on the desktop)
  off     scrolled to show as little of it as possible (default with --phone)
  forced  as `on`, and the page is told #network is on screen (its IntersectionObserver is
          stubbed), so every update computes and draws the diagram even where the layout keeps it
          below the fold; a diagram off screen may paint for less than one on screen
The page itself skips the diagram's work while #network is more than 200 px off screen; the
report says how much of #network's box was in the viewport and how many updates drew it.
Blank updates (after Clear) and the first few after a model switch are left out. Prints
Markdown tables of medians over runs (each run's p50/p95), with the machine's load average,
because this machine is shared: a busy neighbour slows every figure.
"""

import argparse
import contextlib
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sitebench as sb  # noqa: E402

from sitebench import pct, strokes  # noqa: E402,F401  (editor_bench.py uses pb.pct)

ROOT = Path(__file__).resolve().parents[1]
ALL = ["mlp-25-25", "mlp-128-64", "mlp-128-64-32", "cnn-small", "cnn"]
SKIP_AFTER_SWITCH = 5
# #13's goals: what the page adds above the floor, p50 / p95 ms (desktop; phone throttled 4x),
# and Python per update on its own clock (desktop).
GOAL_ABOVE = {"desktop": (4, 8), "phone": (10, 20)}
GOAL_PYTHON = {"mlp": 1.0, "cnn": 1.5}

# Scroll so that the whole pad is in view and #network as much (arguments [true]) or as little
# ([false]) as it can be.
PLACE_JS = """(most) => {
  const pad = document.querySelector("#pad").getBoundingClientRect();
  const net = document.querySelector("#network").getBoundingClientRect();
  const y = scrollY, vh = innerHeight, m = 8;
  const lo = y + pad.bottom + m - vh, hi = y + pad.top - m;   // the pad is wholly in view between
  const below = net.top > pad.top;
  const target = most ? (below ? y + net.bottom + m - vh : y + net.top - m) : (below ? lo : hi);
  scrollTo(scrollX, Math.max(lo, Math.min(hi, target)));
}"""
# Share of #network's box inside the viewport.
IN_VIEW_JS = """() => {
  const r = document.querySelector("#network").getBoundingClientRect();
  const w = Math.max(0, Math.min(r.right, innerWidth) - Math.max(r.left, 0));
  const h = Math.max(0, Math.min(r.bottom, innerHeight) - Math.max(r.top, 0));
  return r.width * r.height ? w * h / (r.width * r.height) : 0;
}"""
# --diagram forced: the page's IntersectionObserver sees #network on screen, always.
FORCE_DIAGRAM = """(() => {
  const IO = window.IntersectionObserver;
  const seen = (e) => e.target.id !== "network" ? e : { target: e.target, time: e.time, isIntersecting: true,
    intersectionRatio: 1, boundingClientRect: e.boundingClientRect, intersectionRect: e.boundingClientRect,
    rootBounds: e.rootBounds };
  window.IntersectionObserver = class extends IO {
    constructor(callback, options) { super((entries, obs) => callback(entries.map(seen), obs), options); }
  };
})();"""
PLACES = {"on": lambda page: page.evaluate(PLACE_JS, True), "off": lambda page: page.evaluate(PLACE_JS, False)}
PLACES["forced"] = PLACES["on"]


def model_run(page, model, n_moves, place=None):
    """-> list of per-update records for model (non-blank, after warm-up)."""
    page.select_option("#model", model)
    page.wait_for_timeout(300)
    strokes(page, n_moves, place)
    page.wait_for_timeout(300)
    # By model, not by index: the page keeps only its last 1,000-2,000 records (shim.js), and
    # each model is drawn with once per page.
    recs = [r for r in page.evaluate("window.digitlab.timings()") if r["model"] == model and not r["blank"]]
    return recs[SKIP_AFTER_SWITCH:]


def summarise(recs):
    out = {"n": len(recs)}
    for key in ("update", "wait", "call", "python", "draw", "paint"):
        v = [r[key] for r in recs]
        out[key] = (pct(v, 0.5), pct(v, 0.95))
    work = [r["update"] - r["wait"] for r in recs]
    out["work"] = (pct(work, 0.5), pct(work, 0.95))
    out["share"] = statistics.median(r["python"] / r["update"] for r in recs if r["update"] > 0)
    out["with_diagram"] = sum(r["diagram"] for r in recs) / max(1, len(recs))
    stages = dict.fromkeys(s for r in recs for s in r["stages"])   # "view" only where the diagram was drawn
    out["stages"] = {s: statistics.mean(r["stages"][s] for r in recs if s in r["stages"]) for s in stages}
    return out


def page_run(playwright, server, models, n_moves, phone=False, rate=1, diagram="on"):
    """One fresh browser on Digit Lab: cold visit, repeat visit, then every model drawn with."""
    with tempfile.TemporaryDirectory(prefix="digitlab-pagebench-") as profile:
        context = sb.launch_profile(playwright, profile, phone)
        if diagram == "forced":
            context.add_init_script(FORCE_DIAGRAM)
        try:
            cold_page, errors = sb.open_ready(context, server.url, rate)
            cold = cold_page.evaluate(sb.TIMES_JS)
            cold_page.close()
            page, errors2 = sb.open_ready(context, server.url, rate)
            repeat = page.evaluate(sb.TIMES_JS)
            per_model = {}
            for m in models:
                PLACES[diagram](page)
                in_view = page.evaluate(IN_VIEW_JS)
                per_model[m] = {**summarise(model_run(page, m, n_moves, PLACES[diagram])), "in_view": in_view}
            return {"cold": cold, "repeat": repeat, "models": per_model, "errors": errors + errors2}
        finally:
            context.close()


def floor_run(playwright, floor_url, models, n_moves, phone=False, rate=1):
    """One fresh browser on the floor page: the same strokes once per model. -> {model: figures}."""
    with tempfile.TemporaryDirectory(prefix="digitlab-pagebench-floor-") as profile:
        context = sb.launch_profile(playwright, profile, phone)
        try:
            out = {}
            for m in models:
                recs = sb.floor_records(context, floor_url, n_moves, rate=rate, skip=SKIP_AFTER_SWITCH)
                u, w = [r["update"] for r in recs], [r["wait"] for r in recs]
                out[m] = {"update": (pct(u, 0.5), pct(u, 0.95)), "wait": (pct(w, 0.5), pct(w, 0.95)), "n": len(recs)}
            return out
        finally:
            context.close()


def med(values, digits=2):
    values = [v for v in values if v is not None and not math.isnan(v)]
    return f"{statistics.median(values):.{digits}f}" if values else "–"


def p50_p95(runs, pick):
    """-> "p50 / p95": medians over runs of pick(run, 0) and pick(run, 1)."""
    return f"{med([pick(r, 0) for r in runs])} / {med([pick(r, 1) for r in runs])}"


def report(runs, models, n_moves, phone, rate, diagram, load0):
    load = os.getloadavg()
    where = ("phone 390x844 at DPR 3" if phone else "desktop 1280x900") + \
        (f", CPU throttled {rate:g}x (main thread)" if rate != 1 else "")
    floor = all(r.get("floor") for r in runs)
    print(f"\nHeadless Debian chromium, {where}, diagram {diagram}, {len(runs)} fresh browsers"
          + (" for the page and as many for the bare floor page, alternating" if floor else "")
          + f", ~{n_moves} mouse moves per model; load average {load0[0]:.1f} / {load0[1]:.1f} before, "
          f"{load[0]:.1f} / {load[1]:.1f} after, on {os.cpu_count()} cores.\n")
    print("| start-up (median) | ms |\n|---|---|")
    for label, visit, key in (("pad listener attached", "cold", "pad_listener"),
                              ("first contentful paint", "cold", "fcp"),
                              ("digitlab:ready, cold", "cold", "ready"),
                              ("digitlab:ready, repeat visit", "repeat", "ready"),
                              ("longest main-thread task before ready, cold", "cold", "longest_task")):
        print(f"| {label} | {med([r[visit][key] for r in runs], 0)} |")
    print("\n| per update, ms (median of runs' p50 / p95) | " + " | ".join(models) + " |")
    print("|---|" + "---|" * len(models))

    def row(label, cells):
        print(f"| {label} | " + " | ".join(cells) + " |")

    rows = (("event → frame rendered (digitlab:update)", "update"), ("  waiting for the frame", "wait"),
            ("  frame start → rendered (our work)", "work"), ("  Python call, JS clock", "call"),
            ("  Python, its own clock", "python"), ("  DOM update", "draw"), ("  style/layout/paint", "paint"))
    for label, key in rows[:1]:
        row(f"**Digit Lab**, {label}", [p50_p95(runs, lambda r, i: r["models"][m][key][i]) for m in models])
    if floor:
        row("bare page (floor), same measure",
            [p50_p95(runs, lambda r, i: r["floor"][m]["update"][i]) for m in models])
        row("  floor: waiting for the frame", [p50_p95(runs, lambda r, i: r["floor"][m]["wait"][i]) for m in models])
        row("**above the floor** (median of runs' page − floor)",
            [p50_p95(runs, lambda r, i: r["models"][m]["update"][i] - r["floor"][m]["update"][i]) for m in models])
        goal = GOAL_ABOVE["phone" if phone else "desktop"]
        row(f"  goal above the floor (#13, {'phone 4x' if phone else 'desktop'})",
            [f"≤ {goal[0]} / ≤ {goal[1]}"] * len(models))
    for label, key in rows[1:]:
        row(label, [p50_p95(runs, lambda r, i: r["models"][m][key][i]) for m in models])
    row("  goal for Python, its own clock (#13, desktop)",
        [f"≤ {GOAL_PYTHON['cnn' if m.startswith('cnn') else 'mlp']}" for m in models])
    row("Python's share of the update (median)",
        [f"{100 * statistics.median(r['models'][m]['share'] for r in runs):.0f}%" for m in models])
    row("updates measured per run (page" + (" / floor)" if floor else ")"),
        [str(runs[0]["models"][m]["n"]) + (f" / {runs[0]['floor'][m]['n']}" if floor else "") for m in models])
    row("of which computed and drew the diagram",
        [f"{100 * runs[0]['models'][m]['with_diagram']:.0f}%" for m in models])
    row("share of #network's box in the viewport while drawing",
        [f"{100 * runs[0]['models'][m]['in_view']:.0f}%" for m in models])
    stages = dict.fromkeys(s for r in runs for m in models for s in r["models"][m]["stages"])
    print("\n| Python stages, mean ms | " + " | ".join(models) + " |\n|---|" + "---|" * len(models))
    for s in stages:
        print(f"| {s} | " + " | ".join(med([r["models"][m]["stages"].get(s) for r in runs], 3) for m in models) + " |")
    errors = [e for r in runs for e in r["errors"]]
    print(f"\nPage errors during the runs: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--moves", type=int, default=300)
    ap.add_argument("--models", default=",".join(ALL))
    ap.add_argument("--dist", default=os.environ.get("DIGITLAB_DIST", ROOT / "dist"))
    ap.add_argument("--phone", action="store_true", help="390x844 at DPR 3 with touch (sitebench.PHONE)")
    ap.add_argument("--throttle", type=float, default=1, help="CPU slowdown of both pages' main thread, e.g. 4")
    ap.add_argument("--diagram", choices=("on", "off", "forced"),
                    help="#network in view while drawing: on (desktop default), off (--phone default), forced")
    ap.add_argument("--floor", action=argparse.BooleanOptionalAction, default=True,
                    help="measure the bare floor page alternately (default) or not")
    args = ap.parse_args()
    models = args.models.split(",")
    diagram = args.diagram or ("off" if args.phone else "on")
    load0 = os.getloadavg()
    server = sb.Server(Path(args.dist))
    try:
        with sync_playwright() as pw, contextlib.ExitStack() as stack:
            floor_url = stack.enter_context(sb.floor_site()).url if args.floor else None
            runs = []
            for i in range(args.runs):
                t0 = time.monotonic()
                run = {}
                for what in ("page", "floor") if i % 2 == 0 else ("floor", "page"):   # alternate who goes first
                    if what == "page":
                        run.update(page_run(pw, server, models, args.moves, args.phone, args.throttle, diagram))
                    elif floor_url:
                        run["floor"] = floor_run(pw, floor_url, models, args.moves, args.phone, args.throttle)
                runs.append(run)
                print(f"run {i + 1}/{args.runs} done in {time.monotonic() - t0:.0f} s", file=sys.stderr)
    finally:
        server.close()
    report(runs, models, args.moves, args.phone, args.throttle, diagram, load0)


if __name__ == "__main__":
    main()
