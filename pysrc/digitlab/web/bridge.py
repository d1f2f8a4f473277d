"""The one module that touches the browser: JS calls in, plain JS objects out.

The app itself, its update and the editor's logic live in `digitlab.app` (no `js` there); this
module turns JS arguments into Python, the App's dicts and arrays into JS, and the App's
callbacks into the page's events. The page's shim (site/shim.js) gets three functions, exposed
once at start-up:

    classify(alpha, model, full) -> result   alpha: Uint8Array(280 * 280), the pad's ink (255 = ink);
                                             full: false skips the diagram (it is off screen);
                                             result: App.result's keys, plus python_ms and stages
    layout(model) -> layout            the diagram's static frame for a model
    call(name, args) -> result         a function an instrument registered (see `registry`)

and the editor (site/js/editor.js) gets, in a "digitlab:editor" event sent just before, functions
that apply edits of the package's own source to this very interpreter (see `live`):

    files() -> {files: [{path, original, source, edited}], presets, version}
    apply(path, text, model) / reset(path, model) -> {ok, version, error, source}

An update that fails in edited code rolls that file back (the last working version runs on) and
sends a "digitlab:edit-rollback" event with the error. A model whose shipped files are damaged
is reported with window.digitlab.modelFault(name, problem, fallback).

Everything returned is converted with `to_js` into plain JS objects and typed arrays, so JS
never holds a Python proxy from a call and has nothing to destroy; the only proxies are the
long-lived function proxies made in `main`. The argument's JsProxy is released when the call
returns.
"""

import importlib
import pkgutil
import traceback

from js import CustomEvent, Object, window
from pyodide.ffi import create_once_callable, create_proxy, to_js

from ..app import App, Clock
from . import features


def classify(app, alpha, name, full=True):
    """alpha: JS Uint8Array(PAD * PAD) -> JS object (see App.result), plus python_ms and stages."""
    clock = Clock()
    alpha.assign_to(app.pad)
    clock("read")
    out = _js(app.update(name, full, clock))
    clock("convert")
    out.python_ms = clock.total()
    out.stages = _js(clock.stages)
    return out


def call(app, fn_name, args=None):
    """An instrument's registered function: args (a JS object or None) -> JS object."""
    kwargs = args.to_py() if hasattr(args, "to_py") else args
    return _js(app.call(fn_name, kwargs))


def _model_fault(name, problem, fallback):
    window.digitlab.modelFault(name, problem, fallback)


def _rolled_back(detail):
    window.dispatchEvent(CustomEvent.new("digitlab:edit-rollback", _js({"detail": detail})))


def _check_the_rest(app):
    try:
        app.check()
        app.report_faults()
    finally:
        window.digitlab.modelsChecked()


def _js(obj):
    """dicts -> JS objects, lists -> Arrays, numpy arrays -> typed arrays (copied)."""
    return to_js(obj, dict_converter=Object.fromEntries)


def _proxy(fn):
    """A long-lived JS function for fn, its result converted for JS."""
    return create_proxy(lambda *args: _js(fn(*args)))


def main():
    """Load the page's model, hand the editor and then the shim their functions. Errors go to the banner."""
    try:
        app = App(on_fault=_model_fault, on_rollback=_rolled_back)
        window.digitlab.progress("status.checking")   # keys: the shim words them in the page's language
        name = app.fallback(str(window.digitlab.model))  # checks the model asked for, then fallbacks
        app.report_faults()                             # switched off in the picker, named in a banner
        window.digitlab.progress("status.loadingWeights", _js({"name": name}))
        app.model(name)
        edit = {"files": _proxy(app.edit_files), "apply": _proxy(app.edit_apply), "reset": _proxy(app.edit_reset)}
        window.dispatchEvent(CustomEvent.new("digitlab:editor", _js({"detail": edit})))   # saved edits apply now
        for mod in pkgutil.iter_modules(features.__path__):       # each registers its handlers
            importlib.import_module(f"{features.__name__}.{mod.name}")
        api = {"classify": create_proxy(lambda alpha, model, full=True: classify(app, alpha, model, full)),
               "layout": _proxy(app.layout),
               "call": create_proxy(lambda fn_name, args=None: call(app, fn_name, args))}
        # The other models' files are checked after the first update (~30 ms less before the first
        # prediction); a model chosen before then is checked when first used (App.model).
        later = create_once_callable(lambda: _check_the_rest(app))
        first = create_once_callable(lambda _event: window.setTimeout(later, 0))
        window.addEventListener("digitlab:update", first, _js({"once": True}))
        window.digitlab.attach(_js(api))
    except Exception as e:
        window.digitlab.fail(f"Python could not start: {type(e).__name__}: {e}", traceback.format_exc())
        raise
