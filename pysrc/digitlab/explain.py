"""Why the network gave its answer, and the arithmetic of single units: pure functions on a Trace.

Everything here reads a `Network` and the `Trace` of one drawing (batch of 1) and returns numbers;
nothing draws, nothing imports the browser. The page's "Why this digit?" and "Live maths"
instruments (digitlab.web.features.why / .maths) show what these return.

    saliency(net, trace)        gradient of (winner logit - runner-up logit) w.r.t. the input,
                                times the input: which pixels pushed toward the winner
    ablation(net, trace)        every hidden unit switched off in turn: how the winner's
                                probability moves
    dense_terms(...)            z_j = sum_i w_ij a_i + b_j split into its biggest terms
"""

import numpy as np

from .core import activations
from .core.layers import im2col

HIDDEN_KINDS = ("dense", "conv2d")   # layers whose units (or channels) can be switched off


def top_two(logits):
    """logits (10,) -> (winner, runner-up) indices, the two largest."""
    order = np.argsort(-np.asarray(logits, np.float64), kind="stable")
    return int(order[0]), int(order[1])


def margin_gradient(net, trace, winner, runner):
    """d(z_winner - z_runner)/dx by the network's own backward. -> (*input_shape,) float32."""
    dlogits = np.zeros((1, trace.logits.shape[-1]), np.float32)
    dlogits[0, winner], dlogits[0, runner] = 1, -1
    return net.input_gradient(trace, dlogits)[0]


def saliency(net, trace):
    """Gradient x input of the margin between the two best digits.

    -> dict: map (28, 28) float32 (> 0: this ink pushed toward the winner, < 0: toward the
    runner-up), grad (28, 28) float32, winner, runner, margin (z_w - z_r, float).
    For a ReLU network with zero biases map.sum() would equal the margin exactly; with
    biases it is the part of the margin the ink itself carries.
    """
    winner, runner = top_two(trace.logits[0])
    grad = margin_gradient(net, trace, winner, runner).reshape(28, 28)
    x = trace.x[0].reshape(28, 28)
    z = trace.logits[0]
    return {"map": grad * x, "grad": grad, "winner": winner, "runner": runner,
            "margin": float(z[winner]) - float(z[runner])}


def run_from(net, i, a):
    """Run the layers after index i on a (batch, ...) activation. -> logits z (batch, 10)."""
    z = a
    for layer in net.layers[i + 1:]:
        z, a, _ = layer.forward(net.params.get(layer.name, {}), a)
    return z


def hidden_layers(net):
    """Indices of the layers whose units count as hidden units: dense and conv, not the output."""
    return [i for i, l in enumerate(net.layers[:-1]) if l.kind in HIDDEN_KINDS]


def next_weighted(net, i):
    """The first dense or conv layer after i if only pooling / flattening lies between, else None.

    Those keep channels apart and map a zero channel to zeros, so switching a unit of layer i
    off only removes its own terms from that layer's z.
    """
    for m in range(i + 1, len(net.layers)):
        kind = net.layers[m].kind
        if kind in HIDDEN_KINDS:
            return m
        if kind not in ("maxpool2d", "flatten"):
            return None
    return None


def unit_terms(net, trace, i, m):
    """What each unit of layer i adds to layer m's z. -> (n_units, *z_m.shape) float32."""
    x_m = trace.layers[m - 1].a[0]                          # layer m's input, (n,) or (h, w, n)
    n = trace.layers[i].a.shape[-1]
    layer = net.layers[m]
    W = net.params[layer.name]["W"]
    if layer.kind == "dense" and x_m.ndim == 1 and x_m.size == n:
        return x_m[:, None] * W                              # dense after dense: a_j * W[j]
    if layer.kind == "dense":                                # after flatten: NHWC, channel fastest
        channel = np.arange(x_m.size) % n
        return np.stack([x_m[channel == j] @ W[channel == j] for j in range(n)])
    ho, wo = x_m.shape[0] - layer.kh + 1, x_m.shape[1] - layer.kw + 1
    return np.stack([(im2col(x_m[None, :, :, j:j + 1], layer.kh, layer.kw)
                      @ W[:, :, j, :].reshape(-1, layer.c_out)).reshape(ho, wo, layer.c_out)
                     for j in range(n)])


def ablate_layer(net, trace, i):
    """Switch off each unit of layer i in turn (its output a set to 0; a conv's whole channel).

    -> logits (n_units, 10): row j is the network's scores with unit j off. The next dense or
    conv layer's z loses just unit j's terms (see next_weighted), so that layer is not run again
    n times; the layers after it run once on a batch of n.
    """
    a = trace.layers[i].a[0]                              # (n,) dense or (h, w, c) conv
    n = a.shape[-1]
    m = next_weighted(net, i)
    if m is None:                                         # run the rest on n copies, one unit off each
        batch = np.repeat(a[None], n, axis=0)
        batch[(np.arange(n),) + (slice(None),) * (a.ndim - 1) + (np.arange(n),)] = 0
        return run_from(net, i, batch)
    Z = trace.layers[m].z[0][None] - unit_terms(net, trace, i, m)      # (n, *z_m.shape)
    if m == len(net.layers) - 1:
        return Z
    return run_from(net, m, activations.apply(net.layers[m].activation, Z))


def softmax64(z):
    """Softmax in float64 over the last axis: a winner near 100 % still shows changes of 1e-9."""
    z = np.asarray(z, np.float64)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def ablation(net, trace, top=8):
    """Rank hidden units by how much switching each off moves the winner's probability.

    -> list (at most `top`) of dicts, biggest |change| first: id "layer:unit", layer, unit,
    a (the unit's output for this drawing; a conv channel's mean), p (winner's probability
    with it off), delta_pp (that minus the probability now, percentage points), digit (the
    answer with it off). Probabilities come from the logits in float64 (see softmax64).
    """
    p0 = softmax64(trace.logits[0])
    winner = int(np.argmax(p0))
    rows = []
    for i in hidden_layers(net):
        probs = softmax64(ablate_layer(net, trace, i))
        a = trace.layers[i].a[0]
        mean_a = a.reshape(-1, a.shape[-1]).mean(axis=0)
        name = net.layers[i].name
        for j, p in enumerate(probs):
            rows.append({"id": f"{name}:{j}", "layer": name, "unit": j, "a": float(mean_a[j]),
                         "p": float(p[winner]), "delta_pp": 100 * (float(p[winner]) - float(p0[winner])),
                         "digit": int(np.argmax(p))})
    rows.sort(key=lambda r: (-abs(r["delta_pp"]), r["id"]))
    return rows if top is None else rows[:top]


def dense_terms(w, a, b, k=5):
    """z = sum_i w_i a_i + b split into the k biggest |w_i a_i| terms and the rest.

    w, a: (n,) float32; b: float. -> dict terms [{i, w, a, wa}] (biggest |wa| first),
    rest (sum of the other terms), n_rest, b, z (float64: the terms + rest + b).
    """
    wa = np.asarray(w, np.float64) * np.asarray(a, np.float64)       # (n,)
    order = np.argsort(-np.abs(wa), kind="stable")
    top, others = order[:k], order[k:]
    terms = [{"i": int(i), "w": float(w[i]), "a": float(a[i]), "wa": float(wa[i])} for i in top]
    rest = float(wa[others].sum())
    return {"terms": terms, "rest": rest, "n_rest": int(len(others)), "b": float(b),
            "z": float(wa[top].sum()) + rest + float(b)}


def unit_sum(net, trace, i, unit, k=5):
    """The dense layer i's unit as z = sum w a + b with its biggest terms (see dense_terms).

    Adds z_trace (the forward pass's own float32 z, float) and a (the unit's output).
    """
    layer = net.layers[i]
    a_in = trace.layers[i - 1].a[0] if i else trace.x[0]
    p = net.params[layer.name]
    out = dense_terms(p["W"][:, unit], a_in.reshape(-1), p["b"][unit], k)
    out["z_trace"] = float(trace.layers[i].z[0, unit])
    out["a_out"] = float(trace.layers[i].a[0, unit])
    return out


def softmax_parts(z, unit):
    """p_unit = e^{z_unit} / sum_k e^{z_k}, shifted by max z as the core does (same value).

    z (10,) -> dict p (float), exps (10,) float64 of e^{z_k - max z}, total, shift (max z).
    """
    z = np.asarray(z, np.float64)
    shift = float(z.max())
    exps = np.exp(z - shift)
    total = float(exps.sum())
    return {"p": float(exps[unit] / total), "exps": exps, "total": total, "shift": shift}


def strongest(a):
    """Index tuple of the largest entry of one example's activation a (...)."""
    return tuple(int(v) for v in np.unravel_index(int(np.argmax(a)), a.shape))


def conv_unit(net, trace, i):
    """Conv layer i at its strongest output (r, s, c): z = sum over the kernel window + b_c.

    -> dict at (r, s, c), n (terms in the window), window_sum (float64), b, z (window_sum + b),
    z_trace (the forward pass's z), a_out.
    """
    layer = net.layers[i]
    a_in = trace.layers[i - 1].a[0] if i else trace.x[0]             # (H, W, C_in)
    r, s, c = strongest(trace.layers[i].a[0])
    p = net.params[layer.name]
    window = a_in[r:r + layer.kh, s:s + layer.kw, :].astype(np.float64)
    total = float((window * p["W"][..., c]).sum())
    b = float(p["b"][c])
    return {"at": [r, s, c], "n": int(window.size), "window_sum": total, "b": b, "z": total + b,
            "z_trace": float(trace.layers[i].z[0, r, s, c]), "a_out": float(trace.layers[i].a[0, r, s, c])}


def pool_unit(net, trace, i):
    """Max-pool layer i at its strongest output (r, s, c). -> dict at, window [values], a_out."""
    size = net.layers[i].size
    r, s, c = strongest(trace.layers[i].a[0])
    a_in = trace.layers[i - 1].a[0]
    window = a_in[r * size:(r + 1) * size, s * size:(s + 1) * size, c].reshape(-1)
    return {"at": [r, s, c], "window": [float(v) for v in window],
            "a_out": float(trace.layers[i].a[0, r, s, c])}
