"""Where each layer of a network sits in the diagram: columns left to right, in viewBox units.

Pure numpy + stdlib. Computed once per network by `layout_columns`; `viewmodel.Diagram`
then places the per-input nodes, links and feature maps on it.

A column is one of
  input      the 28x28 image (for an MLP its pixels are the link sources, node ids `in:k`)
  conv2d /   a grid of feature-map tiles, one per channel (an `Atlas`)
  maxpool2d
  flatten    not drawn as a column: its features sit on the previous tile column's pixels
  dense      a column of units, node ids `<layer>:<i>`
"""

from dataclasses import dataclass, field
import math

import numpy as np

TOP = 46.0          # band for the layer titles (name, then shape)
BODY = 400.0        # height of the drawing area
BOTTOM = 64.0       # band for "+N more" and the two caption lines
MARGIN = 16.0
GAP_LINKS = 130.0   # room for links in front of a dense column
GAP_TILES = 34.0    # between tile columns (their captions need the room)
TILE_MAX_W = 132.0  # widest a tile grid may get
MAX_R = 8.0         # node radius cap


@dataclass
class Atlas:
    """One tile (th, tw) per channel in a grid with 1 px gaps, drawn at `scale` units per pixel.

    The page keeps one canvas of `shape` pixels per layer and puts tile c at `offsets[c]`.
    """
    tile: tuple
    channels: int
    cols: int
    scale: float
    x0: float = 0.0
    y0: float = 0.0

    @property
    def rows(self):
        return math.ceil(self.channels / self.cols)

    @property
    def shape(self):
        """Atlas size in pixels (h, w)."""
        th, tw = self.tile
        return (self.rows * (th + 1) - 1, self.cols * (tw + 1) - 1)

    @property
    def size(self):
        """Atlas size in viewBox units (w, h)."""
        h, w = self.shape
        return (w * self.scale, h * self.scale)

    def offsets(self):
        """Top-left pixel (x, y) of each channel's tile inside the atlas, (C, 2) int."""
        th, tw = self.tile
        gy, gx = np.divmod(np.arange(self.channels), self.cols)
        return np.stack([gx * (tw + 1), gy * (th + 1)], axis=-1)

    def pixel_xy(self, ch, r, c):
        """Centre of pixel (r, c) of channel ch's tile, in viewBox units. Arrays broadcast."""
        off = self.offsets()[ch]
        return np.stack([self.x0 + (off[..., 0] + c + 0.5) * self.scale,
                         self.y0 + (off[..., 1] + r + 0.5) * self.scale], axis=-1)

    def describe(self, layer_id):
        """JSON-safe placement: the canvas box, its pixel size, each tile's offset and frame."""
        w, h = self.size
        th, tw = self.tile
        s = self.scale
        off = self.offsets().tolist()
        return {"x": round(self.x0, 1), "y": round(self.y0, 1), "w": round(w, 1), "h": round(h, 1),
                "pw": self.shape[1], "ph": self.shape[0], "tw": tw, "th": th, "offsets": off,
                "frames": [{"id": f"{layer_id}:{c}", "x": round(self.x0 + ox * s, 1),
                            "y": round(self.y0 + oy * s, 1), "w": round(tw * s, 1),
                            "h": round(th * s, 1)} for c, (ox, oy) in enumerate(off)]}


@dataclass
class Column:
    id: str
    kind: str
    title: list                   # [name, shape], two lines above the column
    caption: list                 # two short lines below it: what the layer does
    x: float
    w: float
    size: int = 0                 # units that can be drawn as nodes (0: none)
    positions: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))  # (size, 2)
    radius: float = 0.0
    atlas: Atlas = None
    source: str = None            # id of the column feeding a dense column
    is_output: bool = False
    drawn: bool = True            # False for flatten: it lives on the previous column
    more_xy: tuple = (0.0, 0.0)   # where "+N more" goes
    labels: list = field(default_factory=list)
    # The same title and caption lines as (string key, numbers) pairs, so the page can word
    # them in its language (site/js/strings/core.js); title/caption stay the English text.
    text: dict = None

    @property
    def ids(self):
        """Node id of every unit, `<column>:<index>` (made once, looked up per update)."""
        if getattr(self, "_ids", None) is None:
            self._ids = [f"{self.id}:{i}" for i in range(self.size)]
        return self._ids

    def __post_init__(self):
        self.positions = np.round(np.asarray(self.positions, np.float64), 1)  # once, not per update

    def describe(self):
        """JSON-safe static description for the page."""
        d = {"id": self.id, "kind": self.kind, "title": self.title, "caption": self.caption,
             "x": round(self.x, 1), "w": round(self.w, 1), "cx": round(self.x + self.w / 2, 1),
             "size": self.size, "drawn": self.drawn,
             "more_xy": [round(v, 1) for v in self.more_xy], "labels": self.labels, "text": self.text}
        if self.atlas is not None:
            d["image"] = self.atlas.describe(self.id)
        return d


def _tile_grid(channels, th, tw):
    """The grid (cols) and scale that make `channels` tiles biggest inside TILE_MAX_W x BODY."""
    best = (0.0, 1)
    even = [c for c in range(1, 9) if channels % c == 0]   # full rows look tidier
    for cols in even or range(1, 9):
        rows = math.ceil(channels / cols)
        s = min(BODY / (rows * (th + 1)), TILE_MAX_W / (cols * (tw + 1)))
        if s > best[0] * 1.0001:
            best = (s, cols)
    return best[1], round(best[0], 3)


def _atlas_column(lid, kind, title, caption, x, shape, scale=None, text=None):
    th, tw, ch = shape
    cols, s = (1, scale) if scale else _tile_grid(ch, th, tw)
    atlas = Atlas((th, tw), ch, cols, s, x)
    w, h = atlas.size
    atlas.y0 = TOP + (BODY - h) / 2
    return Column(lid, kind, title, caption, x, w, atlas=atlas,
                  more_xy=(x + w / 2, atlas.y0 + h + 14), text=text)


def _input_column(input_shape, dense_next):
    scale = 6.0 if dense_next else 3.0
    col = _atlas_column("in", "input", ["input", "28×28"],
                        ["784 pixels", "0 = paper, 1 = ink"], MARGIN, (28, 28, 1), scale,
                        text={"title": [["layer.input", {}], ["layer.shape2", {"h": 28, "w": 28}]],
                              "caption": [["layer.pixels", {"n": 784}], ["layer.inkscale", {}]]})
    if dense_next:  # MLP: each pixel is a link source
        r, c = np.divmod(np.arange(784), 28)
        col.size, col.positions = 784, np.round(col.atlas.pixel_xy(0, r, c), 1)
        col.radius = round(scale * 0.3, 2)
    return col


def _dense_column(layer, x, source):
    n = layer.n_out
    step = BODY / n
    r = round(min(MAX_R, max(2.5, 0.42 * step)), 2)
    ys = TOP + (np.arange(n) + 0.5) * step
    pos = np.stack([np.full(n, x + r), ys], axis=-1)
    out = layer.activation == "softmax"
    what = f"{layer.activation}(W·a + b)"
    col = Column(layer.name, "dense", [layer.name, f"{n} units"],
                 [what, "→ probabilities" if out else f"each of {layer.n_in:,} inputs"], x, 2 * r, n, pos, r,
                 source=source, is_output=out, more_xy=(x + r, TOP + BODY + 12),
                 text={"title": [["layer.name", {"name": layer.name}], ["layer.units", {"n": n}]],
                       "caption": [["layer.dense", {"act": layer.activation}],
                                   ["layer.probs", {}] if out else ["layer.inputs", {"n": layer.n_in}]]})
    if out:
        col.labels = [{"text": str(i), "x": round(x + 2 * r + 6, 1), "y": round(float(y) + 4, 1)}
                      for i, y in enumerate(ys)]
        col.w += 18
    return col


def _flat_column(layer, prev, x_shape):
    h, w, c = x_shape
    k = np.arange(h * w * c)
    r, rem = np.divmod(k, w * c)          # NHWC flatten: k = (r * w + col) * c + ch
    cc, ch = np.divmod(rem, c)
    pos = prev.atlas.pixel_xy(ch, r, cc)
    rad = round(max(0.8, prev.atlas.scale * 0.42), 2)
    return Column(layer.name, "flatten", [], [], prev.x, prev.w, len(k), pos, rad,
                  drawn=False, more_xy=prev.more_xy)


def _conv_caption(layer, shape):
    """-> (title lines, caption lines, their string keys) of a conv or pool column."""
    h, w, c = shape
    title = [layer.name, f"{c} × {h}×{w}"]
    keys = {"title": [["layer.name", {"name": layer.name}], ["layer.shape3", {"c": c, "h": h, "w": w}]]}
    if layer.kind == "conv2d":
        keys["caption"] = [["layer.filters", {"c": c, "kh": layer.kh, "kw": layer.kw}],
                           ["layer.then", {"act": layer.activation}]]
        return title, [f"{c} filters {layer.kh}×{layer.kw}", f"then {layer.activation}"], keys
    keys["caption"] = [["layer.pool", {"s": layer.size}], ["layer.halves", {}]]
    return title, [f"max of each {layer.size}×{layer.size}", "halves the size"], keys


def layout_columns(net, max_nodes=40):
    """-> (columns, width, height). Columns follow `net.layers`, input first."""
    first_dense = net.layers[0].kind == "dense"
    cols = [_input_column(net.input_shape, first_dense)]
    shapes = net.shapes()
    prev_shape = (28, 28, 1)
    for layer, shape in zip(net.layers, shapes):
        prev = cols[-1] if cols[-1].drawn else cols[-2]
        right = prev.x + prev.w
        if layer.kind in ("conv2d", "maxpool2d"):
            title, cap, keys = _conv_caption(layer, shape)
            cols.append(_atlas_column(layer.name, layer.kind, title, cap, right + GAP_TILES, shape, text=keys))
        elif layer.kind == "flatten":
            cols.append(_flat_column(layer, prev, prev_shape))
        elif layer.kind == "dense":
            cols.append(_dense_column(layer, right + GAP_LINKS, cols[-1].id))
        else:
            raise ValueError(f"the diagram cannot draw layer {layer.name!r} of kind {layer.kind!r}")
        prev_shape = shape
    width = round(cols[-1].x + cols[-1].w + MARGIN + 40, 1)   # room for the last caption
    return cols, width, TOP + BODY + BOTTOM
