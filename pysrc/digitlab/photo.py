"""A photo of handwriting -> pad pixels the page reads like a drawing, with every step.

The browser decodes the file and scales it to at most MAX_SIDE pixels a side (see imagefile);
from its RGBA bytes on, everything is here, numpy only, so the page and CPython give the same:

1. grey:  luminance, transparent pixels on white paper;
2. light: divided by its own heavy blur, so shadows and uneven light become a flat 1.0
   (light falls on paper and ink alike, so the ratio keeps the ink and loses the light);
3. ink:   the side (dark ink on paper, or chalk on a board) whose tail beyond the paper's own
   noise holds more contrast, then Otsu's threshold on that side, never inside the noise;
4. clean: connected components; specks and anything touching the frame (a paper edge, the
   table, a shadow's rim) are dropped;
5. pad:   groups of ink clearly apart (digitlab.segment, as on the pad) are scaled together
   onto a PAD x PAD image, strokes thickened to the pad's brush, gaps kept wide enough for the
   pad's own splitting. The page puts it on the pad; from there it is a drawing like any other
   (preprocess.to_mnist for one digit, segment.split for several).
"""

from dataclasses import dataclass, field

import numpy as np

from . import components, constants, preprocess, segment

MAX_SIDE = 1024          # the browser scales a photo to fit this first, px (its longer side)
BLUR_OF_SIDE = 1 / 12    # the light's blur radius, as a share of the photo's longer side
LIGHT_SIDE = 96          # the light is estimated on a copy at most this big (it varies slowly)
MIN_CONTRAST = 0.12      # ink differs from the paper around it by at least this ratio
NOISE_SIGMAS = 4.0       # ... and by this many times the paper's own noise
SPECK_SHARE = 0.03       # a component under this share of the largest is a speck
MIN_HEIGHT = 0.02        # a digit is at least this share of the photo's longer side tall...
MIN_HEIGHT_PX = 8        # ... and at least this many pixels
PAD = constants.PAD
DIGIT_HEIGHT = 200       # the tallest digit on the pad, px (a hand-drawn one is about this)
MARGIN = 20              # pad px kept free around the ink
GAP = 36                 # pad px between digits: wider than segment's gap for DIGIT_HEIGHT
BRUSH_OF_HEIGHT = 0.1    # a pad stroke is about 20 px wide on a 200 px digit
STEP_SIDE = 160          # step pictures are at most this big, px
VIEW_SIDE = 360          # the photo to draw a region box on is at most this big, px
MIN_REGION = 16          # a region narrower or shorter than this (photo px) is too small to read


@dataclass(eq=False)
class Reading:
    """What `read` found.

    problem: None, or why there is no digit: "flat-white", "flat-black", "flat" (one colour,
      no ink at all) or "no-digit" (ink, but only specks or marks touching the frame).
    pad: (PAD, PAD) uint8, ink bright: what the page puts on the pad (zeros on a problem).
    steps: [(name, (h, w, 4) uint8 RGBA picture)] in order, for display.
    polarity: "dark" (ink on paper), "bright" (chalk on a board) or None.
    threshold: the contrast at which ink starts (after flattening), or None.
    groups: [(r0, r1, c0, c1)] the digits' boxes in the photo, left to right.
    """
    problem: str | None
    pad: np.ndarray
    steps: list = field(default_factory=list)
    polarity: str | None = None
    threshold: float | None = None
    groups: list = field(default_factory=list)


def rgba_array(data, width, height):
    """Bytes-like RGBA (width * height * 4) -> (height, width, 4) uint8. ValueError on a mismatch."""
    a = np.frombuffer(data, np.uint8)
    if width < 1 or height < 1 or a.size != width * height * 4:
        raise ValueError(f"expected {width}x{height} RGBA ({width * height * 4} bytes); got {a.size}")
    if max(width, height) > MAX_SIDE:
        raise ValueError(f"a {width}x{height} image must be scaled to {MAX_SIDE} px a side first")
    return a.reshape(height, width, 4)


def grey(rgba):
    """(H, W, 4) uint8 -> (H, W) float32 in [0, 1]: Rec. 601 luminance over white paper."""
    rgb = rgba[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32) / 255
    alpha = rgba[..., 3].astype(np.float32) / 255
    return rgb * alpha + (1 - alpha)


def flatten_light(g):
    """(H, W) grey -> (H, W) float32: g divided by the light falling on it, so paper reads ~1.0
    in shadow and in sun.

    The light is a box blur of the paper, taken on a small copy and scaled back up. Ink would
    pull that blur toward itself (a digit filling a cut-out region darkens its own background
    until the ink no longer stands out), so the blur is taken twice: the second time only over
    pixels the first one found to be paper (a mean of box sums, weights 0 on the ink)."""
    H, W = g.shape
    k = max(1, int(np.ceil(max(H, W) / LIGHT_SIDE)))
    h, w = max(1, H // k), max(1, W // k)
    small = preprocess.resize(g, h, w).astype(np.float64)
    r = max(1, round(BLUR_OF_SIDE * max(h, w)))
    first = components.box_mean(small, r)
    ratio = small / np.maximum(first, 1 / 255)
    dev = np.abs(ratio - np.median(ratio))
    paper = (dev <= max(NOISE_SIGMAS * 1.4826 * np.median(dev), MIN_CONTRAST / 2)).astype(np.float64)
    total, _ = components.box_sum(small * paper, r, r)
    weight, _ = components.box_sum(paper, r, r)
    light = np.where(weight > 0.5, total / np.maximum(weight, 1), first)
    return g / np.maximum(preprocess.resize(light.astype(np.float32), H, W), 1 / 255)


def otsu(v, bins=256):
    """v (n,) float -> the threshold t maximising the between-class variance of v < t, v >= t."""
    hist, edges = np.histogram(v, bins=bins)
    p = hist / max(1, hist.sum())
    mids = (edges[:-1] + edges[1:]) / 2
    w0, m0 = np.cumsum(p), np.cumsum(p * mids)
    between = (m0[-1] * w0 - m0) ** 2 / np.maximum(w0 * (1 - w0), 1e-12)
    between = between[:-1]
    if between.size == 0:
        return float(mids[0])
    # Every cut inside an empty stretch of the histogram scores the same: take that stretch's middle.
    best = np.flatnonzero(between >= between.max() * (1 - 1e-9))
    return float((edges[best[0] + 1] + edges[best[-1] + 1]) / 2)


def find_ink(flat):
    """(H, W) flattened -> (mask (H, W) bool, polarity, threshold), or (None, None, None) when
    nothing stands out from the paper's noise (a blank photo)."""
    sample = flat[::3, ::3].ravel()
    paper = float(np.median(sample))
    noise = 1.4826 * float(np.median(np.abs(sample - paper)))    # robust sigma (MAD)
    margin = max(NOISE_SIGMAS * noise, MIN_CONTRAST * paper)
    dev = sample - paper
    dark, bright = float(-dev[dev < -margin].sum()), float(dev[dev > margin].sum())
    if dark == 0 and bright == 0:
        return None, None, None
    polarity, sign = ("dark", -1) if dark >= bright else ("bright", 1)
    contrast = sign * (flat - paper)                             # ink positive, paper ~0
    t = max(otsu(sign * dev), margin)
    return contrast >= t, polarity, t


def clean(mask):
    """(H, W) bool -> (H, W) bool without specks and components touching the frame."""
    (row, start, end), label, area, touches = components.components(mask)
    inside = area * ~touches
    if not inside.any():
        return np.zeros_like(mask)
    keep = ~touches & (area >= SPECK_SHARE * inside.max())
    kept = keep[label]
    return components.paint(mask.shape, row[kept], start[kept], end[kept])


def digit_boxes(ink):
    """(H, W) bool -> [(r0, r1, c0, c1)]: each group of ink clearly apart (segment's rule),
    left to right; groups with too small a share of the ink (segment.MIN_SHARE) or too short to
    be a digit (MIN_HEIGHT, MIN_HEIGHT_PX) left out."""
    groups = segment.column_groups(ink)
    mass = np.array([ink[:, c0:c1].sum() for c0, c1 in groups], np.float64)
    shortest = max(MIN_HEIGHT_PX, MIN_HEIGHT * max(ink.shape))
    boxes = []
    for (c0, c1), m in zip(groups, mass):
        rows = np.flatnonzero(ink[:, c0:c1].any(axis=1))
        if m >= segment.MIN_SHARE * mass.sum() and rows[-1] + 1 - rows[0] >= shortest:
            boxes.append((int(rows[0]), int(rows[-1]) + 1, c0, c1))
    return boxes


def stroke_width(mask):
    """(h, w) bool -> mean stroke width, px: twice the area over the perimeter (a stroke of
    length L and width w has area L*w and a perimeter of about 2L)."""
    m = np.pad(mask, 1).astype(np.int8)
    edges = np.abs(np.diff(m, axis=0)).sum() + np.abs(np.diff(m, axis=1)).sum()
    return 2 * float(m.sum()) / max(1, int(edges))


def _scale(boxes):
    """The one scale, photo px -> pad px, that fits every box side by side within the pad
    (room left for each digit's thickened stroke)."""
    height = max(r1 - r0 for r0, r1, _, _ in boxes)
    width = sum(c1 - c0 for _, _, c0, c1 in boxes)
    room = PAD - 2 * MARGIN - (GAP + BRUSH_OF_HEIGHT * DIGIT_HEIGHT) * (len(boxes) - 1)
    return min(DIGIT_HEIGHT / height, max(1, room) / width)


def _thick(ink, box, s, brush):
    """One digit's ink (its box in the photo) scaled by s, strokes thickened to `brush` px ->
    (part (h, w) bool cropped to its ink, row of its top in pad px before centring)."""
    r0, r1, c0, c1 = box
    h, w = max(1, round((r1 - r0) * s)), max(1, round((c1 - c0) * s))
    part = preprocess.resize(ink[r0:r1, c0:c1].astype(np.float32), h, w) >= 0.5
    grow = max(0, round((brush - stroke_width(part)) / 2))
    part = components.dilate(np.pad(part, grow), grow)
    rows, cols = np.flatnonzero(part.any(axis=1)), np.flatnonzero(part.any(axis=0))
    if rows.size == 0:
        return part[:0, :0], r0 * s
    return part[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1], r0 * s - grow + rows[0]


def to_pad(ink, boxes):
    """(H, W) bool and its digit boxes -> (PAD, PAD) uint8: the digits side by side, each scaled
    by one common factor and its stroke thickened to the pad's brush, GAP px of paper between
    neighbours' ink, the whole row centred on the pad."""
    s = _scale(boxes)
    brush = BRUSH_OF_HEIGHT * max(r1 - r0 for r0, r1, _, _ in boxes) * s
    parts = [p for p in (_thick(ink, b, s, brush) for b in boxes) if p[0].size]
    if not parts:
        return np.zeros((PAD, PAD), np.uint8)
    top = min(y for _, y in parts)
    height = max(y + p.shape[0] for p, y in parts) - top
    x = (PAD - sum(p.shape[1] for p, _ in parts) - GAP * (len(parts) - 1)) // 2
    pad = np.zeros((PAD, PAD), bool)
    for p, y in parts:
        _paste_or(pad, p, round((PAD - height) / 2 + y - top), x)
        x += p.shape[1] + GAP
    return pad.astype(np.uint8) * np.uint8(255)


def _paste_or(dst, src, y, x):
    """dst |= src placed with its top-left at (y, x), the parts outside dst cut off."""
    H, W = dst.shape
    y0, x0 = max(0, y), max(0, x)
    y1, x1 = min(H, y + src.shape[0]), min(W, x + src.shape[1])
    if y1 > y0 and x1 > x0:
        dst[y0:y1, x0:x1] |= src[y0 - y:y1 - y, x0 - x:x1 - x]


def turned(rgba, turns=0):
    """(H, W, 4) -> the photo turned clockwise by 90 degrees `turns` times (a view, not a copy)."""
    return np.rot90(rgba, k=-(int(turns) % 4))


def region_box(shape, region=None):
    """(H, W) and region (y0, y1, x0, x1), fractions 0..1 of the height and width -> the pixel
    box (r0, r1, c0, c1) it covers, widened to whole pixels; the whole photo for None; None when
    the box is under MIN_REGION a side. ValueError unless 0 <= start < end <= 1."""
    H, W = shape[:2]
    if region is None:
        return 0, H, 0, W
    y0, y1, x0, x1 = (float(v) for v in region)
    if not (0 <= y0 < y1 <= 1 and 0 <= x0 < x1 <= 1):
        raise ValueError(f"region must be fractions 0 <= start < end <= 1; got {region}")
    r0, r1 = int(np.floor(y0 * H)), int(np.ceil(y1 * H))
    c0, c1 = int(np.floor(x0 * W)), int(np.ceil(x1 * W))
    return (r0, r1, c0, c1) if min(r1 - r0, c1 - c0) >= MIN_REGION else None


def read(rgba, region=None):
    """(H, W, 4) uint8 RGBA photo, H and W <= MAX_SIDE -> Reading (see there).

    region (y0, y1, x0, x1) fractions: read only the ink inside it. The light, the ink's side
    and the threshold still come from the whole photo (a box drawn tight around one digit is
    mostly ink, and would fool them); problem "small-region" for a box under MIN_REGION."""
    box = region_box(rgba.shape, region)
    blank = np.zeros((PAD, PAD), np.uint8)
    if box is None:
        return Reading("small-region", blank)
    cut = np.s_[box[0]:box[1], box[2]:box[3]]
    g = grey(rgba)
    flat = flatten_light(g)
    steps = [("photo", picture(rgba[cut])), ("grey", picture(g[cut])),
             ("light", picture(np.clip(flat[cut] / 1.25, 0, 1)))]
    mask, polarity, t = find_ink(flat)
    if mask is None:
        problem = "flat-white" if g.mean() > 0.85 else "flat-black" if g.mean() < 0.15 else "flat"
        return Reading(problem, blank, steps)
    steps.append(("ink", picture(~mask[cut])))
    ink = clean(mask[cut])
    steps.append(("clean", picture(~ink)))
    boxes = digit_boxes(ink)
    if not boxes:
        return Reading("no-digit", blank, steps, polarity, t)
    pad = to_pad(ink, boxes)
    steps.append(("pad", picture(255 - pad)))
    steps.append(("mnist", picture(1 - inputs(pad))))
    return Reading(None, pad, steps, polarity, t, boxes)


def inputs(pad):
    """(PAD, PAD) uint8 -> (28, 28 n + 2 (n - 1)) float32: the 28x28 input the network reads for
    each of the n digits the pad splits into (one when it does not split), 2 px apart."""
    parts = segment.split(pad) or [pad]
    out = np.zeros((preprocess.FIELD, 30 * len(parts) - 2), np.float32)
    for k, p in enumerate(parts):
        out[:, 30 * k:30 * k + preprocess.FIELD] = preprocess.to_mnist(p)
    return out


def picture(img, side=STEP_SIDE):
    """An image for the step strip -> (h, w, 4) uint8 RGBA, at most `side` px a side.

    img: (H, W, 4) uint8 RGBA, (H, W) uint8 0..255, or (H, W) float / bool in [0, 1] (1 = white).
    Whole k x k blocks are summed first (rows, then columns, each along contiguous memory, all
    channels at once), then the small result is resampled to its exact size: the full-size
    float resample per channel cost ~6x more."""
    a = np.asarray(img)
    a = a if a.ndim == 3 else a[..., None]
    H, W, C = a.shape
    k = max(1, max(H, W) // side)
    acc = np.int32 if a.dtype in (np.uint8, np.bool_) else np.float64
    rows = a[:H // k * k, :W // k * k].reshape(H // k, k, W // k * k * C).sum(axis=1, dtype=acc)
    blocks = rows.reshape(H // k, W // k, k, C).sum(axis=2) / (k * k * (255 if a.dtype == np.uint8 else 1))
    scale = min(1.0, side / max(H, W))
    h, w = max(1, round(H * scale)), max(1, round(W * scale))
    out = np.full((h, w, 4), 255, np.uint8)
    for i in range(4 if C == 4 else 3):
        out[..., i] = np.round(np.clip(preprocess.resize(blocks[..., i if C == 4 else 0], h, w), 0, 1) * 255)
    return out
