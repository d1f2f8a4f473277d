"""What the import checks cost: the shipped cnn taken through train.import, step by step.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/import_checks.py          # CPython
    node tests/pyodide/run_code.mjs dist benchmarks/import_checks.py            # Pyodide (Node)

Prints one JSON line: the median milliseconds of 25 runs of each step (weightcheck's manifest
and shape checks, reading the npz through the checked zip reader, the whole weights.load, the
probe on real digits, the diagram drawn once, and the complete train.import).
"""

import hashlib
import json
import statistics
import sys
import time

from digitlab import models, viewmodel, weightcheck, weights
from digitlab.app import App
from digitlab.web.features import train_io


def median_ms(fn, runs=25):
    fn()                                                   # warm: first-call imports and caches
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(times), 2)


def main():
    folder = models.weights_dir()
    data, text = (folder / "cnn.npz").read_bytes(), (folder / "cnn.json").read_text()
    m = json.loads(text)
    net, _ = weights.load(folder / "cnn.npz")
    expected = {f"{l.name}.{k}": s for l in net.layers for k, s in l.param_shapes().items()}
    app = App()
    assert hashlib.sha256(data).hexdigest() == m["npz_sha256"]
    out = {
        "manifest text + fields + shapes": median_ms(lambda: (weightcheck.manifest_text(text),
                                                               weightcheck.costs(m["layers"], weightcheck.manifest(m)))),
        "npz through the checked reader": median_ms(lambda: weightcheck.read_npz(data, expected)),
        "weights.load (all of it)": median_ms(lambda: weights.load(folder / "cnn.npz")),
        "probe on real digits": median_ms(lambda: weights.probe(net, "cnn")),
        "diagram drawn once": median_ms(lambda: viewmodel.Diagram(net).view(net.forward(net.prepare([[0.5] * 784])))),
        "train.import (complete)": median_ms(lambda: train_io.import_(app, data, text, "cnn.npz")),
    }
    return json.dumps(out)


result = main()
if __name__ == "__main__" and sys.platform != "emscripten":   # Node prints the last value itself
    print(result)
result
