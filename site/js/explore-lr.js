// The learning-rate explorer: the same tiny network trained at several learning rates by
// digitlab's own core in Python (lr.start / lr.work, see digitlab/web/features/lr_explore.py),
// a slice of work per animation frame so the page stays responsive. This file draws the loss
// curves, says which run crawls and which diverges, and hands the landscape to explore-land.js.

import { t, onLang } from "./i18n.js";
import { h, svg } from "./dom.js";
import { linePath, scale, xGrid, yGrid } from "./chart.js";
import { fmt, fmtLoss, reducedMotion } from "./explore-svg.js";
import { Landscape } from "./explore-land.js";

const W = 560, H = 300, M = { l: 58, r: 64, t: 12, b: 34 };
const BUDGET_MS = 8;      // Python work per frame: the rest of the frame stays with the page
const BLOWUP = 10;        // digitlab.explore.BLOWUP: the curves' top is ten times the start

export class LearningRateExplorer {
  constructor(parent, call) {
    this.call = call;
    this.res = null;
    this.raf = null;
    this.build(parent);
    onLang(() => this.texts());
  }

  build(parent) {
    const card = h("section", { class: "card explore-card wide", id: "lr-explore", "aria-labelledby": "lr-h",
      "data-state": "idle" }, parent);
    this.card = card;
    this.title = h("h2", { id: "lr-h" }, card);
    const top = h("div", { class: "lr-top" }, card);
    this.intro = h("p", { class: "explore-intro" }, top);
    this.land = new Landscape(card, top, (run) => this.chooseLandscape(run));
    const bar = h("div", { class: "lr-bar" }, card);
    this.button = h("button", { type: "button", id: "lr-run", class: "primary", disabled: "" }, bar);
    this.button.addEventListener("click", () => this.run());
    this.status = h("p", { id: "lr-status", role: "status", class: "lr-status" }, bar);
    this.curvesTitle = h("h3", {}, card);
    const wrap = h("div", { class: "plot-wrap" }, card);
    this.svg = svg("svg", { id: "lr-curves", class: "explore-plot", viewBox: `0 0 ${W} ${H}`, role: "img" });
    wrap.appendChild(this.svg);
    this.runs = h("ul", { id: "lr-runs", class: "lr-runs" }, card);
    this.verdict = h("div", { id: "lr-verdict", class: "lr-verdict" }, card);
    this.land.mountPlot(card);
    this.texts();
  }

  texts() {
    this.title.textContent = t("explore.lr.title");
    this.intro.textContent = t("explore.lr.intro", { steps: this.res?.steps ?? 300 });
    this.curvesTitle.textContent = t("explore.lr.curves");
    if (!this.res) this.svg.setAttribute("aria-label", t("explore.lr.curves.none"));
    this.button.textContent = this.res ? t("explore.lr.again") : t("explore.lr.run", { n: 5 });
    this.land.texts();
    if (this.res) this.render(true);
    else this.status.textContent = this.button.disabled ? t("explore.loading") : t("explore.lr.idle");
  }

  start() {
    this.button.disabled = false;
    this.status.textContent = t("explore.lr.idle");
  }

  run() {
    const res = this.call("lr.start", {});
    if (!res) return;
    this.res = res;
    this.land.reset(res.points);
    this.button.textContent = t("explore.lr.again");
    this.render(true);
    this.loop();
  }

  chooseLandscape(run) {
    const res = this.call("lr.landscape", { run });
    if (!res) return;
    this.res = res;
    this.render(true);
    this.loop();
  }

  /** Ask Python for a slice of work each frame until everything is done. */
  loop() {
    if (this.raf !== null) return;
    const tick = () => {
      const before = this.res?.phase;
      const res = this.call("lr.work", { budget_ms: BUDGET_MS });
      if (!res) { this.raf = null; return; }
      this.res = res;
      // Reduced motion: no growing curves; draw each part once, when it is complete.
      this.render(!reducedMotion() || res.phase !== before || res.phase === "done");
      this.raf = res.phase === "done" ? null : requestAnimationFrame(tick);
    };
    this.raf = requestAnimationFrame(tick);
  }

  /** Status always; the charts when `draw` (every frame, or only at the end with reduced motion). */
  render(draw) {
    const r = this.res, step = Math.max(...r.runs.map((x) => x.losses.length)), L = r.landscape;
    this.card.dataset.state = r.phase === "done" ? "done" : "running";
    this.card.dataset.phase = r.phase;
    this.status.textContent = r.phase === "train" ? t("explore.lr.running", { step, steps: r.steps })
      : r.phase === "landscape" ? t("explore.lr.landscaping", { row: L ? L.rows : 0, n: L ? L.n : 0 })
      : t("explore.lr.done", { n: r.runs.length, steps: r.steps });
    if (!draw) return;
    this.curves(r);
    this.legend(r);
    this.says(r);
    this.land.show(r);
  }

  /** log10(loss) against step, one path per rate, clipped at ten times the starting loss. */
  curves(r) {
    const starts = r.runs.map((x) => x.start).filter(Number.isFinite);
    const finite = r.runs.flatMap((x) => Array.from(x.losses).filter((v) => Number.isFinite(v) && v > 0));
    const top = Math.ceil(Math.log10(Math.max(...starts) * BLOWUP));
    const bottom = Math.max(-4, Math.floor(Math.log10(Math.min(...finite, 1))));
    const sx = scale(0, r.steps, M.l, W - M.r), sy = scale(bottom, top, H - M.b, M.t);
    const ly = (v) => Math.min(top, Math.max(bottom, Math.log10(v)));
    this.svg.replaceChildren();
    const g = svg("g", { class: "grid" }, this.svg);
    const decades = [], steps = [];
    for (let k = bottom; k <= top; k++) decades.push(k);
    for (let s = 0; s <= r.steps; s += r.steps / 6) steps.push(s);
    yGrid(g, decades, sy, M.l, W - M.r, { dx: -6, dy: 4, label: (k) => fmt(10 ** k, 4), class: "tick", "text-anchor": "end" });
    xGrid(g, steps, sx, M.t, H - M.b, { dy: 16, label: (s) => fmt(s, 0), class: "tick", "text-anchor": "middle" });
    svg("text", { x: (M.l + W - M.r) / 2, y: H - 2, class: "axis-label", "text-anchor": "middle" }, g)
      .textContent = t("explore.lr.axis.step");
    svg("text", { x: 12, y: (M.t + H - M.b) / 2, class: "axis-label", "text-anchor": "middle",
      transform: `rotate(-90 12 ${(M.t + H - M.b) / 2})` }, g).textContent = t("explore.lr.axis.loss");
    r.runs.forEach((run, i) => this.curve(run, i, sx, sy, ly));
    this.svg.setAttribute("aria-label", curvesText(r));
  }

  curve(run, i, sx, sy, ly) {
    const ys = Array.from(run.losses, (v) => (Number.isFinite(v) ? ly(v) : NaN));
    const xs = ys.map((_, k) => k);
    const g = svg("g", { class: `run run-${i}` }, this.svg);
    svg("path", { class: "curve", d: linePath(xs, ys, sx, sy), "data-rate": run.lr, "data-points": ys.length }, g);
    const last = ys.findLastIndex(Number.isFinite);
    if (run.diverged && run.diverged_at !== null && run.diverged_at !== undefined) {
      // Mark where it blew up: at the last finite point when the loss became infinite.
      const k = Math.min(run.diverged_at, Math.max(last, 0)), X = sx(k), Y = sy(Number.isFinite(ys[k]) ? ys[k] : ly(1e30));
      const m = svg("g", { class: "blowup", "data-step": run.diverged_at, "data-rate": run.lr }, g);
      svg("path", { d: `M${X - 7} ${Y - 7}L${X + 7} ${Y + 7}M${X - 7} ${Y + 7}L${X + 7} ${Y - 7}` }, m);
      svg("text", { x: X + 10, y: Y + 18, class: "run-label" }, m)
        .textContent = `${fmt(run.lr, 4)}: ${t("explore.lr.blewup")}`;
    } else if (last >= 0) {
      svg("text", { x: sx(last) + 5, y: sy(ys[last]) + 4, class: "run-label" }, g).textContent = fmt(run.lr, 4);
    }
  }

  /** One row per rate: its colour, rate, last finite loss and (when done) what it shows. */
  legend(r) {
    this.runs.replaceChildren();
    r.runs.forEach((run, i) => {
      const li = h("li", { class: `run-${i}`, "data-lr-run": i, "data-rate": run.lr,
        "data-final": run.final ?? "", "data-diverged": run.diverged, "data-verdict": run.verdict ?? "",
        "data-points": run.losses.length }, this.runs);
      h("span", { class: "swatch-line", "aria-hidden": "true" }, li);
      h("strong", {}, li, t("explore.lr.rate", { lr: fmt(run.lr, 4) }));
      h("span", {}, li, t("explore.lr.final", { loss: fmtLoss(run.final) }));
      if (run.verdict) h("span", { class: `badge ${run.verdict}` }, li, t(`explore.lr.v.${run.verdict}`));
    });
  }

  /** "Too small crawls … too large diverges …", each sentence naming the run that shows it. */
  says(r) {
    this.verdict.replaceChildren();
    if (r.phase === "train") return;
    const best = r.runs.find((x) => x.verdict === "fastest");
    for (const run of r.runs) {
      let text = null;
      if (run.verdict === "crawls" && run === r.runs[0] && best) {
        const by = Array.from(best.losses).findIndex((v) => v < run.final);
        text = t("explore.lr.say.crawls", { lr: fmt(run.lr, 4), loss: fmtLoss(run.final), steps: r.steps,
          best: fmt(best.lr, 4), by });
      } else if (run.verdict === "diverged") {
        text = run.blowup !== null && run.blowup !== undefined
          ? t("explore.lr.say.diverged", { lr: fmt(run.lr, 4), at: run.diverged_at })
          : t("explore.lr.say.diverged_high", { lr: fmt(run.lr, 4), at: run.diverged_at, k: BLOWUP });
      } else if (run.verdict === "fastest") {
        text = t("explore.lr.say.fastest", { lr: fmt(run.lr, 4), loss: fmtLoss(run.final), steps: r.steps });
      }
      if (text) h("p", { class: `say ${run.verdict}`, "data-verdict": run.verdict }, this.verdict, text);
    }
  }
}

/** The curves' text alternative from Python's losses: each rate's first and last finite loss,
 *  or where it blew up. r: lr.work's report. */
function curvesText(r) {
  const runs = r.runs.map((run) => {
    const finite = Array.from(run.losses).filter(Number.isFinite);
    const vars = { lr: fmt(run.lr, 4), from: fmtLoss(finite[0] ?? run.start), to: fmtLoss(finite[finite.length - 1]),
                   at: run.diverged_at };
    return t(run.diverged && run.diverged_at != null ? "explore.lr.curves.blew" : "explore.lr.curves.run", vars);
  });
  return t("explore.lr.curves.aria", { steps: r.steps, runs: runs.join(t("list.sep")) });
}
