// The page's JavaScript: pointer events in, Python's answer drawn out. No maths lives here.
//
// Data flow: pointer event (pointerrawupdate where the browser has it) -> Pad (ink on screen at
// once, and in an offscreen PAD×PAD copy) -> js/loop.js: at most one update per frame, run as
// soon as the input arrives, between frames (latest wins, never a queue) -> classify(alpha,
// model, full) in Pyodide (web/bridge.py, over digitlab/app.py's App) -> JSON-safe result ->
// Output + Diagram (nodes and link paths now; the links' id handles after the frame is shown,
// js/frame.js) -> EVENTS.update for the instruments. Before Python is ready the pad already
// takes ink; the drawing is classified the moment the bridge attaches itself
// (window.digitlab.attach).
//
// The bridge hands over three functions: classify(alpha, model, full) (full: false skips the
// diagram while it is off screen), layout(model) (the diagram's frame) and call(name, args) (a
// function an instrument registered). Instruments use them through js/page.js, the page's API,
// which this file fills in; window.digitlab is its thin facade for the tests and the bridge.

import { Pad } from "./js/pad.js";
import { keyPen } from "./js/pad-keys.js";
import { Diagram } from "./js/diagram.js";
import { Output } from "./js/output.js";
import { afterPaint } from "./js/frame.js";
import { Loop } from "./js/loop.js";
import { loadSamples } from "./js/samples.js";
import { onLang, register, t } from "./js/i18n.js";
import { EVENTS, page } from "./js/page.js";
import robust from "./js/strings/robust.js";
import "./js/store-notice.js";

const $ = (s) => document.querySelector(s);

/** ?model=NAME picks the model, if NAME is one of the picker's options (anything else is ignored). */
function modelFromUrl() {
  const want = new URLSearchParams(location.search).get("model");
  const names = [...$("#model").options].map((o) => o.value);
  if (want && names.includes(want)) $("#model").value = want;
  return $("#model").value;
}

page.model = modelFromUrl();   // the model, the result and the version live in page (js/page.js)
const state = {
  py: null,            // {classify, layout, call}: the bridge's functions, once Python is ready
  layoutModel: null,   // the model whose layout the diagram shows
  timings: [],         // per update: {update, call, python, draw} in ms
  failed: false,
  inked: false,        // has anything touched the pad yet
  diagramOnScreen: true,   // off screen (phones, while drawing) Python skips the diagram's work
  diagramStale: false,     // an update skipped it; redo one when it scrolls into view
};

const status = $("#status");
const statusText = status.querySelector(".status-text");

function setStatus(kind, text) {
  if (state.failed) return;
  status.dataset.state = kind;
  statusText.textContent = text;
}

/** A readable banner instead of a blank page. */
function fail(title, detail) {
  const box = $("#error");
  box.querySelector(".error-text").textContent = title;
  box.querySelector(".error-detail").textContent = detail || "";
  box.hidden = false;
  setStatus("error", t("status.error", { title }));
  state.failed = true;
}

// ---- faults that leave the page working (issue #8) ----------------------------------------

register(robust);
const retry = $("#retry");
retry.addEventListener("click", () => location.reload());   // a failed start: try it all again
const faults = [];   // [{model, message, fallback}]: shipped models whose files are damaged

/** Banner lines for the damaged models, in the current language (user text only as textContent). */
function showFaults() {
  retry.textContent = t("robust.retry");
  const box = $("#faults");
  if (!faults.length) return;
  box.querySelector(".faults-title").textContent = t("robust.faults.title");
  box.querySelector(".faults-list").replaceChildren(...faults.map((f) => {
    const li = document.createElement("li");
    li.dataset.model = f.model;
    li.textContent = t("robust.fault", f) + (f.fallback ? " " + t("robust.fallback", { model: f.fallback }) : "");
    return li;
  }));
  for (const f of faults) {
    const opt = [...$("#model").options].find((o) => o.value === f.model);
    if (opt) opt.title = t("robust.unavailable", f);
  }
  box.hidden = false;
}
onLang(showFaults);
showFaults();

// An instrument's Python call that raised: named in a dismissable banner (its caller still gets
// the exception), so a bug in one panel is visible and the rest of the page goes on.
const pyErrors = [];   // [{name, message}], the newest MAX_PY_ERRORS distinct ones
const MAX_PY_ERRORS = 3;
$("#py-errors .py-errors-close").addEventListener("click", () => {
  pyErrors.length = 0;
  $("#py-errors").hidden = true;
});

function showPyErrors() {
  const box = $("#py-errors");
  box.querySelector(".py-errors-title").textContent = t("robust.instrument.title");
  box.querySelector(".py-errors-close").textContent = t("robust.dismiss");
  box.querySelector(".py-errors-list").replaceChildren(...pyErrors.map((e) => {
    const li = document.createElement("li");
    li.dataset.call = e.name;
    li.textContent = t("robust.instrument", e);
    return li;
  }));
  box.hidden = pyErrors.length === 0;
}
onLang(showPyErrors);

function pyError(name, err) {
  // A PythonError's message is the whole traceback; its last line says what went wrong.
  const message = String(err?.message ?? err).trim().split("\n").pop();
  if (pyErrors.some((e) => e.name === name && e.message === message)) return;
  pyErrors.push({ name: String(name), message });
  if (pyErrors.length > MAX_PY_ERRORS) pyErrors.shift();
  showPyErrors();
}

// ---- loading progress ------------------------------------------------------------------

const STEPS = {   // PyScript's py:progress details -> what the person is waiting for
  "Loading Pyodide": t("status.loadingPyodide"),
  "Loading Storage": t("status.loadingRuntime"),
  "Loaded Storage": t("status.startingPython"),
  "Loaded Pyodide": t("status.loadedPyodide"),
  "Loading packages": t("status.loadingNumpy"),
  "Loaded packages": t("status.loadedNumpy"),
  "Loading files": t("status.copying"),
  "Loaded files": t("status.importing"),
};
const RESIZE_NOTE = /^ResizeObserver loop/;
addEventListener("py:progress", (e) => {
  if (!state.py && STEPS[e.detail]) setStatus("loading", STEPS[e.detail] + " " + t("status.drawAlready"));
});
addEventListener("error", (e) => {
  // Only errors raised by this site's own scripts (PyScript, Pyodide, the shim) while starting.
  // "ResizeObserver loop ..." is no error of a script: the browser says that some size
  // notifications wait for the next frame (cards sized as they scroll into view do that).
  if (!state.py && e.filename && e.filename.startsWith(location.origin) && !RESIZE_NOTE.test(e.message)) {
    fail(t("error.start"), `${e.message} (${e.filename}:${e.lineno})`);
  }
});
addEventListener("unhandledrejection", (e) => {
  if (!state.py) fail(t("error.start"), String(e.reason?.message || e.reason));
});
// PyScript prints Python errors into a red box at the end of <body>; show them in our banner.
new MutationObserver((records) => {
  for (const r of records) for (const n of r.addedNodes) {
    if (n.classList?.contains("py-error")) {
      fail(state.py ? t("error.raised") : t("error.starting"), n.textContent);
      n.remove();
    }
  }
}).observe(document.body, { childList: true });

// ---- the pad, the controls -------------------------------------------------------------

const pad = page.pad = new Pad($("#pad"), (when) => {
  if (!state.inked) {                         // for the benchmark and tests: when the pad first took ink
    state.inked = true;
    performance.mark(EVENTS.firstInk, { startTime: when });
  }
  now(when);
});
keyPen(pad, $("#pad"), $(".pad-pen"), $("#pad-say"), $("#prediction [aria-live]"));
const output = new Output(document);
const diagram = new Diagram($("#network"), $("#net-caption"));
new IntersectionObserver(([entry]) => {
  state.diagramOnScreen = entry.isIntersecting;
  if (entry.isIntersecting && state.diagramStale) {
    state.diagramStale = false;
    schedule(performance.now());
  }
}, { rootMargin: "200px" }).observe($("#network"));

$("#clear").addEventListener("click", (e) => { pad.clear(); now(e.timeStamp); });
$("#undo").addEventListener("click", (e) => { pad.undo(); now(e.timeStamp); });
$("#brush").addEventListener("input", (e) => pad.setBrush(Number(e.target.value)));
pad.setBrush(Number($("#brush").value));
$("#model").addEventListener("change", (e) => { useModel(e.target.value); now(e.timeStamp); });
loadSamples($("#samples"), (pixels, e) => { pad.setImage(pixels); now(e.timeStamp); })
  .catch((err) => fail(t("error.samples"), String(err)));
setStatus("loading", t("status.loadingPyodide") + " " + t("status.drawAlready"));

// ---- updates: one per animation frame, latest wins ---------------------------------------

/** Another model in use: a new network, so a new version. */
function useModel(name) {
  page.model = name;
  page.version++;
}

const loop = new Loop(update, () => state.py !== null && !state.failed);
const schedule = (since) => loop.schedule(since);   // changes made by code: in the next frame
const now = (since) => loop.now(since);             // a person's input: at once, between frames

function update(since) {   // since: the input event's timeStamp
  const t0 = performance.now();
  let res;
  try {
    if (state.layoutModel !== page.model) {
      diagram.setLayout(state.py.layout(page.model));
      state.layoutModel = page.model;
    }
    res = state.py.classify(pad.pixels(), page.model, state.diagramOnScreen);
  } catch (err) {
    fail(t("error.reading"), String(err));
    return;
  }
  const t1 = performance.now();
  output.show(res.prediction, res.probs, res.percent);
  output.previews(res.images.input, res.images.drawn);
  if (res.view) diagram.update(res.view, res.images);
  else state.diagramStale = true;
  page.result = res;
  // Instruments (site/js/*.js) follow every update here; res is plain JS (no proxies to destroy).
  dispatchEvent(new CustomEvent(EVENTS.update, { detail: { result: res, model: page.model, version: page.version } }));
  const t2 = performance.now();
  afterPaint(() => {
    const end = performance.now();
    performance.measure(EVENTS.update, { start: since, end });
    // update: event -> painted frame; wait: event -> this frame's start; call: the Python call as
    // JS sees it (python: as Python's own clock sees it, stages: its parts); draw: DOM work;
    // paint: DOM done -> frame rendered.
    state.timings.push({ update: end - since, wait: t0 - since, call: t1 - t0, python: res.python_ms, draw: t2 - t1,
                         paint: end - t2, stages: res.stages, model: res.model,
                         blank: res.prediction.state === "none", diagram: !!res.view });
    if (state.timings.length > 2000) state.timings.splice(0, 1000);
  });
}

// ---- the page's API (js/page.js) and its facade for the bridge and the tests -------------------

Object.assign(page, {
  call(name, args = {}) {
    if (!state.py) throw new Error("Python is not ready yet");
    try {
      return state.py.call(name, args);
    } catch (err) {
      pyError(name, err);
      throw err;
    }
  },
  update: () => schedule(performance.now()),
  changed(model = null) {
    if (model === null || model === page.model) page.version++;
    schedule(performance.now());
  },
  refresh() {
    state.layoutModel = null;
    page.version++;
    schedule(performance.now());
  },
  flushLinks: () => diagram.flushLinks(),
});

/** Python found model `name`'s shipped files damaged (App.check in digitlab/app.py): switch it
 *  off in the picker and say which file and what is wrong; if it is the model in use, move to
 *  `fallback`. The page keeps working. */
function modelFault(name, message, fallback) {
  const opt = [...$("#model").options].find((o) => o.value === name);
  if (opt) opt.disabled = true;
  const moved = page.model === name && fallback && fallback !== name;
  if (moved) {
    useModel(fallback);
    $("#model").value = fallback;
  }
  faults.push({ model: name, message: String(message), fallback: moved ? fallback : null });
  showFaults();
}

/** {model, input: number[784], probs: number[10] | null, …} of the last update, or null; the
 *  diagram's link handles are brought up to date with it. */
function snapshot() {
  const r = page.result;
  if (!r) return null;
  diagram.flushLinks();                       // a reader of the snapshot may then read the handles
  return { model: r.model, input: Array.from(r.input), probs: r.probs ? Array.from(r.probs) : null,
           state: r.prediction.state, python_ms: r.python_ms, diagram: !!r.view };
}

// The whole facade (a test keeps it to these members): the bridge's calls, then the tests'.
window.digitlab = Object.freeze({
  /** Called once by digitlab.web.bridge when Python can classify. py: {classify, layout, call}. */
  attach(py) {
    state.py = py;
    page.ready = true;
    performance.mark(EVENTS.ready);
    dispatchEvent(new CustomEvent(EVENTS.ready));
    setStatus("ready", t("status.ready"));
    // Every card has been drawn by now: from the next frames on, cards away from the screen are
    // skipped (style.css, .cards-settled), their sizes remembered.
    requestAnimationFrame(() => requestAnimationFrame(() => document.documentElement.classList.add("cards-settled")));
    loop.forget();
    schedule(performance.now());              // classify whatever was drawn while loading
  },
  fail,
  /** Python reports a start-up step by string key (strings/core.js), with its {vars}. */
  progress: (key, vars) => setStatus("loading", t(key, vars)),
  modelFault,
  /** Python has checked every model's files (after the first update); `#faults[data-checked]`. */
  modelsChecked() {
    $("#faults").dataset.checked = "true";
  },
  get model() { return page.model; },
  get ready() { return page.ready; },
  call: (name, args) => page.call(name, args),
  pad,
  update: () => page.update(),
  snapshot,
  timings: () => state.timings.slice(),
  get version() { return page.version; },
  /** Break It's {get, set} (js/lab.js) once built, else null. */
  get damage() { return page.damage; },
  /** Evaluate's last finished run: {model, indices[], labels[], preds[]}, or null. */
  evaluation: () => page.evaluation?.() ?? null,
  /** Evaluate's point map: {layer, method, indices[], xy[][2], you: [x, y] | null, neighbours[]}, or null. */
  map: () => page.map?.() ?? null,
});
