// The learning-rate explorer's two pictures besides the curves: the training data (a small
// scatter) and the loss landscape, a heat map of Python's loss grid on a plane through the
// trained weights with the optimiser's path projected on it. Drawing only.

import { t } from "./i18n.js";
import { h, svg } from "./dom.js";
import { scale } from "./chart.js";
import { fmt, fmtLoss } from "./explore-svg.js";

const S = 400, M = { l: 34, r: 8, t: 8, b: 34 };          // landscape viewBox and margins
// Viridis stops: a perceptually even, colour-blind-safe sequential map (low = dark blue).
const VIRIDIS = ["#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30", "#fde725"];

function colour(u) {
  const x = Math.min(1, Math.max(0, u)) * (VIRIDIS.length - 1), i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const [a, b] = [VIRIDIS[i], VIRIDIS[i + 1]].map((hex) => [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16)));
  return `rgb(${a.map((v, k) => Math.round(v + (b[k] - v) * (x - i))).join(",")})`;
}

export class Landscape {
  constructor(card, top, onChoose) {
    this.onChoose = onChoose;
    const fig = h("figure", { class: "lr-data" }, top);
    this.data = svg("svg", { id: "lr-data", viewBox: "0 0 120 120", role: "img" });
    fig.appendChild(this.data);
    this.dataCaption = h("figcaption", {}, fig);
    this.key = null;
  }

  mountPlot(card) {
    const sec = h("div", { class: "lr-land", id: "lr-land-box" }, card);
    this.title = h("h3", {}, sec);
    this.intro = h("p", { class: "note" }, sec);
    const pick = h("label", { class: "lr-pick" }, sec);
    this.pickText = h("span", {}, pick);
    this.pick = h("select", { id: "lr-land-run", disabled: "" }, pick);
    this.pick.addEventListener("change", () => this.onChoose(Number(this.pick.value)));
    const wrap = h("div", { class: "plot-wrap square" }, sec);
    this.svg = svg("svg", { id: "lr-land", class: "explore-plot", viewBox: `0 0 ${S} ${S}`, role: "img" });
    wrap.appendChild(this.svg);
    const scaleRow = h("div", { class: "heat-key", "aria-hidden": "true" }, sec);
    this.low = h("span", {}, scaleRow);
    const ramp = svg("svg", { viewBox: "0 0 100 10", preserveAspectRatio: "none", class: "ramp" });
    scaleRow.appendChild(ramp);
    for (let i = 0; i < 20; i++) svg("rect", { x: i * 5, y: 0, width: 5.2, height: 10, fill: colour(i / 19) }, ramp);
    this.high = h("span", {}, scaleRow);
    this.centre = h("p", { class: "note", id: "lr-land-centre" }, sec);
  }

  texts() {
    this.dataCaption.textContent = t("explore.lr.data");
    this.dataName();
    this.title.textContent = t("explore.lr.land");
    this.intro.textContent = t("explore.lr.land.intro");
    this.pickText.textContent = t("explore.lr.land.run");
    this.low.textContent = t("explore.lr.land.low");
    this.high.textContent = t("explore.lr.land.high");
    if (!this.svg.hasAttribute("aria-label")) this.svg.setAttribute("aria-label", t("explore.lr.land.none"));
    this.key = null;            // redraw the axis labels in the new language
  }

  /** The scatter's text alternative: how many points, once they are drawn. */
  dataName() {
    this.data.setAttribute("aria-label", this.nPoints ? t("explore.lr.data.alt", { n: this.nPoints }) : t("explore.lr.data"));
  }

  /** The training points (X (n·2) flat, y (n,)), drawn once per sweep. */
  reset(points) {
    this.nPoints = points.y.length;
    this.dataName();
    this.data.replaceChildren();
    const s = scale(-4.4, 4.4, 4, 116);
    for (let i = 0; i < points.y.length; i++) {
      svg("circle", { cx: s(points.X[2 * i]).toFixed(1), cy: s(-points.X[2 * i + 1]).toFixed(1), r: 2,
        class: `pt c${points.y[i]}` }, this.data);
    }
    this.svg.replaceChildren();
    this.key = null;
    this.centre.textContent = "";
  }

  /** The run picker, the heat map so far, the path, the axes. r: lr.work's report. */
  show(r) {
    this.options(r);
    const L = r.landscape;
    if (!L) return;
    const key = `${L.run}:${t("explore.lr.land.axis1", { p: 0 })}`;
    if (this.key !== key) this.frame(L, key);
    this.fill(L);
    this.centre.textContent = L.centre_loss === null || L.centre_loss === undefined ? ""
      : t("explore.lr.land.centre", { loss: fmtLoss(L.centre_loss) });
    this.svg.dataset.run = L.run;
    this.svg.dataset.rows = L.rows;
    this.svg.dataset.centreLoss = L.centre_loss ?? "";
    const ok = Array.from(L.grid).filter(Number.isFinite);
    this.svg.setAttribute("aria-label", !ok.length ? t("explore.lr.land.none") : t("explore.lr.land.aria", {
      lr: fmt(L.lr, 4), lo: fmtLoss(Math.min(...ok)), hi: fmtLoss(Math.max(...ok)), centre: L.centre_loss == null ? "–" : fmtLoss(L.centre_loss) }));
  }

  options(r) {
    const calm = r.runs.map((x, i) => [x, i]).filter(([x]) => x.verdict && x.verdict !== "diverged");
    const sig = calm.map(([x, i]) => `${i}:${x.lr}`).join(",") + t("explore.lr.rate", { lr: "" });
    if (this.pick.dataset.sig !== sig) {
      this.pick.dataset.sig = sig;
      this.pick.replaceChildren(...calm.map(([x, i]) => h("option", { value: i }, null,
        t("explore.lr.rate", { lr: fmt(x.lr, 4) }))));
    }
    this.pick.disabled = calm.length === 0;
    if (r.landscape) this.pick.value = String(r.landscape.run);
  }

  /** A new landscape: the cells, the path, the axes (once per run and language). */
  frame(L, key) {
    this.key = key;
    this.svg.replaceChildren();
    const n = L.n, sx = scale(L.alpha[0], L.alpha[n - 1], M.l, S - M.r), sy = scale(L.beta[0], L.beta[n - 1], S - M.b, M.t);
    const cw = (S - M.l - M.r) / n, ch = (S - M.t - M.b) / n;
    const cells = svg("g", { class: "cells" }, this.svg);
    this.cells = [];
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      this.cells.push(svg("rect", { x: (M.l + j * cw).toFixed(2), y: (S - M.b - (i + 1) * ch).toFixed(2),
        width: (cw + 0.3).toFixed(2), height: (ch + 0.3).toFixed(2), class: "cell", fill: "#eeeeee" }, cells));
    }
    const pts = [];
    for (let k = 0; k < L.path.length / 2; k++) pts.push(`${sx(L.path[2 * k]).toFixed(1)},${sy(L.path[2 * k + 1]).toFixed(1)}`);
    const path = svg("g", { class: "path" }, this.svg);
    svg("polyline", { points: pts.join(" "), class: "trail" }, path);
    const [x0, y0] = pts[0].split(","), [x1, y1] = [sx(0), sy(0)];
    svg("circle", { cx: x0, cy: y0, r: 6, class: "start" }, path);
    svg("circle", { cx: x1, cy: y1, r: 6, class: "end" }, path);
    this.label(path, Number(x0), Number(y0), t("explore.lr.land.start"));
    this.label(path, x1, y1, t("explore.lr.land.end"));
    svg("text", { x: (M.l + S - M.r) / 2, y: S - 10, class: "axis-label", "text-anchor": "middle" }, this.svg)
      .textContent = t("explore.lr.land.axis1", { p: fmt(100 * L.explained[0], 1) });
    const my = (M.t + S - M.b) / 2;
    svg("text", { x: 14, y: my, class: "axis-label", "text-anchor": "middle", transform: `rotate(-90 14 ${my})` }, this.svg)
      .textContent = t("explore.lr.land.axis2", { p: fmt(100 * L.explained[1], 1) });
  }

  /** A label beside a marker, on the side with room (inside the plot). */
  label(parent, x, y, text) {
    const right = x < S * 0.6;
    svg("text", { x: right ? x + 10 : x - 10, y: y < S * 0.2 ? y + 20 : y - 10, class: "path-label",
      "text-anchor": right ? "start" : "end" }, parent).textContent = text;
  }

  /** Colour the cells computed so far: log10 loss between the grid's finite min and max. */
  fill(L) {
    const logs = Array.from(L.grid, (v) => (Number.isFinite(v) && v > 0 ? Math.log10(v) : NaN));
    const ok = logs.filter(Number.isFinite);
    if (!ok.length) return;
    const lo = Math.min(...ok), hi = Math.max(...ok);
    logs.forEach((v, k) => {
      const c = this.cells[k];
      if (Number.isFinite(v)) c.setAttribute("fill", colour((v - lo) / (hi - lo || 1)));
      c.dataset.loss = Number.isFinite(L.grid[k]) ? L.grid[k] : "";
    });
  }
}
