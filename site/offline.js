// Offline and installable: registers the service worker (sw.js), shows which build is running and,
// after a new deploy, offers the reload that starts it.
//
// The worker is registered only once Python is ready (or after 20 s, whatever happened), so its
// precache never competes with the start-up for the network or the CPU. The footer's
// #version[data-build] names the build this page came from; it matches the worker's cache name.
// A new build takes over the worker while this tab is open, but the tab keeps reading its own
// build's files (sw.js) until it reloads: #update (with its Reload button) says one is ready.

import { onLang, register, t } from "./js/i18n.js";
import strings from "./js/strings/offline.js";

register(strings);
const footer = document.querySelector("footer") || document.body;
const stamp = document.createElement("p");
stamp.id = "version";
stamp.className = "version";
stamp.dataset.build = "";
stamp.dataset.offline = "no";
const update = document.createElement("p");
update.id = "update";
update.className = "update";
update.setAttribute("role", "status");
update.hidden = true;
const reload = Object.assign(document.createElement("button"), { type: "button", id: "reload" });
reload.addEventListener("click", () => location.reload());
footer.append(stamp, update);

let build = null;

function show() {
  reload.textContent = t("offline.reload");
  if (!build) return;
  const offline = stamp.dataset.offline === "yes" ? ` · ${t("offline.works")}` : "";
  stamp.textContent = t("offline.stamp", { version: build.version, build: build.build }) + offline;
  if (!update.hidden) update.replaceChildren(t("offline.updated", { build: build.build }), " ", reload);
}
onLang(show);

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

if ("serviceWorker" in navigator) {
  const sw = navigator.serviceWorker;
  let controlled = !!sw.controller;
  sw.addEventListener("controllerchange", () => {
    // The first worker claiming a first visit changes nothing here; any later one is a new build.
    if (controlled) {
      update.hidden = false;
      show();
    }
    controlled = true;
  });
  whenReady(() => {
    sw.register("./sw.js", { updateViaCache: "none" })
      .then(() => sw.ready)
      .then((reg) => {
        stamp.dataset.offline = "yes";
        show();
        reg.active?.postMessage({ hello: true });   // this page is up: closed tabs' builds can go
      })
      .catch((err) => console.warn("Offline support is unavailable:", err));
  });
}
