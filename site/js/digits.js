// Multi-digit: when the ink forms groups clearly apart, Python (features/digits.py) reads each
// on its own; this shows the sequence ("4 2"). Hidden for one group.

import { onLang, t } from "./i18n.js";
import { EVENTS } from "./page.js";

export function initDigits() {
  const box = document.createElement("p");
  box.id = "digits";
  box.className = "digits";
  box.dataset.sequence = "";
  box.hidden = true;
  let last = null;

  /** d: the update's `digits` ({sequence, digits, confidence}); force: redraw even if unchanged. */
  function show(d, force = false) {
    last = d;
    const seq = d?.sequence ?? "";
    if (box.dataset.sequence === seq && !force) return;
    box.dataset.sequence = seq;
    box.hidden = !seq;
    if (!seq) return box.replaceChildren();
    const label = document.createElement("span");
    label.className = "digits-label";
    label.textContent = t("digits.label");
    const digits = d.digits.map((digit, i) => {
      const s = document.createElement("span");
      s.className = "digit";
      s.textContent = String(digit);
      s.dataset.confidence = String(d.confidence[i]);
      return s;
    });
    box.replaceChildren(label, ...digits);
  }

  addEventListener(EVENTS.update, (e) => show(e.detail.result.digits));
  onLang(() => show(last, true));
  return box;
}
