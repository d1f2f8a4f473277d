"""The app and its update, in plain Python: numpy and digitlab, never `js` (see web/bridge.py).

`App` keeps the loaded models (checked on first use, a damaged one replaced by its fallback),
runs one update of the pad (`update`, `result`), dispatches the instruments' registered
functions (`call`) and applies the editor's edits (`edit_apply`, with `web.live`). Everything it
returns is a dict of JSON-safe values and numpy arrays; the bridge converts that for JS.

What the page must hear of goes through callbacks given to the App, so CPython can watch them:

    on_fault(name, problem, fallback)   a model's shipped files are damaged; fallback runs instead
    on_rollback(detail)                 edited code failed in an update and was rolled back;
                                        detail: {error, path, source} (the file's running source)

`render` draws any network on any input the way an update does; Break It's panels use it too.
"""

import time
import zipfile

import numpy as np

from . import models, preprocess, viewmodel, weights
from . import constants
from .constants import PAD
from .core import Network
from .web import checks, live, presets, registry

FALLBACK = constants.BY_ACCURACY   # most accurate first


def _ignore(*args):
    pass


class App:
    """Loaded models (lazily, cached) and the per-update pipeline."""

    def __init__(self, on_fault=_ignore, on_rollback=_ignore):
        self.nets = {}                                   # name -> (Network, Diagram)
        self.shipped = {}                                # name -> the Network loaded from weights/
        self.specs = {}                                  # name -> (layer specs, input shape, params)
        self.pad = np.zeros(PAD * PAD, np.uint8)         # reused buffer for the pad's pixels
        self.live = live.Live(on_swap=self.rebuild)      # the editable modules
        self.faults = {}                                 # name -> what is wrong with its shipped files
        self.told = set()                                # names of faults the page has been told of
        self.on_fault, self.on_rollback = on_fault, on_rollback
        self.features = {}                               # instrument key -> its state (registry.state)

    # ---- models -------------------------------------------------------------------------------

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
                self.faults[name] = problem(name, e)
        return not any(n in self.faults for n in names)

    def fallback(self, name):
        """The most accurate model whose files are good, instead of `name` (checked as needed)."""
        for other in (name, *FALLBACK):
            if other in models.ARCHS and self.check([other]):
                return other
        raise weights.WeightsError("no model's files could be loaded: " + "; ".join(self.faults.values()))

    def report_faults(self):
        """Tell the page (on_fault) of each damaged model not told yet: it is switched off in the
        picker and named in a banner; the page moves to the fallback if it was the model in use."""
        while untold := [n for n in self.faults if n not in self.told]:
            for bad in untold:
                self.told.add(bad)
                self.on_fault(bad, self.faults[bad], self.fallback(bad))

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

    # ---- what the page calls ------------------------------------------------------------------

    def layout(self, name):
        """The diagram's static frame for `name` (viewmodel.Diagram.layout)."""
        return self.live.run(lambda: self.model(name)[1].layout(), self.rolled_back)

    def update(self, name, full=True, clock=None):
        """One update of the drawing in self.pad (see `result`); edited code that fails in it is
        rolled back and the update runs again."""
        clock = clock or Clock()
        img = self.pad.reshape(PAD, PAD)
        return self.live.run(lambda: self.result(img, name, bool(full), clock), self.rolled_back)

    def result(self, img, name, full=True, clock=lambda stage: None, check=False):
        """img (PAD, PAD) uint8 -> dict of JSON-safe values and numpy arrays (-> typed arrays).

        model: the name asked for; prediction {digit, confidence, pct, state, reason?} (no words:
        the page words it); probs (10,) float64 or None; percent; input (784,) float32, what the
        network reads; images {"input", "drawn": 28x28 RGBA bytes, and when full, each diagram
        column id: its tiles' RGBA bytes};
        view: the diagram's view model (viewmodel.Diagram.view, packed) when full, else None.
        The registered hooks (registry.on_result) may add keys; they run before the packing, so
        they read the view's column tables as the view model made them. check: check what the
        code returns even if no edit runs yet (the probe of an edit being applied).
        """
        net, diagram = self.model(name)
        checking = check or self.live.active             # edited code runs: check what it returns
        x, drawn = inputs(img, checking)
        clock("preprocess")
        shown, trace = render(net, diagram, x, drawn, full, checking, clock)
        images = shown["images"]
        # The diagram's input column is the same picture of x, when the diagram was drawn.
        images["input"] = images.get("in")
        if images["input"] is None:
            images["input"] = rgba_bytes(viewmodel.rgba_tiles(x[:, :, None], ink=True))
        images["drawn"] = rgba_bytes(viewmodel.rgba_tiles(drawn[:, :, None], ink=True))
        clock("images")
        out = {"model": name, "prediction": shown["prediction"], "probs": shown["probs"],
               "percent": shown["percent"], "input": x.reshape(-1), "view": shown["view"], "images": images}
        for hook in registry.HOOKS:
            hook(self, name, img, x, trace, out)
        clock("hooks")
        if out["view"] is not None:
            out["view"] = packed(out["view"])
            clock("pack")
        return out

    def call(self, fn_name, kwargs=None):
        """An instrument's registered function (see `registry`): kwargs dict or None -> its result."""
        fn = registry.HANDLERS.get(str(fn_name))
        if fn is None:
            raise KeyError(f"no Python function is registered as {fn_name!r}")
        return fn(self, **dict(kwargs or {}))

    # ---- the editor: edits of the package's own source, run in this interpreter (see live) ----

    def edit_files(self):
        """-> {files: [{path, original, source, edited}], presets, version}."""
        originals = {p: e.original for p, e in self.live.entries.items()}
        return {"files": [self.live.info(p) for p in self.live.entries],
                "presets": presets.listing(originals), "version": self.live.version}

    def edit_apply(self, path, text, name):
        """Run `text` as the module of `path`; the drawing and a probe stroke must then update.
        -> {ok, version, error, source}."""
        return self._edited(path, self.live.apply(path, text, lambda: self.probe(name)))

    def edit_reset(self, path, name):
        return self._edited(path, self.live.reset(path, lambda: self.probe(name)))

    def _edited(self, path, res):
        return {**res, "source": self.live.entries[path].source}

    def probe(self, name):
        """The activations on a test array, then one full update of the current drawing and of a
        probe stroke (never blank), checked: the edit being tried does not count as running yet
        (live.active), and unchecked a wrong shape would read as a numpy error far from its cause."""
        checks.activation_functions()
        self.model(name)[1].layout()
        for img in (self.pad.reshape(PAD, PAD), checks.probe_image(PAD)):
            self.result(img, name, check=True)

    def rolled_back(self, error, path):
        """Edited code failed in an update and `path` went back to its last working version."""
        self.on_rollback({"error": error, "path": path, "source": self.live.entries[path].source})


# ---- one update's steps -------------------------------------------------------------------------

def inputs(img, checking=False):
    """img (PAD, PAD) uint8 pad pixels -> (x, drawn): x (28, 28) float32, the network's input
    (zeros when blank); drawn (28, 28) in [0, 1], the whole pad shrunk, which `viewmodel.doubt`
    reads. checking: edited code runs, so check what it returned."""
    x, drawn = preprocess.to_mnist(img), preprocess.downscale(img)
    if checking:
        checks.images(x, drawn)
    return x, drawn


def render(net, diagram, x, drawn, full=True, checking=False, clock=lambda stage: None):
    """`net` on one drawing, as an update shows it. -> (shown, trace).

    diagram: viewmodel.Diagram of net; x (28, 28) float32 network input; drawn (28, 28) the pad
    shrunk whole (for the doubt: ink too small, a blob or a dash reads "unsure").
    shown: {prediction, probs (10,) float64 or None when blank, percent, view or None,
    images {diagram column id: RGBA bytes}}, view and images only when full. view is
    Diagram.view's dict, its tables unpacked: `packed(view)` is what crosses to JS.
    trace: net's Trace on x, None when blank.
    """
    ink = bool(x.any())                                  # same threshold as preprocess.has_ink
    trace = net.forward(x.reshape(1, 784)) if ink else None
    if checking and ink:
        checks.trace(trace, net)
    probs = trace.probs[0].astype(np.float64) if ink else None
    clock("forward")
    view, images = _diagram(diagram, trace, checking, clock) if full else (None, {})
    pred, percent = viewmodel.prediction(probs, ink, viewmodel.doubt(drawn)), viewmodel.percent(probs)
    if checking:
        checks.prediction(pred, percent)
    return {"prediction": pred, "probs": probs, "percent": percent, "view": view, "images": images}, trace


def _diagram(diagram, trace, checking, clock):
    """-> (view, {column id: RGBA bytes}) of trace (None: blank)."""
    view = diagram.view(trace)
    if checking:
        checks.view(view)
    clock("view")
    images = diagram.images(trace)
    if checking:
        checks.tiles(images)
    return view, {k: rgba_bytes(v) for k, v in images.items()}


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


def packed(view):
    """A view model with its node and link tables packed for JS (a new dict; view is kept)."""
    return {**view, "nodes": pack(view["nodes"]), "links": pack(view["links"])}


def pack(table):
    """A column table -> {"ids": "id\\nid…", "cols": [names], "data": (cols × n) float64, flat}.

    One string and one typed array cross into JS instead of hundreds of strings and a dozen
    arrays; the shim splits them again (site/js/diagram.js `unpack`).
    """
    cols = [k for k in table if k != "id"]
    return {"ids": "\n".join(table["id"]), "cols": cols,
            "data": np.stack([table[k] for k in cols]).reshape(-1)}


def rgba_bytes(rgba):
    """(…) uint32 RGBA pixels -> flat uint8 bytes (a Uint8Array in JS)."""
    return rgba.reshape(-1).view(np.uint8)


def problem(name, err):
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
