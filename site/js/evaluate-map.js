// The point map (inside #eval): the evaluated images placed from a layer's activations, by its two
// main axes (PCA) or by t-SNE, which Python computes (map.* in digitlab.web.features.evalmap) a few
// milliseconds per frame; a t-SNE is redrawn as it settles. The points are drawn by
// evaluate-map-dots.js. Your drawing is a live point that Python places on every update (t-SNE:
// when the drawing rests, among its nearest), while the map is on screen and only then.

import { t } from "./i18n.js";
import { h, svg } from "./dom.js";
import { num } from "./lab-dom.js";
import { SIZE, drawDots } from "./evaluate-map-dots.js";
import { digitPicture } from "./samples.js";
import { nextTask } from "./frame.js";
import { EVENTS, page } from "./page.js";

const REST_MS = 120;         // the drawing rests this long: ask Python for its nearest test images
const SLICE_MS = 8;          // Python per task while a map is made
const REDRAW_MS = 100;       // a settling t-SNE is redrawn this often (moving 1,000 glyphs costs a frame)

export class PointMap {
  constructor(parent) {
    const box = this.box = h("section", { class: "eval-map", "aria-labelledby": "map-h", "data-state": "idle" }, parent);
    this.title = h("h3", { id: "map-h" }, box);
    this.intro = h("p", { class: "note" }, box);
    const row = h("div", { class: "eval-map-controls" }, box);
    this.layerLabel = h("label", { for: "map-layer" }, row);
    this.layer = h("select", { id: "map-layer" }, row);
    this.methodLabel = h("label", { for: "map-method" }, row);
    this.method = h("select", { id: "map-method" }, row);
    h("option", { value: "pca" }, this.method, "PCA");
    h("option", { value: "tsne" }, this.method, "t-SNE");
    this.status = h("p", { class: "eval-status", role: "status" }, box);
    const body = h("div", { class: "eval-map-body" }, box);
    this.svg = svg("svg", { id: "map", viewBox: `0 0 ${SIZE} ${SIZE}`, role: "group", tabindex: "0",
                            "aria-labelledby": "map-h", "aria-describedby": "map-desc" }, body);
    this.dots = svg("g", { class: "dots" }, this.svg);
    this.you = svg("g", { id: "map-you", class: "you", hidden: "" }, this.svg);
    svg("circle", { r: 9 }, this.you);
    svg("path", { d: "M-14 0H14M0 -14V14" }, this.you);
    const side = h("div", { class: "eval-map-side" }, body);
    this.info = h("div", { id: "map-info", class: "map-info", "aria-live": "polite" }, side);
    this.nbTitle = h("h4", { hidden: "" }, side);   // shown with the neighbours it names
    this.nbList = h("ul", { id: "map-neighbours", class: "eval-images" }, side);
    this.desc = h("p", { id: "map-desc", class: "note" }, box);
    this.data = null;          // map.points, and every image's pixels
    this.focus = -1;           // the point shown in the info box
    this.wire();
  }

  wire() {
    for (const select of [this.layer, this.method]) {
      select.addEventListener("change", () => this.make().catch((err) => this.failed(err)));
    }
    const pick = (e) => e.target.closest?.("[data-i]");
    this.svg.addEventListener("pointermove", (e) => { const p = pick(e); if (p) this.show(Number(p.dataset.i)); });
    this.svg.addEventListener("click", (e) => { const p = pick(e); if (p) this.toPad(Number(p.dataset.i)); });
    this.svg.addEventListener("keydown", (e) => this.key(e));
    this.nbList.addEventListener("click", (e) => {
      const b = e.target.closest("[data-i]");
      if (b) this.toPad(Number(b.dataset.i));
    });
    addEventListener(EVENTS.update, (e) => this.updated(e.detail.result));
    new IntersectionObserver(([entry]) => {
      this.onScreen = entry.isIntersecting;
      this.watch();
    }, { rootMargin: "100px" }).observe(this.svg);
  }

  /** Python places the drawing on every update only while this map is made and on screen. */
  watch() {
    const on = Boolean(this.onScreen && this.data);
    if (on === this.watching || !page.ready) return;
    this.watching = page.call("map.watch", { on }).on;
    if (this.watching) page.update();
    else this.place(null);
  }

  /** A new run starts: this map is of the old one. */
  clear() {
    this.gen = (this.gen || 0) + 1;
    this.data = null;
    this.neighbours = [];
    this.nbList.replaceChildren();
    this.dots.replaceChildren();
    this.focus = -1;
    this.box.dataset.state = "idle";
    this.watch();
    this.render();
  }

  /** A run finished: offer its layers and map the chosen one. */
  async runDone(result) {
    const names = page.call("map.start", { layer: this.layer.value && this.layers?.includes(this.layer.value)
      ? this.layer.value : "", method: this.method.value });
    this.layers = names.layers;
    this.layer.replaceChildren(...names.layers.map((n) => h("option", { value: n }, null, n)));
    this.layer.value = names.layer;
    this.pixels = page.call("map.pixels").pixels;
    await this.make(true);
  }

  /** The chosen layer's map, a slice per task so the page keeps drawing; a t-SNE is drawn as it
   *  settles (Python gives its layout so far). */
  async make(started = false) {
    const gen = this.gen = (this.gen || 0) + 1;
    this.data = null;
    this.neighbours = [];
    this.nbList.replaceChildren();
    this.focus = -1;
    this.watch();
    this.box.dataset.state = "running";
    this.box.dataset.method = this.method.value;
    if (this.method.value === "tsne") this.dots.replaceChildren();   // its own points, as they settle
    this.progress = 0;
    this.render();
    const t0 = performance.now();
    if (!started) page.call("map.start", { layer: this.layer.value, method: this.method.value });
    let drawn = t0, slowest = 0, slowestDraw = 0, r = { done: false, iters: 0 };
    while (!r.done) {
      if (this.method.value === "tsne" && performance.now() - drawn > REDRAW_MS && r.iters > 0) {
        const d0 = performance.now();       // a task of its own: a slice and a redraw would not fit a frame
        this.frame(page.call("map.points"), r.progress);
        drawn = performance.now();
        slowestDraw = Math.max(slowestDraw, drawn - d0);
      } else {
        const s0 = performance.now();
        r = page.call("map.step", { budget_ms: SLICE_MS });
        slowest = Math.max(slowest, performance.now() - s0);
        this.box.dataset.iters = String(r.iters);
        if (r.done) break;
      }
      await nextTask();
      if (gen !== this.gen) return;
    }
    this.data = page.call("map.points");
    performance.measure(EVENTS.map, { start: t0, detail: { layer: this.data.layer, method: this.data.method,
                                                          iters: Number(this.box.dataset.iters), slowest, slowestDraw } });
    this.box.dataset.state = "done";
    this.box.dataset.layer = this.data.layer;
    this.draw();
    this.render();
    this.watch();
  }

  /** One frame of a settling t-SNE: its points where they are now, and how far it has gone. */
  frame(points, progress) {
    this.settling = points;
    this.progress = progress;
    this.draw(points);
    this.status.textContent = t("eval.map.settling", { pct: Math.round(progress * 100), it: this.box.dataset.iters });
  }

  failed(err) {
    this.box.dataset.state = "idle";
    this.status.textContent = t("eval.error", { message: String(err.message || err).trim().split("\n").pop() });
  }

  draw(d = this.data) {
    [this.sx, this.sy] = drawDots(this.dots, d, `${this.gen}:${d.method}:${d.layer}:${d.labels.length}`);
  }

  /** Python's coordinates of the drawing (or null: blank, or no map). */
  place(xy) {
    this.you.hidden = !xy;
    if (!xy) { delete this.you.dataset.x; delete this.you.dataset.y; return; }
    this.you.dataset.x = String(xy[0]);
    this.you.dataset.y = String(xy[1]);
    this.you.setAttribute("transform", `translate(${this.sx(xy[0]).toFixed(1)} ${this.sy(xy[1]).toFixed(1)})`);
  }

  updated(res) {
    if (!this.watching || !this.data) return;
    this.place(res.map_you ?? null);
    clearTimeout(this.rest);
    this.rest = setTimeout(() => this.nearest(), REST_MS);
  }

  /** The five test images nearest the drawing in the layer's own space (Python finds them). */
  nearest() {
    if (!this.watching) return;
    const r = page.call("map.neighbours", { k: 5 });
    if (this.data.method === "tsne") this.place(r.you);      // t-SNE: the same place its update gave
    this.neighbours = Array.from(r.positions);
    this.nbList.replaceChildren(...this.neighbours.map((i, k) => {
      const b = h("button", { type: "button", "data-i": String(i), "data-index": String(r.indices[k]),
                              "aria-label": this.describe(i) }, h("li", {}));
      b.append(digitPicture(this.image(i)), h("span", { class: "tag" }, null, this.tag(i)));
      return b.parentNode;
    }));
    this.renderNeighbours();
  }

  /** Point i's pixels (the map's points are some of the run's images: data.positions). */
  image(i) {
    const at = (this.data ?? this.settling).positions[i];
    return this.pixels.subarray(784 * at, 784 * (at + 1));
  }

  tag(i) {
    const d = this.data;
    return d.labels[i] === d.preds[i] ? String(d.labels[i]) : `${d.labels[i]}→${d.preds[i]}`;
  }

  describe(i) {
    const d = this.data;
    return t("eval.map.point", { index: d.indices[i], t: d.labels[i], p: d.preds[i] });
  }

  /** The info box: one point's image, label and answer. */
  show(i) {
    if (!this.data || i < 0) return;
    this.focus = i;
    const d = this.data;
    const text = h("p", {}, null, this.describe(i));
    this.info.replaceChildren(digitPicture(this.image(i)), text);
    this.info.dataset.i = String(i);
    this.info.dataset.index = String(d.indices[i]);
    this.dots.querySelector(".focus")?.classList.remove("focus");
    this.dots.querySelector(`[data-i="${i}"]`)?.classList.add("focus");
  }

  /** Keyboard: arrows step through the points, Enter puts the shown one on the pad. */
  key(e) {
    if (!this.data) return;
    const n = this.data.labels.length;
    const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[e.key];
    if (step) { e.preventDefault(); this.show((Math.max(this.focus, 0) + step + n) % n); }
    else if (e.key === "Enter" && this.focus >= 0) { e.preventDefault(); this.toPad(this.focus); }
  }

  toPad(i) {
    page.pad.setImage(this.image(i));
    page.update();
  }

  render() {
    this.title.textContent = t("eval.map.title");
    this.intro.textContent = t("eval.map.intro");
    this.layerLabel.textContent = t("eval.map.layer");
    this.methodLabel.textContent = t("eval.map.method");
    const s = this.box.dataset.state, tsne = this.box.dataset.method === "tsne";
    const key = s === "running" ? (tsne ? "eval.map.settling" : "eval.map.running")
      : s === "done" ? (tsne ? "eval.map.done.tsne" : "eval.map.done") : "eval.map.idle";
    this.status.textContent = t(key, { layer: this.box.dataset.layer ?? "", pct: Math.round((this.progress ?? 0) * 100),
                                       it: this.box.dataset.iters ?? 0 });
    this.desc.textContent = this.data ? this.summary() : "";
    if (this.focus >= 0 && this.data) this.show(this.focus);
    else this.info.textContent = this.data ? t("eval.map.hint") : "";
    this.renderNeighbours();
  }

  renderNeighbours() {
    this.nbTitle.textContent = this.neighbours?.length && this.watching
      ? t(this.data?.method === "tsne" ? "eval.map.neighbours.tsne" : "eval.map.neighbours") : "";
    this.nbTitle.hidden = !this.nbTitle.textContent;      // an empty heading would still be announced
    if (!this.data) return;
    for (const b of this.nbList.querySelectorAll("[data-i]")) b.setAttribute("aria-label", this.describe(Number(b.dataset.i)));
  }

  /** The map's text alternative: where each digit's points sit on average, from Python's numbers. */
  summary() {
    const d = this.data, sums = Array.from({ length: 10 }, () => [0, 0, 0]);
    d.labels.forEach((l, i) => { sums[l][0] += d.xy[2 * i]; sums[l][1] += d.xy[2 * i + 1]; sums[l][2]++; });
    const centres = sums.map(([x, y, c], digit) => `${digit}: (${num(x / c, 2)}, ${num(y / c, 2)})`).join("; ");
    const wrong = d.labels.filter((l, i) => l !== d.preds[i]).length;
    return t("eval.map.summary", { n: d.labels.length, layer: d.layer, centres, wrong });
  }

  /** {layer, method, indices[], xy[][2], you: [x, y] | null, neighbours[]} for the tests. */
  snapshot() {
    const d = this.data;
    if (!d) return null;
    const xy = [];
    for (let i = 0; i < d.labels.length; i++) xy.push([d.xy[2 * i], d.xy[2 * i + 1]]);
    const you = this.you.hidden ? null : [Number(this.you.dataset.x), Number(this.you.dataset.y)];
    return { layer: d.layer, method: d.method, indices: Array.from(d.indices), xy, you,
             neighbours: (this.neighbours ?? []).map((i) => d.indices[i]) };
  }
}
