"""Share links for the page: digitlab.sharelink behind two handlers (the page holds no parser)."""

from ... import models, sharelink
from ..registry import handler

NAMES = tuple(models.ARCHS) + ("trained",)


@handler("share.decode")
def decode(app, hash=""):
    """location.hash -> {"state": {model?, damage?, strokes?}, "notices": [string keys]}."""
    state, notices = sharelink.decode(str(hash), NAMES)
    return {"state": state, "notices": notices}


@handler("share.encode")
def encode(app, model=None, damage=None, strokes=None):
    """The page's state -> {"hash": "v=1&..."} or {"hash": "", "error": a string key}."""
    state = {"model": model, "damage": damage or None, "strokes": strokes or []}
    try:
        return {"hash": sharelink.encode(state)}
    except ValueError:
        return {"hash": "", "error": "notice.strokes"}
