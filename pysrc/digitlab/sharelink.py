"""Share links: the model, the damage settings and the drawing, in a URL hash. Stdlib only.

    #v=1&m=cnn&s=<strokes>&db=1&dn=0.35&dl=h1,h2&do=h1:3,fc1:7

One table (`FIELDS`) says what each field holds; `encode` and `decode` both follow it. Everything
read from a URL is untrusted: `decode` never raises, keeps only values that match a strict
pattern and lie in range, and says what it dropped as notices (string keys the page words in
its language). No URL text is ever echoed back, so nothing from a link can reach the page as
markup.

Strokes (`s`) are the pad's vectors in pad units (0..1), quantised to a 1/GRID grid and packed
as bytes, base64url without padding. Per stroke:
    width (1 byte, pad pixels of PAD), point count n (varint), x0, y0 (varints),
    then n - 1 pairs of zigzag varint deltas.
"""

import base64
import binascii
import math
import re

from . import constants

VERSION = 1
PAD = constants.PAD             # the pad's pixel side: widths are whole pixels of it
GRID = 4095                     # coordinates: 12 bits, 0.07 pad pixels
MAX_HASH = 65536                # characters; a longer hash is not read at all
MAX_STROKES = 64
MAX_POINTS = 4000               # per stroke
MAX_TOTAL_POINTS = 20000
MAX_WIDTH = 80                  # pad pixels (the brush goes to 40)
NOISE_MAX = 2.0                 # digitlab.damage.NOISE_MAX (a unit test keeps them equal)
MAX_LAYERS = 16
MAX_NEURONS = 64                # digitlab.damage.MAX_NEURONS
PRUNE_MAX = 0.99                # digitlab.damage.PRUNE_MAX
SCALE_MAX = 2.0                 # digitlab.damage.SCALE_MAX
TEMPERATURE_RANGE = (0.1, 5.0)  # digitlab.damage.TEMPERATURE_RANGE
MODELS = (*constants.MODEL_NAMES, constants.TRAINED)

_VALUE = re.compile(r"[A-Za-z0-9_.,:-]{0,%d}" % MAX_HASH)       # every value's alphabet
_B64 = re.compile(r"[A-Za-z0-9_-]*")
_NUMBER = re.compile(r"\d{1,3}(\.\d{1,24})?")                     # no sign, exponent, nan or inf
_LAYER = r"(?:(?:h|conv|pool|fc)\d{1,2}|flat|out)"     # the layer names digitlab.models gives
_LAYER_RE = re.compile(_LAYER)
_NEURON_RE = re.compile(_LAYER + r":\d{1,5}")

# key -> (state part, notice when the value is bad)
FIELDS = {"v": ("version", "notice.version"), "m": ("model", "notice.model"),
          "s": ("strokes", "notice.strokes"), "db": ("bias", "notice.damage"),
          "dn": ("noise", "notice.damage"), "dl": ("layers", "notice.damage"),
          "do": ("neurons", "notice.damage"), "dp": ("prune", "notice.damage"),
          "dg": ("prune_global", "notice.damage"), "dt": ("temperature", "notice.damage"),
          "dk": ("scales", "notice.damage")}
# Break It's fields a link written before pruning, scales and temperature existed lacks: they
# are read only when present (Python's damage.parse fills in "no damage"), so old links decode as before.
_NEWER = ("prune", "prune_global", "temperature", "scales")


class _Bad(ValueError):
    """A value that fails validation (never shown: the notice says which field)."""


# ---- decode ---------------------------------------------------------------------------------

def decode(hash, models=MODELS):
    """hash: location.hash (with or without '#') -> (state, notices).

    state may hold "model" (a name in `models`), "damage" ({"bias", "noise", "layers",
    "neurons"}, defaults filled) and "strokes" ([{"w": float, "pts": [x0, y0, x1, ...]}]).
    notices: sorted unique string keys ("notice.model", ...), one per kind of value dropped.
    """
    notices = set()
    if not isinstance(hash, str):
        return {}, ["notice.format"]
    text = hash[1:] if hash.startswith("#") else hash
    if len(text) > MAX_HASH:
        return {}, ["notice.size"]
    raw = {}
    for part in filter(None, text.split("&")):
        key, eq, value = part.partition("=")
        if not eq or key in raw:
            notices.add("notice.format")
        elif key not in FIELDS:
            notices.add("notice.unknown")
        else:
            raw[key] = value
    values = {}
    for key, value in raw.items():
        name, notice = FIELDS[key]
        try:
            if not _VALUE.fullmatch(value):
                raise _Bad(key)
            values[name] = _PARSE[name](value, models)
        except (_Bad, ValueError, OverflowError, IndexError, binascii.Error):
            notices.add(notice)
    return _state(values), sorted(notices)


def _state(values):
    state = {}
    if "model" in values:
        state["model"] = values["model"]
    damage = {k: values[k] for k in ("bias", "noise", "layers", "neurons", *_NEWER) if k in values}
    if damage:
        state["damage"] = {"bias": False, "noise": 0.0, "layers": [], "neurons": [], **damage}
    if "strokes" in values:
        state["strokes"] = values["strokes"]
    return state


def _version(value, models):
    if value != str(VERSION):
        raise _Bad("v")
    return VERSION


def _model(value, models):
    if value not in models:
        raise _Bad("m")
    return value


def _bias(value, models):
    if value not in ("0", "1"):
        raise _Bad("db")
    return value == "1"


def _bounded(lo, hi):
    """A parser of a plain decimal number in [lo, hi]."""
    def parse(value, models=None):
        if not _NUMBER.fullmatch(value):
            raise _Bad(value)
        x = float(value)
        if not (math.isfinite(x) and lo <= x <= hi):
            raise _Bad(value)
        return x
    return parse


_noise = _bounded(0.0, NOISE_MAX)
_factor = _bounded(0.0, SCALE_MAX)


def _scales(value, models):
    """"h1:3:0.5,conv2:1:1.75" -> {"h1:3": 0.5, "conv2:1": 1.75} (unit ids as in "do")."""
    out = {}
    for item in value.split(",") if value else []:
        unit, _, factor = item.rpartition(":")
        if not _NEURON_RE.fullmatch(unit) or unit in out:
            raise _Bad("dk")
        out[unit] = _factor(factor)
    if len(out) > MAX_NEURONS:
        raise _Bad("dk")
    return out


def _names(pattern, most):
    def parse(value, models):
        names = value.split(",") if value else []
        if len(names) > most or len(set(names)) != len(names) or not all(pattern.fullmatch(n) for n in names):
            raise _Bad(pattern.pattern)
        return names
    return parse


def _strokes(value, models):
    if not _B64.fullmatch(value) or len(value) % 4 == 1:
        raise _Bad("s")
    data = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    return unpack_strokes(data)


_PARSE = {"version": _version, "model": _model, "bias": _bias, "noise": _noise,
          "layers": _names(_LAYER_RE, MAX_LAYERS), "neurons": _names(_NEURON_RE, MAX_NEURONS),
          "strokes": _strokes, "prune": _bounded(0.0, PRUNE_MAX), "prune_global": _bias,
          "temperature": _bounded(*TEMPERATURE_RANGE), "scales": _scales}


# ---- strokes <-> bytes ----------------------------------------------------------------------

def _varint(out, n):
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return


def _zigzag(d):
    return 2 * d if d >= 0 else -2 * d - 1


class _Reader:
    def __init__(self, data):
        self.data, self.i = data, 0

    def byte(self):
        if self.i >= len(self.data):
            raise _Bad("truncated")
        self.i += 1
        return self.data[self.i - 1]

    def varint(self, limit):
        n, shift = 0, 0
        while True:
            b = self.byte()
            n |= (b & 0x7F) << shift
            shift += 7
            if n > limit or shift > 35:
                raise _Bad("varint")
            if not b & 0x80:
                return n

    def signed(self):
        z = self.varint(2 * GRID)
        return z // 2 if z % 2 == 0 else -(z + 1) // 2


def quantise(x):
    """A pad coordinate (any float) -> its grid step 0..GRID (clamped: ink off the pad is not drawn)."""
    x = float(x)
    if not math.isfinite(x):
        raise _Bad("coordinate")
    return min(GRID, max(0, round(x * GRID)))


def pack_strokes(strokes):
    """[{"w", "pts"}] in pad units -> bytes. Raises ValueError when over the limits."""
    if len(strokes) > MAX_STROKES:
        raise ValueError(f"more than {MAX_STROKES} strokes")
    out, total = bytearray(), 0
    for s in strokes:
        pts = [quantise(v) for v in s["pts"]]
        n = len(pts) // 2
        total += n
        if n < 1 or len(pts) % 2 or n > MAX_POINTS or total > MAX_TOTAL_POINTS:
            raise ValueError("a stroke has no points, an odd coordinate count, or too many points")
        out.append(min(MAX_WIDTH, max(1, round(float(s["w"]) * PAD))))
        _varint(out, n)
        _varint(out, pts[0])
        _varint(out, pts[1])
        for i in range(2, 2 * n):
            _varint(out, _zigzag(pts[i] - pts[i - 2]))
    return bytes(out)


def unpack_strokes(data):
    """bytes -> [{"w": pixels / PAD, "pts": [x / GRID, ...]}]; _Bad on anything malformed."""
    r, strokes, total = _Reader(data), [], 0
    while r.i < len(data):
        if len(strokes) >= MAX_STROKES:
            raise _Bad("strokes")
        w = r.byte()
        if not 1 <= w <= MAX_WIDTH:
            raise _Bad("width")
        n = r.varint(MAX_POINTS)
        total += n
        if n < 1 or total > MAX_TOTAL_POINTS:
            raise _Bad("points")
        q = [r.varint(GRID), r.varint(GRID)]
        for i in range(2, 2 * n):
            v = q[i - 2] + r.signed()
            if not 0 <= v <= GRID:
                raise _Bad("coordinate")
            q.append(v)
        strokes.append({"w": w / PAD, "pts": [v / GRID for v in q]})
    return strokes


# ---- encode ---------------------------------------------------------------------------------

def encode(state):
    """state ({"model", "damage", "strokes"}, each optional) -> "v=1&m=...". ValueError on values
    a link cannot hold (a decoded state always encodes)."""
    parts = [f"v={VERSION}"]
    if state.get("model") is not None:
        parts.append("m=" + _model(str(state["model"]), MODELS))
    d = state.get("damage")
    if d:
        parts += _encode_damage(d)
    if state.get("strokes"):
        b64 = base64.urlsafe_b64encode(pack_strokes(state["strokes"])).decode("ascii").rstrip("=")
        parts.append("s=" + b64)
    text = "&".join(parts)
    if len(text) > MAX_HASH:
        raise ValueError("the drawing is too big for a link")
    return text


def _number_text(x):
    """A float -> the shortest plain decimal that reads back as it ("1e-05" is written out)."""
    value = repr(float(x))
    if not _NUMBER.fullmatch(value):
        value = f"{float(x):.12f}".rstrip("0").rstrip(".")
    return value


def _encode_damage(d):
    """Only what differs from no damage is written (so a link without the newer fields is an old one)."""
    parts = []
    if d.get("bias"):
        parts.append("db=1")
    for key, name, none in (("dn", "noise", 0.0), ("dp", "prune", 0.0), ("dt", "temperature", 1.0)):
        x = float(d[name] if d.get(name) is not None else none)
        value = _number_text(x)
        _PARSE[name](value, MODELS)
        if float(value) != none:
            parts.append(f"{key}={value}")
    if d.get("prune_global") and float(d.get("prune") or 0):
        parts.append("dg=1")
    for key, name in (("dl", "layers"), ("do", "neurons")):
        names = [str(n) for n in d.get(name) or []]
        if names:
            value = ",".join(names)
            _PARSE[name](value, MODELS)
            parts.append(f"{key}={value}")
    scales = d.get("scales") or {}
    if scales:
        value = ",".join(f"{u}:{_number_text(f)}" for u, f in scales.items())
        _scales(value, MODELS)
        parts.append("dk=" + value)
    return parts
