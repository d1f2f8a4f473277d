// Live line charts (SVG) for the training panel: loss and accuracy over iterations, a train and
// a test series each. Python sends the points ([iteration, loss, accuracy]); this only scales
// them into the chart's box and writes one <polyline> per series.

import { svg } from "./dom.js";
import { polyPoints, xTicks, yGrid } from "./chart.js";

const W = 320, H = 150, PAD = { l: 40, r: 16, t: 10, b: 24 };
const MAX_POINTS = 600;   // older points are thinned two to one beyond this, so a polyline stays short

function fmt(v) {
  if (v === 0) return "0";
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 1) return v.toFixed(1);
  return v.toPrecision(2);
}

export class LineChart {
  /** root: an empty <svg>; series: [{key, cls, dots?}]; y: {min, max} fixed, or null to fit the data;
   *  describe(data) -> the chart's text alternative ({key: [[x, y], ...]}), set on every redraw. */
  constructor(root, series, y = null, describe = null) {
    this.svg = root;
    this.fixedY = y;
    this.describe = describe;
    root.setAttribute("viewBox", `0 0 ${W} ${H}`);
    this.frame = svg("g", { class: "axes" }, root);
    this.lines = {};
    this.data = {};
    this.dots = {};
    for (const s of series) {
      this.data[s.key] = [];
      this.lines[s.key] = svg("polyline", { class: `series ${s.cls}`, fill: "none", "data-series": s.key }, root);
      if (s.dots) this.dots[s.key] = svg("g", { class: `dots ${s.cls}` }, root);
    }
    this.redraw();
  }

  reset() {
    for (const k in this.data) this.data[k] = [];
    this.redraw();
  }

  /** points: [[x, y], ...] to append to series key. */
  add(key, points) {
    if (!points.length) return;
    const d = this.data[key];
    for (const p of points) d.push(p);
    if (d.length > MAX_POINTS) this.data[key] = d.filter((_, i) => i % 2 === 0 || i === d.length - 1);
    this.dirty = true;
  }

  count() { return Object.values(this.data).reduce((n, d) => n + d.length, 0); }

  lastX() { return Math.max(0, ...Object.values(this.data).map((d) => (d.length ? d[d.length - 1][0] : 0))); }

  redraw() {
    this.dirty = false;
    const all = Object.values(this.data).flat();
    const xMax = Math.max(1, ...all.map((p) => p[0]));
    let yMin = 0, yMax = 1;
    if (this.fixedY) ({ min: yMin, max: yMax } = this.fixedY);
    else if (all.length) yMax = Math.max(1e-6, ...all.map((p) => p[1])) * 1.05;
    const sx = (x) => PAD.l + (x / xMax) * (W - PAD.l - PAD.r);
    const sy = (y) => H - PAD.b - ((Math.min(Math.max(y, yMin), yMax) - yMin) / (yMax - yMin)) * (H - PAD.t - PAD.b);
    for (const k in this.data) {
      this.lines[k].setAttribute("points", polyPoints(this.data[k], sx, sy));
      if (this.dots[k]) {      // the few test points, each visible even alone
        this.dots[k].replaceChildren();
        for (const p of this.data[k]) svg("circle", { cx: sx(p[0]).toFixed(1), cy: sy(p[1]).toFixed(1), r: 2.5 }, this.dots[k]);
      }
    }
    this._axes(xMax, yMin, yMax, sx, sy);
    if (this.describe) this.svg.setAttribute("aria-label", this.describe(this.data));
  }

  _axes(xMax, yMin, yMax, sx, sy) {
    this.frame.replaceChildren();
    svg("line", { x1: PAD.l, y1: H - PAD.b, x2: W - PAD.r, y2: H - PAD.b, class: "axis" }, this.frame);
    svg("line", { x1: PAD.l, y1: PAD.t, x2: PAD.l, y2: H - PAD.b, class: "axis" }, this.frame);
    const ys = [0, 0.5, 1].map((f) => yMin + f * (yMax - yMin));
    yGrid(this.frame, ys, sy, PAD.l, W - PAD.r, { dx: -4, dy: 4, label: fmt, grid: { class: "grid" }, class: "tick y" });
    const ticks = new Set([0, 0.5, 1].map((f) => Math.round(f * xMax)));   // no "0 1 1" while xMax is 1
    xTicks(this.frame, ticks, sx, H - 8, { label: String, class: "tick x" });
  }
}
