"""Synthetic photos of handwriting, made from MNIST digits: the photo reader's test set.

Offline only (tests and benchmarks/photo_bench.py), numpy only, deterministic from a seed.
Each photo puts one or more real MNIST test digits on paper (or chalk on a board) and then does
to them what a phone camera and a room do: ink colour and width, paper tint, light falling off
across the page, a shadow's edge, a little rotation and perspective, blur, sensor noise and JPEG
compression (the 8x8 DCT quantisation itself, in numpy), the digits small or large anywhere in
the frame.
"""

import struct
import zlib

import numpy as np

from . import components, preprocess

# JPEG's example quantisation tables (ITU-T T.81, Annex K), luminance and chrominance, for q=50.
_Q_LUMA = np.array([
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99], np.float64).reshape(8, 8)
_Q_CHROMA = np.full((8, 8), 99.0)
_Q_CHROMA[:4, :4] = [[17, 18, 24, 47], [18, 21, 26, 66], [24, 26, 56, 99], [47, 66, 99, 99]]


def _dct_matrix(n=8):
    """(n, n) orthonormal DCT-II: C @ block @ C.T gives the block's coefficients."""
    k, i = np.arange(n)[:, None], np.arange(n)[None, :]
    C = np.cos(np.pi * (2 * i + 1) * k / (2 * n)) * np.sqrt(2 / n)
    C[0] /= np.sqrt(2)
    return C


def jpeg(rgb, quality):
    """(H, W, 3) float 0..255 -> the same after JPEG's lossy step at `quality` (1..100): YCbCr,
    8x8 DCT, coefficients rounded to the scaled tables, and back (no chroma subsampling)."""
    H, W, _ = rgb.shape
    h, w = -(-H // 8) * 8, -(-W // 8) * 8
    x = np.pad(rgb, ((0, h - H), (0, w - W), (0, 0)), mode="edge")
    to_ycc = np.array([[0.299, 0.587, 0.114], [-0.168736, -0.331264, 0.5], [0.5, -0.418688, -0.081312]])
    ycc = x @ to_ycc.T + [0, 128, 128] - 128
    scale = 5000 / quality if quality < 50 else 200 - 2 * quality
    C = _dct_matrix()
    for ch, table in enumerate((_Q_LUMA, _Q_CHROMA, _Q_CHROMA)):
        q = np.maximum(1, np.floor((table * scale + 50) / 100))
        blocks = ycc[..., ch].reshape(h // 8, 8, w // 8, 8).transpose(0, 2, 1, 3)
        coef = np.round(C @ blocks @ C.T / q) * q
        ycc[..., ch] = (C.T @ coef @ C).transpose(0, 2, 1, 3).reshape(h, w)
    rgb_out = (ycc + 128 - [0, 128, 128]) @ np.linalg.inv(to_ycc).T
    return np.clip(rgb_out[:H, :W], 0, 255)


def ink_layer(digits, shape, rng):
    """digits: [(28, 28) uint8] -> (H, W) float coverage in [0, 1]: the digits in a row, each
    scaled to one random height, stroke width varied, the row anywhere in the frame."""
    H, W = shape
    n = len(digits)
    size = rng.uniform(0.12, 0.45) * H if n == 1 else rng.uniform(0.1, 0.3) * H
    size = min(size, 0.85 * W / (n * 0.85 + 0.2))       # the whole row must fit across
    side = max(8, round(size * 28 / 20))                  # MNIST's digit is 20 of its 28 px
    gaps = rng.uniform(0.15, 0.45, n) * size   # written apart, as on the pad
    width = n * side * 0.75 + gaps[:-1].sum()
    x = rng.uniform(0.05 * W, max(0.05 * W, 0.95 * W - width))
    y0 = rng.uniform(0.05 * H, max(0.05 * H, 0.95 * H - side))
    t = rng.uniform(0.15, 0.55)                           # lower: a thicker pen
    layer = np.zeros(shape)
    for d, gap in zip(digits, gaps):
        a = np.clip((preprocess.resize(d.astype(np.float32) / 255, side, side) - t) / 0.2, 0, 1)
        cols = np.flatnonzero(a.max(axis=0) > 0)
        a = a[:, cols[0]:cols[-1] + 1] if cols.size else a
        y = int(np.clip(y0 + rng.normal(0, 0.04) * side, 0, H - side))
        xi = int(np.clip(x, 0, W - a.shape[1]))
        layer[y:y + side, xi:xi + a.shape[1]] = np.maximum(layer[y:y + side, xi:xi + a.shape[1]], a)
        x += a.shape[1] + gap
    return layer


def warp(layer, rng, max_degrees=6.0, max_tilt=0.1):
    """(H, W) -> (H, W): rotated by up to max_degrees and seen slightly in perspective, sampled
    bilinearly (a camera not quite square to the page)."""
    H, W = layer.shape
    th = np.radians(rng.uniform(-max_degrees, max_degrees))
    px, py = rng.uniform(-max_tilt, max_tilt, 2) / max(H, W)
    y, x = np.mgrid[0:H, 0:W].astype(np.float64)
    y, x = y - H / 2, x - W / 2
    depth = 1 + px * x + py * y
    sx = (np.cos(th) * x - np.sin(th) * y) / depth + W / 2
    sy = (np.sin(th) * x + np.cos(th) * y) / depth + H / 2
    x0, y0 = np.clip(np.floor(sx), 0, W - 2).astype(int), np.clip(np.floor(sy), 0, H - 2).astype(int)
    fx, fy = np.clip(sx - x0, 0, 1), np.clip(sy - y0, 0, 1)
    out = (layer[y0, x0] * (1 - fx) * (1 - fy) + layer[y0, x0 + 1] * fx * (1 - fy)
           + layer[y0 + 1, x0] * (1 - fx) * fy + layer[y0 + 1, x0 + 1] * fx * fy)
    inside = (sx >= 0) & (sx <= W - 1) & (sy >= 0) & (sy <= H - 1)
    return out * inside


def light(shape, rng):
    """(H, W) multiplicative light: a ramp across the page, a vignette, and a soft shadow edge."""
    H, W = shape
    y, x = np.mgrid[0:H, 0:W] / max(H, W)
    g = rng.normal(0, 1, 2)
    ramp = 1 + 0.35 * (g[0] * (x - 0.5) + g[1] * (y - 0.5))
    vignette = 1 - 0.3 * ((x - x.mean()) ** 2 + (y - y.mean()) ** 2)
    shade = np.ones(shape)
    if rng.random() < 0.5:                                  # a hand's or a phone's shadow
        a = rng.uniform(0, 2 * np.pi)
        d = np.cos(a) * (x - rng.uniform(0.2, 0.8)) + np.sin(a) * (y - rng.uniform(0.2, 0.8))
        shade = 1 - rng.uniform(0.2, 0.45) / (1 + np.exp(-d / rng.uniform(0.005, 0.04)))
    return np.clip(ramp * vignette * shade, 0.3, 1.2)


def photo(digits, shape=(480, 640), seed=0, board=None):
    """digits: [(28, 28) uint8 MNIST images] -> (H, W, 4) uint8 RGBA, a photo of them written in
    a row. board: True for chalk on a board, False for ink on paper, None to pick (1 in 6 a board)."""
    rng = np.random.default_rng(seed)
    board = rng.random() < 1 / 6 if board is None else board
    layer = warp(ink_layer(digits, shape, rng), rng)
    if rng.random() < 0.6:
        layer = components.box_mean(layer, 1)              # a little out of focus
    if board:
        paper, ink = rng.uniform([25, 40, 30], [70, 80, 70]), rng.uniform(200, 245, 3)
    else:
        paper = rng.uniform([205, 195, 170], [250, 250, 245])
        ink = [rng.uniform([0, 0, 60], [60, 60, 140]), rng.uniform(0, 70, 3), rng.uniform([120, 0, 0], [180, 40, 40])][rng.integers(3)]
    rgb = paper * (1 - layer[..., None]) + np.asarray(ink) * layer[..., None]
    rgb = rgb * light(shape, rng)[..., None] + rng.normal(0, rng.uniform(1, 6), rgb.shape)
    rgb = jpeg(np.clip(rgb, 0, 255), int(rng.integers(40, 95)))
    out = np.empty(shape + (4,), np.uint8)
    out[..., :3] = np.round(rgb)
    out[..., 3] = 255
    return out


def png_bytes(rgba, level=6):
    """(H, W, 4) uint8 -> the bytes of an RGBA PNG file (no colour chunks: plain sRGB), zlib only."""
    a = np.ascontiguousarray(rgba, np.uint8)
    H, W, _ = a.shape
    rows = np.zeros((H, 1 + 4 * W), np.uint8)             # each row: filter type 0, then pixels
    rows[:, 1:] = a.reshape(H, 4 * W)

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", W, H, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows.tobytes(), level)) + chunk(b"IEND", b""))
