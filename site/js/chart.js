// The line charts' shared parts (training, the learning-rate explorer, the stroke replay, the
// explorers' plots): linear maps, grid lines with their tick labels, and the polyline or path
// through a series. Each chart keeps its own size, margins, classes and ids; this only places
// what Python returned.

import { svg } from "./dom.js";

/** A linear map from [d0, d1] to [r0, r1]. */
export function scale(d0, d1, r0, r1) {
  const k = (r1 - r0) / (d1 - d0 || 1);
  return (v) => r0 + (v - d0) * k;
}

/** A polyline's points, "x,y x,y …" (one decimal), through points [[x, y], …] mapped by sx, sy. */
export function polyPoints(points, sx, sy) {
  return points.map((p) => `${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(" ");
}

/** "M x y L x y …" through the points, starting a new piece after each non-finite point. */
export function linePath(xs, ys, sx, sy) {
  let d = "", pen = false;
  for (let i = 0; i < xs.length; i++) {
    const X = sx(xs[i]), Y = sy(ys[i]);
    if (!Number.isFinite(X) || !Number.isFinite(Y)) { pen = false; continue; }
    d += `${pen ? "L" : "M"}${X.toFixed(1)} ${Y.toFixed(1)}`;
    pen = true;
  }
  return d;
}

/** Horizontal grid lines from x1 to x2 at each value's sy, each followed by its tick label at
 *  (x1 + dx, sy(v) + dy): label(v) is its text, grid the lines' attributes, the rest the labels'. */
export function yGrid(g, values, sy, x1, x2, { dx, dy, label, grid = {}, ...attrs }) {
  for (const v of values) {
    svg("line", { x1, x2, y1: sy(v), y2: sy(v), ...grid }, g);
    svg("text", { x: x1 + dx, y: sy(v) + dy, ...attrs }, g, label(v));
  }
}

/** Vertical grid lines from y1 to y2 at each value's sx, each followed by its tick label at
 *  (sx(v), y2 + dy); as yGrid. */
export function xGrid(g, values, sx, y1, y2, { dy, label, grid = {}, ...attrs }) {
  for (const v of values) {
    svg("line", { x1: sx(v), x2: sx(v), y1, y2, ...grid }, g);
    svg("text", { x: sx(v), y: y2 + dy, ...attrs }, g, label(v));
  }
}

/** Tick labels alone along the x axis, at each value's sx and height y. */
export function xTicks(g, values, sx, y, { label, ...attrs }) {
  for (const v of values) svg("text", { x: sx(v), y, ...attrs }, g, label(v));
}
