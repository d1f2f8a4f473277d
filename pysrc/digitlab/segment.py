"""Multi-digit: split a drawing into groups of ink that are clearly apart, left to right.

Pure numpy. Digits in a row are separated by empty columns; a digit's own strokes overlap in x
even when they do not touch (the two strokes of a 4, the flag of a 5), so column gaps split
between digits and not inside one, where connected components would. A group is one digit
only if it holds a real share of the ink: a stray dot is not a digit.
"""

import numpy as np

from . import ink

INK = 26              # a pixel with alpha >= 10 % of 255 is ink
MIN_GAP = 8           # pixels of the 280-pixel pad: narrower gaps never split
GAP_OF_HEIGHT = 0.12  # ... and a gap must be at least this share of the ink's height
MIN_SHARE = 0.05      # a group with less of the ink than this is a speck, not a digit


def column_groups(img):
    """img (H, W) uint8 or float, ink bright -> [(c0, c1)] column ranges (c1 exclusive), left to
    right, one per group of ink clearly apart from the next. [] for a blank image."""
    a = np.asarray(img)
    found = ink.lines(a, INK if a.dtype == np.uint8 else INK / 255)
    if found is None:
        return []
    r0, r1, cols = found
    xs = np.flatnonzero(cols)
    min_gap = max(MIN_GAP, GAP_OF_HEIGHT * (r1 - r0))
    breaks = np.flatnonzero(np.diff(xs) > min_gap)            # ink column i, then a wide gap
    starts = np.concatenate([[xs[0]], xs[breaks + 1]])
    ends = np.concatenate([xs[breaks], [xs[-1]]]) + 1
    return list(zip(starts.tolist(), ends.tolist()))


def split(img):
    """img (H, W) -> [(H, W) images], one per digit-sized group, each with only that group's ink
    (the same dtype). [] when there are fewer than two groups: one digit is not a sequence."""
    a = np.asarray(img)
    groups = column_groups(a)
    if len(groups) < 2:
        return []
    mass = np.array([float(a[:, c0:c1].sum(dtype=np.float64)) for c0, c1 in groups])
    keep = [g for g, m in zip(groups, mass) if m >= MIN_SHARE * mass.sum()]
    if len(keep) < 2:
        return []
    out = []
    for c0, c1 in keep:
        part = np.zeros_like(a)
        part[:, c0:c1] = a[:, c0:c1]
        out.append(part)
    return out
