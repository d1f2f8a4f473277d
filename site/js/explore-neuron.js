// The single-neuron calculator: inputs, weights, bias and an activation in; the formula and each
// step of the arithmetic out. Python computes every number (explore.neuron -> a core Dense layer
// with one unit); this file writes them into the steps.

import { t, onLang } from "./i18n.js";
import { h } from "./dom.js";
import { fmt, readNumber } from "./explore-svg.js";

const SUB = ["₁", "₂", "₃"];
const START = { x: [1, 0.5, -1], w: [0.8, -0.4, 0.3], b: 0.1 };
const ACTS = ["relu", "leaky_relu", "sigmoid", "tanh", "linear"];
const F_NAME = { relu: "ReLU", leaky_relu: "leakyReLU", sigmoid: "σ", tanh: "tanh", linear: "" };

/** A number as a factor in a product: negative ones in brackets. */
const factor = (v) => (v < 0 ? `(${fmt(v)})` : fmt(v));

export class NeuronCalculator {
  constructor(parent, call) {
    this.call = call;
    this.n = 2;
    this.queued = false;
    this.build(parent);
    onLang(() => this.texts());
  }

  build(parent) {
    const card = h("section", { class: "card explore-card", id: "neuron-calc", "aria-labelledby": "neuron-h" }, parent);
    this.title = h("h2", { id: "neuron-h" }, card);
    this.intro = h("p", { class: "explore-intro" }, card);
    const fs = h("fieldset", { class: "seg" }, card);
    this.legend = h("legend", { class: "sr-only" }, fs);
    this.counts = [2, 3].map((n) => {
      const label = h("label", {}, fs);
      const input = h("input", { type: "radio", name: "neuron-n", value: n, id: `neuron-n${n}` }, label);
      input.checked = n === this.n;
      input.addEventListener("change", () => { this.n = n; this.layout(); this.request(); });
      return { n, text: h("span", {}, label) };
    });
    const grid = h("div", { class: "neuron-grid" }, card);
    this.rows = [0, 1, 2].map((i) => {
      const row = h("div", { class: "neuron-row" }, grid);
      return { row, x: this.number(row, `neuron-x${i + 1}`, START.x[i]), w: this.number(row, `neuron-w${i + 1}`, START.w[i]) };
    });
    const last = h("div", { class: "neuron-row" }, grid);
    this.b = this.number(last, "neuron-b", START.b);
    const actLabel = h("label", { class: "num" }, last);
    this.actText = h("span", {}, actLabel);
    this.act = h("select", { id: "neuron-act" }, actLabel);
    this.actOptions = ACTS.map((a) => h("option", { value: a }, this.act));
    this.act.addEventListener("change", () => this.request());
    this.out = h("div", { class: "neuron-out", id: "neuron-result", "aria-live": "polite" }, card);
    this.symTitle = h("h3", {}, this.out);
    this.sym = h("p", { class: "explore-formula", id: "neuron-symbolic" }, this.out);
    this.numTitle = h("h3", {}, this.out);
    this.steps = h("ol", { class: "neuron-steps", id: "neuron-steps" }, this.out);
    this.error = h("p", { class: "note warn" }, this.out);
    this.layout();
    this.texts();
  }

  number(row, id, value) {
    const label = h("label", { class: "num" }, row);
    const text = h("span", {}, label);
    const input = h("input", { type: "number", step: "0.1", value, id, inputmode: "decimal" }, label);
    input.addEventListener("input", () => this.request());
    return { input, text };
  }

  layout() {
    this.rows.forEach((r, i) => { r.row.hidden = i >= this.n; });
  }

  texts() {
    this.title.textContent = t("explore.neuron.title");
    this.intro.textContent = t("explore.neuron.intro");
    this.legend.textContent = t("explore.neuron.inputs");
    for (const c of this.counts) c.text.textContent = t(c.n === 2 ? "explore.neuron.two" : "explore.neuron.three");
    this.rows.forEach((r, i) => {
      r.x.text.textContent = t("explore.neuron.x", { i: SUB[i] });
      r.w.text.textContent = t("explore.neuron.w", { i: SUB[i] });
    });
    this.b.text.textContent = t("explore.neuron.b");
    this.actText.textContent = t("explore.neuron.act");
    this.actOptions.forEach((o) => { o.textContent = t(`explore.act.${o.value}`); });
    this.symTitle.textContent = t("explore.neuron.symbolic");
    this.numTitle.textContent = t("explore.neuron.numeric");
    if (this.res) this.show();
  }

  start() { this.request(); }

  refresh() { this.request(); }

  request() {
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => {
      this.queued = false;
      const rows = this.rows.slice(0, this.n);
      const x = rows.map((r) => readNumber(r.x.input)), w = rows.map((r) => readNumber(r.w.input));
      const b = readNumber(this.b.input);
      if ([...x, ...w, b].some((v) => !Number.isFinite(v))) {
        this.error.textContent = t("explore.neuron.bad");
        this.out.dataset.state = "invalid";
        return;
      }
      this.error.textContent = "";
      const res = this.call("explore.neuron", { x, w, b, activation: this.act.value });
      if (res) { this.res = res; this.show(); }
    });
  }

  /** z = w₁·x₁ + … + b, then a = f(z): the symbols, then Python's numbers step by step. */
  show() {
    const r = this.res, n = r.x.length, f = F_NAME[r.activation];
    const idx = [...Array(n).keys()];
    const apply = (arg) => (f ? `${f}(${arg})` : arg);
    this.sym.textContent = `z = ${idx.map((i) => `w${SUB[i]}·x${SUB[i]}`).join(" + ")} + b    a = ${apply("z")}`;
    const lines = [
      [t("explore.neuron.step.sum"), `z = ${idx.map((i) => `${factor(r.w[i])}·${factor(r.x[i])}`).join(" + ")} + ${factor(r.b)}`],
      ["", `  = ${idx.map((i) => factor(r.terms[i])).join(" + ")} + ${factor(r.b)}`],
      ["", `  = ${fmt(r.z)}`, "neuron-z"],
      [t("explore.neuron.step.act"), `a = ${apply(fmt(r.z))} = ${fmt(r.a)}`, "neuron-a"],
      ["", t("explore.neuron.slope", { d: fmt(r.dadz) })],
    ];
    this.steps.replaceChildren();
    for (const [what, text, id] of lines) {
      const li = h("li", id ? { id } : {}, this.steps);
      h("span", { class: "what" }, li, what);
      h("code", {}, li, text);
    }
    this.out.dataset.z = String(r.z);
    this.out.dataset.a = String(r.a);
    this.out.dataset.state = "ok";
  }
}
