// #train-kernels: the conv kernels of the network being trained, as small images that sharpen from
// noise into edge and stroke detectors. Python (train.kernels) picks the colours: one scale per
// layer, orange positive, blue negative, alpha |w| / the layer's peak. This file only paints them.

import { t } from "./i18n.js";
import { h } from "./dom.js";

const PX = (w) => (w <= 5 ? 8 : 6);   // CSS pixels per kernel weight: first-layer kernels larger
const KERNEL_MS = 250;                // how often the kernel images are repainted while training

/** -> kernels(force = false): repaint from ask() (train.kernels) at most every KERNEL_MS unless forced. */
export function kernelPainter(box, grid, ask) {
  let last = 0;
  return (force = false) => {
    const now = performance.now();
    if (!force && now - last < KERNEL_MS) return;
    last = now;
    drawKernels(box, grid, ask());
  };
}

/** box: the section (hidden for an MLP); grid: where the layers go; res: train.kernels' answer. */
export function drawKernels(box, grid, res) {
  const layers = (res && res.layers) || [];
  box.hidden = layers.length === 0;
  const shape = layers.map((l) => `${l.id}:${l.filters}:${l.h}x${l.w}`).join(",");
  if (grid.dataset.shape !== shape) build(grid, layers, shape);
  layers.forEach((l, n) => paint(grid.children[n], l));
}

function build(grid, layers, shape) {
  grid.replaceChildren();
  grid.dataset.shape = shape;
  for (const l of layers) {
    const fig = h("figure", { class: "kernel-layer", "data-layer": l.id }, grid);
    h("figcaption", {}, fig);
    const row = h("div", { class: "kernel-tiles" }, fig);
    for (let k = 0; k < l.filters; k++) {
      const c = h("canvas", { width: l.w, height: l.h, "data-kernel": `${l.id}:${k}`, role: "img" }, row);
      c.style.width = `${l.w * PX(l.w)}px`;
      c.style.height = `${l.h * PX(l.w)}px`;
    }
  }
}

function paint(fig, l) {
  fig.querySelector("figcaption").textContent = t("train.kernelLayer", { id: l.id, n: l.filters, peak: l.peak.toPrecision(3) });
  const n = l.w * l.h * 4;
  fig.querySelectorAll("canvas").forEach((c, k) => {
    const px = new Uint8ClampedArray(l.rgba.buffer, l.rgba.byteOffset + k * n, n);
    c.getContext("2d").putImageData(new ImageData(px, l.w, l.h), 0, 0);
    c.setAttribute("aria-label", t("train.kernel", { id: l.id, k }));   // in the language of the moment
  });
}
