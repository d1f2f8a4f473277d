// The lab: the inspector (hover / click a node of the main diagram) and Break It (damage a copy
// of the network). Built inside #lab-mount; the numbers come from Python's inspect.* and damage.*
// handlers (pysrc/digitlab/web/features/). Puts Break It's damage in the page API (page.damage,
// js/page.js) for share links (window.digitlab.damage for the tests):
//   get() -> {bias, noise, layers, neurons, prune, prune_global, temperature, scales}   applied now
//   set(obj) -> {state, rejected} | null          Python validates each field and applies what is
//                                                 valid (null: applied once Python is ready)

import { register } from "./i18n.js";
import { sidewaysScroll } from "./dom.js";
import strings from "./strings/lab.js";
import { BreakIt } from "./lab-break.js";
import { Inspector } from "./lab-inspector.js";
import { EVENTS, page } from "./page.js";

register(strings);

const mount = document.querySelector("#lab-mount");
const breakIt = new BreakIt(mount);
new Inspector(mount, document.querySelector("#network"), breakIt);
// On a phone the main diagram is wider than its card: its box says so (#net-hint) and is a tab
// stop, as Break It's are (before Python draws the nodes, nothing else in it takes the focus).
const netHint = document.querySelector("#net-hint");
sidewaysScroll(document.querySelector(".net-scroll"), "net-hint", (scrolls) => { netHint.hidden = !scrolls; });
// The panel sits above Break It: it opens right under the diagram it explains.
mount.prepend(document.querySelector("#inspector"));

page.damage = {
  get: () => breakIt.get(),
  set: (obj) => breakIt.set(obj),
};
