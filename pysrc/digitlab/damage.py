"""Break It: damaged copies of a network, and how often they are right.

Pure numpy + stdlib. The shipped network is never changed: `apply` returns a new `Network`
whose params are fresh arrays. Damage is described by a `Damage` record (what the page's
controls and share links hold) and applied in a fixed order, so one record always gives the
same weights:

  1. weight noise   W += noise * std(W) * E, E ~ N(0, 1) drawn from a fixed seed per layer,
                    so a bigger `noise` scales the same pattern (reproducible, and monotone);
  2. pruning        the smallest `prune` share of |W| is set to 0, in each layer on its own or
                    ranked over the whole network (`prune_global`);
  3. zeroed layers  W = 0 for each named layer (its bias stays, unless 4);
  4. biases off     b = 0 in every layer;
  5. neurons off    unit j's incoming weights W[..., j] and bias b[j] are 0, so z_j = 0 and,
                    through ReLU, a_j = 0: nothing reaches the next layer from it;
  6. neuron scales  unit j's output a_j is multiplied by s in [0, SCALE_MAX]: the next weighted
                    layer's weights from j are scaled (exact for any activation; max pooling
                    commutes with s >= 0);
  7. temperature    the output layer's W and b are divided by T, so its softmax sees z / T.

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
PRUNE_MAX = 0.99      # the share of weights pruned at most (all of them is "zero every layer")
SCALE_MAX = 2.0       # a neuron's output times 0..2
TEMPERATURE_RANGE = (0.1, 5.0)


@dataclass(frozen=True)
class Damage:
    bias: bool = False        # every bias switched off
    noise: float = 0.0        # sigma of the weight noise, relative to each layer's weight std
    layers: tuple = ()        # names of layers whose weights are zeroed
    neurons: tuple = ()       # canonical unit ids switched off ("h1:3", "conv2:5")
    prune: float = 0.0        # share of the smallest |W| set to 0
    prune_global: bool = False  # rank |W| over the whole network instead of per layer
    scales: tuple = ()        # ((canonical unit id, factor != 1), ...), in the order set
    temperature: float = 1.0  # the output softmax's temperature

    @property
    def empty(self):
        return not (self.bias or self.noise > 0 or self.layers or self.neurons or self.prune > 0
                    or self.scales or self.temperature != 1.0)

    def to_dict(self):
        return {"bias": self.bias, "noise": self.noise, "layers": list(self.layers),
                "neurons": list(self.neurons), "prune": self.prune, "prune_global": self.prune_global,
                "scales": {u: f for u, f in self.scales}, "temperature": self.temperature}


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
    """A JSON-like {bias, noise, layers, neurons, prune, prune_global, scales, temperature}
    -> (Damage for this net, [rejected items]).

    Every field is checked: bias and prune_global must be bools, noise, prune and temperature
    finite numbers (clipped to their ranges), layers names of this net's weighted layers,
    neurons switchable ids, scales {switchable id: factor}. Missing fields mean no damage.
    Anything else is left out and reported, never raised: share links can hold anything.
    """
    obj = obj if isinstance(obj, dict) else {}
    rejected = []
    bias = _flag(obj, "bias", rejected)
    noise = _number(obj, "noise", 0.0, (0.0, NOISE_MAX), rejected)
    prune = _number(obj, "prune", 0.0, (0.0, PRUNE_MAX), rejected)
    prune_global = _flag(obj, "prune_global", rejected)
    temperature = _number(obj, "temperature", 1.0, TEMPERATURE_RANGE, rejected)
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
    scales = _scales(obj.get("scales", {}), net, rejected)
    return Damage(bias, noise, layers, tuple(neurons), prune, prune_global, scales, temperature), rejected


def _flag(obj, key, rejected):
    value = obj.get(key, False)
    if not isinstance(value, bool):
        rejected.append(f"{key}={value!r}")
        return False
    return value


def _number(obj, key, default, bounds, rejected):
    """obj[key] as a float clipped to bounds (4 decimals), or default when it is not a finite number."""
    value = obj.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        rejected.append(f"{key}={value!r}"[:80])
        return default
    return round(min(max(float(value), bounds[0]), bounds[1]), 4)


def _scales(value, net, rejected):
    """{unit id: factor} -> ((canonical id, factor in [0, SCALE_MAX]), ...); factors of 1 are no damage."""
    if not isinstance(value, dict):
        rejected.append(f"scales {value!r}"[:80])
        return ()
    out = {}
    for nid, factor in list(value.items())[:MAX_NEURONS]:
        unit = switchable(net, nid)
        f = _number({"f": factor}, "f", None, (0.0, SCALE_MAX), [])
        if unit is None or f is None:
            rejected.append(f"scale {nid!r}={factor!r}"[:80])
        elif f != 1.0:
            out[f"{unit[0]}:{unit[1]}"] = f
    return tuple(out.items())


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
        params[name] = {"W": W, "b": b}
    if damage.prune > 0:
        prune(params, damage.prune, damage.prune_global)
    for name, p in params.items():
        W, b = p["W"], p["b"]
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
    for nid, factor in damage.scales:
        scale_output(net, params, switchable(net, nid), factor)
    last = net.layers[-1]
    if damage.temperature != 1.0 and last.name in params:
        for k in ("W", "b"):
            params[last.name][k] /= np.float32(damage.temperature)
    return Network(net.layers, params, net.input_shape)


def prune(params, share, whole_network=False):
    """Zero the smallest `share` of |W| in place: per layer, or ranked over every layer at once.

    The cut is the k-th smallest magnitude, k = round(share * n); weights at or below it go
    (ties may take a few more, and the same ones everywhere: a sort, no randomness).
    """
    groups = [list(params)] if whole_network else [[name] for name in params]
    for names in groups:
        mags = np.concatenate([np.abs(params[n]["W"]).ravel() for n in names])
        k = int(round(share * mags.size))
        if k == 0:
            continue
        cut = np.sort(mags)[k - 1]
        for n in names:
            params[n]["W"][np.abs(params[n]["W"]) <= cut] = 0


def scale_output(net, params, unit, factor):
    """Multiply unit (layer, j)'s output by factor: scale the next weighted layer's weights from j.

    Dense -> dense: row j of W (n_in, n_out). Conv -> conv: W[:, :, j, :]. Conv -> flatten ->
    dense: the rows of channel j, every C-th from j (NHWC flattening puts channels fastest).
    """
    name, j = unit
    i = _index(net, name)
    channels = None
    for layer in net.layers[i + 1:]:
        if layer.kind == "flatten":
            channels = net.shapes()[_index(net, layer.name) - 1][-1]
        elif layer.name in params:
            W = params[layer.name]["W"]
            if layer.kind == "conv2d":
                W[:, :, j, :] *= np.float32(factor)
            else:
                W[j::channels or W.shape[0], :] *= np.float32(factor)
            return


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
