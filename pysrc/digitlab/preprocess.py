"""A drawing -> the 28x28 image a network trained on MNIST expects.

MNIST was made like this (LeCun et al.): crop each digit to its bounding box,
scale the longer side to 20 px keeping the aspect with anti-aliasing, paste it
into a 28x28 field, and move it so its centre of mass sits at the field's
centre. Measured on the MNIST test set, that centre is (14.0, 14.0) in pixel
index coordinates (mean 13.99 / 14.01, std 0.29 = a uniform +-0.5 rounding),
and the ink's box is exactly 20 px: the shift was a whole number of pixels, so
the edges stay as sharp as the resampling made them. We do the same.

Resampling is separable and computes `R_y @ crop @ R_x.T` without forming the
big product: shrinking is a running sum read at the pixel edges (exact area
averaging in one pass), growing is a small cached interpolation matrix. Nothing
loops over pixels in Python, so a 280x280 pad takes ~0.1 ms in CPython and
~0.3 ms in Pyodide. numpy + stdlib only: this runs in the browser too.

Images are 2-D: float in [0, 1] or integer 0..255 (uint8), ink bright.
"""

import threading
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from . import constants, ink

FIELD = 28            # output side, px
BOX = 20              # the longer side of the ink after scaling, px
CENTRE = 14.0         # where MNIST puts the centre of mass (row and column index)
INK_THRESHOLD = constants.INK_THRESHOLD   # ink >= this counts; fainter pixels are anti-aliasing haze
_INK_U8 = int(np.ceil(INK_THRESHOLD * 255))  # the same threshold on 0..255 data


@dataclass(frozen=True, eq=False)  # eq on arrays would be ambiguous
class Steps:
    """Every stage of `to_mnist`, for display and animation.

    ink:     (H, W) float32 in [0, 1], the normalised input.
    bbox:    (r0, r1, c0, c1), half-open rows/cols of the ink, or None when blank.
    cropped: (r1 - r0, c1 - c0) float32, ink[r0:r1, c0:c1].
    scaled:  (h, w) float32, max(h, w) == 20 (both 0 when blank).
    boxed:   (28, 28), `scaled` pasted with its box centred.
    origin:  (row, col) of scaled's top-left corner inside `boxed`.
    shift:   (dy, dx) whole pixels moved to put the centre of mass at (14, 14).
    final:   (28, 28) float32, equal to `to_mnist(img)`.
    """
    ink: np.ndarray
    bbox: tuple | None
    cropped: np.ndarray
    scaled: np.ndarray
    boxed: np.ndarray
    origin: tuple
    shift: tuple
    final: np.ndarray


def _check(img):
    """Validate `img`; -> (array, scale) where ink = array * scale lies in [0, 1]."""
    a = np.asarray(img)
    if a.ndim != 2:
        raise ValueError(f"image must be 2-D (rows, cols); got shape {a.shape}")
    if a.size == 0:
        raise ValueError(f"image is empty; got shape {a.shape}")
    if a.dtype == np.uint8:
        return a, np.float32(1 / 255)
    if a.dtype == np.bool_:
        return a.astype(np.uint8) * np.uint8(255), np.float32(1 / 255)
    if np.issubdtype(a.dtype, np.integer):
        if a.min() < 0 or a.max() > 255:
            raise ValueError(f"integer image must lie in 0..255; got values from {a.min()} to {a.max()}")
        return a.astype(np.uint8), np.float32(1 / 255)
    if not np.issubdtype(a.dtype, np.floating):
        raise ValueError(f"image must be float in [0, 1] or uint8 0..255; got dtype {a.dtype}")
    lo, hi = float(a.min()), float(a.max())  # min/max propagate NaN, and show inf
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError("image contains NaN or infinite values; ink must be finite, in [0, 1]")
    if lo < -1e-3 or hi > 1 + 1e-3:
        raise ValueError(f"float image must lie in [0, 1] (pass uint8 for 0..255 data); "
                         f"got values from {lo:g} to {hi:g}")
    # No clip or float32 copy of the whole pad here (it costs more than the rest);
    # the crop is converted in `resize`, and every output is clipped to [0, 1].
    return a, np.float32(1)


def _bbox(a, scale):
    """Half-open (r0, r1, c0, c1) of pixels with ink >= INK_THRESHOLD, or None."""
    found = ink.lines(a, _INK_U8 if a.dtype == np.uint8 else INK_THRESHOLD)
    if found is None:
        return None
    r0, r1, cols = found
    cols = np.flatnonzero(cols)
    return r0, r1, int(cols[0]), int(cols[-1]) + 1


def has_ink(img):
    """True when any pixel reaches INK_THRESHOLD (0.1): a lone dot counts, faint haze does not."""
    return _bbox(*_check(img)) is not None


@lru_cache(maxsize=256)
def resample_weights(n_in, n_out):
    """(n_out, n_in) float32 matrix R, rows summing to 1, so that R @ v resamples v.

    Shrinking averages by area (each output pixel is the mean of the input it
    covers, fractions included), which is the anti-aliasing MNIST used. Growing
    interpolates linearly, so a tiny drawing comes out smooth rather than blocky.
    `resize` uses it for growing; shrinking takes the cheaper cumulative-sum route.
    """
    s = n_in / n_out  # input pixels per output pixel
    i = np.arange(n_in)[None, :]
    if s >= 1:
        e0 = np.arange(n_out)[:, None] * s
        overlap = np.minimum(e0 + s, i + 1) - np.maximum(e0, i)
        R = np.clip(overlap, 0, None) / s
    else:
        centre = np.clip((np.arange(n_out)[:, None] + 0.5) * s - 0.5, 0, n_in - 1)
        R = np.clip(1 - np.abs(i - centre), 0, None)
    R = (R / R.sum(axis=1, keepdims=True)).astype(np.float32)
    R.setflags(write=False)  # cached and shared: nobody may edit it
    return R


@lru_cache(maxsize=256)
def _area_edges(n_in, n_out):
    """Output pixel edges on the input axis as whole + fraction: (i, t), each (n_out+1,)."""
    e = np.arange(n_out + 1) * (n_in / n_out)
    i = np.minimum(np.floor(e).astype(np.intp), n_in - 1)
    return i, e - i


_local = threading.local()  # per-thread scratch buffers, so threads never share one


def _scratch(shape, dtype):
    """A reused (rows, cols) work array of `dtype`, contents undefined.

    A fresh 1 MB array per call cost ~1 ms of page faults in CPython here
    (allocator-dependent), 5x the arithmetic; reusing one buffer avoids it.
    Callers must not return it or views of it.
    """
    bufs = _local.__dict__.setdefault("bufs", {})
    n = shape[0] * shape[1]
    if bufs.get(dtype) is None or bufs[dtype].size < n:
        bufs[dtype] = np.empty(n, dtype)
    return bufs[dtype][:n].reshape(shape)


def _resample_last(a, n_out):
    """(H, n_in) -> (H, n_out) float: area means when shrinking, linear when growing."""
    n_in = a.shape[1]
    if n_out == n_in:
        return a
    if n_out > n_in:
        return a.astype(np.float32, copy=False) @ resample_weights(n_in, n_out).T
    # Area under a piecewise-constant signal = its running sum, interpolated linearly
    # at the output edges: one pass over the input, far less work than a matmul,
    # which matters in Pyodide (its numpy has no optimised BLAS). Along the last,
    # contiguous axis a running sum is several times faster than along the first.
    # Integer sums are exact; floats are summed as float64, converted up front
    # because a casting float cumsum is slow (uint8 -> int32 casts fast). dtype=
    # must be explicit: by default an int32 cumsum goes through int64, ~7x slower.
    acc = np.int32 if a.dtype == np.uint8 else np.float64
    C = _scratch((a.shape[0], n_in + 1), acc)
    C[:, 0] = 0
    np.cumsum(a if acc is np.int32 else a.astype(acc), axis=1, dtype=acc, out=C[:, 1:])
    i, t = _area_edges(n_in, n_out)
    C0 = C[:, i]
    return np.diff(C0 + t * (C[:, i + 1] - C0), axis=1) * (n_out / n_in)


def resize(a, h, w, scale=np.float32(1)):
    """(H, W) array -> (h, w) float32, scale * (R_y @ a @ R_x.T) computed cheaply.

    Columns first, on the big input; then rows, on the small (H, w) result.
    """
    cols = _resample_last(a, w)                                    # (H, w)
    out = _resample_last(np.ascontiguousarray(cols.T), h).T        # (h, w)
    return np.multiply(out, scale, dtype=np.float32)


def _fit_box(h, w):
    """Scaled size (sh, sw) with the longer side BOX and the aspect kept, each >= 1."""
    L = max(h, w)
    return max(1, round(h * BOX / L)), max(1, round(w * BOX / L))


def _centre_of_mass(a):
    """(row, col) centre of mass of a 2-D non-negative array with positive sum."""
    m = a.sum()
    return (a.sum(axis=1) @ np.arange(a.shape[0])) / m, (a.sum(axis=0) @ np.arange(a.shape[1])) / m


def _place(scaled):
    """-> (origin, shift) for pasting `scaled` into the field.

    origin centres the box; origin + shift puts the centre of mass on (14, 14),
    rounded to whole pixels as MNIST did, and clamped so no ink leaves the field.
    """
    (h, w), (cy, cx) = scaled.shape, _centre_of_mass(scaled)
    origin = ((FIELD - h) // 2, (FIELD - w) // 2)
    target = (int(np.clip(round(CENTRE - cy), 0, FIELD - h)),
              int(np.clip(round(CENTRE - cx), 0, FIELD - w)))
    return origin, (target[0] - origin[0], target[1] - origin[1])


def _paste(scaled, row, col):
    out = np.zeros((FIELD, FIELD), np.float32)
    out[row:row + scaled.shape[0], col:col + scaled.shape[1]] = scaled
    return out


def _scaled(a, scale, box):
    """The ink inside `box`, resampled to the longer side BOX, clipped to [0, 1]."""
    r0, r1, c0, c1 = box
    crop = a[r0:r1, c0:c1]
    return np.clip(resize(crop, *_fit_box(*crop.shape), scale), 0, 1), crop


def to_mnist(img):
    """(H, W) drawing, float [0, 1] or uint8 -> (28, 28) float32 in [0, 1], MNIST-style.

    Blank input (no pixel >= INK_THRESHOLD) gives zeros. Raises ValueError for
    non-2-D, empty, non-numeric, NaN/inf or out-of-range float input.
    """
    a, scale = _check(img)
    box = _bbox(a, scale)
    if box is None:
        return np.zeros((FIELD, FIELD), np.float32)
    scaled, _ = _scaled(a, scale, box)
    (oy, ox), (dy, dx) = _place(scaled)
    return _paste(scaled, oy + dy, ox + dx)


def _unit(a, scale):
    """A new float32 copy of `a` * scale, clipped to [0, 1] in place (np.clip is slower)."""
    out = np.multiply(a, scale, dtype=np.float32)
    np.minimum(out, 1, out=out)
    return np.maximum(out, 0, out=out)


def to_mnist_steps(img):
    """Same as `to_mnist`, returning every intermediate image as a `Steps`."""
    a, scale = _check(img)
    ink = _unit(a, scale)
    box = _bbox(a, scale)
    if box is None:
        zeros, empty = np.zeros((FIELD, FIELD), np.float32), np.zeros((0, 0), np.float32)
        return Steps(ink, None, empty, empty, zeros, (0, 0), (0, 0), zeros.copy())
    scaled, crop = _scaled(a, scale, box)
    (oy, ox), (dy, dx) = _place(scaled)
    cropped = _unit(crop, scale)
    return Steps(ink, box, cropped, scaled, _paste(scaled, oy, ox), (oy, ox), (dy, dx),
                 _paste(scaled, oy + dy, ox + dx))


def downscale(img, size=FIELD):
    """(H, W) drawing -> (size, size) float32 in [0, 1]: the whole pad by area, as drawn.

    No cropping or centring: this is the honest "what you drew" preview. A
    non-square pad keeps its aspect and is centred on a black square.
    """
    a, scale = _check(img)
    H, W = a.shape
    if H == W and H % size == 0:
        out = _block_means(a, H // size, scale)
    else:
        L = max(H, W)
        h, w = max(1, round(H * size / L)), max(1, round(W * size / L))
        small = np.clip(resize(a, h, w, scale), 0, 1)
        out = np.zeros((size, size), np.float32)
        out[(size - h) // 2:(size - h) // 2 + h, (size - w) // 2:(size - w) // 2 + w] = small
    return out


def _block_means(a, k, scale):
    """(n*k, n*k) -> (n, n) float32 in [0, 1]: the mean of each k x k block (the area average
    `resize` computes, for a whole number of pixels per output pixel, summed exactly).

    Both sums run across rows, whose inner loop walks contiguous memory: k rows at a time, then,
    transposed, k columns at a time. Summing along the last axis is ~4x slower in Pyodide.
    """
    n = a.shape[0] // k
    acc = np.int32 if a.dtype == np.uint8 else np.float64
    rows = a.reshape(n, k, n * k).sum(axis=1, dtype=acc)                  # (n, n*k)
    blocks = np.ascontiguousarray(rows.T).reshape(n, k, n).sum(axis=1)    # (n cols, n rows)
    out = np.multiply(blocks.T, scale / (k * k), dtype=np.float32)
    return np.clip(out, 0, 1, out=out)
