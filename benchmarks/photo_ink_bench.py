"""A photo's reading turned into pen strokes (#photo-to-pad, digitlab.photoink): how often the
pad reads the strokes as it read the photo's picture, and how long the turning takes.

    python3 build.py build
    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/photo_ink_bench.py [--single 500] [--seq 300] \
        [--page-single 100] [--page-seq 50]

1. In the page (the real measure): photos from digitlab.photoset as PNG files handed to
   #photo-input; the reading shown (#digits' sequence, else #prediction's digit) is noted, then
   #photo-to-pad is pressed and the reading of the strokes is noted. The `digitlab:photo-ink`
   measure gives Python's part (photo.ink: thinning, tracing) and the whole, from the press to
   the strokes' reading painted. Fresh profile, headless Debian chromium, cnn.
2. In CPython, on more photos: the same comparison, with the strokes drawn back by
   photoink.raster (straight segments with hard edges: the page's pen draws curves with soft
   edges, so this is only an estimate) and photoink.strokes timed.
Single photos are test images 0..N-1 and sequences 2 to 4 random test digits, with
photo_bench.py's seeds. Prints Markdown tables.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from playwright.sync_api import sync_playwright

from digitlab import data, photo, photoink, photoset
from digitlab.app import App
from digitlab.web.features import digits as _digits_hook  # noqa: F401 - the page's multi-digit reading

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sitebench as sb  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
COUNT = "n => performance.getEntriesByName(n).length"
SHOWN = """() => document.querySelector('#digits')?.dataset.sequence ||
                 document.querySelector('#prediction').dataset.digit"""


def cases(n_single, n_seq):
    """-> [(kind, [test indices], seed, board)], photo_bench.py's photos."""
    X, _ = data.load("test")
    rng = np.random.default_rng(2026)
    out = [("single", [i], 100_000 + i) for i in range(n_single)]
    out += [("sequence", rng.integers(0, len(X), rng.integers(2, 5)).tolist(), 200_000 + k) for k in range(n_seq)]
    return [(kind, idx, seed, bool(np.random.default_rng(seed).random() < 1 / 6)) for kind, idx, seed in out]


def cpython_agreement(n_single, n_seq):
    """-> {kind: {n, same, right_photo, right_strokes, ms []}} with photoink.raster standing in for the pen."""
    X, y = data.load("test")
    app, tally = App(), {}

    def reads(pad):
        app.pad[:] = pad.reshape(-1)
        out = app.update("cnn", False)
        return out["digits"]["sequence"] or str(int(np.argmax(out["probs"])))
    for kind, idx, seed, board in cases(n_single, n_seq):
        r = photo.read(photoset.photo([X[i] for i in idx], seed=seed, board=board))
        if r.problem:
            continue
        t0 = time.perf_counter()
        strokes, _ = photoink.strokes(r.pad)
        ms = (time.perf_counter() - t0) * 1000
        a, b = reads(r.pad), reads(photoink.raster(strokes).astype(np.uint8) * np.uint8(255))
        truth = "".join(str(y[i]) for i in idx)
        t = tally.setdefault(kind, {"n": 0, "same": 0, "right_photo": 0, "right_strokes": 0, "ms": []})
        t["n"] += 1
        t["same"] += a == b
        t["right_photo"] += a == truth
        t["right_strokes"] += b == truth
        t["ms"].append(ms)
    return tally


def page_poll(page, js, arg=None, tries=4000):
    for _ in range(tries):
        if page.evaluate(js, arg):
            return
        page.wait_for_timeout(10)
    raise TimeoutError(js)


def one_photo(page, png):
    """Hand one PNG to the card, then press #photo-to-pad -> (photo's reading, strokes' reading,
    the photo-ink measure {total, python_ms, strokes}), or None when the photo was not read."""
    n = page.evaluate(COUNT, "digitlab:photo")
    page.set_input_files("#photo-input", files=[{"name": "p.png", "mimeType": "image/png", "buffer": png}])
    page_poll(page, "n => performance.getEntriesByName('digitlab:photo').length > n ||"
                    " document.querySelector('#photo').dataset.state === 'error'", n)
    if page.get_attribute("#photo", "data-state") != "done":
        return None
    page.wait_for_timeout(30)
    before = page.evaluate(SHOWN)
    n = page.evaluate(COUNT, "digitlab:photo-ink")
    page.click("#photo-to-pad")
    page_poll(page, "n => performance.getEntriesByName('digitlab:photo-ink').length > n", n)
    page.wait_for_timeout(30)
    m = page.evaluate("(() => { const e = performance.getEntriesByName('digitlab:photo-ink').at(-1);"
                      " return {total: e.duration, ...e.detail}; })()")
    return before, page.evaluate(SHOWN), m


def page_agreement(n_single, n_seq):
    """-> {kind: {n, same, right_photo, right_strokes, python_ms [], total_ms [], strokes []}}."""
    X, y = data.load("test")
    tally = {}
    server = sb.Server(ROOT / "dist")
    with sync_playwright() as p, tempfile.TemporaryDirectory(prefix="digitlab-inkbench-") as profile:
        context = sb.launch_profile(p, profile)
        page, errors = sb.open_ready(context, server.url)
        page.locator("#photo").scroll_into_view_if_needed()
        for kind, idx, seed, board in cases(n_single, n_seq):
            rgba = photoset.photo([X[i] for i in idx], seed=seed, board=board)
            got = one_photo(page, photoset.png_bytes(rgba, level=1))
            if got is None:
                continue
            a, b, m = got
            truth = "".join(str(y[i]) for i in idx)
            t = tally.setdefault(kind, {"n": 0, "same": 0, "right_photo": 0, "right_strokes": 0,
                                        "python_ms": [], "total_ms": [], "strokes": []})
            t["n"] += 1
            t["same"] += a == b
            t["right_photo"] += a == truth
            t["right_strokes"] += b == truth
            t["python_ms"].append(m["python_ms"])
            t["total_ms"].append(m["total"])
            t["strokes"].append(m["strokes"])
        context.close()
    server.close()
    assert not errors, errors
    return tally


def pct(a, n):
    return f"{100 * a / max(n, 1):.1f}%"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--single", type=int, default=500)
    ap.add_argument("--seq", type=int, default=300)
    ap.add_argument("--page-single", type=int, default=100)
    ap.add_argument("--page-seq", type=int, default=50)
    a = ap.parse_args()
    page = page_agreement(a.page_single, a.page_seq)
    print("In the page:\n\n| photos | n read | strokes read as the photo | photo right | strokes right |"
          " strokes (median, max) | Python ms (median, max) | press -> painted ms (median) |")
    print("|---|---|---|---|---|---|---|---|")
    for kind, t in sorted(page.items()):
        print(f"| {kind} | {t['n']} | **{pct(t['same'], t['n'])}** | {pct(t['right_photo'], t['n'])} | "
              f"{pct(t['right_strokes'], t['n'])} | {statistics.median(t['strokes']):.0f}, {max(t['strokes'])} | "
              f"{statistics.median(t['python_ms']):.0f}, {max(t['python_ms']):.0f} | {statistics.median(t['total_ms']):.0f} |")
    tally = cpython_agreement(a.single, a.seq)
    print("\nIn CPython (photoink.raster for the pen):\n\n| photos | n read | strokes read as the photo |"
          " photo right | strokes right | photoink.strokes ms (median, max) |\n|---|---|---|---|---|---|")
    for kind, t in sorted(tally.items()):
        print(f"| {kind} | {t['n']} | {pct(t['same'], t['n'])} | {pct(t['right_photo'], t['n'])} | "
              f"{pct(t['right_strokes'], t['n'])} | {statistics.median(t['ms']):.0f}, {max(t['ms']):.0f} |")


if __name__ == "__main__":
    main()
