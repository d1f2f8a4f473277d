"""Reading photos of handwriting (#18): accuracy on the synthetic photo set, and the page's time.

    python3 build.py build
    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/photo_bench.py [--single 500] [--seq 300] [--runs 5]

1. Accuracy, in CPython, through the page's own path: digitlab.photo.read -> the pad image ->
   App.update on the cnn, which reads a single digit (prediction) or a sequence (#digits).
   Photos are digitlab.photoset's: MNIST *test* digits, never seen in training, on 640x480
   frames (ink colour and width, paper or a board, uneven light and shadows, rotation and
   perspective, blur, noise, JPEG quantisation, size and place all drawn from a seed). Single
   digits are test images 0..N-1; each sequence is 2 to 4 random test digits.
2. Time in the page for a 12-megapixel photo (4000x3000): a synthetic photo made as a PNG,
   turned into a JPEG by the browser's own encoder (quality 0.92, as phones save them), then
   handed to #photo-input; measured by the page's `digitlab:photo` measure, from the file's
   arrival to the pad's reading painted, with its decode (header check, decode and scale to
   MAX_SIDE, RGBA out of a canvas) and Python (photo.read) parts. Median over runs, fresh
   profile, headless Debian chromium.

Prints Markdown tables.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from playwright.sync_api import sync_playwright

from digitlab import data, photo, photoset, preprocess
from digitlab.app import App
from digitlab.web.features import digits as _digits_hook  # noqa: F401 - the page's multi-digit reading

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sitebench as sb  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def reads(app, rgba):
    """What the page would show for this photo: its sequence, its single digit, or its problem."""
    r = photo.read(rgba)
    if r.problem:
        return r.problem
    app.pad[:] = r.pad.reshape(-1)
    out = app.update("cnn", False)
    return out["digits"]["sequence"] or str(int(np.argmax(out["probs"])))


def accuracy(n_single, n_seq):
    """-> rows {kind, n, right, ms (median CPython photo.read + update)} by kind and ground."""
    X, y = data.load("test")
    app, rng, tally = App(), np.random.default_rng(2026), {}
    cases = [("single", [i], 100_000 + i) for i in range(n_single)]
    cases += [("sequence", rng.integers(0, len(X), rng.integers(2, 5)).tolist(), 200_000 + k) for k in range(n_seq)]
    for kind, idx, seed in cases:
        board = bool(np.random.default_rng(seed).random() < 1 / 6)
        rgba = photoset.photo([X[i] for i in idx], seed=seed, board=board)
        t0 = time.perf_counter()
        got = reads(app, rgba)
        ms = (time.perf_counter() - t0) * 1000
        for key in ((kind, "all"), (kind, "board" if board else "paper")):
            t = tally.setdefault(key, {"n": 0, "right": 0, "ms": []})
            t["n"] += 1
            t["right"] += got == "".join(str(y[i]) for i in idx)
            t["ms"].append(ms)
    return tally


def twelve_megapixels():
    """(3000, 4000, 4) uint8: a synthetic photo of "2026" made at 750x1000, scaled up smoothly,
    with fresh sensor noise at full size (a real 12 MP photo is not 16 copies of each pixel)."""
    X, y = data.load("test")
    idx = [int(np.flatnonzero(y == d)[k]) for k, d in enumerate((2, 0, 2, 6))]
    small = photoset.photo([X[i] for i in idx], shape=(750, 1000), seed=12, board=False)
    big = np.empty((3000, 4000, 4), np.uint8)
    noise = np.random.default_rng(12).normal(0, 3, (3000, 4000))
    for c in range(3):
        up = preprocess.resize(small[..., c].astype(np.float32), 3000, 4000) + noise
        big[..., c] = np.clip(np.round(up), 0, 255)
    big[..., 3] = 255
    return big


TO_JPEG = """async (url) => {
  const png = await (await fetch(url)).blob();
  const bmp = await createImageBitmap(png);
  const c = new OffscreenCanvas(bmp.width, bmp.height);
  c.getContext('2d').drawImage(bmp, 0, 0);
  window.__jpeg = await c.convertToBlob({type: 'image/jpeg', quality: 0.92});
  return window.__jpeg.size; }"""

GIVE = """() => { const dt = new DataTransfer();
  dt.items.add(new File([window.__jpeg], 'photo-12mp.jpg', {type: 'image/jpeg'}));
  const input = document.querySelector('#photo-input');
  input.files = dt.files; input.dispatchEvent(new Event('change')); }"""


def one_run(page):
    """Hand the JPEG to the card; -> its digitlab:photo measure {total, decode_ms, read_ms}."""
    n = page.evaluate("performance.getEntriesByName('digitlab:photo').length")
    page.evaluate(GIVE)
    for _ in range(2000):
        if page.evaluate("n => performance.getEntriesByName('digitlab:photo').length > n", n):
            break
        page.wait_for_timeout(10)
    m = page.evaluate("(() => { const e = performance.getEntriesByName('digitlab:photo').at(-1);"
                      " return {total: e.duration, ...e.detail}; })()")
    page.wait_for_timeout(300)
    return m


def page_times(runs):
    """-> ({total, decode, read} lists of ms, jpeg bytes, the sequence shown)."""
    png = photoset.png_bytes(twelve_megapixels(), level=1)
    server = sb.Server(ROOT / "dist")
    with sync_playwright() as p, tempfile.TemporaryDirectory(prefix="digitlab-photobench-") as profile:
        context = sb.launch_profile(p, profile)
        page, errors = sb.open_ready(context, server.url)
        url = server.url + "bench-photo-12mp.png"       # served to this page only, by Playwright
        context.route(url, lambda route: route.fulfill(body=png, content_type="image/png"))
        size = page.evaluate(TO_JPEG, url)
        measures = [one_run(page) for _ in range(runs)]
        shown = page.get_attribute("#digits", "data-sequence")
        context.close()
    server.close()
    assert not errors, errors
    times = {"total": [m["total"] for m in measures], "decode": [m["decode_ms"] for m in measures],
             "read": [m["read_ms"] for m in measures]}
    return times, size, shown


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--single", type=int, default=500)
    ap.add_argument("--seq", type=int, default=300)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    tally = accuracy(a.single, a.seq)
    print("| photos | ground | n | read exactly | median CPython ms (read + update) |\n|---|---|---|---|---|")
    for (kind, ground), t in sorted(tally.items()):
        print(f"| {kind} | {ground} | {t['n']} | {100 * t['right'] / t['n']:.1f}% | {statistics.median(t['ms']):.0f} |")
    times, size, shown = page_times(a.runs)
    print(f"\n12 MP (4000x3000) JPEG, {size / 1e6:.1f} MB, read as {shown!r}; median of {a.runs} runs:\n")
    print("| file in -> reading painted | decode + scale to 1024 | Python photo.read |\n|---|---|---|")
    print(f"| {statistics.median(times['total']):.0f} ms | {statistics.median(times['decode']):.0f} ms "
          f"| {statistics.median(times['read']):.0f} ms |")


if __name__ == "__main__":
    main()
