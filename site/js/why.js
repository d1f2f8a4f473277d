// "Why this digit?" (#saliency) and "Live maths" (#maths), built inside #why-mount.
//
// Both follow the drawing: each digitlab:update marks them stale, and at most once per animation
// frame each one that is on screen asks Python (why.explain / maths.explain) about the drawing
// the page just read. A section off screen costs nothing until it scrolls into view. KaTeX is
// loaded the first time the maths section comes near the viewport, never on the first load.

import { onLang, register } from "./i18n.js";
import strings from "./strings/why.js";
import { Saliency } from "./why-saliency.js";
import { Maths } from "./why-maths.js";

register(strings);

const mount = document.querySelector("#why-mount");
const state = { model: null, input: null, frame: false };

const views = [
  { name: "why.explain", view: new Saliency(mount), visible: false, stale: false },
];
views.push({ name: "maths.explain", view: new Maths(mount, () => refresh(views[1])), visible: false, stale: false });
views[0].show = (res) => views[0].view.show(res, res && !res.blank ? copyPad() : null, state.input);
views[1].show = (res) => views[1].view.show(res);
views[1].args = () => ({ unit: views[1].view.choice });

function copyPad() {
  return window.digitlab.pad.pixels().slice();          // pixels() reuses one buffer
}

function refresh(v) {
  v.stale = true;
  schedule();
}

function schedule() {
  if (state.frame) return;
  state.frame = true;
  requestAnimationFrame(run);
}

/** One frame: every visible stale view asks Python once, with the latest drawing. */
function run() {
  state.frame = false;
  if (!window.digitlab?.ready || state.model == null) return;
  for (const v of views) {
    if (!v.stale || !v.visible) continue;
    v.stale = false;
    try {       // a blank pad too: Python answers {blank: true} (and the maths its layer cards)
      v.show(window.digitlab.call(v.name, { model: state.model, ...(v.args?.() || {}) }));
    } catch (err) {
      console.error(`digitlab ${v.name}:`, err);
    }
  }
}

addEventListener("digitlab:update", (e) => {
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
