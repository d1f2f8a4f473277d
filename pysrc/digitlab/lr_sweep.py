"""The learning-rate explorer's maths: one tiny network trained at several learning rates, and
the loss on a plane through its trained weights. numpy and digitlab's core only (no browser).

Everything is built from the core the page's networks use: `Network` + `Dense` layers, the
fused softmax cross-entropy in `Network.grads_and_loss`, and `optim.SGD`. The problem is small
on purpose (a 2-D, 3-class spiral and a 2-16-3 MLP, full-batch gradient descent) so that five
runs of a few hundred steps and a 21×21 landscape take well under a second in Pyodide, cut
into slices that fit in an animation frame.
"""

import math

import numpy as np

from .core import Dense, Network
from .core.optim import make_optimizer

RATES = (0.001, 0.01, 0.1, 1.0, 10.0)
STEPS = 300
BLOWUP = 10.0   # a loss this many times the starting loss counts as diverged even while finite


def spiral(n=240, arms=3, seed=0, scale=4.0):
    """Points on `arms` noisy spiral arms, one class per arm. -> X (n, 2) float32, y (n,) int64.

    The scale (coordinates up to ±scale) makes a large learning rate really blow up instead of
    only stalling with dead ReLUs, which is what we want to show.
    """
    rng = np.random.default_rng(seed)
    m = n // arms
    r = np.tile(np.linspace(0.1, 1.0, m), arms)
    y = np.repeat(np.arange(arms), m)
    theta = y * (2 * np.pi / arms) + r * 3.0 + rng.standard_normal(arms * m) * 0.15
    X = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1) * scale
    return X.astype(np.float32), y.astype(np.int64)


def toy_network(hidden=16, classes=3, seed=1):
    """2 -> hidden (ReLU) -> classes (softmax), He-initialised by the core with `seed`."""
    layers = [Dense("h1", 2, hidden, "relu"), Dense("out", hidden, classes, "softmax")]
    return Network(layers, input_shape=(2,), seed=seed)


def flat(params):
    """{layer: {"W", "b"}} -> one float64 vector (P,), in a fixed order (see `unflat`)."""
    return np.concatenate([params[l][k].ravel() for l in sorted(params) for k in sorted(params[l])]
                          ).astype(np.float64)


def unflat(vector, like):
    """The inverse of `flat`: a vector (P,) -> params shaped like `like` (float32 copies)."""
    out, i = {}, 0
    for l in sorted(like):
        out[l] = {}
        for k in sorted(like[l]):
            size = like[l][k].size
            out[l][k] = vector[i:i + size].reshape(like[l][k].shape).astype(np.float32)
            i += size
    return out


def loss_at(net, vector, X, y):
    """Mean cross-entropy of `net`'s architecture with weights `vector` on (X, y)."""
    probe = Network(net.layers, unflat(vector, net.params), net.input_shape)
    with np.errstate(over="ignore", invalid="ignore"):
        return probe.loss(probe.forward(X), y)


class Run:
    """One learning rate: plain full-batch gradient descent from the shared starting weights.

    losses[t] is the loss at the weights before step t+1; path[t] those weights, flat (P,).
    `blowup` is the step whose loss or gradient was no longer finite (the run stops there).
    """

    def __init__(self, lr, net):
        self.lr, self.net = float(lr), net
        self.opt = make_optimizer("sgd", self.lr)
        self.losses, self.path, self.blowup = [], [], None

    @property
    def stopped(self):
        return self.blowup is not None

    def step(self, X, y):
        self.path.append(flat(self.net.params))
        with np.errstate(over="ignore", invalid="ignore"):
            trace = self.net.forward(X)
            grads, loss = self.net.grads_and_loss(trace, y)
            sq = sum(float((g * g).sum()) for gl in grads.values() for g in gl.values())
        self.losses.append(loss)
        if not (math.isfinite(loss) and math.isfinite(sq)):
            self.blowup = len(self.losses) - 1
            return
        self.opt.step(self.net.params, grads)

    def diverged(self):
        """Blew up, or the loss rose to BLOWUP times where it started."""
        return self.stopped or max(self.losses, default=0) > BLOWUP * self.losses[0]

    def diverged_at(self):
        """The step to mark: where it became infinite, else where it first passed BLOWUP x start."""
        if self.stopped:
            return self.blowup
        over = [t for t, v in enumerate(self.losses) if v > BLOWUP * self.losses[0]]
        return over[0] if over else None

    def weights(self):
        """The trained weights, flat (P,): after the last step, or the last ones with a finite loss."""
        return self.path[max(self.blowup - 1, 0)] if self.stopped else flat(self.net.params)


class Sweep:
    """The same network (same starting weights) trained at each rate for `steps` steps."""

    def __init__(self, rates=RATES, steps=STEPS, seed=1):
        self.X, self.y = spiral()
        self.steps = int(steps)
        start = toy_network(seed=seed)
        self.runs = [Run(lr, start.copy()) for lr in sorted(float(r) for r in rates)]

    @property
    def done(self):
        return all(r.stopped or len(r.losses) >= self.steps for r in self.runs)

    def advance(self):
        """One step of the run furthest behind (so the curves grow side by side, and a call
        costs one small step: the page's time budget per frame is kept to about a step)."""
        going = [r for r in self.runs if not (r.stopped or len(r.losses) >= self.steps)]
        if going:
            min(going, key=lambda r: len(r.losses)).step(self.X, self.y)

    def verdicts(self):
        """Per run: "diverged", "fastest" (lowest mean loss of the rest), "crawls" (slower than
        ten times the fastest: its last loss is above the fastest's loss at a tenth of the steps),
        or "ok"."""
        out = ["diverged" if r.diverged() else "ok" for r in self.runs]
        calm = [i for i, v in enumerate(out) if v == "ok"]
        if not calm:
            return out
        best = min(calm, key=lambda i: sum(self.runs[i].losses) / len(self.runs[i].losses))
        out[best] = "fastest"
        fast = self.runs[best].losses
        bar = fast[min(len(fast) - 1, self.steps // 10)]
        for i in calm:
            if i != best and self.runs[i].losses[-1] > bar:
                out[i] = "crawls"
        return out


class Landscape:
    """Loss on a grid over a plane through a run's trained weights θ*.

    The plane is spanned by the two principal directions of the run's path (θ_t - θ*): unit,
    orthogonal vectors d1, d2 in weight space, so the path's projection is a true picture of how
    it moved. Cell (i, j) holds the loss at θ* + alpha[j]·d1 + beta[i]·d2; both axes are
    symmetric with an odd count, so the centre cell is θ* itself.
    """

    def __init__(self, sweep, run_index, n=21, margin=1.25):
        run = sweep.runs[run_index]
        self.sweep, self.run, self.index, self.n = sweep, run, run_index, n | 1
        self.centre = run.weights()
        P = np.asarray(run.path[:run.blowup] if run.stopped else run.path + [self.centre])
        D = P - self.centre                                           # (T, P)
        _, s, Vt = np.linalg.svd(D, full_matrices=False)
        self.dirs = Vt[:2]                                            # (2, P)
        self.explained = (s[:2] ** 2 / max(float((s ** 2).sum()), 1e-30)).tolist()
        self.coords = D @ self.dirs.T                                 # (T, 2)
        reach = np.abs(self.coords).max(axis=0) * margin
        reach = np.where(reach > 0, reach, 1.0)
        self.alpha = np.linspace(-reach[0], reach[0], self.n)
        self.beta = np.linspace(-reach[1], reach[1], self.n)
        self.alpha[self.n // 2] = self.beta[self.n // 2] = 0.0   # linspace may leave 1e-17 there
        self.grid = np.full((self.n, self.n), np.nan)                # (beta, alpha)
        self.cells, self._centre_loss = 0, None

    @property
    def done(self):
        return self.cells >= self.n * self.n

    @property
    def rows(self):
        return self.cells // self.n

    def advance(self):
        """Fill the next cell, row by row (row i: one beta, every alpha)."""
        i, j = divmod(self.cells, self.n)
        theta = self.centre + self.alpha[j] * self.dirs[0] + self.beta[i] * self.dirs[1]
        self.grid[i, j] = loss_at(self.run.net, theta, self.sweep.X, self.sweep.y)
        self.cells += 1

    def centre_loss(self):
        """The loss at θ* (computed apart from the grid: the test compares the two)."""
        if self._centre_loss is None:
            self._centre_loss = loss_at(self.run.net, self.centre, self.sweep.X, self.sweep.y)
        return self._centre_loss
