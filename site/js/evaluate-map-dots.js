// The point map's points (js/evaluate-map.js): each the digit itself in its class's colour (Paul
// Tol's colour-blind-safe "muted" set: the glyph is the label, so colour is never the only cue);
// mistakes get a dark ring. Python's coordinates, scaled to the square.

import { svg } from "./dom.js";
import { scale } from "./chart.js";

export const SIZE = 400;
const PAD = 14;
const COLOURS = ["#332288", "#88ccee", "#44aa99", "#117733", "#999933", "#ddcc77", "#cc6677", "#882255",
                 "#aa4499", "#555555"];

/** Draw map.points d = {xy (2m), labels (m), preds (m)} into the group g; `of` names what they
 *  are: the same `of` again moves the glyphs in place (a t-SNE settling: rebuilding 1,000 of them
 *  each time would cost more than a frame). -> [sx, sy], the scales used. */
export function drawDots(g, d, of) {
  const xy = d.xy, n = d.labels.length;
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i < n; i++) {
    x0 = Math.min(x0, xy[2 * i]); x1 = Math.max(x1, xy[2 * i]);
    y0 = Math.min(y0, xy[2 * i + 1]); y1 = Math.max(y1, xy[2 * i + 1]);
  }
  const sx = scale(x0, x1, PAD, SIZE - PAD), sy = scale(y0, y1, SIZE - PAD, PAD);
  const at = (i) => [sx(xy[2 * i]).toFixed(1), sy(xy[2 * i + 1]).toFixed(1)];
  if (g.dataset.of === of && g.childElementCount) {
    for (const el of g.children) {
      const [x, y] = at(Number(el.dataset.at));
      const ring = el.tagName === "circle";
      el.setAttribute(ring ? "cx" : "x", x);
      el.setAttribute(ring ? "cy" : "y", y);
    }
    return [sx, sy];
  }
  const frag = document.createDocumentFragment();
  for (let i = 0; i < n; i++) {
    const wrong = d.labels[i] !== d.preds[i];
    const [x, y] = at(i);
    if (wrong) svg("circle", { cx: x, cy: y, r: 8, class: "miss", "data-at": String(i) }, frag);
    svg("text", { x, y, dy: "0.35em", "data-i": String(i), "data-at": String(i), fill: COLOURS[d.labels[i]],
                  class: wrong ? "wrong" : "" }, frag, String(d.labels[i]));
  }
  g.replaceChildren(frag);
  g.dataset.of = of;
  return [sx, sy];
}
