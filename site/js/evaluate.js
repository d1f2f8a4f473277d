// Evaluate (#eval, built inside #eval-mount): the network in use on the shipped test sample, in
// time slices, then its figures, the confusion matrix and a gallery of each cell's images.
// No maths here: Python (digitlab.web.features.evaluation) scores, counts and shades; this file
// places its numbers. Puts the last run in the page API (page.evaluation, js/page.js).

import { onLang, register, t } from "./i18n.js";
import strings from "./strings/evaluate.js";
import { h } from "./dom.js";
import { pct, num } from "./lab-dom.js";
import { loadEvalset, loadTestset } from "./evalset.js";
import { digitPicture } from "./samples.js";
import { EVENTS, page } from "./page.js";
import { nextTask } from "./frame.js";
import { Threshold } from "./evaluate-threshold.js";
import { PointMap } from "./evaluate-map.js";
import { Spoil } from "./evaluate-spoil.js";

register(strings);

const SLICE_MS = 8;          // Python per slice: the page keeps drawing frames between slices
const FIGURES = [["accuracy", "eval.accuracy", pct], ["xent", "eval.xent", (v) => num(v, 4)],
                 ["confidence", "eval.confidence", pct], ["errors", "eval.errors", String],
                 ["confident_errors", "eval.confident", String]];

/** All 10,000 test images into Python; a failed fetch (offline before the site was installed for
 *  offline use, say) says what failed and what still works. */
async function fetchAll() {
  try {
    return await loadTestset();
  } catch (err) {
    throw new Error(t("eval.all.failed", { reason: String(err.message || err) }));
  }
}

export class Evaluate {
  constructor(mount) {
    this.gen = 0;              // bumps on every run: an older run's slices stop
    this.result = null;        // Python's eval.figures of the last finished run
    this.version = null;       // page.version when that run started
    this.listeners = [];
    this.build(mount);
    onLang(() => this.render());
    addEventListener(EVENTS.update, (e) => this.followVersion(e.detail.version));
  }

  build(mount) {
    const sec = this.card = h("section", { class: "card eval", id: "eval", "aria-labelledby": "eval-h",
                                           "data-state": "idle" }, mount);
    this.title = h("h2", { id: "eval-h" }, sec);
    this.intro = h("p", { class: "note" }, sec);
    const bar = h("div", { class: "eval-bar" }, sec);
    this.runButton = h("button", { type: "button", id: "eval-run" }, bar);
    this.imagesLabel = h("label", { for: "eval-images" }, bar);
    this.images = h("select", { id: "eval-images" }, bar);     // the 2,000 sample, or all 10,000 (fetched then)
    this.imageOptions = ["sample", "all"].map((v) => h("option", { value: v }, this.images));
    this.progress = h("progress", { max: "1", value: "0", "aria-labelledby": "eval-status" }, bar);
    this.status = h("p", { id: "eval-status", class: "eval-status", role: "status" }, bar);
    this.stale = h("p", { class: "eval-stale", hidden: "" }, sec);
    this.figures = h("dl", { class: "eval-figures" }, sec);
    this.values = {};
    for (const [key] of FIGURES) {
      const box = h("div", {}, this.figures);
      const dt = h("dt", {}, box);
      const dd = h("dd", { id: key === "accuracy" ? "eval-accuracy" : `eval-${key.replace("_", "-")}` }, box);
      this.values[key] = { dt, dd };
    }
    this.perClassTitle = h("h3", { class: "eval-perclass-h", id: "eval-perclass-h" }, sec);
    this.perClass = h("ul", { class: "eval-perclass", id: "eval-perclass", "aria-labelledby": "eval-perclass-h" }, sec);
    const grid = h("div", { class: "eval-grid" }, sec);     // the matrix, and its gallery beside it on a wide screen
    // Before -> after: when Break It has damaged the network, the healthy one's matrix comes first.
    this.healthyBox = h("div", { class: "eval-scroll", hidden: "" }, grid);
    this.healthyMatrix = h("table", { class: "eval-confusion healthy", id: "confusion-healthy" }, this.healthyBox);
    this.matrix = h("table", { class: "eval-confusion", id: "confusion" }, h("div", { class: "eval-scroll" }, grid));
    this.gallery = h("div", { class: "eval-gallery", id: "eval-gallery", "aria-live": "polite" }, grid);
    this.threshold = new Threshold(h("div", { class: "eval-extra" }, sec));
    addEventListener(EVENTS.ready, () => this.threshold.refresh());
    this.spoil = new Spoil(h("div", { class: "eval-extra" }, sec));
    this.map = new PointMap(h("div", { class: "eval-extra" }, sec));
    this.runButton.addEventListener("click", () => this.run());
    this.images.addEventListener("change", () => this.run());
    this.matrix.addEventListener("click", (e) => {
      const b = e.target.closest("[data-true]");
      if (b) this.showCell(Number(b.dataset.true), Number(b.dataset.pred));
    });
    this.gallery.addEventListener("click", (e) => {
      const b = e.target.closest("[data-index]");
      if (b) this.toPad(b);
    });
    this.render();
  }

  onDone(fn) { this.listeners.push(fn); }

  // ---- the run, in slices ------------------------------------------------------------------

  async run() {
    const gen = ++this.gen;
    if (!page.ready) return;
    this.setState("running");
    this.progress.value = 0;
    try {
      const images = this.images.value;
      this.status.textContent = t(images === "all" ? "eval.loading.all" : "eval.loading");
      const n = await (images === "all" ? fetchAll() : loadEvalset());
      if (gen !== this.gen) return;
      this.map.clear();
      const model = page.model, version = page.version;
      page.call("eval.start", { model, images });
      this.card.dataset.images = images;
      this.card.dataset.model = model;
      this.card.dataset.n = String(n);
      const t0 = performance.now();
      const python = await this.slices(n, model, gen);
      if (python === null) return;
      this.result = page.call("eval.figures");
      performance.measure(EVENTS.evaluate, { start: t0, detail: { model, n, python, slices: this.nSlices } });
      this.version = version;
      this.render();
      this.threshold.refresh();
      for (const fn of this.listeners) fn(this.result);
      this.map.runDone(this.result).catch((err) => this.map.failed(err));
      if (this.result.healthy_pending) {      // damaged: the healthy network's matrix to set beside it
        if (await this.slices(n, model, gen, "eval.healthy", "eval.running.healthy") === null) return;
        this.result = page.call("eval.figures");
      }
      this.setState("done");
      this.render();
    } catch (err) {
      if (gen !== this.gen) return;
      this.setState("idle");
      this.images.value = this.card.dataset.images ?? "sample";   // what the figures shown are of
      this.status.textContent = t("eval.error", { message: String(err.message || err).trim().split("\n").pop() });
    }
  }

  /** Python scores the images a slice at a time (eval.step, or eval.healthy for the healthy
   *  network beside a damaged one), each sized to about SLICE_MS. -> the ms spent in Python, or
   *  null when a newer run took over. */
  async slices(n, model, gen, call = "eval.step", words = "eval.running") {
    let done = 0, per = 10, python = 0;
    this.nSlices = 0;
    while (done < n) {
      const t0 = performance.now();
      done = page.call(call, { stop: done + per }).done;
      const ms = performance.now() - t0;
      python += ms;
      this.nSlices++;
      per = Math.max(1, Math.min(500, Math.round(per * SLICE_MS / Math.max(ms, 0.5))));
      this.progress.value = done / n;
      this.status.textContent = t(words, { model, done, n });
      await nextTask();
      if (gen !== this.gen) return null;
    }
    return python;
  }

  setState(s) {
    this.images.disabled = s === "running";
    this.card.dataset.state = s;
    this.runButton.disabled = s === "running";
  }

  followVersion(version) {
    this.stale.hidden = !this.result || version === this.version;
  }

  // ---- what it shows ---------------------------------------------------------------------

  render() {
    const r = this.result;
    this.title.textContent = t("eval.title");
    this.intro.textContent = t("eval.intro", { n: Number(this.card.dataset.n) || 2000 });
    this.runButton.textContent = t(r ? "eval.rerun" : "eval.run");
    this.imagesLabel.textContent = t("eval.images");
    this.imageOptions.forEach((o) => { o.textContent = t(`eval.images.${o.value}`); });
    this.threshold.render();
    this.spoil.render();
    this.map.render();
    this.stale.textContent = t("eval.stale");
    if (this.card.dataset.state === "done") {
      this.status.textContent = t("eval.done", { model: this.card.dataset.model, n: r.n });
    } else if (this.card.dataset.state === "idle" && !r) this.status.textContent = t("eval.idle");
    for (const [key, label, fmt] of FIGURES) {
      const { dt, dd } = this.values[key];
      dt.textContent = t(label);
      dd.textContent = r && r[key] != null ? fmt(r[key]) : "–";
      if (r && r[key] != null) dd.dataset.value = String(r[key]);
    }
    this.figures.hidden = this.perClass.hidden = this.perClassTitle.hidden = this.matrix.hidden = !r;
    if (!r) { this.gallery.textContent = ""; return; }
    this.renderPerClass(r);
    this.renderMatrix(this.matrix, r, r.healthy ? t("eval.confusion.damaged", { acc: pct(r.accuracy) }) : t("eval.confusion"), true);
    this.healthyBox.hidden = !r.healthy;
    if (r.healthy) this.renderMatrix(this.healthyMatrix, r.healthy, t("eval.confusion.healthy", { acc: pct(r.healthy.accuracy) }), false);
    if (this.cell) this.showCell(...this.cell);
    else this.gallery.replaceChildren(h("p", { class: "note" }, null, t("eval.gallery.none")));
  }

  renderPerClass(r) {
    this.perClassTitle.textContent = t("eval.perclass");
    this.perClass.replaceChildren(...r.per_class.map((a, d) => {
      const li = h("li", { "data-digit": String(d), "data-value": a == null ? "" : String(a) });
      h("b", {}, li, String(d));
      li.append(" " + (a == null ? "–" : pct(a)));
      return li;
    }));
  }

  /** A real table: the numbers are the text alternative; each cell a button for its gallery, or
   *  (the healthy network's, beside the damaged one) just the count. */
  renderMatrix(table, r, caption, buttons) {
    const head = h("tr", {});
    h("th", { scope: "col", class: "corner" }, head, `${t("eval.true")} \\ ${t("eval.pred")}`);
    for (let p = 0; p < 10; p++) h("th", { scope: "col" }, head, String(p));
    const rows = r.confusion.map((counts, tr) => {
      const row = h("tr", {});
      h("th", { scope: "row" }, row, String(tr));
      counts.forEach((count, p) => {
        const share = r.shade[tr][p];
        const td = h("td", { class: tr === p ? "diag" : count ? "miss" : "" }, row);
        const label = t("eval.cell", { count, t: tr, p, share: pct(share) });
        const b = h(buttons ? "button" : "span", { "data-true": String(tr), "data-pred": String(p),
                                                   "data-count": String(count), "data-share": String(share),
                                                   ...(buttons ? { type: "button", "aria-label": label } : { class: "cell", title: label }) }, td);
        h("span", {}, b, String(count));
        b.style.setProperty("--s", String(share));
        if (share > 0.55) b.classList.add("dark");
      });
      return row;
    });
    table.replaceChildren(h("caption", {}, null, caption), head, ...rows);
  }

  /** The images of true digit tr read as p, most confident first (Python picks and orders them). */
  showCell(tr, p) {
    this.cell = [tr, p];
    for (const b of this.matrix.querySelectorAll("[aria-pressed]")) b.removeAttribute("aria-pressed");
    this.matrix.querySelector(`[data-true="${tr}"][data-pred="${p}"]`)?.setAttribute("aria-pressed", "true");
    const c = page.call("eval.cell", { true: tr, pred: p });
    const vars = { t: tr, p, total: c.total, shown: c.indices.length };
    const title = h("h3", {}, null, t(c.total ? "eval.gallery.title" : "eval.gallery.empty", vars));
    if (c.total > c.indices.length) title.textContent += " " + t("eval.gallery.more", vars);
    const list = h("ul", { class: "eval-images" });
    c.indices.forEach((index, i) => {
      const pixels = c.pixels.subarray(784 * i, 784 * (i + 1));
      const pctv = Math.round(c.confidence[i] * 100);
      const b = h("button", { type: "button", "data-index": String(index), "data-true": String(tr),
                              "data-pred": String(p), "aria-label": t("eval.gallery.item", { index, t: tr, p, pct: pctv }),
                              title: t("eval.gallery.item", { index, t: tr, p, pct: pctv }) }, h("li", {}, list));
      b.append(digitPicture(pixels), h("span", { class: "tag" }, null, `${pctv}%`));
      b.pixels = pixels;
    });
    this.gallery.replaceChildren(title, list);
    this.gallery.dataset.true = String(tr);
    this.gallery.dataset.pred = String(p);
  }

  toPad(b) {
    page.pad.setImage(b.pixels);
    page.update();
  }

  /** {model, indices[], labels[], preds[]} of the last finished run, or null. */
  snapshot() {
    const r = this.result;
    if (!r) return null;
    return { model: r.model, indices: Array.from(r.indices), labels: Array.from(r.labels), preds: Array.from(r.preds) };
  }
}
