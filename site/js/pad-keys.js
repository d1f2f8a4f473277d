// The pad without a mouse: with the pad focused, the arrow keys move a pen on a coarse grid and
// Space (or Enter) puts it down or lifts it, so a keyboard or a screen reader can draw a digit.
// A pen that is down draws a line through every cell it visits; lifting it ends the stroke, as
// lifting a finger does, and the answer is announced by #prediction's live region as usual.

import { KEY_PEN } from "./pad.js";
import { t } from "./i18n.js";

export const GRID = 14;              // cells per side: 20 of the pad's 280 pixels, about a brush wide
const MOVES = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

/** Wire the keyboard pen to `pad` (js/pad.js) on its canvas; `pen`: the marker showing where it is;
 *  `say`: a polite live region for the pen's state; `speak`: the answer's live region. */
export function keyPen(pad, canvas, pen, say, speak) {
  const at = { col: GRID / 2, row: GRID / 2, down: false };
  const xy = () => [(at.col + 0.5) / GRID, (at.row + 0.5) / GRID];
  const show = () => {
    pen.hidden = false;
    pen.style.left = `${(100 * (at.col + 0.5)) / GRID}%`;    // CSSOM, which the page's CSP allows
    pen.style.top = `${(100 * (at.row + 0.5)) / GRID}%`;
    pen.classList.toggle("down", at.down);
  };
  const lift = (when) => {
    if (!at.down) return;
    at.down = false;
    pad.keyUp(when);
  };
  const tell = () => {
    say.textContent = t(at.down ? "draw.pen.down" : "draw.pen.up", { col: at.col + 1, row: at.row + 1, n: GRID });
  };
  canvas.addEventListener("keydown", (e) => {
    const move = MOVES[e.key];
    if (move && !e.altKey && !e.ctrlKey && !e.metaKey) {
      at.col = Math.min(GRID - 1, Math.max(0, at.col + move[0]));
      at.row = Math.min(GRID - 1, Math.max(0, at.row + move[1]));
      if (at.down) pad.keyTo(...xy(), e.timeStamp);
    } else if (e.key === " " || e.key === "Enter") {
      if (at.down) lift(e.timeStamp);
      else {
        at.down = true;
        speak.setAttribute("aria-busy", "true");           // read the answer once the stroke ends
        pad.begin(KEY_PEN, ...xy(), e.timeStamp);
      }
    } else if (e.key === "Escape" && at.down) {
      lift(e.timeStamp);
    } else {
      return;
    }
    e.preventDefault();
    tell();
    show();
  });
  // Shown when the pad is reached by keyboard, not when a mouse or a finger touches it.
  canvas.addEventListener("focus", () => { if (canvas.matches(":focus-visible")) show(); });
  canvas.addEventListener("blur", () => { lift(performance.now()); pen.hidden = true; });
}
