// Small pieces of the editor panel (editor.js) that need none of its state: the saved edits in
// localStorage, the error box, the presets' list and the download. Everything user-typed goes into the page as textContent.

import { has, t } from "./i18n.js";
import { isRecord, load, save } from "./store.js";

const KEY = "digitlab:editor";   // {open, file, pending, files: {path: {draft, active, base}}}
const WHEN = {
  syntax: "editor.when.syntax",
  import: "editor.when.import",
  check: "editor.when.check",
  update: "editor.when.update",
};

/** The saved edits, checked: {open, file, pending, files: {path: {draft, active, base}}}. A file
 *  whose record has the wrong shape is left out (and named); a wrong record as a whole, dropped. */
export function loadSaved() {
  return load(KEY, "store.what.editor", (raw, bad) => {
    const s = JSON.parse(raw);
    if (!isRecord(s) || !isRecord(s.files)) throw new Error("not an editor record");
    const files = {};
    for (const [path, r] of Object.entries(s.files)) {
      if (isFileRecord(r)) files[path] = r;
      else bad(path.slice(0, 80));
    }
    const field = (name, type) => {            // a setting of the wrong type: named, then its default
      if (s[name] === undefined || s[name] === null || typeof s[name] === type) return s[name] ?? null;
      bad(name);
      return null;
    };
    return { open: field("open", "boolean") === true, file: field("file", "string"),
             pending: field("pending", "boolean") === true, files };
  }) ?? { files: {} };
}

const textOrNone = (v) => v === undefined || v === null || typeof v === "string";

function isFileRecord(r) {
  return isRecord(r) && textOrNone(r.draft) && textOrNone(r.active) && textOrNone(r.base);
}

/** -> true when kept; otherwise, when it holds an edit or a draft, store.js's notice says so. */
export function saveSaved(saved) {
  const edits = Object.values(saved.files).some((r) => r.draft || r.active);
  return save(KEY, JSON.stringify(saved), edits ? "store.what.editor" : null);
}

/** Python's answer to an apply or reset, or a failed one when the call itself threw. */
export function attempt(path, call) {
  try {
    return call();
  } catch (err) {
    return { ok: false, error: { path, when: "import", message: String(err.message || err), traceback: "" } };
  }
}

/** FNV-1a of an original source: a saved edit of an older original is not re-applied blindly. */
export function hash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16);
}

/** Fill `box` with an error from Python ({path, when, line, message, traceback}); onGo(err) is
 *  the "Go to line" button's action. The box's data-path / data-line / data-when say it too. */
export function renderError(box, err, onGo) {
  const where = err.line ? t("editor.where", { path: err.path, line: err.line }) : err.path;
  const head = Object.assign(document.createElement("p"), { className: "editor-error-head" });
  head.textContent = `${where}: ${err.message}`;
  const note = document.createElement("p");
  note.textContent = `${WHEN[err.when] ? t(WHEN[err.when]) : ""} ${t("editor.keepsRunning")}`;
  box.replaceChildren(head, note);
  if (err.traceback) {
    const pre = document.createElement("pre");
    pre.textContent = err.traceback;
    box.appendChild(pre);
  }
  if (err.line) {
    const go = Object.assign(document.createElement("button"), { type: "button" });
    go.textContent = t("editor.goLine", { line: err.line });
    go.addEventListener("click", () => onGo(err));
    box.appendChild(go);
  }
  Object.assign(box.dataset, { path: err.path, line: err.line ?? "", when: err.when });
}

export function clearBox(box) {
  box.replaceChildren();
  for (const k of ["path", "line", "when"]) delete box.dataset[k];
}

/** The first line (1-based) where two texts differ. */
export function firstChange(a, b) {
  const x = a.split("\n"), y = b.split("\n");
  let i = 0;
  while (i < x.length && x[i] === y[i]) i++;
  return i + 1;
}

/** The presets as buttons in `list`, each with its explanation; onPick(preset) on a click. */
export function renderPresets(list, presets, onPick) {
  list.replaceChildren();
  for (const p of presets) {
    const li = document.createElement("li");
    const b = Object.assign(document.createElement("button"), { type: "button" });
    b.dataset.preset = p.id;
    // Presets come from Python in English; the strings file words the known ones.
    b.textContent = has(`preset.${p.id}.label`) ? t(`preset.${p.id}.label`) : p.label;
    const why = document.createElement("span");
    why.textContent = has(`preset.${p.id}.explain`) ? t(`preset.${p.id}.explain`) : p.explain;
    b.addEventListener("click", () => onPick(p));
    li.append(b, why);
    list.appendChild(li);
  }
}

/** Save `text` as a file named after the last part of `path`. */
export function download(path, text) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([text], { type: "text/x-python" }));
  a.download = path.split("/").pop();
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
