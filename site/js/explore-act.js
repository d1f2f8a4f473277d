// The activation-function explorer: pick f, drag x along the plot (or use the keys), read f(x)
// and f′(x). Every value, and every point of the curves, is computed by Python
// (explore.activation -> digitlab.core.activations); this file only draws them.

import { t, onLang } from "./i18n.js";
import { h, svg } from "./dom.js";
import { linePath, scale } from "./chart.js";
import { fmt } from "./explore-svg.js";

const NAMES = ["relu", "leaky_relu", "sigmoid", "tanh"];
const X_MIN = -4, X_MAX = 4;
const Y_RANGE = { relu: [-1, 4], leaky_relu: [-1, 4], sigmoid: [-0.2, 1.2], tanh: [-1.2, 1.2] };
const W = 480, H = 300, M = { l: 40, r: 12, t: 12, b: 28 };   // the plot's box in viewBox units

export class ActivationExplorer {
  constructor(parent, call) {
    this.call = call;
    this.name = "relu";
    this.x = 1;
    this.res = null;        // the last answer from Python
    this.curve = null;      // {xs, f, df} for this.name
    this.queued = false;
    this.build(parent);
    onLang(() => this.texts());
  }

  build(parent) {
    const card = h("section", { class: "card explore-card", id: "act-explorer", "aria-labelledby": "act-h" }, parent);
    this.title = h("h2", { id: "act-h" }, card);
    this.intro = h("p", { class: "explore-intro" }, card);
    const fs = h("fieldset", { class: "seg" }, card);
    this.legend = h("legend", { class: "sr-only" }, fs);
    this.radios = NAMES.map((n) => {
      const label = h("label", {}, fs);
      const input = h("input", { type: "radio", name: "act-fn", value: n }, label);
      input.checked = n === this.name;
      input.addEventListener("change", () => this.choose(n));
      return { n, input, text: h("span", {}, label) };
    });
    this.formula = h("p", { class: "explore-formula", id: "act-formula" }, card);
    this.buildPlot(card);
    const dl = h("dl", { class: "readout", id: "act-readout" }, card);
    this.out = {};
    for (const [key, label] of [["x", "x"], ["fx", "f(x)"], ["dfx", "f′(x)"]]) {
      const row = h("div", {}, dl);
      h("dt", {}, row, label);
      this.out[key] = h("dd", { id: `act-${key}` }, row, "–");
    }
    this.note = h("p", { class: "note", id: "act-note" }, card);
    this.keys = h("p", { class: "note" }, card);
    this.texts();
  }

  buildPlot(card) {
    const wrap = h("div", { class: "plot-wrap" }, card);
    this.svg = svg("svg", { id: "act-plot", class: "explore-plot drag", viewBox: `0 0 ${W} ${H}`, tabindex: 0,
      role: "slider", "aria-valuemin": X_MIN, "aria-valuemax": X_MAX, "aria-orientation": "horizontal" });
    wrap.appendChild(this.svg);
    this.grid = svg("g", { class: "grid" }, this.svg);
    this.pathF = svg("path", { class: "curve f" }, this.svg);
    this.pathDf = svg("path", { class: "curve df" }, this.svg);
    this.guide = svg("line", { class: "guide" }, this.svg);
    this.tangent = svg("line", { class: "tangent" }, this.svg);
    this.dotF = svg("circle", { class: "dot f", r: 7 }, this.svg);
    this.dotDf = svg("circle", { class: "dot df", r: 5.5 }, this.svg);
    const key = h("ul", { class: "plot-key" }, card);
    this.keyF = h("li", { class: "k-f" }, key);
    this.keyDf = h("li", { class: "k-df" }, key);
    this.svg.addEventListener("pointerdown", (e) => {
      this.svg.setPointerCapture(e.pointerId);
      this.fromPointer(e);
    });
    this.svg.addEventListener("pointermove", (e) => {
      if (this.svg.hasPointerCapture(e.pointerId)) this.fromPointer(e);
    });
    this.svg.addEventListener("keydown", (e) => this.onKey(e));
  }

  /** The static text in the current language. */
  texts() {
    this.title.textContent = t("explore.act.title");
    this.intro.textContent = t("explore.act.intro");
    this.legend.textContent = t("explore.act.choose");
    for (const r of this.radios) r.text.textContent = t(`explore.act.${r.n}`);
    this.keyF.textContent = t("explore.act.legend.f");
    this.keyDf.textContent = t("explore.act.legend.df");
    this.keys.textContent = t("explore.act.keys");
    if (this.res) this.show();
    else this.formula.textContent = t("explore.loading");
  }

  start() {
    this.choose(this.name);
  }

  /** The code changed: fetch the curve and the point again. */
  refresh() {
    this.choose(this.name);
  }

  choose(name) {
    this.name = name;
    this.curve = null;
    this.request();
  }

  setX(x) {
    this.x = Math.min(X_MAX, Math.max(X_MIN, Math.round(x * 100) / 100));   // 0.01 steps: readable x
    this.request();
  }

  /** One Python call per frame however fast the pointer moves (the latest x wins). */
  request() {
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => {
      this.queued = false;
      const res = this.call("explore.activation", { name: this.name, x: this.x, curve: !this.curve });
      if (!res) return;
      if (res.curve) this.curve = res.curve;
      this.res = res;
      this.show();
    });
  }

  fromPointer(e) {
    const p = new DOMPoint(e.clientX, e.clientY).matrixTransform(this.svg.getScreenCTM().inverse());
    this.setX(this.sx.invert(p.x));
  }

  onKey(e) {
    const steps = { ArrowRight: 0.1, ArrowUp: 0.1, ArrowLeft: -0.1, ArrowDown: -0.1, PageUp: 1, PageDown: -1 };
    if (e.key in steps) this.setX(this.x + steps[e.key]);
    else if (e.key === "Home") this.setX(X_MIN);
    else if (e.key === "End") this.setX(X_MAX);
    else return;
    e.preventDefault();
  }

  get sx() {
    const f = scale(X_MIN, X_MAX, M.l, W - M.r);
    f.invert = scale(M.l, W - M.r, X_MIN, X_MAX);
    return f;
  }

  /** Draw the curves, the point and the readout from Python's answer. */
  show() {
    const r = this.res, sx = this.sx, [y0, y1] = Y_RANGE[r.name];
    const sy = scale(y0, y1, H - M.b, M.t);
    this.axes(sx, sy, y0, y1);
    this.pathF.setAttribute("d", linePath(this.curve.xs, this.curve.f, sx, sy));
    this.pathDf.setAttribute("d", linePath(this.curve.xs, this.curve.df, sx, sy));
    const X = sx(r.x);
    place(this.guide, { x1: X, x2: X, y1: M.t, y2: H - M.b });
    place(this.dotF, { cx: X, cy: sy(r.fx) });
    place(this.dotDf, { cx: X, cy: sy(r.dfx) });
    // The tangent at x has Python's slope f′(x): it shows what "the slope" means.
    const half = 0.9 / Math.sqrt(1 + r.dfx * r.dfx);
    const a = Math.max(X_MIN, r.x - half) - r.x, b = Math.min(X_MAX, r.x + half) - r.x;   // stay inside the plot
    place(this.tangent, { x1: sx(r.x + a), y1: sy(r.fx + a * r.dfx), x2: sx(r.x + b), y2: sy(r.fx + b * r.dfx) });
    const vals = { x: r.x, fx: r.fx, dfx: r.dfx };
    for (const k of Object.keys(vals)) {
      this.out[k].textContent = fmt(vals[k]);
      this.out[k].dataset.value = String(vals[k]);
    }
    const leak = fmt(r.leak);
    this.formula.textContent = t(`explore.act.formula.${r.name}`, { leak });
    this.note.textContent = t(`explore.act.note.${r.name}`, { leak });
    this.svg.setAttribute("aria-label", t("explore.act.plot", { name: t(`explore.act.${r.name}`) }));
    this.svg.setAttribute("aria-valuenow", r.x);
    this.svg.setAttribute("aria-valuetext", t("explore.act.valuetext",
      { x: fmt(r.x), fx: fmt(r.fx), dfx: fmt(r.dfx) }));
    this.svg.dataset.name = r.name;
  }

  /** Grid lines at whole numbers, the axes through 0, a few labels. */
  axes(sx, sy, y0, y1) {
    if (this.grid.dataset.range === `${y0},${y1}`) return;
    this.grid.dataset.range = `${y0},${y1}`;
    this.grid.replaceChildren();
    const yStep = y1 - y0 > 3 ? 1 : 0.5;
    for (let v = X_MIN; v <= X_MAX; v++) {
      svg("line", { x1: sx(v), x2: sx(v), y1: M.t, y2: H - M.b, class: v === 0 ? "axis" : "" }, this.grid);
      svg("text", { x: sx(v), y: H - M.b + 18, class: "tick", "text-anchor": "middle" }, this.grid).textContent = fmt(v);
    }
    for (let v = Math.ceil(y0 / yStep) * yStep; v <= y1 + 1e-9; v += yStep) {
      svg("line", { x1: M.l, x2: W - M.r, y1: sy(v), y2: sy(v), class: Math.abs(v) < 1e-9 ? "axis" : "" }, this.grid);
      svg("text", { x: M.l - 6, y: sy(v) + 4, class: "tick", "text-anchor": "end" }, this.grid).textContent = fmt(v);
    }
  }
}

function place(el, attrs) {
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, Number.isFinite(v) ? v.toFixed(1) : "-999");
}
