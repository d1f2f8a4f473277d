"""Training speed of digitlab's NumPy core against PyTorch (CPU), side by side, plus the
single-image forward latency of every shipped model.

    OPENBLAS_NUM_THREADS=1 python benchmarks/train_speed.py [--rounds 3] [--images 60000] [--plain-malloc]

Both frameworks train the same architecture with the same minibatches (batch 64, Adam,
no augmentation), one thread each, alternating epoch for epoch so machine noise hits
both alike. PyTorch is optional (`pip install torch==2.13.0`); without it only the NumPy
figures are printed. Results go to stdout as a Markdown table (see BENCHMARKS.md).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "pysrc"))

import numpy as np  # noqa: E402

from digitlab import data, models  # noqa: E402
from digitlab.cli import keep_freed_memory  # noqa: E402
from digitlab.core.optim import Adam  # noqa: E402

BATCH = 64


def numpy_epoch(net, opt, X, y):
    for i in range(0, len(X), BATCH):
        trace = net.forward(X[i:i + BATCH])
        opt.step(net.params, net.backward(trace, y[i:i + BATCH]))


def torch_model(name):
    import torch.nn as nn
    if name.startswith("mlp"):
        widths = [784, *map(int, name.split("-")[1:])]
        layers = [nn.Flatten()]
        for a, b in zip(widths, widths[1:]):
            layers += [nn.Linear(a, b), nn.ReLU()]
        return nn.Sequential(*layers, nn.Linear(widths[-1], 10))
    if name == "cnn-small":
        return nn.Sequential(nn.Conv2d(1, 8, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 3), nn.ReLU(),
                             nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 64), nn.ReLU(), nn.Linear(64, 10))
    return nn.Sequential(nn.Conv2d(1, 16, 3), nn.ReLU(), nn.Conv2d(16, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(1600, 40), nn.ReLU(), nn.Linear(40, 10))


def torch_epoch(model, opt, X, y):
    import torch
    lossf = torch.nn.CrossEntropyLoss()
    for i in range(0, len(X), BATCH):
        opt.zero_grad(set_to_none=True)
        lossf(model(X[i:i + BATCH]), y[i:i + BATCH]).backward()
        opt.step()


def compare(name, X, y, rounds, torch):
    """Alternate NumPy and PyTorch epochs; -> (numpy seconds list, torch seconds list)."""
    net, opt = models.build(name), Adam(1e-3)
    t_np, t_pt = [], []
    if torch is not None:
        model = torch_model(name)
        topt = torch.optim.Adam(model.parameters(), 1e-3)
        Xt, yt = torch.from_numpy(X.reshape(-1, 1, 28, 28).copy()), torch.from_numpy(y.astype(np.int64))
    for _ in range(rounds):
        t = time.perf_counter()
        numpy_epoch(net, opt, X, y)
        t_np.append(time.perf_counter() - t)
        if torch is not None:
            t = time.perf_counter()
            torch_epoch(model, topt, Xt, yt)
            t_pt.append(time.perf_counter() - t)
    return t_np, t_pt


def forward_latency(name, x, n=300):
    """Median ms for one full forward (all activations kept) of a single image."""
    net = models.load(name)
    for _ in range(20):
        net.forward(x)
    times = []
    for _ in range(n):
        t = time.perf_counter()
        net.forward(x)
        times.append(time.perf_counter() - t)
    return 1000 * statistics.median(times)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--images", type=int, default=60000, help="images per epoch (60000 = a full epoch)")
    p.add_argument("--archs", nargs="*", default=["mlp-128-64", "cnn-small"])
    p.add_argument("--plain-malloc", action="store_true", help="leave glibc's malloc at its defaults")
    args = p.parse_args()
    # The same allocator settings as `python -m digitlab train`, for both frameworks in this process.
    kept = False if args.plain_malloc else keep_freed_memory()
    print(f"glibc malloc keeps freed memory (digitlab.cli.keep_freed_memory): {kept}")
    try:
        import torch
        torch.set_num_threads(1)
        print(f"PyTorch {torch.__version__}, 1 thread")
    except ImportError:
        torch = None
        print("PyTorch not installed: NumPy figures only (pip install torch==2.13.0)")
    X, y = data.load("train")
    X, y = X[:args.images].astype(np.float32) / 255, y[:args.images].astype(np.int64)
    print(f"\n| model | NumPy s/epoch | PyTorch s/epoch | ratio NumPy/PyTorch |\n|---|---|---|---|")
    for name in args.archs:
        t_np, t_pt = compare(name, X, y, args.rounds, torch)
        scale = 60000 / len(X)
        med_np = statistics.median(t_np) * scale
        if t_pt:
            med_pt = statistics.median(t_pt) * scale
            ratios = statistics.median(a / b for a, b in zip(t_np, t_pt))
            print(f"| {name} | {med_np:.2f} | {med_pt:.2f} | {ratios:.2f} |")
        else:
            print(f"| {name} | {med_np:.2f} | n/a | n/a |")
    x = data.load("test")[0][:1].astype(np.float32) / 255
    print("\n| model | forward, 1 image, all activations (median ms) |\n|---|---|")
    for name in models.ARCHS:
        print(f"| {name} | {forward_latency(name, x):.3f} |")


if __name__ == "__main__":
    main()
