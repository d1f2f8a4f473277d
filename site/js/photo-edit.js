// The photo card's corrections (#photo-edit): a box dragged over the photo chooses the region
// read, Rotate turns the photo by 90°, Whole photo drops the box, Undo steps back. Each change
// asks the card to read the photo again (Python turns it and reads inside the box: photo.turned,
// photo.read with a region).
//
// The box is kept as fractions of the shown (turned) photo, [y0, y1, x0, x1]: pointer positions
// over the picture divided by its size, the only arithmetic here. Pointer events are listened to
// on the picture only, and moves only while a box is being dragged.

import { t } from "./i18n.js";

const MIN_DRAG = 0.02;    // a drag shorter than this share of the picture is a click, not a box

/** Fill <img> `img` with Python's picture {width, height, rgba: Uint8Array (h * w * 4)}. An
 *  <img>, not a canvas per picture: canvases cost the compositor every frame while drawing. */
export function imageFrom(img, p) {
  const c = document.createElement("canvas");
  c.width = p.width;
  c.height = p.height;
  c.getContext("2d").putImageData(new ImageData(new Uint8ClampedArray(p.rgba), p.width, p.height), 0, 0);
  img.src = c.toDataURL();
  img.width = p.width;
  img.height = p.height;
}

/** Put the box element over fractions r = [y0, y1, x0, x1] of the picture. */
function place(box, r) {
  Object.assign(box.style, { top: `${r[0] * 100}%`, height: `${(r[1] - r[0]) * 100}%`,
                             left: `${r[2] * 100}%`, width: `${(r[3] - r[2]) * 100}%` });
}

export class PhotoEdit {
  /** root: #photo-edit; onChange({turns, region}): read the photo again with these. */
  constructor(root, onChange) {
    this.root = root;
    this.onChange = onChange;
    this.view = null;                 // the <img id="photo-view">, made with the first photo
    this.frame = root.querySelector("#photo-frame");
    this.box = root.querySelector("#photo-box");
    this.buttons = {
      rotate: root.querySelector("#photo-rotate"),
      whole: root.querySelector("#photo-whole"),
      undo: root.querySelector("#photo-undo"),
    };
    this.reset();
    this.buttons.rotate.addEventListener("click", () => this.change({ turns: (this.now.turns + 1) % 4, region: null }));
    this.buttons.whole.addEventListener("click", () => this.change({ ...this.now, region: null }));
    this.buttons.undo.addEventListener("click", () => this.undo());
    this._drag();
  }

  /** A new photo: no box, not turned, nothing to undo; hidden until its first reading. */
  reset() {
    this.now = { turns: 0, region: null };
    this.history = [];
    this.root.hidden = true;
    this._buttons();
  }

  /** Show the whole turned photo (Python's {width, height, rgba} picture) and the current box. */
  show(view) {
    if (!this.view) {
      this.view = document.createElement("img");
      Object.assign(this.view, { id: "photo-view", alt: t("photo.view") });
      this.view.dataset.i18nAttr = "alt:photo.view";
      this.frame.prepend(this.view);
    }
    if (view) imageFrom(this.view, view);
    const r = this.now.region;
    this.box.hidden = !r;
    if (r) place(this.box, r);
    this.root.hidden = false;
    this._buttons();
  }

  change(next) {
    this.history.push(this.now);
    this.now = next;
    this._buttons();
    this.onChange(this.now);
  }

  undo() {
    if (!this.history.length) return;
    this.now = this.history.pop();
    this._buttons();
    this.onChange(this.now);
  }

  _buttons() {
    this.buttons.undo.disabled = this.history.length === 0;
    this.buttons.whole.disabled = !this.now.region;
  }

  /** Pointer position over the picture as [y, x] fractions, clamped to it. */
  _at(e) {
    const r = this.view.getBoundingClientRect();
    const clamp = (v) => Math.min(1, Math.max(0, v));
    return [clamp((e.clientY - r.top) / r.height), clamp((e.clientX - r.left) / r.width)];
  }

  _drag() {
    let start = null;
    const boxOf = (a, b) => [Math.min(a[0], b[0]), Math.max(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[1], b[1])];
    const move = (e) => {
      this.box.hidden = false;
      place(this.box, boxOf(start, this._at(e)));
    };
    this.frame.addEventListener("pointerdown", (e) => {
      if (e.button !== 0) return;
      e.preventDefault();
      start = this._at(e);
      this.frame.setPointerCapture(e.pointerId);
      this.frame.addEventListener("pointermove", move);
    });
    const end = (e) => {
      if (!start) return;
      this.frame.removeEventListener("pointermove", move);
      const r = boxOf(start, this._at(e));
      start = null;
      if (r[1] - r[0] < MIN_DRAG || r[3] - r[2] < MIN_DRAG) this.show(null);    // a click: the old box back
      else this.change({ ...this.now, region: r });
    };
    this.frame.addEventListener("pointerup", end);
    this.frame.addEventListener("pointercancel", () => {
      this.frame.removeEventListener("pointermove", move);
      start = null;
      this.show(null);
    });
  }
}
