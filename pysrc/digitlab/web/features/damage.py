"""Break It, the page side: install a damaged copy, heal it, measure both on MNIST test images.

Plain Python (numpy + digitlab), no `js`. The page calls

    damage.set      {model, state}            -> {state, rejected, layers, active}
    damage.evalset  {data: Uint8Array}        -> {n}        the shipped test sample (npz bytes)
    damage.accuracy {model, which, start, stop} -> {correct, n}   one chunk of the sample
    damage.compare  {model, layout, damaged}  -> {healthy, damaged?, layout?}   each panel: {view,
                                                 images, probs, percent, prediction}

Both panels of damage.compare are drawn by the page's own update step (`digitlab.app.render`),
so they read the drawing exactly as the main diagram does, doubt ("too small") included.

The damaged copy runs under the model's own name (`app.put`), so every instrument and the main
diagram see it; the healthy network it was made from is kept here and comes back on healing
(`app.restore` for shipped weights). Damage lives on one model at a time: setting it on a model
heals every other one, so switching models carries the settings over without leaving a
damaged copy behind.
"""

import io

import numpy as np

from ... import damage as dmg
from ... import viewmodel
from ...app import PAD, inputs, packed, render
from .. import console
from ..registry import handler, state


class Breaker:
    """Per app: the healthy network behind each damaged name, what was installed, the test sample."""

    def __init__(self):
        self.base = {}        # name -> the healthy Network damage is made from
        self.installed = {}   # name -> params dict of the damaged copy now running
        self.state = {}       # name -> Damage
        self.diagrams = {}    # "healthy:<name>" or name -> (Network, viewmodel.Diagram of it)
        self.hits = {}        # (name, id(base params), start, stop) -> healthy hits on that chunk
        self.X = self.y = None
        self.index = None     # (n,) the sample's MNIST test-set indices (Evaluate's gallery shows them)

    def healthy(self, app, name):
        """The undamaged network of `name`: whatever runs there, unless it is our own copy."""
        current = app.model(name)[0]
        if name not in self.base or current.params is not self.installed.get(name):
            self.base[name] = current                 # the page, training or the editor put it there
            self.installed.pop(name, None)
        return self.base[name]

    def install(self, app, name, damage):
        base = self.healthy(app, name)
        if damage.empty:
            self.heal(app, name)
        else:
            net = dmg.apply(base, damage)
            app.put(name, net)
            self.installed[name] = net.params
        self.state[name] = damage

    def diagram(self, key, net):
        """The viewmodel.Diagram of `net`, kept under `key` while `net` stays the same."""
        if key not in self.diagrams or self.diagrams[key][0] is not net:
            self.diagrams[key] = (net, viewmodel.Diagram(net))
        return self.diagrams[key][1]

    def heal(self, app, name):
        if self.installed.pop(name, None) is not None:
            base = self.base[name]
            if base is app.shipped.get(name):
                app.restore(name)
            else:
                app.put(name, base)
        self.state.pop(name, None)


def breaker(app):
    """This app's Breaker (registry.state)."""
    return state(app, "damage", Breaker)


@handler("damage.set")
def set_damage(app, model="", state=None, reset=False):
    """Validate `state` for `model` and run the damaged copy there (an empty state heals it).
    reset: the Reset button; it also undoes what the console changed by hand in `model`.

    -> {state: what is applied, rejected: [items left out], layers: the model's weighted layers,
        active: any damage at all, healed: the console's changes were undone}
    """
    b, name = breaker(app), str(model)
    for other in [n for n in b.installed if n != name]:
        b.heal(app, other)
    damage, rejected = dmg.parse(state, b.healthy(app, name))
    b.install(app, name, damage)
    healed = bool(reset) and console.heal(app, name)
    return {"state": damage.to_dict(), "rejected": rejected, "active": not damage.empty, "healed": healed,
            "layers": dmg.weighted_layers(b.healthy(app, name)), "noise_max": dmg.NOISE_MAX}


@handler("damage.evalset")
def load_evalset(app, data=None):
    """data: the bytes of data/evalset.npz (x (n, 28, 28) uint8, y (n,) uint8, index (n,) the
    test-set positions, optional). -> {n}."""
    b = breaker(app)
    b.X, b.y, b.index = read_images(data)
    return {"n": int(len(b.y))}


def read_images(data):
    """npz bytes of test images -> (X (n, 28, 28) uint8, y (n,) int64, index (n,) int64), checked."""
    with np.load(io.BytesIO(bytes(data)), allow_pickle=False) as f:
        X, y = f["x"], f["y"]
        index = f["index"] if "index" in f.files else np.arange(len(y))
    if X.dtype != np.uint8 or X.shape[1:] != (28, 28) or y.shape != (len(X),) or index.shape != y.shape:
        raise ValueError(f"evalset: want x (n, 28, 28) uint8, y (n,) and index (n,), got {X.shape} {X.dtype}, "
                         f"{y.shape}, {index.shape}")
    return X, y.astype(np.int64), index.astype(np.int64)


@handler("damage.accuracy")
def accuracy(app, model="", which="damaged", start=0, stop=None):
    """Correct answers on images [start, stop) of the sample by the healthy or damaged network.

    Chunks keep each call short (the page stays responsive between them). Healthy counts are
    cached, and an undamaged model's "damaged" count is its healthy one.
    """
    b, name = breaker(app), str(model)
    if b.X is None:
        raise RuntimeError("damage.evalset must be called first")
    n = len(b.y)
    start, stop = max(0, int(start)), min(n, n if stop is None else int(stop))
    base = b.healthy(app, name)
    if which == "damaged" and name in b.installed:
        hits = dmg.correct(app.model(name)[0], b.X[start:stop], b.y[start:stop])
    else:
        key = (name, id(base.params), start, stop)
        if key not in b.hits:
            b.hits[key] = dmg.correct(base, b.X[start:stop], b.y[start:stop])
        hits = b.hits[key]
    return {"correct": hits, "n": stop - start, "total": n}


@handler("damage.compare")
def compare(app, model="", layout=False, damaged=False):
    """The healthy network on the current drawing, drawn like the main diagram; with `damaged`,
    the network running now as well (for when the page's update skipped its diagram).

    -> {healthy: {view (packed like the page's), images, probs, percent, prediction}, damaged?, layout?}
    """
    b, name = breaker(app), str(model)
    base = b.healthy(app, name)
    x, drawn = inputs(app.pad.reshape(PAD, PAD))
    out = {"healthy": _panel(base, b.diagram("healthy:" + name, base), x, drawn)}
    if damaged:
        net = app.model(name)[0]
        out["damaged"] = _panel(net, b.diagram(name, net), x, drawn)
    if layout:
        out["layout"] = b.diagram("healthy:" + name, base).layout()
    return out


def _panel(net, diagram, x, drawn):
    """One panel as the page's update draws it, its view packed like the update's."""
    shown = render(net, diagram, x, drawn)[0]
    return {**shown, "view": packed(shown["view"])}
