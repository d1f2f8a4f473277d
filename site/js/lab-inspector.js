// The inspector: hover or focus a node of the main diagram for its z, a, bias and strongest
// incoming contributions; click (or Enter) for a panel with what it learned, its weight
// statistics, its answer to the drawing and weights × input. Every number comes from Python
// (digitlab.web.features.inspect); this file lays them out and re-asks after each update.

import { t, onLang } from "./i18n.js";
import { h } from "./dom.js";
import { EVENTS, page } from "./page.js";
import { drawTiles, num, signed } from "./lab-dom.js";
import { ScaleControl } from "./lab-break-deeper.js";

// A CNN's input is drawn as one picture tile ("in:0"), not as units: Python has nothing to say
// about it (inspect_unit.locate refuses it), so it is neither a tab stop nor clickable.
const UNIT = "[data-node-id], [data-tile-id]:not([data-tile-id^='in:'])";
const idOf = (e) => e.dataset.nodeId || e.dataset.tileId;
const ask = (id, full) => page.call("inspect.node", { model: page.model, id, full });

export class Inspector {
  /** svg: the main diagram; breakIt: switches neurons off (lab-break.js). */
  constructor(mount, svg, breakIt) {
    this.svg = svg;
    this.breakIt = breakIt;
    this.tipFor = null;       // the element whose tooltip shows
    this.openId = null;       // the unit in the panel
    this.tip = h("div", { id: "inspector-tip", role: "tooltip", hidden: "" }, mount);
    this.build(mount);
    this.wire();
    addEventListener(EVENTS.update, () => this.refresh());
    breakIt.onChange(() => this.openId && this.render(this.data));
    onLang(() => { this.renderStatic(); this.refresh(); });
  }

  build(mount) {
    const p = h("section", { id: "inspector", class: "card lab-inspector", "aria-labelledby": "inspector-h",
                             "data-open": "false" }, mount);
    const head = h("div", { class: "insp-head" }, p);
    this.heading = h("h2", { id: "inspector-h", tabindex: "-1" }, head);
    this.close = h("button", { type: "button", class: "insp-close", hidden: "" }, head);
    this.hint = h("p", { class: "note insp-hint" }, p);
    this.body = h("div", { class: "insp-body", hidden: "" }, p);
    this.what = h("p", { class: "insp-what" }, this.body);
    this.values = h("dl", { class: "insp-values" }, this.body);
    this.sum = h("p", { class: "insp-sum" }, this.body);
    const figs = h("div", { class: "insp-figs" }, this.body);
    this.learned = figure(figs, "learned");
    this.product = figure(figs, "product");
    this.answer = figure(figs, "response");
    const cols = h("div", { class: "insp-cols" }, this.body);
    this.statsBox = h("div", { class: "insp-stats" }, cols);
    this.incomingBox = h("div", { class: "insp-incoming" }, cols);
    const sw = h("div", { class: "insp-switch" }, this.body);
    this.switch = h("button", { type: "button", id: "inspector-switch", "aria-pressed": "false" }, sw);
    this.switchNote = h("span", { class: "note" }, sw);
    this.scale = new ScaleControl(this.body, this.breakIt);
    this.panel = p;
    this.renderStatic();
  }

  renderStatic() {
    if (!this.openId) this.heading.textContent = t("lab.insp.name");
    this.close.textContent = t("lab.insp.close");
    this.hint.textContent = t("lab.insp.hint");
  }

  wire() {
    const svg = this.svg;
    svg.addEventListener("pointerover", (e) => { const u = e.target.closest(UNIT); if (u) this.hover(u); });
    svg.addEventListener("pointerout", (e) => {
      const u = e.target.closest(UNIT);
      if (u && !u.contains(e.relatedTarget) && document.activeElement !== u) this.hideTip();
    });
    svg.addEventListener("focusin", (e) => { const u = e.target.closest(UNIT); if (u) this.focused(u); });
    svg.addEventListener("focusout", () => this.hideTip());
    svg.addEventListener("click", (e) => { const u = e.target.closest(UNIT); if (u) this.open(idOf(u)); });
    svg.addEventListener("keydown", (e) => this.key(e));
    this.close.addEventListener("click", () => this.shut());
    this.switch.addEventListener("click", () => {
      const id = this.data?.switch;
      if (id) this.breakIt.toggleNeuron(id, !this.breakIt.isOff(id));
    });
    // Nodes come and go with each update: keep them reachable by keyboard (one tab stop).
    new MutationObserver(() => this.focusable()).observe(svg, { childList: true, subtree: true });
  }

  /** Every unit gets tabindex -1 and a name; one of them (the last focused, else the first) 0. */
  focusable() {
    const units = [...this.svg.querySelectorAll(UNIT)];
    let stop = units.find((u) => u.getAttribute("tabindex") === "0");
    for (const u of units) {
      if (!u.hasAttribute("tabindex")) {
        u.setAttribute("tabindex", "-1");
        u.setAttribute("role", "button");
        u.setAttribute("aria-label", idOf(u));
      }
    }
    if (!stop && units.length) units[0].setAttribute("tabindex", "0");
  }

  /** Arrows walk the units left to right, top to bottom; Enter/Space opens; Escape closes. */
  key(e) {
    const u = e.target.closest?.(UNIT);
    if (!u) return;
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      this.open(idOf(u));
    } else if (e.key === "Escape") {
      this.hideTip();
    } else if (["ArrowDown", "ArrowRight", "ArrowUp", "ArrowLeft"].includes(e.key)) {
      e.preventDefault();
      const units = [...this.svg.querySelectorAll(UNIT)].sort((a, b) => pos(a)[0] - pos(b)[0] || pos(a)[1] - pos(b)[1]);
      const step = e.key === "ArrowDown" || e.key === "ArrowRight" ? 1 : -1;
      const next = units[(units.indexOf(u) + step + units.length) % units.length];
      u.setAttribute("tabindex", "-1");
      next.setAttribute("tabindex", "0");
      next.focus();
    }
  }

  focused(u) {
    for (const o of this.svg.querySelectorAll(`${UNIT}[tabindex="0"]`)) if (o !== u) o.setAttribute("tabindex", "-1");
    u.setAttribute("tabindex", "0");
    u.setAttribute("aria-describedby", "inspector-tip");   // a screen reader reads the numbers too
    this.hover(u);
  }

  // ---- the tooltip ------------------------------------------------------------------------

  hover(u) {
    if (!page.ready) return;
    this.tipFor = u;
    this.showTip(ask(idOf(u), false));
  }

  showTip(d) {
    const tip = this.tip;
    tip.replaceChildren();
    setData(tip, d);
    h("strong", {}, tip).textContent = d.id + " " + (d.activation ? `· ${d.activation}` : "");
    if (d.error) {
      h("div", {}, tip).textContent = d.error;
    } else if (d.blank) {
      h("div", {}, tip).textContent = t("lab.tip.blank");
    } else {
      const line = h("div", { class: "tip-values" }, tip);
      line.textContent = [d.z != null && `z = ${num(d.z)}`, `a = ${num(d.a)}`,
                          d.bias != null && `b = ${num(d.bias)}`].filter(Boolean).join("   ");
      if (d.pixel && d.kind === "conv") h("div", { class: "note" }, tip).textContent = t("lab.tip.at", { r: d.pixel[0], c: d.pixel[1] });
      if (d.incoming.length) {
        h("div", { class: "note" }, tip).textContent = t("lab.tip.strongest");
        const ol = h("ol", {}, tip);
        for (const c of d.incoming) h("li", { class: c.c < 0 ? "neg" : "pos" }, ol).textContent = `${c.id}  ${signed(c.c)}`;
      }
    }
    h("div", { class: "note" }, tip).textContent = t("lab.tip.hint");
    tip.hidden = false;
    this.placeTip();
  }

  placeTip() {
    const r = this.tipFor.getBoundingClientRect(), tip = this.tip;
    const w = tip.offsetWidth, ht = tip.offsetHeight;
    let x = r.right + 10, y = r.top - 8;
    if (x + w > innerWidth - 8) x = Math.max(8, r.left - w - 10);
    y = Math.min(Math.max(8, y), innerHeight - ht - 8);
    tip.style.left = `${x}px`;
    tip.style.top = `${y}px`;
  }

  hideTip() {
    this.tip.hidden = true;
    this.tipFor = null;
  }

  // ---- the panel ----------------------------------------------------------------------------

  open(id) {
    if (!page.ready) return;
    this.openId = id;
    this.render(ask(id, true));
    this.panel.scrollIntoView({ block: "nearest" });
  }

  shut() {
    this.openId = null;
    this.data = null;
    this.panel.removeAttribute("data-node-id");
    this.panel.dataset.open = "false";
    this.body.hidden = true;
    this.close.hidden = true;
    this.renderStatic();
  }

  /** After every update (the drawing or the network changed): ask Python again. */
  refresh() {
    if (!page.ready) return;
    if (this.openId) this.render(ask(this.openId, true));
    if (this.tipFor) {
      if (this.tipFor.isConnected) this.showTip(ask(idOf(this.tipFor), false));
      else this.hideTip();
    }
  }

  render(d) {
    this.data = d;
    const p = this.panel;
    p.dataset.open = "true";
    p.dataset.nodeId = d.id;
    setData(p, d);
    this.heading.textContent = t("lab.insp.title", { id: d.id });
    this.close.hidden = false;
    this.body.hidden = false;
    if (d.error) {
      this.what.textContent = d.error;
      for (const e of [this.values, this.sum, this.statsBox, this.incomingBox]) e.replaceChildren();
      this.switch.hidden = true;               // no unit to switch: no nameless button
      this.switchNote.textContent = "";
      return;
    }
    this.what.textContent = describe(d);
    this.renderValues(d);
    this.renderFigures(d);
    this.renderStats(d);
    this.renderIncoming(d);
    this.renderSwitch(d);
  }

  renderValues(d) {
    this.values.replaceChildren();
    for (const [k, v] of [["z", d.z], ["a", d.a], ["b", d.bias]]) {
      if (k !== "a" && v == null && d.kind === "input") continue;
      h("dt", {}, this.values).textContent = k;
      h("dd", { "data-value": k }, this.values).textContent = num(v);
    }
    this.sum.textContent = d.blank ? t("lab.insp.blank") : d.kind === "input" ? t("lab.insp.input")
      : t("lab.insp.sum", { sum: num(d.sum), bias: num(d.bias), z: num(d.z) });
  }

  renderFigures(d) {
    const none = d.kind === "input";
    show(this.learned, !none && d.learned, t("lab.insp.learned"), t("lab.insp.learned.input"));
    show(this.product, !none && d.product, t("lab.insp.product"), t("lab.insp.product.note"));
    const r = d.response;
    const rank = r ? t("lab.insp.rank", { rank: r.rank, of: r.of, max: num(r.max) }) : "";
    show(this.answer, r?.map, t("lab.insp.response"), r?.map ? `${t("lab.insp.map")}; ${rank}` : "");
    this.answer.fig.hidden = !r;
    if (r && !r.map) this.answer.note.textContent = rank;
  }

  renderStats(d) {
    const box = this.statsBox;
    box.replaceChildren();
    if (!d.stats) return;
    h("h3", {}, box).textContent = t("lab.insp.stats");
    const dl = h("dl", { class: "insp-table" }, box);
    for (const k of ["n", "mean", "std", "min", "max", "l2", "positive"]) {
      const v = d.stats[k];
      h("dt", {}, dl).textContent = t(`lab.insp.${k}`);
      h("dd", {}, dl).textContent = k === "n" ? String(v) : k === "positive" ? `${(v * 100).toFixed(0)}%` : num(v, 3);
    }
  }

  renderIncoming(d) {
    const box = this.incomingBox;
    box.replaceChildren();
    if (!d.incoming?.length) return;
    h("h3", {}, box).textContent = t("lab.insp.incoming");
    const ol = h("ol", { class: "insp-list" }, box);
    for (const c of d.incoming) {
      h("li", { class: c.c < 0 ? "neg" : "pos", "data-source": c.id }, ol).textContent = `${c.id}  ${signed(c.c)}`;
    }
  }

  renderSwitch(d) {
    const id = d.switch;
    this.switch.hidden = !id;
    this.scale.render(id || null);
    if (!id) {
      this.switchNote.textContent = t("lab.insp.nooff");
      return;
    }
    const off = this.breakIt.isOff(id);
    this.switch.textContent = t(off ? "lab.insp.on" : "lab.insp.off");
    this.switch.setAttribute("aria-pressed", String(off));
    this.switch.dataset.unit = id;
    this.switchNote.textContent = id !== d.id ? t("lab.insp.channel", { id }) : "";
  }
}

/** A figure with a canvas for tiles, a title and a note. */
function figure(parent, kind) {
  const fig = h("figure", { class: `insp-fig ${kind}`, "data-fig": kind }, parent);
  const title = h("figcaption", {}, fig);
  const canvas = h("canvas", { width: "1", height: "1" }, fig);
  const note = h("p", { class: "note" }, fig);
  return { fig, title, canvas, note };
}

function show(f, img, title, note) {
  f.title.textContent = title;
  f.note.textContent = note;
  f.canvas.hidden = !img;
  f.fig.hidden = !img;
  if (img) drawTiles(f.canvas, img);
}

function describe(d) {
  if (d.kind === "input") return t("lab.unit.input", { r: d.pixel[0], c: d.pixel[1] });
  if (d.kind === "conv") return t("lab.unit.conv", { unit: d.unit, layer: d.layer }) + " · " + t("lab.tip.at", { r: d.pixel[0], c: d.pixel[1] });
  return t("lab.unit.dense", { unit: d.unit, layer: d.layer });
}

/** The numbers as data- attributes, exactly as Python sent them (tests read these). */
function setData(e, d) {
  for (const k of ["z", "a", "bias"]) {
    if (d[k] === null || d[k] === undefined) e.removeAttribute(`data-${k}`);
    else e.setAttribute(`data-${k}`, String(d[k]));
  }
  e.setAttribute("data-unit", d.id);
  if (d.pixel) e.setAttribute("data-pixel", d.pixel.join(","));
  else e.removeAttribute("data-pixel");
}

function pos(e) {
  const n = (a) => Number(e.getAttribute(a) || 0);
  return e.tagName === "circle" ? [n("cx"), n("cy")] : [n("x"), n("y")];
}
