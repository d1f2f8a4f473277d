// The shipped MNIST test sample (dist/data/evalset.npz), fetched the first time Break It or
// Evaluate needs it and handed to Python once (damage.evalset). Both instruments share it.

import { page } from "./page.js";

let loading = null;

/** -> a promise of the sample's size; a failed fetch is tried again on the next call. */
export function loadEvalset() {
  if (!loading) loading = fetchEvalset().catch((err) => { loading = null; throw err; });
  return loading;
}

async function fetchEvalset() {
  const res = await fetch("./data/evalset.npz");
  if (!res.ok) throw new Error(`data/evalset.npz: HTTP ${res.status}`);
  const data = new Uint8Array(await res.arrayBuffer());
  return page.call("damage.evalset", { data }).n;
}
