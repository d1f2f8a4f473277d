// Boot the vendored Pyodide in Node with the digitlab package and weights, as the page has them.
//
//   import { bootDigitlab } from "./boot.mjs";
//   const pyodide = await bootDigitlab("dist");   // cwd /home/pyodide: ./digitlab/, ./weights/
//
// Files are placed where PyScript's generated `files` table puts them in the page, so the same
// `models.load(name)` finds its weights. Shared by the Pyodide tests and benchmarks.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

export const HOME = "/home/pyodide";

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

export async function bootDigitlab(dist) {
  dist = resolve(dist);
  const indexURL = join(dist, "vendor", "pyodide") + "/";  // a wheel missing here would go to the CDN
  const { loadPyodide } = await import(pathToFileURL(join(indexURL, "pyodide.mjs")).href);
  const pyodide = await loadPyodide({ indexURL, packages: ["numpy"] });
  copyTree(pyodide, join(dist, "py", "digitlab"), `${HOME}/digitlab`);
  copyTree(pyodide, join(dist, "weights"), `${HOME}/weights`);
  pyodide.runPython(`import os, sys; os.chdir("${HOME}"); sys.path.insert(0, "${HOME}")`);
  return pyodide;
}
