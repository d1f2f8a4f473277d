// Make the page's Python memory snapshot, in Node, from an assembled site folder.
//
//   node buildlib/snapshot.mjs <site dir> <out dir> <model>
//
// Boots the site's own Pyodide with _makeSnapshot, lays out numpy and the PyScript `files` the
// way the page does (same paths, same code: <site>/unzip.mjs), imports numpy and digitlab and
// loads <model> once so every module the first prediction needs is imported, then writes
//   <out>/digitlab.snapshot      the interpreter's memory image (raw; buildlib/snapshot.py packs it)
//   <out>/snapshot.json          what the page needs to restore it (see site/boot.mjs)
// CPython's own dlopen loads numpy's extension modules here, recording their memory and table
// addresses in its records, which the page replays before copying the image in.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [site, out, model] = process.argv.slice(2);
const url = (p) => pathToFileURL(resolve(site, p)).href;
const { unzip, writeTree, runtimeFile } = await import(url("unzip.mjs"));
const { tableFingerprint, SITE_PACKAGES } = await import(url("boot.mjs"));
const indexURL = resolve(site, "vendor/pyodide") + "/";
const { loadPyodide, version } = await import(url("vendor/pyodide/pyodide.mjs"));

const HOME = "/home/pyodide";
// The page's wasm memory settles at ~43.6 MB once every model is loaded and used; restored from a
// 36 MB image it grew by one 20% step at the first heavy use (+7.3 MB inside the soak's window).
// site/boot.mjs grows it to this size right after the restore, which costs a few ms of zeroing.
const WORKING_SET = 43_000_000;
const config = JSON.parse(readFileSync(join(site, "pyscript.json"), "utf8"));
const lock = JSON.parse(readFileSync(join(indexURL, "pyodide-lock.json"), "utf8"));
const packages = config.packages || [];
if (packages.join() !== "numpy") throw new Error(`snapshot supports packages ["numpy"], not ${packages}`);
const wheel = lock.packages.numpy.file_name;

const py = await loadPyodide({ indexURL, _makeSnapshot: true });
const M = py._module;
const tableBefore = M.wasmTable.length;
writeTree(py.FS, SITE_PACKAGES, await unzip(new Uint8Array(readFileSync(join(indexURL, wheel))), runtimeFile));
for (const [src, dest] of Object.entries(config.files || {})) {   // as PyScript writes them
  const path = resolve(HOME, dest);
  py.FS.mkdirTree(path.slice(0, path.lastIndexOf("/")));
  py.FS.writeFile(path, readFileSync(join(site, src)));
}
// Every digitlab module the page ships, except the one that imports from the browser (\`js\`).
const modules = Object.values(config.files || {})
  .filter((dest) => /^\.\/digitlab\/.*\.py$/.test(dest))
  .map((dest) => dest.slice(2, -3).replace(/\/__init__$/, "").replaceAll("/", "."))
  .filter((name) => name !== "digitlab.web.bridge");
py.runPython(`
import gc, importlib, os, sys, time, traceback
os.chdir("${HOME}")
import numpy
from pyodide.ffi import create_proxy, to_js
import html, html.entities, hmac, secrets   # stdlib modules PyScript imports at start (seen in the page)
for name in ${JSON.stringify(modules)}:
    importlib.import_module(name)
from digitlab import models, viewmodel
net = models.load("${model}")
viewmodel.Diagram(net).layout()
del net
gc.collect()
`);
const libs = Object.entries(M.LDSO.loadedLibsByName)
  .filter(([name]) => name !== "__main__")
  .map(([name, dso]) => {
    const entry = Object.entries(M.LDSO.loadedLibsByHandle).find(([, d]) => d === dso);
    if (!entry) throw new Error(`${name} was not loaded by dlopen`);
    return { name, handle: Number(entry[0]) };
  });
const fingerprint = tableFingerprint(M.wasmTable, tableBefore);
const nModules = py.runPython("len(__import__('sys').modules)");
const zeroed = zeroFreeHeap(M);
const image = py.makeMemorySnapshot();
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "digitlab.snapshot"), image);
writeFileSync(join(out, "snapshot.json"), JSON.stringify({
  pyodide: version, image: "digitlab.snapshot", bytes: image.length, wheel, packages,
  model, modules: nModules, libs, table_before: tableBefore, table_fingerprint: fingerprint,
  working_set: WORKING_SET,
}, null, 1) + "\n");
console.log(`snapshot: ${(image.length / 1e6).toFixed(1)} MB image (${(zeroed / 1e6).toFixed(1)} MB of free heap zeroed), ` +
            `${libs.length} extension modules, ${nModules} modules`);

/** Zero the heap's free blocks. Freed memory still holds what was there (the model loaded above,
 *  import-time temporaries), which no compressor can squeeze; zeros cost nothing (gzipped:
 *  9.33 -> 7.65 MB). Every block is borrowed from the allocator and handed back, so its bookkeeping
 *  stays its own; sizes that could make it grow the wasm memory (and the image) are not asked
 *  for. -> bytes zeroed. */
function zeroFreeHeap(M) {
  const memory = M.HEAPU8.length, held = [];
  let zeroed = 0;
  for (let size = 1 << 20; size >= 16; size >>= 1) {
    for (;;) {
      const brk = M._sbrk(0);
      if (2 * size + (1 << 20) > memory - brk) break;           // the top could only come from growing
      const p = M._calloc(size, 1);                             // calloc zeroes it (malloc is not exported)
      if (!p) break;
      held.push(p);
      if (M._sbrk(0) !== brk) break;                            // it came from past the old end: try smaller
      zeroed += size;
    }
  }
  for (const p of held) M._free(p);
  if (M.HEAPU8.length !== memory) console.warn("zeroFreeHeap: the wasm memory grew; the image is larger");
  return zeroed;
}
