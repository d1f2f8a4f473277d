"""Live-update cost of the page, per model, in headless Debian chromium.

    python3 build.py build
    python3 benchmarks/page_bench.py [--runs 3] [--moves 300] [--models cnn,mlp-25-25] [--phone]

Each run starts a fresh browser on its own profile (benchmarks/sitebench.py), opens the page
cold, waits for `digitlab:ready`, then opens it again (repeat visit). On the repeat page it
draws with real mouse strokes, a few hundred moves per model, and reads the page's own record
of every update (window.digitlab.timings()):

  update   pointer event's timeStamp -> the frame showing the result has been rendered
           (= the `digitlab:update` measure)
  wait     event -> the animation frame that handles it starts (rAF alignment)
  work     frame start -> rendered: the part this code controls (call + draw + paint)
  call     the Python call as JS sees it; python: the same on Python's clock, split in stages
  draw     JS copying the result into the DOM; paint: style, layout, paint of that frame

Desktop (1280x900) keeps the diagram on screen, so every update computes and draws it; --phone
(390x844, DPR 3) has it scrolled away while drawing, and the page skips its work. Blank updates
(after Clear) and the first few after a model switch are left out. Prints
Markdown tables of medians over runs (each run's p50/p95), with the machine's load average,
because this machine is shared: a busy neighbour slows every figure.
"""

import argparse
import math
import os
import statistics
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sitebench as sb  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ALL = ["mlp-25-25", "mlp-128-64", "mlp-128-64-32", "cnn-small", "cnn"]
SKIP_AFTER_SWITCH = 5


def pct(values, q):
    v = sorted(values)
    return v[min(len(v) - 1, int(q * len(v)))] if v else float("nan")


def strokes(page, n_moves):
    """Real mouse strokes over the pad: loops like a 0, 6 or 8, 40 moves each, Clear between."""
    done, k = 0, 0
    while done < n_moves:
        k += 1
        pad = page.locator("#pad")
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


def model_run(page, model, n_moves):
    """-> list of per-update records for model (non-blank, after warm-up)."""
    page.select_option("#model", model)
    page.wait_for_timeout(300)
    strokes(page, n_moves)
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
    stages = recs[0]["stages"].keys() if recs else []
    out["stages"] = {s: statistics.mean(r["stages"][s] for r in recs) for s in stages}
    return out


PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True,
         "has_touch": True}


def one_run(playwright, server, models, n_moves, phone=False):
    with tempfile.TemporaryDirectory(prefix="digitlab-pagebench-") as profile:
        if phone:
            context = playwright.chromium.launch_persistent_context(
                profile, executable_path=sb.CHROMIUM, args=sb.CHROMIUM_ARGS, headless=True, **PHONE)
            context.add_init_script(sb.PROBE)
        else:
            context = sb.launch_profile(playwright, profile)
        try:
            cold_page, errors = sb.open_ready(context, server.url)
            cold = cold_page.evaluate(sb.TIMES_JS)
            cold_page.close()
            page, errors2 = sb.open_ready(context, server.url)
            repeat = page.evaluate(sb.TIMES_JS)
            per_model = {m: summarise(model_run(page, m, n_moves)) for m in models}
            return {"cold": cold, "repeat": repeat, "models": per_model, "errors": errors + errors2}
        finally:
            context.close()


def med(values, digits=2):
    values = [v for v in values if v is not None and not math.isnan(v)]
    return f"{statistics.median(values):.{digits}f}" if values else "–"


def report(runs, models, n_moves, phone):
    load = os.getloadavg()
    where = "phone 390x844 at DPR 3" if phone else "desktop 1280x900"
    print(f"\nHeadless Debian chromium, {where}, {len(runs)} fresh browsers, ~{n_moves} mouse moves per model; "
          f"load average during the run {load[0]:.1f} / {load[1]:.1f} on {os.cpu_count()} cores.\n")
    print("| start-up (median) | ms |\n|---|---|")
    for label, visit, key in (("pad listener attached", "cold", "pad_listener"),
                              ("first contentful paint", "cold", "fcp"),
                              ("digitlab:ready, cold", "cold", "ready"),
                              ("digitlab:ready, repeat visit", "repeat", "ready"),
                              ("longest main-thread task before ready, cold", "cold", "longest_task")):
        print(f"| {label} | {med([r[visit][key] for r in runs], 0)} |")
    print("\n| per update, ms (median of runs' p50 / p95) | " + " | ".join(models) + " |")
    print("|---|" + "---|" * len(models))
    rows = (("event → frame rendered (digitlab:update)", "update"), ("  waiting for the frame", "wait"),
            ("  frame start → rendered (our work)", "work"), ("  Python call, JS clock", "call"),
            ("  Python, its own clock", "python"), ("  DOM update", "draw"), ("  style/layout/paint", "paint"))
    for label, key in rows:
        cells = [f"{med([r['models'][m][key][0] for r in runs])} / {med([r['models'][m][key][1] for r in runs])}"
                 for m in models]
        print(f"| {label} | " + " | ".join(cells) + " |")
    print("| Python's share of the update (median) | " +
          " | ".join(f"{100 * statistics.median(r['models'][m]['share'] for r in runs):.0f}%" for m in models) + " |")
    print("| updates measured per run | " + " | ".join(str(runs[0]["models"][m]["n"]) for m in models) + " |")
    print("| of which computed and drew the diagram | " +
          " | ".join(f"{100 * runs[0]['models'][m]['with_diagram']:.0f}%" for m in models) + " |")
    stages = list(runs[0]["models"][models[0]]["stages"])
    print("\n| Python stages, mean ms | " + " | ".join(models) + " |\n|---|" + "---|" * len(models))
    for s in stages:
        print(f"| {s} | " + " | ".join(med([r["models"][m]["stages"][s] for r in runs], 3) for m in models) + " |")
    errors = [e for r in runs for e in r["errors"]]
    print(f"\nPage errors during the runs: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--moves", type=int, default=300)
    ap.add_argument("--models", default=",".join(ALL))
    ap.add_argument("--dist", default=os.environ.get("DIGITLAB_DIST", ROOT / "dist"))
    ap.add_argument("--phone", action="store_true", help="390x844 viewport: the diagram is off screen")
    args = ap.parse_args()
    models = args.models.split(",")
    server = sb.Server(Path(args.dist))
    try:
        with sync_playwright() as pw:
            runs = []
            for i in range(args.runs):
                runs.append(one_run(pw, server, models, args.moves, args.phone))
                print(f"run {i + 1}/{args.runs} done", file=sys.stderr)
    finally:
        server.close()
    report(runs, models, args.moves, args.phone)


if __name__ == "__main__":
    main()
