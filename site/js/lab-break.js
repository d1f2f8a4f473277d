// Break It: damage a copy of the network (Python: digitlab.web.features.damage), watch the
// drawing, the healthy and damaged diagrams side by side, and test accuracy before → after.
// No maths here: Python validates and applies the damage, counts right answers, draws both views.

import { Diagram } from "./diagram.js";
import { answer } from "./output.js";
import { t, onLang } from "./i18n.js";
import { h, sidewaysScroll, svg } from "./dom.js";
import { pct } from "./lab-dom.js";
import { EVENTS, page } from "./page.js";
import { loadEvalset } from "./evalset.js";
import { DeeperControls } from "./lab-break-deeper.js";

const CHUNK = 100;            // test images per Python call: each call stays short, the page responsive
const MEASURE_DELAY = 150;    // ms of quiet after a change before measuring (sliders move in steps)
const empty = () => ({ bias: false, noise: 0, layers: [], neurons: [], prune: 0, prune_global: false,
                       temperature: 1, scales: {} });
const copy = (s) => ({ ...s, layers: [...s.layers], neurons: [...s.neurons], scales: { ...s.scales } });
const call = (name, args) => page.call(name, args);

export class BreakIt {
  constructor(mount) {
    this.state = empty();     // the damage applied now (as Python validated it)
    this.wanted = null;       // a state set before Python was ready
    this.active = false;
    this.layers = [];         // the current model's layers with weights
    this.model = null;
    this.used = false;        // the test sample loads and comparisons start on first use
    this.gen = 0;             // bumps on every change: a measurement of an older state stops
    this.layoutFor = null;
    this.listeners = [];
    this.build(mount);
    addEventListener(EVENTS.ready, () => this.ready());
    addEventListener(EVENTS.update, (e) => this.updated(e.detail.result));
    // Registered after the shim's own listener: the new model is known, its frame not yet drawn.
    document.querySelector("#model").addEventListener("change", () => this.apply());
    onLang(() => this.render());
  }

  build(mount) {
    const sec = h("section", { class: "card lab-break", id: "break", "aria-labelledby": "break-h" }, mount);
    this.title = h("h2", { id: "break-h" }, sec);
    this.intro = h("p", { class: "note" }, sec);
    const controls = h("div", { class: "break-controls" }, sec);
    const bias = h("label", { class: "break-check" }, controls);
    this.bias = h("input", { type: "checkbox", id: "break-bias" }, bias);
    this.biasText = h("span", {}, bias);
    const noise = h("label", { class: "break-noise" }, controls);
    this.noiseText = h("span", { class: "break-label" }, noise);
    this.noise = h("input", { type: "range", id: "break-noise", min: "0", max: "2", step: "0.05", value: "0",
                              "aria-describedby": "break-noise-v" }, noise);
    this.noiseValue = h("output", { id: "break-noise-v", for: "break-noise" }, noise);
    this.deeper = new DeeperControls(controls, (part) => this.change(part));
    this.layerBox = h("fieldset", { class: "break-layers" }, controls);
    this.layerLegend = h("legend", {}, this.layerBox);
    this.layerList = h("div", { class: "break-layer-list" }, this.layerBox);
    const neurons = h("div", { class: "break-neurons" }, controls);
    this.neuronText = h("span", { class: "break-label" }, neurons);
    this.neuronList = h("ul", { class: "break-chips" }, neurons);
    this.reset = h("button", { type: "button", id: "break-reset" }, controls);
    this.notice = h("p", { class: "break-notice", role: "status" }, sec);
    this.acc = h("div", { id: "break-accuracy", "data-state": "idle", "aria-live": "polite" }, sec);
    this.accLabel = h("span", { class: "acc-label" }, this.acc);
    this.accValue = h("strong", { class: "acc-value" }, this.acc);
    this.compareBox = h("div", { class: "break-compare", "data-state": "idle" }, sec);
    this.compareIdle = h("p", { class: "note compare-idle" }, this.compareBox);
    this.healthy = this.side("healthy");
    this.damaged = this.side("damaged");
    this.wire();
    this.render();
  }

  /** One of the two diagrams: a figure with its own Diagram instance and a reading. */
  side(kind) {
    const fig = h("figure", { class: `break-side ${kind}`, "data-side": kind }, this.compareBox);
    const cap = h("figcaption", {}, fig);
    const name = h("strong", { id: `break-${kind}-name` }, cap);
    const reads = h("span", { class: "reads", id: `break-${kind}-reads` }, cap);
    const scroll = h("div", { class: "lab-scroll" }, fig);
    // Its text alternative is the caption: which network, and what it reads (Python's numbers).
    const picture = svg("svg", { class: "lab-diagram", id: `break-${kind}`, role: "img", viewBox: "0 0 900 504",
                                 "aria-labelledby": `${name.id} ${reads.id}` }, scroll);
    // On a narrow screen the diagram is wider than its box: say so, or the output layer (off to
    // the right) goes unseen. Shown only while the box really scrolls, and only then is the box a
    // tab stop (named by the hint), so a keyboard can scroll it too.
    const swipe = h("p", { class: "swipe-hint", id: `break-${kind}-swipe`, hidden: "" }, fig);
    sidewaysScroll(scroll, swipe.id, (scrolls) => { swipe.hidden = !scrolls; });
    const caption = h("p", { class: "caption" }, fig);
    return { kind, name, reads, swipe, diagram: new Diagram(picture, caption) };
  }

  wire() {
    this.bias.addEventListener("change", () => this.change({ bias: this.bias.checked }));
    this.noise.addEventListener("input", () => this.change({ noise: Number(this.noise.value) }));
    this.layerList.addEventListener("change", (e) => {
      const name = e.target.dataset.breakLayer;
      if (!name) return;
      const layers = this.state.layers.filter((n) => n !== name);
      if (e.target.checked) layers.push(name);
      this.change({ layers });
    });
    this.neuronList.addEventListener("click", (e) => {
      const id = e.target.closest("[data-neuron]")?.dataset.neuron;
      if (id) this.toggleNeuron(id, false);
    });
    this.reset.addEventListener("click", () => { this.notice.textContent = ""; this.change(empty(), true); });
    new IntersectionObserver(([entry]) => {
      this.onScreen = entry.isIntersecting;
      if (this.onScreen && this.stale) this.compare(this.last);
    }, { rootMargin: "200px" }).observe(this.compareBox);
  }

  // ---- the state ----------------------------------------------------------------------

  /** reset: the Reset button, which also undoes the console's changes to the weights. */
  change(part, reset = false) {
    this.used = true;
    this.state = { ...this.state, ...part };
    this.apply(reset);
  }

  toggleNeuron(id, off) {
    const rest = this.state.neurons.filter((n) => n !== id);
    this.change({ neurons: off ? [...rest, id] : rest });
  }

  isOff(id) { return this.state.neurons.includes(id); }

  /** unit's output times factor (0–2); 1 takes the scale away. */
  setScale(id, factor) {
    const scales = { ...this.state.scales, [id]: factor };
    if (factor === 1) delete scales[id];
    this.change({ scales });
  }

  scaleOf(id) { return this.state.scales[id] ?? 1; }

  onChange(fn) { this.listeners.push(fn); }

  /** Python validates the state for the current model and runs the damaged copy (or heals). */
  apply(reset = false) {
    if (!page.ready) return null;
    const model = page.model;
    const r = call("damage.set", { model, state: this.state, reset });
    this.state = copy(r.state);
    const was = this.active;
    this.active = r.active;
    this.noiseMax = r.noise_max;
    if (model !== this.model || String(r.layers) !== String(this.layers)) {
      this.model = model;
      this.layers = [...r.layers];
      this.layoutFor = null;
      this.renderLayers();
    }
    this.render();
    for (const fn of this.listeners) fn(this.get());
    if (was || r.active || r.healed) page.changed();   // damaged, healed or damaged otherwise: another network
    else page.update();
    if (this.used) this.measureSoon();
    return { state: this.get(), rejected: [...r.rejected] };
  }

  /** Python is up. Runs after the shim's own ready work (which schedules the first update): a
   *  re-classification requested from inside the ready event would be a second, stray frame. */
  ready() {
    setTimeout(() => {
      if (this.wanted) {
        this.state = this.wanted;
        this.wanted = null;
      }
      const r = this.apply();
      if (this.used && r?.rejected.length) this.reject(r.rejected);
    }, 0);
  }

  get() { return copy(this.state); }

  /** From a share link (anything at all): only Break It's fields go to Python, which checks each.
   *  -> {state, rejected} once applied, or null when Python is not ready yet (applied then). */
  set(obj) {
    const o = obj && typeof obj === "object" ? obj : {};
    const wanted = Object.fromEntries(Object.entries(empty()).map(([k, none]) => [k, o[k] ?? none]));
    this.used = true;
    if (!page.ready) {
      this.wanted = wanted;
      return null;
    }
    this.state = wanted;
    const r = this.apply();
    if (r.rejected.length) this.reject(r.rejected);
    return r;
  }

  reject(items) {
    this.notice.textContent = t("lab.break.rejected", { items: items.join(", ") });
  }

  // ---- drawing the controls ---------------------------------------------------------

  renderLayers() {
    this.layerList.replaceChildren();
    for (const name of this.layers) {
      const lab = h("label", { class: "break-check" }, this.layerList);
      h("input", { type: "checkbox", "data-break-layer": name }, lab);
      h("span", {}, lab).textContent = name;
    }
  }

  render() {
    const s = this.state;
    this.title.textContent = t("lab.break.title");
    this.intro.textContent = t("lab.break.intro");
    for (const side of [this.healthy, this.damaged]) side.swipe.textContent = t("lab.break.swipe");
    this.biasText.textContent = t("lab.break.bias");
    this.bias.checked = s.bias;
    this.noiseText.textContent = t("lab.break.noise");
    if (this.noiseMax) this.noise.max = String(this.noiseMax);
    if (Number(this.noise.value) !== s.noise) this.noise.value = String(s.noise);
    this.noiseValue.textContent = t("lab.break.noise.value", { v: s.noise.toFixed(2) });
    this.deeper.render(s);
    this.layerLegend.textContent = t("lab.break.layers");
    for (const box of this.layerList.querySelectorAll("[data-break-layer]")) {
      box.checked = s.layers.includes(box.dataset.breakLayer);
    }
    this.neuronText.textContent = t("lab.break.neurons");
    this.neuronList.replaceChildren();
    for (const id of s.neurons) {
      const b = h("button", { type: "button", class: "chip", "data-neuron": id,
                              "aria-label": t("lab.break.neuron.on", { id }) }, h("li", {}, this.neuronList));
      b.textContent = id + " ✕";
    }
    if (!s.neurons.length) h("li", { class: "none" }, this.neuronList).textContent = t("lab.break.neurons.none");
    this.reset.textContent = t("lab.break.reset");
    this.compareIdle.textContent = t("lab.break.compare.idle");
    this.healthy.name.textContent = t("lab.break.healthy");
    this.damaged.name.textContent = t("lab.break.damaged");
    this.renderAccuracy();
    this.renderReads();
  }

  renderAccuracy() {
    const d = this.acc.dataset;
    this.accLabel.textContent = t("lab.break.acc", { n: (Number(d.n) || 2000).toLocaleString("en") }) + ": ";
    if (d.state === "loading") this.accValue.textContent = t("lab.break.loading");
    else if (d.state === "busy") this.accValue.textContent = t("lab.break.acc.busy");
    else if (d.before) this.accValue.textContent = t("lab.break.acc.value", { before: pct(d.before), after: pct(d.after) });
    else this.accValue.textContent = t("lab.break.acc.idle");
  }

  /** What each network reads, doubted as the main answer is (too small, unsure, ...). */
  renderReads() {
    for (const side of [this.healthy, this.damaged]) {
      const p = side.prediction;
      const vars = p && p.digit != null ? { digit: p.digit, pct: side.percent[p.digit] } : null;
      side.reads.textContent = !vars ? t("lab.break.reads.none")
        : p.state === "sure" ? t("lab.break.reads", vars) : answer(p);
    }
  }

  // ---- the two diagrams ---------------------------------------------------------------

  updated(res) {
    this.last = res;
    if (!this.used || !page.ready) return;
    if (!this.onScreen) { this.stale = true; return; }
    this.compare(res);
  }

  compare(res) {
    if (!res) return;
    this.stale = false;
    const model = page.model;
    const layout = this.layoutFor !== model;
    const r = call("damage.compare", { model, layout, damaged: !res.view || res.model !== model });
    if (layout) {
      this.healthy.diagram.setLayout(r.layout);
      this.damaged.diagram.setLayout(r.layout);
      this.layoutFor = model;
    }
    const dam = r.damaged || { view: res.view, images: res.images, prediction: res.prediction, percent: res.percent };
    this.show(this.healthy, r.healthy);
    this.show(this.damaged, dam);
    this.compareBox.dataset.state = this.active ? "damaged" : "healthy";
    this.renderReads();
  }

  show(side, v) {
    side.diagram.update(v.view, v.images);
    side.prediction = v.prediction;
    side.percent = v.percent;
  }

  // ---- accuracy on the test sample --------------------------------------------------------

  measureSoon() {
    const gen = ++this.gen;
    this.acc.dataset.state = "busy";
    this.renderAccuracy();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.measure(gen).catch((err) => this.failed(err, gen)), MEASURE_DELAY);
  }

  async measure(gen) {
    if (!this.evalset) {
      this.acc.dataset.state = "loading";
      this.renderAccuracy();
      this.evalset = loadEvalset();
    }
    const n = await this.evalset;
    if (gen !== this.gen) return;
    this.acc.dataset.state = "busy";
    this.renderAccuracy();
    const model = this.model;
    const before = await this.count(model, "healthy", n, gen);
    const after = before === null ? null : await this.count(model, "damaged", n, gen);
    if (after === null || gen !== this.gen) return;
    Object.assign(this.acc.dataset, { n: String(n), before: String(before / n), after: String(after / n),
                                      state: "ready", model });
    this.renderAccuracy();
  }

  /** Right answers of the healthy or damaged network, CHUNK images per call; null if outdated. */
  async count(model, which, n, gen) {
    let hits = 0;
    for (let start = 0; start < n; start += CHUNK) {
      if (gen !== this.gen) return null;
      hits += call("damage.accuracy", { model, which, start, stop: start + CHUNK }).correct;
      await new Promise((r) => setTimeout(r, 0));
    }
    return gen === this.gen ? hits : null;
  }

  failed(err, gen) {
    this.evalset = null;
    if (gen !== this.gen) return;
    this.acc.dataset.state = "error";
    this.accValue.textContent = String(err.message || err);
  }
}
