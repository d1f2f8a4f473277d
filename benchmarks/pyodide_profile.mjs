// benchmarks/preprocess_profile.py under Pyodide in Node, started the ordinary way or, with
// --snapshot, from the site's memory snapshot the way the page starts (site/boot.mjs).
//
//   node benchmarks/pyodide_profile.mjs [dist] [--snapshot] [--code 'python' | --file script.py]
//
// Prints the profile's Markdown table, or the value of --code / of the last line of --file (a
// script on this machine, run in the interpreter after the boot: an A/B of two versions, say).
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { bootDigitlab, HOME } from "../tests/pyodide/boot.mjs";

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : null);
const dist = resolve(args.find((a, i) => !a.startsWith("--") && !["--code", "--file"].includes(args[i - 1])) ?? "dist");
const here = resolve(new URL(".", import.meta.url).pathname);

const pyodide = flag("--snapshot") ? await fromSnapshot(dist) : await bootDigitlab(dist);
pyodide.runPython(`import sys; sys.path.insert(0, ${JSON.stringify(here)})`);
pyodide.FS.mkdirTree(here);
pyodide.FS.writeFile(join(here, "preprocess_profile.py"), readFileSync(join(here, "preprocess_profile.py")));
const code = option("--file") ? readFileSync(option("--file"), "utf8") : option("--code");
console.log(pyodide.runPython(code ?? "import preprocess_profile; preprocess_profile.report()"));
if (!code) {
  // As the page calls it: one update every 16 ms, idle between.
  for (const kwargs of ["noop=True", "reps=1", "reps=5"]) {
    const call = pyodide.runPython(`import preprocess_profile; preprocess_profile.OnePerFrame(${kwargs})`);
    for (let i = 0; i < 240; i++) await new Promise((r) => setTimeout(() => { call(); r(); }, 16));
    console.log(`- one call every 16 ms, idle between (${kwargs}): ${call.summary()}`);
    call.destroy();
  }
  // The same, the CPU kept busy for those 16 ms: spinning on the clock, or writing 8 MB.
  const junk = new Uint8Array(8 << 20);
  for (const [label, between] of [["spinning", () => {}], ["writing 8 MB", (i) => junk.fill(i)]]) {
    const call = pyodide.runPython("import preprocess_profile; preprocess_profile.OnePerFrame(reps=5)");
    for (let i = 0; i < 240; i++) {
      const t = performance.now();
      while (performance.now() - t < 16) between(i);
      call();
    }
    console.log(`- one call every 16 ms, ${label} between (reps=5): ${call.summary()}`);
    call.destroy();
  }
}

/** Start Pyodide from dist/snapshot as site/boot.mjs fromSnapshot() does: numpy's extension
 *  modules instantiated at the recorded addresses, then the image copied in. */
async function fromSnapshot(dist) {
  const url = (p) => pathToFileURL(join(dist, p)).href;
  const { unzip, writeTree, runtimeFile, extensionModule } = await import(url("unzip.mjs"));
  const { decompress } = await import(url("vendor/fzstd/fzstd.mjs"));
  const meta = JSON.parse(readFileSync(join(dist, "snapshot/snapshot.json"), "utf8"));
  const packed = new Uint8Array(readFileSync(join(dist, "snapshot", meta.image)));
  const image = meta.image.endsWith(".zst") ? decompress(packed) : packed;
  const zip = new Uint8Array(readFileSync(join(dist, "vendor/pyodide", meta.wheel)));
  const libs = await unzip(zip, extensionModule);
  const rest = await unzip(zip, (name) => runtimeFile(name) && !extensionModule(name));
  const SITE = "/lib/python3.12/site-packages";
  await import(url("vendor/pyodide/pyodide.asm.js"));        // defines _createPyodideModule
  const create = globalThis._createPyodideModule;
  globalThis._createPyodideModule = (settings) => {
    settings.preRun.push((Module) => {
      Module.addRunDependency("libs");
      restoreLibs(Module).then(() => Module.removeRunDependency("libs"));
    });
    return create(settings);
  };
  const { loadPyodide } = await import(url("vendor/pyodide/pyodide.mjs"));
  const py = await loadPyodide({ indexURL: join(dist, "vendor/pyodide") + "/", _loadSnapshot: image });
  writeTree(py.FS, SITE, rest);
  py.runPython(`import os; os.chdir("${HOME}")`);
  return py;

  async function restoreLibs(Module) {
    writeTree(Module.FS, SITE, libs);
    const heap = new Uint32Array(image.buffer, image.byteOffset, 4)[1];
    for (const { name, handle } of meta.libs) {
      Module.HEAPU8.set(image.subarray(heap + handle, heap + handle + 28), handle);
      Module.HEAPU32[(handle + 28) >> 2] = Module.HEAPU32[(handle + 32) >> 2] = 0;
      const dso = Module.newDSO(name, handle, "loading");
      dso.refcount = 1;
      dso.global = false;
      dso.exports = await Module.loadWebAssemblyModule(libs.get(name.slice(SITE.length + 1)),
        { loadAsync: true, global: false, nodelete: false }, name, {}, handle);
    }
  }
}
