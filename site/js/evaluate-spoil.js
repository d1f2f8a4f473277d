// Spoil the test set (inside #eval): noise, rotation, stroke thickness and shift, each a slider that
// shows what the images look like so spoiled, and curves of accuracy against each spoiler's
// strength for the network in use and a second model. Python (spoil.* in
// digitlab.web.features.spoilers) spoils and scores; this file draws its numbers.

import { t } from "./i18n.js";
import { h, svg } from "./dom.js";
import { pct } from "./lab-dom.js";
import { linePath, scale, xTicks, yGrid } from "./chart.js";
import { loadEvalset } from "./evalset.js";
import { digitPicture } from "./samples.js";
import { nextTask } from "./frame.js";
import { page } from "./page.js";

const KINDS = [   // id, Python's keyword, slider min / max / step
  { kind: "noise", min: 0, max: 0.6, step: 0.1 },
  { kind: "rotate", min: 0, max: 60, step: 10 },
  { kind: "thickness", min: -2, max: 3, step: 1 },
  { kind: "shift", min: 0, max: 6, step: 1 },
];
const W = 260, H = 170, M = { l: 40, r: 10, t: 10, b: 26 };
const tick = (v) => `${Math.round(v * 100)}%`;

export class Spoil {
  constructor(parent) {
    const box = this.box = h("section", { class: "eval-spoil", id: "spoil", "aria-labelledby": "spoil-h",
                                          "data-state": "idle" }, parent);
    this.title = h("h3", { id: "spoil-h" }, box);
    this.intro = h("p", { class: "note" }, box);
    const bar = h("div", { class: "eval-map-controls" }, box);
    this.compareLabel = h("label", { for: "spoil-compare" }, bar);
    this.compare = h("select", { id: "spoil-compare" }, bar);
    for (const o of document.querySelectorAll("#model option")) h("option", { value: o.value }, this.compare, o.value);
    this.compare.value = "mlp-128-64";
    this.runButton = h("button", { type: "button", id: "spoil-run", class: "eval-secondary" }, bar);
    this.status = h("p", { class: "eval-status", role: "status" }, box);
    const grid = h("div", { class: "spoil-grid" }, box);
    this.parts = KINDS.map((k) => this.part(grid, k));
    this.preview = h("ul", { class: "eval-images", id: "spoil-preview", "aria-labelledby": "spoil-preview-h" }, box);
    this.previewTitle = h("h4", { id: "spoil-preview-h" }, null);
    box.insertBefore(this.previewTitle, this.preview);
    this.curves = null;
    this.runButton.addEventListener("click", () => this.run().catch((err) => this.failed(err)));
  }

  part(grid, k) {
    const fig = h("figure", { class: "spoil-part" }, grid);
    const row = h("div", { class: "eval-threshold-row" }, fig);
    const label = h("label", { for: `spoil-${k.kind}` }, row);
    const input = h("input", { type: "range", id: `spoil-${k.kind}`, min: String(k.min), max: String(k.max),
                               step: String(k.step), value: String(Math.max(0, k.min)),
                               "aria-describedby": `spoil-${k.kind}-v` }, row);
    const value = h("output", { id: `spoil-${k.kind}-v`, for: `spoil-${k.kind}` }, row);
    const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": `spoil-${k.kind}-cap` }, fig);
    const caption = h("figcaption", { id: `spoil-${k.kind}-cap` }, fig, t("eval.spoil.idle"));   // the chart's name until it has curves
    input.addEventListener("input", () => { this.render(); this.showImages().catch((err) => this.failed(err)); });
    return { ...k, label, input, value, chart, caption };
  }

  values() {
    const v = {};
    for (const p of this.parts) v[p.kind] = Number(p.input.value);
    return v;
  }

  /** What the first eight sample images look like with the sliders' spoiling, from Python. */
  async showImages() {
    await loadEvalset();
    const r = page.call("spoil.images", { ...this.values(), k: 8 });
    this.preview.replaceChildren(...Array.from(r.indices, (index, i) => {
      const li = h("li", { "data-index": String(index) });
      li.append(digitPicture(r.pixels.subarray(784 * i, 784 * (i + 1))));
      return li;
    }));
  }

  /** Every spoiler at every strength, both networks, a slice per task. */
  async run() {
    const gen = this.gen = (this.gen || 0) + 1;
    this.box.dataset.state = "running";
    this.runButton.disabled = true;
    await loadEvalset();
    const plan = page.call("spoil.start", { model: page.model, compare: this.compare.value });
    this.models = plan.models;
    for (;;) {
      const r = page.call("spoil.step", { budget_ms: 8 });
      this.status.textContent = t("eval.spoil.running", { done: r.done, total: r.total });
      if (r.done >= r.total) break;
      await nextTask();
      if (gen !== this.gen) return;
    }
    this.curves = page.call("spoil.curves");
    this.box.dataset.state = "done";
    this.runButton.disabled = false;
    this.render();
    await this.showImages();
  }

  failed(err) {
    this.box.dataset.state = "idle";
    this.runButton.disabled = false;
    this.status.textContent = t("eval.error", { message: String(err.message || err).trim().split("\n").pop() });
  }

  render() {
    this.title.textContent = t("eval.spoil.title");
    this.intro.textContent = t("eval.spoil.intro");
    this.compareLabel.textContent = t("eval.spoil.compare");
    this.runButton.textContent = t("eval.spoil.run");
    this.previewTitle.textContent = t("eval.spoil.preview");
    if (this.box.dataset.state !== "running") {
      this.status.textContent = this.curves ? t("eval.spoil.done", { a: this.curves.models[0], b: this.curves.models.at(-1) })
        : t("eval.spoil.idle");
    }
    for (const p of this.parts) {
      p.label.textContent = t(`eval.spoil.${p.kind}`);
      p.value.textContent = t(`eval.spoil.${p.kind}.v`, { v: Number(p.input.value) });
      this.draw(p);
    }
  }

  /** Accuracy against strength: the network in use solid, the other dashed; a line at the slider. */
  draw(p) {
    p.chart.replaceChildren();
    const c = this.curves;
    if (!c) { p.caption.textContent = t("eval.spoil.idle"); return; }
    const xs = c.strengths[p.kind];
    const sx = scale(xs[0], xs.at(-1), M.l, W - M.r), sy = scale(0, 1, H - M.b, M.t);
    const g = svg("g", { class: "grid" }, p.chart);
    yGrid(g, [0, 0.5, 1], sy, M.l, W - M.r, { dx: -5, dy: 4, "text-anchor": "end", label: tick });
    xTicks(g, xs, sx, H - 8, { "text-anchor": "middle", label: String });
    const v = Number(p.input.value);
    svg("line", { x1: sx(v), x2: sx(v), y1: M.t, y2: H - M.b, class: "at" }, p.chart);
    const at = xs.findIndex((x) => Math.abs(x - v) < 1e-9);
    const parts = [];
    c.models.forEach((m, i) => {
      const ys = c.accuracy[m][p.kind];
      svg("path", { d: linePath(xs, ys, sx, sy), class: i ? "curve other" : "curve", "data-model": m }, p.chart);
      parts.push(t("eval.spoil.series", { model: m, values: ys.map((y, j) => `${xs[j]}: ${pct(y)}`).join(", "),
                                          here: at >= 0 ? pct(ys[at]) : "–" }));
    });
    p.caption.textContent = parts.join(" ");
  }
}
