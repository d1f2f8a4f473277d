// Evaluate, built inside #eval-mount (after Break It and "Why this digit?"): the card
// (js/evaluate.js) and its parts. Puts the last run in the page API: page.evaluation() ->
// {model, indices[], labels[], preds[]}, and the point map: page.map() -> {layer, method, indices[],
// xy[][2], you, neighbours[]} (window.digitlab.evaluation() and .map() for the tests).

import { Evaluate } from "./evaluate.js";
import { page } from "./page.js";

const evaluate = new Evaluate(document.querySelector("#eval-mount"));
page.evaluation = () => evaluate.snapshot();
page.map = () => evaluate.map.snapshot();
