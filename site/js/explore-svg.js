// Small helpers shared by the explorers: number formatting and reading (elements come from
// dom.js, scales and lines from chart.js). Nothing here computes the maths.

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
