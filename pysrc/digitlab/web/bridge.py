"""The one module that touches the browser: JS calls in, plain JS objects out.

The page's shim (site/shim.js) calls two functions, exposed once at start-up:

    classify(alpha, model, full) -> result   alpha: Uint8Array(280 * 280), the pad's ink (255 = ink);
                                             full: false skips the diagram (it is off screen)
    layout(model) -> layout            the diagram's static frame for a model
    call(name, args) -> result         a function an instrument registered (see `registry`)

and the editor (site/js/editor.js) gets, in a "digitlab:editor" event sent just before, functions
that apply edits of the package's own source to this very interpreter (see `live`):

    files() -> {files: [{path, original, source, edited}], presets, version}
    apply(path, text, model) / reset(path, model) -> {ok, version, error, source}

An update that fails in edited code rolls that file back (the last working version runs on) and
sends a "digitlab:edit-rollback" event with the error.

Everything returned is converted with `to_js` into plain JS objects and typed arrays, so JS
never holds a Python proxy from a call and has nothing to destroy; the only proxies are the
long-lived function proxies made in `main`. The argument's JsProxy is released when the call
returns.
"""

import importlib
import pkgutil
import time
import traceback
import zipfile

import numpy as np
from js import CustomEvent, Object, window
from pyodide.ffi import create_once_callable, create_proxy, to_js

from .. import models, preprocess, viewmodel, weights
from ..core import Network
from . import checks, features, live, presets, registry

PAD = 280   # side of the pad's offscreen copy, px (site/js/pad.js SIZE)
FALLBACK = ("cnn", "cnn-small", "mlp-128-64-32", "mlp-128-64", "mlp-25-25")   # most accurate first


class App:
    """Loaded models (lazily, cached) and the per-update pipeline."""

    def __init__(self):
        self.nets = {}                                   # name -> (Network, Diagram)
        self.shipped = {}                                # name -> the Network loaded from weights/
        self.specs = {}                                  # name -> (layer specs, input shape, params)
        self.pad = np.zeros(PAD * PAD, np.uint8)         # reused buffer for the pad's pixels
        self.live = live.Live(on_swap=self.rebuild)      # the editable modules
        self.faults = {}                                 # name -> what is wrong with its shipped files
        self.told = set()                                # names of faults the page has been told of

    def model(self, name):
        """-> (Network, Diagram) of `name`; a model whose files fail `check` runs as its fallback."""
        if name not in self.nets:
            self.check([name])                           # unless checked already; the page hears of a fault
            self.report_faults()
            if name in self.faults:
                return self.model(self.fallback(name))
            self.put(name, self.shipped[name])
        return self.nets[name]

    def check(self, names=None):
        """Load and validate the shipped files (manifest, sha256, array shapes) of `names`, default
        every model, that are not checked yet: ~12 ms for all five in CPython, ~40 ms in the page.
        Failures are kept in self.faults. -> whether all of `names` are good."""
        names = models.ARCHS if names is None else names
        for name in names:
            if name in self.shipped or name in self.faults:
                continue
            try:
                self.shipped[name] = models.load(name)
            except weights.WeightsError as e:
                self.faults[name] = _problem(name, e)
        return not any(n in self.faults for n in names)

    def fallback(self, name):
        """The most accurate model whose files are good, instead of `name` (checked as needed)."""
        for other in (name, *FALLBACK):
            if other in models.ARCHS and self.check([other]):
                return other
        raise weights.WeightsError("no model's files could be loaded: " + "; ".join(self.faults.values()))

    def report_faults(self):
        """Tell the page of each damaged model not told yet: it is switched off in the picker and
        named in a banner; the page moves to the fallback if it was the model in use."""
        while untold := [n for n in self.faults if n not in self.told]:
            for bad in untold:
                self.told.add(bad)
                window.digitlab.modelFault(bad, self.faults[bad], self.fallback(bad))

    def put(self, name, net):
        """Run `net` under `name` from now on (a damaged or trained copy, or a new name)."""
        self.specs[name] = (net.specs(), net.input_shape, net.params)
        self.nets[name] = (net, viewmodel.Diagram(net))

    def restore(self, name):
        """Back to the shipped weights of `name` (only for names loaded from weights/)."""
        self.put(name, self.shipped[name])

    def rebuild(self):
        """After an edit: the same weights in layers and diagrams made by the code now running."""
        for name, (specs, shape, params) in self.specs.items():
            net = Network.from_specs(specs, shape, params=params)
            self.nets[name] = (net, viewmodel.Diagram(net))

    def layout(self, name):
        return self.live.run(lambda: _js(self.model(name)[1].layout()), self.rolled_back)

    def classify(self, alpha, name, full=True):
        """alpha: JS Uint8Array(PAD * PAD) -> JS object (see `result`), plus python_ms and stages."""
        clock = Clock()
        alpha.assign_to(self.pad)
        clock("read")
        res = self.live.run(lambda: self.result(self.pad.reshape(PAD, PAD), name, bool(full), clock),
                            self.rolled_back)
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
        checking = self.live.active                      # edited code runs: check what it returns
        if checking:
            checks.images(x, drawn)
        clock("preprocess")
        trace = net.forward(x.reshape(1, 784)) if ink else None
        if checking and ink:
            checks.trace(trace, net)
        probs = trace.probs[0].astype(np.float64) if ink else None
        clock("forward")
        view, images = None, {}
        if full:
            view = diagram.view(trace)
            if checking:
                checks.view(view)
            view["nodes"], view["links"] = _pack(view["nodes"]), _pack(view["links"])
            clock("view")
            images = diagram.images(trace)
            if checking:
                checks.tiles(images)
            images = {k: _bytes(v) for k, v in images.items()}
        images["input"] = _bytes(viewmodel.rgba_tiles(x[:, :, None], ink=True))
        images["drawn"] = _bytes(viewmodel.rgba_tiles(drawn[:, :, None], ink=True))
        clock("images")
        pred, percent = viewmodel.prediction(probs, ink, viewmodel.doubt(drawn)), viewmodel.percent(probs)
        if checking:
            checks.prediction(pred, percent)
        out = {"model": name, "prediction": pred,
               "probs": probs, "percent": percent,
               "input": x.reshape(-1), "view": view, "images": images}
        for hook in registry.HOOKS:
            hook(self, name, img, x, trace, out)
        clock("hooks")
        return out

    def call(self, fn_name, args=None):
        """An instrument's registered function: args (a JS object or None) -> JS object."""
        fn = registry.HANDLERS.get(str(fn_name))
        if fn is None:
            raise KeyError(f"no Python function is registered as {fn_name!r}")
        kwargs = args.to_py() if hasattr(args, "to_py") else dict(args or {})
        return _js(fn(self, **kwargs))

    # ---- the editor: edits of the package's own source, run in this interpreter (see live) ----

    def edit_files(self):
        originals = {p: e.original for p, e in self.live.entries.items()}
        return _js({"files": [self.live.info(p) for p in self.live.entries],
                    "presets": presets.listing(originals), "version": self.live.version})

    def edit_apply(self, path, text, name):
        """Run `text` as the module of `path`; the drawing and a probe stroke must then update."""
        return self._edited(path, self.live.apply(path, text, lambda: self.probe(name)))

    def edit_reset(self, path, name):
        return self._edited(path, self.live.reset(path, lambda: self.probe(name)))

    def _edited(self, path, res):
        return _js({**res, "source": self.live.entries[path].source})

    def probe(self, name):
        """The activations on a test array, then one full update of the current drawing and of a
        probe stroke (never blank)."""
        checks.activation_functions()
        self.model(name)[1].layout()
        for img in (self.pad.reshape(PAD, PAD), checks.probe_image(PAD)):
            self.result(img, name)

    def rolled_back(self, error, path):
        """Edited code failed in an update and `path` went back to its last working version."""
        detail = {"error": error, "path": path, "source": self.live.entries[path].source}
        window.dispatchEvent(CustomEvent.new("digitlab:edit-rollback", _js({"detail": detail})))


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


def _problem(name, err):
    """What is wrong with `name`'s files, for the banner: the WeightsError `err`, made plainer
    where it hides the cause. A missing file reaches Python as the server's HTML error page
    (PyScript writes whatever body the fetch got), and a truncated npz fails its hash first."""
    for path in (models.weights_dir() / f"{name}.json", models.weights_dir() / f"{name}.npz"):
        if not path.exists() or path.read_bytes()[:64].lstrip().startswith(b"<"):
            return f"{path}: the file is missing (the server sent no such file)"
    npz = models.weights_dir() / f"{name}.npz"
    if not zipfile.is_zipfile(npz):
        return f"{npz}: the file is truncated or not an npz ({npz.stat().st_size:,} bytes)"
    return str(err)


def _check_the_rest(app):
    try:
        app.check()
        app.report_faults()
    finally:
        window.digitlab.modelsChecked()


def _js(obj):
    """dicts -> JS objects, lists -> Arrays, numpy arrays -> typed arrays (copied)."""
    return to_js(obj, dict_converter=Object.fromEntries)


def main():
    """Load the page's model, hand the editor and then the shim their functions. Errors go to the banner."""
    try:
        app = App()
        window.digitlab.progress("status.checking")   # keys: the shim words them in the page's language
        name = app.fallback(str(window.digitlab.model))  # checks the model asked for, then fallbacks
        app.report_faults()                             # switched off in the picker, named in a banner
        window.digitlab.progress("status.loadingWeights", _js({"name": name}))
        app.model(name)
        edit = {"files": create_proxy(app.edit_files), "apply": create_proxy(app.edit_apply),
                "reset": create_proxy(app.edit_reset)}
        window.dispatchEvent(CustomEvent.new("digitlab:editor", _js({"detail": edit})))   # saved edits apply now
        for mod in pkgutil.iter_modules(features.__path__):       # each registers its handlers
            importlib.import_module(f"{features.__name__}.{mod.name}")
        api = {"classify": create_proxy(app.classify), "layout": create_proxy(app.layout),
               "call": create_proxy(app.call)}
        # The other models' files are checked after the first update (~30 ms less before the first
        # prediction); a model chosen before then is checked when first used (App.model).
        later = create_once_callable(lambda: _check_the_rest(app))
        first = create_once_callable(lambda _event: window.setTimeout(later, 0))
        window.addEventListener("digitlab:update", first, _js({"once": True}))
        window.digitlab.attach(_js(api))
    except Exception as e:
        window.digitlab.fail(f"Python could not start: {type(e).__name__}: {e}", traceback.format_exc())
        raise
