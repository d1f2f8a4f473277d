// site/js/loop.js against a fake display: frames come only when this script says so, so the
// "at most one update per frame, the newest input wins" contract can be checked exactly (a
// headless browser makes frames on demand and cannot show it). Prints one JSON line per scenario.
//
//   node tests/js/loop_frames.mjs

const rafs = [];
globalThis.requestAnimationFrame = (fn) => rafs.push(fn);
const { Loop } = await import("../../site/js/loop.js");

let inFrame = false;

/** One frame: its rAF callbacks, then the tasks they queued (MessageChannel) run. */
async function frame() {
  const due = rafs.splice(0);
  inFrame = true;
  for (const fn of due) fn();
  inFrame = false;
  await new Promise((r) => setTimeout(r, 5));     // tasks posted during the frame run now
}

/** Busy for ms milliseconds: an update that costs that much. */
function busy(ms) {
  const end = performance.now() + ms;
  while (performance.now() < end);
}
const tasks = () => new Promise((r) => setTimeout(r, 5));

async function scenario(name, steps, costMs = 0) {
  const runs = [], where = [];
  let ready = true;
  const loop = new Loop((t) => { runs.push(t); where.push(inFrame ? "frame" : "between"); busy(costMs); },
                        () => ready);
  const log = [];
  for (const step of steps) {
    if (step === "frame") await frame();
    else if (step === "tasks") await tasks();
    else if (step === "notready") ready = false;
    else if (step === "ready") ready = true;
    else if (step === "forget") loop.forget();
    else if (step.now !== undefined) loop.now(step.now);
    else if (step.schedule !== undefined) loop.schedule(step.schedule);
    log.push(runs.slice());
  }
  console.log(JSON.stringify({ name, runs, where, log }));
}

// Three inputs in one frame interval: one update at once (oldest timeStamp); the update is cheap,
// so one more covers the rest inside the coming frame, which then shows the newest ink.
await scenario("burst", [{ now: 1 }, { now: 2 }, { now: 3 }, "tasks", "frame", "frame"]);
// The same burst with updates dearer than CATCH_UP_MS: the waiting input runs only once the frame
// is on screen, so no frame carries two updates.
await scenario("burst-dear", [{ now: 1 }, { now: 2 }, { now: 3 }, "tasks", "frame", "frame"], 12);
// An input per frame interval: each runs at once, never two in one interval.
await scenario("steady", [{ now: 1 }, "frame", { now: 2 }, "frame", { now: 3 }, "frame"]);
// Code-made changes: one update per animation frame, however many requests.
await scenario("schedule", [{ schedule: 1 }, { schedule: 2 }, "tasks", "frame", { schedule: 3 }, "frame"]);
// Python not ready: nothing runs; forget() drops what waits.
await scenario("notready", ["notready", { now: 1 }, { schedule: 2 }, "frame", "ready", "forget", "frame"]);
process.exit(0);   // frame.js keeps a MessageChannel open, which would keep Node running
