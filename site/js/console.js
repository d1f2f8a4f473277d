// The console panel: a Python prompt on the interpreter that runs the app (digitlab/web/console.py
// over the console.* handlers). No maths here: Python runs what is typed, makes every picture's
// pixels and bars, and this file copies them into the page. What Python printed goes in with
// textContent, never as HTML. CodeMirror (console-input.js) loads when the panel first opens;
// until then the panel costs the page nothing per update.

import { h } from "./dom.js";
import { has, onLang, register, t } from "./i18n.js";
import { EVENTS, page } from "./page.js";
import { load, save } from "./store.js";
import strings from "./strings/console.js";

register(strings);

const $ = (s) => document.querySelector(s);
const KEY = "digitlab.console.v1";
const KEEP = 200;            // commands kept in the history
const KEEP_CHARS = 10_000;   // longest command kept

const panel = $("#console");
const ui = {
  toggle: $("#console-toggle"), body: $("#console-body"), out: $("#console-output"),
  input: $("#console-input"), run: $("#console-run"), clear: $("#console-clear"),
  help: $("#console-help"), status: $("#console-status"), examples: $("#console-examples"),
};
const con = { prompt: null, loading: null, history: loadHistory(), said: null, examples: [], queue: [] };

// ---- history, kept across reloads (checked when read: anything else is dropped) ----------------

/** The saved commands: a JSON {history: [string]}; anything else is dropped and named (store.js). */
function loadHistory() {
  return load(KEY, "store.what.console", (raw, bad) => {
    const past = JSON.parse(raw)?.history;
    if (!Array.isArray(past)) throw new Error("no list of commands");
    const kept = past.filter((c) => typeof c === "string" && c.length <= KEEP_CHARS);
    if (kept.length < past.length) bad(`${past.length - kept.length} / ${past.length}`);
    return kept.slice(-KEEP);
  }) ?? [];
}

function remember(source) {
  const past = con.history;
  if (source.length > KEEP_CHARS || past[past.length - 1] === source) return;
  past.push(source);
  past.splice(0, Math.max(0, past.length - KEEP));
  if (!save(KEY, JSON.stringify({ history: past }), "store.what.console")) say("console.notSaved");
}

// ---- the panel -------------------------------------------------------------------------------

ui.toggle.addEventListener("click", () => setOpen(ui.body.hidden));

function setOpen(open) {
  ui.body.hidden = !open;
  ui.toggle.setAttribute("aria-expanded", String(open));
  toggleText();
  if (open) loadPrompt().then(() => con.prompt?.focus());
  if (open && !ui.out.childElementCount) print("hint", t("console.banner") + "\n");
}

function loadPrompt() {
  con.loading ??= import("./console-input.js")
    .then(({ consoleInput }) => consoleInput(ui.input, {
      onEnter: (text, force) => submit(text, force),
      onTab: (line) => (page.ready ? page.call("console.complete", { line }) : { start: 0, matches: [] }),
      onList: (names) => print("hint", names.join("  ") + "\n"),
      history: () => con.history,
      label: t("console.input"),
    }))
    .then((prompt) => {
      ui.input.querySelector(".placeholder")?.remove();
      con.prompt = prompt;
    })
    .catch((err) => { con.loading = null; say("console.loadFailed", { error: err.message || err }); });
  return con.loading;
}

/** Run `source` if Python says it is a complete statement (or `force`). -> whether it ran. */
function submit(source, force = false) {
  if (!page.ready) { say("console.notReady"); return false; }
  if (!force && page.call("console.more", { source }).more) return false;
  remember(source);
  con.queue.push(force ? source + "\n" : source);    // typed while one runs: it runs next, in order
  if (panel.dataset.state !== "busy") next();
  return true;
}

/** Run the next command waiting, after one frame, so "running…" shows before it holds the page. */
function next() {
  const text = con.queue.shift();
  if (text === undefined) return;
  echo(text.replace(/\n$/, ""));
  busy(true);
  requestAnimationFrame(() => setTimeout(() => finish(page.call("console.run", { source: text })), 0));
}

function finish(r) {
  for (const item of r.items) show(item);
  if (r.draw) page.pad.setImage(r.draw);
  if (r.changed) page.changed();
  else if (r.draw) page.update();
  busy(false);
  say(r.items.some((i) => i.kind === "err") ? "console.failed" : "console.done");
  next();
}

function busy(on) {
  panel.dataset.state = on ? "busy" : "ready";
  ui.run.disabled = on;
  if (on) say("console.running");
}

// ---- the transcript ------------------------------------------------------------------------------

function echo(source) {
  const e = h("pre", { class: "console-in" }, ui.out);
  source.split("\n").forEach((line, i) => {
    h("span", { class: "console-ps", "aria-hidden": "true" }, e, i ? "... " : ">>> ");
    e.append(line + "\n");
  });
  scroll();
}

function print(kind, text) {
  h("pre", { class: `console-${kind}` }, ui.out, text);
  scroll();
}

function show(item) {
  if (item.kind === "out" || item.kind === "err") print(item.kind, item.text);
  else if (item.kind === "image") image(item);
  else if (item.kind === "bars") bars(item);
}

/** An image item: `tiles` tiles of w×h RGBA pixels (Python made them), drawn side by side. */
function image(item) {
  const fig = h("figure", { class: "console-fig" }, ui.out);
  const row = h("div", { class: "console-tiles" }, fig);
  const n = item.w * item.h * 4;
  for (let k = 0; k < item.tiles; k++) {
    const c = h("canvas", { width: item.w, height: item.h, class: "console-img", role: "img",
                             "aria-label": t("console.tile", { k, w: item.w, h: item.h }) }, row);
    const pixels = new ImageData(new Uint8ClampedArray(item.rgba.buffer, item.rgba.byteOffset + k * n, n), item.w, item.h);
    c.getContext("2d").putImageData(pixels, 0, 0);
    c.style.width = `${Math.max(item.w, Math.min(168, item.w * 6))}px`;
  }
  const shown = item.tiles < item.channels ? t("console.tilesCut", { n: item.tiles, of: item.channels }) : "";
  h("figcaption", {}, fig, t("console.imageCaption", { h: item.h, w: item.w, c: item.channels,
                                                      lo: fmt(item.lo), hi: fmt(item.hi) }) + shown);
  scroll();
}

/** A bars item: one bar per value, height |v| / max |v| (Python's), negative ones in blue. */
function bars(item) {
  const fig = h("figure", { class: "console-fig" }, ui.out);
  const row = h("div", { class: "console-bars", role: "img",
                          "aria-label": t("console.barsLabel", { n: item.total, values: item.values.slice(0, 12).map(fmt).join(", ") }) }, fig);
  item.values.forEach((v, i) => {
    const bar = h("span", { class: item.neg[i] ? "console-bar neg" : "console-bar", title: `[${i}] ${fmt(v)}` }, row);
    bar.style.height = `${(item.heights[i] * 100).toFixed(1)}%`;
    if (item.values.length <= 16) h("span", { class: "console-bar-label", "aria-hidden": "true" }, bar, String(i));
  });
  const cut = item.total > item.values.length ? t("console.barsCut", { n: item.values.length, of: item.total }) : "";
  h("figcaption", {}, fig, t("console.barsCaption", { n: item.total }) + cut);
  scroll();
}

const fmt = (v) => (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : String(+v.toFixed(4)));

function scroll() { ui.out.scrollTop = ui.out.scrollHeight; }

// ---- buttons and examples ----------------------------------------------------------------------

ui.run.addEventListener("click", async () => {
  await loadPrompt();
  if (con.prompt && submit(con.prompt.text(), true)) con.prompt.set("");
});
ui.clear.addEventListener("click", () => { ui.out.replaceChildren(); say("console.cleared"); });
ui.help.addEventListener("click", () => {
  if (page.ready) print("hint", page.call("console.help").text + "\n");
});

function fillExamples() {
  if (!page.ready) return;
  con.examples = page.call("console.examples", { model: page.model });
  ui.examples.replaceChildren();
  for (const ex of con.examples) {
    const li = h("li", {}, ui.examples);
    const b = h("button", { type: "button", "data-example": ex.id }, li,
                has(`console.ex.${ex.id}`) ? t(`console.ex.${ex.id}`) : ex.id);
    h("span", {}, li, t(`console.ex.${ex.id}.why`));
    b.addEventListener("click", async () => {
      await loadPrompt();
      if (submit(ex.code, true)) con.prompt?.set("");
    });
  }
}

// ---- messages and language ------------------------------------------------------------------------

function say(key, vars) {
  con.said = key ? [key, vars] : null;
  ui.status.textContent = key ? t(key, vars) : "";
}

function toggleText() {
  ui.toggle.textContent = ui.body.hidden ? t("console.open") : t("console.close");
}

onLang(() => {
  toggleText();
  if (con.said) say(...con.said);
  con.prompt?.label(t("console.input"));
  fillExamples();
});

addEventListener(EVENTS.ready, () => {
  panel.dataset.state = "ready";
  fillExamples();
});
$("#model").addEventListener("change", () => queueMicrotask(fillExamples));
toggleText();
