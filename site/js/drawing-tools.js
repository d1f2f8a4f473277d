// The tools around the drawing as a whole: the language toggle (#lang), share links (#share,
// share.js), the stroke replay (#replay, replay.js) and multi-digit reading (#digits, digits.js). Every string comes from site/js/strings/core.js.
//
// i18n.js picks the language (?lang=, then the saved choice, then the browser); here the static
// page is worded in it, and the toggle switches at once, mid-stroke too: nothing here touches
// the pad, so a stroke being drawn carries on.

import { apply, lang, onLang, setLang, t } from "./i18n.js";
import { initShare } from "./share.js";
import { initReplay } from "./replay.js";
import { initDigits } from "./digits.js";
import { EVENTS } from "./page.js";

const $ = (s) => document.querySelector(s);

apply();

function langButton() {
  const b = document.createElement("button");
  b.type = "button";
  b.id = "lang";
  const label = () => {
    const other = lang() === "ja" ? "en" : "ja";
    b.textContent = t("lang.toggle");
    b.lang = other;                      // the button names the other language, in that language
    b.dataset.lang = lang();
    b.setAttribute("aria-label", t("lang.label"));
  };
  b.addEventListener("click", () => {
    const next = lang() === "ja" ? "en" : "ja";
    setLang(next);
    // A ?lang= in the address would win on reload: keep it saying what the page shows.
    const url = new URL(location.href);
    if (url.searchParams.has("lang")) {
      url.searchParams.set("lang", next);
      history.replaceState(history.state, "", url);
    }
  });
  label();
  onLang(label);
  return b;
}

// The status line is the shim's; once the page is ready its text is fixed, so reword it here.
onLang(() => {
  const status = $("#status");
  if (status.dataset.state === "ready") status.querySelector(".status-text").textContent = t("status.ready");
});

// The answer is announced politely (#prediction's aria-live region, worded by output.js). While
// the pen is down the answer flickers between digits: mark the region busy, so a screen reader
// waits and reads the answer once the stroke has landed (two frames: the last update is drawn).
const speak = $("#prediction [aria-live]");
$("#pad").addEventListener("pointerdown", () => speak.setAttribute("aria-busy", "true"));
for (const type of [EVENTS.stroke, "pointercancel"]) {
  $("#pad").addEventListener(type, () => requestAnimationFrame(() => requestAnimationFrame(
    () => speak.setAttribute("aria-busy", "false"))));
}

const tools = $("#header-mount");
tools.append(langButton(), ...initShare());
$("#digits-mount").append(initDigits());
// The replay sits beside the two 28×28 previews (the drawing as made, as read): it is about the
// drawing too, and there it uses the row's free width instead of pushing the pad's controls down.
$(".card.result .previews").append(initReplay());
