"""The point map, the page side: the evaluated images placed by a layer's two main axes (PCA),
and the drawing as a live point among them.

Plain Python (numpy + digitlab), no `js`. Made from Evaluate's finished run (features.evaluation:
its network and the activations it kept). The page calls

    map.start      {layer}           -> {layers}            begin a PCA of that layer
    map.step       {budget_ms}       -> {done, iters}       iterate it for about budget_ms
    map.points     {}                -> {layer, method, model, indices, labels, preds, xy (n * 2)}
    map.watch      {on}              -> {on}                the map is on screen (the hook works)
    map.neighbours {k}               -> {indices, positions, dist, pixels}   nearest the drawing
    map.pixels     {}                -> {pixels (n * 784,) uint8}            every image, once

Every update, while the page watches the map, the hook below projects the drawing: the layer's
activation of the drawing minus the mean, times the two axes: 2 x d multiply-adds, with d at most
784. It keeps that activation for `map.neighbours`, which the page asks when the drawing rests
(a nearest search over n x d values is too slow for every update in the page's numpy).
"""

import time

import numpy as np

from ... import evaluation as ev
from ..registry import handler, on_result, state
from .evaluation import evaluator


class PointMap:
    """Per app: the layer mapped, its PCA (in progress or done), and the live point."""

    def __init__(self):
        self.layer = self.model = self.net = None
        self.pca = None            # evaluation.PCA while it runs
        self.mean = self.axes = None
        self.A = self.sq = None    # (n, d) the layer's activations, (n,) their squared norms
        self.watching = False
        self.you = None            # (d,) the drawing's activation in the layer, or None (blank)
        self.xy_you = None


def point_map(app):
    """This app's PointMap (registry.state)."""
    return state(app, "evalmap", PointMap)


def _activations(e, layer):
    """(n, d) float32 activations of map layer `layer` on the evaluated images."""
    if layer == "input":
        return e.X.reshape(len(e.X), -1).astype(np.float32) / np.float32(255)
    if layer not in e.acts:
        raise ValueError(f"map: no layer {layer!r} here; the layers are {[n for n, _ in e.layers]}")
    return e.acts[layer]


@handler("map.start")
def start(app, layer=""):
    """Begin the PCA of `layer` of the last run (Evaluate must have finished). -> {layers}."""
    e, m = evaluator(app), point_map(app)
    e.ready()
    names = [n for n, _ in e.layers]
    layer = str(layer) if layer else names[-2]          # the last hidden layer by default
    A = _activations(e, layer)
    m.layer, m.model, m.net = layer, e.model, e.net
    m.A, m.sq = A, (A.astype(np.float64) ** 2).sum(axis=1)
    m.pca, m.mean, m.axes, m.you, m.xy_you = ev.PCA(A), None, None, None, None
    return {"layers": names, "layer": layer}


@handler("map.step")
def step(app, budget_ms=8):
    """Iterate the PCA for about budget_ms (at least once). -> {done, iters}."""
    m = point_map(app)
    if m.pca is None:
        return {"done": m.axes is not None, "iters": 0}
    end = time.perf_counter() + float(budget_ms) / 1e3
    while not m.pca.step() and time.perf_counter() < end:
        pass
    iters = m.pca.iters
    if m.pca.done:
        m.mean, m.axes, _ = m.pca.result()
        m.pca = None
    return {"done": m.pca is None, "iters": iters}


@handler("map.points")
def points(app):
    """The finished map: each evaluated image's two coordinates, xy (n * 2,) float64 flat."""
    e, m = evaluator(app), point_map(app)
    if m.axes is None:
        raise RuntimeError("map.start and map.step must finish first")
    xy = (m.A.astype(np.float64) - m.mean) @ m.axes.T
    return {"layer": m.layer, "method": "pca", "model": m.model, "indices": e.index.astype(np.int32),
            "labels": e.y.astype(np.int32), "preds": e.P.argmax(axis=1).astype(np.int32),
            "xy": np.round(xy, 5).reshape(-1)}


@handler("map.watch")
def watch(app, on=False):
    """on: the map is on screen and made, so every update places the drawing; off: nothing."""
    m = point_map(app)
    m.watching = bool(on) and m.axes is not None
    if not m.watching:
        m.you = m.xy_you = None
    return {"on": m.watching}


@handler("map.neighbours")
def neighbours(app, k=5):
    """The k evaluated images nearest the drawing in the layer's space, nearest first.

    -> {indices (MNIST test-set), positions (into the run), dist (Euclidean), pixels (k * 784,)}"""
    e, m = evaluator(app), point_map(app)
    if m.you is None or m.A is None:
        return {"indices": [], "positions": [], "dist": [], "pixels": np.zeros(0, np.uint8)}
    pos = ev.nearest(m.A, m.sq, m.you, int(k))
    d = np.sqrt(np.maximum(((m.A[pos].astype(np.float64) - m.you) ** 2).sum(axis=1), 0))
    return {"indices": e.index[pos].astype(np.int32), "positions": pos.astype(np.int32),
            "dist": np.round(d, 5), "pixels": e.X[pos].reshape(-1)}


@handler("map.pixels")
def pixels(app):
    """Every evaluated image, as the pad takes them: (n * 784,) uint8."""
    e = evaluator(app)
    e.ready()
    return {"pixels": e.X.reshape(-1)}


@on_result
def live_point(app, name, img, x, trace, out):
    """The drawing's point: only while the page watches a finished map of this very network."""
    m = app.features.get("evalmap")
    if m is None or not m.watching:
        return
    if trace is None or name != m.model or app.model(name)[0] is not m.net:
        m.you = m.xy_you = None
        out["map_you"] = None
        return
    v = ev.activation(trace, m.layer)[0].astype(np.float64)
    m.you = v
    m.xy_you = (v - m.mean) @ m.axes.T
    out["map_you"] = [round(float(m.xy_you[0]), 5), round(float(m.xy_you[1]), 5)]
