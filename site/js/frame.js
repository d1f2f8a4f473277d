// Work that must wait until the frame being prepared is on screen.

const channel = new MessageChannel();
const queue = [];
channel.port1.onmessage = () => queue.shift()?.();

/** Run fn once the frame being prepared has been rendered: called inside a rAF callback, a task
 *  queued there runs only after that frame's style, layout and paint. One queue for the whole
 *  page, so callbacks run in the order they were queued. */
export function afterPaint(fn) {
  queue.push(fn);
  channel.port2.postMessage(0);
}
