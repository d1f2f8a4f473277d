"""The conv kernels of the network being trained, as small images for `#train-kernels`.

    train.kernels {}   -> {"layers": [{"id": "conv1", "filters": C_out, "h": kh, "w": kw * C_in,
                          "peak": max |W| of the layer, "rgba": C_out tiles of h x w RGBA bytes}]}
                          ([] for an MLP)

A filter's input channels sit side by side (conv2 of cnn-small: 16 tiles of 3 x 24). One colour
scale per layer (the diagram's: orange positive, blue negative, alpha |w| / peak), so tiles of a
layer compare with each other and a kernel that sharpens shows it against its neighbours.
"""

import numpy as np

from ... import viewmodel
from ..registry import handler
from .training import session


def kernel_tiles(net):
    """-> [{"id", "filters", "h", "w", "peak", "rgba" (uint8, C_out * h * w * 4)}], one per conv layer."""
    out = []
    for layer in net.layers:
        if layer.kind != "conv2d":
            continue
        W = net.params[layer.name]["W"]                              # (kh, kw, C_in, C_out)
        kh, kw, c_in, c_out = W.shape
        side = W.transpose(0, 2, 1, 3).reshape(kh, c_in * kw, c_out)   # channels side by side
        tiles = viewmodel.rgba_tiles(side)                           # (C_out, kh, C_in * kw) uint32
        out.append({"id": layer.name, "filters": c_out, "h": kh, "w": c_in * kw,
                    "peak": float(np.abs(W).max()), "rgba": tiles.reshape(-1).view(np.uint8)})
    return out


@handler("train.kernels")
def kernels(app):
    s = session(app)
    return {"layers": [] if s.net is None else kernel_tiles(s.net)}
