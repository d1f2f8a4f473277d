// The training panel's network choice (#train-arch, #train-conv, #train-layers): which fields the
// chosen network reads, the presets, and Python's verdict on a set-up. Python (train.config)
// checks every set-up before building anything; a refused one is worded here in the page's
// language, marked on its field, and stops Train and Step until it is fixed.

import { t, has } from "./i18n.js";

// Picking a preset also sets these controls (batch 32 learnt fastest per second at one step per frame, BENCHMARKS.md).
const PRESETS = { "cnn-small": { batch: "32" } };

export function initSetup(ui) {
  let bad = null;                       // the current refusal, worded, or null
  const fieldOf = (key) => (key.startsWith("conv") ? ui.conv : key.startsWith("layers") ? ui.layers : null);
  return {
    /** Show the fields the chosen network reads: the conv text for a custom CNN, no layers for the preset. */
    fields() {
      const a = ui.arch.value;
      ui.conv.closest("label").hidden = ui.convHint.hidden = a !== "cnn";
      ui.presetHint.hidden = a !== "cnn-small";
      ui.layers.disabled = a === "cnn-small";
    },
    preset() {
      for (const [id, value] of Object.entries(PRESETS[ui.arch.value] || {})) ui[id].value = value;
    },
    /** train.config's answer -> true if accepted; else the reason goes next to the field. */
    answer(res) {
      const key = res.error ? `train.bad.${res.error}` : null;
      bad = !key ? null : has(key) ? t(key, res.params) : t("train.bad.other", { message: res.message });
      const field = res.error ? fieldOf(res.error) : null;
      for (const f of [ui.conv, ui.layers]) f.setAttribute("aria-invalid", String(f === field));
      if (bad) ui.setupNote.textContent = bad;
      ui.setupNote.toggleAttribute("data-bad", bad !== null);
      return !bad;
    },
    /** A refused set-up stops Train and Step with the reason. -> true if refused. */
    refused() {
      if (bad) ui.setupNote.textContent = t("train.badStart", { why: bad });
      return bad !== null;
    },
  };
}
