// The editor panel: the app's own Python, edited in the page and run by the one Python that runs
// the app. No maths and no Python here: this file keeps drafts, calls the app's edit functions
// (App.edit_apply / edit_reset in digitlab/app.py, over live.py; web/bridge.py hands them over)
// and shows what they answer.
//
// Python hands over its edit functions in a "digitlab:editor" event just before the app starts
// classifying, so saved edits are running by the first update. CodeMirror (codeview.js) loads only
// when the panel is first opened. Everything the user typed is shown with textContent, never HTML.

import { attempt, clearBox, download, firstChange, hash, loadSaved, renderError, renderPresets, saveSaved }
  from "./editor-parts.js";
import { onLang, register, t } from "./i18n.js";
import { EVENTS, page } from "./page.js";
import strings from "./strings/editor.js";
import { announce, forget } from "./store.js";

register(strings);

const $ = (s) => document.querySelector(s);

const panel = $("#editor");
const ui = {
  toggle: $("#editor-toggle"), body: $("#editor-body"), file: $("#editor-file"), mark: $("#editor-mark"),
  apply: $("#editor-apply"), reset: $("#editor-reset"), resetAll: $("#editor-reset-all"),
  download: $("#editor-download"), error: $("#editor-error"), status: $("#editor-status"),
  code: $("#editor-code"), presets: $("#editor-presets"), count: $("#editor-count"),
  reading: $("#editor-reading"),
};
const ed = {
  py: null,              // {files, apply, reset}: the app's edit functions, once Python is ready
  files: new Map(),      // path -> {original, source (running), base (hash of original)}
  path: null,            // the file shown
  view: null,            // codeview.js, once loaded
  loading: null,         // the promise loading it
  saved: loadSaved(),
  error: null,           // the error shown, {path, line, ...}
  said: null,            // the status message shown, [key, vars], reworded on a language switch
  presets: [],
};

// ---- storage -------------------------------------------------------------------------------

function persist() {
  clearTimeout(changed.timer);
  saveSaved(ed.saved);
}

// Leaving the page (reload, close, another site) before the 300 ms pause after a key: keep it now.
addEventListener("pagehide", persist);

function rec(path) {
  return (ed.saved.files[path] ??= { base: ed.files.get(path)?.base });
}

/** The text to show for a file: the editor's, else the saved draft, else what runs. */
function textOf(path) {
  if (ed.view?.current() === path) return ed.view.text();
  return ed.saved.files[path]?.draft ?? ed.files.get(path).source;
}

// ---- Python arrives ---------------------------------------------------------------------------

addEventListener(EVENTS.editor, (e) => {
  ed.py = e.detail;
  const info = ed.py.files();
  for (const f of info.files) ed.files.set(f.path, { original: f.original, source: f.source, base: hash(f.original) });
  restore();
  fillFiles();
  fillPresets(info.presets);
  for (const b of [ui.apply, ui.reset, ui.resetAll, ui.download, ui.file]) b.disabled = false;
  if (ui.status.dataset.i18n) say(null);      // still the "appears once Python is ready" note
  if (ed.saved.open) setOpen(true);
  if (ed.view) show(ed.path);
});

addEventListener(EVENTS.editRollback, (e) => {
  const { error, path, source } = e.detail;
  ed.files.get(path).source = source;
  rec(path).active = source === ed.files.get(path).original ? null : source;
  persist();
  showError(error);
  marks();
  page.refresh();     // the diagram's layout may come from the version now running
});

/** Re-apply saved edits. If the page died while doing that last time, keep them as drafts only. */
function restore() {
  const crashed = ed.saved.pending;
  ed.saved.pending = true;
  persist();
  for (const [path, r] of Object.entries(ed.saved.files)) {
    const file = ed.files.get(path);
    if (!file || !r.active) continue;
    if (crashed || r.base !== file.base) {
      r.draft ??= r.active;
      r.active = null;
      if (crashed) say("editor.crashed");
      else say("editor.changed", { path });
      continue;
    }
    const res = attempt(path, () => ed.py.apply(path, r.active, page.model));
    if (res.ok) {
      file.source = res.source;
      version(res.version);
      // Code from storage runs from the first update on: say so where it is seen, with the way back.
      announce(`restored:${path}`, ["store.restored", { path }],
               { label: ["store.resetEdit", { path }], run: () => resetFile(path) });
    } else {
      r.draft ??= r.active;
      r.active = null;
      showError(res.error);
    }
  }
  ed.saved.pending = false;
  persist();
}

// ---- the panel -----------------------------------------------------------------------------------

ui.toggle.addEventListener("click", () => setOpen(ui.body.hidden));

function setOpen(open) {
  ui.body.hidden = !open;
  ui.toggle.setAttribute("aria-expanded", String(open));
  toggleText();
  panel.dataset.open = String(open);
  ed.saved.open = open;
  persist();
  if (open) loadView();
}

/** Load CodeMirror once, then show the current file in it. */
function loadView() {
  ed.loading ??= import("./codeview.js")
    .then(({ codeView }) => codeView(ui.code, { onApply: apply, onChange: changed }))
    .then((view) => {
      ui.code.querySelector(".placeholder")?.remove();
      ed.view = view;
      if (ed.py) show(ed.path);
    })
    .catch((err) => { ed.loading = null; say("editor.loadFailed", { error: err.message || err }); });
  return ed.loading;
}

function fillFiles() {
  ui.file.replaceChildren();
  for (const path of ed.files.keys()) {
    const o = document.createElement("option");
    o.value = path;
    ui.file.appendChild(o);
  }
  const want = ed.saved.file;
  ed.path = ed.files.has(want) ? want : ed.files.keys().next().value;
  ui.file.value = ed.path;
  marks();
}

ui.file.addEventListener("change", () => show(ui.file.value));

function show(path) {
  ed.path = path;
  ui.file.value = path;
  ed.saved.file = path;
  persist();
  if (ed.view) {
    ed.view.show(path, ed.view.has(path) ? undefined : textOf(path));
    ed.view.markLine(ed.error?.path === path ? ed.error.line : null);
  }
  marks();
}

/** Every keystroke: keep the draft (nothing is lost on reload), update the marks. */
function changed(path, text) {
  const r = rec(path);
  r.draft = text === ed.files.get(path).original ? null : text;
  clearTimeout(changed.timer);
  changed.timer = setTimeout(persist, 300);
  marks();
}

/** "edited" marks: the option names, a badge by the picker, and a count on the toggle. */
function marks() {
  let running = 0;
  for (const o of ui.file.options) {
    const s = state(o.value);
    running += s.running ? 1 : 0;
    o.textContent = s.running ? t("editor.optRunning", { path: o.value })
      : s.draft ? t("editor.optDraft", { path: o.value }) : o.value;
  }
  const s = ed.path ? state(ed.path) : {};
  ui.mark.hidden = !(s.running || s.draft);
  ui.mark.textContent = s.running && !s.draft ? t("editor.markRunning") : s.running ? t("editor.markChanges")
                                                                     : t("editor.markDraft");
  ui.count.textContent = running > 1 ? t("editor.countMany", { n: running }) : running ? t("editor.countOne") : "";
}

/** {running: an edit runs, draft: the text shown differs from what runs} for a file. */
function state(path) {
  const f = ed.files.get(path);
  return { running: f.source !== f.original, draft: textOf(path) !== f.source };
}

// ---- apply, reset, download, presets --------------------------------------------------------

function apply() {
  if (!ed.py) return say("editor.notReady");
  run(ed.path, textOf(ed.path), (text) => ed.py.apply(ed.path, text, page.model));
}

/** Call Python's apply or reset for `path`, then show the answer and re-classify the drawing. */
function run(path, text, call) {
  const t0 = performance.now();
  const res = attempt(path, () => call(text));
  const ms = performance.now() - t0;
  performance.measure(EVENTS.apply, { start: t0, duration: ms });
  const file = ed.files.get(path);
  if (!res.ok) {
    showError(res.error);
    say("editor.notApplied", { path });
    return marks();
  }
  file.source = res.source;
  const r = rec(path);
  r.active = r.draft = res.source === file.original ? null : res.source;
  r.base = file.base;
  persist();
  if (!r.active) forget(`restored:${path}`);
  clearError(path);
  version(res.version);
  marks();
  say(res.source === file.original ? "editor.original" : "editor.applied", { path, ms: Math.round(ms) });
  page.refresh();
}

function resetFile(path) {
  const original = ed.files.get(path).original;
  if (ed.view && path === ed.path) ed.view.replace(original);
  rec(path).draft = null;
  ed.view?.forget(path);
  run(path, original, () => ed.py.reset(path, page.model));
}

ui.apply.addEventListener("click", apply);
ui.reset.addEventListener("click", () => resetFile(ed.path));
ui.resetAll.addEventListener("click", () => {
  for (const path of ed.files.keys()) {
    if (state(path).running || state(path).draft) resetFile(path);
  }
});
ui.download.addEventListener("click", () => download(ed.path, textOf(ed.path)));
panel.addEventListener("keydown", (e) => {   // Ctrl/Cmd+Enter anywhere in the panel
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !e.defaultPrevented) {
    e.preventDefault();
    apply();
  }
});

function fillPresets(presets) {
  ed.presets = presets;
  renderPresets(ui.presets, presets, async (p) => {
    await loadView();
    show(p.path);
    ed.view.replace(p.source);
    apply();
    ed.view.reveal(firstChange(ed.files.get(p.path).original, p.source));
  });
}

// ---- messages ----------------------------------------------------------------------------------

function version(v) {
  panel.dataset.version = String(v);
}

/** Show the string `key` (null: nothing) in the status line; kept to reword on a switch. */
function say(key, vars) {
  ed.said = key ? [key, vars] : null;
  delete ui.status.dataset.i18n;
  ui.status.textContent = key ? t(key, vars) : "";
}

function toggleText() {
  ui.toggle.textContent = ui.body.hidden ? t("editor.open") : t("editor.close");
}

onLang(() => {
  toggleText();
  if (ed.said) say(...ed.said);
  if (!ed.py) return;
  marks();
  fillPresets(ed.presets);
  if (ed.error) showError(ed.error);
});

/** The error, its line and a short traceback, as text; its line marked in the code. */
function showError(err) {
  ed.error = err;
  renderError(ui.error, err, async () => {
    await loadView();
    show(err.path);
    ed.view.markLine(err.line, true);
  });
  if (ed.view && err.path === ed.path) ed.view.markLine(err.line);
}

/** An apply or reset of `path` worked: its error (if that is the one shown) goes. */
function clearError(path) {
  if (ed.error && ed.error.path !== path) return;
  ed.error = null;
  clearBox(ui.error);
  ed.view?.markLine(null);
}

// What the drawing reads now, repeated in the panel's header: the answer is far up the page.
new MutationObserver(() => { ui.reading.textContent = $("#prediction .pred-text")?.textContent ?? ""; })
  .observe($("#prediction"), { subtree: true, childList: true, characterData: true, attributes: true });

if (ed.saved.open) {         // reopen as it was, but let Python start first (CodeMirror waits)
  ui.body.hidden = false;
  ui.toggle.setAttribute("aria-expanded", "true");
  panel.dataset.open = "true";
}
toggleText();
