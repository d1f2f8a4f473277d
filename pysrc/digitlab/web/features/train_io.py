"""Weights out of the page and back in, in the very format of the shipped `weights/` folder.

    train.export {}                  -> {name, npz: bytes, manifest: JSON text} of "trained"
    train.import {npz, manifest,     -> {name, label, arch, params} and the model installed
                  filename}             under `name`, or {error: "what is wrong"}
    train.import_sizes {npz, manifest, filename}   the two sizes in bytes -> {} or {error}

Import goes through `digitlab.weights.load` (every cap and check of `digitlab.weightcheck`:
sizes, zip directory, layer list, sha256, shapes, dtype, finiteness), after writing the two files
into a scratch folder of the interpreter's own file system; then the network must give finite
probabilities on real digits (`weights.probe`) and draw as a diagram. Any failure is one
sentence in {error}, and the models already installed are untouched.
"""

import hashlib
import json
import re
import tempfile
from pathlib import Path

import numpy as np

from ... import viewmodel, weightcheck, weights
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
    """Validate and install; a bad file gives {"error": one sentence} and changes nothing."""
    stem = _stem(filename)
    try:
        net, m = checked(npz, manifest, stem)
    except weights.WeightsError as e:
        return {"error": str(e)}
    except Exception as e:   # noqa: BLE001 - a file must never stop the page; say what broke, install nothing
        return {"error": f"{stem}: not a model this page can read ({type(e).__name__}: {str(e)[:200]})"}
    imported = state(app, "train_io", list)   # names installed so far: a new import never replaces one
    name = f"imported-{len(imported) + 1}"
    app.put(name, net)
    imported.append(name)
    label = str(m.get("arch", stem))
    return {"name": name, "label": label, "arch": label, "params": net.n_params(), "trained": NAME}


@handler("train.import_sizes")
def import_sizes(app, npz, manifest, filename="model"):
    """The files' sizes in bytes, before the page reads them into memory -> {} or {"error"}."""
    try:
        too_big(_stem(filename), int(npz), int(manifest))
    except weights.WeightsError as e:
        return {"error": str(e)}
    return {}


def too_big(stem, npz_bytes, manifest_bytes):
    """Raise WeightsError when either file is over weightcheck's caps."""
    for what, n, cap in (("npz", npz_bytes, weightcheck.MAX_NPZ_BYTES),
                         ("json", manifest_bytes, weightcheck.MAX_MANIFEST_BYTES)):
        if n > cap:
            raise weights.WeightsError(f"{stem}.{what}: {n:,} bytes, the limit is {cap:,}")


def _stem(filename):
    return re.sub(r"[^A-Za-z0-9._-]+", "_", Path(str(filename)).stem)[:60] or "model"


def checked(npz, manifest, stem):
    """The two files through weights.load (every check of weightcheck), then probed on real digits
    and drawn once as the diagram would draw them. -> (Network, manifest); raises WeightsError."""
    data, text = _raw(npz), str(manifest)
    too_big(stem, len(data), len(text))
    with tempfile.TemporaryDirectory() as folder:
        npz_path, json_path = Path(folder) / f"{stem}.npz", Path(folder) / f"{stem}.json"
        npz_path.write_bytes(data)
        json_path.write_text(text)
        try:
            net, m = weights.load(npz_path, json_path)
        except weights.WeightsError as e:
            raise weights.WeightsError(str(e).replace(folder + "/", "")) from None
    trace = weights.probe(net, stem)
    diagram = viewmodel.Diagram(net)
    diagram.layout()
    diagram.view(net.forward(trace.x[:1]))
    return net, m
