"""CNNs in the page's training run (issue #17): the set-up text, its checks before any weight
exists, and the same weights as the offline trainer step for step."""

import numpy as np
import pytest

from digitlab import models, train_arch
from digitlab.core.train import Trainer, TrainConfig
from digitlab.train_session import SetupError

from test_train_driver import blobs, session_with_data


def test_the_preset_is_cnn_small_layer_for_layer_and_weight_for_weight():
    net = train_arch.build("cnn-small", "999", "junk", seed=3)     # the preset ignores both fields
    ref = models.cnn_small(seed=3)
    assert net.specs() == ref.specs() and net.n_params() == 27_690
    for layer, p in ref.params.items():
        for k, w in p.items():
            np.testing.assert_array_equal(net.params[layer][k], w)


def test_custom_conv_text_builds_the_layers_it_says():
    net = train_arch.build("cnn", "32", "4@3, pool, 6@5", seed=0)
    kinds = [(l.kind, l.name) for l in net.layers]
    assert kinds == [("conv2d", "conv1"), ("maxpool2d", "pool1"), ("conv2d", "conv2"), ("flatten", "flat"),
                     ("dense", "fc1"), ("dense", "out")]
    assert net.params["conv2"]["W"].shape == (5, 5, 4, 6)
    assert net.params["fc1"]["W"].shape == (9 * 9 * 6, 32)            # 28 -> 26 -> 13 -> 9
    assert train_arch.name("cnn", "32", "4@3, pool, 6@5") == "4@3-pool-6@5-32-10"


@pytest.mark.parametrize("conv, key", [
    ("8@5, pool, 16@5, pool, 16@5", "convMap"),      # 28 -> 24 -> 12 -> 8 -> 4: a 5x5 kernel on 4x4
    ("0@5", "convFilters"), ("33@3", "convFilters"), ("8@4", "convKernel"), ("8@five", "convText"),
    ("eight", "convText"), ("pool, 8@5", "convPool"), ("8@5, pool, pool", "convPool"), ("", "convCount"),
    ("4@3, 4@3, 4@3, 4@3, 4@3", "convCount"), ("32@3", "convBig"),
])
def test_bad_conv_setups_are_named_before_anything_is_built(conv, key):
    s = session_with_data()
    s.configure({"arch": "mlp"})
    net = s.net
    with pytest.raises(SetupError) as e:
        s.configure({"arch": "cnn", "conv": conv})
    assert e.value.key == key and str(e.value)
    assert s.net is net and s.settings["arch"] == "mlp"                 # nothing changed


def test_text_in_a_number_field_is_refused():
    s = session_with_data()
    for bad in ({"layers": "64, abc", "arch": "cnn"}, {"batch": "lots"}, {"lr": "fast"}):
        with pytest.raises(SetupError):
            s.configure(bad)


def test_a_page_step_gives_the_offline_trainers_weights_for_the_same_batches():
    s = session_with_data()
    s.configure({"arch": "cnn-small", "batch": 16, "lr": 3e-3})
    assert s.arch() == "cnn-small" and s.driver.eval_chunk == 50           # a chunk costs about a step
    X, y = blobs(400, 9)
    X = X.clip(0, 1)
    batches = [(X[i:i + 16], y[i:i + 16]) for i in range(0, 64, 16)]
    offline = models.cnn_small(seed=0)                                   # the session's first seed
    trainer = Trainer(offline, X, y, TrainConfig(optimizer="adam", lr=3e-3, batch_size=16, augment=False,
                                                 schedule="constant"))
    for batch in batches:
        s.driver.step_once(batch)
        trainer.step(batch)
    assert s.driver.iteration == trainer.iteration == 4
    for layer, p in offline.params.items():
        for k, w in p.items():
            np.testing.assert_allclose(s.net.params[layer][k], w, rtol=1e-5, atol=1e-6)
    assert not np.allclose(s.net.params["conv1"]["W"], models.cnn_small(seed=0).params["conv1"]["W"])


def test_the_page_handlers_answer_a_bad_setup_and_draw_kernels():
    from digitlab.web.features import train_kernels, training

    class App:
        features = {}
        def put(self, name, net):
            self.installed = name
    app = App()
    training.session(app).data = session_with_data().data
    bad = training.config(app, arch="cnn", conv="8@7")
    assert bad["error"] == "convKernel" and bad["params"] == {"k": 7}
    assert training.config(app, arch="cnn-small")["rebuilt"]
    layers = train_kernels.kernels(app)["layers"]
    assert [(l["id"], l["filters"], l["h"], l["w"]) for l in layers] == [("conv1", 8, 5, 5), ("conv2", 16, 3, 24)]
    assert layers[0]["rgba"].size == 8 * 5 * 5 * 4
    step = training.step(app, detail=True)
    assert [r["id"] for r in step["layers"]][:3] == ["in", "conv1", "pool1"] and step["layers"][2]["weights"] is False


def test_the_channel_major_conv_of_pyodide_gives_the_blas_paths_numbers(monkeypatch):
    """Pyodide runs Conv2D through core.convcols (no BLAS there); CPython through im2col and `@`.
    Both must give the same probabilities, weight gradients and input gradient."""
    from digitlab.core import layers
    net = train_arch.build("cnn", "16", "4@3, pool, 6@5", seed=2)
    rng = np.random.default_rng(4)
    X, y = rng.random((5, 28, 28), dtype=np.float32), rng.integers(0, 10, 5)
    out = {}
    for wasm in (False, True):
        monkeypatch.setattr(layers, "WASM", wasm)
        trace = net.forward(X)
        grads, _ = net.grads_and_loss(trace, y)
        out[wasm] = trace.probs, grads, net.input_gradient(trace, np.eye(10, dtype=np.float32)[y])
    np.testing.assert_allclose(out[True][0], out[False][0], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(out[True][2], out[False][2], rtol=1e-4, atol=1e-7)
    for layer, g in out[False][1].items():
        for k, v in g.items():
            np.testing.assert_allclose(out[True][1][layer][k], v, rtol=1e-4, atol=1e-6)
