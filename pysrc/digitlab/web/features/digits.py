"""Multi-digit: each clearly separate group of ink is read on its own (digitlab.segment).

Adds `digits` to every update: {"sequence": "42", "digits": [4, 2], "confidence": [...]}; the
sequence is "" for a single group (the page hides the row then). One column scan per update
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
    d = probs.argmax(axis=1)
    out["digits"] = {"sequence": "".join(map(str, d.tolist())), "digits": d.tolist(),
                     "confidence": probs[np.arange(len(d)), d].round(4).tolist()}
