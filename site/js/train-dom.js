// The training panel's markup, built once in #train-mount. Every visible string carries its
// i18n key (data-i18n / data-i18n-attr), so a language switch re-labels it (i18n.apply).
// The stable hooks the tests use are the ids listed in issue #6.

import { t } from "./i18n.js";
import { h, svg } from "./dom.js";

/** el("button", {id: "x"}, parent, "train.start"): dom.js's h, its text from an i18n key. */
export function el(tag, attrs = {}, parent = null, key = null) {
  const e = h(tag, attrs, parent);
  if (key) { e.dataset.i18n = key; e.textContent = t(key); }
  return e;
}

function field(parent, key, control) {
  const label = el("label", { class: "train-field" }, parent);
  el("span", {}, label, key);
  label.appendChild(control);
  return control;
}

function select(id, options) {
  const s = el("select", { id });
  for (const [value, key] of options) {
    const o = el("option", { value }, s, key);
    if (!key) o.textContent = value;
  }
  return s;
}

/** The whole panel. -> {root, ...named elements}. */
export function buildPanel(mount) {
  const root = el("section", { id: "train", class: "card train", "aria-labelledby": "train-h", "data-open": "false" }, mount);
  const head = el("div", { class: "train-head" }, root);
  el("h2", { id: "train-h" }, head, "train.title");
  const open = el("button", { id: "train-open", type: "button", "aria-expanded": "false", "aria-controls": "train-body" }, head, "train.open");
  el("p", { class: "note" }, root, "train.intro");
  const body = el("div", { id: "train-body", hidden: "" }, root);
  const loading = el("p", { class: "train-loading", role: "status" }, body);
  const ui = { root, open, body, loading };
  Object.assign(ui, setup(el("fieldset", { class: "train-setup" }, body)));
  Object.assign(ui, controls(el("div", { class: "train-run" }, body)));
  Object.assign(ui, charts(el("div", { class: "train-charts" }, body)));
  Object.assign(ui, kernels(el("section", { id: "train-kernels", class: "train-kernels", "aria-labelledby": "train-kernels-h", hidden: "" }, body)));
  ui.slowBox = el("ol", { class: "train-slow", "aria-live": "polite", hidden: "" }, body);
  Object.assign(ui, teach(el("section", { class: "train-teach", "aria-labelledby": "teach-h" }, body)));
  Object.assign(ui, io(el("section", { class: "train-io", "aria-labelledby": "train-io-h" }, body)));
  return ui;
}

function setup(fs) {
  el("legend", {}, fs, "train.setup");
  const arch = field(fs, "train.arch", select("train-arch",
    [["mlp", "train.arch.mlp"], ["cnn-small", "train.arch.cnnSmall"], ["cnn", "train.arch.cnn"]]));
  const conv = field(fs, "train.conv", el("input", {
    id: "train-conv", type: "text", value: "8@5, pool, 16@3, pool", autocomplete: "off", spellcheck: "false",
    "aria-describedby": "train-conv-hint" }));
  const convHint = el("small", { id: "train-conv-hint", class: "hint" }, fs, "train.convHint");
  const presetHint = el("small", { id: "train-preset-hint", class: "hint" }, fs, "train.presetHint");
  const layers = field(fs, "train.layers", el("input", {
    id: "train-layers", type: "text", value: "64", inputmode: "numeric", autocomplete: "off",
    spellcheck: "false", "aria-describedby": "train-layers-hint" }));
  el("small", { id: "train-layers-hint", class: "hint" }, fs, "train.layersHint");
  const activation = field(fs, "train.activation", select("train-activation",
    [["relu", null], ["leaky_relu", null], ["tanh", null], ["sigmoid", null]]));
  const optimizer = field(fs, "train.optimizer", select("train-optimizer",
    [["adam", "train.opt.adam"], ["momentum", "train.opt.momentum"], ["sgd", "train.opt.sgd"]]));
  const lrWrap = el("label", { class: "train-field train-lr" }, fs);
  el("span", {}, lrWrap, "train.lr");
  // A log slider: the value is log10(learning rate), from 0.0001 to 10.
  const lr = el("input", { id: "train-lr", type: "range", min: "-4", max: "1", step: "0.1", value: "-2.7" }, lrWrap);
  const lrOut = el("output", { id: "train-lr-value", for: "train-lr" }, lrWrap);
  const batch = field(fs, "train.batch", select("train-batch",
    [8, 16, 32, 64, 128, 256].map((b) => [String(b), null])));
  batch.value = "32";
  const loss = field(fs, "train.loss", select("train-loss", [["xent", "train.loss.xent"], ["mse", "train.loss.mse"]]));
  const dg = el("fieldset", { class: "train-digits", id: "train-digits" }, fs);
  el("legend", {}, dg, "train.digits");
  const digits = [];
  for (let d = 0; d < 10; d++) {
    const lab = el("label", { class: "digit-toggle" }, dg);
    digits.push(el("input", { type: "checkbox", value: String(d), checked: "" }, lab));
    el("span", {}, lab).textContent = String(d);
  }
  const setupNote = el("p", { class: "train-note", role: "status" }, fs);
  return { arch, conv, convHint, presetHint, layers, activation, optimizer, lr, lrOut, batch, loss, digits, setupNote };
}

function controls(box) {
  const bar = el("div", { class: "train-buttons" }, box);
  const start = el("button", { id: "train-start", type: "button", class: "primary" }, bar, "train.start");
  const pause = el("button", { id: "train-pause", type: "button" }, bar, "train.pause");
  const step = el("button", { id: "train-step", type: "button" }, bar, "train.step");
  const reset = el("button", { id: "train-reset", type: "button" }, bar, "train.reset");
  const slowLab = el("label", { class: "train-check" }, bar);
  const slow = el("input", { id: "train-slow", type: "checkbox" }, slowLab);
  el("span", {}, slowLab, "train.slow");
  const state = el("p", { id: "train-state", "data-state": "idle", role: "status" }, box);
  const progress = el("p", { id: "train-progress", "data-iter": "0", "data-loss": "", "data-acc": "" }, box);
  const alert = el("p", { id: "train-alert", class: "train-alert", role: "alert", hidden: "" }, box);
  const hint = el("p", { class: "note" }, box, "train.drawHint");
  return { start, pause, step, reset, slow, state, progress, alert, hint };
}

function charts(box) {
  const out = {};
  for (const [name, key] of [["lossSvg", "train.chart.loss"], ["accSvg", "train.chart.acc"]]) {
    const fig = el("figure", { class: "train-chart" }, box);
    el("figcaption", {}, fig, key);
    out[name] = svg("svg", { role: "img", id: name === "lossSvg" ? "train-chart-loss" : "train-chart-acc" }, fig);
  }
  const legend = el("ul", { class: "train-legend" }, box);
  el("li", { class: "train" }, legend, "train.chart.train");
  out.testLegend = el("li", { class: "test" }, legend);
  return out;
}

/** #train-kernels: one figure per conv layer, filled by train-kernels.js. */
function kernels(box) {
  el("h3", { id: "train-kernels-h" }, box, "train.kernels");
  el("p", { class: "note" }, box, "train.kernelsNote");
  const kernelGrid = el("div", { class: "kernel-layers" }, box);
  return { kernelBox: box, kernelGrid };
}

function teach(box) {
  el("h3", { id: "teach-h" }, box, "train.teach");
  el("p", { class: "note" }, box, "train.teachIntro");
  const row = el("div", { class: "train-buttons" }, box);
  const label = field(row, "train.teachLabel", select("teach-label",
    [...Array(10).keys()].map((d) => [String(d), null])));
  const add = el("button", { id: "teach-add", type: "button" }, row, "train.teachAdd");
  const learn = el("button", { id: "teach-learn", type: "button" }, row, "train.teachLearn");
  const teachMsg = el("p", { class: "train-note", id: "teach-msg", role: "status" }, box);
  const learnBars = el("div", { id: "teach-bars", class: "teach-bars", hidden: "" }, box);
  const teachCount = el("p", { class: "note", id: "teach-count" }, box);
  const list = el("ul", { id: "teach-list", class: "teach-list" }, box);
  return { teachLabel: label, teachAdd: add, teachLearn: learn, teachMsg, learnBars, teachCount, teachList: list };
}

function io(box) {
  el("h3", { id: "train-io-h" }, box, "train.io");
  const row = el("div", { class: "train-buttons" }, box);
  const exp = el("button", { id: "train-export", type: "button" }, row, "train.export");
  const lab = el("label", { class: "train-file" }, row);
  el("span", {}, lab, "train.import");
  const imp = el("input", { id: "train-import", type: "file", multiple: "", accept: ".npz,.json" }, lab);
  const ioMsg = el("p", { id: "train-io-msg", class: "train-note", role: "status" }, box);
  return { exportBtn: exp, importInput: imp, ioMsg };
}
