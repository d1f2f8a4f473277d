// Single-image forward time of every model under real Pyodide (Node), from the built dist/, and
// the preprocessing stages of one update.
//
//   node benchmarks/pyodide_forward.mjs [dist]      (run `python3 build.py build` first)
//
// Prints a Markdown table of medians over 200 calls after a warm-up. Shipped weights are
// used when present; the time does not depend on the values, only on the architecture.
import { resolve } from "node:path";
import { bootDigitlab } from "../tests/pyodide/boot.mjs";   // the same boot the Pyodide tests use

const pyodide = await bootDigitlab(resolve(process.argv[2] ?? "dist"));

console.log(pyodide.runPython(`
import statistics, time
import numpy as np
from digitlab import models

def median_ms(f, n=200):
    for _ in range(20):
        f()
    ts = []
    for _ in range(n):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return 1000 * statistics.median(ts)

x = np.random.default_rng(0).random((1, 28, 28), dtype=np.float32)
rows = ["| model | weights | forward, 1 image (median ms) |", "|---|---|---|"]
for name in models.ARCHS:
    try:
        net, source = models.load(name), "shipped"
    except Exception:
        net, source = models.build(name), "random init"
    rows.append(f"| {name} | {source} | {median_ms(lambda: net.forward(x)):.3f} |")

# Preprocessing a drawn 280x280 pad (a ring, as a 0 is drawn): the stages of every update.
from digitlab import preprocess, segment, viewmodel
yy, xx = np.mgrid[0:280, 0:280]
ring = np.hypot((yy - 140) / 1.3, xx - 140)
pad = (np.clip(1 - np.abs(ring - 70) / 10, 0, 1) * 255).astype(np.uint8)
rows += ["", "| preprocessing, 280x280 pad | median ms |", "|---|---|"]
for label, f in (("to_mnist", lambda: preprocess.to_mnist(pad)), ("downscale (plain preview)", lambda: preprocess.downscale(pad)),
                 ("segment.split (one group)", lambda: segment.split(pad)),
                 ("doubt(downscale)", lambda: viewmodel.doubt(preprocess.downscale(pad)))):
    rows.append(f"| {label} | {median_ms(f):.3f} |")
"\\n".join(rows)
`));
