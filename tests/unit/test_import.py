"""train.import (digitlab.web.features.train_io.import_) on hostile files, through the real loader.

Each case is a pair of files someone could pick in the page. The import must answer with one
{"error"} sentence, install nothing, and leave the model in use classifying as before; a
good pair is installed and gives the very probabilities of the network it was saved from.
"""

import hashlib
import io
import json
import tracemalloc
import zipfile

import numpy as np
import pytest

from digitlab import models, probes, weightcheck, weights
from digitlab.core import Network
from digitlab.web.features import train_io


def files(net, arch="x", edit=None):
    """The two files the page's Export writes for `net` -> (npz bytes, manifest text); edit(m)
    may change the manifest first (the sha256 stays that of the npz)."""
    data = weights.npz_bytes(net.params)
    m = weights.manifest_for(net, arch, hashlib.sha256(data).hexdigest())
    if edit:
        edit(m)
    return data, json.dumps(m)


def refused(app, data, text, words):
    """Import must give an error containing `words`, install nothing, and cnn must still classify."""
    before = dict(app.nets)
    res = train_io.import_(app, np.frombuffer(data, np.uint8), text, "hostile.npz")
    assert set(res) == {"error"} and words in res["error"], res
    assert set(app.nets) == set(before)
    x = probes.images()[:1]
    np.testing.assert_array_equal(app.model("cnn")[0].forward(x).probs, models.load("cnn").forward(x).probs)
    return res["error"]


def test_a_good_pair_is_installed_and_gives_its_networks_probabilities(app):
    net = models.load("cnn")
    res = train_io.import_(app, *files(net, "cnn"), "cnn.npz")
    assert res["name"] == "imported-1" and res["label"] == "cnn" and res["params"] == 80_202
    x = probes.images()
    np.testing.assert_array_equal(app.model("imported-1")[0].forward(x).probs, net.forward(x).probs)


def test_the_probe_digits_are_mnists_own_test_images(mnist_test):
    X, y = mnist_test
    np.testing.assert_array_equal(np.rint(probes.images()[:4] * 255), X[:4].reshape(4, 784))
    assert tuple(y[:4]) == probes.LABELS
    assert (probes.images()[4] == 1).all()


def set_layer(i, key, value):
    return lambda m: m["layers"][i].__setitem__(key, value)


def set_input(value):
    return lambda m: m["input"].__setitem__("shape", value)


@pytest.mark.parametrize("edit, words", [
    (set_layer(0, "activation", "swish"), "unknown activation 'swish'"),
    (set_layer(0, "activation", ["relu"]), "unknown activation"),
    (set_layer(0, "type", "lambda"), "unknown layer type 'lambda'"),
    (set_input("abc"), "input shape must be"),
    (set_input([784.0]), "input shape must be"),
    (set_input([True]), "input shape must be"),
    (set_input([28, 28]), "input shape must be"),
    (set_input(None), "input shape must be"),
    (set_layer(0, "out", "abc"), "h1.out must be a whole number"),
    (set_layer(0, "out", 25.0), "h1.out must be a whole number"),
    (set_layer(1, "in", True), "out.in must be a whole number"),
    (set_layer(0, "name", r"\href{javascript:alert(1)}{x}"), "layer name"),
    (set_layer(0, "name", "h1.W"), "layer name"),
    (set_layer(0, "name", "x" * 17), "layer name"),
    (set_layer(0, "onclick", "alert(1)"), "a dense layer has"),
    (lambda m: m.pop("npz_sha256"), "npz_sha256 is missing"),
    (lambda m: m.__setitem__("npz_sha256", None), "npz_sha256 is missing"),
    (lambda m: m.__setitem__("param_count", 7850.0), "param_count must be a whole number"),
    (lambda m: m.__setitem__("arch", {"x": 1}), "arch must be"),
    (lambda m: m["layers"].append(m["layers"][0]), "two layers have the same name"),
    (set_layer(1, "in", 11), "layer out takes 11 inputs, the layer before gives (10,)"),
    (lambda m: m.__setitem__("layers", [m["layers"][0]] * 33), "layers must be a list of 1-32"),
])
def test_a_hostile_manifest_gets_one_sentence(app, edit, words):
    net = Network.from_specs([{"type": "dense", "name": "h1", "in": 784, "out": 10, "activation": "relu"},
                              {"type": "dense", "name": "out", "in": 10, "out": 10, "activation": "softmax"}],
                             (784,))
    err = refused(app, *files(net, edit=edit), words)
    assert err.startswith("hostile.json: ")


def test_a_manifest_nested_100000_deep_is_refused_before_json_reads_it(app):
    data, _ = files(models.load("mlp-25-25"))
    refused(app, data, '{"format": "digitlab-weights", "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
            "nests deeper than")


def conv(name, k, c_in, c_out):
    return {"type": "conv2d", "name": name, "kernel": [k, k], "in_channels": c_in, "out_channels": c_out,
            "activation": "relu"}


def head(h, c):
    """Pool an (h, h, c) image to one pixel, flatten, and a softmax of 10."""
    return [{"type": "maxpool2d", "name": "pool", "size": h}, {"type": "flatten", "name": "flat"},
            {"type": "dense", "name": "out", "in": c, "out": 10, "activation": "softmax"}]


def test_a_1x1_conv_with_20000_channels_is_refused_for_its_activations(app):
    net = Network.from_specs([conv("wide", 1, 1, 20_000), *head(28, 20_000)], (28, 28, 1))
    refused(app, *files(net), "layer wide holds 15,680,000 values per image")


def test_a_network_costing_far_more_than_cnn_per_drawing_is_refused(app):
    net = Network.from_specs([conv("c1", 5, 1, 32), conv("c2", 1, 32, 150), conv("c3", 1, 150, 150),
                              *head(24, 150)], (28, 28, 1))
    assert net.n_params() < 40_000                       # small file, every activation under the cap
    refused(app, *files(net), "multiply-adds per drawing, the limit is 10,000,000")


def test_too_many_parameters_are_refused(app):
    net = Network.from_specs([{"type": "dense", "name": "h1", "in": 784, "out": 1300, "activation": "relu"},
                              {"type": "dense", "name": "out", "in": 1300, "out": 10, "activation": "softmax"}],
                             (784,), params={})
    net.params = {l.name: {k: np.zeros(s, np.float32) for k, s in l.param_shapes().items()} for l in net.layers}
    refused(app, *files(net), "parameters, the limit is 1,000,000")


def test_a_file_over_the_size_limit_is_refused_unread(app):
    data, text = files(models.load("mlp-25-25"))
    refused(app, data + bytes(weightcheck.MAX_NPZ_BYTES), text, "bytes, the limit is 5,000,000")


def bomb(net, n_bytes, name="h1.W"):
    """net's npz with `name` swapped for a deflated .npy of n_bytes zeros (float32, (n_bytes / 4,))."""
    buf, out = io.BytesIO(), io.BytesIO()
    np.lib.format.write_array(buf, np.zeros(n_bytes // 4, np.float32))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for layer, p in net.params.items():
            for key, a in p.items():
                if f"{layer}.{key}" != name:
                    one = io.BytesIO()
                    np.lib.format.write_array(one, a)
                    z.writestr(f"{layer}.{key}.npy", one.getvalue())
        z.writestr(f"{name}.npy", buf.getvalue())
    return out.getvalue()


def test_a_zip_bomb_is_refused_before_anything_is_unpacked(app):
    net = models.load("mlp-25-25")
    data = bomb(net, 256 << 20)                                  # 256 MB of zeros in ~330 KB
    assert len(data) < 400_000
    _, text = files(net, edit=lambda m: m.__setitem__(
        "npz_sha256", hashlib.sha256(data).hexdigest()))
    tracemalloc.start()
    try:
        refused(app, data, text, "h1.W unpacks to 268,435,")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 30 << 20, f"{peak / 2 ** 20:.0f} MB allocated"


def test_a_packed_all_zero_layer_within_its_size_is_read(app):
    """A layer zeroed (Break It) or pruned away packs ~1000:1 once compressed; it is a model, not a
    bomb: no entry is read past its declared size, and that size is checked against its shape."""
    net = Network.from_specs([{"type": "dense", "name": "h1", "in": 784, "out": 64, "activation": "relu"},
                              {"type": "dense", "name": "out", "in": 64, "out": 10, "activation": "softmax"}], (784,))
    net.params["h1"]["W"][:] = 0
    buf = io.BytesIO()
    np.savez_compressed(buf, **{f"{l}.{k}": v for l, p in net.params.items() for k, v in p.items()})
    data = buf.getvalue()
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("h1.W.npy")
    assert info.file_size > 500 * info.compress_size               # packed far beyond any fixed ratio
    _, text = files(net, edit=lambda m: m.__setitem__("npz_sha256", hashlib.sha256(data).hexdigest()))
    res = train_io.import_(app, np.frombuffer(data, np.uint8), text, "zeroed.npz")
    assert "error" not in res, res
    loaded = app.model(res["name"])[0]
    np.testing.assert_array_equal(loaded.params["h1"]["W"], 0)
    np.testing.assert_array_equal(loaded.params["out"]["W"], net.params["out"]["W"])


def test_finite_but_huge_weights_are_refused_on_real_digits(app):
    net = models.load("mlp-25-25").copy()
    net.params["h1"]["W"][:] = np.float32(3e38)
    assert train_io.import_(app, *files(net), "big.npz") == {
        "error": "big: on real digits, layer h1 gives values that are not finite numbers (weights far too large?)"}
    assert set(app.nets) <= set(models.ARCHS)


def test_an_unexpected_exception_still_gives_one_sentence(app, monkeypatch):
    monkeypatch.setattr(weights, "probe", lambda net, where: 1 / 0)
    res = train_io.import_(app, *files(models.load("mlp-25-25")), "m.npz")
    assert res == {"error": "m: not a model this page can read (ZeroDivisionError: division by zero)"}
    assert set(app.nets) <= set(models.ARCHS)


def test_sizes_are_refused_before_the_page_reads_the_files(app):
    """train.import_sizes: what the page asks with File.size before it reads either file."""
    assert train_io.import_sizes(app, 445_000, 3_000, "m.npz") == {}
    assert train_io.import_sizes(app, 2 ** 31, 3_000, "m.npz") == {
        "error": "m.npz: 2,147,483,648 bytes, the limit is 5,000,000"}
    assert train_io.import_sizes(app, 1_000, 2_000_000, "m.npz") == {
        "error": "m.json: 2,000,000 bytes, the limit is 1,000,000"}
