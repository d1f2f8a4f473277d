"""Spoil the test set: MNIST images made harder on purpose, to see how a network holds up.

Pure numpy. Images are X (n, 28, 28) uint8 as MNIST stores them; each spoiler returns float32
in [0, 1] (the networks' input), and `spoil` applies them in a fixed order: thickness, rotation,
shift, noise (noise last, so it is never blurred by the resampling).

    thicken(A, k)     k > 0: k steps of dilation (each pixel takes its 3x3 neighbourhood's max),
                      k < 0: -k steps of erosion (the min): thicker or thinner strokes
    rotate(A, deg)    turned deg degrees clockwise (as seen, rows running down) about the centre, bilinear
    shift(A, k)       moved k whole pixels to the right; what leaves the square is lost, 0 comes in
    add_noise(A, s)   Gaussian noise of standard deviation s, from a fixed seed, clipped to [0, 1]
"""

import numpy as np

SEED = 16
STRENGTHS = {                     # the curves' x values (the page's sliders step through them)
    "noise": (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6),
    "rotate": (0, 10, 20, 30, 40, 50, 60),
    "thickness": (-2, -1, 0, 1, 2, 3),
    "shift": (0, 1, 2, 3, 4, 5, 6),
}


def _neighbourhood(A, reduce):
    """(n, 28, 28) -> each pixel's 3x3 neighbourhood max or min (edges padded with 0)."""
    P = np.pad(A, ((0, 0), (1, 1), (1, 1)))
    out = P[:, 1:-1, 1:-1].copy()
    for dy in (0, 1, 2):
        for dx in (0, 1, 2):
            reduce(out, P[:, dy:dy + 28, dx:dx + 28], out=out)
    return out


def thicken(A, k):
    """A (n, 28, 28) float -> strokes k pixels thicker (k < 0: thinner)."""
    for _ in range(abs(int(k))):
        A = _neighbourhood(A, np.maximum if k > 0 else np.minimum)
    return A


def rotate(A, degrees):
    """A (n, 28, 28) float -> turned `degrees` clockwise on screen about (13.5, 13.5), bilinear; what
    comes from outside the square is 0."""
    if degrees == 0:
        return A
    t = np.deg2rad(degrees)
    r, c = np.mgrid[0:28, 0:28].astype(np.float64) - 13.5
    # Each output pixel reads the input where the inverse rotation takes it.
    src_r = np.cos(t) * r - np.sin(t) * c + 13.5
    src_c = np.sin(t) * r + np.cos(t) * c + 13.5
    r0, c0 = np.floor(src_r).astype(int), np.floor(src_c).astype(int)
    fr, fc = src_r - r0, src_c - c0
    out = np.zeros_like(A)
    for dr, dc, w in ((0, 0, (1 - fr) * (1 - fc)), (1, 0, fr * (1 - fc)), (0, 1, (1 - fr) * fc), (1, 1, fr * fc)):
        rr, cc = r0 + dr, c0 + dc
        inside = (rr >= 0) & (rr < 28) & (cc >= 0) & (cc < 28)
        out += np.where(inside, A[:, np.clip(rr, 0, 27), np.clip(cc, 0, 27)], 0) * w.astype(A.dtype)
    return out


def shift(A, k):
    """A (n, 28, 28) float -> moved k pixels right (k < 0: left), zero-filled. MNIST centres each
    digit's mass, so a network that only saw centred digits meets this never in training."""
    k = int(k)
    if k == 0:
        return A
    out = np.zeros_like(A)
    if k > 0:
        out[:, :, k:] = A[:, :, :28 - k]
    else:
        out[:, :, :28 + k] = A[:, :, -k:]
    return out


def add_noise(A, sigma, seed=SEED):
    """A (n, 28, 28) float -> A + N(0, sigma^2) per pixel (the same pattern for a seed), in [0, 1]."""
    if sigma == 0:
        return A
    E = np.random.default_rng(seed).standard_normal(A.shape).astype(A.dtype)
    return np.clip(A + np.float32(sigma) * E, 0, 1)


def spoil(X, noise=0.0, rotate_deg=0.0, thickness=0, seed=SEED, shift_px=0):
    """X (n, 28, 28) uint8 -> (n, 28, 28) float32 in [0, 1], spoiled."""
    A = X.astype(np.float32) / np.float32(255)
    A = thicken(A, thickness)
    A = rotate(A, rotate_deg)
    A = shift(A, shift_px)
    return add_noise(A, noise, seed)


def one(kind, strength):
    """The keyword arguments of `spoil` for one spoiler at one strength."""
    return {"noise": {"noise": strength}, "rotate": {"rotate_deg": strength},
            "thickness": {"thickness": int(strength)}, "shift": {"shift_px": int(strength)}}[kind]
