"""Draw the app icons (site/icons/*.png): a tiny network, inputs to outputs, on the page's ink.

    python3 buildlib/icons.py      # rewrites site/icons/; run by hand when the design changes

Drawn with numpy distance fields (anti-aliased by the pixel's distance to each shape) and
written as PNG with zlib, so no image library and no borrowed art is needed. The PNGs are
committed; the build only copies them.
"""

import struct
import sys
import zlib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "pysrc"))
from digitlab.constants import PALETTE  # noqa: E402  (stdlib only)

OUT = Path(__file__).resolve().parents[1] / "site" / "icons"
INK, POS, NEG, WIN, NODE = (PALETTE[k] for k in ("ink", "pos", "neg", "win", "pad-bg"))

# The network in unit coordinates (0..1): three layers; one output node wins.
LAYERS = [[(0.24, y) for y in (0.30, 0.50, 0.70)],
          [(0.50, y) for y in (0.22, 0.41, 0.59, 0.78)],
          [(0.76, y) for y in (0.38, 0.62)]]
LINKS = [(a, b, POS if (i + j) % 3 else NEG)
         for la, lb in zip(LAYERS, LAYERS[1:]) for i, a in enumerate(la) for j, b in enumerate(lb)]


def segment_distance(px, py, a, b):
    """Distance of every pixel centre (px, py: (H, W)) to the segment a-b."""
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    t = np.clip(((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy), 0, 1)
    return np.hypot(px - (ax + t * dx), py - (ay + t * dy))


def coverage(distance, radius, pixel):
    """How much of each pixel lies inside a shape `radius` wide around the distance's zero."""
    return np.clip(0.5 - (distance - radius) / pixel, 0, 1)[..., None]


def paint(rgb, alpha, colour):
    return rgb * (1 - alpha) + np.asarray(colour, float) * alpha


def draw(size, maskable):
    """-> (size, size, 4) uint8 RGBA. Maskable icons fill the square and keep the art in the
    central 80% safe zone; the others are a rounded square on transparency."""
    px, py = np.meshgrid((np.arange(size) + 0.5) / size, (np.arange(size) + 0.5) / size)
    pixel = 1 / size
    scale = 0.78 if maskable else 1.0                  # shrink the art towards the centre
    sx, sy = 0.5 + (px - 0.5) / scale, 0.5 + (py - 0.5) / scale
    rgb = np.zeros((size, size, 3)) + INK
    for a, b, colour in LINKS:
        rgb = paint(rgb, 0.85 * coverage(segment_distance(sx, sy, a, b), 0.012, pixel / scale), colour)
    for k, layer in enumerate(LAYERS):
        for i, (cx, cy) in enumerate(layer):
            d = np.hypot(sx - cx, sy - cy)
            colour = WIN if (k == 2 and i == 0) else NODE
            rgb = paint(rgb, coverage(d, 0.062, pixel / scale), colour)
    if maskable:
        alpha = np.ones((size, size, 1))
    else:  # rounded square, corner radius 22% of the side
        r = 0.22
        qx, qy = np.abs(px - 0.5) - (0.5 - r), np.abs(py - 0.5) - (0.5 - r)
        outside = np.hypot(np.maximum(qx, 0), np.maximum(qy, 0)) + np.minimum(np.maximum(qx, qy), 0)
        alpha = coverage(outside, r, pixel)
    return np.concatenate([rgb, alpha * 255], axis=-1).round().astype(np.uint8)


def png(rgba):
    """(H, W, 4) uint8 -> PNG file bytes (8-bit RGBA, no filtering)."""
    h, w, _ = rgba.shape
    raw = b"".join(b"\0" + rgba[y].tobytes() for y in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


ICONS = {"icon-192.png": (192, False), "icon-512.png": (512, False),
         "maskable-192.png": (192, True), "maskable-512.png": (512, True), "apple-touch-icon.png": (180, True)}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (size, maskable) in ICONS.items():
        (OUT / name).write_bytes(png(draw(size, maskable)))
        print(f"wrote {OUT / name}", file=sys.stderr)


if __name__ == "__main__":
    main()
