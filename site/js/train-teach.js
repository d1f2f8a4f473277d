// Teach it: the person's own drawings, labelled, kept in localStorage ("digitlab:teach") with
// thumbnails, sent to Python (train.personal) to join the training images; "Learn this" takes
// one visible step on the current drawing and shows the ten probabilities before and after.

import { t, onLang } from "./i18n.js";
import { el } from "./train-dom.js";
import { page } from "./page.js";
import { isRecord, load, save } from "./store.js";

const KEY = "digitlab:teach";

/** The saved set: [{label: 0-9, px: base64 of 784 bytes}]. Entries of another shape are left out
 *  and named ("#2 (label 4)"), so one damaged entry costs only itself. */
function loadSet() {
  return load(KEY, "store.what.teach", (raw, bad) => {
    const list = JSON.parse(raw);
    if (!Array.isArray(list)) throw new Error("not a list");
    return list.filter((s, i) => {
      const ok = isRecord(s) && Number.isInteger(s.label) && s.label >= 0 && s.label <= 9 && pixels(s.px) !== null;
      if (!ok) bad(`#${i + 1}` + (Number.isInteger(s?.label) ? ` (${s.label})` : ""));
      return ok;
    });
  }) ?? [];
}

/** base64 of exactly 784 bytes (a 28x28 image) -> the bytes; anything else -> null. */
function pixels(px) {
  if (typeof px !== "string" || px.length !== 1048) return null;    // 784 bytes = 1048 base64 chars
  try { return fromB64(px); } catch { return null; }
}

/** -> true when kept; otherwise the notice (and the panel) say the set was not saved. */
function saveSet(list) {
  return save(KEY, JSON.stringify(list), "store.what.teach");
}

const toB64 = (bytes) => btoa(String.fromCharCode(...bytes));
const fromB64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

function thumb(bytes) {
  const c = document.createElement("canvas");
  c.width = c.height = 28;
  const ctx = c.getContext("2d");
  const img = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) img.data[4 * i + 3] = bytes[i];   // black ink, alpha = value
  ctx.putImageData(img, 0, 0);
  return c;
}

/** ui: the panel's elements; call: digitlab.call; ready(): data loaded; show(status). */
export function initTeach(ui, call, ready, show) {
  let list = loadSet();

  function render() {
    ui.teachList.replaceChildren();
    list.forEach((s, i) => {
      const li = el("li", { "data-label": String(s.label) }, ui.teachList);
      const c = thumb(fromB64(s.px));
      c.setAttribute("role", "img");
      c.setAttribute("aria-label", t("train.teachThumb", { label: s.label }));
      li.appendChild(c);
      el("span", { class: "teach-digit" }, li).textContent = String(s.label);
      const del = el("button", { type: "button", class: "teach-del", "aria-label": t("train.teachDelete", { label: s.label }) }, li);
      del.textContent = "×";
      del.addEventListener("click", () => { list.splice(i, 1); changed(); });
    });
    ui.teachCount.textContent = list.length ? t("train.teachCount", { n: list.length }) : t("train.teachNone");
  }

  function sync() {
    if (!ready()) return;
    show(call("train.personal", { samples: list.map((s) => ({ label: s.label, pixels: fromB64(s.px) })) }));
  }

  function changed() {
    if (!saveSet(list)) ui.teachMsg.textContent = t("store.teachUnsaved");
    render();
    sync();
  }

  /** The drawing as the network reads it (784 bytes), or null with a message when blank. */
  function drawing() {
    const px = page.ready ? call("train.sample", {}).pixels : null;
    if (!px) ui.teachMsg.textContent = t("train.teachEmpty");
    return px;
  }

  ui.teachAdd.addEventListener("click", () => {
    const px = drawing();
    if (!px) return;
    list.push({ label: Number(ui.teachLabel.value), px: toB64(px) });
    ui.teachMsg.textContent = "";
    changed();
  });

  ui.teachLearn.addEventListener("click", () => {
    if (!ready()) { ui.teachMsg.textContent = t("train.needData"); return; }
    const px = drawing();
    if (!px) return;
    const label = Number(ui.teachLabel.value);
    const res = call("train.learn", { pixels: px, label });
    show(res);
    bars(ui.learnBars, res.before, res.after, label);
    ui.teachMsg.textContent = t("train.learnResult", {
      label, before: pct(res.before[label]), after: pct(res.after[label]) });
    page.changed("trained");
  });

  onLang(render);
  render();
  return { sync };
}

const pct = (p) => (100 * p).toFixed(1) + "%";

/** Ten digits, each with a "before" and an "after" bar (heights from the probabilities). */
function bars(box, before, after, label) {
  box.hidden = false;
  box.replaceChildren();
  for (let d = 0; d < 10; d++) {
    const col = el("div", { class: "teach-bar" + (d === label ? " target" : ""), "data-digit": String(d) }, box);
    for (const [cls, p] of [["before", before[d]], ["after", after[d]]]) {
      const b = el("span", { class: `bar ${cls}`, title: `${t("train." + cls)} ${pct(p)}`, "data-p": String(p) }, col);
      b.style.height = `${Math.max(1, 100 * p)}%`;
    }
    el("span", { class: "teach-bar-label" }, col).textContent = String(d);
  }
}
