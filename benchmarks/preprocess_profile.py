"""Where preprocessing's time goes, op by op: the same code for CPython, Pyodide in Node and the page.

    .venv/bin/python benchmarks/preprocess_profile.py              # CPython
    node benchmarks/pyodide_profile.mjs dist [--snapshot]          # Pyodide in Node
    .venv/bin/python benchmarks/page_profile.py                    # Pyodide in the page (chromium)

`report()` prints a Markdown table of medians (ms per call). Every op is timed as a batch of
calls divided by their number, so a coarse clock (the page's performance.now is coarsened to
0.1 ms without cross-origin isolation) does not matter. Workloads:
  ring        one 280x280 pad drawn as a 0, the same pad every call (what pyodide_forward.mjs times)
  strokes     the pads a page update sees: one loop drawn in 40 moves, as page_bench.py draws it,
              each pad a move later than the one before (the ink's box changes every call)
  strokes+    the same, with ~2 MB of other memory written between calls (the rest of an update
              and the browser's own work leave the caches cold)
"""

import statistics
import time

import numpy as np

from digitlab import preprocess as P

PAD = 280
BRUSH = 20  # px, the page's default brush (site/js/pad.js)


def _segments_ink(pts):
    """(n, 2) points in px -> (PAD, PAD) uint8 alpha of a round-capped polyline BRUSH px wide."""
    yy, xx = np.mgrid[0:PAD, 0:PAD].astype(np.float32) + 0.5
    d = np.full((PAD, PAD), np.inf, np.float32)
    for (x0, y0), (x1, y1) in zip(pts[:-1], pts[1:]):
        vx, vy = x1 - x0, y1 - y0
        t = np.clip(((xx - x0) * vx + (yy - y0) * vy) / max(vx * vx + vy * vy, 1e-9), 0, 1)
        d = np.minimum(d, np.hypot(xx - x0 - t * vx, yy - y0 - t * vy))
    return (np.clip(BRUSH / 2 + 0.5 - d, 0, 1) * 255).astype(np.uint8)


def stroke_pads(k=1):
    """The 39 pads of one page_bench stroke (a wobbly loop, 40 moves), each one move longer: list of (280, 280) uint8."""
    a = 2 * np.pi * np.arange(0, 41) / 40
    r = 0.22 + 0.06 * np.sin(k + 3 * a)
    pts = np.stack([0.5 + r * np.sin(a), 0.5 - 1.4 * r * np.cos(a)], axis=1) * PAD
    pts[0] = (0.5 * PAD, 0.18 * PAD)
    return [_segments_ink(pts[:n]) for n in range(2, 41)]


def ring_pad():
    """(280, 280) uint8: the ring pyodide_forward.mjs times."""
    yy, xx = np.mgrid[0:PAD, 0:PAD]
    ring = np.hypot((yy - 140) / 1.3, xx - 140)
    return (np.clip(1 - np.abs(ring - 70) / 10, 0, 1) * 255).astype(np.uint8)


def per_call_ms(f, args_list, batches=15, between=None):
    """Median over batches of (time of f(*args) for every args in args_list) / len(args_list), ms."""
    for args in args_list[:5]:
        f(*args)
    out = []
    for _ in range(batches):
        total = 0.0
        if between is None:                 # one clock reading per batch
            t = time.perf_counter()
            for args in args_list:
                f(*args)
            total = time.perf_counter() - t
        for args in args_list if between is not None else ():
            between()
            t = time.perf_counter()
            f(*args)
            total += time.perf_counter() - t
        out.append(1000 * total / len(args_list))
    return statistics.median(out)


class OnePerFrame:
    """to_mnist + downscale of the next stroke pad, `reps` calls per animation frame (the page
    makes one per update, with the browser's work in between). Call it from JS or a timer; read
    `.ms`: per frame, each call's ms (their mean is unbiased under a coarsened, jittered clock).
    noop=True times an empty call instead: the clock's own bias."""

    def __init__(self, reps=1, noop=False):
        self.pads, self.k, self.ms, self.reps, self.noop = stroke_pads(), 0, [], reps, noop

    def __call__(self):
        times = []
        for _ in range(self.reps):
            pad = self.pads[self.k % len(self.pads)]
            self.k += 1
            t = time.perf_counter()
            if not self.noop:
                P.to_mnist(pad)
                P.downscale(pad)
            times.append(1000 * (time.perf_counter() - t))
        self.ms.append(times)

    def summary(self, skip=40):
        """-> "first call a ms, later calls b ms" (means over frames after `skip`)."""
        ms = self.ms[skip:]
        first = statistics.mean(m[0] for m in ms)
        rest = [x for m in ms for x in m[1:]]
        return f"first call {first:.3f} ms" + (f", calls 2..{self.reps} {statistics.mean(rest):.3f} ms" if rest else "")


def ops(pad):
    """{label: (f, args)}: to_mnist of `pad` split into its numpy calls, with their real inputs."""
    a, scale = P._check(pad)
    r0, r1, c0, c1 = P._bbox(a, scale)
    crop = a[r0:r1, c0:c1]
    h, w = P._fit_box(*crop.shape)
    cols = P._resample_last(crop, w)
    colsT = np.ascontiguousarray(cols.T)
    out = P._resample_last(colsT, h).T
    scaled = np.clip(np.multiply(out, scale, dtype=np.float32), 0, 1)
    C = P._scratch((crop.shape[0], crop.shape[1] + 1), np.int32)
    i, t = P._area_edges(crop.shape[1], w)
    return {
        "to_mnist": (P.to_mnist, (pad,)),
        "downscale (plain preview)": (P.downscale, (pad,)),
        "· _check": (P._check, (pad,)),
        "· _bbox": (P._bbox, (a, scale)),
        "·· pad.max(axis=1)": (lambda: a.max(axis=1), ()),
        "·· crop rows .max(axis=0)": (lambda: a[r0:r1].max(axis=0), ()),
        "· resize": (P.resize, (crop, h, w, scale)),
        "·· columns: _resample_last(uint8 crop)": (P._resample_last, (crop, w)),
        "··· cumsum int32": (lambda: np.cumsum(crop, axis=1, dtype=np.int32, out=C[:, 1:]), ()),
        "··· gather + lerp + diff": (lambda: np.diff(C[:, i] + t * (C[:, i + 1] - C[:, i]), axis=1), ()),
        "·· transpose copy": (np.ascontiguousarray, (cols.T,)),
        "·· rows: _resample_last(float64)": (P._resample_last, (colsT, h)),
        "·· scale to float32": (lambda: np.multiply(out, scale, dtype=np.float32), ()),
        "· clip": (lambda: np.clip(out, 0, 1), ()),
        "· _place (centre of mass)": (P._place, (scaled,)),
        "· _paste": (P._paste, (scaled, 4, 4)),
        "_block_means (downscale's work)": (P._block_means, (a, 10, scale)),
    }


def report(warm_up=True):
    """-> Markdown: ms per call of each op on the ring, and to_mnist on the stroke workloads.

    warm_up: run everything once first, untimed. A wasm engine compiles each function quickly
    first and optimises it once it has run a while: the first ~0.5 s of calls run slower.
    """
    if warm_up:
        report(warm_up=False)
    ring = ring_pad()
    pads = stroke_pads()
    junk = np.zeros(2 << 20, np.uint8)
    rows = ["| op (280x280 pad) | ring, ms |", "|---|---|"]
    for label, (f, args) in ops(ring).items():
        n = 40 if label[0] != "·" or label.startswith("· ") else 200
        rows.append(f"| {label} | {per_call_ms(f, [args] * n):.4f} |")
    seq = [(p,) for p in pads]
    rows += ["", "| to_mnist + downscale, workload | ms per call |", "|---|---|"]
    both = lambda p: (P.to_mnist(p), P.downscale(p))  # noqa: E731
    rows.append(f"| ring, same pad | {per_call_ms(both, [(ring,)] * 40):.4f} |")
    rows.append(f"| strokes (39 pads, box changes) | {per_call_ms(both, seq):.4f} |")
    rows.append(f"| strokes+ (2 MB written between) | {per_call_ms(both, seq, between=lambda: junk.fill(1)):.4f} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(report())
