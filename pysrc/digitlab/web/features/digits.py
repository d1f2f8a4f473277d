"""Multi-digit: each clearly separate group of ink is read on its own (digitlab.segment).

Adds `digits` to every update: {"sequence": "42", "digits": [4, 2], "confidence": [...]}; the
sequence is "" for a single group (the page hides the row then). A group whose probabilities
are not finite reads "?" with confidence 0. One column scan per update
when there is one group; a batch forward of the groups otherwise.
"""

import numpy as np

from ... import preprocess, segment
from ..registry import on_result


@on_result
def digits(app, name, img, x, trace, out):
    parts = segment.split(img) if trace is not None else []
    if not parts:
        out["digits"] = {"sequence": "", "digits": [], "confidence": []}
        return
    net = app.model(name)[0]
    X = np.stack([preprocess.to_mnist(p).reshape(784) for p in parts])     # (groups, 784)
    probs = net.forward(X).probs                                           # (groups, 10)
    d, ok = probs.argmax(axis=1), np.isfinite(probs).all(axis=1)   # NaN out: no digit, "?" (as "nan")
    read = [int(k) if good else "?" for k, good in zip(d, ok)]
    conf = np.where(ok, probs[np.arange(len(d)), d], 0.0).round(4)
    out["digits"] = {"sequence": "".join(map(str, read)), "digits": read, "confidence": conf.tolist()}
