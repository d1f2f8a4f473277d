"""The committed weights: each loads, is the declared architecture, and reaches its accuracy
on the real 10k MNIST test set (evaluation only; nothing is retrained)."""

import json
import subprocess
import sys

import numpy as np
import pytest

from digitlab import data, models
from digitlab.core.metrics import evaluate

TARGETS = {"mlp-25-25": 0.970, "mlp-128-64": 0.983, "mlp-128-64-32": 0.983, "cnn-small": 0.990, "cnn": 0.995}


@pytest.fixture(scope="module")
def test_set():
    X, y = data.load("test")
    return X.astype(np.float32) / 255, y


@pytest.mark.parametrize("name", list(models.ARCHS))
def test_shipped_accuracy(name, test_set):
    net, manifest = models.load_with_manifest(name)
    assert net.specs() == models.build(name).specs(), "weights are not the declared architecture"
    result = evaluate(net, *test_set)
    assert result["accuracy"] >= TARGETS[name], f"{name}: {result['accuracy']:.4f} < {TARGETS[name]}"
    # The manifest reports what this code measures now.
    assert abs(manifest["test_accuracy"] - result["accuracy"]) < 1e-9
    assert np.sum(manifest["confusion"]) == 10_000
    assert manifest["history"] and manifest["training"]["epochs"] == len(manifest["history"])


def test_cnn_small_weights_are_small():
    from digitlab.models import weights_dir
    assert (weights_dir() / "cnn-small.npz").stat().st_size <= 120 * 1024


def test_cli_evaluate_json():
    out = subprocess.run([sys.executable, "-m", "digitlab", "evaluate", "--arch", "mlp-25-25", "--json"],
                         capture_output=True, text=True, check=True).stdout
    report = json.loads(out)["models"]["mlp-25-25"]
    assert report["params"] == 20_535 and report["accuracy"] >= TARGETS["mlp-25-25"]


def test_cli_reports_bad_weights_clearly(tmp_path):
    run = subprocess.run([sys.executable, "-m", "digitlab", "evaluate", "--arch", "cnn", "--weights", str(tmp_path)],
                         capture_output=True, text=True)
    assert run.returncode == 1
    assert "cnn.json: manifest file is missing" in run.stderr
