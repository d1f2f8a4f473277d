"""One training loop for the CLI and the page: minibatches, light augmentation, callbacks.

The CLI drives `fit` (epochs, progress bar); the page calls `Trainer.step()` once per
frame. Both run the same `step`.
"""

import math
from dataclasses import dataclass

import numpy as np

from .augment import augment
from .optim import make_optimizer


class Diverged(FloatingPointError):
    """The loss or a gradient became NaN/inf; the step was not applied."""


@dataclass
class TrainConfig:
    optimizer: str = "adam"
    lr: float = 1e-3
    batch_size: int = 64
    epochs: int = 10
    loss: str = "xent"
    schedule: str = "cosine"      # "cosine" to lr*final_lr_frac, or "constant"
    final_lr_frac: float = 0.02
    weight_decay: float = 0.0
    augment: bool = True
    max_degrees: float = 10.0
    max_shift: float = 2.0
    seed: int = 0


@dataclass
class StepInfo:
    iteration: int
    epoch: int
    loss: float
    accuracy: float   # on this minibatch
    grad_norm: float
    lr: float


class Trainer:
    """Holds the data order, optimiser and counters. X (N, 28, 28) float32 in [0, 1], y (N,) int."""

    def __init__(self, net, X, y, config=None):
        self.net, self.cfg = net, config or TrainConfig()
        self.X, self.y = np.asarray(X, np.float32).reshape(-1, 28, 28), np.asarray(y, np.int64)
        self.rng = np.random.default_rng(self.cfg.seed)
        self.opt = make_optimizer(self.cfg.optimizer, self.cfg.lr, weight_decay=self.cfg.weight_decay)
        self.steps_per_epoch = math.ceil(len(self.X) / self.cfg.batch_size)
        self.iteration, self.epoch, self._order, self._pos = 0, 0, None, 0

    def set_data(self, X, y):
        """Train on new data from the next minibatch on (a new epoch order is drawn)."""
        self.X, self.y = np.asarray(X, np.float32).reshape(-1, 28, 28), np.asarray(y, np.int64)
        self.steps_per_epoch = math.ceil(len(self.X) / self.cfg.batch_size)
        self._order, self._pos = None, 0

    def lr_at(self, t):
        if self.cfg.schedule == "constant":
            return self.cfg.lr
        total = max(1, self.cfg.epochs * self.steps_per_epoch)
        frac = min(t / total, 1.0)
        lo = self.cfg.final_lr_frac
        return self.cfg.lr * (lo + (1 - lo) * 0.5 * (1 + math.cos(math.pi * frac)))

    def next_batch(self):
        """-> (Xb (B, 28, 28), yb (B,)); reshuffles at each epoch boundary."""
        if self._order is None or self._pos >= len(self._order):
            if self._order is not None:
                self.epoch += 1
            self._order, self._pos = self.rng.permutation(len(self.X)), 0
        idx = self._order[self._pos:self._pos + self.cfg.batch_size]
        self._pos += len(idx)
        Xb = self.X[idx]
        if self.cfg.augment:
            Xb = augment(Xb, self.rng, self.cfg.max_degrees, self.cfg.max_shift)
        return Xb, self.y[idx]

    def step(self, batch=None):
        """One optimiser step on `batch` (or the next minibatch). Raises Diverged without updating."""
        Xb, yb = batch if batch is not None else self.next_batch()
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is checked explicitly below
            trace = self.net.forward(Xb)
            grads, loss = self.net.grads_and_loss(trace, yb, self.cfg.loss)
            sq = sum(float((g * g).sum()) for gl in grads.values() for g in gl.values())
        if not (math.isfinite(loss) and math.isfinite(sq)):
            raise Diverged(f"loss became {loss} at iteration {self.iteration}; the learning rate "
                           f"({self.opt.lr:g}) is probably too large")
        self.opt.lr = self.lr_at(self.iteration)
        self.opt.step(self.net.params, grads)
        self.iteration += 1
        acc = float((trace.probs.argmax(1) == yb).mean())
        return StepInfo(self.iteration, self.epoch, loss, acc, math.sqrt(sq), self.opt.lr)


def fit(trainer, epochs=None, on_step=None, on_epoch=None):
    """Run whole epochs. on_step(StepInfo) each step; on_epoch(epoch, [StepInfo]) -> optional dict
    to record in the returned history (e.g. test accuracy)."""
    history = []
    for e in range(epochs or trainer.cfg.epochs):
        infos = []
        for _ in range(trainer.steps_per_epoch):
            info = trainer.step()
            infos.append(info)
            if on_step:
                on_step(info)
        row = {"epoch": e + 1,
               "loss": float(np.mean([i.loss for i in infos])),
               "train_accuracy": float(np.mean([i.accuracy for i in infos]))}
        if on_epoch:
            row.update(on_epoch(e + 1, infos) or {})
        history.append(row)
    return history
