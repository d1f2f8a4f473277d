// Small drawing helpers shared by the explorers: SVG elements, linear maps, number formatting.
// Nothing here computes the maths; it only places what Python returned.

const NS = "http://www.w3.org/2000/svg";

/** An SVG element with attributes (values set with setAttribute, never as HTML). */
export function svg(tag, attrs = {}, parent = null) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (parent) parent.appendChild(e);
  return e;
}

/** An HTML element with attributes and optional text. */
export function html(tag, attrs = {}, parent = null, text = null) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== null) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}

/** A linear map from [d0, d1] to [r0, r1]. */
export function scale(d0, d1, r0, r1) {
  const k = (r1 - r0) / (d1 - d0 || 1);
  return (v) => r0 + (v - d0) * k;
}

/** "M x y L x y …" through the points, starting a new piece after each non-finite point. */
export function linePath(xs, ys, sx, sy) {
  let d = "", pen = false;
  for (let i = 0; i < xs.length; i++) {
    const X = sx(xs[i]), Y = sy(ys[i]);
    if (!Number.isFinite(X) || !Number.isFinite(Y)) { pen = false; continue; }
    d += `${pen ? "L" : "M"}${X.toFixed(1)} ${Y.toFixed(1)}`;
    pen = true;
  }
  return d;
}

/** A number for reading: up to `digits` decimals, trailing zeros dropped, a real minus sign. */
export function fmt(v, digits = 4) {
  if (v === null || v === undefined || Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
  let s = Math.abs(v) >= 1e5 ? v.toExponential(2) : String(Number(v.toFixed(digits)));
  if (s === "-0") s = "0";
  return s.replace("-", "−");
}

/** A loss for reading: three significant digits (1.27e36 for huge ones). */
export function fmtLoss(v) {
  if (!Number.isFinite(v)) return fmt(v);
  if (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3)) return v.toExponential(2).replace("e+", "e");
  return String(Number(v.toPrecision(3)));
}

/** The user prefers no animation. */
export function reducedMotion() {
  return matchMedia("(prefers-reduced-motion: reduce)").matches;
}

/** A number from an input's text, accepting "−" and "," as typed on some keyboards; NaN if none. */
export function readNumber(input) {
  const s = input.value.trim().replace("−", "-").replace(",", ".");
  return s === "" ? NaN : Number(s);
}
