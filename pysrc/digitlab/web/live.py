"""Edit the app's own Python while it runs, in the one interpreter that runs it.

`Live` keeps, per editable file, the original source and the versions that worked. Applying an
edit compiles it, runs it as a fresh module object, swaps that into `sys.modules` and re-binds
every `digitlab` module that referred to the old one (the module itself, or a function or class
it defined), so the next update calls the new code. `on_swap` lets the app rebuild objects that
hold old code (networks made of layer instances, diagrams). A failed edit never replaces the
running version; an update that fails with edited code rolls that file back to its previous
working version and runs again.

A runaway loop is stopped by a time guard (guard.py): edited code that runs past `limit_ms`
in one update raises `Overtime` at its next loop iteration. It cannot stop a single long C call
(one huge numpy operation). No browser imports: the page's bridge wires this to JavaScript.
"""

import linecache
import sys
import traceback
import types
from dataclasses import dataclass, field

from . import guard
from .guard import Overtime

# The editable files: the path shown in the editor -> the module it defines.
FILES = {
    "digitlab/preprocess.py": "digitlab.preprocess",
    "digitlab/core/activations.py": "digitlab.core.activations",
    "digitlab/core/layers.py": "digitlab.core.layers",
    "digitlab/viewmodel.py": "digitlab.viewmodel",
}
# Names the app calls by attribute (app.py, network.py); an edit must keep them.
REQUIRED = {
    "digitlab.preprocess": ("to_mnist", "downscale"),
    "digitlab.core.activations": ("apply", "backward"),
    "digitlab.core.layers": ("layer_from_spec",),
    "digitlab.viewmodel": ("Diagram", "prediction", "percent", "rgba_tiles", "too_small", "doubt"),
}
PACKAGE = "digitlab"
LIMIT_MS = 500      # one update (or an import) of edited code may run this long
EDITED = "edited:"  # filename prefix of edited code, in tracebacks and for the guard


class EditFailed(Exception):
    """An edit could not run; `error` is the dict shown to the user (see `describe`)."""

    def __init__(self, error):
        super().__init__(error["message"])
        self.error = error


@dataclass
class Entry:
    """One editable file. working: sources that ran, oldest first; working[0] is the original."""
    path: str
    name: str
    file: str                  # the original's filename, as its tracebacks show it
    working: list = field(default_factory=list)

    @property
    def original(self):
        return self.working[0]

    @property
    def source(self):
        return self.working[-1]

    @property
    def edited(self):
        return self.source != self.original


class Live:
    """The registry of editable modules. on_swap(): called after any module swap."""

    def __init__(self, files=FILES, on_swap=lambda: None, limit_ms=LIMIT_MS):
        entries = (_entry(p, name) for p, name in files.items())
        self.entries = {e.path: e for e in entries if e is not None}
        self.on_swap, self.limit_ms = on_swap, limit_ms
        self.version = 0
        self.order = []        # paths in the order their current edits were applied

    @property
    def active(self):
        """True while any edited version runs (checks and the guard are on only then)."""
        return any(e.edited for e in self.entries.values())

    def info(self, path):
        e = self.entries[path]
        return {"path": path, "original": e.original, "source": e.source, "edited": e.edited}

    # ---- applying ---------------------------------------------------------------------------

    def apply(self, path, text, probe=lambda: None):
        """Run `text` as the module of `path`; probe() must then succeed (it runs an update).

        -> {"ok", "version", "error"}. On failure the running version stays in place.
        """
        entry = self.entries[path]
        old = sys.modules[entry.name]
        try:
            self._install(entry, text)
        except EditFailed as e:
            return {"ok": False, "version": self.version, "error": e.error}
        try:
            with guard.limit(self.limit_ms):
                probe()
        except BaseException as e:   # noqa: B036 - edited code may raise anything, even SystemExit
            self._swap(entry, sys.modules[entry.name], old, entry.source)
            return {"ok": False, "version": self.version, "error": describe(e, path, "check")}
        if text == entry.original:
            entry.working[1:] = []
        else:
            entry.working.append(text)
        self.order = [p for p in self.order if p != path] + ([path] if entry.edited else [])
        self.version += 1
        return {"ok": True, "version": self.version, "error": None}

    def reset(self, path, probe=lambda: None):
        return self.apply(path, self.entries[path].original, probe)

    def _install(self, entry, text):
        """Compile and execute `text` as a new module object, then swap it in. Raises EditFailed."""
        is_original = text == entry.original
        filename = entry.file if is_original else EDITED + entry.path
        try:
            code = compile(text, filename, "exec")
        except SyntaxError as e:
            raise EditFailed(describe(e, entry.path, "syntax")) from None
        if not is_original:
            linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
            guard.watch(code)
        old = sys.modules[entry.name]
        module = types.ModuleType(entry.name, None)
        module.__file__ = filename
        module.__package__ = entry.name.rpartition(".")[0]
        module.__spec__, module.__loader__ = old.__spec__, old.__loader__
        sys.modules[entry.name] = module     # as an import does: visible while it runs
        try:
            with guard.limit(self.limit_ms):
                exec(code, module.__dict__)
            _check_names(entry, old, module)
        except BaseException as e:   # noqa: B036
            sys.modules[entry.name] = old
            raise EditFailed(describe(e, entry.path, "import")) from None
        self._swap(entry, old, module, text)

    def _swap(self, entry, old, new, text):
        """Put `new` where `old` was, everywhere; the app then rebuilds (on_swap)."""
        sys.modules[entry.name] = new
        rebind(old, new)
        try:
            self.on_swap()
        except BaseException as e:   # noqa: B036 - e.g. an edited layer_from_spec that raises
            sys.modules[entry.name] = old
            rebind(new, old)
            self.on_swap()
            raise EditFailed(describe(e, entry.path, "import")) from None

    # ---- running ----------------------------------------------------------------------------

    def run(self, update, on_rollback=lambda error, path: None):
        """update() under the guard. If edited code fails, roll the file back and run again.

        on_rollback(error, path) is told each time; the caller shows it to the user.
        """
        while True:
            if not self.active:
                return update()
            try:
                with guard.limit(self.limit_ms):
                    return update()
            except BaseException as e:   # noqa: B036
                path = self._blame(e)
                error = describe(e, path, "update")
                self._rollback(self.entries[path])
                on_rollback(error, path)

    def _blame(self, exc):
        """The edited file most likely at fault: its frame in the traceback, else a suspect."""
        edited = [p for p in self.order if self.entries[p].edited]
        frames = traceback.extract_tb(exc.__traceback__)
        for f in reversed(frames):
            if f.filename.startswith(EDITED) and f.filename[len(EDITED):] in edited:
                return f.filename[len(EDITED):]
        suspects = [p for p in getattr(exc, "suspects", ()) if p in edited]
        return (suspects or edited)[-1]

    def _rollback(self, entry):
        """Back to the previous working version; one that no longer runs is dropped too."""
        while len(entry.working) > 1:
            entry.working.pop()
            try:
                self._install(entry, entry.source)
                break
            except EditFailed:
                continue
        if not entry.edited:
            self.order = [p for p in self.order if p != entry.path]


def _entry(path, name):
    """Read the original source of a module from the file it was imported from (its spec keeps
    that file even while an edited version runs). None when there is no such file."""
    __import__(name)
    origin = sys.modules[name].__spec__.origin
    try:
        with open(origin, encoding="utf-8") as f:
            text = f.read()
    except (OSError, TypeError):     # no source file (a frozen or zipped build): not editable
        return None
    return Entry(path, name, origin, [text])


def _defined(module):
    """{id: name} of the functions and classes `module` itself defines."""
    return {id(v): k for k, v in vars(module).items()
            if isinstance(v, (types.FunctionType, type)) and getattr(v, "__module__", None) == module.__name__}


def _dependents(old):
    """[(module, attribute, name in old or None for old itself)] across the package."""
    defined, out = _defined(old), []
    for mod in list(sys.modules.values()):
        if mod is old or not getattr(mod, "__name__", "").startswith(PACKAGE):
            continue
        for attr, v in list(vars(mod).items()):
            if v is old:
                out.append((mod, attr, None))
            elif id(v) in defined and getattr(old, defined[id(v)], None) is v:
                out.append((mod, attr, defined[id(v)]))
    return out


def rebind(old, new):
    """Point every package module's references to `old`, or to what it defined, at `new`'s.

    Only module attributes: copies held elsewhere (instances, default arguments) keep old code.
    """
    for mod, attr, name in _dependents(old):
        if mod is not new:
            setattr(mod, attr, new if name is None else getattr(new, name))


def _check_names(entry, old, new):
    """The edit must still define what the app calls and what other modules imported from it."""
    used = {name: mod.__name__ for mod, _, name in _dependents(old) if name and mod is not new}
    used.update({name: "the page" for name in REQUIRED.get(entry.name, ())})
    missing = sorted(n for n in used if not hasattr(new, n))
    if missing:
        users = ", ".join(f"{n} (used by {used[n]})" for n in missing)
        raise NameError(f"the edited module must still define {users}")


# ---- errors as the user sees them -----------------------------------------------------------

def describe(exc, path, when):
    """An exception -> {"path", "when", "line", "message", "traceback"} (line in `path` or None).

    when: "syntax", "import" (running the module), "check" (the update tried on apply) or
    "update" (a later update). traceback keeps only the package's frames, innermost last.
    """
    if isinstance(exc, SyntaxError) and exc.filename and exc.filename.endswith(path):
        pointer = ""
        if exc.text:
            col = max((exc.offset or 1) - 1, 0)
            pointer = exc.text.rstrip("\n") + "\n" + " " * col + "^"
        return {"path": path, "when": when, "line": exc.lineno,
                "message": f"{type(exc).__name__}: {exc.msg}", "traceback": pointer}
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if _ours(f.filename)]
    mine = [f for f in frames if f.filename == EDITED + path]
    line = mine[-1].lineno if mine else None
    if isinstance(exc, Overtime):
        message = f"Stopped: the edited code ran for over {exc.limit_ms} ms (an endless loop?)"
    else:
        message = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    shown = traceback.StackSummary.from_list(frames[-4:]).format()
    return {"path": path, "when": when, "line": line, "message": message,
            "traceback": "".join(shown).replace(EDITED, "") + message}


def _ours(filename):
    """Frames worth showing: the package's, minus this machinery (web/ and the app's update)."""
    if filename.startswith(EDITED):
        return True
    norm = filename.replace("\\", "/")
    return "/digitlab/" in norm and "/digitlab/web/" not in norm and not norm.endswith("/digitlab/app.py")
