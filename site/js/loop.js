// When the page classifies the drawing: at most one update per frame, the newest input wins.
//
// Two ways in. `now(since)` is for input a person just made (ink, a click): it runs the update at
// once, between frames, so its result is in the very next frame instead of one frame later; if an
// update already ran since the last frame was shown, the newest input waits until that frame is
// on screen and then runs. `schedule(since)` is for changes made by code (damage, training, a
// replay step, the diagram coming into view): the update runs in the next animation frame, as
// every update did before (BENCHMARKS.md, the update loop). `since` is the input's timeStamp.

import { afterPaint, betweenFrames } from "./frame.js";

export class Loop {
  /** run(since): one update; canRun(): whether an update can run now (Python is ready). */
  constructor(run, canRun) {
    Object.assign(this, { run, canRun });
    this.pending = null;   // timeStamp of the oldest input waiting for an animation frame
    this.early = null;     // timeStamp of the oldest input waiting to run between frames
    this.ran = false;      // an update ran between frames since the last frame was shown
  }

  now(since) {
    if (this.early === null) this.early = since;
    if (this.ran || !this.canRun()) return;
    const t = this.early;
    this.early = null;
    this.ran = true;
    betweenFrames(() => {
      this.run(t);
      // Queued between frames too, so it runs once the next frame is shown, not before it.
      afterPaint(() => {
        this.ran = false;
        if (this.early !== null) this.now(this.early);
      });
    });
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
