"""The page's training run: the data subset, the set-up, the network, its driver, and the
personal drawings. Plain Python (no app, no browser), so CPython tests and the benchmark drive
exactly what the page drives; `web/features/training.py` wires it to the page.

Data: `load(npz_bytes)` reads buildlib/trainset.py's file (uint8 images; / 255 here, the
input convention). Set-up keys (JS sends them all, each may be missing):
  layers "64" / "128,64" (1-4 hidden layers of 1-256 units), activation relu|tanh|sigmoid|
  leaky_relu, optimizer sgd|momentum|adam, lr > 0, batch 1-512, loss xent|mse, digits [0-9 ...].
Changing layers, activation or digits needs new weights: it applies at once on an untrained
network, else at the next `reset()`. The rest applies to the running training at once.
"""

import io

import numpy as np

from . import models
from .core.train import Trainer, TrainConfig
from .driver import FrameDriver

DEFAULTS = {"layers": "64", "activation": "relu", "optimizer": "adam", "lr": 2e-3, "batch": 32,
            "loss": "xent", "digits": list(range(10))}
ARCH_KEYS = ("layers", "activation", "digits")
ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu")
OPTIMIZERS = ("sgd", "momentum", "adam")
MAX_LAYERS, MAX_WIDTH = 4, 256


class SetupError(ValueError):
    """A set-up value the page should not have sent (the panel checks them first)."""


def parse_layers(text):
    """'128, 64' -> (128, 64). Raises SetupError beyond 4 layers or 256 units."""
    parts = [p.strip() for p in str(text).replace(" ", ",").split(",") if p.strip()]
    if not parts or not all(p.isdigit() for p in parts):
        raise SetupError(f"hidden layers must be whole numbers separated by commas, got {text!r}")
    widths = tuple(int(p) for p in parts)
    if len(widths) > MAX_LAYERS or not all(1 <= w <= MAX_WIDTH for w in widths):
        raise SetupError(f"at most {MAX_LAYERS} hidden layers of 1-{MAX_WIDTH} units, got {text!r}")
    return widths


def check(settings):
    """Fill defaults and validate. -> a new settings dict."""
    s = {**DEFAULTS, **{k: v for k, v in settings.items() if k in DEFAULTS and v is not None}}
    parse_layers(s["layers"])
    s["lr"], s["batch"] = float(s["lr"]), int(s["batch"])
    s["digits"] = sorted({int(d) for d in s["digits"]})
    if s["activation"] not in ACTIVATIONS or s["optimizer"] not in OPTIMIZERS or s["loss"] not in ("xent", "mse"):
        raise SetupError(f"unknown choice in {s}")
    if not (0 < s["lr"] < 1e3 and 1 <= s["batch"] <= 512 and s["digits"] and 0 <= min(s["digits"])
            and max(s["digits"]) <= 9):
        raise SetupError(f"out of range: lr {s['lr']}, batch {s['batch']}, digits {s['digits']}")
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
        self.net = models.mlp(parse_layers(s["layers"]), s["activation"], seed=self.seed)
        self.seed += 1
        X, y = self._train_data()
        cfg = TrainConfig(optimizer=s["optimizer"], lr=s["lr"], batch_size=s["batch"], loss=s["loss"],
                          augment=False, schedule="constant", seed=self.seed)
        keep = np.isin(self.data["y_test"], s["digits"])
        self.driver = FrameDriver(Trainer(self.net, X, y, cfg), self.data["x_test"][keep] / np.float32(255),
                                  self.data["y_test"][keep])
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
        """'784-64-10'."""
        return "-".join(["784", *map(str, parse_layers(self.settings["layers"])), "10"])
