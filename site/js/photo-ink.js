// The photo card's "Turn into pen strokes" (#photo-to-pad): the photo's reading (the pad image
// Python laid out, after the box and rotation chosen) becomes pen strokes on the pad, which
// Python traces (digitlab/photoink.py through photo.ink). A picture on the pad is something
// share links and stroke replay cannot carry; strokes they can, so after this a link holds the
// drawing and replay plays it stroke by stroke. The pad then reads the strokes like any drawing.
//
// Nothing is lost: with no reading (no photo yet, a blank photo, still reading) the card says
// why and the pad is untouched; after a transfer, "Put the pad back" (#photo-ink-undo) restores
// what the pad held (the photo's picture, or a drawing) until the next stroke or photo.

import { lang, t } from "./i18n.js";
import { afterPaint } from "./frame.js";
import { EVENTS, page } from "./page.js";

const SEP = { ja: "" };          // between sentences: Japanese puts no space after 。

export class PhotoInk {
  /** root: #photo-ink; reading(): the card's current reading, {pad, digits} | {problem} |
   *  {busy} | null (no photo). */
  constructor(root, reading) {
    this.reading = reading;
    this.button = root.querySelector("#photo-to-pad");
    this.undoButton = root.querySelector("#photo-ink-undo");
    this.status = root.querySelector("#photo-ink-status");
    this.said = null;                           // [key, vars] shown, re-worded on a language switch
    this.before = null;                         // the pad's {strokes, base} before the last transfer
    this.button.addEventListener("click", () => this.transfer());
    this.undoButton.addEventListener("click", () => this.undo());
    // A new stroke makes the drawing the person's own again: "put back" would now lose it.
    document.addEventListener(EVENTS.stroke, () => this.forget());
  }

  say(said = this.said) {
    this.said = said;
    this.status.textContent = said ? said.map(([k, v]) => t(k, v)).join(SEP[lang()] ?? " ") : "";
  }

  /** A new photo was read (its picture is on the pad now): nothing to put back, nothing said. */
  reset() {
    this.forget();
    this.say(null);
  }

  forget() {
    this.before = null;
    this.undoButton.hidden = true;
  }

  transfer() {
    const r = this.reading();
    if (!r || r.busy || r.problem || !page.ready) {
      const why = !r ? "none" : r.busy || !page.ready ? "busy" : "problem";
      this.say([[`photo.ink.${why}`]]);
      return;
    }
    const started = performance.now();
    let out;
    try {
      out = page.call("photo.ink", { pad: r.pad });
    } catch (err) {
      this.say([["photo.ink.failed", { message: String(err?.message ?? err).split("\n").pop() }]]);
      return;
    }
    const python_ms = performance.now() - started;
    const pad = page.pad;
    const before = pad.empty ? null : { strokes: pad.strokes.map((s) => ({ w: s.w, pts: s.pts.slice() })), base: pad.base };
    pad.setStrokes(out.strokes);
    addEventListener(EVENTS.update, () => afterPaint(() => performance.measure(EVENTS.photoInk, {
      start: started, end: performance.now(), detail: { python_ms, strokes: out.strokes.length } })), { once: true });
    page.update();
    this.before = before;
    this.undoButton.hidden = !before;
    const vars = { n: out.strokes.length, w: out.width, digits: r.digits, ms: Math.round(python_ms) };
    this.say([[r.digits > 1 ? "photo.ink.doneMany" : "photo.ink.done", vars],
              ...(out.dropped ? [["photo.ink.dropped", { dropped: out.dropped }]] : []),
              ...(before ? [["photo.ink.kept"]] : [])]);
  }

  undo() {
    if (!this.before) return;
    page.pad.setStrokes(this.before.strokes, this.before.base);
    page.update();
    this.forget();
    this.say([["photo.ink.undone"]]);
  }
}
