"""Break It: damaged copies of a network, and how often they are right.

Pure numpy + stdlib. The shipped network is never changed: `apply` returns a new `Network`
whose params are fresh arrays. Damage is described by a `Damage` record (what the page's
controls and share links hold) and applied in a fixed order, so one record always gives the
same weights:

  1. weight noise   W += noise * std(W) * E, E ~ N(0, 1) drawn from a fixed seed per layer,
                    so a bigger `noise` scales the same pattern (reproducible, and monotone);
  2. zeroed layers  W = 0 for each named layer (its bias stays, unless 3);
  3. biases off     b = 0 in every layer;
  4. neurons off    unit j's incoming weights W[..., j] and bias b[j] are 0, so z_j = 0 and,
                    through ReLU, a_j = 0: nothing reaches the next layer from it.

Units are named like the diagram's nodes (`h1:17`, `fc1:3`) or a conv channel (`conv2:5`).
A pooled tile (`pool1:5`) or a CNN's flattened feature (`flat:k`) switches off the conv
channel it comes from.
"""

from dataclasses import dataclass
import math

import numpy as np

from .core import Network

SEED = 20261122       # the noise pattern: fixed, so a damage record means the same weights everywhere
NOISE_MAX = 2.0       # the slider's end: sigma = twice each layer's weight std
MAX_NEURONS = 64      # share links stay short, and nobody clicks more


@dataclass(frozen=True)
class Damage:
    bias: bool = False        # every bias switched off
    noise: float = 0.0        # sigma of the weight noise, relative to each layer's weight std
    layers: tuple = ()        # names of layers whose weights are zeroed
    neurons: tuple = ()       # canonical unit ids switched off ("h1:3", "conv2:5")

    @property
    def empty(self):
        return not (self.bias or self.noise > 0 or self.layers or self.neurons)

    def to_dict(self):
        return {"bias": self.bias, "noise": self.noise, "layers": list(self.layers),
                "neurons": list(self.neurons)}


def weighted_layers(net):
    """Names of the layers that have weights, in order."""
    return [l.name for l in net.layers if "W" in net.params.get(l.name, {})]


def _index(net, name):
    return [l.name for l in net.layers].index(name)


def channel_source(net, name):
    """The conv or dense layer whose units a pool / flatten layer passes on (walking back)."""
    i = _index(net, name)
    while i >= 0 and net.layers[i].kind not in ("conv2d", "dense"):
        i -= 1
    return net.layers[i].name if i >= 0 else None


def switchable(net, node_id):
    """A node or tile id -> the canonical (layer, unit) that switching it off zeroes, or None.

    Hidden dense units and conv channels can be switched off; input pixels and output units
    cannot (an output "off" would only set its logit to 0, which is not silence).
    """
    try:
        name, k = str(node_id).split(":")
        k = int(k)
        layer = net.layers[_index(net, name)]
    except (ValueError, IndexError):
        return None
    if layer.kind == "flatten":
        shape = net.shapes()[_index(net, name) - 1]                 # (h, w, c) it flattens
        if not 0 <= k < int(np.prod(shape)):
            return None
        channels = shape[-1]
        name, k = channel_source(net, name), k % channels     # NHWC flatten: channel is fastest
    elif layer.kind == "maxpool2d":
        name = channel_source(net, name)
    if name is None or name == net.layers[-1].name:
        return None
    n_units = net.params[name]["b"].shape[0]
    return (name, k) if 0 <= k < n_units else None


def parse(obj, net):
    """A JSON-like {bias, noise, layers, neurons} -> (Damage for this net, [rejected items]).

    Every field is checked: bias must be a bool, noise a finite number (clipped to
    [0, NOISE_MAX]), layers names of this net's weighted layers, neurons switchable ids.
    Anything else is left out and reported, never raised: share links can hold anything.
    """
    obj = obj if isinstance(obj, dict) else {}
    rejected = []
    bias = obj.get("bias", False)
    if not isinstance(bias, bool):
        rejected.append(f"bias={bias!r}")
        bias = False
    noise = obj.get("noise", 0.0)
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not math.isfinite(noise):
        rejected.append(f"noise={noise!r}")
        noise = 0.0
    noise = round(min(max(float(noise), 0.0), NOISE_MAX), 4)
    names = weighted_layers(net)
    layers = _listed(obj.get("layers", []), rejected)
    rejected += [f"layer {n!r}" for n in layers if n not in names]
    layers = tuple(n for n in names if n in layers)                      # network order, no repeats
    neurons = []
    for nid in _listed(obj.get("neurons", []), rejected):
        unit = switchable(net, nid)
        key = f"{unit[0]}:{unit[1]}" if unit else None
        if key is None or len(neurons) >= MAX_NEURONS:
            rejected.append(f"neuron {nid!r}")
        elif key not in neurons:
            neurons.append(key)
    return Damage(bias, noise, layers, tuple(neurons)), rejected


def _listed(value, rejected):
    """A list of strings, or [] (a wrong type is reported)."""
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        rejected.append(f"list {value!r}"[:80])
        return []
    return list(value)


def unit_noise(net, name):
    """E for layer `name`: standard normal, shaped like its W, from (SEED, layer position)."""
    rng = np.random.default_rng([SEED, _index(net, name)])
    return rng.standard_normal(net.params[name]["W"].shape, dtype=np.float32)


def apply(net, damage):
    """-> a new Network with `damage` applied to fresh copies of net's params (net unchanged)."""
    params = {}
    for name, p in net.params.items():
        W, b = p["W"].copy(), p["b"].copy()
        if damage.noise > 0:
            W += np.float32(damage.noise * float(p["W"].std())) * unit_noise(net, name)
        if name in damage.layers:
            W[...] = 0
        if damage.bias:
            b[...] = 0
        params[name] = {"W": W, "b": b}
    for nid in damage.neurons:
        unit = switchable(net, nid)
        if unit:
            name, j = unit
            params[name]["W"][..., j] = 0
            params[name]["b"][j] = 0
    return Network(net.layers, params, net.input_shape)


def correct(net, X, y, batch=100):
    """How many of X (n, 28, 28) uint8 MNIST images net classifies as y (n,). -> int.

    Images go in as raw / 255, the shipped models' input convention; batches keep the conv
    layers' patch matrices small.
    """
    hits = 0
    for s in range(0, len(y), batch):
        x = X[s:s + batch].astype(np.float32) / np.float32(255)
        hits += int((net.predict_proba(x).argmax(axis=1) == y[s:s + batch]).sum())
    return hits
