// Every visible string, in English and Japanese. One dictionary per language per part of the page
// (site/js/strings/<part>.js exports {en: {...}, ja: {...}}); each part registers its own.
//
//   import { t, register, onLang } from "./i18n.js";
//   register(strings);                       // once, at module load
//   el.textContent = t("draw.clear");        // a plain string; never use it as HTML
//   t("net.drawn", { shown: 40, total: 1200 })   // "{shown}" placeholders; whole numbers get separators
//   onLang(() => rerender());                // the language changed: draw your text again
//
// Static HTML marks its strings with data-i18n="key" (textContent) and
// data-i18n-attr="aria-label:key;title:key"; apply() fills them on every switch.

import core from "./strings/core.js";
import { EVENTS } from "./page.js";
import { load, save } from "./store.js";

const dicts = { en: {}, ja: {} };
const LANG_KEY = "digitlab:lang";
export const LANGS = ["en", "ja"];
let current = detect();

/** ?lang=ja|en wins, then the person's earlier choice, then the browser's languages. */
function detect() {
  const asked = new URLSearchParams(location.search).get("lang");
  if (LANGS.includes(asked)) return asked;
  const saved = load(LANG_KEY, "store.what.lang", (raw) => {
    if (!LANGS.includes(raw)) throw new Error(`not one of ${LANGS.join(", ")}`);
    return raw;
  });
  if (saved) return saved;
  const prefs = navigator.languages?.length ? navigator.languages : [navigator.language || "en"];
  return prefs.some((l) => String(l).toLowerCase().startsWith("ja")) ? "ja" : "en";
}

/** Add a part's strings: {en: {key: text}, ja: {key: text}}. */
export function register(strings) {
  for (const l of LANGS) Object.assign(dicts[l], strings[l] || {});
}

/** All registered keys per language (the test compares them). */
export function keys() {
  return Object.fromEntries(LANGS.map((l) => [l, Object.keys(dicts[l]).sort()]));
}

export function lang() { return current; }

/** Is there a string for key (in English, the fallback)? For texts that may come without one. */
export function has(key) { return key in dicts.en; }

/** The text for key in the current language, with {name} placeholders filled from vars. */
export function t(key, vars) {
  let s = dicts[current][key] ?? dicts.en[key];
  if (s === undefined) {
    console.warn(`digitlab i18n: no string for ${key}`);
    return key;
  }
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? num(vars[k]) : m));
  return s;
}

/** Whole numbers get thousands separators ("100,480"); everything else as it is. */
function num(v) {
  return Number.isInteger(v) ? v.toLocaleString(current === "ja" ? "ja-JP" : "en-US") : String(v);
}

/** A [key, vars] pair made by Python (e.g. the diagram's captions) -> text; a plain string as it is. */
export function tr(spec) {
  return Array.isArray(spec) ? t(spec[0], spec[1]) : String(spec ?? "");
}

/** Fill every data-i18n / data-i18n-attr element under root with the current language. */
export function apply(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of el.dataset.i18nAttr.split(";")) {
      const [attr, key] = pair.split(":").map((x) => x.trim());
      if (attr && key) el.setAttribute(attr, t(key));
    }
  }
}

/** Switch language now (mid-drawing too): static text, <html lang>, then every listener. */
export function setLang(l) {
  if (!LANGS.includes(l)) return;
  current = l;
  save(LANG_KEY, l, "store.what.lang");
  document.documentElement.lang = l;
  apply();
  dispatchEvent(new CustomEvent(EVENTS.lang, { detail: { lang: l } }));
}

/** fn(lang) after every switch. */
export function onLang(fn) { addEventListener(EVENTS.lang, (e) => fn(e.detail.lang)); }

// The page's own strings come with the core, so every module that can call t() can use them.
register(core);
document.documentElement.lang = current;
