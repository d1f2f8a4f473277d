// Digit Lab's service worker: after one visit the whole site, Python runtime included, works
// offline, and a repeat visit reads every file from the cache instead of the network.
//
// build.py writes sw-assets.js next to this file: self.DIGITLAB_ASSETS = {build, files, inflate},
// where `files` maps every file the page can load (lazily loaded ones too: KaTeX, the data sets,
// the code view's chunks) to its sha256, and `build` is a hash of all of them. One cache per build,
// named after it, filled at install only with files whose bytes have the listed hash: a deploy
// still being uploaded (new list, some old files) fails to install and is tried again later, so
// no cache ever holds a mix of two builds.
//
// A new deploy: the browser installs this worker again, the new cache is filled and checked, and
// the new worker takes over at once. Tabs already open keep reading the build they started with:
// each document is noted with its build when its page is served (OWNERS), every later request of
// that document is answered from that build's cache, and a build's cache is deleted only when no
// open tab uses it. A reload starts on the newest build; offline.js offers it in the footer.

importScripts("./sw-assets.js", "./vendor/fzstd/fzstd.js");   // fzstd: self.fzstd, for the snapshot

const { build, files, inflate = [] } = self.DIGITLAB_ASSETS;
const PREFIX = "digitlab-";
const CACHE = PREFIX + build;
const OWNERS = "digitlab:owners";       // a small table in the Cache API: client id -> its build
const INDEX = new URL("./index.html", self.location).href;
const SCOPE = new URL("./", self.location).href;
const VERSION = "./version.json";
const PARALLEL = 4;                     // install fetches at a time

self.addEventListener("install", (event) => {
  event.waitUntil(fill().then(() => self.skipWaiting(), async (err) => {
    await caches.delete(CACHE);         // nothing half-checked stays behind
    throw err;
  }));
});

/** Fetch every file of this build, check its sha256, keep it; throw at the first mismatch.
 *  "no-cache": revalidate with the server, so a file still fresh in the HTTP cache from an older
 *  deploy is not taken for this one (a 304 costs only headers). */
async function fill() {
  const cache = await caches.open(CACHE);
  const todo = Object.entries(files);
  const worker = async () => {
    for (let next = todo.pop(); next; next = todo.pop()) await keep(cache, ...next);
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  const res = await fetch(new Request(VERSION, { cache: "no-cache" }));
  const stamp = await res.clone().json();
  if (stamp.build !== build) throw new Error(`version.json names build ${stamp.build}, not ${build}`);
  await cache.put(VERSION, res);
}

async function keep(cache, url, sha256) {
  const res = await fetch(new Request(url, { cache: "no-cache" }));
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const got = [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))]
    .map((b) => b.toString(16).padStart(2, "0")).join("");
  if (got !== sha256) throw new Error(`${url} is not the file of build ${build} (a deploy in progress?)`);
  // The Python snapshot is kept inflated (its name without .zst / .gz), so visits do not unpack
  // 36 MB on their way to the first prediction.
  if (inflate.includes(url)) {
    const body = url.endsWith(".zst") ? self.fzstd.decompress(bytes)
      : new Response(bytes).body.pipeThrough(new DecompressionStream("gzip"));
    const type = { "Content-Type": "application/octet-stream" };
    return cache.put(url.replace(/\.(zst|gz)$/, ""), new Response(body, { headers: type }));
  }
  const type = res.headers.get("Content-Type");
  return cache.put(url, new Response(bytes, { headers: type ? { "Content-Type": type } : {} }));
}

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    await adopt();
    await self.clients.claim();
    await prune();
  })());
});

// ---- which tab runs which build ---------------------------------------------------------------

const owners = new Map();               // the table, as read by this worker so far

function ownerKey(id) {
  return new URL(`./__owner/${encodeURIComponent(id)}`, SCOPE).href;
}

async function ownerOf(id) {
  if (!id) return null;
  if (!owners.has(id)) {
    const hit = await (await caches.open(OWNERS)).match(ownerKey(id));
    owners.set(id, hit ? await hit.text() : null);
  }
  return owners.get(id);
}

/** Note id's build: at once in memory (so its first requests see it), then in the table. */
function setOwner(id, b) {
  if (!id || owners.get(id) === b) return Promise.resolve();
  owners.set(id, b);
  return caches.open(OWNERS).then((table) => table.put(ownerKey(id), new Response(b)));
}

/** Tabs open before this worker, with no build noted (a worker from before this table, or a first
 *  visit the worker is about to claim): the previous build when exactly one is cached, else this. */
async function adopt() {
  const others = (await caches.keys()).filter((n) => n.startsWith(PREFIX) && n !== CACHE);
  const guess = others.length === 1 ? others[0].slice(PREFIX.length) : build;
  for (const c of await self.clients.matchAll({ includeUncontrolled: true, type: "all" })) {
    if (!(await ownerOf(c.id))) await setOwner(c.id, guess);
  }
}

/** Forget closed tabs, and delete every build's cache that no open tab uses (never this one's). */
async function prune() {
  const open = await self.clients.matchAll({ includeUncontrolled: true, type: "all" });
  const used = new Set([build]);
  for (const c of open) used.add(await ownerOf(c.id));
  const table = await caches.open(OWNERS);
  const alive = new Set(open.map((c) => ownerKey(c.id)));
  for (const req of await table.keys()) {
    if (!alive.has(req.url)) await table.delete(req);
  }
  for (const name of await caches.keys()) {
    const b = name.slice(PREFIX.length);
    if (name.startsWith(PREFIX) && !used.has(b)) {
      opened.delete(b);
      await caches.delete(name);
    }
  }
}

// offline.js says hello once its page has started: a good moment to drop what closed tabs used.
self.addEventListener("message", (event) => {
  if (event.data?.hello) event.waitUntil(prune());
});

// ---- answering ------------------------------------------------------------------------------

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET" || !req.url.startsWith(SCOPE)) return;   // not ours: the network's
  event.respondWith(respond(event));
});

/** From the cache of the build the asking document runs. A page address (any query, e.g.
 *  ?model=cnn) is index.html, and a new page starts on this worker's build; a worker the page
 *  starts runs the page's build. A file that belongs to no build goes to the network. */
async function respond(event) {
  const req = event.request;
  const { origin, pathname } = new URL(req.url);
  const page = req.mode === "navigate" && [SCOPE, INDEX].includes(origin + pathname);
  const b = page ? build : (await ownerOf(event.clientId)) ?? build;
  if (event.resultingClientId) event.waitUntil(setOwner(event.resultingClientId, b));
  const hit = await (await cacheOf(b)).match(page ? INDEX : req, { ignoreSearch: true });
  return hit ?? fetch(req);
}

const opened = new Map();               // build -> its Cache, opened once per worker

/** The cache of build b; this build's when b's is gone (pruned, or cleared by the browser). */
async function cacheOf(b) {
  if (!opened.has(b)) {
    opened.set(b, (b === build || await caches.has(PREFIX + b)) ? await caches.open(PREFIX + b) : null);
  }
  return opened.get(b) ?? cacheOf(build);
}
