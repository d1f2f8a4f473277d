"""CNN training in the page (#17): the cnn-small step in CPython and Pyodide, each speed lever side
by side, then the preset trained in headless Chromium: seconds to 98% (or the accuracy at the
time limit), samples per second and the frame rate.

    python3 build.py build
    OPENBLAS_NUM_THREADS=1 python3 benchmarks/train_cnn_page.py [--runs 2] [--batches 16,32] [--limit 60]

1. step: one `Trainer.step()` of cnn-small (Adam, no augmentation) on dist/data/trainset.npz at
   batch 8-64, timed by the same Python code in CPython (one BLAS thread) and in Pyodide 0.27.7
   (Node, the page's runtime files). In Pyodide also with Conv2D as it was before #17 (the
   im2col patches and the einsum matmul of layers.py at b0f596a), alternating with today's in
   five rounds (medians of the round medians) so that the machine's load hits both alike.
2. page: headless Chromium, a fresh profile per run (benchmarks/train_page.py's helpers): open
   the panel, pick the cnn-small preset, draw a 7, set the batch, press Train; the test accuracy
   (#train-progress data-acc, 2,000 shipped test images) is sampled every 0.5 s until `--limit`
   seconds. Frame intervals and Python time per frame come from window.digitlabTrain.
"""

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import train_page as tp

ROOT = tp.ROOT
BEFORE = "b0f596a"            # the commit before #17: Conv2D without the channel-major path

STEP_CODE = tp.TIMER + """
from digitlab import models
from digitlab.core import layers
from digitlab.core.train import Trainer, TrainConfig

NOW = layers.Conv2D.forward, layers.Conv2D.backward_z

def use(conv):
    layers.Conv2D.forward, layers.Conv2D.backward_z = conv

def bench(path, steps, before=False):
    # before: Conv2D as at b0f596a and as now, alternating in rounds so that the shared
    # machine's load drifts over both alike. -> {batch: {"ms", "samples_per_s"}} or {"now", "before"}.
    with np.load(path) as z:
        X, y = z["x_train"] / np.float32(255), z["y_train"]
    if before:
        from digitlab.core import layers_before17 as old
        variants = {"now": NOW, "before": (old.Conv2D.forward, old.Conv2D.backward_z)}
    else:
        variants = {"now": NOW}
    out = {}
    for batch in (8, 16, 32, 64):
        tr = Trainer(models.cnn_small(), X, y, TrainConfig(optimizer="adam", lr=2e-3, batch_size=batch,
                                                            augment=False, schedule="constant"))
        rounds = {k: [] for k in variants}
        for _ in range(5):
            for k, conv in variants.items():
                use(conv)
                rounds[k].append(time_steps(tr, max(1, steps // 5), warm=2)["ms"])
        use(NOW)
        ms = {k: statistics.median(v) for k, v in rounds.items()}
        out[batch] = {k: {"ms": m, "samples_per_s": batch / m * 1e3} for k, m in ms.items()}
        if not before:
            out[batch] = out[batch]["now"]
    return json.dumps(out)
"""


def step_pyodide(dist, npz, steps):
    """-> {batch: {"now": {...}, "before": {...}}}: both Conv2D versions, alternating."""
    old = subprocess.run(["git", "-C", str(ROOT), "show", f"{BEFORE}:pysrc/digitlab/core/layers.py"],
                         capture_output=True, text=True, check=True).stdout
    return tp.step_pyodide(dist, npz, steps, STEP_CODE, {"/home/pyodide/digitlab/core/layers_before17.py": old},
                           ", True")


def step_table(dist, npz, steps):
    scope = {}
    exec(STEP_CODE, scope)
    cp = json.loads(scope["bench"](str(npz), steps))
    py = step_pyodide(dist, npz, steps)
    print("| cnn-small, Adam | CPython ms/step | Pyodide before #17 ms/step | Pyodide now ms/step | "
          "CPython samples/s | Pyodide now samples/s | CPython / Pyodide |")
    print("|---|---|---|---|---|---|---|")
    for b in ("8", "16", "32", "64"):
        c, o, p = cp[b], py[b]["before"], py[b]["now"]
        print(f"| batch {b} | {c['ms']:.2f} | {o['ms']:.2f} | {p['ms']:.2f} | {c['samples_per_s']:,.0f} | "
              f"{p['samples_per_s']:,.0f} | {p['ms'] / c['ms']:.1f}x |")
    print()


def train_cnn(page, batch, goal, limit_s):
    """-> {seconds to goal or None, acc at the limit, curve [(s, acc)], iterations, frames, work}."""
    page.click("#train-open")
    tp._poll(page, "() => document.querySelector('#train-progress').dataset.acc !== ''", 120)
    page.select_option("#train-arch", "cnn-small")
    page.select_option("#train-batch", str(batch))
    tp._poll(page, "() => document.querySelector('#model option[value=trained]')?.textContent.includes('cnn-small')", 30)
    tp._draw_seven(page)
    page.evaluate("window.digitlabTrain.clear()")
    t0, curve, reached = time.monotonic(), [], None
    page.click("#train-start")
    while time.monotonic() - t0 < limit_s:
        page.wait_for_timeout(500)
        acc = float(page.eval_on_selector("#train-progress", "e => e.dataset.acc") or 0)
        curve.append((round(time.monotonic() - t0, 1), acc))
        if reached is None and acc >= goal:
            reached = curve[-1][0]
    page.click("#train-pause")
    p = page.eval_on_selector("#train-progress", "e => ({...e.dataset})")
    return {"seconds": reached, "acc": float(p["acc"]), "best": max(a for _, a in curve), "curve": curve,
            "iterations": int(p["iter"]), "batch": batch, "limit": limit_s,
            "frames": page.evaluate("window.digitlabTrain.frames()"),
            "work": page.evaluate("window.digitlabTrain.work()")}


def page_table(dist, runs, batches, goal, limit_s):
    import sitebench as sb
    from playwright.sync_api import sync_playwright
    server, results = sb.Server(dist), []
    try:
        with sync_playwright() as pw:
            for batch in batches:
                for _ in range(runs):
                    with tempfile.TemporaryDirectory() as profile:
                        context = sb.launch_profile(pw, profile)
                        page, errors = sb.open_ready(context, server.url)
                        results.append(train_cnn(page, batch, goal, limit_s))
                        assert not errors, errors
                        context.close()
    finally:
        server.close()
    print(f"| batch | seconds to {goal:.0%} | accuracy at {limit_s:.0f} s (best) | iterations | samples/s | "
          "frame p50 ms | p95 ms | frames ≤ 20 ms | mean fps | Python ms/frame p50 | steps/frame |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        f, w = r["frames"], r["work"]
        ok = sum(x <= 20 for x in f) / len(f)
        secs = f"{r['seconds']:.1f}" if r["seconds"] else "not reached"
        print(f"| {r['batch']} | {secs} | {r['acc']:.3f} ({r['best']:.3f}) | {r['iterations']:,} | "
              f"{r['iterations'] * r['batch'] / r['limit']:,.0f} | {tp.pct(f, .5):.1f} | {tp.pct(f, .95):.1f} | "
              f"{ok:.0%} | {1000 * len(f) / sum(f):.0f} | {statistics.median(x[0] for x in w):.1f} | "
              f"{sum(x[1] for x in w) / len(w):.2f} |")
    for r in results:
        print(f"\nbatch {r['batch']} curve (s, test acc): " + " ".join(f"{s:g}:{a:.3f}" for s, a in r["curve"][9::10]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dist", default=str(ROOT / "dist"))
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--batches", default="16,32")
    ap.add_argument("--goal", type=float, default=0.98)
    ap.add_argument("--limit", type=float, default=60)
    ap.add_argument("--skip-step", action="store_true")
    ap.add_argument("--skip-page", action="store_true")
    args = ap.parse_args()
    dist = Path(args.dist).resolve()
    print(f"load average at start: {os.getloadavg()[0]:.2f}\n")
    if not args.skip_step:
        step_table(dist, dist / "data" / "trainset.npz", args.steps)
    if not args.skip_page:
        page_table(dist, args.runs, [int(b) for b in args.batches.split(",")], args.goal, args.limit)
    print(f"\nload average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
