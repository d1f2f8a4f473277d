// Run digitlab models under real Pyodide in Node, from the vendored runtime in dist/.
//
//   node run_models.mjs <dist> <request.json> <result.json>
//
// request.json: {"models": [arch, ...], "inputs": [[784 floats], ...]}
// result.json:  {"pyodide": version, "python": version, "numpy": version,
//                 "probs": {arch: [[10 floats], ...]}, "errors": {arch: message}}
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { bootDigitlab } from "./boot.mjs";

const [dist, requestPath, resultPath] = process.argv.slice(2).map((p) => resolve(p));
const pyodide = await bootDigitlab(dist);
pyodide.FS.writeFile("/tmp/request.json", readFileSync(requestPath));

const result = pyodide.runPython(`
import json, sys
import numpy as np
import pyodide
from digitlab import models

request = json.load(open("/tmp/request.json"))
x = np.asarray(request["inputs"], np.float32)  # (N, 784)
probs, errors = {}, {}
for name in request["models"]:  # one missing model must not hide the others' results
    try:
        probs[name] = models.load(name).predict_proba(x).tolist()
    except Exception as e:
        errors[name] = f"{type(e).__name__}: {e}"
json.dumps({"pyodide": pyodide.__version__, "python": sys.version.split()[0], "numpy": np.__version__,
            "probs": probs, "errors": errors})
`);
writeFileSync(resultPath, result);
