"""The one module that touches the browser: JS calls in, plain JS objects out.

The page's shim (site/shim.js) calls two functions, exposed once at start-up:

    classify(alpha, model, full) -> result   alpha: Uint8Array(280 * 280), the pad's ink (255 = ink);
                                             full: false skips the diagram (it is off screen)
    layout(model) -> layout            the diagram's static frame for a model

Everything returned is converted with `to_js` into plain JS objects and typed arrays, so JS
never holds a Python proxy from a call and has nothing to destroy; the only proxies are the two
long-lived function proxies made in `main`. The argument's JsProxy is released when the call
returns.
"""

import time
import traceback

import numpy as np
from js import Object, window
from pyodide.ffi import create_proxy, to_js

from .. import models, preprocess, viewmodel

PAD = 280   # side of the pad's offscreen copy, px (site/js/pad.js SIZE)


class App:
    """Loaded models (lazily, cached) and the per-update pipeline."""

    def __init__(self):
        self.nets = {}                                   # name -> (Network, Diagram)
        self.pad = np.zeros(PAD * PAD, np.uint8)         # reused buffer for the pad's pixels

    def model(self, name):
        if name not in self.nets:
            net = models.load(name)
            self.nets[name] = (net, viewmodel.Diagram(net))
        return self.nets[name]

    def layout(self, name):
        return _js(self.model(name)[1].layout())

    def classify(self, alpha, name, full=True):
        """alpha: JS Uint8Array(PAD * PAD) -> JS object (see `result`), plus python_ms and stages."""
        clock = Clock()
        alpha.assign_to(self.pad)
        clock("read")
        res = self.result(self.pad.reshape(PAD, PAD), name, bool(full), clock)
        out = _js(res)
        clock("convert")
        out.python_ms = clock.total()
        out.stages = _js(clock.stages)
        return out

    def result(self, img, name, full=True, clock=lambda stage: None):
        """img (PAD, PAD) uint8 -> dict of JSON-safe values and numpy arrays (-> typed arrays).

        prediction {digit, confidence, state, text}; probs (10,) float64 or None; percent;
        input (784,) float32, what the network reads; images {"input", "drawn": 28x28 RGBA
        bytes, and when full, each diagram column id: its tiles' RGBA bytes}; view: the
        diagram's view model (viewmodel.Diagram.view) when full, else None.
        """
        net, diagram = self.model(name)
        x = preprocess.to_mnist(img)                     # (28, 28) float32, zeros when blank
        ink = bool(x.any())                              # same threshold as preprocess.has_ink
        drawn = preprocess.downscale(img)
        clock("preprocess")
        trace = net.forward(x.reshape(1, 784)) if ink else None
        probs = trace.probs[0].astype(np.float64) if ink else None
        clock("forward")
        view, images = None, {}
        if full:
            view = diagram.view(trace)
            view["nodes"], view["links"] = _pack(view["nodes"]), _pack(view["links"])
            clock("view")
            images = {k: _bytes(v) for k, v in diagram.images(trace).items()}
        images["input"] = _bytes(viewmodel.rgba_tiles(x[:, :, None], ink=True))
        images["drawn"] = _bytes(viewmodel.rgba_tiles(drawn[:, :, None], ink=True))
        clock("images")
        pred = viewmodel.prediction(probs, ink, viewmodel.too_small(drawn))
        return {"model": name, "prediction": pred,
                "probs": probs, "percent": viewmodel.percent(probs),
                "input": x.reshape(-1), "view": view, "images": images}


class Clock:
    """Milliseconds spent per stage of one update: clock("stage") closes the stage."""

    def __init__(self):
        self.t0 = self.t = time.perf_counter()
        self.stages = {}

    def __call__(self, stage):
        now = time.perf_counter()
        self.stages[stage] = (now - self.t) * 1e3
        self.t = now

    def total(self):
        return (time.perf_counter() - self.t0) * 1e3


def _pack(table):
    """A column table -> {"ids": "id\\nid…", "cols": [names], "data": (cols × n) float64, flat}.

    One string and one typed array cross into JS instead of hundreds of strings and a dozen
    arrays; the shim splits them again (site/js/diagram.js `unpack`).
    """
    cols = [k for k in table if k != "id"]
    return {"ids": "\n".join(table["id"]), "cols": cols,
            "data": np.stack([table[k] for k in cols]).reshape(-1)}


def _bytes(rgba):
    """(…) uint32 RGBA pixels -> flat uint8 bytes (a Uint8Array in JS)."""
    return rgba.reshape(-1).view(np.uint8)


def _js(obj):
    """dicts -> JS objects, lists -> Arrays, numpy arrays -> typed arrays (copied)."""
    return to_js(obj, dict_converter=Object.fromEntries)


def main():
    """Load the page's model, then hand the shim its two functions. Errors go to the banner."""
    try:
        app = App()
        name = str(window.digitlab.model)
        window.digitlab.progress(f"Loading the {name} weights…")
        app.model(name)
        api = {"classify": create_proxy(app.classify), "layout": create_proxy(app.layout)}
        window.digitlab.attach(_js(api))
    except Exception as e:
        window.digitlab.fail(f"Python could not start: {type(e).__name__}: {e}", traceback.format_exc())
        raise
