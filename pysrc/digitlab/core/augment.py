"""Light augmentation: small random rotations and shifts of 28x28 images, batched.

Each image is resampled bilinearly through its own inverse affine map; everything is
vectorised over the batch, so the cost is a few array ops per batch.
"""

import numpy as np


def affine_batch(X, angle, shift):
    """X (N, H, W) float32; angle (N,) radians; shift (N, 2) pixels (dy, dx) -> (N, H, W).

    Rotation is about the image centre. Pixels sampled from outside are 0 (background).
    """
    n, h, w = X.shape
    cy, cx = (h - 1) / 2, (w - 1) / 2
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cos, sin = np.cos(angle)[:, None, None], np.sin(angle)[:, None, None]
    # Inverse map: for each output pixel, where it came from in the source.
    oy, ox = yy - cy - shift[:, 0, None, None], xx - cx - shift[:, 1, None, None]
    sy = cos * oy - sin * ox + cy
    sx = sin * oy + cos * ox + cx
    y0, x0 = np.floor(sy).astype(np.int32), np.floor(sx).astype(np.int32)
    fy, fx = (sy - y0).astype(np.float32), (sx - x0).astype(np.float32)
    pad = np.pad(X, ((0, 0), (1, 2), (1, 2)))  # so y0, y0+1 in [-1, h] index safely
    y0c, x0c = np.clip(y0, -1, h) + 1, np.clip(x0, -1, w) + 1
    idx = np.arange(n)[:, None, None]

    def at(dy, dx):
        return pad[idx, y0c + dy, x0c + dx]

    top = at(0, 0) * (1 - fx) + at(0, 1) * fx
    bottom = at(1, 0) * (1 - fx) + at(1, 1) * fx
    out = top * (1 - fy) + bottom * fy
    return out.astype(np.float32)


def augment(X, rng, max_degrees=10.0, max_shift=2.0):
    """Random rotation in ±max_degrees and shift in ±max_shift px. X (N, 28, 28) -> (N, 28, 28)."""
    n = len(X)
    angle = np.deg2rad(rng.uniform(-max_degrees, max_degrees, n)).astype(np.float32)
    shift = rng.uniform(-max_shift, max_shift, (n, 2)).astype(np.float32)
    return affine_batch(X, angle, shift)
