"""Training in the page: time to 95% test accuracy, frame times while training, and the same
training step's samples/s in CPython and in Pyodide.

    python3 build.py build
    OPENBLAS_NUM_THREADS=1 python3 benchmarks/train_page.py [--runs 3] [--steps 200] [--goal 0.95]

1. step: one `Trainer.step()` of the page's set-up (784-64-10, ReLU, Adam, batch 32 and 64,
   no augmentation) on the shipped subset dist/data/trainset.npz, timed by the same Python code
   in CPython (one BLAS thread) and in Pyodide 0.27.7 under Node (the page's own runtime files).
2. page: headless Chromium on dist/ (a fresh profile per run, benchmarks/sitebench.py): open
   the training panel, draw a digit (so the diagram carries links and updates while training),
   press Train with the default set-up (784-64-10) and time until #train-progress data-acc (the
   test accuracy on the 2,000 shipped test images) reaches the goal. Frame intervals come from
   the panel's own record (window.digitlabTrain.frames(): requestAnimationFrame deltas while
   training), and the Python time per frame from train.run.
Prints Markdown tables, with the load average (the machine is shared).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "pysrc"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

# The same code runs in both interpreters. DATA: the npz path; STEPS: timed steps per batch size.
# TIMER is shared with benchmarks/train_cnn_page.py.
TIMER = """
import json, statistics, time
import numpy as np

def time_steps(tr, steps, warm=20):
    for _ in range(warm):
        tr.step()
    times = []
    for _ in range(steps):
        t = time.perf_counter()
        tr.step()
        times.append(time.perf_counter() - t)
    ms = 1e3 * statistics.median(times)
    return {"ms": ms, "samples_per_s": tr.cfg.batch_size / ms * 1e3}
"""
STEP_CODE = TIMER + """
from digitlab import models
from digitlab.core.train import Trainer, TrainConfig

def bench(path, steps):
    with np.load(path) as z:
        X, y = z["x_train"] / np.float32(255), z["y_train"]
    out = {}
    for batch in (32, 64):
        net = models.mlp((64,))
        tr = Trainer(net, X, y, TrainConfig(optimizer="adam", lr=2e-3, batch_size=batch, augment=False,
                                            schedule="constant"))
        out[batch] = time_steps(tr, steps)
    return json.dumps(out)
"""

NODE = """
import {{ bootDigitlab }} from {boot};
import {{ readFileSync }} from "node:fs";
const py = await bootDigitlab({dist});
py.FS.writeFile("/home/pyodide/trainset.npz", readFileSync({npz}));
for (const [path, text] of Object.entries({files})) py.FS.writeFile(path, text);
py.runPython({code});
console.log(py.runPython(`bench("/home/pyodide/trainset.npz", {steps}{args})`));
"""


def step_cpython(npz, steps):
    scope = {}
    exec(STEP_CODE, scope)
    return json.loads(scope["bench"](str(npz), steps))


def step_pyodide(dist, npz, steps, code=STEP_CODE, files=None, args=""):
    """Run `code`'s bench(npz, steps<args>) in Pyodide under Node; files: {path: text} written first."""
    script = NODE.format(boot=json.dumps((ROOT / "tests" / "pyodide" / "boot.mjs").as_uri()),
                         dist=json.dumps(str(dist)), npz=json.dumps(str(npz)), code=json.dumps(code),
                         steps=steps, files=json.dumps(files or {}), args=args)
    with tempfile.NamedTemporaryFile("w", suffix=".mjs", delete=False) as f:
        f.write(script)
    try:
        out = subprocess.run(["node", f.name], capture_output=True, text=True, timeout=900, check=True)
    finally:
        os.unlink(f.name)
    return json.loads(out.stdout.strip().splitlines()[-1])


def pct(values, q):
    v = sorted(values)
    return v[min(len(v) - 1, int(q * len(v)))] if v else float("nan")


def train_in_page(page, goal, timeout_s):
    """-> {seconds (None if not reached), iterations, acc, frames: [ms], work: [[ms, steps]]}."""
    page.click("#train-open")
    _poll(page, "() => document.querySelector('#train-progress').dataset.acc !== ''", 120)
    _draw_seven(page)
    page.evaluate("window.digitlabTrain.clear()")
    t0 = time.monotonic()
    page.click("#train-start")
    reached = _poll(page, f"() => Number(document.querySelector('#train-progress').dataset.acc) >= {goal}", timeout_s)
    took = time.monotonic() - t0
    page.click("#train-pause")
    p = page.eval_on_selector("#train-progress", "e => ({...e.dataset})")
    return {"seconds": took if reached else None, "iterations": int(p["iter"]), "acc": float(p["acc"]),
            "frames": page.evaluate("window.digitlabTrain.frames()"),
            "work": page.evaluate("window.digitlabTrain.work()")}


def _poll(page, js, timeout_s):
    """page.wait_for_function compiles with eval, which the page's CSP refuses: poll instead."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if page.evaluate(js):
            return True
        page.wait_for_timeout(50)
    return False


def _draw_seven(page):
    pad = page.locator("#pad")
    pad.scroll_into_view_if_needed()
    b = pad.bounding_box()
    pts = [(0.28, 0.2), (0.72, 0.2), (0.55, 0.5), (0.44, 0.84)]
    page.mouse.move(b["x"] + pts[0][0] * b["width"], b["y"] + pts[0][1] * b["height"])
    page.mouse.down()
    for (u0, v0), (u1, v1) in zip(pts, pts[1:]):
        for i in range(1, 7):
            u, v = u0 + (u1 - u0) * i / 6, v0 + (v1 - v0) * i / 6
            page.mouse.move(b["x"] + u * b["width"], b["y"] + v * b["height"])
    page.mouse.up()
    page.locator("#train").scroll_into_view_if_needed()


def page_bench(dist, runs, goal, timeout_s):
    import sitebench as sb
    from playwright.sync_api import sync_playwright
    server, results = sb.Server(dist), []
    try:
        with sync_playwright() as pw:
            for _ in range(runs):
                with tempfile.TemporaryDirectory() as profile:
                    context = sb.launch_profile(pw, profile)
                    page, errors = sb.open_ready(context, server.url)
                    results.append(train_in_page(page, goal, timeout_s))
                    assert not errors, errors
                    context.close()
    finally:
        server.close()
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dist", default=str(ROOT / "dist"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--goal", type=float, default=0.95)
    ap.add_argument("--timeout", type=float, default=90)
    ap.add_argument("--skip-step", action="store_true")
    args = ap.parse_args()
    dist = Path(args.dist).resolve()
    npz = dist / "data" / "trainset.npz"
    print(f"load average at start: {os.getloadavg()[0]:.2f}\n")
    if not args.skip_step:
        cp, py = step_cpython(npz, args.steps), step_pyodide(dist, npz, args.steps)
        print("| 784-64-10, Adam | CPython ms/step | Pyodide ms/step | CPython samples/s | Pyodide samples/s | ratio |")
        print("|---|---|---|---|---|---|")
        for b in ("32", "64"):
            c, p = cp[b], py[b]
            print(f"| batch {b} | {c['ms']:.2f} | {p['ms']:.2f} | {c['samples_per_s']:,.0f} | "
                  f"{p['samples_per_s']:,.0f} | {p['ms'] / c['ms']:.1f}x |")
        print()
    res = page_bench(dist, args.runs, args.goal, args.timeout)
    print(f"| run | seconds to {args.goal:.0%} | iterations | frame p50 ms | p95 ms | frames ≤ 20 ms | "
          "mean fps | Python ms/frame p50 | steps/frame |")
    print("|---|---|---|---|---|---|---|---|---|")
    for i, r in enumerate(res, 1):
        f, w = r["frames"], r["work"]
        ok = sum(x <= 20 for x in f) / len(f)
        secs = f"{r['seconds']:.1f}" if r["seconds"] else f"not reached ({r['acc']:.3f})"
        print(f"| {i} | {secs} | {r['iterations']} | {pct(f, .5):.1f} | {pct(f, .95):.1f} | {ok:.0%} | "
              f"{1000 * len(f) / sum(f):.0f} | {statistics.median(x[0] for x in w):.1f} | "
              f"{sum(x[1] for x in w) / len(w):.2f} |")
    print(f"\nload average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
