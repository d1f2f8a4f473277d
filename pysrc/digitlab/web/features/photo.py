"""Photos of handwriting (digitlab.photo): the page's photo card calls these two.

    photo.limits {}                          -> {head_bytes, max_side}: how much of a file to send
    photo.check {head, size, type}           -> imagefile.check's answer: is it an image, how
                                                big, what size to decode it to
    photo.fit {width, height}                -> {problem, decode_width, decode_height} for an
                                                image the header did not size (the browser did)
    photo.read {rgba, width, height,         -> {problem, pad, steps, view, polarity, threshold,
                turns, region}                  groups}: turned, cut to the region, read

    photo.ink {pad}                          -> {strokes, dropped, width}: the reading's pad image
                                                as pen strokes (digitlab.photoink), for the pad

pad is PAD * PAD uint8 (ink 255) for the page to put on its pad; from there the update reads
it like any drawing. steps: [{name, width, height, rgba}] for the strip of pictures. None of
these runs on a pointer update: only when a file arrives or a button is pressed.
"""

import numpy as np

from ... import imagefile, photo, photoink
from ..registry import handler


def _raw(v):
    return v.to_bytes() if hasattr(v, "to_bytes") else bytes(v)


@handler("photo.limits")
def limits(app):
    return {"head_bytes": imagefile.HEAD_BYTES, "max_side": photo.MAX_SIDE}


@handler("photo.check")
def check(app, head, size, type=""):
    return imagefile.check(_raw(head), int(size), type, photo.MAX_SIDE)


@handler("photo.fit")
def fit(app, width, height):
    w, h = int(width), int(height)
    too_many = w * h > imagefile.MAX_PIXELS
    dw, dh = (0, 0) if too_many else imagefile.fit(w, h, photo.MAX_SIDE)
    return {"problem": "too-many-pixels" if too_many else None, "decode_width": dw, "decode_height": dh}


@handler("photo.read")
def read(app, rgba, width, height, turns=0, region=None):
    """The photo turned by `turns` quarter turns clockwise, then read inside `region` ([y0, y1,
    x0, x1] fractions of the turned photo, or None for all of it). view: the whole turned photo,
    for drawing a region box on."""
    whole = photo.turned(photo.rgba_array(_raw(rgba), int(width), int(height)), turns)
    view = _picture("view", photo.picture(whole, photo.VIEW_SIDE))
    r = photo.read(whole, region)
    return {"problem": r.problem, "pad": r.pad.reshape(-1), "side": photo.PAD, "view": view,
            "steps": [_picture(n, p) for n, p in r.steps],
            "polarity": r.polarity, "threshold": None if r.threshold is None else round(r.threshold, 4),
            "groups": [list(map(int, g)) for g in r.groups]}


@handler("photo.ink")
def ink(app, pad):
    """pad: PAD * PAD uint8, a reading's pad image -> {strokes: [{w, pts}] in pad units, dropped:
    paths left out over the link's stroke limit, width: the pen's width in pad px (0 if none)}."""
    img = np.frombuffer(_raw(pad), np.uint8)
    if img.size != photo.PAD * photo.PAD:
        raise ValueError(f"photo.ink: expected {photo.PAD * photo.PAD} pad pixels; got {img.size}")
    strokes, dropped = photoink.strokes(img.reshape(photo.PAD, photo.PAD))
    width = round(strokes[0]["w"] * photo.PAD) if strokes else 0
    return {"strokes": strokes, "dropped": dropped, "width": width}


def _picture(name, p):
    """(h, w, 4) uint8 -> {name, width, height, rgba (flat)} for the page."""
    return {"name": name, "height": p.shape[0], "width": p.shape[1], "rgba": p.reshape(-1)}
