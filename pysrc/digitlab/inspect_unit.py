"""The inspector's maths: the numbers of one unit of a network for one input (a Trace).

numpy and digitlab only (no app, no browser); web/features/inspect.py is the page's handler.
A unit is a diagram node or tile id:
  h1:17 / fc1:3 / out:7   a dense unit j:      z = a_src · W[:, j] + b[j], a = f(z)
  conv1:5 / pool1:5       conv channel c, read at the place where it answers most (its max a)
  flat:k                  a CNN feature: the max-pool of a conv channel; read at the conv pixel
                          that won the pool window (so a is exactly flat:k's value)
  in:k                    an input pixel of an MLP (a value, no weights)
"""

import numpy as np

from . import damage, viewmodel

TOP = 5           # incoming contributions in a tooltip


class UnitError(ValueError):
    """An id that names no unit of this network."""


def locate(net, node_id):
    """node_id -> (layer index, unit or channel, pixel (r, c) or None, kind); raises UnitError.

    kind: "input", "dense" or "conv". pixel: for a flat feature, its pooled place (r, c).
    """
    try:
        name, k = str(node_id).split(":")
        k = int(k)
    except ValueError:
        raise UnitError(f"not a unit id: {node_id!r}") from None
    if name == "in":
        if net.layers[0].kind != "dense" or not 0 <= k < 784:
            raise UnitError(f"{node_id} is not drawn for this network")
        return -1, k, None, "input"
    names = [l.name for l in net.layers]
    if name not in names:
        raise UnitError(f"no layer {name!r} in this network")
    i, layer = names.index(name), net.layers[names.index(name)]
    if layer.kind == "dense":
        if not 0 <= k < layer.n_out:
            raise UnitError(f"{name} has no unit {k}")
        return i, k, None, "dense"
    shape = net.shapes()[i - 1] if layer.kind == "flatten" else net.shapes()[i]
    pixel = None
    if layer.kind == "flatten":
        if not 0 <= k < int(np.prod(shape)):
            raise UnitError(f"{name} has no feature {k}")
        r, rem = divmod(k, shape[1] * shape[2])          # NHWC flatten: k = (r * w + c) * C + ch
        col, k = divmod(rem, shape[2])
        pixel = (r, col)
    elif not 0 <= k < shape[-1]:
        raise UnitError(f"{name} has no channel {k}")
    conv = damage.channel_source(net, name)
    return names.index(conv), k, pixel, "conv"


def source_ids(net, i, n):
    """Ids of the n units feeding layer i (what its incoming contributions are named after)."""
    if i == 0:
        return [f"in:{s}" for s in range(n)]
    return [f"{net.layers[i - 1].name}:{s}" for s in range(n)]


def layer_input(trace, i):
    """The input of layer i for the first image: (n_in,) or (H, W, C)."""
    return (trace.x if i == 0 else trace.layers[i - 1].a)[0]


def dense_unit(net, trace, i, j):
    """Dense unit j of layer i -> dict of its numbers; c = a_src * W[:, j] sums with b to z."""
    name = net.layers[i].name
    W, b = net.params[name]["W"], net.params[name]["b"]
    a_src = layer_input(trace, i).reshape(-1)                     # (n_in,)
    c = a_src * W[:, j]                                           # (n_in,) contributions
    return {"z": float(trace.layers[i].z[0, j]), "a": float(trace.layers[i].a[0, j]),
            "bias": float(b[j]), "w": W[:, j], "c": c, "ids": source_ids(net, i, len(c)),
            "pixel": None}


def conv_unit(net, trace, i, ch, pooled=None):
    """Conv channel ch of layer i at its strongest pixel (or the pool winner of `pooled`).

    -> dict: z, a at that pixel (r, c); w (kh, kw, C_in) its kernel; c = patch * w, which
    sums with b to z there; by_channel (C_in,) contributions per input channel.
    """
    layer, name = net.layers[i], net.layers[i].name
    W, b = net.params[name]["W"][..., ch], net.params[name]["b"]   # (kh, kw, C_in)
    a_map = trace.layers[i].a[0, :, :, ch]                          # (Ho, Wo)
    if pooled is None:
        r, col = np.unravel_index(int(np.argmax(a_map)), a_map.shape)
    else:                                    # the pool window's winner: first max, as MaxPool2D routes
        s = net.layers[i + 1].size
        win = a_map[pooled[0] * s:(pooled[0] + 1) * s, pooled[1] * s:(pooled[1] + 1) * s]
        dr, dc = np.unravel_index(int(np.argmax(win)), win.shape)
        r, col = pooled[0] * s + dr, pooled[1] * s + dc
    r, col = int(r), int(col)
    patch = layer_input(trace, i)[r:r + layer.kh, col:col + layer.kw, :]   # (kh, kw, C_in)
    c = patch * W
    if layer.c_in == 1:   # one input channel: name the pixels
        ids = [f"in:{(r + y) * 28 + col + x}" for y in range(layer.kh) for x in range(layer.kw)]
        flat_c = c.reshape(-1)
    else:
        ids = source_ids(net, i, layer.c_in)
        flat_c = c.sum(axis=(0, 1))
    return {"z": float(trace.layers[i].z[0, r, col, ch]), "a": float(a_map[r, col]), "bias": float(b[ch]),
            "w": W, "c": c, "ids": ids, "flat_c": flat_c, "pixel": [r, col], "map": a_map}


def top_contributions(c, ids, k=TOP):
    """The k largest |c|, biggest first: [{id, c}]."""
    k = min(k, c.size)
    idx = np.argsort(-np.abs(c), kind="stable")[:k]
    return [{"id": ids[t], "c": float(c[t])} for t in idx.tolist()]


def stats(w):
    """Weight statistics of one unit's incoming weights (any shape)."""
    w = np.asarray(w, np.float64).reshape(-1)
    return {"n": int(w.size), "mean": float(w.mean()), "std": float(w.std()), "min": float(w.min()),
            "max": float(w.max()), "l2": float(np.sqrt((w * w).sum())), "positive": float((w > 0).mean())}


def grid(v):
    """A vector of n values -> (rows, cols, 1) for display: rows the largest divisor ≤ √n."""
    n = v.size
    rows = max(d for d in range(1, int(np.sqrt(n)) + 1) if n % d == 0)
    return v.reshape(rows, n // rows, 1)


def picture(net, i, v):
    """Values over layer i's inputs -> (th, tw, C) tiles: 28x28 for pixels, one tile per channel
    for a flattened map or a conv kernel, else a plain grid of the source units in order."""
    v = np.asarray(v, np.float32)
    if v.ndim == 3:                                       # a conv kernel (kh, kw, C_in)
        return v
    if i == 0 and v.size == 784:
        return v.reshape(28, 28, 1)
    prev = net.layers[i - 1] if i > 0 else None
    if prev is not None and prev.kind == "flatten":
        return v.reshape(net.shapes()[i - 2])             # NHWC flatten of the map before it
    return grid(v)


def image(tiles, ink=False):
    """(th, tw, C) values -> {w, h, n, rgba}: n tiles of w x h, diverging colours, shared scale."""
    th, tw, n = tiles.shape
    rgba = viewmodel.rgba_tiles(tiles, ink=ink)
    return {"w": tw, "h": th, "n": n, "rgba": rgba.reshape(-1).view(np.uint8),
            "peak": float(np.abs(tiles).max())}


def response(net, trace, i, u, k):
    """How unit k answers the drawing: its rank in its layer (1 = most active), the layer's
    strongest answer, and for a channel its whole feature map."""
    a_all = trace.layers[i].a[0]
    if u["pixel"] is None:
        return {"rank": int((a_all > a_all[k]).sum()) + 1, "of": int(a_all.size), "max": float(a_all.max())}
    m = u["map"]
    peaks = a_all.max(axis=(0, 1))                                   # (C,) each channel's max
    return {"rank": int((peaks > peaks[k]).sum()) + 1, "of": int(a_all.shape[-1]),
            "max": float(m.max()), "mean": float(m.mean()), "map": image(m[:, :, None])}


def describe(net, trace, node_id, full=False):
    """The numbers of unit `node_id` for `trace` (batch 1). -> JSON-safe dict (+ uint8 arrays).

    z, a, bias; pixel [r, c] for a channel; incoming: the TOP largest contributions
    (weight x incoming activation; summed per input channel for a conv with several);
    switch: the unit Break It would switch off, or None. full adds stats, learned (the
    weights as tiles), product (weights x input, same tiles; it sums with bias to z),
    sum, and response.
    """
    i, k, pixel, kind = locate(net, node_id)
    if kind == "input":
        a = float(trace.x[0].reshape(-1)[k])
        return {"id": node_id, "kind": kind, "layer": "in", "unit": k, "z": None, "a": a,
                "bias": None, "pixel": list(divmod(k, 28)), "incoming": [], "switch": None,
                "activation": None}
    if kind == "dense":
        u = dense_unit(net, trace, i, k)
        flat_c = u["c"]
    else:
        u = conv_unit(net, trace, i, k, pixel)
        flat_c = u["flat_c"]
    layer = net.layers[i]
    unit = damage.switchable(net, node_id)
    out = {"id": node_id, "kind": kind, "layer": layer.name, "unit": k, "z": u["z"], "a": u["a"],
           "bias": u["bias"], "pixel": u["pixel"], "incoming": top_contributions(flat_c, u["ids"]),
           "switch": f"{unit[0]}:{unit[1]}" if unit else None, "activation": layer.activation}
    if full:
        out.update(stats=stats(u["w"]), learned=image(picture(net, i, u["w"])),
                   product=image(picture(net, i, u["c"])), sum=float(np.sum(u["c"], dtype=np.float64)),
                   response=response(net, trace, i, u, k))
    return out
