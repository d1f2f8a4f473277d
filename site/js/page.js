// The page's API for its instruments (site/js/*.js), in one imported module: the pad, the latest
// result, the model version, Python's call, and every event name the page uses. shim.js fills it
// in when it starts (it runs before any instrument); window.digitlab is only a thin facade over it
// for the tests, the console and the Python bridge (web/bridge.py).

/** The page's custom events and performance entries, named once. The two from Python
 *  (editor, editRollback) are sent by digitlab/web/bridge.py under the same names. */
export const EVENTS = Object.freeze({
  ready: "digitlab:ready",                   // Python can classify (also a performance mark)
  update: "digitlab:update",                 // an update is drawn: {result, model, version} (also a measure)
  lang: "digitlab:lang",                     // the language changed: {lang}
  editor: "digitlab:editor",                 // Python's edit functions: {files, apply, reset}
  editRollback: "digitlab:edit-rollback",    // an edit failed and was rolled back: {error, path, source}
  shareRestored: "digitlab:share-restored",  // a share link was put on the page: {notices}
  stroke: "pad:stroke",                      // on #pad, bubbling: a stroke ended, {count}
  firstInk: "digitlab:first-ink",            // performance mark: the pad's first ink
  apply: "digitlab:apply",                   // performance measure: an editor apply
  evaluate: "digitlab:eval",                 // performance measure: Evaluate's slices, start to figures
  map: "digitlab:map",                       // performance measure: the point map's PCA, start to points
  photo: "digitlab:photo",                   // performance measure: a photo file -> its reading painted
  photoInk: "digitlab:photo-ink",            // performance measure: #photo-to-pad -> the strokes' reading painted
});

const notReady = () => { throw new Error("Python is not ready yet"); };

export const page = {
  /** The drawing pad (site/js/pad.js). */
  pad: null,
  /** The model in use (the #model picker's value). */
  model: null,
  /** The last update's result (bridge.classify's answer, plain JS), or null. */
  result: null,
  /** Bumped whenever the network in use changes (another model, damage, a training step, an
   *  import, an edit): two results with the same model and version came from the same weights. */
  version: 0,
  /** Python can classify. */
  ready: false,
  /** Break It's {get, set} (site/js/lab.js), once its panel is built; null before. */
  damage: null,
  /** Evaluate's last finished run, () -> {model, indices[], labels[], preds[]} | null (js/evaluate.js). */
  evaluation: null,
  /** Evaluate's point map, () -> {layer, method, indices[], xy[][2], you, neighbours[]} | null. */
  map: null,
  /** A Python function an instrument registered (digitlab.web.registry): name, args -> plain JS.
   *  Throws before Python is ready; instruments start on EVENTS.ready. */
  call: notReady,
  /** Re-read the drawing on the next frame (the drawing changed, the network did not). */
  update() {},
  /** The network `model` changed (null: the one in use, whichever it is): when it is the one in
   *  use, bump the version; then re-read the drawing on the next frame. */
  changed(model = null) {},
  /** The code changed (the editor): lay the diagram out again, bump the version, re-read. */
  refresh() {},
  /** Bring the diagram's hidden link handles (<line data-link-id>) up to date now; the page
   *  itself writes them only when the drawing rests (js/diagram.js). */
  flushLinks() {},
};
