"""'Why this digit?': the saliency map and the hidden units that matter, for the page (site/js/why.js).

    why.explain {model} -> {blank, winner, runner, margin, input (784,), saliency (784,) float32, peak, total,
                            image (28*28*4 uint8 RGBA), frame [top, left, height, width],
                            units [{id, layer, unit, a, p, delta_pp, digit}], p_winner}

It reads the pad's last pixels (`app.pad`, the drawing the page just classified), so the
numbers are those of the same input `snapshot().input` shows. Plain Python: no `js` import.
"""

import numpy as np

from ... import explain, preprocess, viewmodel
from ...app import PAD
from ..registry import handler

TOP_UNITS = 8


def input_frame(steps, side):
    """Where the network's 28x28 field lies on the pad, in pad units (0..1).

    The field is the crop, resampled by the factor scaled/cropped and pasted at origin + shift,
    so it maps back affinely. -> [top, left, height, width], or None for a blank pad.
    """
    if steps.bbox is None:
        return None
    r0, r1, c0, c1 = steps.bbox
    sh, sw = steps.scaled.shape
    ky, kx = (r1 - r0) / sh, (c1 - c0) / sw               # pad pixels per field pixel
    row0 = steps.origin[0] + steps.shift[0]
    col0 = steps.origin[1] + steps.shift[1]
    field = preprocess.FIELD
    return [(r0 - row0 * ky) / side, (c0 - col0 * kx) / side, field * ky / side, field * kx / side]


def explain_drawing(net, img, top=TOP_UNITS):
    """img (side, side) uint8 pad pixels -> the dict `why.explain` returns (JSON-safe, arrays)."""
    steps = preprocess.to_mnist_steps(img)
    x = steps.final                                        # (28, 28), == preprocess.to_mnist(img)
    if not x.any():
        return {"blank": True}
    trace = net.forward(x.reshape(1, 784))
    sal = explain.saliency(net, trace)
    rgba = viewmodel.rgba_tiles(sal["map"][:, :, None])[0]        # blue: toward the winner
    p0 = float(trace.probs[0, sal["winner"]])
    return {"blank": False, "winner": sal["winner"], "runner": sal["runner"], "margin": sal["margin"],
            "input": x.reshape(-1), "saliency": sal["map"].reshape(-1).astype(np.float32),
            "peak": float(np.abs(sal["map"]).max()), "total": float(sal["map"].sum(dtype=np.float64)),
            "image": rgba.reshape(-1).view(np.uint8), "frame": input_frame(steps, img.shape[0]),
            "p_winner": p0, "units": explain.ablation(net, trace, top)}


@handler("why.explain")
def why_explain(app, model=None, **_):
    net, _diagram = app.model(str(model) if model else "cnn")
    return explain_drawing(net, app.pad.reshape(PAD, PAD))
