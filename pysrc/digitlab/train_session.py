"""The page's training run: the data subset, the set-up, the network, its driver, and the
personal drawings. Plain Python (no app, no browser), so CPython tests and the benchmark drive
exactly what the page drives; `web/features/training.py` wires it to the page.

Data: `load(npz_bytes)` reads buildlib/trainset.py's file (uint8 images; / 255 here, the
input convention). Set-up keys (JS sends them all, each may be missing):
  arch mlp|cnn-small|cnn and conv "8@5, pool, 16@3, pool" (see digitlab.train_arch),
  layers "64" / "128,64" (1-4 hidden layers of 1-256 units), activation relu|tanh|sigmoid|
  leaky_relu, optimizer sgd|momentum|adam, lr > 0, batch 1-512, loss xent|mse, digits [0-9 ...].
Changing arch, conv, layers, activation or digits needs new weights: it applies at once on an untrained
network, else at the next `reset()`. The rest applies to the running training at once.
"""

import io

import numpy as np

from . import train_arch
from .core.train import Trainer, TrainConfig
from .driver import FrameDriver

DEFAULTS = {"arch": "mlp", "conv": train_arch.PRESET_CONV, "layers": "64", "activation": "relu", "optimizer": "adam", "lr": 2e-3, "batch": 32,
            "loss": "xent", "digits": list(range(10))}
ARCH_KEYS = ("arch", "conv", "layers", "activation", "digits")
ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu")
OPTIMIZERS = ("sgd", "momentum", "adam")
SetupError, parse_layers = train_arch.SetupError, train_arch.parse_layers   # the page's names since #6


def check(settings):
    """Fill defaults and validate. -> a new settings dict."""
    s = {**DEFAULTS, **{k: v for k, v in settings.items() if k in DEFAULTS and v is not None}}
    train_arch.check(s["arch"], s["layers"], s["conv"])
    try:
        s["lr"], s["batch"] = float(s["lr"]), int(s["batch"])
    except (TypeError, ValueError):
        raise SetupError("number", f"lr and batch must be numbers, got {s['lr']!r}, {s['batch']!r}") from None
    s["digits"] = sorted({int(d) for d in s["digits"]})
    if s["activation"] not in ACTIVATIONS or s["optimizer"] not in OPTIMIZERS or s["loss"] not in ("xent", "mse"):
        raise SetupError("choice", f"unknown choice in {s}")
    if not s["digits"]:
        raise SetupError("digits", "pick at least one digit to learn")
    if not (0 < s["lr"] < 1e3 and 1 <= s["batch"] <= 512 and 0 <= min(s["digits"])
            and max(s["digits"]) <= 9):
        raise SetupError("range", f"out of range: lr {s['lr']}, batch {s['batch']}, digits {s['digits']}")
    return s


class Session:
    """One training run at a time; `net` keeps its params dict for its whole life (the page's
    diagram reads the same arrays), so restoring and training are both in place."""

    def __init__(self):
        self.data = None                 # {"x_train": (N, 28, 28) uint8, ...}
        self.personal = (np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.int64))
        self.settings = dict(DEFAULTS)
        self.net = self.driver = None
        self.pending = False             # an architecture change waits for reset()
        self.seed = 0

    def load(self, npz_bytes):
        with np.load(io.BytesIO(bytes(npz_bytes)), allow_pickle=False) as z:
            self.data = {k: z[k] for k in ("x_train", "y_train", "x_test", "y_test")}
        return {"train": len(self.data["y_train"]), "test": len(self.data["y_test"])}

    def configure(self, settings):
        """-> {"rebuilt": bool, "pending": bool}."""
        new = check({**self.settings, **settings})
        arch_changed = any(new[k] != self.settings[k] for k in ARCH_KEYS)
        self.settings = new
        if self.driver is None or (arch_changed and self.driver.iteration == 0):
            self.reset()
            return {"rebuilt": True, "pending": False}
        self.pending = self.pending or arch_changed
        cfg = self.driver.trainer.cfg
        if new["optimizer"] != cfg.optimizer:
            self.driver.set_optimizer(new["optimizer"], new["lr"])
        cfg.lr, cfg.batch_size, cfg.loss = new["lr"], new["batch"], new["loss"]
        return {"rebuilt": False, "pending": self.pending}

    def reset(self):
        """New random weights for the current set-up; a fresh driver. Needs the data."""
        s = self.settings
        self.net = train_arch.build(s["arch"], s["layers"], s["conv"], s["activation"], seed=self.seed)
        self.seed += 1
        X, y = self._train_data()
        cfg = TrainConfig(optimizer=s["optimizer"], lr=s["lr"], batch_size=s["batch"], loss=s["loss"],
                          augment=False, schedule="constant", seed=self.seed)
        keep = np.isin(self.data["y_test"], s["digits"])
        # A slice of the test evaluation should cost about one step: 100 images through cnn-small
        # took ~20 ms in Pyodide (a dropped frame each time), 50 about a batch-32 step.
        chunk = 50 if any(layer.kind == "conv2d" for layer in self.net.layers) else 100
        self.driver = FrameDriver(Trainer(self.net, X, y, cfg), self.data["x_test"][keep] / np.float32(255),
                                  self.data["y_test"][keep], eval_chunk=chunk)
        self.pending = False
        return self.net

    def _train_data(self):
        """The shipped images of the chosen digits plus the personal drawings. -> (X float32, y)."""
        digits = self.settings["digits"]
        keep = np.isin(self.data["y_train"], digits)
        px, py = self.personal
        mine = np.isin(py, digits)
        X = np.concatenate([self.data["x_train"][keep], px[mine]])
        y = np.concatenate([self.data["y_train"][keep].astype(np.int64), py[mine]])
        return X / np.float32(255), y

    def set_personal(self, samples):
        """samples: [{"pixels": 784 ints 0-255, "label": int}] (the page's localStorage list)."""
        px = np.array([np.asarray(s["pixels"], np.uint8).reshape(28, 28) for s in samples], np.uint8)
        self.personal = (px.reshape(-1, 28, 28), np.array([int(s["label"]) for s in samples], np.int64))
        if self.driver is not None:
            self.driver.trainer.set_data(*self._train_data())
        return len(samples)

    def arch(self):
        """'784-64-10', 'cnn-small' or '8@5-pool-16@3-pool-64-10'."""
        s = self.settings
        return train_arch.name(s["arch"], s["layers"], s["conv"])
