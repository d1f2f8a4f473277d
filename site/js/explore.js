// The explorers (#explore-mount): activation functions, softmax with a temperature, one neuron
// step by step, and the learning-rate explorer. Each card is built at once (so the page's layout
// does not jump) and starts asking Python when it is ready. All maths happens in Python through
// page.call (see digitlab/web/features/explore.py and lr_explore.py).

import { register, t, onLang } from "./i18n.js";
import strings from "./strings/explore.js";
import { h } from "./dom.js";
import { EVENTS, page } from "./page.js";
import { ActivationExplorer } from "./explore-act.js";
import { SoftmaxExplorer } from "./explore-softmax.js";
import { NeuronCalculator } from "./explore-neuron.js";
import { LearningRateExplorer } from "./explore-lr.js";

register(strings);

const mount = document.querySelector("#explore-mount");
const grid = h("div", { class: "explore-grid" }, mount);
const problem = h("p", { class: "explore-error", role: "alert", hidden: "" }, grid);
let lastError = null;

/** A registered Python function; on failure say so in the section (not a page crash) -> null. */
function call(name, args) {
  try {
    const res = page.call(name, args);
    if (lastError) { problem.hidden = true; lastError = null; }
    return res;
  } catch (err) {
    lastError = String(err?.message || err).split("\n").filter(Boolean).pop();
    problem.textContent = t("explore.failed", { error: lastError });
    problem.hidden = false;
    console.warn("digitlab explore:", name, err);
    return null;
  }
}

const parts = [
  new ActivationExplorer(grid, call),
  new SoftmaxExplorer(grid, call),
  new NeuronCalculator(grid, call),
  new LearningRateExplorer(grid, call),
];
onLang(() => { if (lastError) problem.textContent = t("explore.failed", { error: lastError }); });

let started = false;
function start() {
  if (started) return;
  started = true;
  for (const p of parts) p.start();
}

// The code editor (site/js/editor.js) bumps #editor's data-version when an edit of the package
// runs: ask Python again, so an edited activation or layer shows here too.
const editor = document.querySelector("#editor");
if (editor) {
  new MutationObserver(() => { if (started) for (const p of parts) p.refresh?.(); })
    .observe(editor, { attributes: true, attributeFilter: ["data-version"] });
}
if (page.ready) start();
else addEventListener(EVENTS.ready, start);
