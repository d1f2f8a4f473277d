"""Evaluate in the page: 2,000 test images with a model, frame rate meanwhile, and the live point's
Python cost per update. Prints Markdown tables (BENCHMARKS.md, "Evaluate").

    python3 build.py build && .venv/bin/python benchmarks/eval_bench.py [--runs 5] [--model cnn]

Per run: a fresh profile opens the page, scrolls to #eval and clicks Evaluate (the test images are
fetched and loaded once, outside the timed part); then Evaluate is clicked again RUNS times. Each
run is timed by the page's own measure (digitlab:eval: first slice to the figures), with the ms
spent inside Python; every animation frame's time is recorded meanwhile (fps, longest gap).

Then the map is made of three layers in turn (its PCA timed by the page's digitlab:map measure:
the first map, of fc1, is made right after the first run), and for each the live point is timed
inside Pyodide (the page's Python console runs the loop): the hook on the
same trace 2,000 times, with the map watched (on screen, made) and not watched.
"""

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sitebench as sb  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

FRAMES = """() => { window.__frames = []; const loop = (t) => { window.__frames.push(t);
  if (window.__frames.length < 100000) requestAnimationFrame(loop); }; requestAnimationFrame(loop); }"""

HOOK = """
import time
from digitlab.app import PAD, inputs
from digitlab.web.features import evalmap
app = lab._app
m = app.features["evalmap"]
net = app.model(m.model)[0]
x, drawn = inputs(app.pad.reshape(PAD, PAD))
trace = net.forward(x.reshape(1, 784))
def per_call(n=2000):
    out = {}
    t = time.perf_counter()
    for _ in range(n):
        evalmap.live_point(app, m.model, None, x, trace, out)
    return (time.perf_counter() - t) / n * 1e3
was = m.watching
m.watching = True
on = per_call()
m.watching = False
off = per_call()
m.watching = was
print(f"HOOK {m.layer} {on:.4f} {off:.5f}")
"""


def wait(page, js, timeout_s=120):
    for _ in range(timeout_s * 20):
        if page.evaluate(js):
            return
        page.wait_for_timeout(50)
    errors = page.evaluate("[document.querySelector('#py-errors').textContent.trim(),"
                           " document.querySelector('.eval-map').dataset.state, document.querySelector('.eval-map').dataset.layer,"
                           " document.querySelector('.eval-map').dataset.iters]")
    raise TimeoutError(f"{js}: {errors}")


def one_run(page):
    """Click Evaluate once. -> (ms, python ms, p95 frame gap ms, longest frame gap ms, share of
    gaps over 20 ms). (Headless Chromium draws frames without a display's vsync, so frames per
    second says little; the gaps between frames say whether the page kept drawing.)"""
    n = page.evaluate("performance.getEntriesByName('digitlab:eval').length")
    page.evaluate(FRAMES)
    page.click("#eval-run")
    wait(page, f"() => performance.getEntriesByName('digitlab:eval').length > {n}")
    e = page.evaluate("(() => { const e = performance.getEntriesByName('digitlab:eval').at(-1);"
                      " return {start: e.startTime, ms: e.duration, python: e.detail.python}; })()")
    frames = [t for t in page.evaluate("window.__frames") if e["start"] <= t <= e["start"] + e["ms"]]
    gaps = [b - a for a, b in zip(frames, frames[1:])]
    wait(page, "() => document.querySelector('.eval-map').dataset.state === 'done'")
    slow = sum(g > 20 for g in gaps) / max(len(gaps), 1)
    return e["ms"], e["python"], sb.pct(gaps, 0.95), max(gaps) if gaps else float("nan"), slow


def tsne_run(page):
    """Choose t-SNE for the map (fc1, 1,000 points) and wait until it settles. -> (ms, iterations,
    p95 frame gap, longest gap, share of gaps over 20 ms, frames per second) while it ran."""
    n = page.evaluate("performance.getEntriesByName('digitlab:map').length")
    page.select_option("#map-layer", "fc1")
    wait(page, f"() => performance.getEntriesByName('digitlab:map').length > {n}")
    n += 1
    page.evaluate(FRAMES)
    page.select_option("#map-method", "tsne")
    wait(page, f"() => performance.getEntriesByName('digitlab:map').length > {n}")
    e = page.evaluate("(() => { const e = performance.getEntriesByName('digitlab:map').at(-1);"
                      " return {start: e.startTime, ms: e.duration, iters: e.detail.iters, slowest: e.detail.slowest,"
                      " draw: e.detail.slowestDraw}; })()")
    frames = [t for t in page.evaluate("window.__frames") if e["start"] <= t <= e["start"] + e["ms"]]
    gaps = [b - a for a, b in zip(frames, frames[1:])]
    print(f"  t-SNE: longest Python slice {e['slowest']:.0f} ms, longest redraw {e['draw']:.0f} ms")
    page.select_option("#map-method", "pca")
    wait(page, "() => document.querySelector('.eval-map').dataset.state === 'done' && window.digitlab.map().method === 'pca'")
    return (e["ms"], e["iters"], sb.pct(gaps, 0.95), max(gaps), sum(g > 20 for g in gaps) / len(gaps),
            1000 * len(gaps) / (frames[-1] - frames[0]))


def hook_cost(page):
    """-> (layer, ms per update watched, ms not watched), timed in Pyodide."""
    r = page.evaluate("src => window.digitlab.call('console.run', {source: src})", HOOK)
    text = "".join(str(i.get("text", "")) for i in r["items"])
    line = next(l for l in text.splitlines() if l.startswith("HOOK"))
    _, layer, on, off = line.split()
    return layer, float(on), float(off)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--model", default="cnn")
    ap.add_argument("--tsne", type=int, default=0, help="only time this many t-SNE maps")
    ap.add_argument("--all", action="store_true", help="evaluate all 10,000 test images, not the sample")
    args = ap.parse_args()
    if args.tsne:
        return tsne_main(args)
    if args.all:
        return all_main(args)
    server = sb.Server(ROOT / "dist")
    rows, hooks = [], []
    try:
        with sync_playwright() as pw, tempfile.TemporaryDirectory() as tmp:
            context = sb.launch_profile(pw, tmp)
            page, errors = sb.open_ready(context, server.url + f"?model={args.model}")
            page.locator("#eval-run").scroll_into_view_if_needed()
            one_run(page)                                  # fetches and loads the test images
            page.locator("#map").scroll_into_view_if_needed()
            page.evaluate("""() => { const px = new Uint8Array(784);
                for (let r = 4; r < 24; r++) px[r * 28 + 14] = 255;
                window.digitlab.pad.setImage(px); window.digitlab.update(); }""")
            for layer in ("fc1", "flat", "input"):
                page.select_option("#map-layer", layer)
                wait(page, f"() => document.querySelector('.eval-map').dataset.layer === '{layer}' &&"
                           " document.querySelector('.eval-map').dataset.state === 'done'")
                page.evaluate("window.digitlab.update()")
                page.wait_for_timeout(200)
                made = page.evaluate("(() => { const e = performance.getEntriesByName('digitlab:map').at(-1);"
                                     " return e && {duration: e.duration, detail: e.detail}; })()")
                hooks.append(([hook_cost(page) for _ in range(3)], made))
            page.locator("#eval-run").scroll_into_view_if_needed()
            for _ in range(args.runs):
                rows.append(one_run(page))
            context.close()
            assert not errors, errors
    finally:
        server.close()
    med = lambda k: statistics.median(r[k] for r in rows)   # noqa: E731
    print("| model | images | runs | wall ms (median) | in Python ms | p95 frame gap ms | longest gap ms |"
          " gaps over 20 ms |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {args.model} | 2,000 | {len(rows)} | {med(0):.0f} | {med(1):.0f} | {med(2):.1f} | {med(3):.0f} |"
          f" {100 * med(4):.1f}% |")
    print()
    print("| map layer | PCA in the page, ms (iterations) | live point, map watched: ms per update"
          " (median of 3 x 2,000) | not watched |")
    print("|---|---|---|---|")
    for h, made in hooks:
        pca = f"{made['duration']:.0f} ({made['detail']['iters']})" if made else "–"
        print(f"| {h[0][0]} | {pca} | {statistics.median(x[1] for x in h):.4f} |"
              f" {statistics.median(x[2] for x in h):.5f} |")


def in_page(args, measure):
    """Open a fresh page on the model, scroll to Evaluate and -> measure(page), with the server,
    browser and profile closed afterwards and the page's errors checked."""
    server = sb.Server(ROOT / "dist")
    try:
        with sync_playwright() as pw, tempfile.TemporaryDirectory() as tmp:
            context = sb.launch_profile(pw, tmp)
            page, errors = sb.open_ready(context, server.url + f"?model={args.model}")
            page.locator("#eval-run").scroll_into_view_if_needed()
            rows = measure(page)
            context.close()
            assert not errors, errors
    finally:
        server.close()
    return rows


def all_main(args):
    """Choose all 10,000 images (fetched and run once, not counted), then Evaluate RUNS times."""
    def measure(page):
        page.select_option("#eval-images", "all")
        wait(page, "() => document.querySelector('#eval').dataset.state === 'done'"
                   " && document.querySelector('#eval').dataset.n === '10000'")
        wait(page, "() => document.querySelector('.eval-map').dataset.state === 'done'")
        return [one_run(page) for _ in range(args.runs)]
    rows = in_page(args, measure)
    med = lambda k: statistics.median(r[k] for r in rows)   # noqa: E731
    print("| model | images | runs | wall ms (median) | in Python ms | p95 frame gap ms | longest gap ms |"
          " gaps over 20 ms |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {args.model} | 10,000 | {len(rows)} | {med(0):.0f} | {med(1):.0f} | {med(2):.1f} | {med(3):.0f} |"
          f" {100 * med(4):.1f}% |")
    for r in rows:
        print("  run:", " ".join(f"{v:.3g}" for v in r))


def tsne_main(args):
    """Evaluate once, then make a t-SNE map of fc1 TSNE times."""
    def measure(page):
        one_run(page)
        page.locator("#map").scroll_into_view_if_needed()
        return [tsne_run(page) for _ in range(args.tsne)]
    rows = in_page(args, measure)
    print("| map | runs | settle ms (median) | iterations | frames per second | p95 frame gap ms |"
          " longest gap ms | gaps over 20 ms |")
    print("|---|---|---|---|---|---|---|---|")
    med = lambda k: statistics.median(r[k] for r in rows)   # noqa: E731
    print(f"| t-SNE of fc1, 1,000 points | {len(rows)} | {med(0):.0f} | {med(1):.0f} | {med(5):.0f} | {med(2):.1f} |"
          f" {med(3):.0f} | {100 * med(4):.1f}% |")
    for r in rows:
        print("  run:", " ".join(f"{v:.3g}" for v in r))


if __name__ == "__main__":
    main()
