"""Training in time slices: `FrameDriver.run(budget_s)` once per animation frame.

The page must keep drawing at >= 50 fps while it trains, so it never runs "an epoch": each
frame it asks the driver for a few milliseconds of work. The driver spends them on the
library's own `Trainer.step()` (the loop that trained the shipped weights) and, now and then,
on a slice of a test-set evaluation. Pure Python + numpy: the page, the tests, the
learning-rate explorer and the benchmark all use it the same way.

    trainer = Trainer(net, X, y, TrainConfig(optimizer="adam", lr=2e-3, batch_size=32,
                                             augment=False, schedule="constant"))
    driver = FrameDriver(trainer, X_test, y_test)
    report = driver.run(0.008)          # each frame: at most ~8 ms of work
    report.steps, driver.iteration      # what was done
    report.train, report.test           # new chart points (see Point)
    driver.diverged                     # None, or {"reason", "loss", "lr", "iteration",
                                        #   "restored"}: training stopped, good weights are back

Evaluation runs on a frozen copy of the weights taken when it starts, so the reported test
accuracy belongs to exactly one iteration even though training goes on between its slices.
"""

import time
from dataclasses import dataclass, field

import numpy as np

from .core.optim import make_optimizer
from .core.train import Diverged


@dataclass
class Point:
    """One chart point: at `iteration`, the mean loss and accuracy (train: over the last
    `log_every` minibatches; test: over the whole test set)."""
    iteration: int
    loss: float
    accuracy: float


@dataclass
class Report:
    """What one `run` / `step_once` did. last: the newest StepInfo or None."""
    steps: int = 0
    seconds: float = 0.0
    last: object = None
    train: list = field(default_factory=list)   # [Point], new since the previous report
    test: list = field(default_factory=list)    # [Point], evaluations finished in this slice
    diverged: dict = None


class FrameDriver:
    """Runs `trainer` (a core.train.Trainer) in bounded slices; evaluates on (X_test, y_test).

    X_test (M, 28, 28) or (M, 784), float in [0, 1]; y_test (M,) int. eval_every: at most this
    many steps between evaluations (the first ones come sooner: at 0, 25, 50, 100, ...).
    explode: a minibatch loss above explode x max(first loss, 1) counts as divergence (xent
    stays finite for huge weights, so NaN alone would miss a learning rate of 10 under Adam).
    keep_every: how often (steps) a copy of the weights is taken; it becomes the "last good"
    copy once the next minibatch loss, measured on exactly those weights, is at most
    max(first loss, 1).
    clock: seconds, injectable for tests.
    """

    def __init__(self, trainer, X_test=None, y_test=None, *, eval_every=200, eval_chunk=100,
                 log_every=10, keep_every=25, explode=20.0, clock=time.perf_counter):
        self.trainer, self.net = trainer, trainer.net
        self.X_test = None if X_test is None else np.asarray(X_test, np.float32).reshape(len(X_test), -1)
        self.y_test = None if y_test is None else np.asarray(y_test, np.int64)
        self.eval_every, self.eval_chunk, self.log_every = eval_every, eval_chunk, log_every
        self.keep_every, self.explode, self.clock = keep_every, explode, clock
        self.cost = {"step": 0.0, "eval": 0.0}     # EMA seconds per unit of work
        self.loss0 = None                          # the first minibatch loss
        self.diverged = None                       # None, or a dict: see `_diverge` and `explain`
        self.good = _copy(self.net.params)         # the last weights known to be healthy
        self.good_iteration = trainer.iteration
        self._pending_good = None                  # taken at a keep step, confirmed by the next loss
        self._window = []                          # (loss, acc) since the last train point
        self._train_new, self._test_new = [], []
        self.train_points, self.test_points = [], []
        self._eval = None                          # (frozen net, iteration, cursor, loss sum, correct)
        self.next_eval = 0 if self.X_test is not None else None

    @property
    def iteration(self):
        return self.trainer.iteration

    # ---- the per-frame entry points ---------------------------------------------------

    def run(self, budget_s, max_steps=None):
        """Work for about budget_s seconds: always one unit, then more while the estimated cost
        of the next fits. At most one evaluation slice per call, so a frame never stalls on it."""
        t0 = self.clock()
        deadline, rep, evaluated = t0 + budget_s, Report(), False
        while self.diverged is None:
            kind = "eval" if self._eval_due() and not evaluated else "step"
            if kind == "step" and max_steps is not None and rep.steps >= max_steps:
                break
            now = self.clock()
            if (rep.steps or evaluated) and now + self.cost[kind] > deadline:
                break
            self._work(kind, rep)
            self.cost[kind] = _ema(self.cost[kind], self.clock() - now)
            evaluated |= kind == "eval"
        if self.diverged is None and not _finite(self.net.params):
            self._diverge("weights")
        return self._report(rep, t0)

    def step_once(self, batch=None):
        """One training step (on `batch` = (X (B, 28, 28), y (B,)) if given, else the next
        minibatch), then any evaluation that is due, finished now (a button press)."""
        t0, rep = self.clock(), Report()
        if self.diverged is None:
            self._work("step", rep, batch)
        while self.diverged is None and self._eval_due():
            self._work("eval", rep)
        return self._report(rep, t0)

    def resume(self):
        """Clear a divergence (e.g. after the learning rate was lowered); weights stay restored."""
        self.diverged = None

    def set_optimizer(self, name, lr):
        """A new optimiser (its state starts empty) at learning rate lr."""
        self.trainer.cfg.optimizer, self.trainer.cfg.lr = name, lr
        self.trainer.opt = make_optimizer(name, lr, weight_decay=self.trainer.cfg.weight_decay)

    def evaluate_now(self):
        """-> Point: the whole test set on the current weights, in one go."""
        self._start_eval()
        while self._eval is not None:
            self._eval_slice()
        return self.test_points[-1]

    # ---- work units -----------------------------------------------------------------------

    def _work(self, kind, rep, batch=None):
        if kind == "eval":
            self._eval_slice()
            return
        try:
            info = self.trainer.step(batch)
        except Diverged:
            self._diverge("nan")
            return
        rep.steps += 1
        rep.last = info
        self._after_step(info)

    def _after_step(self, info):
        """Divergence by explosion, the healthy-weights copy, the train chart point."""
        if self.loss0 is None:
            self.loss0 = info.loss
        scale = max(self.loss0, 1.0)                # a trained net's tiny first loss is no yardstick
        if info.loss > self.explode * scale:
            self._diverge("explode", info.loss)
            return
        if self._pending_good is not None and info.loss <= scale:
            self.good, self.good_iteration = self._pending_good     # its loss, just measured, is healthy
        self._pending_good = None
        if info.iteration % self.keep_every == 0:
            self._pending_good = (_copy(self.net.params), info.iteration)
        self._window.append((info.loss, info.accuracy))
        if len(self._window) >= self.log_every:
            loss, acc = np.mean(self._window, axis=0)
            self._train_new.append(Point(info.iteration, float(loss), float(acc)))
            self._window = []

    def _diverge(self, reason, loss=None):
        """Put the last healthy weights back (in place: the page's diagram holds these arrays)."""
        for layer, p in self.good.items():
            for key, w in p.items():
                self.net.params[layer][key][...] = w
        cfg = self.trainer.cfg
        self.trainer.opt = make_optimizer(cfg.optimizer, cfg.lr, weight_decay=cfg.weight_decay)
        self._eval, self._pending_good, self._window = None, None, []
        self.diverged = {"reason": reason, "loss": loss, "lr": cfg.lr, "iteration": self.iteration,
                         "restored": self.good_iteration}

    # ---- evaluation in slices -------------------------------------------------------------

    def _eval_due(self):
        if self._eval is not None:
            return True
        return self.next_eval is not None and self.iteration >= self.next_eval

    def _start_eval(self):
        self._eval = [self.net.copy(), self.iteration, 0, 0.0, 0]

    def _eval_slice(self):
        """Forward one chunk of the test set through the frozen copy."""
        if self._eval is None:
            self._start_eval()
        net, it, i, loss_sum, correct = self._eval
        X, y = self.X_test[i:i + self.eval_chunk], self.y_test[i:i + self.eval_chunk]
        with np.errstate(over="ignore", invalid="ignore"):
            trace = net.forward(X)
            loss_sum += net.loss(trace, y, self.trainer.cfg.loss) * len(y)
        correct += int((trace.probs.argmax(1) == y).sum())
        i += len(y)
        self._eval = [net, it, i, loss_sum, correct]
        if i >= len(self.y_test):
            point = Point(it, float(loss_sum / i), correct / i)
            self.test_points.append(point)
            self._test_new.append(point)
            self._eval = None
            self.next_eval = it + min(max(it, 25), self.eval_every)

    def _report(self, rep, t0):
        rep.seconds = self.clock() - t0
        rep.train, rep.test, rep.diverged = self._train_new, self._test_new, self.diverged
        self.train_points += self._train_new
        self._train_new, self._test_new = [], []
        return rep


def explain(d):
    """A diverged dict -> one plain English sentence (the page has its own translated text)."""
    what = {"nan": "the loss became NaN or infinite",
            "explode": f"the loss jumped to {d['loss']:.3g}",
            "weights": "the weights became NaN or infinite"}[d["reason"]]
    return (f"Training stopped at iteration {d['iteration']}: {what}. The learning rate ({d['lr']:g}) is "
            f"probably too large, so each step overshoots. The weights of iteration {d['restored']} are back.")


def _copy(params):
    return {layer: {k: v.copy() for k, v in p.items()} for layer, p in params.items()}


def _finite(params):
    return all(bool(np.isfinite(v).all()) for p in params.values() for v in p.values())


def _ema(old, new, alpha=0.3):
    return new if old == 0.0 else (1 - alpha) * old + alpha * new
