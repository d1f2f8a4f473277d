// Work that must wait until the frame being prepared is on screen.
//
// An update runs either inside an animation-frame callback (its result is in that frame) or
// between frames, as soon as the pointer event arrives (its result is in the next frame): see
// site/shim.js. afterPaint means "once the frame showing what was just done is rendered" in both.

const channel = new MessageChannel();
const waiting = new Map();   // message id -> fn
let lastId = 0;
let between = false;         // true while betweenFrames(fn) runs
channel.port1.onmessage = (e) => {
  const fn = waiting.get(e.data);
  waiting.delete(e.data);
  fn?.();
};

function post(fn) {
  waiting.set(++lastId, fn);
  channel.port2.postMessage(lastId);
}

/** Run fn once the frame that shows the current work has been rendered. Inside a rAF callback a
 *  task queued there runs only after that frame's style, layout and paint; between frames the
 *  task is queued from the next frame's callback instead. Callbacks of one kind run in order. */
export function afterPaint(fn) {
  if (between) requestAnimationFrame(() => post(fn));
  else post(fn);
}

/** Run fn(), marking that it runs between frames (not in a rAF callback). -> fn's result. */
export function betweenFrames(fn) {
  between = true;
  try { return fn(); } finally { between = false; }
}

/** A promise kept in a fresh task, at once (setTimeout(0) is clamped to 4 ms once nested): long
 *  work cut into slices yields to the page this way, and frames are drawn between slices. */
export function nextTask() {
  return new Promise((resolve) => post(resolve));
}
