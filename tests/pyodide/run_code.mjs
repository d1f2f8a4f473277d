// Run a Python snippet under the vendored Pyodide with digitlab booted as the page has it, and
// print what its last expression evaluates to (a JSON string).
//
//   node tests/pyodide/run_code.mjs dist snippet.py
import { readFileSync } from "node:fs";
import { bootDigitlab } from "./boot.mjs";

const [dist, file] = process.argv.slice(2);
const pyodide = await bootDigitlab(dist);
console.log(pyodide.runPython(readFileSync(file, "utf8")));
