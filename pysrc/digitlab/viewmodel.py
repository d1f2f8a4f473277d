"""Trace -> what the page draws: layers, nodes and links, already scaled for display.

Pure numpy + stdlib: no browser imports. The page's JS only copies these numbers into SVG
attributes, so every position, radius, opacity and colour intensity is decided here.

Ids are stable and follow the model: node `h1:17` is unit 17 of layer h1, `in:123` is input
pixel 123 (row-major), `flat:k` is feature k of a CNN's flatten layer (drawn on its pool tile),
and link `h1:17>h2:3` carries h1's unit 17 into h2's unit 3. Feature-map tiles are `conv1:5`.

`Diagram(net)` lays the model out once; `view(trace)` and `images(trace)` run per update.
Tables are columnar, `{"id": [str], "x": array, ...}`, with float64 arrays already rounded,
because converting a few hundred small dicts (or a JSON text) costs more than the rest of an
update under Pyodide. `to_json(view)` gives the same data as plain lists.
"""

from dataclasses import dataclass

import numpy as np

from .constants import INK_THRESHOLD, PALETTE
from .viewlayout import layout_columns

# RGB of the palette (constants.PALETTE, which the build also writes as the page's CSS colours).
POSITIVE = PALETTE["pos"]
NEGATIVE = PALETTE["neg"]
INK = PALETTE["ink"]


@dataclass(frozen=True)
class ViewConfig:
    """Every size the diagram uses (viewBox units unless noted)."""
    max_nodes: int = 40          # layers up to this size show every unit
    shown_nodes: int = 16        # bigger layers show their most active units
    links_per_layer: int = 48    # strongest links drawn into each dense layer
    link_width: tuple = (0.4, 3.2)
    link_opacity: tuple = (0.12, 0.95)
    link_levels: int = 8          # strengths a link is drawn at (width and opacity both follow it)
    unsure_below: float = 0.6    # top probability under this is "unsure"
    min_extent: int = 5          # ink spanning fewer pixels of the 28x28 pad is "too small"
    max_fill: float = 0.9        # ink / (longer side)^2 above this is a blob (MNIST train: max 0.87)
    min_aspect: float = 0.3      # height / width below this is a flat line (MNIST train: min 0.5)
    decimals: int = 4            # rounding of the values shown (data-a, data-signal, data-p)


CONFIG = ViewConfig()
NODE_COLUMNS = ("x", "y", "r", "a", "fill", "neg")
LINK_COLUMNS = ("x1", "y1", "x2", "y2", "signal", "width", "opacity", "neg")


DOUBTS = ("small", "blob", "flat")   # why ink is no digit to read (the page words each: strings/core.js)


def prediction(probs, has_ink, small=False, cfg=CONFIG):
    """probs (10,) -> {"digit", "confidence", "pct", "state", "reason"?}; state: none / sure /
    unsure / nan.

    A blank pad claims no digit. Confidence is the softmax output, and is called that. Ink the
    network cannot honestly read (`small`: True or a key of DOUBTS, see `doubt`) is unsure
    whatever the softmax says: preprocessing scales any speck up to 20 px, and the network then
    reads a dot as a confident 0, a filled pad as a confident 8, a dash as a confident 2.

    No words: the page says it in its own language from state, reason, digit and pct
    (site/js/output.js), so Python builds no English the page would only re-word.

    A damaged network or an edit can give NaN or inf: that is no digit at all, so "nan" claims
    none (the next finite update shows a digit again).
    """
    if not has_ink or probs is None:
        return {"digit": None, "confidence": 0.0, "state": "none"}
    if not np.isfinite(probs).all():
        return {"digit": None, "confidence": 0.0, "state": "nan"}
    digit = int(np.argmax(probs))
    conf = float(probs[digit])
    out = {"digit": digit, "confidence": round(conf, cfg.decimals), "pct": int(np.rint(conf * 100))}
    if small:
        return {**out, "state": "unsure", "reason": small if small in DOUBTS else "small"}
    return {**out, "state": "sure" if conf >= cfg.unsure_below else "unsure"}


def _extent(ink):
    """ink (28, 28) bool -> (ink rows, ink columns) index arrays."""
    return ink.any(axis=1).nonzero()[0], ink.any(axis=0).nonzero()[0]


def too_small(drawn, cfg=CONFIG):
    """drawn (28, 28) in [0, 1], the whole pad shrunk -> True when the ink spans fewer than
    `cfg.min_extent` pixels both ways (MNIST digits span 20 px after preprocessing; a real one
    drawn on the pad spans well over 5 of 28)."""
    rows, cols = _extent(drawn >= INK_THRESHOLD)
    return _small(rows, cols, cfg)


def _small(rows, cols, cfg):
    if len(rows) == 0:
        return False
    return max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 < cfg.min_extent


def doubt(drawn, cfg=CONFIG):
    """drawn (28, 28) in [0, 1], the whole pad shrunk -> why the ink is no digit to read, or None:
    "small" (see `too_small`), "blob" (a filled area: ink over `max_fill` of the square on its
    longer side) or "flat" (a dash: height under `min_aspect` of the width). Both bounds lie
    outside all of MNIST's training digits, so no real digit is doubted."""
    ink = drawn >= INK_THRESHOLD                  # once: this runs on every update
    rows, cols = _extent(ink)
    if _small(rows, cols, cfg):
        return "small"
    if len(rows) == 0:
        return None
    h, w = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
    if ink.sum() > cfg.max_fill * max(h, w) ** 2:
        return "blob"
    if h < cfg.min_aspect * w:
        return "flat"
    return None


def percent(probs):
    """probs (10,) -> ten whole percentages for the labels, or None (blank, or not all finite)."""
    if probs is None or not np.isfinite(probs).all():
        return None
    return np.rint(np.asarray(probs) * 100).astype(int).tolist()


def _lut(rgb):
    """256 RGBA pixels as little-endian uint32: colour rgb, alpha 0..255."""
    r, g, b = rgb
    return (np.arange(256, dtype=np.uint32) << 24) | np.uint32(b << 16 | g << 8 | r)


LUT_POS, LUT_NEG, LUT_INK = _lut(POSITIVE), _lut(NEGATIVE), _lut(INK)


def rgba_tiles(a, ink=False):
    """a (th, tw, C) -> (C, th, tw) uint32 RGBA pixels, tile by tile; alpha = |a| / max |a|.

    ink: a is an image in [0, 1], drawn in the ink colour with alpha = value.
    """
    tiles = np.ascontiguousarray(np.moveaxis(np.asarray(a, np.float32), -1, 0))
    lo, hi = (0.0, 1.0) if ink else (float(tiles.min()), float(tiles.max()))
    peak = max(hi, -lo)
    if peak <= 0:
        return np.full(tiles.shape, LUT_POS[0], np.uint32)
    scale = np.float32(255 / peak)
    if lo >= 0:   # images, ReLU and pooling: no sign to show, and no np.abs pass (slow in wasm)
        alpha = (tiles * scale + np.float32(0.5)).astype(np.uint8)
        return (LUT_INK if ink else LUT_POS)[alpha]
    alpha = (np.abs(tiles) * scale + np.float32(0.5)).astype(np.uint8)
    out = LUT_POS[alpha]
    neg = tiles < 0
    out[neg] = LUT_NEG[alpha[neg]]
    return out


class Diagram:
    """The layout of one network plus the per-trace view model.

    net: a `digitlab.core.Network` whose layers are dense, or conv2d/maxpool2d then flatten
    then dense. The layout (columns, unit positions) is fixed per network.
    """

    def __init__(self, net, cfg=CONFIG):
        self.net, self.cfg = net, cfg
        self.columns, self.width, self.height = layout_columns(net, cfg.max_nodes)
        self.by_id = {c.id: c for c in self.columns}
        self.pairs = [(self.by_id[c.source], c) for c in self.columns if c.kind == "dense"]
        self.output = self.pairs[-1][1]
        self.links_total = sum(int(np.prod(net.params[c.id]["W"].shape)) for _, c in self.pairs)
        self.everyone = {}   # size -> arange(size), for layers drawn in full

    def layout(self):
        """Static, JSON-safe: the viewBox size and each drawn column's titles, captions, frames."""
        return {"width": self.width, "height": self.height,
                "layers": [c.describe() for c in self.columns if c.drawn]}

    def view(self, trace=None):
        """The per-update view model of one input (a Trace of batch 1), or a blank skeleton."""
        if trace is None:
            return self._skeleton()
        acts = {"in": trace.x.reshape(-1)}
        acts.update({rec.name: rec.a.reshape(-1) for rec in trace.layers})
        shown = {c.id: self._pick_units(acts[c.id]) for _, c in self.pairs}
        node_parts, link_parts = [], []
        for src, col in self.pairs:
            rows = shown.get(src.id)
            part, used = self._links(src, col, acts[src.id], rows, shown[col.id])
            link_parts.append(part)
            if rows is None:  # an image or flatten source: draw the units the links use
                node_parts.append((src, self._nodes(src, acts[src.id], np.unique(used))))
        node_parts += [(col, self._nodes(col, acts[col.id], shown[col.id])) for _, col in self.pairs]
        nodes = _concat([t for _, t in node_parts], NODE_COLUMNS)
        links = _concat(link_parts, LINK_COLUMNS)
        n_links = len(links["id"])
        out = acts[self.output.id]
        winner = self.output.ids[int(np.argmax(out))] if np.isfinite(out).all() else None   # NaN: none
        return {"nodes": nodes, "links": links, "links_shown": n_links,
                "links_total": self.links_total,
                "more": self._more(node_parts), "winner": winner, "blank": False}

    def images(self, trace=None):
        """{column id: (C, th, tw) uint32 RGBA} for the input and every tile column (None: blank)."""
        out = {}
        for c in self.columns:
            if c.atlas is None:
                continue
            if trace is None:
                a = np.zeros(c.atlas.tile + (c.atlas.channels,), np.float32)
            else:
                a = trace.x[0] if c.id == "in" else trace[c.id].a[0]
            out[c.id] = rgba_tiles(a.reshape(c.atlas.tile + (-1,)), ink=c.id == "in")
        return out

    # ---- units and links -------------------------------------------------------------

    def _pick_units(self, a):
        """Indices of the units drawn: all of a small layer, else the most active (sorted)."""
        if a.size <= self.cfg.max_nodes:
            if a.size not in self.everyone:
                self.everyone[a.size] = np.arange(a.size)
            return self.everyone[a.size]
        k = self.cfg.shown_nodes
        return np.sort(np.argpartition(-np.abs(a), k - 1)[:k])

    def _links(self, src, col, a_src, rows, cols):
        """The strongest signals a_i * W_ij from src into the shown units `cols` of col.

        a_src (n_src,), W (n_src, n_dst). rows: the shown source units, or None for every
        active one (pixels, flat features). -> ((ids, m), source index of each link), where
        m (len(LINK_COLUMNS), n_links) float64 holds the columns.
        """
        W = self.net.params[col.id]["W"]
        if rows is None:
            rows = (a_src != 0).nonzero()[0]          # much faster than flatnonzero under Pyodide
        S = (a_src[rows, None] * W[rows][:, cols]).ravel()   # (len(rows) * len(cols),)
        mag = S * S                                   # ranks like |S|; avoids np.abs/count_nonzero
        k = min(self.cfg.links_per_layer, mag.size)
        top = np.argpartition(mag, mag.size - k)[mag.size - k:] if k else rows[:0]
        top = top[np.argsort(mag[top], kind="stable")]           # weakest first: strong ones on top
        top = top[mag[top] > 0]                                  # a zero signal is no link
        k = len(top)
        if k == 0:
            return ([], np.zeros((len(LINK_COLUMNS), 0))), rows[:0]
        i, j = rows[top // len(cols)], cols[top % len(cols)]
        t = np.sqrt(mag[top] / mag[top[-1]])                     # |s| / this layer's strongest |s|
        # A few strengths, not a continuum: the page strokes all links of one strength and sign as
        # one SVG path, so it paints ~2 * link_levels shapes instead of hundreds of lines.
        t = np.ceil(t * self.cfg.link_levels) / self.cfg.link_levels
        (w0, w1), (o0, o1) = self.cfg.link_width, self.cfg.link_opacity
        m = np.empty((len(LINK_COLUMNS), k))                      # rows in LINK_COLUMNS order
        m[0:2] = src.positions[i].T
        m[2:4] = col.positions[j].T
        s = S[top]
        m[4] = s.round(self.cfg.decimals)
        m[5] = w0 + (w1 - w0) * t
        m[6] = o0 + (o1 - o0) * t
        m[5:7] = m[5:7].round(2)
        m[7] = s < 0
        sid, did = src.ids, col.ids
        ids = [sid[a] + ">" + did[b] for a, b in zip(i.tolist(), j.tolist())]
        return (ids, m), i

    def _nodes(self, col, a, idx):
        """-> (ids, m (len(NODE_COLUMNS), len(idx))) for units idx of col.

        fill: |a| / the layer's max |a| (probabilities as they are).
        """
        vals = a[idx]
        scale = 1.0 if col.is_output else float(np.abs(a).max())
        m = np.empty((len(NODE_COLUMNS), len(idx)))               # rows in NODE_COLUMNS order
        m[0:2] = col.positions[idx].T
        m[2] = col.radius
        m[3] = vals.round(self.cfg.decimals)
        m[4] = (np.abs(vals) / scale).round(2) if scale > 0 else 0.0
        m[5] = vals < 0
        ids = col.ids
        return [ids[i] for i in idx.tolist()], m

    def _more(self, node_parts):
        """"+N more" for each column that hides units: {column id: N} (its more_xy says where)."""
        drawn = {col.id: len(ids) for col, (ids, _) in node_parts}
        return {c.id: c.size - drawn.get(c.id, 0) for c in self.columns
                if c.size > drawn.get(c.id, 0)}

    def _skeleton(self):
        """Blank pad: the small dense layers' units as empty outlines (no activation claimed), no links."""
        parts = [self._nodes(c, np.zeros(c.size, np.float32), np.arange(c.size))
                 for _, c in self.pairs if c.size <= self.cfg.max_nodes]
        return {"nodes": _concat(parts, NODE_COLUMNS), "links": _empty(LINK_COLUMNS), "links_shown": 0,
                "links_total": self.links_total,
                "more": {}, "winner": None, "blank": True}


def _table(ids, columns, m):
    """A column table {"id": ids, name: m[row]}; m (len(columns), n) float64, one row per column."""
    return {"id": ids, **dict(zip(columns, m))}


def _empty(columns):
    return _table([], columns, np.zeros((len(columns), 0)))


def _concat(parts, columns):
    """[(ids, m)] -> one column table."""
    if not parts:
        return _empty(columns)
    m = np.concatenate([m for _, m in parts], axis=1)
    return _table([i for ids, _ in parts for i in ids], columns, m)


def to_json(obj):
    """The view model with every numpy array as a plain list (for json.dumps and tests)."""
    if isinstance(obj, dict):
        return {k: to_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_json(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


__all__ = ["CONFIG", "Diagram", "ViewConfig", "percent", "prediction", "rgba_tiles", "to_json", "too_small"]
