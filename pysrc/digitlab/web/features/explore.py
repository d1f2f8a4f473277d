"""The activation explorer and the single-neuron calculator: the page asks, the core answers.

    explore.activation {name, x, curve?} -> {name, x, fx, dfx, leak, curve?: {xs, f, df}}
    explore.softmax {z: [..], T}          -> {z, zt, p}
    explore.neuron {x: [..], w: [..], b, activation} -> {x, w, b, terms, z, a, dadz}

Every number comes from `digitlab.core`: the activations and their derivatives are looked up
in `activations.ACTIVATIONS` on each call (so an edit made in the page's code editor shows here
too), and the neuron is a real core `Dense` layer with one unit. All in float32, like the
network; values cross to JS as float64 copies of those float32 results.
"""

import numpy as np

from ...core import Dense
from ...core import activations as act
from ..registry import handler

F32 = np.float32
NAMES = ("relu", "leaky_relu", "sigmoid", "tanh")
NEURON_ACTS = NAMES + ("linear",)
CURVE = (-4.0, 4.0, 161)   # x range and sample count of the plotted curves (0.05 apart)


def _name(name, allowed):
    if name not in allowed:
        raise ValueError(f"unknown activation {name!r}; use one of {', '.join(allowed)}")
    return name


def f_and_df(name, z):
    """The network's f(z) and f'(z) for z (any shape, float32) -> two float32 arrays."""
    f, df = act.ACTIVATIONS[name]
    a = f(z)
    return a, df(z, a)


@handler("explore.activation")
def activation(app, name="relu", x=0.0, curve=False):
    name = _name(str(name), NAMES)
    z = np.array([x], F32)
    fx, dfx = f_and_df(name, z)
    out = {"name": name, "x": float(z[0]), "fx": float(fx[0]), "dfx": float(dfx[0]),
           "leak": float(act.LEAK)}
    if curve:
        xs = np.linspace(*CURVE[:2], CURVE[2], dtype=F32)
        f, df = f_and_df(name, xs)
        out["curve"] = {"xs": xs.astype(np.float64), "f": f.astype(np.float64), "df": df.astype(np.float64)}
    return out


@handler("explore.softmax")
def softmax(app, z=(2.0, 1.0, 0.1), T=1.0):
    """p = softmax(z / T) with the network's own softmax; T clipped to [0.05, 100]."""
    z = np.asarray(list(z), F32)[:8]
    T = F32(min(max(float(T), 0.05), 100.0))
    zt = z / T
    p = act.softmax(zt.reshape(1, -1))[0]
    return {"z": z.astype(np.float64), "T": float(T), "zt": zt.astype(np.float64), "p": p.astype(np.float64)}


def neuron_layer(w, b, activation):
    """A core Dense layer with one unit and its params: W (n, 1), b (1,)."""
    w = np.asarray(w, F32).reshape(-1, 1)
    return Dense("neuron", len(w), 1, activation), {"W": w, "b": np.array([b], F32)}


@handler("explore.neuron")
def neuron(app, x=(1.0, 0.5), w=(0.8, -0.4), b=0.1, activation="relu"):
    """z = Σ w_i x_i + b by the layer's own forward, then a = f(z); each term w_i x_i for the steps."""
    name = _name(str(activation), NEURON_ACTS)
    x = np.asarray(list(x), F32)[:3]
    if len(list(w)) < len(x):
        raise ValueError("one weight per input")
    layer, p = neuron_layer(list(w)[:len(x)], b, name)
    z, a, _ = layer.forward(p, x.reshape(1, -1))
    dadz = act.ACTIVATIONS[name][1](z, a)
    return {"activation": name, "x": x.astype(np.float64), "w": p["W"][:, 0].astype(np.float64),
            "b": float(p["b"][0]), "terms": (p["W"][:, 0] * x).astype(np.float64),
            "z": float(z[0, 0]), "a": float(a[0, 0]), "dadz": float(dadz[0, 0])}
