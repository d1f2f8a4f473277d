// Single-image forward time of every model under real Pyodide (Node), from the built dist/.
//
//   node benchmarks/pyodide_forward.mjs [dist]      (run `python3 build.py build` first)
//
// Prints a Markdown table of medians over 200 calls after a warm-up. Shipped weights are
// used when present; the time does not depend on the values, only on the architecture.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const dist = resolve(process.argv[2] ?? "dist");
const HOME = "/home/pyodide";

function copyTree(pyodide, from, to) {
  for (const name of readdirSync(from)) {
    const src = join(from, name);
    if (statSync(src).isDirectory()) copyTree(pyodide, src, `${to}/${name}`);
    else {
      pyodide.FS.mkdirTree(to);
      pyodide.FS.writeFile(`${to}/${name}`, readFileSync(src));
    }
  }
}

const indexURL = join(dist, "vendor", "pyodide") + "/";
const { loadPyodide } = await import(pathToFileURL(join(indexURL, "pyodide.mjs")).href);
const pyodide = await loadPyodide({ indexURL, packages: ["numpy"] });
copyTree(pyodide, join(dist, "py", "digitlab"), `${HOME}/digitlab`);
copyTree(pyodide, join(dist, "weights"), `${HOME}/weights`);

console.log(pyodide.runPython(`
import os, statistics, sys, time
import numpy as np
os.chdir("${HOME}"); sys.path.insert(0, "${HOME}")
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
"\\n".join(rows)
`));
