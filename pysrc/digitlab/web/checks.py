"""What edited code must return, checked on each update while an edit runs (`Live.active`).

Each check raises `ContractError` naming the files that could be at fault, so a wrong shape or
type reads as "to_mnist returned shape (30, 30); the network reads (28, 28)" instead of a
numpy broadcasting error three calls later, and the right file is rolled back.
"""

import sys

import numpy as np

from ..constants import PAD

PRE = "digitlab/preprocess.py"
ACT = "digitlab/core/activations.py"
LAYERS = "digitlab/core/layers.py"
VIEW = "digitlab/viewmodel.py"
STATES = ("none", "sure", "unsure", "nan")


class ContractError(ValueError):
    """Edited code returned the wrong shape or type. suspects: paths that could have caused it."""

    def __init__(self, message, *suspects):
        super().__init__(message)
        self.suspects = suspects


def _array(value, what, shape, *suspects, lo=None, hi=None):
    """value must be a finite numeric ndarray of `shape` (None: any), within [lo, hi] if given."""
    if not isinstance(value, np.ndarray):
        raise ContractError(f"{what} returned {type(value).__name__}; expected a numpy array", *suspects)
    if shape is not None and value.shape != tuple(shape):
        raise ContractError(f"{what} returned shape {value.shape}; expected {tuple(shape)}", *suspects)
    if value.dtype.kind not in "biuf":
        raise ContractError(f"{what} returned dtype {value.dtype}; expected numbers", *suspects)
    if value.size and not np.isfinite(value).all():
        raise ContractError(f"{what} returned NaN or infinite values", *suspects)
    if lo is not None and value.size and (value.min() < lo - 1e-6 or value.max() > hi + 1e-6):
        raise ContractError(f"{what} returned values from {value.min():.3g} to {value.max():.3g}; "
                            f"expected [{lo}, {hi}]", *suspects)


def activation_functions():
    """Every activation on a small test array: an array of the same shape, finite. Run on apply,
    it names a wrong shape where it is made, not as a numpy error three layers later."""
    act = sys.modules["digitlab.core.activations"]
    z = np.linspace(-3, 3, 24, dtype=np.float32).reshape(2, 3, 4)
    for name in dict.fromkeys(["relu", *getattr(act, "ACTIVATIONS", {}), "softmax"]):
        _array(act.apply(name, z.copy()), f"activations.apply({name!r}, z)", z.shape, ACT)


def images(x, drawn):
    """preprocess.to_mnist and downscale: (28, 28) arrays in [0, 1]."""
    _array(x, "preprocess.to_mnist", (28, 28), PRE, lo=0, hi=1)
    _array(drawn, "preprocess.downscale", (28, 28), PRE, lo=0, hi=1)


def trace(tr, net):
    """Every layer's output has the shape the network declares and is finite; the output layer
    gives probabilities in [0, 1]."""
    for rec, shape in zip(tr.layers, net.shapes()):
        _array(rec.a, f"layer {rec.name} ({rec.kind})", (len(tr.x), *shape), ACT, LAYERS)
    last = tr.layers[-1].a
    _array(last, f"the output layer {tr.layers[-1].name}", None, ACT, LAYERS, lo=0, hi=1)


def view(v):
    """viewmodel.Diagram.view's tables: ids and equally long finite columns."""
    if not isinstance(v, dict) or not {"nodes", "links", "more"} <= set(v):
        raise ContractError("Diagram.view must return a dict with nodes, links and more", VIEW)
    for name in ("nodes", "links"):
        table = v[name]
        ids = table.get("id") if isinstance(table, dict) else None
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise ContractError(f"Diagram.view()['{name}']['id'] must be a list of strings", VIEW)
        for col, values in table.items():
            if col != "id":
                _array(values, f"Diagram.view()['{name}']['{col}']", (len(ids),), VIEW)


def tiles(imgs):
    """viewmodel.Diagram.images: {column id: uint32 RGBA array}."""
    for key, tiles in imgs.items():
        if not isinstance(tiles, np.ndarray) or tiles.dtype != np.uint32:
            raise ContractError(f"Diagram.images()['{key}'] must be a uint32 RGBA array", VIEW)


def prediction(pred, pct):
    """viewmodel.prediction's dict and viewmodel.percent's ten whole numbers."""
    keys = {"digit", "confidence", "state"}
    if not isinstance(pred, dict) or not keys <= set(pred) or pred["state"] not in STATES:
        raise ContractError(f"viewmodel.prediction must return a dict with {sorted(keys)}, "
                            f"state one of {STATES}", VIEW)
    if pct is not None and (len(pct) != 10 or not all(isinstance(p, int) for p in pct)):
        raise ContractError("viewmodel.percent must return ten whole numbers", VIEW)


def probe_image(size=PAD):
    """(size, size) uint8: a drawn "7" (a bar and a slanted stroke), to try an edit on when the
    pad is blank, so that an apply always runs preprocessing, the forward pass and the diagram."""
    img = np.zeros((size, size), np.uint8)
    s = size / 280   # the stroke's numbers below are in 280ths of the side, whatever PAD is
    img[int(60 * s):int(80 * s), int(80 * s):int(200 * s)] = 255
    for r in range(int(80 * s), int(230 * s)):
        c = int((200 - (r / s - 80) * 0.5) * s)
        img[r, c - int(10 * s):c + int(10 * s)] = 255
    return img
