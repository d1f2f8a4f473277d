// A small reader for .zip archives (Python wheels): stored and deflated entries, no zip64.
// Used by boot.mjs in the page (in a worker: boot-worker.mjs) and by buildlib/snapshot.mjs in
// Node, so both lay out numpy's files identically. Inflating uses the platform's
// DecompressionStream (browsers, Node >= 18).

const EOCD = 0x06054b50, CENTRAL = 0x02014b50, LOCAL = 0x04034b50;

async function inflate(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** bytes: Uint8Array of a zip file -> Map(path -> Uint8Array) of its files (folders skipped),
 *  only those whose path passes keep(path). */
export async function unzip(bytes, keep = () => true) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = bytes.length - 22;                       // the end record sits after the central directory
  while (end >= 0 && view.getUint32(end, true) !== EOCD) end--;
  if (end < 0) throw new Error("not a zip file");
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const decoder = new TextDecoder();
  const jobs = [];
  for (let i = 0; i < count; i++) {
    if (view.getUint32(at, true) !== CENTRAL) throw new Error("damaged zip directory");
    const method = view.getUint16(at + 10, true);
    const size = view.getUint32(at + 20, true);
    const nameLen = view.getUint16(at + 28, true);
    const skip = nameLen + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
    const local = view.getUint32(at + 42, true);
    const name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLen));
    at += 46 + skip;
    if (name.endsWith("/") || !keep(name)) continue;
    if (view.getUint32(local, true) !== LOCAL) throw new Error(`damaged zip entry ${name}`);
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const data = bytes.subarray(start, start + size);
    if (method !== 0 && method !== 8) throw new Error(`zip entry ${name}: unsupported method ${method}`);
    jobs.push((method === 8 ? inflate(data) : Promise.resolve(data.slice())).then((d) => [name, d]));
  }
  return new Map(await Promise.all(jobs));
}

/** Which of a wheel's files Python can need at run time (not type stubs, C headers, Cython
 *  declarations), and which of those must exist before a snapshot is restored (extension modules). */
export const runtimeFile = (name) => !/\.(pyi|h|pxd)$/.test(name);
export const extensionModule = (name) => name.endsWith(".so");

/** url -> Uint8Array of its body, unpacked on the way when `encoding` is "gzip" (the browser's
 *  own gunzip) or "zstd" (fzstd, vendored by build.py: buildlib/zstd.py). */
export async function fetchBytes(url, encoding = null) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  if (encoding === "zstd") {
    const [{ decompress }, packed] = await Promise.all([import(FZSTD), res.arrayBuffer()]);
    return decompress(new Uint8Array(packed));
  }
  const body = encoding === "gzip" ? res.body.pipeThrough(new DecompressionStream("gzip")) : res.body;
  return new Uint8Array(await new Response(body).arrayBuffer());
}

const FZSTD = new URL("./vendor/fzstd/fzstd.mjs", import.meta.url).href;

/** How a packed file is encoded, by its name: "zstd", "gzip" or null (as it is). */
export const encodingOf = (name) => (name.endsWith(".zst") ? "zstd" : name.endsWith(".gz") ? "gzip" : null);

/** Write every file of `files` (Map path -> bytes) under `root` in an Emscripten FS. */
export function writeTree(FS, root, files) {
  for (const [name, data] of files) {
    const path = `${root}/${name}`;
    FS.mkdirTree(path.slice(0, path.lastIndexOf("/")));
    FS.writeFile(path, data);
  }
}
