"""Debug probes for the soak test (tests/e2e/test_soak.py): how much memory Python's side holds.

    await digitlab.call("debug.memory")  ->  {wasm_heap, objects}

wasm_heap is the size of the WebAssembly linear memory Pyodide runs in (bytes; it only grows),
read through ctypes from emscripten's own counter, so this module needs no `js` import. Under
CPython there is no such heap and it is None. objects counts what Python's collector tracks
after a collection: a leak of per-call proxies or arrays shows there first.
"""

import ctypes
import gc

from ..registry import handler

_libc = None


def wasm_heap_bytes():
    """The wasm memory's size in bytes, or None outside Pyodide."""
    global _libc
    try:
        _libc = _libc or ctypes.CDLL(None)
        return int(_libc.emscripten_get_heap_size())
    except (AttributeError, OSError):
        return None


@handler("debug.memory")
def memory(app, collect=True):
    if collect:
        gc.collect()
    return {"wasm_heap": wasm_heap_bytes(), "objects": len(gc.get_objects())}
