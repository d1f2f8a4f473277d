// Every visible string, in English and Japanese. One dictionary per language per part of the page
// (site/js/strings/<part>.js exports {en: {...}, ja: {...}}); each part registers its own.
//
//   import { t, register, onLang } from "./i18n.js";
//   register(strings);                       // once, at module load
//   el.textContent = t("train.start");       // a plain string; never use it as HTML
//   t("caption.links", { shown: 40, total: 1200 })   // "{shown}" placeholders
//   onLang(() => rerender());                // the language changed: draw your text again
//
// Static HTML marks its strings with data-i18n="key" (textContent) and
// data-i18n-attr="aria-label:key;title:key"; apply() fills them on every switch.

const dicts = { en: {}, ja: {} };
export const LANGS = ["en", "ja"];
let current = detect();

/** ?lang=ja|en wins, then the person's earlier choice, then the browser's languages. */
function detect() {
  const asked = new URLSearchParams(location.search).get("lang");
  if (LANGS.includes(asked)) return asked;
  let saved = null;
  try { saved = localStorage.getItem("digitlab:lang"); } catch { /* storage blocked */ }
  if (LANGS.includes(saved)) return saved;
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

/** The text for key in the current language, with {name} placeholders filled from vars. */
export function t(key, vars) {
  let s = dicts[current][key] ?? dicts.en[key];
  if (s === undefined) {
    console.warn(`digitlab i18n: no string for ${key}`);
    return key;
  }
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  return s;
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
  try { localStorage.setItem("digitlab:lang", l); } catch { /* storage blocked */ }
  document.documentElement.lang = l;
  apply();
  dispatchEvent(new CustomEvent("digitlab:lang", { detail: { lang: l } }));
}

/** fn(lang) after every switch. */
export function onLang(fn) { addEventListener("digitlab:lang", (e) => fn(e.detail.lang)); }
