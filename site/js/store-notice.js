// The #stored notice: what store.js found in localStorage and dropped, what it could not save,
// and edits restored from it (with a button to undo them). Text from storage is set as text only.

import { onLang, register, t } from "./i18n.js";
import { CHANGED, forget, lines } from "./store.js";
import strings from "./strings/store.js";

register(strings);

/** [key, vars] -> text; a var given as [key] is itself a string key (e.g. what was dropped). */
const words = ([key, vars = {}]) =>
  t(key, Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, Array.isArray(v) ? t(v[0]) : v])));

const box = document.querySelector("#stored");

function draw() {
  box.querySelector(".stored-title").textContent = t("store.title");
  box.querySelector(".stored-close").textContent = t("store.dismiss");
  box.querySelector(".stored-list").replaceChildren(...[...lines].map(([id, line]) => {
    const li = document.createElement("li");
    li.dataset.notice = id;
    li.append(words(line.text));
    if (line.action) {
      const b = Object.assign(document.createElement("button"), { type: "button" });
      b.textContent = words(line.action.label);
      b.addEventListener("click", () => { forget(id); line.action.run(); });
      li.append(" ", b);
    }
    return li;
  }));
  box.hidden = lines.size === 0;
}

box.querySelector(".stored-close").addEventListener("click", () => {
  lines.clear();
  draw();
});
addEventListener(CHANGED, draw);
onLang(draw);
draw();
