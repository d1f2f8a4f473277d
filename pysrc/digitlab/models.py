"""The five shipped architectures and loading their weights.

| name           | shape                                                    |
|----------------|----------------------------------------------------------|
| mlp-25-25      | 784-25-25-10, ReLU                                       |
| mlp-128-64     | 784-128-64-10, ReLU                                      |
| mlp-128-64-32  | 784-128-64-32-10, ReLU (111,146 params)                  |
| cnn-small      | conv5x5·8 → pool → conv3x3·16 → pool → fc64 → 10 (27,690) |
| cnn            | conv5x5·16 → pool → conv5x5·32 → pool → fc128 → 10 (80,202) |
"""

import os
from pathlib import Path

from . import constants, weights
from .core import Conv2D, Dense, Flatten, MaxPool2D, Network


def mlp(widths, activation="relu", seed=0):
    """widths: hidden sizes, e.g. (128, 64) -> 784-128-64-10 with a softmax output."""
    sizes = [784, *widths]
    layers = [Dense(f"h{i + 1}", a, b, activation) for i, (a, b) in enumerate(zip(sizes, sizes[1:]))]
    layers.append(Dense("out", sizes[-1], 10, "softmax"))
    return Network(layers, input_shape=(784,), seed=seed)


def cnn_small(seed=0):
    return Network([
        Conv2D("conv1", 5, 1, 8), MaxPool2D("pool1"),
        Conv2D("conv2", 3, 8, 16), MaxPool2D("pool2"),
        Flatten("flat"), Dense("fc1", 400, 64), Dense("out", 64, 10, "softmax"),
    ], input_shape=(28, 28, 1), seed=seed)


def cnn(seed=0):
    """28 -> conv5 24 -> pool 12 -> conv5 8 -> pool 4: 4*4*32 = 512 features.

    About 1.1M multiply-adds per image. A deeper 3x3 stack (4.5M) was more accurate per
    parameter but took 5 ms per forward in Pyodide, whose numpy has no optimised BLAS.
    """
    return Network([
        Conv2D("conv1", 5, 1, 16), MaxPool2D("pool1"),
        Conv2D("conv2", 5, 16, 32), MaxPool2D("pool2"),
        Flatten("flat"), Dense("fc1", 512, 128), Dense("out", 128, 10, "softmax"),
    ], input_shape=(28, 28, 1), seed=seed)


# In the picker's order (constants.MODELS; a unit test keeps the two the same).
ARCHS = {
    "mlp-25-25": lambda seed=0: mlp((25, 25), seed=seed),
    "mlp-128-64": lambda seed=0: mlp((128, 64), seed=seed),
    "mlp-128-64-32": lambda seed=0: mlp((128, 64, 32), seed=seed),
    "cnn-small": cnn_small,
    "cnn": cnn,
}
DEFAULT = constants.DEFAULT_MODEL


def weights_dir(root=None):
    """Where shipped weights live: root, $DIGITLAB_WEIGHTS, the repo's weights/, or ./weights."""
    if root is not None:
        return Path(root)
    if os.environ.get("DIGITLAB_WEIGHTS"):
        return Path(os.environ["DIGITLAB_WEIGHTS"])
    repo = Path(__file__).resolve().parents[2] / "weights"
    return repo if repo.is_dir() else Path("weights")


def build(name, seed=0):
    """A freshly initialised network of a named architecture."""
    if name not in ARCHS:
        raise KeyError(f"unknown model {name!r}; choose from {', '.join(ARCHS)}")
    return ARCHS[name](seed=seed)


def load_with_manifest(name, root=None):
    """-> (Network, manifest) from <root>/<name>.npz + .json. Raises weights.WeightsError."""
    if name not in ARCHS:
        raise KeyError(f"unknown model {name!r}; choose from {', '.join(ARCHS)}")
    return weights.load(weights_dir(root) / f"{name}.npz")


def load(name, root=None):
    """The shipped, trained network `name`."""
    return load_with_manifest(name, root)[0]
