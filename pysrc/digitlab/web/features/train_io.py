"""Weights out of the page and back in, in the very format of the shipped `weights/` folder.

    train.export {}                  -> {name, npz: bytes, manifest: JSON text} of "trained"
    train.import {npz, manifest,     -> {name, label, arch, params} and the model installed
                  filename}             under `name`, or {error: "what is wrong"}

Import goes through `digitlab.weights.load` (sha256, layer list, shapes, dtype, finiteness),
after writing the two files into a scratch folder of the interpreter's own file system.
"""

import hashlib
import json
import re
import tempfile
from pathlib import Path

import numpy as np

from ... import weights
from ..registry import handler, state
from .training import NAME, session


def _raw(v):
    return v.to_bytes() if hasattr(v, "to_bytes") else bytes(v)


@handler("train.export")
def export(app):
    s = session(app)
    net, d = s.net, s.driver
    arch = f"trained-{s.arch()}"
    last = d.test_points[-1] if d.test_points else None
    extra = {"training": {"in": "digitlab page", **s.settings, "iterations": d.iteration,
                          "data": "buildlib/trainset.py subset"},
             "test_subset_accuracy": last.accuracy if last else None,
             "history": [{"iteration": p.iteration, "loss": p.loss, "accuracy": p.accuracy}
                         for p in d.test_points]}
    data = weights.npz_bytes(net.params)
    manifest = weights.manifest_for(net, arch, hashlib.sha256(data).hexdigest(), extra)
    return {"name": arch, "npz": np.frombuffer(data, np.uint8), "manifest": json.dumps(manifest, indent=1) + "\n"}


@handler("train.import")
def import_(app, npz, manifest, filename="model"):
    """Validate and install; a bad file gives {"error"} and changes nothing."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(str(filename)).stem)[:60] or "model"
    with tempfile.TemporaryDirectory() as folder:
        npz_path, json_path = Path(folder) / f"{stem}.npz", Path(folder) / f"{stem}.json"
        npz_path.write_bytes(_raw(npz))
        json_path.write_text(str(manifest))
        try:
            net, m = weights.load(npz_path, json_path)
            if net.shapes()[-1] != (10,) or net.layers[-1].activation != "softmax":
                raise weights.WeightsError(f"{stem}: the last layer must be 10 softmax outputs")
            net.forward(net.prepare([[0.0] * 784]))   # the layer list really runs on one input
        except (weights.WeightsError, ValueError) as e:
            return {"error": str(e).replace(folder + "/", "")}
    imported = state(app, "train_io", list)   # names installed so far: a new import never replaces one
    name = f"imported-{len(imported) + 1}"
    imported.append(name)
    app.put(name, net)
    label = str(m.get("arch", stem))
    return {"name": name, "label": label, "arch": label, "params": net.n_params(), "trained": NAME}
