"""Evaluate: a network on many MNIST test images, its mistakes, and where a drawing lands.

Pure numpy + stdlib. n is the number of images evaluated, K = 10 classes.

    scores(net, X, layers)      one slice of images -> probabilities and the map layers' activations
    figures(P, y)               accuracy, mean cross-entropy, confidence, errors, per class, confusion
    cell(P, y, t, p)            the images of one confusion cell, most confident first
    coverage(conf, right, thr)  "I don't know" below thr: how many are answered, how many rightly
    coverage_curve(conf, right) accuracy on the accepted images against coverage, every threshold
    PCA(A), pca(A)              the two main axes of a layer's activations (subspace iteration)
    nearest(A, sq, v)           the test images nearest a drawing in a layer's space
"""

import numpy as np

from .core.layers import matmul, matmul_tn

CONFIDENT = 0.9        # an error made with more confidence than this is a "confident error"
EPS = 1e-12            # p(true class) is clipped here before the log: one 0 would make the mean inf
MAX_MAP_DIMS = 784     # layers wider than this are not offered for the point map (PCA stays cheap)


def map_layers(net):
    """Layers a point map can be made from, [(name, width)]: the input, flatten and dense layers
    (conv / pool outputs are wide, and flatten already holds the last pool's features)."""
    out = [("input", 784)]
    for layer, shape in zip(net.layers, net.shapes()):
        width = int(np.prod(shape))
        if layer.kind in ("flatten", "dense") and width <= MAX_MAP_DIMS:
            out.append((layer.name, width))
    return out


def activation(trace, name):
    """The map layer `name` of a Trace, (N, d) float32: the input as the network read it, a hidden
    layer's output, or the last layer's logits (its softmax squeezes every point onto a simplex)."""
    if name == "input":
        return trace.x.reshape(len(trace.x), -1)
    rec = trace[name]
    last = trace.layers[-1].name == name
    v = rec.z if last else rec.a
    return v.reshape(len(v), -1)


def scores(net, X, layers=(), batch=100):
    """X (N, 28, 28) uint8 raw MNIST -> (P (N, K) float32, {layer: (N, d) float32}).

    Images go in as raw / 255, the shipped models' convention; batches keep conv patch
    matrices small."""
    probs, acts = [], {name: [] for name in layers}
    for s in range(0, len(X), batch):
        trace = net.forward(X[s:s + batch].astype(np.float32) / np.float32(255))
        probs.append(trace.probs.astype(np.float32))
        for name in layers:
            acts[name].append(activation(trace, name).astype(np.float32))
    empty = np.zeros((0, 10), np.float32)
    return (np.concatenate(probs) if probs else empty,
            {k: np.concatenate(v) for k, v in acts.items() if v})


def confusion(y, pred, k=10):
    """-> (k, k) int64 counts, rows the true digit, columns the answer."""
    return np.bincount((y * k + pred).astype(np.intp), minlength=k * k).reshape(k, k)   # intp: 32-bit in wasm


def figures(P, y):
    """P (n, K) probabilities, y (n,) true digits -> the card's figures (JSON-safe).

    shade: each confusion cell's share of its row (what the cell's colour shows), so a digit with
    few images is as readable as a common one."""
    P = P.astype(np.float64)
    pred = P.argmax(axis=1)
    conf = P.max(axis=1)
    right = pred == y
    C = confusion(y, pred)
    rows = C.sum(axis=1, keepdims=True)
    per_class = np.where(rows[:, 0] > 0, np.diag(C) / np.maximum(rows[:, 0], 1), np.nan)
    p_true = P[np.arange(len(y)), y]
    return {
        "n": int(len(y)),
        "accuracy": float(right.mean()) if len(y) else None,
        "xent": float(-np.log(np.clip(p_true, EPS, 1)).mean()) if len(y) else None,
        "confidence": float(conf.mean()) if len(y) else None,
        "errors": int((~right).sum()),
        "confident_errors": int(((~right) & (conf > CONFIDENT)).sum()),
        "per_class": [None if np.isnan(a) else float(a) for a in per_class],
        "confusion": C.tolist(),
        "shade": np.round(C / np.maximum(rows, 1), 4).tolist(),
    }


def cell(P, y, t, p):
    """-> positions (into P) of the images of digit t answered p, most confident first (m,) int64."""
    pred = P.argmax(axis=1)
    hit = np.flatnonzero((y == t) & (pred == p))
    conf = P[hit, p]
    return hit[np.argsort(-conf, kind="stable")]


def coverage(conf, right, thr):
    """conf (n,) top probability, right (n,) bool; below thr the network says "I don't know".

    -> {coverage: share of images it still answers, accuracy: how many of those are right (None
    when it answers none)}"""
    accepted = conf >= thr
    m = int(accepted.sum())
    return {"coverage": m / len(conf) if len(conf) else 0.0,
            "accuracy": float(right[accepted].mean()) if m else None, "accepted": m}


def coverage_curve(conf, right, points=101):
    """Accuracy on the accepted images against coverage, over every threshold: the images taken
    most confident first. -> (m, 3) float64 rows (coverage, accuracy, threshold), m <= points,
    coverage rising to 1."""
    n = len(conf)
    if n == 0:
        return np.zeros((0, 3))
    order = np.argsort(-conf, kind="stable")
    hits = np.cumsum(right[order])
    k = np.unique(np.linspace(1, n, points).round().astype(int))
    return np.stack([k / n, hits[k - 1] / k, conf[order][k - 1]], axis=1)


class PCA:
    """The two directions of largest variance of A (n, d), found a step at a time (`step`), so
    the page can spread the work over frames; `pca(A)` runs it to the end.

    Subspace iteration with a Rayleigh-Ritz step on the centred data itself (never the d x d
    covariance, whose product costs n d^2: seconds in the page's BLAS-less numpy). A block wider
    than 2 makes the top two converge fast even when the 2nd and 3rd variances are close."""

    def __init__(self, A, block=6, seed=0, tol=1e-9, max_iters=300):
        A = A.astype(np.float64)
        self.mean = A.mean(axis=0)
        self.Xc = A - self.mean
        b = min(block, *self.Xc.shape)
        self.V = np.linalg.qr(np.random.default_rng(seed).standard_normal((self.Xc.shape[1], b)))[0]
        self.top, self.iters, self.tol, self.max_iters = None, 0, tol, max_iters
        self.done = False

    def step(self):
        """One iteration. -> done (the top two variances stopped changing, or max_iters)."""
        Xc = self.Xc                      # matmul: einsum under Pyodide, 5-10x faster there than @
        V = np.linalg.qr(matmul_tn(Xc, matmul(Xc, self.V)))[0]
        S = matmul(Xc, V)
        vals, vecs = np.linalg.eigh(S.T @ S)
        self.V = V @ vecs[:, ::-1]
        top = vals[::-1][:2]
        prev, self.top = self.top, top
        self.iters += 1
        close = prev is not None and np.all(np.abs(top - prev) <= self.tol * max(top[0], 1e-30))
        self.done = bool(close or self.iters >= self.max_iters)
        return self.done

    def result(self):
        """-> (mean (d,), axes (2, d) orthonormal, variance (2,)). Each axis's sign is fixed (its
        largest entry positive) so the same data always gives the same picture."""
        axes = self.V[:, :2].T
        flip = np.sign(axes[np.arange(len(axes)), np.abs(axes).argmax(axis=1)])
        axes = axes * np.where(flip == 0, 1, flip)[:, None]
        return self.mean, axes, self.top / max(len(self.Xc) - 1, 1)


def pca(A, **kw):
    """A (n, d) -> (mean (d,), axes (2, d), variance (2,)): PCA(A, **kw) run to the end."""
    p = PCA(A, **kw)
    while not p.step():
        pass
    return p.result()


def nearest(A, sq, v, k=5):
    """Positions of the k rows of A (n, d) nearest to v (d,) in Euclidean distance, nearest first;
    sq (n,) is A's squared row norms, computed once per map."""
    d = sq - 2 * matmul(A, v[:, None])[:, 0]
    k = min(k, len(d))
    part = np.argpartition(d, k - 1)[:k] if k < len(d) else np.arange(len(d))
    return part[np.argsort(d[part], kind="stable")]
