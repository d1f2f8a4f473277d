"""The point map, the page side: the evaluated images placed in 2-D from a layer's activations,
by its two main axes (PCA) or by t-SNE, and the drawing as a live point among them.

Plain Python (numpy + digitlab), no `js`. Made from Evaluate's finished run (features.evaluation:
its network and the activations it kept). The page calls

    map.start      {layer, method}   -> {layers, layer, method, n}   begin a PCA or a t-SNE of it
    map.step       {budget_ms}       -> {done, iters, progress}     work on it for about budget_ms
    map.points     {}                -> {layer, method, model, positions, indices, labels, preds,
                                         xy (m * 2), done}  (a t-SNE's layout so far, while it runs)
    map.watch      {on}              -> {on}                the map is on screen (the hook works)
    map.neighbours {k}               -> {indices, positions, dist, pixels, you}  nearest the drawing
    map.pixels     {}                -> {pixels (n * 784,) uint8}            every image, once

A map shows at most POINTS[method] of the evaluated images, spread evenly through the run: PCA
every image of the 2,000 sample (2,000 of 10,000), t-SNE 1,000 (its cost grows with the square of
the points). Positions in the answers index the map's points.

Every update, while the page watches the map, the hook below places the drawing. PCA: the layer's
activation of the drawing minus the mean, times the two axes: 2 x d multiply-adds, with d at most
784. t-SNE has no formula for a new point: it goes to the mean place of its NEAR nearest points,
nearest in the layer's own space, found on every update (at most 1,000 points, one distance
product). `map.neighbours`, asked when the drawing rests, reuses that search for its gallery.
"""

import time

import numpy as np

from ... import evaluation as ev
from ... import tsne as ts
from ..registry import handler, on_result, state
from .evaluation import evaluator

METHODS = ("pca", "tsne")
POINTS = {"pca": 2000, "tsne": 1000}   # at most; more would not be readable, nor fast in the page
NEAR = 5                                 # neighbours that place the drawing on a t-SNE map


class PointMap:
    """Per app: the layer mapped, its PCA (in progress or done), and the live point."""

    def __init__(self):
        self.layer = self.model = self.net = None
        self.method = "pca"
        self.pca = None            # evaluation.PCA while it runs
        self.mean = self.axes = None
        self.tsne = None           # tsne.TSNE, running or done
        self.pos = None            # (m,) the run's positions the map shows
        self.A = self.sq = None    # (m, d) their activations in the layer, (m,) squared norms
        self.watching = False
        self.you = None            # (d,) the drawing's activation in the layer, or None (blank)
        self.xy_you = None
        self.near = None           # t-SNE: positions of the drawing's nearest points, from its last update


def point_map(app):
    """This app's PointMap (registry.state)."""
    return state(app, "evalmap", PointMap)


def _activations(e, layer, pos):
    """(m, d) float32 activations of map layer `layer` on the evaluated images at positions pos."""
    if layer == "input":
        return e.X[pos].reshape(len(pos), -1).astype(np.float32) / np.float32(255)
    if layer not in e.acts:
        raise ValueError(f"map: no layer {layer!r} here; the layers are {[n for n, _ in e.layers]}")
    return e.acts[layer][pos]


@handler("map.start")
def start(app, layer="", method="pca"):
    """Begin the map of `layer` of the last run (Evaluate must have finished) by `method`.
    -> {layers, layer, method, n: how many points it places}."""
    e, m = evaluator(app), point_map(app)
    e.ready()
    if method not in METHODS:
        raise ValueError(f"map: the methods are {list(METHODS)}, got {method!r}")
    names = [n for n, _ in e.layers]
    layer = str(layer) if layer else names[-2]          # the last hidden layer by default
    n = len(e.y)
    m.pos = np.unique(np.linspace(0, n - 1, min(n, POINTS[method])).round().astype(int))
    A = _activations(e, layer, m.pos)
    m.layer, m.method, m.model, m.net = layer, method, e.model, e.net
    m.A, m.sq = A, (A.astype(np.float64) ** 2).sum(axis=1)
    m.mean = m.axes = m.you = m.xy_you = m.near = None
    m.pca, m.tsne = (ev.PCA(A), None) if method == "pca" else (None, ts.TSNE(A, seed=0))
    return {"layers": names, "layer": layer, "method": method, "n": int(len(m.pos))}


@handler("map.step")
def step(app, budget_ms=8):
    """Work on the map for about budget_ms (at least one piece). -> {done, iters, progress 0-1}."""
    m = point_map(app)
    end = time.perf_counter() + float(budget_ms) / 1e3
    if m.tsne is not None:
        while not m.tsne.step() and time.perf_counter() < end:
            pass
        return {"done": m.tsne.done, "iters": m.tsne.it, "progress": round(m.tsne.progress(), 4)}
    if m.pca is None:
        return {"done": m.axes is not None, "iters": 0, "progress": 1.0}
    while not m.pca.step() and time.perf_counter() < end:
        pass
    iters = m.pca.iters
    if m.pca.done:
        m.mean, m.axes, _ = m.pca.result()
        m.pca = None
    return {"done": m.pca is None, "iters": iters, "progress": 1.0 if m.pca is None else 0.0}


def _made(m):
    return m.axes is not None or (m.tsne is not None and m.tsne.done)


@handler("map.points")
def points(app):
    """The map's points: each one's two coordinates, xy (m * 2,) float64 flat; a t-SNE's layout
    so far while it runs (done false), a PCA's only once made."""
    e, m = evaluator(app), point_map(app)
    if m.tsne is not None:
        xy = m.tsne.Y
    elif m.axes is not None:
        xy = (m.A.astype(np.float64) - m.mean) @ m.axes.T
    else:
        raise RuntimeError("map.start and map.step must finish first")
    pos = m.pos
    return {"layer": m.layer, "method": m.method, "model": m.model, "done": _made(m),
            "positions": pos.astype(np.int32), "indices": e.index[pos].astype(np.int32),
            "labels": e.y[pos].astype(np.int32), "preds": e.P[pos].argmax(axis=1).astype(np.int32),
            "xy": np.round(xy, 5).reshape(-1)}


@handler("map.watch")
def watch(app, on=False):
    """on: the map is on screen and made, so every update places the drawing; off: nothing."""
    m = point_map(app)
    m.watching = bool(on) and _made(m)
    if not m.watching:
        m.you = m.xy_you = m.near = None
    return {"on": m.watching}


@handler("map.neighbours")
def neighbours(app, k=5):
    """The k points of the map nearest the drawing in the layer's space, nearest first.

    -> {indices (MNIST test-set), positions (into the map's points), dist (Euclidean),
        pixels (k * 784,), you: the drawing's place (t-SNE: the mean of theirs; PCA: its projection)}"""
    e, m = evaluator(app), point_map(app)
    if m.you is None or m.A is None:
        return {"indices": [], "positions": [], "dist": [], "pixels": np.zeros(0, np.uint8), "you": None}
    # t-SNE: the very points that placed the drawing at its last update, so list and cross agree.
    tsne = m.method == "tsne" and m.near is not None and int(k) <= len(m.near)
    pos = m.near[:int(k)] if tsne else ev.nearest(m.A, m.sq, m.you, int(k))
    d = np.sqrt(np.maximum(((m.A[pos].astype(np.float64) - m.you) ** 2).sum(axis=1), 0))
    if m.method == "tsne" and len(pos):
        m.xy_you = m.tsne.Y[pos].mean(axis=0)
    you = None if m.xy_you is None else [round(float(v), 5) for v in m.xy_you]
    return {"indices": e.index[m.pos[pos]].astype(np.int32), "positions": pos.astype(np.int32),
            "dist": np.round(d, 5), "pixels": e.X[m.pos[pos]].reshape(-1), "you": you}


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
        m.you = m.xy_you = m.near = None
        out["map_you"] = None
        return
    a = ev.activation(trace, m.layer)[0]
    m.you = v = a.astype(np.float64)
    if m.method == "pca":
        m.xy_you = (v - m.mean) @ m.axes.T
    else:   # t-SNE has no formula for a new point: the mean place of its 5 nearest, every update
        # (float32 like A: 1,000 x 784 costs 0.25 ms in Pyodide, 0.5 ms in float64; maps are <= 784 wide)
        m.near = ev.nearest(m.A, m.sq, a.astype(np.float32), NEAR)
        m.xy_you = m.tsne.Y[m.near].mean(axis=0)
    out["map_you"] = None if m.xy_you is None else [round(float(m.xy_you[0]), 5), round(float(m.xy_you[1]), 5)]
