"""What the live editor costs, in headless Debian chromium.

    python3 build.py build
    python3 benchmarks/editor_bench.py [--rounds 3] [--moves 200] [--models cnn,mlp-128-64]

1. Python per update with the original code, and with an edit running: the same source plus
   a comment, applied to one file, so the code does the same work and only the editing
   machinery differs (the time guard on the edited code objects and the return-shape checks,
   both on only while an edit runs). Rounds alternate original / edited on one page, so a busy
   neighbour on this shared machine hits both alike. Real mouse strokes (page_bench.strokes).
2. Apply latency per file: Ctrl+Enter -> Python's answer (the page's `digitlab:apply` measure:
   compile, run the module, swap it in, rebuild the networks, two trial updates), and -> the
   re-classified drawing on screen.

Prints Markdown tables of medians.
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
import page_bench as pb  # noqa: E402
import sitebench as sb  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FILES = ["digitlab/preprocess.py", "digitlab/core/activations.py", "digitlab/core/layers.py", "digitlab/viewmodel.py"]


def open_editor(page):
    if page.get_attribute("#editor-toggle", "aria-expanded") != "true":
        page.click("#editor-toggle")
    page.wait_for_selector("#editor .cm-content")


def draw_loop(page):
    """One loop stroke on the pad (left there), so the apply re-classifies a real drawing."""
    page.locator("#pad").scroll_into_view_if_needed()
    b = page.locator("#pad").bounding_box()
    page.mouse.move(b["x"] + b["width"] * 0.5, b["y"] + b["height"] * 0.2)
    page.mouse.down()
    for i in range(1, 31):
        a = 2 * math.pi * i / 30
        page.mouse.move(b["x"] + b["width"] * (0.5 + 0.2 * math.sin(a)), b["y"] + b["height"] * (0.5 - 0.3 * math.cos(a)))
    page.mouse.up()
    page.wait_for_timeout(200)


def apply_comment(page, path, k):
    """Append a comment to `path` with the keyboard and apply. -> (apply ms, apply -> shown ms)."""
    draw_loop(page)
    page.locator("#editor").scroll_into_view_if_needed()
    page.select_option("#editor-file", path)
    page.click("#editor .cm-content")
    page.keyboard.press("Control+End")
    page.keyboard.type(f"# benchmark {k}")
    n = page.evaluate("performance.getEntriesByName('digitlab:update').length")
    t0 = page.evaluate("performance.now()")
    page.keyboard.press("Control+Enter")
    for _ in range(400):
        if page.evaluate("n => performance.getEntriesByName('digitlab:update').length > n", n):
            break
        page.wait_for_timeout(5)
    shown = page.evaluate("performance.getEntriesByName('digitlab:update').at(-1).startTime"
                          " + performance.getEntriesByName('digitlab:update').at(-1).duration") - t0
    apply_ms = page.evaluate("performance.getEntriesByName('digitlab:apply').at(-1).duration")
    assert page.text_content("#editor-error") == "", page.text_content("#editor-error")
    return apply_ms, shown


def reset_all(page):
    page.click("#editor-reset-all")
    page.wait_for_timeout(200)


def python_ms(page, model, moves):
    return [r["python"] for r in pb.model_run(page, model, moves)]


def run(rounds, moves, models):
    server = sb.Server(ROOT / "dist")
    cost = {(m, f): {"original": [], "edited": []} for m in models for f in FILES}
    applies = {f: [] for f in FILES}
    try:
        with sync_playwright() as p, tempfile.TemporaryDirectory(prefix="digitlab-editorbench-") as profile:
            context = sb.launch_profile(p, profile)
            page, errors = sb.open_ready(context, server.url)
            open_editor(page)
            k = 0
            for r in range(rounds):
                for f in FILES:
                    for m in models:
                        cost[m, f]["original"] += python_ms(page, m, moves)
                    k += 1
                    applies[f].append(apply_comment(page, f, k))
                    for m in models:
                        cost[m, f]["edited"] += python_ms(page, m, moves)
                    reset_all(page)
            context.close()
    finally:
        server.close()
    return cost, applies, errors


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--moves", type=int, default=200)
    ap.add_argument("--models", default="cnn,mlp-128-64")
    a = ap.parse_args()
    models = a.models.split(",")
    cost, applies, errors = run(a.rounds, a.moves, models)
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    print("| model | file edited | Python/update p50, original | p50, edit running | p95 orig | p95 edit | n |")
    print("|---|---|---|---|---|---|---|")
    for (m, f), v in cost.items():
        o, e = v["original"], v["edited"]
        print(f"| {m} | {f} | {pb.pct(o, .5):.2f} ms | {pb.pct(e, .5):.2f} ms | {pb.pct(o, .95):.2f} ms "
              f"| {pb.pct(e, .95):.2f} ms | {len(o)}/{len(e)} |")
    print("\n| file | apply (Python) p50 | apply -> re-classified drawing shown, p50 | n |")
    print("|---|---|---|---|")
    for f, v in applies.items():
        print(f"| {f} | {statistics.median(x for x, _ in v):.1f} ms | {statistics.median(y for _, y in v):.1f} ms | {len(v)} |")
    if errors:
        print("\nerrors:", errors)


if __name__ == "__main__":
    main()
