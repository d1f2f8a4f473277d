"""A time limit for edited code, so an endless loop cannot freeze the page for good.

The page runs Python on the browser's main thread, where nothing can interrupt it from outside
(Pyodide's interrupt buffer needs a worker and SharedArrayBuffer). So the code interrupts itself:
every loop iteration of *edited* code checks a deadline and raises `Overtime` past it.

- Python >= 3.12 (the page's Pyodide): `sys.monitoring` JUMP events, enabled only on the code
  objects compiled from edits (`watch`). Unedited code runs at full speed; a loop in edited code
  pays one small callback per iteration. An `except Exception:` cannot swallow `Overtime` (it is
  a BaseException), and even a bare `except:` inside the loop only delays it by one iteration.
- Python 3.11 (the unit tests): `sys.settrace` with per-opcode events in watched frames only.

Use: `watch(code)` once per compiled edit, `with limit(ms): ...` around each run.

Limits: a single long C call (a huge numpy operation, `sum(itertools.repeat(1))`) runs to its end
or to a MemoryError; code that is not edited is never stopped.
"""

import sys
import time
from contextlib import contextmanager

HAS_MONITORING = hasattr(sys, "monitoring")


class Overtime(BaseException):
    """Raised inside edited code that ran past the guard's limit. BaseException on purpose:
    `except Exception` in the edited code must not swallow it."""

    def __init__(self, limit_ms):
        super().__init__(f"edited code ran for over {limit_ms} ms")
        self.limit_ms = limit_ms


class _State:
    """One per interpreter: sys.monitoring tool ids are a process-wide resource."""
    deadline = float("inf")
    limit_ms = None
    tool = None          # the sys.monitoring tool id, claimed on first watch (3.12+)
    codes = set()        # watched code objects (3.11)


def watch(code):
    """Watch `code` (a module's code object) and every function or class body inside it."""
    for c in _walk(code):
        if HAS_MONITORING:
            m = sys.monitoring
            m.set_local_events(_tool(), c, m.events.JUMP)
        else:
            _State.codes.add(c)


@contextmanager
def limit(ms):
    """Watched code running inside this block raises Overtime once `ms` have passed."""
    outer = (_State.deadline, _State.limit_ms)
    _State.deadline, _State.limit_ms = min(outer[0], time.perf_counter() + ms / 1e3), ms
    tracing = not HAS_MONITORING and _State.codes and sys.gettrace() is None
    if tracing:
        sys.settrace(_trace_call)
    try:
        yield
    finally:
        if tracing:
            sys.settrace(None)
        _State.deadline, _State.limit_ms = outer


def _check(*args):
    if time.perf_counter() > _State.deadline:
        raise Overtime(_State.limit_ms)


def _tool():
    """A free sys.monitoring tool id, claimed once, whose JUMP callback checks the deadline."""
    if _State.tool is None:
        m = sys.monitoring
        _State.tool = next(i for i in (3, 4, 1, 2) if m.get_tool(i) is None)
        m.use_tool_id(_State.tool, "digitlab-guard")
        m.register_callback(_State.tool, m.events.JUMP, _check)
    return _State.tool


def _trace_call(frame, event, arg):
    if frame.f_code not in _State.codes:
        return None
    frame.f_trace_opcodes = True    # 3.11 reports no line event for `while True: pass`
    return _trace_step


def _trace_step(frame, event, arg):
    _check()
    return _trace_step


def _walk(code):
    yield code
    for c in code.co_consts:
        if hasattr(c, "co_code"):
            yield from _walk(c)
