"""The view model: stable ids, counts, the strongest-link subset, JSON-safety, for MLPs and CNNs.

Networks are seeded random builds of the shipped architectures (the view model only reads the
trace and the weights, so trained weights add nothing here); inputs are real-looking strokes.
"""

import json
import re

import numpy as np
import pytest

from digitlab import models, viewmodel
from digitlab.viewmodel import CONFIG, Diagram, prediction, rgba_tiles, to_json

ID = re.compile(r"^(in|flat|h\d|fc\d|out):\d+$")


def stroke_image(seed=0):
    """A (28, 28) float32 image of a thick random polyline, like a drawn digit after preprocessing."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:28, :28]
    img = np.zeros((28, 28), np.float32)
    pts = rng.uniform(6, 22, size=(5, 2))
    for (y0, x0), (y1, x1) in zip(pts, pts[1:]):
        for t in np.linspace(0, 1, 30):
            d2 = (yy - (y0 + t * (y1 - y0))) ** 2 + (xx - (x0 + t * (x1 - x0))) ** 2
            img = np.maximum(img, np.clip(1.6 - d2 / 2.0, 0, 1))
    return img


@pytest.fixture(scope="module", params=["mlp-25-25", "mlp-128-64", "mlp-128-64-32", "cnn-small", "cnn"])
def case(request):
    net = models.build(request.param, seed=1)
    x = stroke_image(3)
    trace = net.forward(x.reshape(1, 784))
    d = Diagram(net)
    return request.param, net, trace, d, d.view(trace)


def acts_of(trace):
    a = {"in": trace.x.reshape(-1)}
    a.update({r.name: r.a.reshape(-1) for r in trace.layers})
    return a


def rows(table):
    """Column table -> list of dicts, one per row."""
    cols = [k for k in table if k != "id"]
    return [{"id": i, **{k: float(table[k][n]) for k in cols}} for n, i in enumerate(table["id"])]


def test_ids_are_stable_unique_and_links_join_drawn_nodes(case):
    _, _, _, d, view = case
    nodes, links = view["nodes"]["id"], view["links"]["id"]
    assert nodes and links
    assert len(set(nodes)) == len(nodes) and len(set(links)) == len(links)
    assert all(ID.match(i) for i in nodes), [i for i in nodes if not ID.match(i)][:5]
    drawn = set(nodes)
    for lid in links:
        src, dst = lid.split(">")
        assert src in drawn and dst in drawn, lid
    # Same input, same ids, in the same order: the page can key SVG elements on them.
    again = d.view(case[2])
    assert again["nodes"]["id"] == nodes and again["links"]["id"] == links


def test_counts_caption_and_more(case):
    name, net, trace, d, view = case
    dense = [l for l in net.layers if l.kind == "dense"]
    total = sum(l.n_in * l.n_out for l in dense)
    assert view["links_total"] == total
    n = len(view["links"]["id"])
    assert view["links_shown"] == n <= CONFIG.links_per_layer * len(dense)
    assert view["links_shown"] == n and view["links_total"] == total and "caption" not in view
    by_layer = {}
    for i in view["nodes"]["id"]:
        layer = i.split(":")[0]
        by_layer[layer] = by_layer.get(layer, 0) + 1
    for l in dense:
        expect = l.n_out if l.n_out <= CONFIG.max_nodes else CONFIG.shown_nodes
        assert by_layer[l.name] == expect, l.name
        assert view["more"].get(l.name, 0) == l.n_out - expect
    src = "in" if name.startswith("mlp") else "flat"
    size = 784 if src == "in" else dense[0].n_in
    assert view["more"][src] == size - by_layer[src]
    assert view["winner"] == f"out:{int(np.argmax(trace.probs[0]))}"


def test_links_are_the_strongest_signals(case):
    """Per dense layer: the drawn links are exactly the top-k |a_i W_ij| among the candidates."""
    name, net, trace, d, view = case
    acts = acts_of(trace)
    links = rows(view["links"])
    shown = {}
    for i in view["nodes"]["id"]:
        layer, k = i.split(":")
        shown.setdefault(layer, []).append(int(k))
    for src, col in d.pairs:
        W = net.params[col.id]["W"]
        a = acts[src.id]
        cand_rows = np.flatnonzero(a) if src.id in ("in", "flat") else np.array(shown[src.id])
        cols = np.array(shown[col.id])
        S = a[cand_rows, None] * W[np.ix_(cand_rows, cols)]
        mine = [l for l in links if l["id"].split(">")[1].startswith(col.id + ":")]
        k = len(mine)
        assert k == min(CONFIG.links_per_layer, np.count_nonzero(S)), col.id
        order = np.sort(np.abs(S).ravel())[::-1]
        got = sorted((abs(l["signal"]) for l in mine), reverse=True)
        # the k-th strongest drawn equals the k-th strongest overall (display rounding 1e-4)
        np.testing.assert_allclose(got, order[:k], atol=1e-4)
        for l in mine:
            (s_layer, si), (d_layer, dj) = [p.split(":") for p in l["id"].split(">")]
            want = a[int(si)] * W[int(si), int(dj)]
            assert abs(l["signal"] - want) <= 1e-4, (l["id"], l["signal"], want)
            assert l["neg"] == float(want < 0)
            assert 0 < l["opacity"] <= 1 and l["width"] > 0
        # the strongest link of each layer is drawn at full strength
        assert max(l["opacity"] for l in mine) == pytest.approx(CONFIG.link_opacity[1])
        assert max(l["width"] for l in mine) == pytest.approx(CONFIG.link_width[1])


def test_node_values_match_the_trace(case):
    _, _, trace, _, view = case
    acts = acts_of(trace)
    for n in rows(view["nodes"]):
        layer, i = n["id"].split(":")
        assert n["a"] == pytest.approx(float(acts[layer][int(i)]), abs=1e-4), n["id"]
        assert 0 <= n["fill"] <= 1
    out = [n for n in rows(view["nodes"]) if n["id"].startswith("out:")]
    # an output node's fill is its probability, in steps of 0.01 (finer is invisible)
    assert [n["fill"] for n in out] == pytest.approx(trace.probs[0].tolist(), abs=0.005 + 1e-9)


def test_json_safe(case):
    _, _, _, d, view = case
    json.dumps(to_json(view), allow_nan=False)
    json.dumps(to_json(d.layout()), allow_nan=False)
    json.dumps(to_json(d.view(None)), allow_nan=False)
    for table in (view["nodes"], view["links"]):
        for k, v in table.items():
            if k != "id":
                assert v.dtype == np.float64 and np.isfinite(v).all(), k


def test_view_changes_nothing(case):
    _, net, trace, d, _ = case
    before = {l: {k: v.copy() for k, v in p.items()} for l, p in net.params.items()}
    x = trace.x.copy()
    d.view(trace), d.images(trace)
    assert np.array_equal(trace.x, x)
    for l, p in net.params.items():
        for k, v in p.items():
            assert np.array_equal(v, before[l][k])


def test_layout_goes_left_to_right_inside_the_viewbox(case):
    _, _, _, d, _ = case
    lay = d.layout()
    xs = [L["x"] for L in lay["layers"]]
    assert xs == sorted(xs) and lay["layers"][0]["id"] == "in" and lay["layers"][-1]["id"] == "out"
    for L in lay["layers"]:
        assert 0 <= L["x"] and L["x"] + L["w"] <= lay["width"]
        assert len(L["caption"]) == 2 and len(L["title"]) == 2
    for c in d.columns:
        if c.size:
            assert c.positions.shape == (c.size, 2)
            assert (c.positions[:, 1] >= 0).all() and (c.positions[:, 1] <= lay["height"]).all()


def test_blank_view_claims_nothing(case):
    _, _, _, d, _ = case
    blank = d.view(None)
    assert blank["blank"] and blank["winner"] is None and blank["links"]["id"] == []
    assert (blank["nodes"]["a"] == 0).all()


def test_cnn_tiles_and_flat_features_sit_on_their_pool_pixels():
    net = models.build("cnn-small", seed=2)
    trace = net.forward(stroke_image(5).reshape(1, 784))
    d = Diagram(net)
    images = d.images(trace)
    lay = {L["id"]: L for L in d.layout()["layers"]}
    for layer in ("conv1", "pool1", "conv2", "pool2"):
        a = trace[layer].a[0]                                      # (h, w, C)
        h, w, c = a.shape
        assert images[layer].shape == (c, h, w) and images[layer].dtype == np.uint32
        alpha = images[layer] >> 24
        assert alpha.max() == 255                                  # the layer's strongest cell
        np.testing.assert_array_equal(alpha, np.rint(np.moveaxis(a, -1, 0) / a.max() * 255))
        assert len(lay[layer]["image"]["frames"]) == c
    pool = lay["pool2"]["image"]
    h, w, c = trace["pool2"].a.shape[1:]
    view = d.view(trace)
    for nid, x, y in zip(view["nodes"]["id"], view["nodes"]["x"], view["nodes"]["y"]):
        if nid.startswith("flat:"):
            r, col, ch = np.unravel_index(int(nid[5:]), (h, w, c))  # NHWC flatten order
            f = pool["frames"][ch]
            assert f["x"] <= x <= f["x"] + f["w"] and f["y"] <= y <= f["y"] + f["h"], nid
            assert f["id"] == f"pool2:{ch}"


def test_input_image_is_the_ink():
    x = stroke_image(1)
    px = rgba_tiles(x[:, :, None], ink=True)
    assert px.shape == (1, 28, 28)
    np.testing.assert_array_equal(px[0] >> 24, np.floor(x * 255 + 0.5).astype(np.uint32))
    assert ((px[0] & 0xFFFFFF) == (viewmodel.INK[2] << 16 | viewmodel.INK[1] << 8 | viewmodel.INK[0])).all()


def test_prediction_states():
    p = np.full(10, 0.01)
    p[7] = 0.91
    assert prediction(p, True)["state"] == "sure" and prediction(p, True)["digit"] == 7
    flat = np.full(10, 0.1)
    flat[2] = 0.19
    u = prediction(flat, True)
    assert u["state"] == "unsure" and u["digit"] == 2 and u["pct"] == 19 and "reason" not in u
    none = prediction(None, False)
    assert none == {"digit": None, "confidence": 0.0, "state": "none"}
    # the page words it (site/js/output.js): Python sends the digit, state and whole percent only
    assert prediction(p, True) == {"digit": 7, "confidence": 0.91, "pct": 91, "state": "sure"}
    assert prediction(p, False)["state"] == "none"                # no ink: no claim, whatever probs say
    assert viewmodel.percent(p) == [1] * 7 + [91, 1, 1]
    small = prediction(p, True, small=True)
    assert small["state"] == "unsure" and small["digit"] == 7 and small["reason"] == "small"


def test_too_small():
    blank = np.zeros((28, 28), np.float32)
    assert not viewmodel.too_small(blank)
    dot = blank.copy()
    dot[10:13, 14:16] = 1.0
    assert viewmodel.too_small(dot)
    assert not viewmodel.too_small(stroke_image(0))
    bar = blank.copy()
    bar[14, 5:20] = 0.5                                       # thin but long: a real "1" on its side
    assert not viewmodel.too_small(bar)


def test_links_come_in_a_few_strengths(case):
    """The page strokes every link of one (sign, width, opacity) as one path, so there are at most
    2 * link_levels of them, and a stronger signal is never drawn thinner or fainter."""
    name, net, trace, d, view = case
    links = rows(view["links"])
    styles = {(l["neg"], l["width"], l["opacity"]) for l in links}
    assert 2 <= len(styles) <= 2 * CONFIG.link_levels, name
    for layer in {l["id"].split(">")[1].split(":")[0] for l in links}:
        mine = sorted((l for l in links if l["id"].split(">")[1].startswith(layer + ":")),
                      key=lambda l: abs(l["signal"]))
        assert [l["width"] for l in mine] == sorted(l["width"] for l in mine), layer
        assert [l["opacity"] for l in mine] == sorted(l["opacity"] for l in mine), layer
