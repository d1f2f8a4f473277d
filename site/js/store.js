// What the page keeps in localStorage, read and written in one place (issue #15).
//
// Anything on this origin can write these keys (another app on a shared host, an old version of
// this page, a full disk that cut a write short), so every value is parsed and checked when it is
// read: a value of the wrong shape is removed and named in the #stored notice, and the page
// starts without it. A write that fails (quota, storage blocked) is named there too, so an edit
// or a taught digit that was not kept is never lost without a word.
//
//   const v = load(KEY, "store.what.lang", (raw, bad) => ...)   // -> the checked value, or undefined
//   save(KEY, text, "store.what.editor")                       // -> true when kept
//   announce(id, [key, vars], {label, run})                     // a notice line with one button
//
// No imports: i18n.js reads the language through this module. store-notice.js draws the lines.


/** id -> {text: [key, vars], action?: {label: [key, vars], run}}; store-notice.js shows them. */
export const lines = new Map();
export const CHANGED = "digitlab:stored";     // event: the lines changed

/** Read `key` and check it: parse(raw, bad) returns the value to use (throws when the whole value
 *  is unusable) and calls bad(name) for each part it left out. A damaged value is replaced by
 *  what was kept (or removed) and named in the notice; no value -> undefined. */
export function load(key, what, parse) {
  let raw;
  try {
    raw = localStorage.getItem(key);
  } catch (err) {
    announce("blocked", ["store.blocked", { error: errText(err) }]);
    return undefined;
  }
  if (raw === null) return undefined;
  const left = [];
  let value;
  try {
    value = parse(raw, (name) => left.push(name));
  } catch (err) {
    announce(`bad:${key}`, ["store.dropped", { what: [what], why: errText(err) }]);
    remove(key);
    return undefined;
  }
  if (left.length) {
    announce(`bad:${key}`, ["store.droppedParts", { what: [what], parts: left.join(", ") }]);
    if (value === undefined) remove(key);
    else save(key, JSON.stringify(value), what);
  }
  return value;
}

/** Keep `text` under `key`. -> true when kept; otherwise the notice says `what` was not saved
 *  (what = null: nothing of the person's is in it, e.g. only which panel was open, so no notice). */
export function save(key, text, what) {
  try {
    localStorage.setItem(key, text);
    forget(`unsaved:${key}`);
    return true;
  } catch (err) {
    if (what) announce(`unsaved:${key}`, ["store.unsaved", { what: [what], error: errText(err) }]);
    return false;
  }
}

function remove(key) {
  try { localStorage.removeItem(key); } catch { /* blocked: nothing was read from it either */ }
}

/** A short reason: a DOMException's name (QuotaExceededError, SecurityError), else the message. */
const errText = (err) => String(err instanceof DOMException ? err.name : err?.message ?? err).slice(0, 160);

/** A plain object (not null, not an array)? */
export const isRecord = (v) => typeof v === "object" && v !== null && !Array.isArray(v);

/** Show (or replace) the notice line `id`: text is [key, vars]; a var given as [key] is itself
 *  translated. action: {label: [key, vars], run()} adds one button, which also removes the line. */
export function announce(id, text, action = null) {
  lines.set(id, { text, action });
  dispatchEvent(new Event(CHANGED));
}

export function forget(id) {
  if (lines.delete(id)) dispatchEvent(new Event(CHANGED));
}

