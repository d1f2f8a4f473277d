// Sample buttons: real MNIST test images from data/samples.json (made by build.py).
// Format: {"samples": [{"index", "label", "pixels": [784 ints 0..255], "cnn_pred"}]}.

import { onLang, t } from "./i18n.js";

/** Fill `root` with one button per sample; onPick(pixels, event) when one is clicked. */
export async function loadSamples(root, onPick) {
  const res = await fetch("./data/samples.json");
  if (!res.ok) throw new Error(`data/samples.json: HTTP ${res.status}`);
  const { samples } = await res.json();
  const buttons = samples.map((s) => button(s, onPick));
  root.append(...buttons);
  onLang(() => buttons.forEach(describe));
}

/** The button's accessible name and tooltip, in the current language. The name begins with
 *  the text the button shows ("3→5"), so a person using voice control can say what they see. */
function describe(b) {
  const d = b.dataset;
  const what = d.cnnPred ? t("samples.wrong", { index: d.sample, label: d.label, pred: d.cnnPred })
                         : t("samples.one", { index: d.sample, label: d.label });
  b.setAttribute("aria-label", `${tagText(d)}: ${what}`);
  b.title = what;
}

const tagText = (d) => (d.cnnPred ? `${d.label}→${d.cnnPred}` : d.label);

function button(s, onPick) {
  const b = document.createElement("button");
  b.type = "button";
  b.dataset.sample = String(s.index);
  b.dataset.label = String(s.label);
  const wrong = s.cnn_pred !== null && s.cnn_pred !== undefined && s.cnn_pred !== s.label;
  if (wrong) {
    b.classList.add("wrong");
    b.dataset.cnnPred = String(s.cnn_pred);
  }
  describe(b);
  const pic = digitPicture(s.pixels);
  const tag = document.createElement("span");
  tag.className = "tag";
  tag.textContent = tagText(b.dataset);
  b.append(pic, tag);
  b.addEventListener("click", (e) => onPick(s.pixels, e));
  return b;
}

/** An <img> of 784 pixels 0..255 (black ink, alpha = value), decorative (alt=""). An <img>, not
 *  a canvas: a page of canvases costs the compositor every frame while drawing. */
export function digitPicture(pixels) {
  const c = document.createElement("canvas");
  c.width = c.height = 28;
  const ctx = c.getContext("2d");
  const img = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) img.data[4 * i + 3] = pixels[i];
  ctx.putImageData(img, 0, 0);
  const pic = new Image(28, 28);
  pic.src = c.toDataURL();
  pic.alt = "";
  return pic;
}
