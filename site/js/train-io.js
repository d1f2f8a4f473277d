// Export the trained weights (.npz + .json manifest, the format of weights/) and import such a
// pair back: Python validates it (digitlab.weights.load) and installs it under a new name, which
// then appears in the model list like a shipped model.

import { t } from "./i18n.js";
import { page } from "./page.js";

/** Add (or relabel) an option of the #model picker. Labels are set as text, never HTML. */
export function addModelOption(value, label) {
  const sel = document.querySelector("#model");
  let opt = [...sel.options].find((o) => o.value === value);
  if (!opt) {
    opt = document.createElement("option");
    opt.value = value;
    sel.appendChild(opt);
  }
  opt.textContent = label;
  return opt;
}

function download(bytes, name, type) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([bytes], { type }));
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

export function initIO(ui, call, ready) {
  ui.exportBtn.addEventListener("click", () => {
    if (!ready()) { ui.ioMsg.textContent = t("train.needData"); return; }
    const res = call("train.export", {});
    download(res.npz, `${res.name}.npz`, "application/octet-stream");
    download(res.manifest, `${res.name}.json`, "application/json");
    ui.ioMsg.textContent = t("train.exported", { name: res.name });
  });

  ui.importInput.addEventListener("change", async () => {
    const files = [...ui.importInput.files];
    ui.importInput.value = "";
    const npz = files.find((f) => f.name.toLowerCase().endsWith(".npz"));
    const json = files.find((f) => f.name.toLowerCase().endsWith(".json"));
    if (files.length !== 2 || !npz || !json) { ui.ioMsg.textContent = t("train.importPick"); return; }
    if (!page.ready) return;
    // Python's size caps first, so a huge file is refused before it is read into memory.
    const big = call("train.import_sizes", { npz: npz.size, manifest: json.size, filename: npz.name });
    if (big.error) { ui.ioMsg.textContent = t("train.importBad", { error: big.error }); return; }
    const res = call("train.import", {
      npz: new Uint8Array(await npz.arrayBuffer()), manifest: await json.text(), filename: npz.name });
    if (res.error) { ui.ioMsg.textContent = t("train.importBad", { error: res.error }); return; }
    // A new name every time (imported-N): the network in use is unchanged, so is page.version.
    addModelOption(res.name, t("train.importedModel", { label: res.label }));
    ui.ioMsg.textContent = t("train.imported", { label: res.label });
  });
}
