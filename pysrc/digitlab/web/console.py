"""A Python prompt on the running app: the interpreter behind the page's console panel.

Plain Python (numpy, stdlib, digitlab), no `js`: CPython tests drive it exactly as the page does.
The console runs in the app's own interpreter, so `lab.net` is the very network the page uses.

    c = Console(app)
    c.run("lab.probs.argmax()")   -> {more: False, items: [{kind: "out", text: "3\\n"}], draw, changed}
    c.run("for i in range(3):")   -> {more: True, items: []}: the statement goes on, nothing ran
    c.complete("lab.pr")          -> {start: 4, matches: ["probs"]}

Each run's items are what it printed ("out"), its traceback ("err") and what `show` drew
("image": RGBA bytes, "bars": heights and signs, made here: the page only copies them). `draw`
(28*28 uint8, or None) is an image `lab.draw` put on the pad; `changed` says the network in use
may have changed (someone touched `lab.net` or called `lab.update()`), so the page re-reads.

Typed code runs under the editor's time guard (guard.py): a loop in it stops after LIMIT_MS
with a message. What it prints is text; the page never reads it as HTML.
"""

import ast
import code
import linecache
import re
import rlcompleter
from contextlib import redirect_stderr, redirect_stdout

import numpy as np

from .. import preprocess
from ..constants import PAD
from . import guard, show

LIMIT_MS = 3000            # one command may run this long (a forward pass of 10,000 images fits)
MAX_TEXT = 20_000          # characters of output kept per command; the rest is cut with a note
HELP = """\
lab.net     the network in use (the page's own object: change it, then lab.update())
lab.x       the 28x28 input the network reads now        lab.probs   its ten probabilities
lab.trace   the forward pass (lab.trace["h1"].a, .z)   lab.model   the model's name
lab.draw(img)  put a 28x28 (or larger) array on the pad; the page reads it when the command ends
lab.update()   read the drawing again now (after changing weights in place)
show(a)     a 2-D array as an image, 3-D as tiles, 1-D as bars, anything else as text
np          numpy.  Break It's Reset, or a reload, brings back the shipped weights."""


class Lab:
    """The `lab` object of the console: the running app, seen from the prompt."""

    def __init__(self, app, seen):
        self._app, self._seen = app, seen   # seen: Seen, the last update (the hook keeps it)
        self._touched = False
        self._drawn = None

    def __repr__(self):
        return f"<the running lab: model {self.model!r}; help(lab) or lab.help()>"

    def help(self):
        print(HELP)

    @property
    def model(self):
        return self._seen.name

    @property
    def net(self):
        """The network in use. The shipped one is first swapped for a copy, so changes made here
        never reach the shipped weights and Break It's Reset can bring them back."""
        self._touched = True
        return own_copy(self._app, self.model)

    @property
    def x(self):
        """(28, 28) float32, the network's input after the last update (a copy)."""
        return self._seen.x.copy()

    @property
    def trace(self):
        """The last update's forward Trace (batch 1), or None when the pad is blank."""
        return self._seen.trace

    @property
    def probs(self):
        """(10,) float64, the probabilities the page shows, or None when the pad is blank."""
        t = self._seen.trace
        return None if t is None else t.probs[0].astype(np.float64)

    def draw(self, img):
        """Put `img` on the pad: (28, 28) or larger, float in [0, 1] or uint8, ink bright."""
        small = preprocess.downscale(np.asarray(img))          # (28, 28) float32 in [0, 1]
        self._drawn = np.rint(small * 255).astype(np.uint8).reshape(-1)

    def update(self):
        """Read the drawing again with the network as it is now (lab.probs and lab.trace follow)."""
        self._touched = True
        self._app.result(self._app.pad.reshape(PAD, PAD), self.model, full=False)


class Seen:
    """What the last update saw: model name, input x (28, 28) float32, Trace or None."""

    def __init__(self):
        self.name, self.x, self.trace = "", np.zeros((28, 28), np.float32), None


def own_copy(app, name):
    """The network running under `name`; a shipped one is replaced by a copy first."""
    net = app.model(name)[0]
    if net is app.shipped.get(name):
        net = net.copy()
        app.put(name, net)
        app.features.setdefault("console.copies", set()).add(name)
    return net


def heal(app, name):
    """Bring back the shipped weights of `name` if the console made what runs there. -> healed."""
    copies = app.features.get("console.copies", set())
    if name not in copies or name not in app.shipped:
        return False
    copies.discard(name)
    app.restore(name)
    return True


class Console(code.InteractiveInterpreter):
    """One prompt's namespace and history of inputs (for tracebacks), on one app."""

    def __init__(self, app, seen=None, limit_ms=LIMIT_MS):
        self.seen = seen or Seen()
        self.lab = Lab(app, self.seen)
        super().__init__({"lab": self.lab, "np": np, "show": self._show, "__name__": "__console__"})
        self.limit_ms, self.count, self.items = limit_ms, 0, []

    def run(self, source):
        """Run `source` if it is a complete statement. -> {more, items, draw, changed}."""
        self.items, self.lab._touched, self.lab._drawn = [], False, None
        self.count += 1
        name = f"<in {self.count}>"
        linecache.cache[name] = (len(source), None, source.splitlines(True), name)  # tracebacks show lines
        with redirect_stdout(_Sink(self, "out")), redirect_stderr(_Sink(self, "err")):
            more = self._run(source, name)
        if more:
            self.count -= 1
        return {"more": bool(more), "items": self.items, "draw": self.lab._drawn,
                "changed": self.lab._touched}

    def _run(self, source, name):
        """Compile and run; -> True when the statement goes on. Like IPython, a script's last
        expression is echoed, and a one-line compound statement ("while x: x -= 1") runs at once."""
        try:
            body = ast.parse(source, name).body
        except SyntaxError:
            body = None                          # "single" below reports it, or asks for more
        if body and len(body) > 1:
            *rest, last = body
            code_objs = [compile(ast.Module(rest, []), name, "exec")]
            if isinstance(last, ast.Expr):
                code_objs.append(compile(ast.Interactive([last]), name, "single"))
            else:
                code_objs[0] = compile(ast.Module(body, []), name, "exec")
            for c in code_objs:
                if self.runcode(c) is False:
                    break
            return False
        if not self.more(source):
            source += "" if self._complete(source) else "\n"
        return self.runsource(source, name, "single")

    def more(self, source):
        """True when `source` is an unfinished statement (Enter should start a new line)."""
        try:
            if len(ast.parse(source).body) > 1:
                return False
        except SyntaxError:
            pass
        if self._complete(source):
            return False
        # A one-line compound statement ("for i in x: print(i)") is finished, as IPython has it.
        one_line = "\n" not in source.strip() and not source.rstrip().endswith(":")
        return not (one_line and self._complete(source + "\n"))

    def _complete(self, source):
        try:
            return self.compile(source, "<check>", "single") is not None
        except (SyntaxError, ValueError, OverflowError):
            return True           # an error is complete: running it shows the error

    def runcode(self, code_obj):
        """Run one compiled input under the guard. -> False when it failed."""
        guard.watch(code_obj)
        try:
            with guard.limit(self.limit_ms):
                exec(code_obj, self.locals)
            return True
        except guard.Overtime as e:
            self.write(f"Stopped after {e.limit_ms:,} ms: the code ran too long (the same guard as the"
                       " editor's). The page goes on; what the code changed so far stays.\n")
        except SystemExit:
            self.write("SystemExit ignored: the console cannot close the page.\n")
        except BaseException:     # KeyboardInterrupt, MemoryError: report, never take the page down
            self.showtraceback()
        return False

    def write(self, data):
        self.emit("err", data)

    def emit(self, kind, text):
        """Append printed text, merged with the item before when it is of the same kind."""
        if self.items and self.items[-1]["kind"] == kind:
            self.items[-1]["text"] += text
        else:
            self.items.append({"kind": kind, "text": text})
        item = self.items[-1]
        if len(item["text"]) > MAX_TEXT:
            item["text"] = item["text"][:MAX_TEXT] + "\n… (output cut)\n"

    def complete(self, line):
        """Names completing the end of `line`. -> {start: index in line, matches: [str]}."""
        m = re.search(r"[A-Za-z_][\w.]*$|\.?$", line)
        word = m.group(0)
        stem = word.rsplit(".", 1)[-1] if "." in word else word
        found, completer = [], rlcompleter.Completer(self.locals)
        try:
            with guard.limit(self.limit_ms):   # a property typed here may loop
                for state in range(200):
                    match = completer.complete(word, state)
                    if match is None:
                        break
                    found.append(match[len(word) - len(stem):].rstrip("("))
        except BaseException:   # an attribute that fails to evaluate completes to nothing
            found = []
        keep = sorted(set(f for f in found if not f.startswith("_") or stem.startswith("_")))
        return {"start": len(line) - len(stem), "matches": keep}

    def _show(self, a):
        """show(a): an image (2-D), tiles (3-D), bars (1-D) or text, in the console's output."""
        item = show.picture(a)
        if item is None:
            print(repr(a))
        else:
            self.items.append(item)


class _Sink:
    """A text stream that adds what is written to the console's items."""

    def __init__(self, console, kind):
        self.console, self.kind = console, kind

    def write(self, text):
        self.console.emit(self.kind, str(text))
        return len(text)

    def flush(self):
        pass


def examples(net):
    """The one-click examples for `net`, naming its own layers: [{id, code}] (the page words
    each id's label and explanation in its language)."""
    first = net.layers[0]
    hidden = next(l.name for l in net.layers if l.kind in ("dense", "conv2d"))
    if first.kind == "conv2d":
        weights = f'show(lab.net.params["{first.name}"]["W"][:, :, 0, :])   # every kernel'
    else:
        unit = min(17, first.n_out - 1)
        weights = f'show(lab.net.params["{first.name}"]["W"][:, {unit}].reshape(28, 28))   # unit {unit}'
    return [
        {"id": "probs", "code": "show(lab.probs)\nlab.probs.argmax()"},
        {"id": "logits", "code": "lab.trace.logits[0].round(2)"},
        {"id": "weights", "code": weights},
        {"id": "hidden", "code": f'show(lab.trace["{hidden}"].a[0])'},
        {"id": "off", "code": f'lab.net.params["{hidden}"]["W"][:] = 0\nlab.update()\nlab.probs.round(3)'},
        {"id": "input", "code": "show(lab.x)\nlab.x.sum().round(1)"},
    ]
