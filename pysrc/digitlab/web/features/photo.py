"""Photos of handwriting (digitlab.photo): the page's photo card calls these two.

    photo.check {head, size, type}           -> imagefile.check's answer and max_side: is it an
                                                image, how big, what size to decode it to
    photo.read {rgba, width, height}         -> {problem, pad, steps, polarity, threshold, groups}

pad is PAD * PAD uint8 (ink 255) for the page to put on its pad; from there the update reads
it like any drawing. steps: [{name, width, height, rgba}] for the strip of pictures. Neither
runs on a pointer update: only when a file arrives.
"""

import numpy as np

from ... import imagefile, photo
from ..registry import handler


def _raw(v):
    return v.to_bytes() if hasattr(v, "to_bytes") else bytes(v)


@handler("photo.check")
def check(app, head, size, type=""):
    return {**imagefile.check(_raw(head), int(size), type, photo.MAX_SIDE),
            "max_side": photo.MAX_SIDE, "head_bytes": imagefile.HEAD_BYTES}


@handler("photo.read")
def read(app, rgba, width, height):
    r = photo.read(photo.rgba_array(_raw(rgba), int(width), int(height)))
    return {"problem": r.problem, "pad": r.pad.reshape(-1),
            "steps": [{"name": n, "height": p.shape[0], "width": p.shape[1], "rgba": p.reshape(-1)}
                      for n, p in r.steps],
            "polarity": r.polarity, "threshold": None if r.threshold is None else round(r.threshold, 4),
            "groups": [list(map(int, g)) for g in r.groups]}
