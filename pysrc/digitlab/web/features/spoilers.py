"""Spoil the test set, the page side: accuracy against each spoiler's strength for the network
in use and a second model, on the first N images of the shipped sample.

Plain Python (numpy + digitlab), no `js`. The page calls

    spoil.start  {model, compare}      -> {total, kinds, strengths}   plan every (spoiler, strength)
    spoil.step   {budget_ms}           -> {done, total}               work for about budget_ms
    spoil.curves {}                    -> {models: [model, compare], strengths, accuracy}
                                          accuracy[model][kind]: one value per strength
    spoil.images {noise, rotate, thickness, shift, k} -> {pixels (k * 784,) uint8, indices}  what the
                                          first k images look like spoiled so

Each (spoiler, strength) spoils all N images at once (so the noise is the same pattern whatever
the slicing), then each network reads them in batches of BATCH.
"""

import time

import numpy as np

from ... import spoil as sp
from ..registry import handler, state
from .damage import breaker

N = 500          # images per curve point: 4 spoilers x ~7 strengths x 2 networks stay a few seconds
BATCH = 100


class Spoiler:
    def __init__(self):
        self.jobs = []       # [(kind, strength)] still to do
        self.nets = {}       # model name -> Network
        self.acc = {}        # model -> kind -> [accuracy per strength]
        self.total = self.done = 0
        self.current = None  # (kind, strength, spoiled images, {model: hits so far}, next batch start)


def spoiler(app):
    return state(app, "spoilers", Spoiler)


def _sample(app):
    b = breaker(app)
    if b.X is None:
        raise RuntimeError("damage.evalset must be called first")
    return b.X[:N], b.y[:N], b.index[:N]


@handler("spoil.start")
def start(app, model="", compare=""):
    """Plan the curves of the network running under `model` now and of the model `compare`."""
    s = spoiler(app)
    X, _, _ = _sample(app)
    s.nets = {str(model): app.model(str(model))[0]}
    if compare and str(compare) != str(model):
        s.nets[str(compare)] = app.model(str(compare))[0]
    s.jobs = [(kind, v) for kind, values in sp.STRENGTHS.items() for v in values]
    s.acc = {m: {kind: [] for kind in sp.STRENGTHS} for m in s.nets}
    s.total, s.done, s.current = len(s.jobs) * len(s.nets) * len(X), 0, None
    return {"total": s.total, "models": list(s.nets), "strengths": {k: list(v) for k, v in sp.STRENGTHS.items()}}


@handler("spoil.step")
def step(app, budget_ms=8):
    """Score batches until about budget_ms has passed (at least one). -> {done, total}."""
    s = spoiler(app)
    X, y, _ = _sample(app)
    end = time.perf_counter() + float(budget_ms) / 1e3
    while s.jobs or s.current:
        _batch(s, X, y)
        if time.perf_counter() >= end:
            break
    return {"done": s.done, "total": s.total}


def _batch(s, X, y):
    """One batch of one network on the current (spoiler, strength); starts the next job if none."""
    if s.current is None:
        kind, v = s.jobs.pop(0)
        s.current = [kind, v, sp.spoil(X, **sp.one(kind, v)), {m: 0 for m in s.nets}, 0, list(s.nets)]
    kind, v, A, hits, lo, todo = s.current
    model = todo[0]
    probs = s.nets[model].predict_proba(A[lo:lo + BATCH])
    hits[model] += int((probs.argmax(axis=1) == y[lo:lo + BATCH]).sum())
    s.done += len(probs)
    s.current[4] = lo + BATCH
    if s.current[4] >= len(A):
        s.acc[model][kind].append(hits[model] / len(A))
        todo.pop(0)
        s.current[4] = 0
        if not todo:
            s.current = None


@handler("spoil.curves")
def curves(app):
    """The finished curves: accuracy[model][kind] (one per strength in strengths[kind])."""
    s = spoiler(app)
    if s.jobs or s.current or not s.acc:
        raise RuntimeError("spoil.start and spoil.step must finish first")
    return {"models": list(s.nets), "strengths": {k: list(v) for k, v in sp.STRENGTHS.items()}, "accuracy": s.acc}


@handler("spoil.images")
def images(app, noise=0.0, rotate=0.0, thickness=0, shift=0, k=8):
    """The first k sample images spoiled with these strengths, as the pad takes them."""
    X, _, index = _sample(app)
    k = max(1, min(int(k), 32))
    A = sp.spoil(X, float(noise), float(rotate), int(thickness), shift_px=int(shift))[:k]   # the whole N: the same noise
    return {"pixels": np.rint(A * 255).astype(np.uint8).reshape(-1), "indices": index[:k].astype(np.int32)}
