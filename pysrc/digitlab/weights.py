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

from . import probes, weightcheck
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
    """-> the manifest dict, its fields checked (weightcheck.manifest). Raises WeightsError."""
    path = Path(path)
    if not path.exists():
        raise WeightsError(f"{path}: manifest file is missing")
    try:
        if path.stat().st_size > weightcheck.MAX_MANIFEST_BYTES:
            raise weightcheck.Refused(f"manifest is {path.stat().st_size:,} bytes, "
                                      f"the limit is {weightcheck.MAX_MANIFEST_BYTES:,}")
        text = path.read_text()
        weightcheck.manifest_text(text)
        m = json.loads(text)
    except weightcheck.Refused as e:
        raise WeightsError(f"{path}: {e}") from None
    except (ValueError, UnicodeDecodeError, RecursionError) as e:
        raise WeightsError(f"{path}: manifest is not valid JSON ({e})") from None
    if not isinstance(m, dict) or m.get("format") != FORMAT:
        raise WeightsError(f"{path}: not a {FORMAT} manifest")
    if m.get("format_version") != FORMAT_VERSION:
        raise WeightsError(f"{path}: format version {str(m.get('format_version'))[:20]}, "
                           f"this code reads {FORMAT_VERSION}")
    return m


def read_arrays(path, want_sha, expected):
    """-> {"layer.key": array} of exactly `expected` {"layer.key": shape}; the size and the hash
    are checked before the zip is opened, the zip's directory before anything is unpacked."""
    path = Path(path)
    if not path.exists():
        raise WeightsError(f"{path}: weights file is missing")
    size = path.stat().st_size
    if size > weightcheck.MAX_NPZ_BYTES:
        raise WeightsError(f"{path}: {size:,} bytes, the limit is {weightcheck.MAX_NPZ_BYTES:,}")
    data = path.read_bytes()
    got = hashlib.sha256(data).hexdigest()
    if got != want_sha:
        raise WeightsError(f"{path}: sha256 is {got[:12]}…, the manifest expects {str(want_sha)[:12]}… "
                           f"(file damaged or from another model)")
    try:
        return weightcheck.read_npz(data, expected)
    except weightcheck.Refused as e:
        raise WeightsError(f"{path}: {e}") from None


def load(npz_path, manifest_path=None):
    """-> (Network, manifest). Raises WeightsError on any mismatch or anything past weightcheck's caps."""
    npz_path = Path(npz_path)
    manifest_path = Path(manifest_path or npz_path.with_suffix(".json"))
    m = read_manifest(manifest_path)
    try:
        shape = weightcheck.manifest(m)
        weightcheck.costs(m["layers"], shape)
        net = Network.from_specs(m["layers"], shape, params={})   # no random init: the arrays fill them
    except weightcheck.Refused as e:
        raise WeightsError(f"{manifest_path}: {e}") from None
    except (KeyError, TypeError, ValueError) as e:
        raise WeightsError(f"{manifest_path}: bad layer list ({e})") from None
    expected = {f"{l.name}.{k}": s for l in net.layers for k, s in l.param_shapes().items()}
    net.params = _match(net, read_arrays(npz_path, m["npz_sha256"], expected), npz_path)
    if net.n_params() != m["param_count"]:
        raise WeightsError(f"{manifest_path}: param_count {m['param_count']} but the arrays hold {net.n_params()}")
    return net, m


def probe(net, where):
    """Run `net` on real digits and full ink (probes.images) before anyone relies on it: every
    layer's values must be finite and the output ten probabilities. Finite but huge weights
    (3e38) pass the arrays' own checks and overflow only here. Raises WeightsError."""
    last = net.layers[-1]
    if net.shapes()[-1] != (10,) or last.activation != "softmax":
        raise WeightsError(f"{where}: the last layer must be 10 softmax outputs")
    with np.errstate(all="ignore"):                       # overflow is the finding, not a warning
        trace = net.forward(probes.images())
        for rec in trace.layers:
            if not (np.isfinite(rec.z).all() and np.isfinite(rec.a).all()):
                raise WeightsError(f"{where}: on real digits, layer {rec.name} gives values that are "
                                   f"not finite numbers (weights far too large?)")
    return trace


def _match(net, arrays, path):
    """arrays (names, shapes and dtype already checked by weightcheck.read_npz) -> params, finite."""
    params = {}
    for name, a in arrays.items():
        if not np.isfinite(a).all():
            raise WeightsError(f"{path}: {name} contains NaN or inf")
        layer, key = name.split(".")
        params.setdefault(layer, {})[key] = a
    return params
