"""Weights on disk: `<arch>.npz` (float32 arrays "layer.key", no pickles) + `<arch>.json` manifest.

The manifest describes the network fully (layer list, input convention), so loading needs
nothing else. `load` checks everything and raises one `WeightsError` naming the file and
what is wrong.
"""

import hashlib
import io
import json
from pathlib import Path

import numpy as np

from .core import Network

FORMAT = "digitlab-weights"
FORMAT_VERSION = 1


class WeightsError(ValueError):
    """A weights file or manifest is missing, damaged, or disagrees with the other."""


def input_convention(input_shape):
    return {"shape": list(input_shape), "dtype": "float32", "range": [0.0, 1.0],
            "ink": "bright (1.0) on dark (0.0)", "layout": "row-major 28x28" +
            (", NHWC" if len(input_shape) == 3 else ", flattened"),
            "preprocess": "digitlab.preprocess.to_mnist"}


def npz_bytes(params):
    """Serialise {layer: {key: array}} as npz bytes with keys "layer.key" (float32)."""
    buf = io.BytesIO()
    np.savez(buf, **{f"{l}.{k}": np.asarray(v, np.float32) for l, p in params.items() for k, v in p.items()})
    return buf.getvalue()


def manifest_for(net, arch, sha, extra=None):
    layers = []
    for spec, layer in zip(net.specs(), net.layers):
        shapes = {k: list(v.shape) for k, v in net.params.get(layer.name, {}).items()}
        layers.append({**spec, "params": shapes} if shapes else spec)
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "arch": arch, "layers": layers,
            "input": input_convention(net.input_shape), "npz_sha256": sha,
            "param_count": net.n_params(), **(extra or {})}


def save(net, arch, folder, extra=None):
    """Write <folder>/<arch>.npz and .json. extra: accuracy, confusion, training, history. -> manifest."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    data = npz_bytes(net.params)
    manifest = manifest_for(net, arch, hashlib.sha256(data).hexdigest(), extra)
    (folder / f"{arch}.npz").write_bytes(data)
    (folder / f"{arch}.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def read_manifest(path):
    path = Path(path)
    if not path.exists():
        raise WeightsError(f"{path}: manifest file is missing")
    try:
        m = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as e:
        raise WeightsError(f"{path}: manifest is not valid JSON ({e})") from None
    if not isinstance(m, dict) or m.get("format") != FORMAT:
        raise WeightsError(f"{path}: not a {FORMAT} manifest")
    if m.get("format_version") != FORMAT_VERSION:
        raise WeightsError(f"{path}: format version {m.get('format_version')!r}, this code reads {FORMAT_VERSION}")
    return m


def read_arrays(path, want_sha=None):
    """-> {"layer.key": array}; checks the hash (if given) before parsing anything."""
    path = Path(path)
    if not path.exists():
        raise WeightsError(f"{path}: weights file is missing")
    data = path.read_bytes()
    got = hashlib.sha256(data).hexdigest()
    if want_sha is not None and got != want_sha:
        raise WeightsError(f"{path}: sha256 is {got[:12]}…, the manifest expects {str(want_sha)[:12]}… "
                           f"(file damaged or from another model)")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except Exception as e:  # zipfile, ValueError, EOFError... all mean "unreadable"
        raise WeightsError(f"{path}: cannot read the arrays (truncated or not an npz: {e})") from None


def load(npz_path, manifest_path=None):
    """-> (Network, manifest). Raises WeightsError on any mismatch."""
    npz_path = Path(npz_path)
    manifest_path = Path(manifest_path or npz_path.with_suffix(".json"))
    m = read_manifest(manifest_path)
    arrays = read_arrays(npz_path, m.get("npz_sha256"))
    try:
        net = Network.from_specs(m["layers"], m["input"]["shape"], params={})   # no random init: _match fills them
    except (KeyError, TypeError, ValueError) as e:
        raise WeightsError(f"{manifest_path}: bad layer list ({e})") from None
    net.params = _match(net, arrays, npz_path)
    if net.n_params() != m.get("param_count"):
        raise WeightsError(f"{manifest_path}: param_count {m.get('param_count')} but the arrays hold {net.n_params()}")
    return net, m


def _match(net, arrays, path):
    """Check the npz holds exactly the params the layer list needs, with the right shapes."""
    params, expected = {}, set()
    for layer in net.layers:
        for key, shape in layer.param_shapes().items():
            name = f"{layer.name}.{key}"
            expected.add(name)
            if name not in arrays:
                raise WeightsError(f"{path}: array {name!r} is missing")
            a = arrays[name]
            if a.shape != tuple(shape):
                raise WeightsError(f"{path}: {name} has shape {a.shape}, the manifest says {tuple(shape)}")
            if a.dtype != np.float32:
                raise WeightsError(f"{path}: {name} is {a.dtype}, expected float32")
            if not np.isfinite(a).all():
                raise WeightsError(f"{path}: {name} contains NaN or inf")
            params.setdefault(layer.name, {})[key] = a
    extra = set(arrays) - expected
    if extra:
        raise WeightsError(f"{path}: unexpected arrays {sorted(extra)}")
    return params
