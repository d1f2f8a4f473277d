// The drawing pad: pointer events in, strokes out. No Python needed, so it works from the first paint.
//
// Strokes are kept as vectors in pad units (0..1), so the visible canvas can be redrawn crisply at
// any devicePixelRatio, and a fixed 280×280 offscreen copy (independent of the screen) provides
// the pixels Python reads: their alpha channel, one byte per pixel.

import { PAD, PALETTE } from "./constants.js";
import { EVENTS } from "./page.js";

export const SIZE = PAD;          // offscreen side, px: what Python receives (digitlab/constants.py)
const INK = PALETTE.ink;
// Ink follows pointerrawupdate where the browser has it: it arrives as the pointer moves, not at
// the next frame as pointermove does, so the page can classify the new ink before that frame.
const MOVE = "onpointerrawupdate" in window ? "pointerrawupdate" : "pointermove";
export const KEY_PEN = -1;        // the keyboard pen's pointer id (real pointers have ids >= 0)

export class Pad {
  /** canvas: the visible <canvas>; onInk(timeStamp): called after every change. */
  constructor(canvas, onInk) {
    this.canvas = canvas;
    this.onInk = onInk;
    this.strokes = [];            // [{w, pts: [x0, y0, x1, y1, ...]}] in pad units
    this.base = null;             // a 28×28 sample image under the strokes (canvas), or null
    this.brush = 20 / SIZE;       // stroke width in pad units
    this.active = null;           // the stroke being drawn, with its pointerId
    this.off = document.createElement("canvas");
    this.off.width = this.off.height = SIZE;
    this.offCtx = this.off.getContext("2d", { willReadFrequently: true });
    this.alpha = new Uint8Array(SIZE * SIZE);
    this.ctx = canvas.getContext("2d");
    this._listen();
    this.resize();
    // Device pixels, not CSS pixels: a devicePixelRatio change (zoom, another screen) keeps the
    // CSS size, and the canvas must still be re-rendered at the new ratio to stay crisp. Where no
    // observer reports it (an emulated ratio), each pointerdown checks again (resize() is cheap).
    const resized = new ResizeObserver(() => this.resize());
    try { resized.observe(canvas, { box: "device-pixel-content-box" }); } catch { resized.observe(canvas); }
  }

  get empty() { return this.strokes.length === 0 && !this.base; }

  setBrush(px) { this.brush = px / SIZE; }

  /** Match the backing store to the CSS size × devicePixelRatio, then redraw from the vectors. */
  resize() {
    const r = this.canvas.getBoundingClientRect();
    // At most 2 device pixels per CSS pixel: every frame with new ink hands the whole bitmap to the
    // compositor, and a 3x phone's bitmap is 2.25x the bytes for ink that looks the same.
    const dpr = Math.min(2, window.devicePixelRatio || 1);
    const w = Math.max(1, Math.round(r.width * dpr)), h = Math.max(1, Math.round(r.height * dpr));
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
      this.redraw();
    }
  }

  clear() { this.strokes = []; this.base = null; this.redraw(); }

  undo() {
    if (this.strokes.length) this.strokes.pop();
    else this.base = null;
    this.redraw();
  }

  /** Replace the drawing with strokes [{w, pts: [x0, y0, …]}] in pad units (0..1), over `base`
   *  (a sample image from this.base, or null): a share link, a replay. Copies the strokes, so
   *  later drawing never changes the caller's list. */
  setStrokes(strokes, base = null) {
    this.strokes = strokes.map((s) => ({ w: s.w, pts: s.pts.slice() }));
    this.base = base;
    this.active = null;
    this.redraw();
  }

  /** Put a side×side image (side² values 0..255, ink bright; a 28×28 sample, or a photo read
   *  at the pad's own size) on the pad, replacing the drawing. */
  setImage(pixels, side = 28) {
    const small = document.createElement("canvas");
    small.width = small.height = side;
    const sctx = small.getContext("2d");
    const img = sctx.createImageData(side, side);
    for (let i = 0; i < side * side; i++) { img.data[4 * i + 3] = pixels[i]; }  // ink colour black, alpha = value
    sctx.putImageData(img, 0, 0);
    this.base = small;
    this.strokes = [];
    this.redraw();
  }

  /** The offscreen drawing's alpha channel: Uint8Array(280 * 280), row-major, ink = 255. */
  pixels() {
    const rgba = this.offCtx.getImageData(0, 0, SIZE, SIZE).data;
    const a = this.alpha;
    for (let i = 0, j = 3; i < a.length; i++, j += 4) a[i] = rgba[j];
    return a;
  }

  redraw() {
    for (const [ctx, side] of this._targets()) {
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
      if (this.base) this.drawBase(ctx, side, this.base);
      for (const s of this.strokes) this.drawStroke(ctx, side, s);
    }
    this.canvas.parentElement?.classList.toggle("inked", !this.empty);
  }

  /** Draw a sample image (this.base) on a 2D context `side` px wide, as the pad shows it. */
  drawBase(ctx, side, base) {
    // Nearest-neighbour: each MNIST pixel becomes a crisp 10×10 block, so the pad holds the
    // sample exactly and preprocessing gives back (nearly) the original 28×28.
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(base, 0, 0, side, side);
  }

  /** Draw stroke s ({w, pts}) on a 2D context `side` px wide, with the pad's own pen: the
   *  same pixels as the pad for the same strokes (the replay draws prefixes with it). */
  drawStroke(ctx, side, s) {
    this._path(ctx, side, s, 0);
  }

  _targets() {
    return [[this.ctx, this.canvas.width], [this.offCtx, SIZE]];
  }

  /** Draw stroke s from point index `from` on: quadratic curves through the midpoints. */
  _path(ctx, side, s, from) {
    const p = s.pts, n = p.length / 2;
    ctx.strokeStyle = ctx.fillStyle = INK;
    ctx.lineWidth = s.w * side;
    ctx.lineCap = ctx.lineJoin = "round";
    if (n === 1) {                         // a dot
      ctx.beginPath();
      ctx.arc(p[0] * side, p[1] * side, s.w * side / 2, 0, 2 * Math.PI);
      ctx.fill();
      return;
    }
    const i0 = Math.max(1, from);
    ctx.beginPath();
    // Start at the midpoint the previous segment ended on (or the stroke's first point).
    if (i0 === 1) ctx.moveTo(p[0] * side, p[1] * side);
    else ctx.moveTo((p[2 * i0 - 4] + p[2 * i0 - 2]) / 2 * side, (p[2 * i0 - 3] + p[2 * i0 - 1]) / 2 * side);
    for (let i = i0; i < n; i++) {
      const mx = (p[2 * i - 2] + p[2 * i]) / 2, my = (p[2 * i - 1] + p[2 * i + 1]) / 2;
      ctx.quadraticCurveTo(p[2 * i - 2] * side, p[2 * i - 1] * side, mx * side, my * side);
    }
    ctx.lineTo(p[2 * n - 2] * side, p[2 * n - 1] * side);
    ctx.stroke();
  }

  _point(e) {
    const r = this.canvas.getBoundingClientRect();
    return [(e.clientX - r.left) / r.width, (e.clientY - r.top) / r.height];
  }

  _box() {
    const r = this.canvas.getBoundingClientRect();
    return `${Math.round(r.left)},${Math.round(r.top)},${Math.round(r.width)},${Math.round(r.height)}`;
  }

  _listen() {
    const c = this.canvas;
    c.addEventListener("pointerdown", (e) => {
      if (e.button !== 0 && e.pointerType === "mouse") return;
      if (this.active) return;                       // one pen at a time
      this.resize();
      // Throws for a pointer that is already gone (lifted before this handler ran, or a
      // script-made event); the stroke still works, only without capture.
      try { c.setPointerCapture(e.pointerId); } catch { /* no capture */ }
      this.begin(e.pointerId, ...this._point(e), e.timeStamp);
      e.preventDefault();
    });
    c.addEventListener(MOVE, (e) => {
      if (!this.active || e.pointerId !== this.active.id) return;
      // The pad moved or changed size under the pointer (a window resize, a layout shift): going
      // on would draw a jump across it, so the stroke ends where it was.
      if (this._box() !== this.active.box) { this._end(); return; }
      const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
      const pts = this.active.stroke.pts, before = pts.length / 2;
      for (const ev of events.length ? events : [e]) pts.push(...this._point(ev));
      this._extend(before);
      this.onInk(e.timeStamp);
    });
    const end = (e) => {
      if (!this.active || e.pointerId !== this.active.id) return;
      const id = this.active.id;
      this.active = null;
      if (c.hasPointerCapture(id)) c.releasePointerCapture(id);
      // The live pieces overlap a little at their joins; redraw the stroke as one path so the
      // pixels depend only on the strokes (undo then gives back exactly the earlier drawing).
      this.redraw();
      this.onInk(e.timeStamp);
      // For instruments that care about whole strokes (replay, share): a stroke just ended.
      c.dispatchEvent(new CustomEvent(EVENTS.stroke, { bubbles: true, detail: { count: this.strokes.length } }));
    };
    c.addEventListener("pointerup", end);
    c.addEventListener("pointercancel", end);
    this._end = (when = performance.now()) => end({ pointerId: this.active.id, timeStamp: when });
  }

  /** Start a stroke at (x, y) in pad units for pointer `id` (KEY_PEN: the keyboard's pen). */
  begin(id, x, y, when) {
    this.active = { id, stroke: { w: this.brush, pts: [x, y] }, box: this._box() };
    this.strokes.push(this.active.stroke);
    this._extend(1);
    this.onInk(when);
  }

  /** The keyboard's pen (pad-keys.js): a line to (x, y) while down; lifting ends the stroke. */
  keyTo(x, y, when) {
    if (this.active?.id !== KEY_PEN) return;
    const pts = this.active.stroke.pts, before = pts.length / 2;
    pts.push(x, y);
    this._extend(before);
    this.onInk(when);
  }

  keyUp(when) {
    if (this.active?.id === KEY_PEN) this._end(when);
  }

  /** Draw the active stroke's new part on both canvases without redrawing the rest. */
  _extend(from) {
    const s = this.active.stroke;
    for (const [ctx, side] of this._targets()) {
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      // Re-draw from one point back so the curve joins the previous piece smoothly.
      this._path(ctx, side, s, Math.max(1, from - 1));
    }
    this.canvas.parentElement?.classList.add("inked");
  }
}
