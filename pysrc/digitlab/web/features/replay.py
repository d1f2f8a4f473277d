"""Stroke replay: the ten probabilities after each stroke of the drawing.

The page renders the prefixes (strokes 1..k) with the pad's own drawing code and sends them in
one call; each goes through the same preprocessing and network as a live update.
"""

import numpy as np

from ... import preprocess
from ...app import PAD
from ..registry import handler

MAX_PREFIXES = 64


@handler("replay.probs")
def probs(app, pixels, count, model):
    """pixels: count * PAD * PAD uint8 (prefix after prefix) -> {"probs": (count * 10,) float64,
    "pct": the same as whole percents, "digits": [argmax, or -1 when blank or not finite (then its
    probs are 0)], "count"}."""
    count = int(count)
    if not 0 <= count <= MAX_PREFIXES:
        raise ValueError(f"replay: {count} prefixes (at most {MAX_PREFIXES})")
    imgs = np.frombuffer(pixels, np.uint8).reshape(count, PAD, PAD)
    X = np.stack([preprocess.to_mnist(im).reshape(784) for im in imgs]) if count else np.zeros((0, 784))
    ink = X.any(axis=1)                                                    # (count,)
    P = np.zeros((count, 10))
    if ink.any():
        P[ink] = app.model(str(model))[0].forward(X[ink].astype(np.float32)).probs
    ok = np.isfinite(P).all(axis=1)          # a NaN output (a damaged network) plots as no digit
    P[~ok] = 0.0
    digits = np.where(ink & ok, P.argmax(axis=1), -1)
    pct = np.rint(P * 100).astype(int)
    return {"probs": P.reshape(-1), "pct": pct.reshape(-1).tolist(), "digits": digits.tolist(), "count": count}
