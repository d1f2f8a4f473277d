// Share links: "Copy link" puts the model, the damage settings (Break It's page.damage,
// when present) and the drawing's strokes in the URL hash; opening such a link restores them.
// Python (digitlab.sharelink via features/share.py) writes and reads the hash and validates every
// field; nothing from the URL is ever shown: notices are our own strings, set as textContent.

import { onLang, t } from "./i18n.js";
import { EVENTS, page } from "./page.js";

const $ = (s) => document.querySelector(s);
let notices = [];                 // [key, vars] pairs shown under the header, reworded on a switch

export function initShare() {
  const button = Object.assign(document.createElement("button"), { type: "button", id: "share" });
  const url = Object.assign(document.createElement("input"), { type: "text", id: "share-url", readOnly: true });
  url.hidden = true;
  const note = Object.assign(document.createElement("p"), { id: "share-notice", className: "share-notice" });
  note.setAttribute("role", "status");
  note.hidden = true;
  const words = () => {
    button.textContent = t("share.copy");
    url.setAttribute("aria-label", t("share.url"));
    note.textContent = notices.map(([k, v]) => t(k, v)).join(" ");
  };
  words();
  onLang(words);
  button.addEventListener("click", () => copy(url, note, words));
  addEventListener(EVENTS.ready, () => setTimeout(() => restoreFromHash(note, words), 0));
  addEventListener("hashchange", () => restoreFromHash(note, words));
  return [button, url, note];
}

function say(note, words, list) {
  notices = list;
  note.hidden = list.length === 0;
  words();
}

/** The page's state now -> a link in the address bar and, when allowed, on the clipboard. */
async function copy(url, note, words) {
  if (!page.ready) return say(note, words, [["share.notReady"]]);
  const pad = page.pad;
  const strokes = pad.strokes.map((s) => ({ w: s.w, pts: Array.from(s.pts) }));
  const damage = page.damage ? page.damage.get() : null;
  const res = page.call("share.encode", { model: page.model, damage, strokes });
  if (res.error) return say(note, words, [[res.error]]);
  const link = new URL(location.href);
  link.hash = res.hash;
  history.replaceState(history.state, "", link);
  const extra = pad.base ? [["share.sample"]] : [];
  url.value = link.href;
  try {
    await navigator.clipboard.writeText(link.href);
    url.hidden = true;
    say(note, words, [["share.copied"], ...extra]);
  } catch {
    url.hidden = false;                // the person copies it from the field
    url.select();
    say(note, words, [["share.shown"], ...extra]);
  }
}

/** A share hash in the address -> the model, the damage and the drawing it holds. */
async function restoreFromHash(note, words) {
  const hash = location.hash;
  if (!page.ready || !hash.includes("=")) return;      // "#editor" and the like are in-page links
  const { state, notices: found } = page.call("share.decode", { hash });
  const list = found.map((k) => [k]);
  if (state.model) {
    const picker = $("#model");
    const option = [...picker.options].find((o) => o.value === state.model && !o.disabled);
    if (option) {
      picker.value = state.model;
      picker.dispatchEvent(new Event("change", { bubbles: true }));
    } else {
      list.push([state.model === "trained" ? "share.noTrained" : "notice.model"]);
    }
  }
  if (state.damage) {
    const damage = await breakIt();
    if (damage) damage.set(state.damage);
    else list.push(["share.noDamage"]);
  }
  if (state.strokes) {
    page.pad.setStrokes(state.strokes);
    page.update();
  }
  if (state.model || state.strokes) {
    list.unshift(["share.restored", { model: page.model, n: state.strokes?.length ?? 0 }]);
  }
  say(note, words, list);
  dispatchEvent(new CustomEvent(EVENTS.shareRestored, { detail: { notices: found } }));
}

/** Break It's damage API, which its panel may add a moment after Python is ready. */
async function breakIt() {
  for (let i = 0; i < 40 && !page.damage; i++) await new Promise((r) => setTimeout(r, 50));
  return page.damage;
}
