"""One-click experiments for the page's editor: each is a small edit of one original file.

An edit is (find, replace) on the original source, so it cannot drift silently: when the file
changes and `find` is gone, `source` raises and the unit tests say which preset broke.
"""

PRESETS = [
    {"id": "tanh", "path": "digitlab/core/activations.py", "label": "ReLU → tanh",
     "explain": "Hidden units squash with tanh instead of cutting at 0. The weights were learned "
                "for ReLU, so the picture and the confidence shift.",
     "find": "def relu(z):\n    return np.maximum(z, 0)\n",
     "replace": "def relu(z):\n    return np.tanh(z)  # preset: was np.maximum(z, 0)\n"},
    {"id": "no-centring", "path": "digitlab/preprocess.py", "label": "no centring",
     "explain": "The network reads the whole pad shrunk to 28×28, as drawn: no crop, no scaling, "
                "no centring. Draw small or off to one side and watch it fail.",
     "find": "    a, scale = _check(img)\n    box = _bbox(a, scale)\n    if box is None:\n"
             "        return np.zeros((FIELD, FIELD), np.float32)\n",
     "replace": "    return downscale(img)  # preset: skip cropping, scaling and centring\n"
                "    a, scale = _check(img)\n    box = _bbox(a, scale)\n    if box is None:\n"
                "        return np.zeros((FIELD, FIELD), np.float32)\n"},
    {"id": "links-10", "path": "digitlab/viewmodel.py", "label": "only the strongest 10 links",
     "explain": "The diagram draws the 10 strongest signals into each dense layer instead of 48.",
     "find": "    links_per_layer: int = 48 ",
     "replace": "    links_per_layer: int = 10 "},
    {"id": "no-bias", "path": "digitlab/core/layers.py", "label": "dense layers without biases",
     "explain": "Dense layers compute z = x·W and drop the learned offsets b: how much do they matter?",
     "find": "        z = matmul(x, p[\"W\"])\n        add_bias(z, p[\"b\"])\n",
     "replace": "        z = matmul(x, p[\"W\"])\n        # add_bias(z, p[\"b\"])  # preset: no biases\n"},
]


def source(preset, original):
    """The preset's edited text of `original` (its file's original source)."""
    if original.count(preset["find"]) != 1:
        raise ValueError(f"preset {preset['id']!r}: its anchor is not found exactly once in "
                         f"{preset['path']}; update the preset to match the file")
    return original.replace(preset["find"], preset["replace"], 1)


def listing(originals):
    """[{id, path, label, explain, source}] for the page; originals: {path: original text}."""
    return [{k: p[k] for k in ("id", "path", "label", "explain")} | {"source": source(p, originals[p["path"]])}
            for p in PRESETS]
