// "Why this digit?" (#saliency) and "Live maths" (#maths), built inside #why-mount.
//
// Both follow the drawing: each digitlab:update marks them stale, and the ones on screen ask
// Python (why.explain / maths.explain) about the drawing the page just read, one per frame and
// at most every GAP_MS. A section off screen costs nothing until it scrolls into view. KaTeX is
// loaded the first time the maths section comes near the viewport, never on the first load.

import { onLang, register } from "./i18n.js";
import strings from "./strings/why.js";
import { Saliency } from "./why-saliency.js";
import { Maths } from "./why-maths.js";
import { EVENTS, page } from "./page.js";

register(strings);

const mount = document.querySelector("#why-mount");
const state = { model: null, input: null, frame: false };

const views = [
  { name: "why.explain", view: new Saliency(mount), visible: false, stale: false, lastRun: -Infinity },
];
views.push({ name: "maths.explain", view: new Maths(mount, () => refresh(views[1])), visible: false, stale: false,
             lastRun: -Infinity });
views[0].show = (res) => views[0].view.show(res, res && !res.blank ? copyPad() : null, state.input);
views[1].show = (res) => views[1].view.show(res);
views[1].args = () => ({ unit: views[1].view.choice });

function copyPad() {
  return page.pad.pixels().slice();          // pixels() reuses one buffer
}

/** The person asked for something in this card (a unit): answer in the next frame, no waiting. */
function refresh(v) {
  v.stale = true;
  v.lastRun = -Infinity;
  schedule();
}

// Each section costs tens of ms when shown (Python's saliency and ablations, KaTeX typesetting
// every formula): one section per frame, and each at most every GAP_MS, so drawing and training
// keep their frame rate (measured: the maths card re-typeset on every training update took
// ~23 ms and dropped a frame each time; 4 refreshes a second still read as live). A section that
// has not run for GAP_MS (it just came on screen, or the drawing changed after a pause) runs in
// the next frame, so nothing above the reader's place changes height long after a scroll.
const GAP_MS = 250;

function schedule() {
  if (state.frame) return;
  const due = views.filter((w) => w.stale && w.visible);
  if (!due.length) return;
  state.frame = true;
  const wait = Math.min(...due.map((w) => w.lastRun + GAP_MS)) - performance.now();
  if (wait > 0) setTimeout(() => requestAnimationFrame(run), wait);
  else requestAnimationFrame(run);
}

/** One frame: the visible stale view that has waited longest asks Python, with the latest drawing. */
function run() {
  state.frame = false;
  if (!page.ready || state.model == null) return;
  const now = performance.now();
  const ready = views.filter((w) => w.stale && w.visible && now - w.lastRun >= GAP_MS);
  const v = ready.sort((a, b) => a.lastRun - b.lastRun)[0];
  if (v) {
    v.lastRun = now;
    v.stale = false;
    try {       // a blank pad too: Python answers {blank: true} (and the maths its layer cards)
      v.show(page.call(v.name, { model: state.model, ...(v.args?.() || {}) }));
    } catch (err) {
      console.error(`digitlab ${v.name}:`, err);
    }
  }
  schedule();        // the other section: in the next frame, or when its GAP_MS has passed
}

addEventListener(EVENTS.update, (e) => {
  const { result, model } = e.detail;
  state.model = model;
  state.input = result.images?.input || null;
  for (const v of views) v.stale = true;
  schedule();
});

// Off screen: no Python work. The maths section also starts fetching KaTeX as it approaches.
const watch = new IntersectionObserver((entries) => {
  for (const entry of entries) {
    const v = views.find((w) => w.view.card === entry.target);
    v.visible = entry.isIntersecting;
    if (v.visible && v.view.wantKatex) v.view.wantKatex();
    if (v.visible && v.stale) schedule();
  }
}, { rootMargin: "300px" });
for (const v of views) watch.observe(v.view.card);

onLang(() => { for (const v of views) v.view.render(); });
addEventListener(EVENTS.ready, () => { for (const v of views) v.view.render(); });   // drop "Python is loading"
