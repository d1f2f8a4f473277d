"""The network the training panel builds from its set-up: an MLP, the cnn-small preset, or conv
layers written as text. Every check happens here, before any weight exists, so a bad set-up is
one sentence on the page and the running network stays as it was.

    arch "mlp"        784 -> `layers` (hidden widths, "128, 64") -> 10
    arch "cnn-small"  the shipped cnn-small's layers (conv5x5·8, pool, conv3x3·16, pool, 64, 10)
    arch "cnn"        `conv` ("8@5, pool, 16@3, pool": filters@kernel, each optionally followed
                      by a 2x2 max-pool), then flatten, then `layers`, then 10

A SetupError carries `key` and `params` so the page can word it in its own language.
"""

from . import models
from .core import Conv2D, Dense, Flatten, MaxPool2D, Network

ARCHS = ("mlp", "cnn-small", "cnn")
MAX_LAYERS, MAX_WIDTH = 4, 256
MAX_CONV, FILTERS, KERNELS = 4, (4, 32), (3, 5)
MAX_FEATURES = 4608            # flattened conv output; more makes the first dense layer huge
PRESET_CONV, PRESET_LAYERS = "8@5, pool, 16@3, pool", (64,)   # models.cnn_small, layer for layer


class SetupError(ValueError):
    """A set-up the page cannot build. key: what is wrong (the page's text key); params: its numbers."""

    def __init__(self, key, message, **params):
        super().__init__(message)
        self.key, self.params = key, params


def _parts(text):
    return [p.strip() for p in str(text).split(",") if p.strip()]


def parse_layers(text):
    """'128, 64' -> (128, 64). Raises SetupError beyond 4 layers or 256 units."""
    parts = [p for chunk in _parts(text) for p in chunk.split()]
    if not parts or not all(p.isdigit() for p in parts):
        raise SetupError("layersText", f"hidden layers must be whole numbers separated by commas, got {text!r}",
                         text=str(text))
    widths = tuple(int(p) for p in parts)
    if len(widths) > MAX_LAYERS or not all(1 <= w <= MAX_WIDTH for w in widths):
        raise SetupError("layersRange", f"at most {MAX_LAYERS} hidden layers of 1-{MAX_WIDTH} units, got {text!r}",
                         text=str(text))
    return widths


def parse_conv(text):
    """'8@5, pool, 16@3' -> [(8, 5), "pool", (16, 3)], checked against the 28x28 input.

    Raises SetupError: not "F@K"/"pool", filters outside 4-32, kernel not 3 or 5, no conv layer,
    more than 4, a pool not after a conv, or a kernel (or pool) larger than the map it meets.
    """
    items, size, channels = [], 28, 1
    for part in _parts(text):
        if part.lower() == "pool":
            if not items or items[-1] == "pool":
                raise SetupError("convPool", f"a pool must follow a conv layer: {text!r}")
            if size < 2:
                raise SetupError("convMap", f"a 2x2 pool does not fit the {size}x{size} map", k=2, size=size)
            items.append("pool")
            size //= 2
            continue
        f, k = _conv_item(part, size)
        items.append((f, k))
        size, channels = size - k + 1, f
    convs = sum(item != "pool" for item in items)
    if not 1 <= convs <= MAX_CONV:
        raise SetupError("convCount", f"1-{MAX_CONV} conv layers, got {convs}", n=convs)
    if size * size * channels > MAX_FEATURES:
        raise SetupError("convBig", f"{size}x{size}x{channels} = {size * size * channels} features reach the "
                         f"dense layers (at most {MAX_FEATURES}): add a pool", n=size * size * channels)
    return items


def _conv_item(part, size):
    """'8@5' meeting a size x size map -> (8, 5); raises SetupError."""
    f, at, k = part.partition("@")
    if not (at and f.strip().isdigit() and k.strip().isdigit()):
        raise SetupError("convText", f"conv layers are written filters@kernel, such as 8@5, got {part!r}",
                         part=part)
    f, k = int(f), int(k)
    if not FILTERS[0] <= f <= FILTERS[1]:
        raise SetupError("convFilters", f"a conv layer has {FILTERS[0]}-{FILTERS[1]} filters, got {f}", n=f)
    if k not in KERNELS:
        raise SetupError("convKernel", f"kernels are 3x3 or 5x5, got {k}", k=k)
    if k > size:
        raise SetupError("convMap", f"a {k}x{k} kernel is larger than the {size}x{size} map it meets",
                         k=k, size=size)
    return f, k


def check(arch, layers, conv):
    """Raise SetupError unless the set-up builds."""
    if arch not in ARCHS:
        raise SetupError("arch", f"unknown network {arch!r}", arch=str(arch))
    if arch != "cnn-small":
        parse_layers(layers)
    if arch == "cnn":
        parse_conv(conv)


def build(arch, layers, conv, activation="relu", seed=0):
    """A freshly initialised Network for the set-up (see the module docstring)."""
    if arch == "mlp":
        return models.mlp(parse_layers(layers), activation, seed=seed)
    conv, widths = (PRESET_CONV, PRESET_LAYERS) if arch == "cnn-small" else (conv, parse_layers(layers))
    net_layers, shape, n = [], (28, 28, 1), 0
    for item in parse_conv(conv):
        if item == "pool":
            layer = MaxPool2D(f"pool{n}")
        else:
            n += 1
            layer = Conv2D(f"conv{n}", item[1], shape[2], item[0], activation)
        net_layers.append(layer)
        shape = layer.out_shape(shape)
    sizes = [shape[0] * shape[1] * shape[2], *widths]
    net_layers.append(Flatten("flat"))
    net_layers += [Dense(f"fc{i + 1}", a, b, activation) for i, (a, b) in enumerate(zip(sizes, sizes[1:]))]
    net_layers.append(Dense("out", sizes[-1], 10, "softmax"))
    return Network(net_layers, input_shape=(28, 28, 1), seed=seed)


def name(arch, layers, conv):
    """'784-64-10', 'cnn-small', or '8@5-pool-16@3-pool-64-10' (at most 52 characters)."""
    if arch == "cnn-small":
        return "cnn-small"
    widths = [str(w) for w in parse_layers(layers)]
    if arch == "mlp":
        return "-".join(["784", *widths, "10"])
    convs = [it if it == "pool" else f"{it[0]}@{it[1]}" for it in parse_conv(conv)]
    return "-".join([*convs, *widths, "10"])[:52]
