// The photo card (#photo): a file, a camera shot, a drop or a paste -> the browser decodes and
// scales it -> Python reads it (digitlab/photo.py through web/features/photo.py) -> the pad.
//
// The browser's part is only decoding and scaling: Python first reads the file's header
// (photo.check) and says whether it is an image and what size to decode it to, so a text file
// or a 100-megapixel bomb is refused before any pixel exists and a 50 MP photo is decoded
// straight to photo.MAX_SIDE. Python's answer goes on the pad as an image (pad.setImage), and
// from there the page reads it like a drawing: prediction, diagram, #digits, every instrument.
// Nothing here listens to the update loop: the card costs nothing while a person draws.

import { apply, onLang, register, t } from "./i18n.js";
import { h } from "./dom.js";
import { afterPaint } from "./frame.js";
import { EVENTS, page } from "./page.js";
import strings from "./strings/photo.js";
import { PhotoEdit, imageFrom } from "./photo-edit.js";
import { PhotoCamera } from "./photo-camera.js";
import { PhotoInk } from "./photo-ink.js";

register(strings);

const card = document.querySelector("#photo");
const ui = {
  input: card.querySelector("#photo-input"),
  camera: card.querySelector("#photo-camera"),
  drop: card.querySelector("#photo-drop"),
  status: card.querySelector("#photo-status"),
  error: card.querySelector("#photo-error"),
  steps: card.querySelector("#photo-steps"),
};
const said = { status: null, error: null };   // [key, vars] of what the card says, re-worded on a switch
let limits = null;                           // Python's {head_bytes, max_side}, asked once
let busy = false;
let source = null;                           // the decoded photo {rgba, width, height, size}, kept to re-read
let reading = null;                          // its reading for #photo-to-pad: {pad, digits} | {problem} | null
const edit = new PhotoEdit(card.querySelector("#photo-edit"), (view) => reread(view));
new PhotoCamera(card, (frame) => readFrom(t("photo.cameraFrame"), () => sized(frame, {})),
                (problem) => { setState("error"); say(null, [`photo.problem.${problem}`]); });

const ink = new PhotoInk(card.querySelector("#photo-ink"), () => (busy ? { busy } : reading));

apply(card);
onLang(() => { apply(card); say(); ink.say(); });

function say(status = said.status, error = said.error) {
  said.status = status;
  said.error = error;
  ui.status.textContent = status ? t(status[0], status[1]) : "";
  ui.error.textContent = error ? t(error[0], error[1]) : "";
}

function setState(s) {
  card.dataset.state = s;
  card.setAttribute("aria-busy", String(s === "reading"));
}

/** Python is ready (now, or when it says so). */
function pythonReady() {
  if (page.ready) return Promise.resolve();
  return new Promise((resolve) => addEventListener(EVENTS.ready, () => resolve(), { once: true }));
}

/** Read one file; a second one while reading waits for nothing: it is refused with a message. */
const read = (file) => readFrom(file.name || "", () => decode(file));

/** Read a photo that `decoder` () -> {rgba, width, height, size, decode_ms} | {problem} makes. */
async function readFrom(name, decoder) {
  if (busy) { say(said.status, ["photo.busy"]); return; }
  busy = true;
  const started = performance.now();
  setState("reading");
  say(["photo.reading", { name }], null);
  try {
    await pythonReady();
    const decoded = await decoder();
    if (decoded.problem) {
      source = null;                         // the corrections belong to a photo no longer shown
      edit.reset();
      fail(decoded.problem, decoded);
    } else {
      source = decoded;
      edit.reset();
      answer(readSource({ turns: 0, region: null }), started);
    }
  } catch (err) {
    fail("failed", { message: String(err?.message ?? err).split("\n").pop() });
  } finally {
    busy = false;
  }
}

/** Read the kept photo again, turned and cut as the corrections say. */
function reread(view) {
  if (!source || busy) return;
  setState("reading");
  try {
    answer(readSource(view), performance.now());
  } catch (err) {
    fail("failed", { message: String(err?.message ?? err).split("\n").pop() });
  }
}

function answer(out, started) {
  edit.show(out.view);
  if (out.problem) fail(out.problem, out);
  else done(out, started);
}

/** -> {rgba, width, height, size, decode_ms}: the file decoded at the size Python chose, or
 *  {problem} (refused by its header, or not decodable). */
async function decode(file) {
  limits ??= page.call("photo.limits");
  const head = new Uint8Array(await file.slice(0, limits.head_bytes).arrayBuffer());
  let size = page.call("photo.check", { head, size: file.size, type: file.type || "" });
  if (size.problem) return size;
  const started = performance.now();
  let bitmap;
  try {
    bitmap = size.decode_width
      ? await createImageBitmap(file, { resizeWidth: size.decode_width, resizeHeight: size.decode_height,
                                        resizeQuality: "high" })
      : await createImageBitmap(file);      // a format Python does not size: the browser's decoder tells
  } catch {
    return { problem: "not-image" };
  }
  return size.decode_width ? pixels(bitmap, size, started) : sized(bitmap, size, started);
}

/** A decoded bitmap Python could not size from a header (another format, a camera frame):
 *  Python says what size to read it at, or refuses it. */
function sized(bitmap, size, started = performance.now()) {
  const fit = page.call("photo.fit", { width: bitmap.width, height: bitmap.height });
  if (fit.problem) { bitmap.close(); return { ...fit, width: bitmap.width, height: bitmap.height }; }
  return pixels(bitmap, { ...size, width: bitmap.width, height: bitmap.height, ...fit }, started);
}

/** bitmap drawn (scaled by the browser) at Python's size -> {rgba, width, height, size, decode_ms}. */
function pixels(bitmap, size, started) {
  const { decode_width: width, decode_height: height } = size;
  const ctx = new OffscreenCanvas(width, height).getContext("2d", { willReadFrequently: true });
  ctx.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  const rgba = new Uint8Array(ctx.getImageData(0, 0, width, height).data.buffer);
  return { rgba, width, height, size, decode_ms: performance.now() - started };
}

/** Python's reading of the kept photo, turned and cut: {problem, pad, steps, view, ...}. */
function readSource({ turns, region }) {
  const t0 = performance.now();
  const out = page.call("photo.read", { rgba: source.rgba, width: source.width, height: source.height,
                                        turns, region });
  const read_ms = performance.now() - t0;
  return { ...out, size: source.size, decode_ms: source.decode_ms, read_ms, ms: Math.round(source.decode_ms + read_ms) };
}

function fail(problem, vars) {
  reading = { problem };
  setState("error");
  say(null, [`photo.problem.${problem}`, vars]);
  showSteps(vars.steps || []);
}

/** A photo read: said, its steps shown, put on the pad; the EVENTS.photo measure (file in ->
 *  the pad's reading painted) carries {decode_ms, read_ms} for the benchmark. */
function done(out, started) {
  const s = out.size;
  const scaled = s.width && (s.width !== s.decode_width || s.height !== s.decode_height);
  const n = out.groups.length;
  say([scaled ? "photo.doneScaled" : "photo.done",
       { digits: n, w: s.width, h: s.height, dw: s.decode_width, dh: s.decode_height, ms: out.ms }], null);
  showSteps(out.steps);
  reading = { pad: out.pad, digits: n };
  ink.reset();
  page.pad.setImage(out.pad, out.side);
  addEventListener(EVENTS.update, () => afterPaint(() => performance.measure(EVENTS.photo, {
    start: started, end: performance.now(), detail: { decode_ms: out.decode_ms, read_ms: out.read_ms } })),
  { once: true });
  page.update();
  setState("done");
}

/** The strip of step pictures. */
function showSteps(steps) {
  ui.steps.replaceChildren(...steps.map((s) => {
    const li = h("li", { "data-step": s.name });
    const img = h("img", { alt: "" }, li);     // named by the caption beside it, which says the same
    imageFrom(img, s);
    h("span", { "data-i18n": `photo.step.${s.name}` }, li, t(`photo.step.${s.name}`));
    return li;
  }));
}

// ---- ways in: the two inputs, a drop on the card, a paste anywhere but a text field --------------

for (const input of [ui.input, ui.camera]) {
  input.addEventListener("change", () => {
    if (input.files?.length) read(input.files[0]);
    input.value = "";                 // the same file chosen again reads again
  });
}
ui.drop.addEventListener("dragover", (e) => {
  e.preventDefault();
  ui.drop.classList.add("over");
});
ui.drop.addEventListener("dragleave", () => ui.drop.classList.remove("over"));
ui.drop.addEventListener("drop", (e) => {
  e.preventDefault();
  ui.drop.classList.remove("over");
  const file = e.dataTransfer?.files?.[0];
  if (file) read(file);
});
addEventListener("paste", (e) => {
  const target = e.target;
  if (target?.closest?.("input, textarea, [contenteditable]")) return;   // text goes where it is pasted
  const file = [...(e.clipboardData?.files || [])].find((f) => f.type.startsWith("image/"));
  if (!file) return;
  e.preventDefault();
  card.scrollIntoView({ block: "nearest" });
  read(file);
});
