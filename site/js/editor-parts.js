// Small pieces of the editor panel (editor.js) that need none of its state: the saved edits in
// localStorage, and the error box. Everything user-typed goes into the page as textContent.

import { t } from "./i18n.js";

const KEY = "digitlab:editor";   // {open, file, pending, files: {path: {draft, active, base}}}
const WHEN = {
  syntax: "editor.when.syntax",
  import: "editor.when.import",
  check: "editor.when.check",
  update: "editor.when.update",
};

/** The saved edits, or an empty record when there are none or they cannot be read. */
export function loadSaved() {
  try {
    const s = JSON.parse(localStorage.getItem(KEY));
    if (s && typeof s === "object" && s.files && typeof s.files === "object") return s;
  } catch { /* unreadable or blocked: start empty */ }
  return { files: {} };
}

export function saveSaved(saved) {
  try { localStorage.setItem(KEY, JSON.stringify(saved)); } catch { /* full or blocked: edits live on this page */ }
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
