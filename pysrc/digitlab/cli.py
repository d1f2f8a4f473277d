"""Command line: `python -m digitlab train|evaluate`. Offline only (needs MNIST via digitlab.data)."""

import argparse
import dataclasses
import json
import sys
import time

import numpy as np

from . import data, models, weights
from .core.metrics import evaluate as evaluate_net
from .core.train import Diverged, TrainConfig, Trainer, fit

# The recipes that produced the shipped weights (all float32, one BLAS thread).
RECIPES = {
    "mlp-25-25": dict(epochs=40, lr=2e-3, batch_size=64, max_degrees=6, max_shift=1.0),
    "mlp-128-64": dict(epochs=30, lr=1e-3, batch_size=64, max_degrees=8, max_shift=1.5),
    "mlp-128-64-32": dict(epochs=30, lr=1e-3, batch_size=64, max_degrees=8, max_shift=1.5),
    "cnn-small": dict(epochs=12, lr=2e-3, batch_size=64),
    "cnn": dict(epochs=20, lr=2e-3, batch_size=64, weight_decay=0.02),
}


def keep_freed_memory(ceiling=32 << 20, trim=512 << 20):
    """Ask glibc's malloc to reuse freed blocks instead of handing them back to the kernel.

    A training step allocates a few MB of short-lived arrays (conv patches, gradients). After a
    while glibc began serving them with fresh mmap()s, and every new page then faulted: measured
    1,110 minor faults and 6.05 ms per cnn-small step, against 0 faults and 4.35 ms with these
    limits (arrays below `ceiling` come from the heap; up to `trim` bytes of free heap are kept).
    A no-op where there is no glibc. -> True when the settings took.
    """
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3          # <malloc.h>
        return bool(libc.mallopt(M_MMAP_THRESHOLD, ceiling)) and bool(libc.mallopt(M_TRIM_THRESHOLD, trim))
    except (OSError, AttributeError):
        return False


def as_float(X):
    """uint8 (N, 28, 28) -> float32 in [0, 1]."""
    return X.astype(np.float32) / 255


def train(args):
    from tqdm import tqdm

    keep_freed_memory()
    cfg = TrainConfig(**{**RECIPES.get(args.arch, {}), **_overrides(args)})
    X, y = data.load("train")
    Xt, yt = data.load("test")
    X, y = (X[: args.limit], y[: args.limit]) if args.limit else (X, y)
    Xt = as_float(Xt)
    net = models.build(args.arch, seed=cfg.seed)
    trainer = Trainer(net, as_float(X), y, cfg)
    bar = tqdm(total=cfg.epochs * trainer.steps_per_epoch, unit="step", desc=args.arch, mininterval=2)
    ema = {}

    def on_step(info):
        for k in ("loss", "accuracy"):
            ema[k] = getattr(info, k) if k not in ema else 0.98 * ema[k] + 0.02 * getattr(info, k)
        bar.update()
        bar.set_postfix(epoch=info.epoch + 1, loss=f"{ema['loss']:.4f}", acc=f"{ema['accuracy']:.4f}")

    def on_epoch(epoch, infos):
        acc = evaluate_net(net, Xt, yt)["accuracy"]
        bar.write(f"{args.arch} epoch {epoch}: loss {np.mean([i.loss for i in infos]):.4f}  test acc {acc:.4f}")
        return {"test_accuracy": acc}

    t0 = time.perf_counter()
    try:
        history = fit(trainer, on_step=on_step, on_epoch=on_epoch)
    except Diverged as e:
        bar.close()
        print(f"training stopped: {e}. Nothing was written.", file=sys.stderr)
        return 2
    bar.close()
    result = evaluate_net(net, Xt, yt)
    extra = {"test_accuracy": result["accuracy"], "confusion": result["confusion"],
             "training": {**dataclasses.asdict(cfg), "train_images": len(X),
                          "seconds": round(time.perf_counter() - t0, 1)},
             "history": history}
    weights.save(net, args.arch, models.weights_dir(args.out), extra)
    print(f"{args.arch}: test accuracy {result['accuracy']:.4f}, {net.n_params():,} params, "
          f"written to {models.weights_dir(args.out)}")
    return 0


def _overrides(args):
    keys = ("epochs", "lr", "batch_size", "optimizer", "seed", "loss")
    out = {k: getattr(args, k) for k in keys if getattr(args, k) is not None}
    if args.no_augment:
        out["augment"] = False
    return out


def evaluate(args):
    Xt, yt = data.load("test")
    Xt = as_float(Xt)
    names = [args.arch] if args.arch else list(models.ARCHS)
    report = {}
    for name in names:
        net = models.load(name, args.weights)
        report[name] = {"accuracy": evaluate_net(net, Xt, yt)["accuracy"], "params": net.n_params()}
    if args.json:
        print(json.dumps({"models": report}, indent=1))
    else:
        for name, r in report.items():
            print(f"{name:15s} accuracy {r['accuracy']:.4f}  params {r['params']:,}")
    return 0


def parser():
    p = argparse.ArgumentParser(prog="python -m digitlab", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train one architecture on MNIST and write weights + manifest")
    t.add_argument("--arch", required=True, choices=list(models.ARCHS))
    t.add_argument("--epochs", type=int)
    t.add_argument("--lr", type=float)
    t.add_argument("--batch-size", type=int)
    t.add_argument("--optimizer", choices=["sgd", "momentum", "adam"])
    t.add_argument("--loss", choices=["xent", "mse"])
    t.add_argument("--seed", type=int)
    t.add_argument("--limit", type=int, help="train on the first N images only (quick runs)")
    t.add_argument("--no-augment", action="store_true")
    t.add_argument("--out", help="folder for the weights (default: the repo's weights/)")
    t.set_defaults(run=train)
    e = sub.add_parser("evaluate", help="accuracy of shipped weights on the 10k MNIST test set")
    e.add_argument("--arch", choices=list(models.ARCHS))
    e.add_argument("--json", action="store_true")
    e.add_argument("--weights", help="weights folder (default: the repo's weights/)")
    e.set_defaults(run=evaluate)
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except (data.MissingDataError, weights.WeightsError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
