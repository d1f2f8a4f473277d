// The visible side of one training step: links of the main diagram flash where the weights moved
// most (ids from Python's train_flash hook), and the slow-motion step lights the diagram's
// columns left to right (forward), right to left (the error flowing back), then each layer's
// weights (the update), with Python's per-layer numbers written alongside.

import { t } from "./i18n.js";
import { page } from "./page.js";

const FLASH_MS = 450;
const PHASE_MS = 420;
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
const column = (id) => document.querySelector(`#network g[data-layer="${CSS.escape(id)}"]`);

/** Mark the drawn links with these ids for a moment (a data attribute the diagram never writes). */
export function flashLinks(ids) {
  page.flushLinks();
  for (const id of ids) {
    const line = document.querySelector(`#network [data-link-id="${CSS.escape(id)}"]`);
    if (!line) continue;
    line.setAttribute("data-flash", "");
    clearTimeout(line.flashTimer);
    line.flashTimer = setTimeout(() => line.removeAttribute("data-flash"), FLASH_MS);
  }
}

async function pulse(ids, phase) {
  for (const id of ids) {
    const g = column(id);
    if (g) g.setAttribute("data-pulse", phase);
    await sleep(PHASE_MS);
    if (g) g.removeAttribute("data-pulse");
  }
}

function line(box, text, cls) {
  const li = document.createElement("li");
  li.className = cls;
  li.textContent = text;
  box.appendChild(li);
}

/** layers: [{id, act, grad, change?}] from train.step {detail: true}, input first. */
export async function slowStep(box, layers) {
  box.hidden = false;
  box.replaceChildren();
  const ids = layers.map((l) => l.id);
  document.querySelector("#network")?.scrollIntoView({ block: "nearest", behavior: "smooth" });
  line(box, t("train.slow.forward"), "forward");
  await pulse(ids, "forward");
  line(box, t("train.slow.backward"), "backward");
  await pulse(ids.slice(1).reverse(), "backward");
  line(box, t("train.slow.update"), "update");
  for (const l of layers.slice(1)) {
    const act = l.act.toPrecision(3);
    line(box, l.weights === false ? t("train.slow.noWeights", { id: l.id, act })   // a pool or flatten layer
      : t("train.slow.layer", { id: l.id, act, grad: l.grad.toPrecision(3), change: (100 * l.change).toPrecision(2) + "%" }), "layer");
  }
  await pulse(ids.slice(1), "update");
}
