// Softmax with a temperature: four editable scores and a log slider for T. Python
// (explore.softmax -> digitlab.core.activations.softmax) gives the probabilities; JS draws bars.

import { t, onLang } from "./i18n.js";
import { h } from "./dom.js";
import { fmt, readNumber } from "./explore-svg.js";

const START = [2, 1, 0.1, -1];

/** The slider runs 0..100 on a log scale: T from 0.1 to 10, with T = 1 in the middle. */
const tempOf = (v) => Math.pow(10, (v - 50) / 50);

export class SoftmaxExplorer {
  constructor(parent, call) {
    this.call = call;
    this.queued = false;
    this.build(parent);
    onLang(() => this.texts());
  }

  build(parent) {
    const card = h("section", { class: "card explore-card", id: "softmax-explorer", "aria-labelledby": "sm-h" }, parent);
    this.title = h("h2", { id: "sm-h" }, card);
    this.intro = h("p", { class: "explore-intro" }, card);
    this.formula = h("p", { class: "explore-formula" }, card);
    const form = h("div", { class: "sm-inputs" }, card);
    this.inputs = START.map((v, i) => {
      const label = h("label", { class: "num" }, form);
      const text = h("span", {}, label);
      const input = h("input", { type: "number", step: "0.1", value: v, inputmode: "decimal", id: `sm-z${i + 1}` }, label);
      input.addEventListener("input", () => this.request());
      return { text, input };
    });
    const temp = h("label", { class: "range" }, card);
    this.tempText = h("span", {}, temp);
    this.temp = h("input", { type: "range", min: 0, max: 100, step: 1, value: 50, id: "sm-temp" }, temp);
    this.tempValue = h("output", { for: "sm-temp", class: "range-value" }, temp);
    this.temp.addEventListener("input", () => this.request());
    this.probsTitle = h("h3", {}, card);
    this.bars = h("ol", { class: "sm-bars", id: "sm-probs" }, card);
    this.error = h("p", { class: "note warn", role: "status" }, card);
    this.sum = h("p", { class: "note" }, card);
    this.texts();
  }

  texts() {
    this.title.textContent = t("explore.sm.title");
    this.intro.textContent = t("explore.sm.intro");
    this.formula.textContent = t("explore.sm.formula");
    this.inputs.forEach((r, i) => { r.text.textContent = t("explore.sm.score", { i: i + 1 }); });
    this.tempText.textContent = t("explore.sm.temp");
    this.probsTitle.textContent = t("explore.sm.probs");
    this.sum.textContent = t("explore.sm.sum");
    this.temp.setAttribute("aria-valuetext", `T = ${fmt(tempOf(Number(this.temp.value)), 2)}`);
    if (this.res) this.show();
  }

  start() { this.request(); }

  refresh() { this.request(); }

  request() {
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => {
      this.queued = false;
      const z = this.inputs.map((r) => readNumber(r.input));
      const T = tempOf(Number(this.temp.value));
      this.tempValue.textContent = `T = ${fmt(T, 2)}`;
      this.temp.setAttribute("aria-valuetext", `T = ${fmt(T, 2)}`);
      if (z.some((v) => !Number.isFinite(v))) {
        this.error.textContent = t("explore.neuron.bad");
        return;
      }
      this.error.textContent = "";
      const res = this.call("explore.softmax", { z, T });
      if (res) { this.res = res; this.show(); }
    });
  }

  show() {
    const { p, zt } = this.res;
    const best = p.indexOf(Math.max(...p));
    this.bars.replaceChildren();
    p.forEach((v, i) => {
      const li = h("li", { "data-p": v, class: i === best ? "best" : "" }, this.bars);
      h("span", { class: "lab" }, li, `z${i + 1}/T = ${fmt(zt[i], 2)}`);
      const bar = h("span", { class: "bar" }, li);
      h("span", {}, bar).style.transform = `scaleX(${v})`;
      h("span", { class: "val" }, li, fmt(v, 3));
    });
  }
}
