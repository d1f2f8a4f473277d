"""t-SNE: n points of a layer's space laid out in 2-D so that near neighbours stay near.

Pure numpy. The work is cut into small, fixed pieces (`TSNE.step`: one block of rows), so the page
can run a few of them per animation frame and draw the layout as it settles; the pieces never
depend on how many run per frame, so a sliced run ends exactly where one uninterrupted run does.

    TSNE(A, perplexity, seed)   A (n, d) -> a run; step() does one piece, Y (n, 2) is the layout
    tsne(A, **kw)               the whole run -> Y (n, 2)

The affinities: each point's Gaussian over its k = 3 * perplexity nearest points, its width found
by bisection so the distribution's perplexity (2 ** entropy in bits) is the one asked for; then
symmetrised, p_ij = (p_j|i + p_i|j) / 2n. The layout: gradient descent on KL(P || Q), Q a Student-t (one
degree of freedom) kernel over the 2-D distances, with early exaggeration (P x 12 at first, so
clusters form before they spread), momentum, and per-coordinate gains.
"""

import numpy as np

from .core.layers import matmul

EXAGGERATION = 12.0
EXAGGERATED_ITERS = 250
MOMENTUM = (0.5, 0.8)          # during, then after early exaggeration
BLOCK_CELLS = 100_000          # rows per descent piece: about this many (row, point) pairs, 1-2 ms
AFFINITY_MACS = 2_000_000      # rows per affinity piece: about this many multiply-adds of distances


class TSNE:
    """One run over A (n, d). Phases, a block of rows per step: "affinity" (each row's neighbours
    and their conditional p_j|i), "symmetrise" (p_ij), then "descent" (the gradient; the layout
    moves when every block is in). Block sizes depend only on A's shape, never on time."""

    def __init__(self, A, perplexity=30.0, seed=0, iters=600, lr=None):
        A = np.asarray(A, np.float64)
        self.n = n = len(A)
        if n < 4:
            raise ValueError(f"t-SNE needs at least 4 points, got {n}")
        self.A, self.sq = A, (A ** 2).sum(axis=1)
        self.perplexity = float(min(perplexity, (n - 1) / 3))
        self.k = int(min(n - 1, round(3 * self.perplexity)))
        self.block = max(1, BLOCK_CELLS // n)
        self.affinity_block = max(1, AFFINITY_MACS // (n * max(A.shape[1], 1)))
        self.iters, self.it = int(iters), 0
        self.lr = float(lr) if lr else max(n / EXAGGERATION, 50.0)
        self.P = np.zeros((n, n))
        self.Y = np.random.default_rng(seed).standard_normal((n, 2)) * 1e-4
        self.update, self.gains = np.zeros((n, 2)), np.ones((n, 2))
        self.row, self.phase = 0, "affinity"
        self._stack()
        self._clear_sums()

    @property
    def done(self):
        return self.phase == "done"

    def progress(self):
        """-> share of the run done, 0-1 (the affinities count as one iteration's worth)."""
        part = self.row / self.n
        first = {"affinity": part / 2, "symmetrise": (1 + part) / 2}
        if self.phase in first:
            return first[self.phase] / (self.iters + 1)
        return min(1.0, (self.it + 1 + part) / (self.iters + 1))

    def step(self):
        """One piece of work. -> done."""
        if self.phase == "affinity":
            self._affinity_block()
        elif self.phase == "symmetrise":
            self._symmetrise_block()
        elif self.phase == "descent":
            self._gradient_block()
        return self.done

    # ---- affinities ----------------------------------------------------------------------

    def _affinity_block(self):
        lo, hi = self.row, min(self.n, self.row + self.affinity_block)
        D = self.sq[lo:hi, None] + self.sq[None, :] - 2 * matmul(self.A[lo:hi], self.A.T)
        D[np.arange(hi - lo), np.arange(lo, hi)] = np.inf        # a point is not its own neighbour
        nb = np.argpartition(D, self.k - 1, axis=1)[:, :self.k]
        Dk = np.maximum(np.take_along_axis(D, nb, axis=1), 0)
        np.put_along_axis(self.P[lo:hi], nb, conditional(Dk, self.perplexity), axis=1)
        self.row = hi
        if hi == self.n:
            self.A, self.Pc = None, self.P                       # the layout needs only P
            self.P = np.zeros((self.n, self.n), np.float32)
            self.row, self.phase = 0, "symmetrise"

    def _symmetrise_block(self):
        """p_ij = (p_j|i + p_i|j) / 2n: each conditional row sums to 1, so the sum is known."""
        lo, hi = self.row, min(self.n, self.row + self.block)
        self.P[lo:hi] = (self.Pc[lo:hi] + self.Pc[:, lo:hi].T) / (2 * self.n)
        self.row = hi
        if hi == self.n:
            self.Pc = None
            self.row, self.phase = 0, "descent"

    # ---- descent -------------------------------------------------------------------------

    def _stack(self):
        self.Y1 = np.concatenate([self.Y, np.ones((self.n, 1))], axis=1).astype(np.float32)

    def _clear_sums(self):
        self.attract = np.zeros((self.n, 3), np.float32)   # sum_j p w (y_j, 1), per row
        self.repel = np.zeros((self.n, 3), np.float32)     # sum_j w^2 (y_j, 1), per row
        self.Z = 0.0

    def _gradient_block(self):
        """Rows [row, row + block) of both halves of the gradient, dC/dy_i =
        4 (sum_j p_ij w_ij (y_i - y_j) - sum_j w_ij^2 (y_i - y_j) / Z), w_ij = 1 / (1 + |y_i - y_j|^2),
        Z = sum_ij w_ij. float32 and numpy's own `@` on (n, 3) products: under Pyodide (no BLAS, no
        SIMD) every pass over a (block, n) array counts, and for 3 columns `@` beats einsum."""
        lo, hi = self.row, min(self.n, self.row + self.block)
        Y1 = self.Y1                                     # (n, 3): the layout, and a column of ones
        W = Y1[lo:hi, 0:1] - Y1[:, 0]
        W *= W
        dy = Y1[lo:hi, 1:2] - Y1[:, 1]
        dy *= dy
        W += dy
        W += 1
        np.reciprocal(W, out=W)
        W[np.arange(hi - lo), np.arange(lo, hi)] = 0
        self.Z += float(W.sum())
        self.attract[lo:hi] = (self.P[lo:hi] * W) @ Y1
        W *= W
        self.repel[lo:hi] = W @ Y1
        self.row = hi
        if hi == self.n:
            self._move()

    def _move(self):
        early = self.it < EXAGGERATED_ITERS
        Y = self.Y
        attract = self.attract[:, 2:] * Y - self.attract[:, :2]
        repel = self.repel[:, 2:] * Y - self.repel[:, :2]
        grad = 4 * ((EXAGGERATION if early else 1.0) * attract - repel / self.Z)
        same = np.sign(grad) == np.sign(self.update)
        self.gains = np.maximum(np.where(same, self.gains * 0.8, self.gains + 0.2), 0.01)
        self.update = MOMENTUM[0 if early else 1] * self.update - self.lr * self.gains * grad
        self.Y = self.Y + self.update
        self.Y -= self.Y.mean(axis=0)
        self._stack()
        self.it += 1
        self.row = 0
        self._clear_sums()
        if self.it >= self.iters:
            self.phase = "done"


def conditional(D, perplexity, rounds=60):
    """D (b, k) squared distances from b points to their k neighbours -> (b, k) p_j|i, each row a
    Gaussian whose perplexity is `perplexity` (its precision beta found by bisection, per row)."""
    D = D - D.min(axis=1, keepdims=True)          # the nearest gets weight 1: no row underflows to 0
    target = np.log(perplexity)
    beta = 1.0 / np.maximum(D.mean(axis=1), 1e-12)
    lo, hi = np.zeros(len(D)), np.full(len(D), np.inf)
    for _ in range(rounds):
        E = gauss(D, beta)
        S = E.sum(axis=1)
        H = np.log(S) + beta * (D * E).sum(axis=1) / S        # entropy in nats
        wide = H > target                                     # too spread out: a larger beta
        lo, hi = np.where(wide, beta, lo), np.where(wide, hi, beta)
        beta = np.where(np.isinf(hi), beta * 2, (lo + hi) / 2)
    E = gauss(D, beta)
    return E / E.sum(axis=1, keepdims=True)


def gauss(D, beta):
    """exp(-beta D) per row, its exponent held above -700: below that exp gives subnormals, whose
    arithmetic is many times slower in wasm, for weights that are 0 to any use."""
    return np.exp(-np.minimum(D * beta[:, None], 700.0))


def tsne(A, **kw):
    """A (n, d) -> Y (n, 2): TSNE(A, **kw) run to the end."""
    run = TSNE(A, **kw)
    while not run.step():
        pass
    return run.Y
