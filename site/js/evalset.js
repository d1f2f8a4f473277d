// The shipped MNIST test sample (dist/data/evalset.npz), fetched the first time Break It or
// Evaluate needs it and handed to Python once (damage.evalset). Both instruments share it.
// All 10,000 test images (dist/data/testset.npz, 1.7 MB) are fetched only when Evaluate is asked
// for them (eval.testset). The service worker installs both with the build, so they work offline.

import { page } from "./page.js";

let loading = null, loadingAll = null;

/** -> a promise of the sample's size; a failed fetch is tried again on the next call. */
export function loadEvalset() {
  if (!loading) loading = fetchInto("./data/evalset.npz", "damage.evalset").catch((err) => { loading = null; throw err; });
  return loading;
}

/** -> a promise of the whole test set's size (10,000); a failed fetch is tried again next time. */
export function loadTestset() {
  if (!loadingAll) loadingAll = fetchInto("./data/testset.npz", "eval.testset").catch((err) => { loadingAll = null; throw err; });
  return loadingAll;
}

async function fetchInto(url, call) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url.slice(2)}: HTTP ${res.status}`);
  const data = new Uint8Array(await res.arrayBuffer());
  return page.call(call, { data }).n;
}
