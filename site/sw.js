// Digit Lab's service worker: after one visit the whole site, Python runtime included, works
// offline, and a repeat visit reads every file from the cache instead of the network.
//
// build.py writes sw-assets.js next to this file: self.DIGITLAB_ASSETS = {build, files}, where
// `build` is a hash of the listed files' contents and `files` is everything the page can load
// (generated from dist/, so it cannot drift). One cache per build, named after it: a new deploy
// changes sw-assets.js, the browser installs this worker again, the new cache is filled, and the
// old one is deleted once the new worker takes over.

importScripts("./sw-assets.js", "./vendor/fzstd/fzstd.js");   // fzstd: self.fzstd, for the snapshot

const { build, files, inflate = [] } = self.DIGITLAB_ASSETS;
const PREFIX = "digitlab-";
const CACHE = PREFIX + build;
const INDEX = new URL("./index.html", self.location).href;
const SCOPE = new URL("./", self.location).href;

self.addEventListener("install", (event) => {
  // "no-cache": revalidate with the server, so a file still fresh in the HTTP cache from an older
  // deploy cannot slip into this build's cache (a 304 costs only headers).
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(files.map((f) => new Request(f, { cache: "no-cache" })));
    // The Python snapshot is kept inflated (its name without .zst / .gz), so visits do not
    // unpack 36 MB on their way to the first prediction.
    for (const packed of inflate) {
      const res = await cache.match(packed);
      const body = packed.endsWith(".zst") ? self.fzstd.decompress(new Uint8Array(await res.arrayBuffer()))
        : res.body.pipeThrough(new DecompressionStream("gzip"));
      await cache.put(packed.replace(/\.(zst|gz)$/, ""),
                      new Response(body, { headers: { "Content-Type": "application/octet-stream" } }));
      await cache.delete(packed);
    }
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

// offline.js, once this worker controls its page, lists what the page loaded before (keepLoaded).
self.addEventListener("message", (event) => {
  const urls = event.data?.keep;
  if (Array.isArray(urls)) event.waitUntil(keep(urls));
});

/** Cache each of `urls` (this site's files) that is not cached yet: fetched again, which the
 *  browser's HTTP cache answers with a revalidation. Skipped: the worker's own scripts and the
 *  packed snapshot, which the cache holds inflated under another name. */
async function keep(urls) {
  const cache = await caches.open(CACHE);
  const skip = new Set(["sw.js", "sw-assets.js", ...inflate].map((f) => new URL(f, SCOPE).href));
  for (const url of urls) {
    if (typeof url !== "string" || !url.startsWith(SCOPE) || skip.has(url.split("?")[0])) continue;
    if (await cache.match(url)) continue;
    try {
      const res = await fetch(url);
      if (res.ok && res.type === "basic") await cache.put(url, res);
    } catch {
      // offline already, or the file is gone: nothing to keep
    }
  }
}

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET" || !req.url.startsWith(SCOPE)) return;   // not ours: the network's
  event.respondWith(respond(req));
});

/** Cache first. A page address (any query, e.g. ?model=cnn) is index.html. A file missing from the
 *  list is fetched and kept, so whatever the page loads while online is there offline too. */
async function respond(req) {
  const cache = await caches.open(CACHE);
  const { origin, pathname } = new URL(req.url);
  const page = req.mode === "navigate" && [SCOPE, INDEX].includes(origin + pathname);
  const hit = await cache.match(page ? INDEX : req, { ignoreSearch: page });
  if (hit) return hit;
  try {
    const res = await fetch(req);
    if (res.ok && res.type === "basic" && !req.headers.has("range")) await cache.put(req, res.clone());
    return res;
  } catch (err) {
    if (page) {
      const index = await cache.match(INDEX);
      if (index) return index;
    }
    throw err;
  }
}
