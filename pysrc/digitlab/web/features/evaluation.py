"""Evaluate, the page side: the network in use on the shipped test sample, or on every test
image, in slices.

Plain Python (numpy + digitlab), no `js`. The sample is Break It's (`damage.evalset` loads it);
the whole test set is loaded only when a learner asks for it (`eval.testset`). The page calls

    eval.testset   {data}         -> {n}                 the bytes of data/testset.npz, once
    eval.start     {model, images} -> {n, model, images} takes the network running under `model`
                                                          now, on "sample" or "all" the images
    eval.step      {stop}         -> {done, n}           scores images [done, stop): one short slice
    eval.healthy   {stop}         -> {done, n}           the healthy network beside a damaged one, next
    eval.figures   {}             -> figures (evaluation.figures) + {model, indices, labels, preds,
                                     healthy: the healthy network's figures once scored, or None,
                                     healthy_pending: eval.healthy has images left}
    eval.cell      {true, pred}   -> {indices, pixels (m, 784) uint8, confidence}, most confident first
    eval.threshold {value}        -> {threshold, coverage, accuracy, accepted, curve [[c, a, thr]]}

The network evaluated is whatever `app.model(model)` runs when the run starts: the shipped one,
Break It's damaged copy, one trained or imported in the page, or one the console changed. When
it is Break It's damaged copy, the healthy network it was made from is scored on the same images
after it (eval.healthy, in slices too; once per healthy network and image set: later runs reuse
it), so the page can set the two confusion matrices side by side, before -> after.

Once a threshold is set, every update's answer follows it (the hook below): under it the network
says it is not sure ("unsure", reason "threshold"), at or over it it answers. Doubts about the
ink itself (too small, a blob, a line) still come first.
"""

import numpy as np

from ... import evaluation as ev
from ..registry import handler, on_result, state
from .damage import breaker, read_images


class Evaluator:
    """Per app: the run in progress or done, and the live answer's threshold."""

    def __init__(self):
        self.net = self.model = None
        self.X = self.y = self.index = None
        self.P = None              # (n, K) float32 probabilities, filled up to `done`
        self.acts = {}             # map layer -> (n, d) float32, filled up to `done`
        self.layers = []           # [(name, width)] the map can show
        self.done = 0
        self.threshold = None      # None: the page's own rule (viewmodel.CONFIG.unsure_below)
        self.all = None            # (X, y, index) every test image, once the page has sent them
        self.images = "sample"
        self.healthy = None        # the healthy network behind Break It's damaged copy, or None
        self.PH = None             # (n, K) its probabilities, filled up to `done` (or cached)
        self.PH_done = 0           # PH is filled up to here (n at once when the cache had it)
        self.cache = (None, None, None)   # (healthy params, images, PH) of the last complete PH

    def ready(self):
        if self.P is None or self.done < len(self.y):
            raise RuntimeError("eval.start and eval.step must finish first")


def evaluator(app):
    """This app's Evaluator (registry.state)."""
    return state(app, "evaluation", Evaluator)


@handler("eval.testset")
def testset(app, data=None):
    """data: the bytes of data/testset.npz (all the test images, as damage.evalset reads). -> {n}."""
    e = evaluator(app)
    e.all = read_images(data)
    return {"n": int(len(e.all[1]))}


@handler("eval.start")
def start(app, model="", images="sample"):
    """Take the network running under `model` now and the images: "sample" (the loaded sample)
    or "all" (eval.testset's). -> {n, model, images}."""
    b, e = breaker(app), evaluator(app)
    if images == "all":
        if e.all is None:
            raise RuntimeError("eval.testset must be called first")
        X, y, index = e.all
    elif images == "sample":
        if b.X is None:
            raise RuntimeError("damage.evalset must be called first")
        X, y, index = b.X, b.y, b.index
    else:
        raise ValueError(f"eval.start: images is 'sample' or 'all', got {images!r}")
    e.model, e.net, e.images = str(model), app.model(str(model))[0], images
    e.X, e.y, e.index = X, y, index
    n = len(e.y)
    e.P = np.zeros((n, 10), np.float32)
    e.healthy = _healthy(b, e.model, e.net)
    whole = e.healthy is not None and e.cache[0] is e.healthy.params and e.cache[1] == images
    e.PH = e.cache[2] if whole else None if e.healthy is None else np.zeros((n, 10), np.float32)
    e.PH_done = n if whole else 0
    e.layers = ev.map_layers(e.net)
    e.acts = {name: np.zeros((n, width), np.float32) for name, width in e.layers if name != "input"}
    e.done = 0
    return {"n": n, "model": e.model, "images": images}


@handler("eval.step")
def step(app, stop=0):
    """Score images [done, stop) of the sample (the page sizes slices to a few ms). -> {done, n}."""
    e = evaluator(app)
    if e.P is None:
        raise RuntimeError("eval.start must be called first")
    n = len(e.y)
    lo, hi = e.done, min(n, max(e.done, int(stop)))
    if hi > lo:
        P, acts = ev.scores(e.net, e.X[lo:hi], list(e.acts))
        e.P[lo:hi] = P
        for name, A in acts.items():
            e.acts[name][lo:hi] = A
        e.done = hi
    return {"done": e.done, "n": n}


@handler("eval.healthy")
def healthy(app, stop=0):
    """Score images [PH_done, stop) with the healthy network behind a damaged one. -> {done, n}."""
    e = evaluator(app)
    e.ready()
    n = len(e.y)
    if e.PH is None:
        return {"done": n, "n": n}
    lo, hi = e.PH_done, min(n, max(e.PH_done, int(stop)))
    if hi > lo:
        e.PH[lo:hi] = ev.scores(e.healthy, e.X[lo:hi])[0]
        e.PH_done = hi
        if hi == n:
            e.cache = (e.healthy.params, e.images, e.PH)
    return {"done": e.PH_done, "n": n}


@handler("eval.figures")
def figures(app):
    """The figures of the finished run, and what was evaluated (MNIST test-set indices)."""
    e = evaluator(app)
    e.ready()
    return {**ev.figures(e.P, e.y), "model": e.model, "indices": e.index.astype(np.int32),
            "labels": e.y.astype(np.int32), "preds": e.P.argmax(axis=1).astype(np.int32),
            "healthy": None if e.PH is None or e.PH_done < len(e.y) else {
                **ev.figures(e.PH, e.y), "preds": e.PH.argmax(axis=1).astype(np.int32)},
            "healthy_pending": e.PH is not None and e.PH_done < len(e.y)}


def _healthy(b, name, net):
    """The healthy network behind `net` when it is Break It's damaged copy of `name`, else None."""
    installed = b.installed.get(name)
    return b.base[name] if installed is not None and net.params is installed else None


@handler("eval.cell")
def cell(app, true=0, pred=0, limit=60):
    """The images of digit `true` answered `pred`, most confident first (at most `limit`).

    -> {indices (m,) MNIST test-set indices, pixels (m * 784,) uint8 as the pad takes them,
        confidence (m,) the network's probability for `pred`, total: how many the cell holds}"""
    e = evaluator(app)
    e.ready()
    t, p = _digit(true), _digit(pred)
    pos = ev.cell(e.P, e.y, t, p)
    shown = pos[:max(0, int(limit))]
    return {"indices": e.index[shown].astype(np.int32), "pixels": e.X[shown].reshape(-1),
            "confidence": np.round(e.P[shown, p].astype(np.float64), 4), "total": int(len(pos))}


@handler("eval.threshold")
def threshold(app, value=None):
    """Set the live answer's threshold (None: keep it) and measure it on the finished run.

    -> {threshold, coverage, accuracy, accepted, curve: m rows [coverage, accuracy, threshold]}
       (the figures are None before a run has finished)"""
    e = evaluator(app)
    if value is not None:
        v = float(value)
        if not np.isfinite(v):
            raise ValueError(f"eval.threshold: want a number in [0, 1], got {value!r}")
        e.threshold = min(max(v, 0.0), 1.0)
    thr = e.threshold if e.threshold is not None else _default_threshold()
    out = {"threshold": thr, "coverage": None, "accuracy": None, "accepted": None, "curve": []}
    if e.P is not None and e.done == len(e.y) and len(e.y):
        conf, right = e.P.max(axis=1), e.P.argmax(axis=1) == e.y
        out.update(ev.coverage(conf, right, thr))
        out["curve"] = np.round(ev.coverage_curve(conf, right), 4).tolist()
    return out


def _default_threshold():
    from ...viewmodel import CONFIG
    return CONFIG.unsure_below


def _digit(v):
    d = int(v)
    if not 0 <= d <= 9:
        raise ValueError(f"a digit is 0-9, got {v!r}")
    return d


@on_result
def thresholded(app, name, img, x, trace, out):
    """Under the threshold the live answer is not sure (Python decides; the page words it)."""
    e = app.features.get("evaluation")
    if e is None or e.threshold is None:
        return
    p = out["prediction"]
    if p.get("state") not in ("sure", "unsure") or p.get("reason"):
        return
    thr = e.threshold
    sure = float(out["probs"].max()) >= thr          # the unrounded confidence, as eval.threshold counts
    out["prediction"] = {**p, "state": "sure" if sure else "unsure", "threshold": round(thr * 100, 1),
                         **({} if sure else {"reason": "threshold"})}
