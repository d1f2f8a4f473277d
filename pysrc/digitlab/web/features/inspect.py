"""The inspector: one unit of the running network, for the current drawing.

Plain Python (numpy + digitlab), no `js`. The page calls

    inspect.node {model, id, full}   -> what a tooltip (full=False) or the panel (full=True) shows

The maths (unit ids, contributions, pictures) is in digitlab.inspect_unit. Everything is
computed on the network that runs under `model` now (damaged, if Break It is on), from the pad's
last pixels, with the same preprocessing as the page's update.
"""

from ... import preprocess
from ...app import PAD
from ...inspect_unit import UnitError, describe
from ..registry import handler


def drawing(app):
    """The network input for the pad's last pixels: (28, 28) float32, and whether there is ink."""
    x = preprocess.to_mnist(app.pad.reshape(PAD, PAD))
    return x, bool(x.any())


@handler("inspect.node")
def node(app, model="", id="", full=False):
    """One unit of the network running under `model`, for the current drawing.

    A blank pad gives the unit's weights (when full) but no z, a or contributions.
    -> describe()'s dict plus model, blank; or {id, error} for an id this network lacks.
    """
    net = app.model(str(model))[0]
    x, ink = drawing(app)
    trace = net.forward(x.reshape(1, 784))
    try:
        out = describe(net, trace, str(id), bool(full))
    except UnitError as e:
        return {"id": str(id), "model": str(model), "error": str(e)}
    if not ink:
        out.update(z=None, a=None, incoming=[], product=None, sum=None, response=None)
    return {**out, "model": str(model), "blank": not ink}
