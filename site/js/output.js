// The prediction, the ten probability bars, the keypad dial and the two 28×28 previews.
// Values arrive from Python ready to show; the words come from the strings (i18n.js), filled
// with Python's digit and percent, so a language switch rewords the answer at once.

import { onLang, t } from "./i18n.js";

const KEYPAD = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "", "0", ""];   // a phone's layout

export class Output {
  constructor(root) {
    this.pred = root.querySelector("#prediction");
    this.predDigit = this.pred.querySelector(".pred-digit");
    this.predText = this.pred.querySelector(".pred-text");
    this.predSpeak = this.pred.querySelector(".pred-speak");
    this.bars = [];
    this.keys = [];
    const probs = root.querySelector("#probs");
    for (let d = 0; d < 10; d++) {
      const li = document.createElement("li");
      li.dataset.digit = String(d);
      li.dataset.p = "0";
      li.innerHTML = `<span class="d">${d}</span><span class="bar"><span></span></span><span class="v">0%</span>`;
      probs.appendChild(li);
      this.bars.push({ li, v: li.querySelector(".v") });
    }
    const dial = root.querySelector("#dial");
    for (const k of KEYPAD) {
      const key = document.createElement("span");
      key.className = k ? "key" : "key blank";
      key.textContent = k;
      if (k) { key.dataset.key = k; this.keys[Number(k)] = key; }
      dial.appendChild(key);
    }
    this.inputCtx = root.querySelector("#input").getContext("2d");
    this.drawnCtx = root.querySelector("#drawn").getContext("2d");
    this.last = "";
    this.p = null;                                   // the last prediction, to reword on a switch
    onLang(() => { if (this.p) { this.last = null; this.show(this.p, this.probs, this.percent); } });
  }

  /** p: {digit, confidence, pct, state, reason?} (viewmodel.prediction); probs/percent: 10 numbers, or null/undefined when blank
   *  (Python None arrives as undefined). */
  show(p, probs, percent) {
    this.pred.dataset.digit = p.digit == null ? "" : String(p.digit);
    this.pred.dataset.confidence = String(p.confidence);
    this.pred.dataset.state = p.state;
    Object.assign(this, { p, probs, percent });
    const text = words(p, PRED);
    if (this.last !== text) {                        // replacing text costs a layout: only on change
      this.predDigit.textContent = p.digit == null ? "–" : String(p.digit);
      this.predText.textContent = text;
      this.last = text;
    }
    // The live region announces the "speak" words, which change with the digit or state only.
    const speak = words(p, SPEAK);
    if (this.predSpeak.textContent !== speak) this.predSpeak.textContent = speak;
    for (let d = 0; d < 10; d++) {
      const v = probs && Number.isFinite(probs[d]) ? String(probs[d]) : "0";
      const pct = percent ? percent[d] : (p.state === "nan" ? "NaN" : 0);   // "nan": Python sends no percent
      const win = p.digit === d;
      const bar = this.bars[d];
      bar.li.dataset.p = v;
      // Restyle only what visibly changed: repainting ten bars and twelve glowing keys every
      // frame costs more than the rest of the output.
      if (bar.pct === pct && bar.win === win) continue;
      bar.pct = pct; bar.win = win;
      bar.li.style.setProperty("--p", v);
      bar.v.textContent = pct === "NaN" ? pct : t("pred.percent", { pct });
      bar.li.classList.toggle("winner", win);
      const key = this.keys[d];
      key.style.setProperty("--p", v);
      key.classList.toggle("bright", pct >= 50);
      key.classList.toggle("winner", win);
    }
  }

  /** input/drawn: Uint8Array RGBA 28×28 (or null to blank them). */
  previews(input, drawn) {
    for (const [ctx, px] of [[this.inputCtx, input], [this.drawnCtx, drawn]]) {
      if (px) ctx.putImageData(new ImageData(new Uint8ClampedArray(px.buffer, px.byteOffset, 28 * 28 * 4), 28, 28), 0, 0);
      else ctx.clearRect(0, 0, 28, 28);
    }
  }
}

// By state, and by reason (viewmodel.DOUBTS, or "threshold": under Evaluate's confidence
// threshold, with its whole percent in p.threshold) when Python says why it is unsure. These tables are
// the only wording of the answer: Python sends no text.
const PRED = { none: "pred.none", sure: "pred.sure", unsure: "pred.unsure", small: "pred.small",
               blob: "pred.blob", flat: "pred.flat", nan: "pred.nan", threshold: "pred.threshold" };
const SPEAK = { none: "speak.none", sure: "speak.sure", unsure: "speak.unsure", small: "speak.small",
                blob: "speak.blob", flat: "speak.flat", nan: "speak.nan", threshold: "speak.threshold" };

/** The answer in the current language, from Python's state, reason, digit and whole percent (an
 *  edited view model may leave out pct or give a reason we have no words for). */
function words(p, keys) {
  if (p.state === "nan") return t(keys.nan);           // NaN or inf came out: no digit, and says so
  if (p.state === "none" || p.digit == null) return t(keys.none);
  const key = keys[p.reason] ?? keys[p.state] ?? keys.unsure;
  return t(key, { digit: p.digit, pct: p.pct ?? "?", threshold: p.threshold ?? "?" });
}

/** The answer as the page words it: "8, with 97% confidence", "unsure: too small to read …". */
export const answer = (p) => words(p, PRED);
