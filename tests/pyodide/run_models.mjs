// Run digitlab models under real Pyodide in Node, from the vendored runtime in dist/.
//
//   node run_models.mjs <dist> <request.json> <result.json>
//
// request.json: {"models": [arch, ...], "inputs": [[784 floats], ...]}
// result.json:  {"pyodide": version, "python": version, "numpy": version,
//                 "probs": {arch: [[10 floats], ...]}, "errors": {arch: message}}
//
// The package and weights are copied into Pyodide's file system the way PyScript's `files`
// table places them in the page: ./digitlab/ and ./weights/ relative to the working folder.
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [dist, requestPath, resultPath] = process.argv.slice(2).map((p) => resolve(p));
const HOME = "/home/pyodide";

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}

function copyTree(pyodide, from, to) {
  for (const path of walk(from)) {
    const dest = `${to}/${relative(from, path).split("\\").join("/")}`;
    pyodide.FS.mkdirTree(dest.slice(0, dest.lastIndexOf("/")));
    pyodide.FS.writeFile(dest, readFileSync(path));
  }
}

const indexURL = join(dist, "vendor", "pyodide") + "/";
const { loadPyodide } = await import(pathToFileURL(join(indexURL, "pyodide.mjs")).href);
const pyodide = await loadPyodide({ indexURL, packages: ["numpy"] });
copyTree(pyodide, join(dist, "py", "digitlab"), `${HOME}/digitlab`);
copyTree(pyodide, join(dist, "weights"), `${HOME}/weights`);
pyodide.FS.writeFile("/tmp/request.json", readFileSync(requestPath));

const result = pyodide.runPython(`
import json, os, sys
import numpy as np
os.chdir("${HOME}")
sys.path.insert(0, "${HOME}")
from digitlab import models

request = json.load(open("/tmp/request.json"))
x = np.asarray(request["inputs"], np.float32)  # (N, 784)
probs, errors = {}, {}
for name in request["models"]:  # one missing model must not hide the others' results
    try:
        probs[name] = models.load(name).predict_proba(x).tolist()
    except Exception as e:
        errors[name] = f"{type(e).__name__}: {e}"
import pyodide
json.dumps({"pyodide": pyodide.__version__, "python": sys.version.split()[0], "numpy": np.__version__,
            "probs": probs, "errors": errors})
`);
writeFileSync(resultPath, result);
