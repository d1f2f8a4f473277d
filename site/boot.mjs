// How the page starts Python: PyScript's interpreter module ("interpreter": "./boot.mjs" in
// pyscript.json). PyScript calls loadPyodide(options) from here exactly as it would call
// Pyodide's own, so everything else about PyScript stays as it is.
//
// Python starts from a memory snapshot made at build time (buildlib/snapshot.mjs) in which numpy
// and digitlab are already imported: the interpreter's start-up and both imports are skipped.
// Pyodide 0.27 can snapshot only a bare interpreter; numpy's compiled extension modules live
// outside the memory image, so before the image is copied in they are instantiated again at the
// very memory and table addresses the snapshot recorded (their data is then overwritten by the
// image, which holds their state). Any mismatch, or anything missing, falls back to a normal start.

import * as pyodide from "./vendor/pyodide/pyodide.mjs";
import { encodingOf, extensionModule, fetchBytes, runtimeFile, unzip, writeTree } from "./unzip.mjs";

export const version = pyodide.version;
const INDEX = new URL("./vendor/pyodide/", import.meta.url).href;
export const SNAPSHOT = new URL("./snapshot/snapshot.json", import.meta.url).href;
export const SITE_PACKAGES = "/lib/python3.12/site-packages";
const inBrowser = typeof window !== "undefined";
// The first visit starts from the snapshot too: measured side by side (benchmarks/levers.py),
// the first prediction comes at ~2.1 s instead of ~3.5 s, and with the image packed as zstd
// (5.5 MB) the bytes before it stay under 18 MB. false: a first visit starts Python the
// ordinary way and only later visits use the snapshot, once the service worker holds it.
const FIRST_VISIT = true;

// Started as soon as PyScript imports this module, before it calls loadPyodide. (Loading this
// module from index.html, to start ~0.3 s sooner, together with compiling the wasm ahead
// (compileStreaming), was measured and dropped: no gain on a cold or a repeat visit; Chromium
// compiles the wasm lazily, function by function, as Python's start-up first calls them.)
const mark = (name) => (value) => { performance.mark(`digitlab:boot:${name}`); return value; };
const early = inBrowser ? {
  asm: import(INDEX + "pyodide.asm.js").then(mark("asm.js loaded")),   // defines _createPyodideModule
  snapshot: cachedSnapshot().then((meta) => meta && fetchSnapshot(meta)).then(mark("snapshot read")),
} : null;
early?.snapshot.catch(() => {});

export async function loadPyodide(options = {}) {
  options = { ...options, indexURL: INDEX };        // PyScript's guess is this file's folder
  if (!early) return pyodide.loadPyodide(options);
  const snapshot = await early.snapshot.catch((err) => {
    console.warn("Digit Lab: the snapshot could not be read:", err);
    return null;
  });
  if (snapshot) {
    try {
      const t0 = performance.now();
      const py = await fromSnapshot(options, snapshot);
      performance.measure("digitlab:snapshot", { start: t0 });
      return py;
    } catch (err) {
      console.warn("Digit Lab: starting Python without the snapshot:", err);
    }
  }
  return watched(() => pyodide.loadPyodide(options));
}

/** Run start() with Pyodide's module factory wrapped so that preRun(Module) runs once the wasm
 *  is instantiated, before the runtime starts. */
async function withHooks(start, preRun) {
  await early.asm;
  const create = globalThis._createPyodideModule;
  globalThis._createPyodideModule = (settings) => {
    settings.preRun.push(preRun);
    return create(settings);
  };
  try {
    return await watched(start);
  } finally {
    globalThis._createPyodideModule = create;
  }
}

/** start()'s result, or its wasm's failure: Pyodide 0.27 only logs a wasm that fails to download
 *  or instantiate and then waits forever, so its instantiateStreaming call is watched. */
async function watched(start) {
  const streaming = WebAssembly.instantiateStreaming;
  let failed;
  const failure = new Promise((_, reject) => { failed = reject; });
  WebAssembly.instantiateStreaming = (source, imports) => {
    const instantiated = streaming.call(WebAssembly, source, imports);
    instantiated.catch(failed);
    return instantiated;
  };
  try {
    return await Promise.race([start(), failure]);
  } finally {
    WebAssembly.instantiateStreaming = streaming;
  }
}

/** The snapshot's description and where to read its image: the service worker's inflated copy
 *  when it has one, else the packed file (zstd or gzip, by its name), fetched on a first visit
 *  only when FIRST_VISIT. null when there is no snapshot to use. */
async function cachedSnapshot() {
  if (!FIRST_VISIT && (typeof caches === "undefined" || !(await caches.match(SNAPSHOT)))) return null;
  const res = await fetch(SNAPSHOT);
  if (!res.ok) return null;
  const meta = await res.json();
  const packed = new URL(meta.image, SNAPSHOT).href;
  const encoding = encodingOf(packed);
  // The service worker keeps the image inflated, under its name without ".zst" / ".gz".
  const inflated = packed.replace(/\.(zst|gz)$/, "");
  if (encoding && typeof caches !== "undefined" && await caches.match(inflated)) {
    return { ...meta, url: inflated, encoding: null };
  }
  return FIRST_VISIT || await caches.match(packed) ? { ...meta, url: packed, encoding } : null;
}

/** -> {meta, image: the memory image, libs: numpy's extension modules (Map path -> bytes), rest:
 *  a promise of numpy's other files}. Inflating is done in a worker, off the main thread. */
async function fetchSnapshot(meta) {
  const urls = { image: meta.url, encoding: meta.encoding, wheel: INDEX + meta.wheel };
  if (typeof Worker === "undefined") return { meta, ...(await readHere(urls)) };
  const worker = new Worker(new URL("./boot-worker.mjs", import.meta.url), { type: "module" });
  let first, rest;
  const firstPart = new Promise((resolve, reject) => { first = { resolve, reject }; });
  const restPart = new Promise((resolve, reject) => { rest = { resolve, reject }; });
  restPart.catch(() => {});
  worker.onmessage = ({ data }) => {
    if (data.error) { first.reject(new Error(data.error)); rest.reject(new Error(data.error)); }
    else if (data.rest) { rest.resolve(data.rest); worker.terminate(); }
    else first.resolve(data);
  };
  worker.onerror = (e) => first.reject(new Error(e.message || "the snapshot worker failed"));
  worker.postMessage(urls);
  return { meta, ...(await firstPart), rest: restPart };
}

/** The worker's job, on this thread. urls: {image, encoding, wheel} -> {image, libs, rest}. */
export async function readHere({ image, encoding, wheel }) {
  const [bytes, zip] = await Promise.all([fetchBytes(image, encoding), fetchBytes(wheel)]);
  const libs = await unzip(zip, extensionModule);
  return { image: bytes, libs, rest: unzip(zip, (name) => runtimeFile(name) && !extensionModule(name)) };
}

async function fromSnapshot(options, { meta, image, libs, rest }) {
  let failed;
  const failure = new Promise((_, reject) => { failed = reject; });
  const preRun = (Module) => {
    Module.addRunDependency("digitlab-dynlibs");
    restoreLibs(Module, image, meta, libs).then(() => Module.removeRunDependency("digitlab-dynlibs"), failed);
  };
  const packages = (options.packages || []).filter((p) => !meta.packages.includes(p));
  const py = await withHooks(() => Promise.race(
    [pyodide.loadPyodide({ ...options, packages, _loadSnapshot: image }), failure]), preRun);
  writeTree(py.FS, SITE_PACKAGES, await rest);      // numpy's .py files, for imports not yet made
  growTo(py._module, meta.working_set || 0);
  for (const p of meta.packages) py.loadedPackages[p] = "snapshot";
  // The image froze the random seeds it was made with; draw fresh ones for this visit. numpy's
  // random module is not in the image (numpy imports it lazily; importing it here cost ~25 ms of
  // start-up), and seeds itself afresh on its first use.
  py.runPython("import random, sys\nrandom.seed()\nif 'numpy.random' in sys.modules: sys.modules['numpy.random'].seed()");
  return py;
}

/** Grow the wasm memory to `bytes` now, while it is cheap, rather than by one 20% step at the
 *  first heavy use (see buildlib/snapshot.mjs WORKING_SET). */
function growTo(Module, bytes) {
  if (Module.HEAPU8.length >= bytes) return;
  const p = Module._calloc(bytes - Module._sbrk(0), 1);
  if (p) Module._free(p);
}

/** Put numpy's extension modules back and instantiate them where the snapshot had them. */
async function restoreLibs(Module, image, meta, files) {
  writeTree(Module.FS, SITE_PACKAGES, files);
  if (Module.wasmTable.length !== meta.table_before) throw new Error("function table differs from the snapshot's");
  const heap = new Uint32Array(image.buffer, image.byteOffset, 4)[1];   // the image's header: [magic, heap offset, ...]
  for (const { name, handle } of meta.libs) {
    // The library's record as the snapshot holds it: allocated, memory and table base and size.
    Module.HEAPU8.set(image.subarray(heap + handle, heap + handle + 28), handle);
    Module.HEAPU32[(handle + 28) >> 2] = Module.HEAPU32[(handle + 32) >> 2] = 0;
    const bytes = files.get(name.slice(SITE_PACKAGES.length + 1));
    if (!bytes) throw new Error(`${name} is not in the wheel`);
    const dso = Module.newDSO(name, handle, "loading");
    dso.refcount = 1;                                 // as CPython's dlopen(RTLD_NOW) left it
    dso.global = false;
    const scope = {};
    dso.exports = await Module.loadWebAssemblyModule(
      bytes, { loadAsync: true, global: false, nodelete: false }, name, scope, handle);
  }
  if (tableFingerprint(Module.wasmTable, meta.table_before) !== meta.table_fingerprint) {
    throw new Error("extension modules landed elsewhere than in the snapshot");
  }
}

/** A hash of which function sits in each table slot from `from` on (FNV-1a over the names). */
export function tableFingerprint(table, from) {
  let h = 0x811c9dc5;
  for (let i = from; i < table.length; i++) {
    const f = table.get(i);
    const s = `${i}:${f ? f.name : "-"};`;
    for (let k = 0; k < s.length; k++) h = Math.imul(h ^ s.charCodeAt(k), 0x01000193) >>> 0;
  }
  return `${table.length}:${h.toString(16)}`;
}
