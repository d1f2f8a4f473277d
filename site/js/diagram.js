// The network diagram: copies Python's view model into SVG. No maths here: every position,
// width, opacity and fill comes from digitlab.viewmodel; this file only creates, updates and
// removes elements by their stable ids.
//
// Links are drawn as one <path> per strength and sign (Python gives a few strengths, see
// viewmodel.ViewConfig.link_levels): a few shapes for the browser to style and paint instead of
// hundreds of <line>s. Each link still has a hidden <line data-link-id data-signal> (for the
// tests, the training flash, anything that looks a link up by id). Those handles are written when
// the drawing rests (REST_MS without a new update) or when asked for (flushLinks), never per frame
// while the pen moves: writing ~100 of them added and removed ~200 DOM mutations an update, each
// seen by PyScript's document-wide MutationObserver, and ran between the frame and the next input's
// update (BENCHMARKS.md, the update loop).

import { onLang, t, tr } from "./i18n.js";
import { setText as text, svg as el } from "./dom.js";

const REST_MS = 120;

const XHTML = "http://www.w3.org/1999/xhtml";

export class Diagram {
  constructor(svg, caption) {
    this.svg = svg;
    this.caption = caption;
    this.nodes = new Map();   // id -> <circle>
    this.links = new Map();   // id -> hidden <line>, the link's stable handle
    this.strokes = [];        // <path>s, one per strength and sign, weakest first
    this.linkTable = null;    // the links last drawn, not yet mirrored into this.links
    this.restTimer = 0;
    this.canvases = {};       // column id -> {ctx, image}
    this.more = {};           // column id -> <text>
    this.words = [];          // [<text>, [key, vars] from Python]: reworded on a language switch
    this.last = null;         // the last view, for its "+N more" and caption
    onLang(() => {
      for (const [e, spec] of this.words) e.textContent = tr(spec);
      if (this.last) this._texts(this.last);
    });
  }

  /** Build the static frame of one model: titles, captions, tile canvases, "+N more" slots. */
  setLayout(layout) {
    const svg = this.svg;
    svg.replaceChildren();
    svg.setAttribute("viewBox", `0 0 ${layout.width} ${layout.height}`);
    const frame = el("g", { class: "layers" }, svg);
    this.strokeGroup = el("g", { class: "strokes" }, svg);
    this.linkGroup = el("g", { class: "links" }, svg);
    this.nodeGroup = el("g", { class: "nodes" }, svg);
    this.nodes.clear(); this.links.clear(); this.strokes = []; this.canvases = {}; this.more = {}; this.words = [];
    clearTimeout(this.restTimer);
    this.linkTable = null;
    for (const L of layout.layers) this._column(frame, L, layout.height);
  }

  _column(g, L, height) {
    const col = el("g", { "data-layer": L.id }, g);
    const word = (e, i, part) => {               // Python's [key, vars] when it gives them, else its text
      const spec = L.text?.[part]?.[i] ?? L[part][i];
      e.textContent = tr(spec);
      this.words.push([e, spec]);
    };
    word(el("text", { x: L.cx, y: 16, class: "title" }, col), 0, "title");
    word(el("text", { x: L.cx, y: 30, class: "what" }, col), 1, "title");
    L.caption.forEach((line, i) => word(el("text", { x: L.cx, y: height - 36 + 14 * i, class: "what" }, col), i, "caption"));
    this.more[L.id] = el("text", { x: L.more_xy[0], y: L.more_xy[1], class: "more" }, col);
    for (const lab of L.labels) el("text", { x: lab.x, y: lab.y, class: "label" }, col).textContent = lab.text;
    if (L.image) this._tiles(col, L.id, L.image);
  }

  /** One canvas per tile column (inside a foreignObject), plus a frame per channel. */
  _tiles(g, id, im) {
    el("rect", { x: im.x, y: im.y, width: im.w, height: im.h, class: "tilebg" }, g);
    const fo = el("foreignObject", { x: im.x, y: im.y, width: im.w, height: im.h }, g);
    const canvas = document.createElementNS(XHTML, "canvas");
    canvas.width = im.pw; canvas.height = im.ph;
    fo.appendChild(canvas);
    for (const f of im.frames) {
      const r = el("rect", { x: f.x, y: f.y, width: f.w, height: f.h, class: "frame", "data-tile-id": f.id }, g);
      el("title", {}, r).textContent = f.id;
    }
    this.canvases[id] = { ctx: canvas.getContext("2d"), im };
  }

  /** Draw one update. view: packed nodes/links tables; images: {column id: RGBA bytes, tile after tile}. */
  update(view, images) {
    this._nodes(unpack(view.nodes), !!view.blank, view.winner);
    this._links(unpack(view.links));
    this._images(images);
    this.last = view;
    this._texts(view);
  }

  /** "+N more" and the caption, in the current language, from Python's counts. */
  _texts(view) {
    for (const id in this.more) {
      const n = view.more[id];
      text(this.more[id], n ? t("net.more", { n }) : "");
    }
    text(this.caption, view.blank ? t("net.blank")
      : t("net.drawn", { shown: view.links_shown ?? "?", total: view.links_total ?? "?" }));
  }

  _nodes(table, blank, winner) {
    const seen = new Set();
    for (let i = 0; i < table.id.length; i++) {
      const id = table.id[i];
      seen.add(id);
      let c = this.nodes.get(id);
      if (!c) {
        c = el("circle", { cx: table.x[i], cy: table.y[i], r: table.r[i], "data-node-id": id }, this.nodeGroup);
        c.v = {};                                    // the values last written, to skip repeats
        this.nodes.set(id, c);
      }
      const px = id.startsWith("in:") || id.startsWith("flat:") ? "px " : "";
      if (blank) {
        c.removeAttribute("data-a");
        set(c, "class", px + "empty");
      } else {
        set(c, "data-a", table.a[i]);
        set(c, "fill-opacity", table.fill[i]);
        set(c, "class", px + (table.neg[i] !== 0 ? "neg" : "pos") + (id === winner ? " winner" : ""));
      }
    }
    for (const [id, c] of this.nodes) {
      if (!seen.has(id)) { c.remove(); this.nodes.delete(id); }
    }
  }

  /** Draw the links now, grouped into paths; their hidden <line>s follow once this frame is on screen. */
  _links(table) {
    const groups = strokeGroups(table);
    groups.forEach((g, k) => {
      const p = this.strokes[k] ??= Object.assign(el("path", {}, this.strokeGroup), { v: {} });
      set(p, "class", g.neg ? "neg" : "pos");
      set(p, "stroke-width", g.width);
      set(p, "stroke-opacity", g.opacity);
      set(p, "d", g.d.join(""));
    });
    for (const p of this.strokes.splice(groups.length)) p.remove();
    this.linkTable = table;
    clearTimeout(this.restTimer);
    if (table.id.length === 0) this.flushLinks();          // a blank pad: no handle may linger
    else this.restTimer = setTimeout(() => this.flushLinks(), REST_MS);
  }

  /** The newest painted links -> their hidden <line>s (created, updated, removed by id), now. */
  flushLinks() {
    clearTimeout(this.restTimer);
    const table = this.linkTable;
    this.linkTable = null;
    if (!table) return;
    const seen = new Set();
    for (let i = 0; i < table.id.length; i++) {
      const id = table.id[i];
      seen.add(id);
      let l = this.links.get(id);
      if (!l) {
        l = el("line", { x1: table.x1[i], y1: table.y1[i], x2: table.x2[i], y2: table.y2[i], "data-link-id": id }, this.linkGroup);
        l.v = {};
        this.links.set(id, l);
      }
      set(l, "data-signal", table.signal[i]);
    }
    for (const [id, l] of this.links) {
      if (!seen.has(id)) { l.remove(); this.links.delete(id); }
    }
  }

  _images(images) {
    for (const id in this.canvases) {
      const px = images[id];
      if (px) putTiles(this.canvases[id].ctx, this.canvases[id].im, px);
    }
  }
}

/** Links with the same sign, width and opacity -> one path each: [{neg, width, opacity, d: [segments]}],
 *  weakest first (the order Python sends within a layer), so strong links are drawn on top. */
function strokeGroups(table) {
  const byKey = new Map();
  for (let i = 0; i < table.id.length; i++) {
    const key = `${table.neg[i]}/${table.width[i]}/${table.opacity[i]}`;
    let g = byKey.get(key);
    if (!g) byKey.set(key, g = { neg: table.neg[i] !== 0, width: table.width[i], opacity: table.opacity[i], d: [] });
    g.d.push(`M${table.x1[i]} ${table.y1[i]}L${table.x2[i]} ${table.y2[i]}`);
  }
  return [...byKey.values()].sort((a, b) => a.width - b.width || a.opacity - b.opacity || a.neg - b.neg);
}

/** setAttribute, skipped when the element already shows that value (e.v remembers). */
function set(e, name, value) {
  if (e.v[name] !== value) { e.setAttribute(name, value); e.v[name] = value; }
}

/** {ids: "a\nb", cols: [names], data: Float64Array (cols × n)} -> {id: [..], name: subarray, ...}. */
export function unpack(table) {
  const id = table.ids ? table.ids.split("\n") : [];
  const n = id.length, out = { id };
  table.cols.forEach((c, j) => { out[c] = table.data.subarray(j * n, (j + 1) * n); });
  return out;
}

/** Put RGBA tiles (tile after tile, th×tw each) at their offsets in an atlas canvas. */
export function putTiles(ctx, im, rgba) {
  const bytes = im.th * im.tw * 4;
  for (let c = 0; c < im.offsets.length; c++) {
    const data = new Uint8ClampedArray(rgba.buffer, rgba.byteOffset + c * bytes, bytes);
    ctx.putImageData(new ImageData(data, im.tw, im.th), im.offsets[c][0], im.offsets[c][1]);
  }
}
