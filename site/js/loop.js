// When the page classifies the drawing: at most one update per frame, the newest input wins.
//
// Two ways in. `now(since)` is for input a person just made (ink, a click): it runs the update at
// once, between frames, so its result is in the very next frame instead of one frame later. If an
// update already ran since the last frame was shown, the newest input is read again inside that
// frame (its animation-frame callback) when an update is cheap (the last one took under
// CATCH_UP_MS), so the frame shows the newest ink; when updates are dear (a slow CPU), it waits
// until the frame is on screen and then runs, so a frame never carries two updates' work.
// `schedule(since)` is for changes made by code (damage, training, a
// replay step, the diagram coming into view): the update runs in the next animation frame, as
// every update did before (BENCHMARKS.md, the update loop). `since` is the input's timeStamp.

import { afterPaint, betweenFrames } from "./frame.js";

// An update this cheap can run inside the frame after another one and the frame still makes its
// deadline on a desktop (a frame's own style, layout and paint take ~3-6 ms there).
export const CATCH_UP_MS = 8;

export class Loop {
  /** run(since): one update; canRun(): whether an update can run now (Python is ready). */
  constructor(run, canRun) {
    Object.assign(this, { run, canRun });
    this.pending = null;   // timeStamp of the oldest input waiting for an animation frame
    this.early = null;     // timeStamp of the oldest input waiting to run between frames
    this.ran = false;      // an update ran between frames since the last frame was shown
    this.cost = Infinity;  // ms the last update took (none yet: treat it as dear)
    this.catching = false; // a catch-up update waits for the next animation frame
  }

  now(since) {
    if (this.early === null) this.early = since;
    if (!this.canRun()) return;
    if (this.ran) {
      if (this.cost < CATCH_UP_MS) this._catchUp();
      return;
    }
    const t = this.early;
    this.early = null;
    this.ran = true;
    betweenFrames(() => {
      this._timed(t);
      // Queued between frames too, so it runs once the next frame is shown, not before it.
      afterPaint(() => {
        this.ran = false;
        if (this.early !== null) this.now(this.early);
      });
    });
  }

  /** Read the newest input inside the coming frame, once. */
  _catchUp() {
    if (this.catching) return;
    this.catching = true;
    requestAnimationFrame(() => {
      this.catching = false;
      const t = this.early;
      this.early = null;
      if (t !== null && this.canRun()) this._timed(t);
    });
  }

  _timed(t) {
    const t0 = performance.now();
    this.run(t);
    this.cost = performance.now() - t0;
  }

  schedule(since) {
    if (this.pending !== null) return;     // a frame is already coming; it reads the newest ink
    this.pending = since;
    requestAnimationFrame(() => {
      const t = this.pending;
      this.pending = null;
      // t === null: forget() dropped the input before this frame came.
      if (t !== null && this.canRun()) this.run(t);
    });
  }

  /** Drop inputs not yet classified (the caller classifies the drawing itself). */
  forget() {
    this.pending = this.early = null;
  }
}
