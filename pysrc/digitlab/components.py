"""Binary-image tools for reading photos: box filters and connected components, numpy only.

Nothing here loops over pixels in Python: box sums come from one integral image, and
components are found on the runs of ink along each row (a photo's ink mask has a few thousand
runs where it has a million pixels), joined by a vectorised union-find.
"""

import numpy as np


def box_sum(a, ry, rx):
    """a (H, W) -> (H, W) float64: the sum of a over the (2ry+1, 2rx+1) box around each pixel,
    the box clipped at the edges; and (H, W) the number of pixels it held. Both from one integral
    image, so the cost does not depend on the radius."""
    H, W = a.shape
    S = np.zeros((H + 1, W + 1))
    np.cumsum(a, axis=0, out=S[1:, 1:])
    np.cumsum(S[1:, 1:], axis=1, out=S[1:, 1:])
    y0, y1 = np.clip(np.arange(H) - ry, 0, H), np.clip(np.arange(H) + ry + 1, 0, H)
    x0, x1 = np.clip(np.arange(W) - rx, 0, W), np.clip(np.arange(W) + rx + 1, 0, W)
    total = S[y1][:, x1] - S[y0][:, x1] - S[y1][:, x0] + S[y0][:, x0]
    return total, np.outer(y1 - y0, x1 - x0)


def box_mean(a, r):
    """a (H, W) -> (H, W) float64, the mean over the (2r+1)^2 box (clipped at the edges)."""
    total, count = box_sum(a, r, r)
    return total / count


def dilate(mask, r):
    """mask (H, W) bool -> (H, W) bool: ink grown by r pixels in every direction (a square)."""
    if r <= 0:
        return mask.copy()
    return box_sum(mask.astype(np.float64), r, r)[0] > 0.5


def runs(mask):
    """mask (H, W) bool -> (row, start, end) int arrays, one entry per horizontal run of True,
    sorted by row then start; end is exclusive."""
    H, W = mask.shape
    padded = np.zeros((H, W + 2), np.int8)
    padded[:, 1:-1] = mask
    edges = np.diff(padded, axis=1)            # +1 where a run starts, -1 just after it ends
    r_on, c_on = np.nonzero(edges == 1)
    _, c_off = np.nonzero(edges == -1)         # row-major order: the same runs, in step
    return r_on, c_on, c_off


def _touching(row, start, end, width):
    """The pairs (a, b) of runs that touch, 8-connected: b in the row below a, overlapping a's
    columns widened by one on each side. -> (a, b) int arrays."""
    key = width + 2                            # row * key + column orders all runs, rows apart
    k_start, k_end = row * key + start, row * key + end
    above = (row - 1) * key
    lo = np.searchsorted(k_end, above + start, side="left")     # first a in the row above ending at or after b's start
    hi = np.searchsorted(k_start, above + end, side="right")    # past the last a there starting by b's end
    n = np.maximum(hi - lo, 0)
    b = np.repeat(np.arange(row.size), n)
    a = np.repeat(lo, n) + (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n))
    return a, b


def _roots(n, a, b):
    """Union-find on n nodes joined by edges (a, b): -> (n,) the smallest node of each one's set.

    Hook every edge's larger root onto its smaller, then halve paths, until no edge spans two
    sets: a few rounds, each a handful of array operations."""
    parent = np.arange(n)
    while True:
        pa, pb = parent[a], parent[b]
        if np.array_equal(pa, pb):
            return parent
        np.minimum.at(parent, np.maximum(pa, pb), np.minimum(pa, pb))
        while True:
            up = parent[parent]
            if np.array_equal(up, parent):
                break
            parent = up


def components(mask):
    """mask (H, W) bool -> (runs, label, area, touches_edge).

    runs: (row, start, end) as `runs` gives; label (n_runs,) the component of each run,
    numbered 0..k-1 by first appearance; area (k,) pixels in each; touches_edge (k,) bool, true
    for a component reaching the image's border (a paper edge, a shadow's rim)."""
    H, W = mask.shape
    row, start, end = runs(mask)
    a, b = _touching(row, start, end, W) if row.size else (np.zeros(0, int),) * 2
    _, label = np.unique(_roots(row.size, a, b), return_inverse=True)
    k = int(label.max()) + 1 if label.size else 0
    area = np.bincount(label, weights=end - start, minlength=k).astype(np.int64)
    edge_run = (row == 0) | (row == H - 1) | (start == 0) | (end == W)
    touches = np.bincount(label, weights=edge_run, minlength=k) > 0
    return (row, start, end), label, area, touches


def paint(shape, row, start, end):
    """The runs (row, start, end) -> (H, W) bool mask holding exactly them."""
    H, W = shape
    flat = np.zeros(H * W + 1, np.int32)
    np.add.at(flat, row * W + start, 1)
    np.add.at(flat, row * W + end, -1)
    return (np.cumsum(flat[:-1]) > 0).reshape(H, W)
