"""What the console's show(a) draws: an array as an image, tiles or bars, made here in Python.

Plain numpy + digitlab: the page only copies the pixels (RGBA bytes) and bar heights it is given.
"""

import numpy as np

from .. import viewmodel

MAX_SIDE = 512             # show(): the largest image side drawn
MAX_BARS = 256             # show(): the most bars drawn
MAX_TILES = 64             # show(): channels of a 3-D array drawn as tiles
MAX_PIXELS = 1 << 20       # show(): pixels drawn in all (4 MB of RGBA)


def picture(a):
    """A numeric array -> an output item: {kind: "image", w, h, tiles, rgba, lo, hi} or
    {kind: "bars", values, heights, neg}; None for anything else (shown as text)."""
    try:
        arr = np.asarray(a)
    except Exception:
        return None
    if arr.dtype == bool:
        arr = arr.astype(np.float32)
    if arr.ndim == 0 or arr.size == 0 or not np.issubdtype(arr.dtype, np.number) \
            or np.iscomplexobj(arr):
        return None
    arr = np.squeeze(arr) if arr.ndim > 3 else arr
    v = arr.astype(np.float64)
    finite = np.isfinite(v)
    if not finite.all():
        print(f"show: {int((~finite).sum())} values are NaN or infinite; drawn as 0")
        v = np.where(finite, v, 0.0)
    if v.ndim == 1:
        return _bars(v)
    if v.ndim == 2:
        v = v[:, :, None]
    if v.ndim != 3 or max(v.shape[:2]) > MAX_SIDE or v.shape[0] * v.shape[1] * min(v.shape[2], MAX_TILES) > MAX_PIXELS:
        print(f"show: shape {arr.shape} is not drawn (at most {MAX_SIDE} px a side, {MAX_PIXELS:,} in all)")
        return None
    tiles = viewmodel.rgba_tiles(v[:, :, :MAX_TILES])          # (C, h, w) uint32
    return {"kind": "image", "h": v.shape[0], "w": v.shape[1], "tiles": len(tiles),
            "channels": v.shape[2], "rgba": tiles.reshape(-1).view(np.uint8),
            "lo": float(v.min()), "hi": float(v.max())}


def _bars(v):
    """(n,) float64 -> a bars item: heights |v| / max |v| (0 when all are 0)."""
    n = len(v)
    v = v[:MAX_BARS]
    peak = float(np.abs(v).max())
    heights = np.abs(v) / peak if peak > 0 else np.zeros_like(v)
    return {"kind": "bars", "values": v.round(4).tolist(), "heights": heights.round(4).tolist(),
            "neg": (v < 0).tolist(), "total": n}
