// Training in the page (issue #6). Python (digitlab.web.features.training) owns the network,
// the training loop and every number; this file builds the panel, sends the set-up, and asks for
// one bounded slice of training per animation frame (FrameDriver.run), then draws what came back.
//
// Loop: requestAnimationFrame -> call("train.run", {budget_ms}) -> counters + chart points ->
// every ~100 ms page.changed("trained") re-reads the drawing with the weights of the moment (the
// "trained" model is selected while training), and its links flash where the weights moved.

import { t, register, onLang, apply } from "./i18n.js";
import strings from "./strings/train.js";
import { buildPanel } from "./train-dom.js";
import { LineChart } from "./train-charts.js";
import { initTeach } from "./train-teach.js";
import { initIO, addModelOption } from "./train-io.js";
import { slowStep, flashLinks } from "./train-slow.js";
import { kernelPainter } from "./train-kernels.js";
import { initSetup } from "./train-setup.js";
import { EVENTS, page } from "./page.js";

register(strings);
const BUDGET_MS = 10;         // training per frame, leaving ~7 ms of a 60 Hz frame to the browser
const CHART_MS = 250;         // how often the loss and accuracy charts are redrawn while training
const REDRAW_MS = 100;        // how often the main diagram re-reads the drawing while training
const ui = buildPanel(document.querySelector("#train-mount"));
const setup = initSetup(ui);
const kernels = kernelPainter(ui.kernelBox, ui.kernelGrid, () => page.call("train.kernels", {}));
const SERIES = [{ key: "train", cls: "train" }, { key: "test", cls: "test", dots: true }];
const pctText = (v) => `${(100 * v).toFixed(1)}%`;
const charts = {
  loss: new LineChart(ui.lossSvg, SERIES, null, (d) => chartText("train.chart.loss", d, (v) => fmt(v))),
  acc: new LineChart(ui.accSvg, SERIES, { min: 0, max: 1 }, (d) => chartText("train.chart.acc", d, pctText)),
};
const S = { state: "idle", loaded: false, last: null, lastRedraw: 0, lastChart: 0, frames: [], work: [], prevTs: 0, busy: false };
const call = (name, args) => page.call(name, args);
const fmt = (v, d = 3) => (v === null || v === undefined ? t("train.none") : Number(v).toPrecision(d));

// ---- opening: fetch the subset only now (the service worker keeps it once fetched) -------

ui.open.addEventListener("click", () => {
  const opening = ui.body.hidden;
  ui.body.hidden = !opening;
  ui.root.dataset.open = String(opening);
  ui.open.setAttribute("aria-expanded", String(opening));
  ui.open.dataset.i18n = opening ? "train.close" : "train.open";
  ui.open.textContent = t(ui.open.dataset.i18n);
  if (opening && !S.loaded) load();
});

async function load() {
  if (S.loading) return;
  S.loading = true;
  ui.loading.textContent = t("train.loading");
  try {
    const res = await fetch("./data/trainset.npz");
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    await pythonReady();
    call("train.data", { npz: bytes });
    S.loaded = true;
    ui.loading.textContent = "";
    teach.sync();
    configure();
  } catch (err) {
    ui.loading.textContent = t("train.loadFailed", { error: String(err.message || err) });
  } finally {
    S.loading = false;
  }
}

function pythonReady() {
  if (page.ready) return Promise.resolve();
  return new Promise((ok) => addEventListener(EVENTS.ready, ok, { once: true }));
}

// ---- set-up ----------------------------------------------------------------------------------

const lrValue = () => 10 ** Number(ui.lr.value);

function settings() {
  return {
    arch: ui.arch.value, conv: ui.conv.value, layers: ui.layers.value, activation: ui.activation.value, optimizer: ui.optimizer.value,
    lr: lrValue(), batch: Number(ui.batch.value), loss: ui.loss.value,
    digits: ui.digits.filter((c) => c.checked).map((c) => Number(c.value)),
  };
}

function showLr() {
  const lr = lrValue();
  ui.lrOut.textContent = lr >= 0.1 ? lr.toPrecision(2) : lr.toExponential(1);
  ui.lr.dataset.lr = String(lr);
  ui.lr.setAttribute("aria-valuetext", ui.lrOut.textContent);
}

/** Send the set-up; a rebuilt network is installed as "trained" and its charts start over. */
function configure() {
  showLr();
  setup.fields();
  if (!S.loaded) return;
  const res = call("train.config", settings());
  if (!setup.answer(res)) return;
  if (res.rebuilt) installed(res);
  else show(res);
  ui.setupNote.textContent = res.pending ? t("train.pending") : "";
}

function installed(res) {
  charts.loss.reset();
  charts.acc.reset();
  S.last = null;
  addModelOption("trained", t("train.model", { arch: res.arch }));
  if (S.state === "diverged") setState("idle");
  show(res);
  if (page.model === "trained") page.refresh();
  kernels(true);
}


ui.arch.addEventListener("change", () => {
  setup.preset();
  configure();
});

for (const c of [ui.conv, ui.layers, ui.activation, ui.optimizer, ui.batch, ui.loss, ...ui.digits]) {
  c.addEventListener("change", configure);
}
ui.lr.addEventListener("input", showLr);
ui.lr.addEventListener("change", configure);

// ---- the controls and the per-frame loop ---------------------------------------------------

function setState(s) {
  S.state = s;
  ui.state.dataset.state = s;
  ui.state.textContent = t(`train.state.${s}`);
  // A button that becomes disabled drops keyboard focus to the page's top: hand it to the
  // button that undoes what was just pressed (Train <-> Pause) before that happens.
  const from = document.activeElement, to = s === "running" ? ui.pause : ui.start;
  ui.start.disabled = s === "running";
  ui.pause.disabled = s !== "running";
  ui.step.disabled = s === "running";
  if ((from === ui.start || from === ui.pause || from === ui.step) && from.disabled) to.focus();
  if (s !== "running") drawCharts();   // points held back by the redraw throttle (show) appear now
}

function drawCharts() {
  for (const c of Object.values(charts)) if (c.dirty) c.redraw();
}

/** A chart's text alternative from its points: "Loss over 400 iterations: on the training
 *  batches from 2.3 to 0.31; on the test set 0.35". data: {train, test: [[iteration, y], ...]}. */
function chartText(nameKey, data, show) {
  const name = t(nameKey), tr = data.train, te = data.test;
  if (!tr.length) return t("train.chart.empty", { name });
  const last = (d) => d[d.length - 1];
  return t("train.chart.desc", { name, iter: last(tr)[0].toLocaleString("en"), from: show(tr[0][1]),
    to: show(last(tr)[1]), test: te.length ? show(last(te)[1]) : t("train.none") });
}

function useTrained() {
  const sel = document.querySelector("#model");
  if (sel.value !== "trained") {
    sel.value = "trained";
    sel.dispatchEvent(new Event("change"));
  }
}

ui.start.addEventListener("click", () => {
  if (!S.loaded || setup.refused()) return;
  if (S.state === "diverged") show(call("train.resume", {}));
  useTrained();
  setState("running");
  S.prevTs = 0;
  requestAnimationFrame(frame);
});
ui.pause.addEventListener("click", () => { if (S.state === "running") setState("paused"); });
ui.reset.addEventListener("click", () => {
  if (!S.loaded) return;
  const running = S.state === "running";
  installed(call("train.reset", {}));
  setState(running ? "running" : "idle");
  page.changed("trained");
});
ui.step.addEventListener("click", async () => {
  if (!S.loaded || S.busy || setup.refused()) return;
  if (S.state === "diverged") show(call("train.resume", {}));
  useTrained();
  if (S.state === "idle") setState("paused");
  const res = call("train.step", { detail: ui.slow.checked });
  show(res);
  page.changed("trained");
  kernels(true);
  if (ui.slow.checked && res.layers) {
    S.busy = true;
    ui.step.disabled = true;
    await slowStep(ui.slowBox, res.layers);
    S.busy = false;
    ui.step.disabled = S.state === "running";
  }
});

function frame(ts) {
  if (S.state !== "running") return;
  if (S.prevTs) S.frames.push(ts - S.prevTs);
  if (S.frames.length > 5000) S.frames.splice(0, 2500);
  S.prevTs = ts;
  if (S.updating) {
    S.updating = false;         // the drawing's update fills this frame (~5 ms Python + the diagram)
  } else {
    const res = call("train.run", { budget_ms: BUDGET_MS });
    S.work.push([res.ms, res.steps]);
    if (S.work.length > 5000) S.work.splice(0, 2500);
    show(res);
    kernels();
  }
  if (ts - S.lastRedraw > REDRAW_MS) {
    S.lastRedraw = ts;
    S.updating = true;          // the shim's update runs in the next frame, which trains nothing
    page.changed("trained");
  }
  if (S.state === "running") requestAnimationFrame(frame);
}

/** Counters, hooks and charts from one Python status. */
function show(res) {
  if (!res || !res.ready) return;
  const r = S.last = { ...(S.last || {}), ...res };   // a status without step numbers keeps the last ones
  const p = ui.progress;
  p.dataset.iter = String(r.iter);
  p.dataset.epoch = String(r.epoch);
  if (r.loss !== undefined) p.dataset.loss = String(r.loss);
  if (r.test_acc !== null) p.dataset.acc = String(r.test_acc);
  progressText();
  charts.loss.add("train", res.train_points.map((q) => [q[0], q[1]]));
  charts.acc.add("train", res.train_points.map((q) => [q[0], q[2]]));
  charts.loss.add("test", res.test_points.map((q) => [q[0], q[1]]));
  charts.acc.add("test", res.test_points.map((q) => [q[0], q[2]]));
  // While running, the charts are redrawn at most every CHART_MS: a redraw rebuilds their axes,
  // and doing it every frame cost frames. A pause or a stop draws the last points at once.
  const now = performance.now();
  if (S.state !== "running" || now - S.lastChart > CHART_MS) {
    S.lastChart = now;
    drawCharts();
  }
  if (res.diverged) diverged(res.diverged);
}

function progressText() {
  const r = S.last;
  if (!r) return;
  ui.progress.textContent = t("train.progress", {
    iter: r.iter.toLocaleString("en"), epoch: r.epoch, loss: fmt(r.loss),
    acc: r.test_acc === null ? t("train.none") : (100 * r.test_acc).toFixed(1) + "%", grad: fmt(r.grad_norm),
  });
  ui.testLegend.textContent = t("train.chart.test", { n: (r.n_test ?? 0).toLocaleString("en") });
}

function diverged(d) {
  setState("diverged");
  const what = t(`train.diverged.${d.reason}`, { loss: d.loss === null ? "" : Number(d.loss).toPrecision(3) });
  ui.alert.textContent = t("train.diverged", { iter: d.iteration, what, lr: Number(d.lr).toPrecision(2), restored: d.restored });
  ui.alert.hidden = false;
  page.changed("trained");
}

// Leaving the diverged state (Train, Step, Reset) hides the explanation.
for (const b of [ui.start, ui.step, ui.reset]) b.addEventListener("click", () => {
  if (S.state !== "diverged") ui.alert.hidden = true;
});

addEventListener(EVENTS.update, (e) => {
  if (e.detail.model === "trained" && e.detail.result.train_flash) flashLinks(e.detail.result.train_flash);
});

const teach = initTeach(ui, call, () => S.loaded, (res) => { show(res); if (S.loaded) kernels(true); });
initIO(ui, call, () => S.loaded);

// Weights trained here live only in this page: leaving with training that was never exported asks
// first (the browser words the question). S.last.iter counts every step, "Learn this" included.
let exportedIter = 0;
ui.exportBtn.addEventListener("click", () => { if (S.loaded && S.last) exportedIter = S.last.iter; });
addEventListener("beforeunload", (e) => {
  if (S.last && S.last.iter > 0 && S.last.iter !== exportedIter) e.preventDefault();
});
onLang(() => {
  setState(S.state); progressText(); showLr(); apply(ui.root); Object.values(charts).forEach((c) => c.redraw());
  if (S.loaded) kernels(true);
});
setState("idle");
showLr();
setup.fields();

// For the benchmark and the tests: frame intervals (ms) while training, and
// work: per frame [ms Python spent in train.run, training steps done].
window.digitlabTrain = {
  frames: () => S.frames.slice(), work: () => S.work.slice(),
  clear: () => { S.frames = []; S.work = []; }, get state() { return S.state; },
};
