// Stroke replay: the ten probabilities after each stroke of the drawing (one point per stroke),
// and a scrubber (#replay-scrub) that puts the first k strokes back on the pad, so everything on
// the page follows. The prefixes are drawn with the pad's own code (same pixels as the pad) and
// read by Python in one call (features/replay.py): the chart shows Python's numbers only.

import { onLang, t } from "./i18n.js";
import { SIZE } from "./pad.js";
import { EVENTS, page } from "./page.js";
import { svg } from "./dom.js";
import { polyPoints, yGrid } from "./chart.js";

const W = 320, H = 130, L = 34, R = 22, T = 10, B = 28;        // viewBox and margins
// Okabe-Ito, for the digits that lead at some stroke; the rest are thin grey lines.
const COLOURS = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#000000"];
const MAX_STROKES = 64;                                           // features/replay.py MAX_PREFIXES
const GAP_MS = 250;                                               // least time between two re-reads of the prefixes

export function initReplay() {
  return new Replay().section;
}

class Replay {
  constructor() {
    const section = this.section = document.createElement("section");
    section.className = "replay";
    section.setAttribute("aria-labelledby", "replay-h");
    this.h = Object.assign(document.createElement("h3"), { id: "replay-h" });
    this.note = Object.assign(document.createElement("p"), { className: "note replay-note" });
    this.svg = svg("svg", { id: "replay", viewBox: `0 0 ${W} ${H}`, role: "img", "data-points": "0" });
    const label = Object.assign(document.createElement("label"), { className: "replay-scrub" });
    this.labelText = document.createElement("span");
    this.scrub = Object.assign(document.createElement("input"),
      { type: "range", id: "replay-scrub", min: "0", max: "0", step: "1", value: "0", disabled: true });
    this.out = document.createElement("output");
    this.out.htmlFor = "replay-scrub";
    label.append(this.labelText, this.scrub, this.out);
    section.append(this.h, this.svg, label, this.note);
    // full: the drawing's strokes; k: how many are on the pad; data: Python's answer for 1..n,
    // read with the network of (model, version)
    Object.assign(this, { full: [], k: 0, model: null, version: -1, data: null, base: null, pending: 0,
                          lastRun: -Infinity });
    addEventListener(EVENTS.update, (e) => this.updated(e.detail));
    this.scrub.addEventListener("input", () => this.scrubTo(Number(this.scrub.value)));
    onLang(() => this.words());
    this.words();
  }

  words() {
    this.h.textContent = t("replay.heading");
    this.note.textContent = this.full.length ? t("replay.note") : t("replay.empty");
    this.svg.setAttribute("aria-label", t("replay.chart"));
    this.labelText.textContent = t("replay.scrub");
    this.out.textContent = t("replay.value", { k: this.k, n: this.full.length });
    this.scrub.setAttribute("aria-valuetext", this.out.textContent);
    if (this.data) this.draw();
  }

  /** After every update: is the pad still showing a prefix the replay put there? Else start over. */
  updated({ model, version }) {
    const pad = page.pad;
    if (pad.active) return;                                  // mid-stroke: wait for its end
    if (model === this.model && pad.base === this.base && samePrefix(pad.strokes, this.full, this.k)) {
      // the same drawing, but the network changed (damage, an edit): read the prefixes again
      if (this.k === this.full.length && version !== this.version) {
        this.version = version;
        this.recompute();
      }
      return;
    }
    this.full = pad.strokes.slice(0, MAX_STROKES).map((s) => ({ w: s.w, pts: s.pts.slice() }));
    this.k = this.full.length;
    this.model = model;
    this.version = version;
    this.base = pad.base;
    this.recompute();
  }

  recompute() {
    clearTimeout(this.pending);
    // After the frame that showed the update, and at most every GAP_MS: while a network trains,
    // updates come 10 times a second and each re-read of every prefix costs ~8 ms.
    const wait = Math.max(0, this.lastRun + GAP_MS - performance.now());
    this.pending = setTimeout(() => {
      this.lastRun = performance.now();
      const n = this.full.length;
      this.data = n ? page.call("replay.probs",
        { pixels: prefixes(this.full, this.base), count: n, model: this.model }) : null;
      Object.assign(this.scrub, { max: String(n), value: String(this.k), disabled: n === 0 });
      if (!this.data) this.svg.replaceChildren();
      this.svg.dataset.points = String(this.data ? this.data.count : 0);
      this.words();
    }, wait);
  }

  /** Put the first k strokes back on the pad; the page's update follows. */
  scrubTo(k) {
    this.k = k;
    page.pad.setStrokes(this.full.slice(0, k), this.base);
    page.update();
    this.words();
  }

  /** The chart: one polyline per digit over the strokes, one point per stroke, a marker at k. */
  draw() {
    const { count, probs, digits } = this.data;
    const x = (i) => L + (count > 1 ? (i * (W - L - R)) / (count - 1) : (W - L - R) / 2);
    const y = (p) => T + (1 - p) * (H - T - B);
    const leaders = [...new Set(digits.filter((d) => d >= 0))];
    const colour = (d) => COLOURS[leaders.indexOf(d) % COLOURS.length];
    this.svg.replaceChildren();
    axes(this.svg, y);
    const lines = svg("g", { class: "lines" }, this.svg);
    const ends = [];
    for (let d = 0; d < 10; d++) {
      const pts = Array.from({ length: count }, (_, i) => [i, probs[i * 10 + d]]);
      const lead = leaders.includes(d);
      const line = svg("polyline", { points: polyPoints(pts, x, y), "data-digit": d, class: lead ? "lead" : "rest" }, lines);
      if (!lead) continue;
      line.style.stroke = colour(d);
      const end = svg("text", { x: x(count - 1) + 5, y: y(probs[(count - 1) * 10 + d]) + 4, class: "end" }, lines);
      end.textContent = String(d);
      end.style.fill = colour(d);
      ends.push(end);
    }
    spread(ends, 10, T + 4, H - B + 4);
    this.svg.setAttribute("aria-label", this.alt());
    svg("line", { x1: x(this.k - 1), x2: x(this.k - 1), y1: T, y2: H - B, class: "marker", "data-k": this.k }, this.svg)
      .style.display = this.k > 0 ? "" : "none";
    this.points(x, y, colour);
  }

  /** The chart's text alternative: the leading digit after the first and the last stroke. */
  alt() {
    const { count, pct, digits } = this.data;
    const at = (i) => (digits[i] >= 0 ? t("replay.point", { k: i + 1, digit: digits[i], pct: pct[i * 10 + digits[i]] }) : "");
    const points = [...new Set([0, count - 1])].map(at).filter(Boolean).join(t("list.sep"));
    return t("replay.alt", { n: count, points });
  }

  /** One <g data-stroke> per stroke: the leading digit's dot, its tooltip, the stroke number. */
  points(x, y, colour) {
    const { count, probs, pct, digits } = this.data;
    const g0 = svg("g", { class: "points" }, this.svg);
    for (let i = 0; i < count; i++) {
      const d = digits[i];
      const g = svg("g", { class: "pt", "data-stroke": i + 1, "data-digit": d, "data-p": d >= 0 ? probs[i * 10 + d] : 0 }, g0);
      if (d >= 0) {
        svg("circle", { cx: x(i), cy: y(probs[i * 10 + d]), r: 3.2 }, g).style.fill = colour(d);
        svg("title", {}, g).textContent = t("replay.point", { k: i + 1, digit: d, pct: pct[i * 10 + d] });
      }
      svg("text", { x: x(i), y: H - B + 11, class: "tick x" }, g).textContent =
        count <= 16 || (i + 1) % 5 === 0 ? String(i + 1) : "";
    }
  }
}

/** Grid lines at 0, 0.5, 1 and the axis name. */
function axes(root, y) {
  const g = svg("g", { class: "axes" }, root);
  yGrid(g, [0, 0.5, 1], y, L, W - R, { dx: -4, dy: 3, label: String, grid: { class: "grid" }, class: "tick y" });
  svg("text", { x: (L + W - R) / 2, y: H - 4, class: "axis" }, g, t("replay.axisX"));
}

/** Move text labels apart vertically (at least `gap` between baselines), within [top, bottom]. */
function spread(labels, gap, top, bottom) {
  const ys = labels.map((e) => Number(e.getAttribute("y")));
  const order = ys.map((_, i) => i).sort((a, b) => ys[a] - ys[b]);
  let prev = -Infinity;
  for (const i of order) prev = ys[i] = Math.max(ys[i], prev + gap);
  const over = Math.max(0, prev - bottom);                     // pushed past the bottom: shift all up
  for (const i of order) ys[i] = Math.max(top, ys[i] - over);
  labels.forEach((e, i) => e.setAttribute("y", ys[i].toFixed(1)));
}

/** Is `strokes` exactly the first k strokes of `full`? */
function samePrefix(strokes, full, k) {
  if (strokes.length !== k || k > full.length) return false;
  for (let i = 0; i < k; i++) {
    const a = strokes[i].pts, b = full[i].pts;
    if (strokes[i].w !== full[i].w || a.length !== b.length || a[0] !== b[0] || a[a.length - 1] !== b[b.length - 1]) return false;
  }
  return true;
}

/** The first 1..n strokes drawn as the pad draws them: Uint8Array(n * SIZE * SIZE) of alpha. */
function prefixes(strokes, base) {
  const c = document.createElement("canvas");
  c.width = c.height = SIZE;
  const ctx = c.getContext("2d", { willReadFrequently: true });
  const out = new Uint8Array(strokes.length * SIZE * SIZE);
  if (base) page.pad.drawBase(ctx, SIZE, base);
  strokes.forEach((s, k) => {
    page.pad.drawStroke(ctx, SIZE, s);         // stroke k on top of strokes 0..k-1: the pad's own code
    const rgba = ctx.getImageData(0, 0, SIZE, SIZE).data;
    const o = k * SIZE * SIZE;
    for (let i = 0, j = 3; i < SIZE * SIZE; i++, j += 4) out[o + i] = rgba[j];
  });
  return out;
}
