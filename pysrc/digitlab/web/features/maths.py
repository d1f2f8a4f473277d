"""'Live maths': each layer's formula with this drawing's numbers, as TeX for the page's KaTeX.

    maths.explain {model, unit?} -> {blank, unit, winner, z, sum, relu, softmax, tex, layers}

unit: the output unit (digit) to expand, default the winner. `sum` is explain.unit_sum for that
output unit (its biggest w*a terms, the rest, b, z); `relu` the hidden unit behind its biggest
term; `softmax` its probability. `layers`: per layer {name, kind, activation, shape_in,
shape_out, params, active, total, tex}. The numbers come from the forward pass of the pad's
last drawing (`app.pad`). TeX is built here, not in JS, so pytest can check what is shown.
"""

import numpy as np

from ... import explain, preprocess
from ..registry import handler

TERMS = 4   # biggest w*a terms written out for the chosen unit
FUNCTIONS = {"relu": r"\mathrm{ReLU}", "leaky_relu": r"\mathrm{LeakyReLU}", "sigmoid": r"\sigma",
             "tanh": r"\tanh", "linear": r"\mathrm{id}"}   # activation name -> TeX


def num(v, digits=2):
    """A number for TeX: fixed decimals, a true minus sign, no "-0.00"."""
    s = f"{float(v):.{digits}f}"
    if float(s) == 0:
        s = s.lstrip("-")
    return s


def paren(v, digits=2):
    """Negative numbers in parentheses, so 'w a' products read unambiguously."""
    s = num(v, digits)
    return f"({s})" if s.startswith("-") else s


def name(layer):
    return rf"\text{{{layer}}}"


def sum_tex(unit, out_name, s):
    """z_unit = sum of w a + b, then one term per row (narrow enough for a phone): each biggest
    term as w * a = value, the sum over the other inputs, the bias, and z."""
    others = ",".join(str(t["i"]) for t in s["terms"])
    rows = [rf"w_{{{t['i']},{unit}}}\,a_{{{t['i']}}} = {paren(t['w'])}\cdot{paren(t['a'])} = {num(t['wa'])}"
            for t in s["terms"]]
    rows.append(rf"\textstyle\sum_{{i\notin\{{{others}\}}}} w_{{i,{unit}}}\,a_i = {num(s['rest'])}")
    rows.append(rf"b_{{{unit}}} = {num(s['b'])}")
    body = r" \\ ".join(("" if k == 0 else "+") + " & " + row for k, row in enumerate(rows))
    lead = rf"z^{{[{name(out_name)}]}}_{{{unit}}} = \textstyle\sum_i w_{{i,{unit}}}\,a_i + b_{{{unit}}}"
    return (r"\begin{gathered} " + lead + r" \\ \begin{array}{rl} " + body
            + rf" \\ \hline = & {num(s['z'], 3)}" + r" \end{array} \end{gathered}")


def relu_tex(src_name, j, z, a):
    return (r"\begin{aligned} "
            rf"a^{{[{name(src_name)}]}}_{{{j}}} &= \mathrm{{ReLU}}\big(z^{{[{name(src_name)}]}}_{{{j}}}\big) \\ "
            rf"&= \max(0,\ {num(z, 3)}) = {num(a, 3)}"
            r" \end{aligned}")


def softmax_tex(unit, z, parts, shown=2):
    """p_unit = e^{z_unit} / sum_k e^{z_k}: the biggest exponentials (and the unit's) written out."""
    order = [int(k) for k in np.argsort(-np.asarray(z, np.float64), kind="stable")]
    listed = order[:shown] + ([unit] if unit not in order[:shown] else [])
    terms = " + ".join(rf"e^{{{num(z[k])}}}" for k in sorted(listed, key=order.index))
    return (r"\begin{aligned} "
            rf"p_{{{unit}}} &= \frac{{e^{{z_{{{unit}}}}}}}{{\sum_{{k=0}}^{{9}} e^{{z_k}}}} \\ "
            rf"&= \frac{{e^{{{num(z[unit])}}}}}{{{terms} + \cdots}} = {num(parts['p'], 4)}"
            r" \end{aligned}")


def unit_story(net, trace, unit):
    """The chosen output unit: its sum, the ReLU behind its biggest term, its softmax."""
    i_out = len(net.layers) - 1
    out_name, src = net.layers[i_out].name, trace.layers[i_out - 1]
    s = explain.unit_sum(net, trace, i_out, unit, TERMS)
    j = s["terms"][0]["i"]
    z_logits = trace.logits[0]
    parts = explain.softmax_parts(z_logits, unit)
    relu = None
    if net.layers[i_out - 1].activation == "relu":
        relu = {"id": f"{src.name}:{j}", "z": float(src.z[0, j]), "a": float(src.a[0, j])}
    tex = {"sum": sum_tex(unit, out_name, s),
           "relu": relu_tex(src.name, j, relu["z"], relu["a"]) if relu else "",
           "softmax": softmax_tex(unit, z_logits, parts)}
    for t in s["terms"]:
        t["id"] = f"{src.name}:{t['i']}"
    return {"sum": s, "relu": relu, "softmax": {"p": parts["p"], "total": parts["total"]}, "tex": tex}


def explain_drawing(net, img, unit=None):
    """img (side, side) uint8 pad pixels -> the dict `maths.explain` returns."""
    x = preprocess.to_mnist(img)
    if not x.any():
        return {"blank": True, "layers": layer_cards(net, None)}
    trace = net.forward(x.reshape(1, 784))
    winner = int(np.argmax(trace.probs[0]))
    unit = winner if unit is None or not 0 <= int(unit) < 10 else int(unit)
    story = unit_story(net, trace, unit)
    return {"blank": False, "unit": unit, "winner": winner, "z": float(trace.logits[0, unit]),
            "p": float(trace.probs[0, unit]), **story, "layers": layer_cards(net, trace)}


def layer_cards(net, trace):
    """One card per layer: shapes, parameter count, how many units are active, formula TeX."""
    cards, shape_in = [], net.input_shape
    for i, (layer, shape_out) in enumerate(zip(net.layers, net.shapes())):
        p = net.params.get(layer.name, {})
        card = {"name": layer.name, "kind": layer.kind, "activation": layer.activation,
                "shape_in": list(shape_in), "shape_out": list(shape_out),
                "params": int(sum(v.size for v in p.values())), "active": None,
                "total": int(np.prod(shape_out)), "tex": layer_tex(net, trace, i)}
        if trace is not None and layer.activation == "relu":
            card["active"] = int((trace.layers[i].a > 0).sum())
        cards.append(card)
        shape_in = shape_out
    return cards


def layer_tex(net, trace, i):
    """Layer i's formula as TeX lines: the symbols, then (with a trace) this drawing's numbers
    at its strongest unit."""
    layer = net.layers[i]
    this, prev = name(layer.name), (name(net.layers[i - 1].name) if i else r"\text{in}")
    kind = layer.kind
    if kind == "dense":
        return _dense_tex(net, trace, i, this, prev)
    if kind == "conv2d":
        f = FUNCTIONS.get(layer.activation, "f")
        lines = [rf"z_{{r,s,c}} = \sum_{{u<{layer.kh},\,v<{layer.kw},\,k<{layer.c_in}}}"
                 rf" W_{{u,v,k,c}}\, a^{{[{prev}]}}_{{r+u,\,s+v,\,k}} + b_c",
                 rf"a^{{[{this}]}}_{{r,s,c}} = {f}(z_{{r,s,c}})"]
        if trace is not None:
            u = explain.conv_unit(net, trace, i)
            r, s, c = u["at"]
            lines.append(rf"z_{{{r},{s},{c}}} = \underbrace{{{paren(u['window_sum'], 3)}}}_{{\sum_{{u,v,k}} W a}}"
                         rf" + \underbrace{{{paren(u['b'], 3)}}}_{{b_{{{c}}}}} = {num(u['z_trace'], 3)}")
            lines.append(rf"a_{{{r},{s},{c}}} = {f}(z_{{{r},{s},{c}}}) = {num(u['a_out'], 3)}")
        return lines
    if kind == "maxpool2d":
        k = layer.size
        lines = [rf"a^{{[{this}]}}_{{r,s,c}} = \max_{{u,v<{k}}}\ a^{{[{prev}]}}_{{{k}r+u,\,{k}s+v,\,c}}"]
        if trace is not None:
            u = explain.pool_unit(net, trace, i)
            r, s, c = u["at"]
            vals = r",\ ".join(num(v) for v in u["window"])
            lines.append(rf"a_{{{r},{s},{c}}} = \max({vals}) = {num(u['a_out'], 3)}")
        return lines
    if kind == "flatten":
        shape = r"\times".join(str(d) for d in net.shapes()[i - 1])
        return [rf"a^{{[{this}]}} = \mathrm{{vec}}\big(a^{{[{prev}]}}\big),\quad {shape} \to {net.shapes()[i][0]}"]
    return [rf"a^{{[{this}]}} = f\big(a^{{[{prev}]}}\big)"]


def _dense_tex(net, trace, i, this, prev):
    layer = net.layers[i]
    last = i == len(net.layers) - 1
    f = r"\mathrm{softmax}" if last else FUNCTIONS.get(layer.activation, r"f")
    lines = [rf"a^{{[{this}]}} = {f}\big(W^{{[{this}]\top}} a^{{[{prev}]}} + b^{{[{this}]}}\big)",
             rf"W^{{[{this}]}} \in \mathbb{{R}}^{{{layer.n_in}\times{layer.n_out}}},\quad"
             rf" b^{{[{this}]}} \in \mathbb{{R}}^{{{layer.n_out}}}"]
    if trace is not None:
        j = int(np.argmax(trace.layers[i].a[0]))
        s = explain.unit_sum(net, trace, i, j)
        lines.append(rf"z_{{{j}}} = \underbrace{{{paren(s['z'] - s['b'], 3)}}}_{{\sum_i w_{{i,{j}}} a_i}}"
                     rf" + \underbrace{{{paren(s['b'], 3)}}}_{{b_{{{j}}}}} = {num(s['z_trace'], 3)}")
        out = rf"p_{{{j}}} = \mathrm{{softmax}}(z)_{{{j}}}" if last else rf"a_{{{j}}} = {f}(z_{{{j}}})"
        lines.append(rf"{out} = {num(s['a_out'], 4 if last else 3)}")
    return lines


@handler("maths.explain")
def maths_explain(app, model=None, unit=None, **_):
    net, _diagram = app.model(str(model) if model else "cnn")
    side = int(round(len(app.pad) ** 0.5))
    return explain_drawing(net, app.pad.reshape(side, side), None if unit is None else int(unit))
