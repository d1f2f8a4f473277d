// Offline and installable: registers the service worker (sw.js) and shows which build is running.
//
// The worker is registered only once Python is ready (or after 20 s, whatever happened), so its
// precache never competes with the start-up for the network or the CPU. The footer's
// #version[data-build] names the build this page came from; it matches the worker's cache name.

const footer = document.querySelector("footer") || document.body;
const stamp = document.createElement("p");
stamp.id = "version";
stamp.className = "version";
stamp.dataset.build = "";
stamp.dataset.offline = "no";
footer.append(stamp);

let build = null;

function show(extra = "") {
  if (!build) return;
  const offline = stamp.dataset.offline === "yes" ? " · works offline" : "";
  stamp.textContent = `Digit Lab ${build.version} · build ${build.build}${offline}${extra}`;
}

fetch("./version.json")
  .then((r) => r.json())
  .then((v) => { build = v; stamp.dataset.build = v.build || ""; show(); })
  .catch(() => {});                       // no stamp is better than an error banner

function whenReady(fn) {
  let done = false;
  const go = () => { if (!done) { done = true; fn(); } };
  new PerformanceObserver((list) => {
    if (list.getEntriesByName("digitlab:ready").length) go();
  }).observe({ type: "mark", buffered: true });
  setTimeout(go, 20_000);
}

/** Hand the worker that now controls this page every file the page loaded before it did (the
 *  training data, say, fetched while the first visit's worker was still installing): it keeps
 *  those it has not cached, so what was used online works offline too. */
function keepLoaded() {
  const sw = navigator.serviceWorker.controller;
  if (!sw) return;
  const urls = performance.getEntriesByType("resource").map((e) => e.name)
    .filter((url) => url.startsWith(location.origin + "/"));
  sw.postMessage({ keep: urls });
}

if ("serviceWorker" in navigator) {
  performance.setResourceTimingBufferSize(1000);   // the default 250 fills before the page is done
  const hadController = !!navigator.serviceWorker.controller;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    // A new deploy took over: this page still runs the old one until it is reloaded.
    if (hadController) show(" · a new version is ready: reload to use it");
    else keepLoaded();                     // the first worker has just claimed this page
  });
  whenReady(() => {
    navigator.serviceWorker.register("./sw.js", { updateViaCache: "none" })
      .then(() => navigator.serviceWorker.ready)
      .then(() => { stamp.dataset.offline = "yes"; show(); })
      .catch((err) => console.warn("Offline support is unavailable:", err));
  });
}
