"""Weights files: round trip, and every kind of damage gives one clear WeightsError."""

import hashlib
import json
import shutil

import numpy as np
import pytest

from digitlab import models, weights
from digitlab.weights import WeightsError


@pytest.fixture
def saved(tmp_path):
    net = models.build("cnn-small", seed=7)
    weights.save(net, "cnn-small", tmp_path, {"test_accuracy": 0.5})
    return net, tmp_path / "cnn-small.npz", tmp_path / "cnn-small.json"


def test_round_trip(saved):
    net, npz, js = saved
    back, manifest = weights.load(npz)
    assert back.specs() == net.specs()
    assert manifest["param_count"] == 27_690 and manifest["test_accuracy"] == 0.5
    assert manifest["input"]["shape"] == [28, 28, 1]
    x = np.random.default_rng(0).random((2, 28, 28), dtype=np.float32)
    np.testing.assert_array_equal(back.predict_proba(x), net.predict_proba(x))
    for layer in manifest["layers"]:
        if "params" in layer:
            assert layer["params"]["W"] == list(net.params[layer["name"]]["W"].shape)


def test_npz_has_no_pickles(saved):
    _, npz, _ = saved
    with np.load(npz, allow_pickle=False) as z:
        assert all(z[k].dtype == np.float32 for k in z.files)


def test_missing_npz(saved):
    _, npz, _ = saved
    npz.unlink()
    with pytest.raises(WeightsError, match=r"cnn-small\.npz: weights file is missing"):
        weights.load(npz)


def test_missing_manifest(saved):
    _, npz, js = saved
    js.unlink()
    with pytest.raises(WeightsError, match=r"cnn-small\.json: manifest file is missing"):
        weights.load(npz)


def test_truncated_npz_fails_the_hash(saved):
    _, npz, _ = saved
    npz.write_bytes(npz.read_bytes()[:5000])
    with pytest.raises(WeightsError, match=r"cnn-small\.npz: sha256 is"):
        weights.load(npz)


def test_truncated_npz_with_matching_hash_is_unreadable(saved):
    _, npz, js = saved
    npz.write_bytes(npz.read_bytes()[:5000])
    m = json.loads(js.read_text())
    m["npz_sha256"] = hashlib.sha256(npz.read_bytes()).hexdigest()
    js.write_text(json.dumps(m))
    with pytest.raises(WeightsError, match=r"cnn-small\.npz: cannot read the arrays"):
        weights.load(npz)


def test_wrong_hash(saved):
    _, npz, js = saved
    m = json.loads(js.read_text())
    m["npz_sha256"] = "0" * 64
    js.write_text(json.dumps(m))
    with pytest.raises(WeightsError, match="manifest expects 000000000000"):
        weights.load(npz)


def test_wrong_shape(saved, tmp_path):
    net, npz, js = saved
    m = json.loads(js.read_text())
    m["layers"][5]["out"] = m["layers"][6]["in"] = 65   # fc1 claims 65 outputs; the array has 64
    js.write_text(json.dumps(m))
    with pytest.raises(WeightsError, match=r"fc1\.W has shape \(400, 64\), the manifest says \(400, 65\)"):
        weights.load(npz)


def test_layers_that_do_not_fit_together(saved):
    _, npz, js = saved
    m = json.loads(js.read_text())
    m["layers"][5]["in"] = 401  # fc1 claims 401 inputs; flatten gives 400
    js.write_text(json.dumps(m))
    with pytest.raises(WeightsError, match=r"cnn-small\.json: .*fc1 takes 401 inputs, the layer before gives \(400,\)"):
        weights.load(npz)


def test_arrays_from_another_model(saved, tmp_path):
    _, npz, js = saved
    other = tmp_path / "other"
    weights.save(models.build("mlp-25-25"), "mlp-25-25", other)
    shutil.copy(other / "mlp-25-25.npz", npz)
    m = json.loads(js.read_text())
    m["npz_sha256"] = hashlib.sha256(npz.read_bytes()).hexdigest()
    js.write_text(json.dumps(m))
    with pytest.raises(WeightsError, match="array 'conv1.W' is missing"):
        weights.load(npz)


def test_not_json_and_wrong_version(saved):
    _, npz, js = saved
    good = js.read_text()
    js.write_text("{not json")
    with pytest.raises(WeightsError, match="not valid JSON"):
        weights.load(npz)
    m = json.loads(good)
    m["format_version"] = 99
    js.write_text(json.dumps(m))
    with pytest.raises(WeightsError, match="format version 99"):
        weights.load(npz)


def test_unknown_model_name():
    with pytest.raises(KeyError, match="unknown model 'nope'"):
        models.load("nope")
