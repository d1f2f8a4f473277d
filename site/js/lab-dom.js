// Small helpers for the lab's panels: number formatting, and tiles of RGBA pixels from Python
// on a canvas (elements come from dom.js).

/** A fraction (number or numeric string) as a percentage with one decimal. */
export function pct(f) {
  return (Number(f) * 100).toFixed(1) + "%";
}

/** A value from Python for display: 4 significant decimals, a real minus sign; "–" for none. */
export function num(v, digits = 4) {
  if (v === null || v === undefined) return "–";
  return Number(v).toFixed(digits).replace("-", "−");
}

/** Signed, for contributions: "+0.4502" / "−0.1234". */
export function signed(v, digits = 4) {
  return (v >= 0 ? "+" : "") + num(v, digits);
}

/** Draw Python's tiles {w, h, n, rgba: Uint8Array (n·h·w·4)} in a grid with 1 px gaps.
 *  marker: [r, c] outlines one pixel of the first tile (where a channel was read). */
export function drawTiles(canvas, img, marker = null) {
  const cols = Math.ceil(Math.sqrt(img.n * img.h / img.w));
  const per = Math.max(1, Math.min(img.n, cols));
  const rows = Math.ceil(img.n / per);
  canvas.width = per * (img.w + 1) - 1;
  canvas.height = rows * (img.h + 1) - 1;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#e4e4ea";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const bytes = img.w * img.h * 4;
  for (let c = 0; c < img.n; c++) {
    const data = new Uint8ClampedArray(img.rgba.buffer, img.rgba.byteOffset + c * bytes, bytes);
    const x = (c % per) * (img.w + 1), y = Math.floor(c / per) * (img.h + 1);
    ctx.clearRect(x, y, img.w, img.h);
    ctx.putImageData(new ImageData(data, img.w, img.h), x, y);
  }
  canvas.dataset.tiles = String(img.n);
  if (marker) canvas.dataset.marker = marker.join(",");
  else delete canvas.dataset.marker;
}
