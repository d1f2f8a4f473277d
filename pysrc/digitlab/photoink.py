"""A photo's pad image -> pen strokes the pad draws, so replay and share links can carry it.

Pure numpy (plus a little Python walking the one-pixel skeleton). Share links and stroke replay
know only strokes ({w, pts} in pad units), never a picture, so the ink digitlab.photo laid on
the pad is turned into the strokes a pen would have made:

1. thin:   Zhang and Suen's thinning peels the ink down to its one-pixel middle line;
2. trace:  the middle line is walked pixel by pixel into paths, from each loose end first
           (digits left to right), going as straight as it can through a crossing, then round
           whatever loops are left (a 0, the rings of an 8);
3. width:  one pen width for all of them, so that the strokes drawn with round ends cover as
           many pixels as the ink did (area = w * length + pi w^2 / 8 per free end);
4. centre: each pixel of a path moved to the middle of the ink around it (a one-pixel line
           through an even width is half a pixel off, which a small digit feels);
5. pack:   every third point kept, coordinates on the share link's grid and the width in whole
           pad pixels, so a link made from these strokes gives back exactly the same strokes.

The pad then draws them with its own pen, and everything reads that drawing (the prediction
is the network's for the strokes, not for the photo's picture; benchmarks say how often the two
agree).
"""

import math

import numpy as np

from . import components, constants, segment, sharelink

PAD = constants.PAD
STEP = 3                 # keep every STEP-th pixel of a path as a point (the pen's curve smooths it)
MAX_STROKES = sharelink.MAX_STROKES
MAX_POINTS = sharelink.MAX_POINTS
# The 8 neighbours clockwise from north, as (dr, dc): Zhang-Suen's P2..P9.
RING = ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))
NEAR = RING[0::2] + RING[1::2]     # the same, 4-neighbours first (a walk steps straight if it can)


def thin(mask):
    """(H, W) bool -> (H, W) bool, its one-pixel-wide skeleton (Zhang and Suen, 1984).

    Each pass removes, all at once, the boundary pixels whose removal keeps the shape connected
    (one 0 -> 1 change around the ring, 2..6 neighbours) and lie on the south-east (first
    sub-pass) or north-west (second) side. Worked on the ink's bounding box only."""
    out = np.zeros_like(mask, dtype=bool)
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return out
    r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    m = np.pad(mask[r0:r1, c0:c1], 1).astype(np.uint8)
    while True:
        changed = False
        for first in (True, False):
            gone = _peel(m, first)
            if gone.any():
                m[1:-1, 1:-1][gone] = 0
                changed = True
        if not changed:
            break
    _unstair(m)
    out[r0:r1, c0:c1] = m[1:-1, 1:-1].astype(bool)
    return out


def _unstair(m):
    """Zhang-Suen leaves a line two pixels thick where it runs diagonally (stairs); remove, one
    at a time, every pixel with two or more neighbours whose neighbours form one 8-connected
    group (Yokoi's connectivity number is 1): it connects nothing its neighbours do not, so the
    line stays connected, its ends and crossings stay. m: (h + 2, w + 2) uint8, changed in place."""
    for r, c in zip(*map(np.ndarray.tolist, np.nonzero(m))):
        x = [m[r + dr, c + dc] for dr, dc in RING]                 # N, NE, E, SE, S, SW, W, NW
        if sum(x) < 2:
            continue
        # Yokoi: over the 4-neighbours k, count (not x_k) - (not x_k)(not x_k+1)(not x_k+2)
        groups = sum((1 - x[k]) - (1 - x[k]) * (1 - x[k + 1]) * (1 - x[(k + 2) % 8]) for k in (0, 2, 4, 6))
        if groups == 1:
            m[r, c] = 0


def _peel(m, first):
    """(h + 2, w + 2) uint8 0/1, zero border -> (h, w) bool: the pixels one sub-pass removes."""
    h, w = m.shape[0] - 2, m.shape[1] - 2
    p = [m[1 + dr:1 + dr + h, 1 + dc:1 + dc + w] for dr, dc in RING]      # P2..P9, each (h, w)
    n = sum(p)                                                              # uint8, at most 8
    changes = sum((p[i] < p[(i + 1) % 8]).view(np.uint8) for i in range(8))   # 0 -> 1 steps round the ring
    north, east, south, west = p[0], p[2], p[4], p[6]
    if first:
        side = ((north & east & south) == 0) & ((east & south & west) == 0)
    else:
        side = ((north & east & west) == 0) & ((north & south & west) == 0)
    return (m[1:-1, 1:-1] == 1) & (n >= 2) & (n <= 6) & (changes == 1) & side


def trace(skeleton, order_cols=None):
    """(H, W) bool skeleton -> [[(r, c), ...]] paths of 8-connected pixels covering it.

    Paths start at loose ends (one neighbour), by digit (order_cols: [(c0, c1)] column ranges,
    left to right) then from the top; at a crossing a path goes on along the neighbour closest
    to its own heading. Pixels left (loops, pieces between crossings) start new paths from their
    top, walked both ways. A path ends on the
    first pixel already taken that it touches, so strokes meet where the ink met."""
    pixels = set(zip(*map(np.ndarray.tolist, np.nonzero(skeleton))))
    groups = order_cols or [(0, skeleton.shape[1])]

    def rank(p):
        g = next((k for k, (c0, c1) in enumerate(groups) if c0 <= p[1] < c1), len(groups))
        return g, p[0], p[1]

    ends = sorted((p for p in pixels if len(_around(p, pixels)) == 1), key=rank)
    taken, paths = set(), []
    for start in ends + sorted(pixels, key=rank):
        if start not in taken:
            path = _walk(start, pixels, taken)
            if any(q not in taken for q in _around(start, pixels)):     # begun mid-line: the other way too
                path = _walk(start, pixels, taken)[::-1] + path[1:]
            paths.append(path)
    return paths


def _around(p, pixels):
    """The skeleton pixels among p's 8 neighbours, 4-neighbours first."""
    r, c = p
    return [q for q in ((r + dr, c + dc) for dr, dc in NEAR) if q in pixels]


def _walk(start, pixels, taken):
    """One path from `start` through pixels not yet taken (marking them), heading as straight
    as it can; ends by stepping onto a taken pixel it touches (not its own last few)."""
    path = [start]
    taken.add(start)
    while True:
        free = [q for q in _around(path[-1], pixels) if q not in taken]
        if not free:
            break
        back = path[max(0, len(path) - 5)]
        heading = (path[-1][0] - back[0], path[-1][1] - back[1])
        nxt = max(free, key=lambda q: _cosine(heading, (q[0] - path[-1][0], q[1] - path[-1][1])))
        path.append(nxt)
        taken.add(nxt)
    recent = set(path[-4:])
    meet = [q for q in _around(path[-1], pixels) if q not in recent]
    if meet and len(path) > 1:
        path.append(meet[0])
    return path


def _cosine(a, b):
    """The cosine between two steps; 0 when either has no length (no heading yet: any step)."""
    na, nb = math.hypot(*a), math.hypot(*b)
    return (a[0] * b[0] + a[1] * b[1]) / (na * nb) if na and nb else 0.0


def length(path):
    """[(r, c)] -> its length in px (a diagonal step is sqrt 2)."""
    return sum(math.hypot(a[0] - b[0], a[1] - b[1]) for a, b in zip(path, path[1:]))


def loose_ends(skeleton):
    """(H, W) bool -> how many skeleton pixels have exactly one neighbour (a stroke's free end)."""
    m = np.pad(skeleton, 1).astype(np.int8)
    h, w = skeleton.shape
    n = sum(m[1 + dr:1 + dr + h, 1 + dc:1 + dc + w] for dr, dc in RING)
    return int((skeleton & (n == 1)).sum())


def pen_width(area, lengths, ends):
    """Ink area (px), path lengths (px) and the number of free ends -> the pen width w (px) for
    which strokes with round ends cover `area`: each free end adds half a disc, so
    pi/8 * ends * w^2 + L w = area."""
    L = float(sum(lengths))
    a = math.pi / 8 * ends
    if a == 0:
        return area / max(L, 1.0)
    return (-L + math.sqrt(L * L + 4 * a * area)) / (2 * a)


def ink_centres(mask, w):
    """(H, W) bool ink and the pen width w (px) -> (H, W, 2) float: for each pixel, the centre
    (r, c) of the ink in the (w + 1)-wide box around it (the pixel itself where there is none)."""
    k = max(1, round(w / 2))
    rr, cc = np.mgrid[0:mask.shape[0], 0:mask.shape[1]]
    ink = mask.astype(np.float64)
    count, _ = components.box_sum(ink, k, k)
    n = np.maximum(count, 1)
    r_mean = np.where(count > 0, components.box_sum(ink * rr, k, k)[0] / n, rr)
    c_mean = np.where(count > 0, components.box_sum(ink * cc, k, k)[0] / n, cc)
    return np.stack([r_mean, c_mean], axis=-1)


def centred(path, centres):
    """[(r, c)] pixel path and ink_centres' (H, W, 2) -> (n, 2) float (r, c): each pixel but the
    two ends moved to the centre of the ink around it. A one-pixel line through ink of an even
    width sits half a pixel off its middle, and on a small digit that half pixel matters."""
    p = np.asarray(path, np.intp).reshape(-1, 2)
    out = p.astype(np.float64)
    out[1:-1] = centres[p[1:-1, 0], p[1:-1, 1]]
    return out


def _points(rc, step=STEP):
    """(n, 2) float (r, c) pixel path -> [x0, y0, x1, y1, ...] pad units on the link's grid,
    every step-th point and the last (a one-point path is a dot)."""
    keep = np.concatenate([rc[::step], rc[-1:]]) if (len(rc) - 1) % step else rc[::step]
    xy = np.round((keep[:MAX_POINTS, ::-1] + 0.5) / PAD * sharelink.GRID) / sharelink.GRID
    return xy.reshape(-1).tolist()


def strokes(pad, limit=MAX_STROKES):
    """(PAD, PAD) uint8 pad image, ink bright -> (strokes, dropped).

    strokes: [{"w": pen width / PAD, "pts": [x0, y0, ...] in pad units}], at most `limit` (the
    longest kept, in drawing order), each exactly what a share link packs and unpacks; [] for a
    blank pad. dropped: how many short paths were left out over the limit. Paths shorter than
    half a pen width (a thinning's whisker inside the ink) are left out and not counted."""
    mask = np.asarray(pad) >= segment.INK
    if not mask.any():
        return [], 0
    skeleton = thin(mask)
    paths = trace(skeleton, segment.column_groups(mask.astype(np.uint8) * np.uint8(255)))
    if not paths:                                        # ink too small to keep a middle line
        rows, cols = np.nonzero(mask)
        paths = [[(int(round(rows.mean())), int(round(cols.mean())))]]
    lengths = [length(p) for p in paths]
    w = pen_width(int(mask.sum()), lengths, loose_ends(skeleton) if len(paths[0]) > 1 else 0)
    keep = [k for k, n in enumerate(lengths) if n >= w / 2 or len(paths) == 1]
    if len(keep) > limit:
        longest = sorted(sorted(keep, key=lambda k: -lengths[k])[:limit])
        dropped, keep = len(keep) - limit, longest
    else:
        dropped = 0
    px = min(sharelink.MAX_WIDTH, max(1, round(w)))
    centres = ink_centres(mask, w)
    return [{"w": px / PAD, "pts": _points(centred(paths[k], centres))} for k in keep], dropped


def raster(stroke_list, side=PAD):
    """[{"w", "pts"}] in pad units -> (side, side) bool: the strokes as straight segments with
    round ends (the pad's pen, without its curves and soft edges): for tests and benchmarks."""
    out = np.zeros((side, side), bool)
    yy, xx = np.mgrid[0:side, 0:side] + 0.5
    for s in stroke_list:
        p = np.asarray(s["pts"], np.float64).reshape(-1, 2) * side
        r = s["w"] * side / 2
        for (x0, y0), (x1, y1) in zip(p, p[1:] if len(p) > 1 else p):
            lo_x, hi_x = int(max(0, min(x0, x1) - r - 1)), int(min(side, max(x0, x1) + r + 2))
            lo_y, hi_y = int(max(0, min(y0, y1) - r - 1)), int(min(side, max(y0, y1) + r + 2))
            X, Y = xx[lo_y:hi_y, lo_x:hi_x], yy[lo_y:hi_y, lo_x:hi_x]
            dx, dy = x1 - x0, y1 - y0
            t = np.clip(((X - x0) * dx + (Y - y0) * dy) / max(dx * dx + dy * dy, 1e-12), 0, 1)
            out[lo_y:hi_y, lo_x:hi_x] |= (X - x0 - t * dx) ** 2 + (Y - y0 - t * dy) ** 2 <= r * r
    return out
