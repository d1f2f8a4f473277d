// Break It, deeper: pruning, the softmax's temperature (Break It's card) and one unit's output
// scale (the inspector's panel). Only controls: Python (digitlab.damage) validates each value,
// applies it and measures accuracy before → after as for the other damage.

import { t } from "./i18n.js";
import { h } from "./dom.js";

/** A labelled range input with an <output> naming its value. */
function slider(parent, id, attrs) {
  const box = h("label", { class: "break-noise" }, parent);
  const text = h("span", { class: "break-label" }, box);
  const input = h("input", { type: "range", id, "aria-describedby": `${id}-v`, ...attrs }, box);
  const value = h("output", { id: `${id}-v`, for: id }, box);
  return { text, input, value };
}

/** Pruning (share, per layer or whole network) and temperature inside Break It's controls. */
export class DeeperControls {
  constructor(parent, change) {
    this.prune = slider(parent, "break-prune", { min: "0", max: "0.99", step: "0.01", value: "0" });
    this.scope = h("select", { id: "break-prune-scope", class: "break-scope" }, parent);
    for (const v of ["layer", "global"]) h("option", { value: v }, this.scope);
    this.temp = slider(parent, "break-temperature", { min: "0.1", max: "5", step: "0.1", value: "1" });
    this.prune.input.addEventListener("input", () => change({ prune: Number(this.prune.input.value) }));
    this.scope.addEventListener("change", () => change({ prune_global: this.scope.value === "global" }));
    this.temp.input.addEventListener("input", () => change({ temperature: Number(this.temp.input.value) }));
  }

  render(s) {
    this.prune.text.textContent = t("lab.break.prune");
    setValue(this.prune.input, s.prune);
    this.prune.value.textContent = t(s.prune_global ? "lab.break.prune.global" : "lab.break.prune.layer",
                                     { pct: Math.round(s.prune * 100) });
    this.scope.setAttribute("aria-label", t("lab.break.prune.scope"));
    const [layer, global] = this.scope.options;
    layer.textContent = t("lab.break.prune.by.layer");
    global.textContent = t("lab.break.prune.by.global");
    this.scope.value = s.prune_global ? "global" : "layer";
    this.temp.text.textContent = t("lab.break.temperature");
    setValue(this.temp.input, s.temperature);
    this.temp.value.textContent = t("lab.break.temperature.value", { v: s.temperature.toFixed(1) });
  }
}

function setValue(input, x) {
  if (Number(input.value) !== x) input.value = String(x);
}

/** The inspector's "scale this unit's output" slider (#inspector-scale), 0–2×. */
export class ScaleControl {
  constructor(parent, breakIt) {
    this.breakIt = breakIt;
    const box = h("div", { class: "insp-scale", hidden: "" }, parent);
    this.s = slider(box, "inspector-scale", { min: "0", max: "2", step: "0.05", value: "1" });
    this.box = box;
    this.s.input.addEventListener("input", () => this.breakIt.setScale(this.unit, Number(this.s.input.value)));
  }

  /** unit: the switchable unit of the open panel, or null (inputs and outputs have none). */
  render(unit) {
    this.unit = unit;
    this.box.hidden = !unit;
    if (!unit) return;
    const f = this.breakIt.scaleOf(unit);
    this.s.text.textContent = t("lab.insp.scale", { id: unit });
    setValue(this.s.input, f);
    this.s.value.textContent = t("lab.insp.scale.value", { v: f.toFixed(2) });
  }
}
