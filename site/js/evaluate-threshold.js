// "I don't know" (inside #eval): a confidence threshold under which the network declines to
// answer. Python (eval.threshold) sets it for the live answer, which then says it is not sure
// under it, and measures it on the last run: coverage (share of images still answered), the
// accuracy on those, and the whole curve of accuracy against coverage drawn here.

import { t } from "./i18n.js";
import { h, svg } from "./dom.js";
import { pct } from "./lab-dom.js";
import { linePath, scale, xGrid, yGrid } from "./chart.js";
import { page } from "./page.js";

const W = 420, H = 230, M = { l: 52, r: 22, t: 12, b: 40 };
const tick = (v) => `${Math.round(v * 100)}%`;

export class Threshold {
  constructor(parent) {
    const box = this.box = h("section", { class: "eval-threshold", "aria-labelledby": "eval-threshold-h" }, parent);
    this.title = h("h3", { id: "eval-threshold-h" }, box);
    this.intro = h("p", { class: "note" }, box);
    const row = h("div", { class: "eval-threshold-row" }, box);
    this.label = h("label", { for: "eval-threshold" }, row);
    this.input = h("input", { type: "range", id: "eval-threshold", min: "0", max: "1", step: "0.01", value: "0.6",
                              "aria-describedby": "eval-threshold-v" }, row);
    this.value = h("output", { id: "eval-threshold-v", for: "eval-threshold" }, row);
    const figs = h("dl", { class: "eval-figures" }, box);
    this.coverage = this.figure(figs, "eval-coverage");
    this.accepted = this.figure(figs, "eval-accepted-accuracy");
    const fig = h("figure", { class: "eval-curve" }, box);
    this.chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": "eval-curve-cap" }, fig);
    this.caption = h("figcaption", { id: "eval-curve-cap" }, fig);
    this.r = null;
    this.input.addEventListener("input", () => this.set(Number(this.input.value)));
  }

  figure(parent, id) {
    const div = h("div", {}, parent);
    return { dt: h("dt", {}, div), dd: h("dd", { id }, div) };
  }

  /** Python is up or a run finished: read the threshold in use and its figures. */
  refresh() {
    if (!page.ready) return;
    this.show(page.call("eval.threshold", {}));
  }

  /** The person moved the slider: Python takes it for the live answer, which is re-read. */
  set(v) {
    this.show(page.call("eval.threshold", { value: v }));
    page.update();
  }

  show(r) {
    this.r = r;
    if (Math.abs(Number(this.input.value) - r.threshold) > 1e-9) this.input.value = String(r.threshold);
    this.render();
  }

  render() {
    const r = this.r;
    this.title.textContent = t("eval.thr.title");
    this.intro.textContent = t("eval.thr.intro");
    this.label.textContent = t("eval.thr.label");
    this.value.textContent = r ? pct(r.threshold) : "";
    this.coverage.dt.textContent = t("eval.thr.coverage");
    this.accepted.dt.textContent = t("eval.thr.accuracy");
    for (const [f, v] of [[this.coverage, r?.coverage], [this.accepted, r?.accuracy]]) {
      f.dd.textContent = v == null ? "–" : pct(v);
      if (v == null) delete f.dd.dataset.value; else f.dd.dataset.value = String(v);
    }
    this.draw(r);
  }

  /** Accuracy on the accepted images (y) against coverage (x), and where the threshold sits. */
  draw(r) {
    const rows = r?.curve ?? [];   // [coverage, accuracy, threshold], coverage rising to 1
    this.chart.replaceChildren();
    if (!rows.length) { this.caption.textContent = t("eval.thr.none"); return; }
    const lo = Math.min(...rows.map((p) => p[1]));
    const y0 = Math.max(0, Math.floor(lo * 20) / 20 - 0.05 * (lo > 0.95));
    const sx = scale(0, 1, M.l, W - M.r), sy = scale(y0, 1, H - M.b, M.t);
    const g = svg("g", { class: "grid" }, this.chart);
    yGrid(g, [y0, (y0 + 1) / 2, 1], sy, M.l, W - M.r, { dx: -6, dy: 4, "text-anchor": "end", label: tick });
    xGrid(g, [0, 0.5, 1], sx, M.t, H - M.b, { dy: 16, "text-anchor": "middle", label: tick });
    svg("text", { x: (M.l + W - M.r) / 2, y: H - 4, "text-anchor": "middle", class: "axis" }, this.chart, t("eval.thr.coverage"));
    svg("path", { d: linePath(rows.map((p) => p[0]), rows.map((p) => p[1]), sx, sy), class: "curve" }, this.chart);
    if (r.coverage > 0 && r.accuracy != null) {
      svg("circle", { cx: sx(r.coverage), cy: sy(r.accuracy), r: 6, class: "here" }, this.chart);
    }
    const at = (c) => rows.reduce((a, b) => (Math.abs(b[0] - c) < Math.abs(a[0] - c) ? b : a));
    this.caption.textContent = t("eval.thr.caption", {
      all: pct(at(1)[1]), c90: pct(at(0.9)[1]), c50: pct(at(0.5)[1]),
      here: r.accuracy == null ? "–" : pct(r.accuracy), cov: pct(r.coverage), thr: pct(r.threshold) });
  }
}
