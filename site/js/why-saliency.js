// "Why this digit?": Python's saliency map (digitlab.web.features.why) drawn over the 28×28 input
// and over the drawing, with a legend, and the hidden units whose removal moves the answer most.
// No maths here: every number and every pixel colour comes from Python; JS only places them.

import { lang, t } from "./i18n.js";
import { h } from "./dom.js";
import { page } from "./page.js";
import { PAD } from "./constants.js";

const SIDE = PAD;                     // backing pixels of both map canvases: the pad's own

/** A 28×28 RGBA byte array -> a canvas holding it, for scaled drawImage (putImageData cannot blend). */
function tile(bytes, canvas) {
  canvas.width = canvas.height = 28;
  const ctx = canvas.getContext("2d");
  ctx.putImageData(new ImageData(new Uint8ClampedArray(bytes.buffer, bytes.byteOffset, 28 * 28 * 4), 28, 28), 0, 0);
  return canvas;
}

/** A change in percentage points, readable from 95 pp down to 0.0004 pp (confident winners). */
function pp(v) {
  return v >= 1 ? v.toFixed(1) : v >= 0.01 ? v.toFixed(2) : v.toPrecision(2);
}

export class Saliency {
  constructor(mount) {
    const card = h("section", { class: "card why" });
    card.setAttribute("aria-labelledby", "why-h");
    card.append(h("h2"), h("p", { class: "note why-intro" }));
    card.firstChild.id = "why-h";
    this.root = h("div", { class: "why-view" });
    this.root.id = "saliency";
    this.root.dataset.state = "loading";
    this.verdict = h("p", { class: "why-verdict" });
    this.message = h("p", { class: "why-message" });
    this.inputCanvas = this.mapCanvas("why-input");
    this.drawCanvas = this.mapCanvas("why-drawing");
    this.figs = [this.figure(this.inputCanvas), this.figure(this.drawCanvas)];
    const maps = h("div", { class: "why-maps" });
    maps.append(...this.figs);
    this.legend = this.makeLegend();
    this.root.append(this.verdict, this.message, maps, this.legend);
    this.unitsH = h("h3");
    this.unitsNote = h("p", { class: "note" });
    this.table = this.makeTable();
    card.append(this.root, this.unitsH, this.unitsNote, this.table);
    mount.append(card);
    this.card = card;
    this.salTile = document.createElement("canvas");
    this.inkTile = document.createElement("canvas");
    this.padInk = document.createElement("canvas");
    this.res = null;
    this.render();
  }

  mapCanvas(cls) {
    const c = h("canvas", { class: cls });
    c.width = c.height = SIDE;
    c.setAttribute("role", "img");
    return c;
  }

  figure(canvas) {
    const f = h("figure", { class: "why-fig" });
    f.append(canvas, h("figcaption"));
    return f;
  }

  makeLegend() {
    const box = h("div", { class: "why-legend" });
    this.legNeg = h("span", { class: "why-leg-neg" });
    this.legZero = h("span", { class: "why-leg-zero" });
    this.legPos = h("span", { class: "why-leg-pos" });
    const bar = h("span", { class: "why-bar" });
    bar.setAttribute("aria-hidden", "true");
    const labels = h("div", { class: "why-leg-labels" });
    labels.append(this.legNeg, this.legZero, this.legPos);
    this.legScale = h("p", { class: "why-leg-scale" });
    box.append(bar, labels, this.legScale);
    return box;
  }

  makeTable() {
    const table = h("table", { class: "why-units" });
    table.id = "why-units";
    const head = h("tr");
    this.thUnit = h("th");
    this.thChange = h("th");
    this.thUnit.scope = this.thChange.scope = "col";
    head.append(this.thUnit, this.thChange);
    const thead = h("thead");
    thead.append(head);
    this.tbody = h("tbody");
    table.append(thead, this.tbody);
    return table;
  }

  /** res: why.explain's answer, {blank: true}, or null while Python loads; result: the update's. */
  show(res, padAlpha, inputBytes) {
    this.res = res;
    this.padAlpha = padAlpha;
    this.inputBytes = inputBytes;
    this.render();
  }

  /** The words that do not depend on the answer, in the current language. */
  words() {
    this.lang = lang();
    this.card.querySelector("h2").textContent = t("why.title");
    this.card.querySelector(".why-intro").textContent = t("why.intro");
    this.unitsH.textContent = t("why.units.title");
    this.unitsNote.textContent = t("why.units.intro");
    this.thUnit.textContent = t("why.units.head.unit");
    this.mapNames();
    this.figs[0].querySelector("figcaption").textContent = t("why.input");
    this.figs[1].querySelector("figcaption").textContent = t("why.drawing");
  }

  /** The two maps' text alternatives: what they are, and with an answer, what they show. */
  mapNames(res = null) {
    for (const [c, key] of [[this.inputCanvas, "why.input.label"], [this.drawCanvas, "why.drawing.label"]]) {
      c.setAttribute("aria-label", !res ? t(key) : t("why.map.alt", { what: t(key), winner: res.winner,
        runner: res.runner, peak: res.peak.toPrecision(2), total: res.total.toFixed(2) }));
    }
  }

  /** Words and pictures for the current answer in the current language. */
  render() {
    const res = this.res;
    if (this.lang !== lang()) this.words();
    const state = res == null ? "loading" : res.blank ? "empty" : "ready";
    this.root.dataset.state = state;
    this.message.textContent = state === "loading" ? waiting() : state === "empty" ? t("why.empty") : "";
    this.message.hidden = state === "ready";
    this.tbody.parentElement.hidden = state !== "ready";   // no header row without a change to head
    if (state !== "ready") {
      for (const k of ["winner", "runner", "peak", "margin", "total"]) delete this.root.dataset[k];
      this.root.saliencyValues = this.root.saliencyInput = null;
      this.verdict.textContent = "";
      this.legend.hidden = true;
      this.thChange.textContent = "";
      this.tbody.replaceChildren();
      this.clearMaps();
      this.mapNames();
      return;
    }
    this.fill(res);
  }

  fill(res) {
    const vars = { winner: res.winner, runner: res.runner };
    Object.assign(this.root.dataset, { winner: res.winner, runner: res.runner, peak: res.peak,
                                       margin: res.margin, total: res.total });
    this.root.saliencyValues = res.saliency;        // the raw float32 map and the input it explains,
    this.root.saliencyInput = res.input;            // read by the e2e test
    this.verdict.textContent = t("why.verdict", { ...vars, margin: res.margin.toFixed(2) });
    this.legend.hidden = false;
    this.legNeg.textContent = t("why.legend.neg", vars);
    this.legZero.textContent = t("why.legend.zero");
    this.legPos.textContent = t("why.legend.pos", vars);
    this.legScale.textContent = t("why.legend.scale", { peak: res.peak.toPrecision(2), total: res.total.toFixed(2) });
    this.thChange.textContent = t("why.units.head.change", vars);
    this.drawMaps(res);
    this.mapNames(res);
    this.units(res.units);
  }

  clearMaps() {
    for (const c of [this.inputCanvas, this.drawCanvas]) c.getContext("2d").clearRect(0, 0, SIDE, SIDE);
  }

  drawMaps(res) {
    const sal = tile(res.image, this.salTile);
    // The 28×28 input, faint, under its map: the map is zero wherever there is no ink.
    const ctx = this.inputCanvas.getContext("2d");
    ctx.imageSmoothingEnabled = false;
    ctx.clearRect(0, 0, SIDE, SIDE);
    if (this.inputBytes) {
      ctx.globalAlpha = 0.25;
      ctx.drawImage(tile(this.inputBytes, this.inkTile), 0, 0, SIDE, SIDE);
      ctx.globalAlpha = 1;
    }
    ctx.drawImage(sal, 0, 0, SIDE, SIDE);
    // The drawing as drawn, faint, with the same map placed where the network's field lies on it.
    const d = this.drawCanvas.getContext("2d");
    d.imageSmoothingEnabled = false;
    d.clearRect(0, 0, SIDE, SIDE);
    if (this.padAlpha) {
      d.globalAlpha = 0.3;
      d.drawImage(this.inkCanvas(this.padAlpha), 0, 0, SIDE, SIDE);
      d.globalAlpha = 1;
    }
    if (res.frame) {
      const [top, left, height, width] = Array.from(res.frame, (v) => v * SIDE);
      d.drawImage(sal, left, top, width, height);
      d.setLineDash([4, 4]);
      d.strokeStyle = getComputedStyle(this.root).getPropertyValue("--muted") || "#5d5d6a";
      d.strokeRect(left, top, width, height);
    }
  }

  /** The pad's alpha bytes (SIDE×SIDE) as a black-ink canvas. */
  inkCanvas(alpha) {
    const n = Math.round(Math.sqrt(alpha.length));
    const c = this.padInk;
    c.width = c.height = n;
    const img = new ImageData(n, n);
    for (let i = 0; i < alpha.length; i++) img.data[4 * i + 3] = alpha[i];
    c.getContext("2d").putImageData(img, 0, 0);
    return c;
  }

  /** The ranking: one row per unit, a bar as long as its change relative to the biggest. */
  units(rows) {
    this.tbody.replaceChildren();
    const biggest = Math.max(0, ...rows.map((r) => Math.abs(r.delta_pp)));
    if (!rows.length || biggest === 0) {
      const tr = h("tr");
      const td = h("td", { class: "note" }, null, t("why.units.none"));
      td.colSpan = 2;
      tr.append(td);
      this.tbody.append(tr);
      return;
    }
    for (const r of rows) {
      const tr = h("tr");
      tr.dataset.unitId = r.id;
      tr.dataset.deltaPp = String(r.delta_pp);
      const th = h("th", {}, null, r.id);
      th.scope = "row";
      const td = h("td");
      const bar = h("span", { class: "why-ubar" });
      const fill = h("span", { class: r.delta_pp < 0 ? "neg" : "pos" });
      fill.style.width = `${(100 * Math.abs(r.delta_pp)) / biggest}%`;
      bar.append(fill);
      bar.setAttribute("aria-hidden", "true");
      const sign = r.delta_pp < 0 ? "−" : "+";
      td.append(bar, h("span", { class: "why-pp" }, null, `${sign}${pp(Math.abs(r.delta_pp))} pp`));
      if (r.digit !== this.res.winner) td.append(h("span", { class: "why-flip" }, null, t("why.units.flip", { digit: r.digit })));
      tr.append(th, td);
      this.tbody.append(tr);
    }
  }
}

/** Nothing computed yet: Python is still starting, or it is ready and this card (or the maths
 *  card, which shares this) waits to be on screen. */
export function waiting() {
  return t(page.ready ? "why.offscreen" : "why.loading");
}
