"""Break It's maths (digitlab.damage) and its page handlers (digitlab.web.features.damage).

Damaged networks are checked against forward passes written out here with plain numpy on the
shipped weights, so a wrong order of damage, a shared array or a missed bias shows up as a
mismatch, not as a number compared with itself.
"""

import io

import numpy as np
import pytest

from digitlab import damage, data, models
from digitlab.app import PAD
from digitlab.damage import Damage
from digitlab.web.features import damage as feature


@pytest.fixture(scope="module")
def mlp():
    return models.load("mlp-128-64")


@pytest.fixture(scope="module")
def cnn():
    return models.load("cnn-small")


@pytest.fixture(scope="module")
def images():
    X, y = data.load("test")
    return X[:200], y[:200].astype(np.int64)


def mlp_forward(params, x):
    """Reference MLP: relu hidden layers, softmax out. x (N, 784) -> (list of a per layer)."""
    acts, a = [], x
    names = list(params)
    for name in names:
        z = a @ params[name]["W"] + params[name]["b"]
        if name == names[-1]:
            e = np.exp(z - z.max(axis=1, keepdims=True))
            a = e / e.sum(axis=1, keepdims=True)
        else:
            a = np.maximum(z, 0)
        acts.append(a)
    return acts


def snapshot(net):
    return {n: {k: v.copy() for k, v in p.items()} for n, p in net.params.items()}


def x_of(images, n=32):
    return images[0][:n].reshape(n, 784).astype(np.float32) / 255


def test_the_shipped_weights_never_change(mlp):
    before = snapshot(mlp)
    hurt = damage.apply(mlp, Damage(bias=True, noise=2.0, layers=("h2",), neurons=("h1:3",)))
    for name, p in before.items():
        for k in p:
            np.testing.assert_array_equal(mlp.params[name][k], p[k])
            assert not np.shares_memory(hurt.params[name][k], mlp.params[name][k])


def test_no_damage_is_the_same_network(mlp, images):
    x = x_of(images)
    np.testing.assert_array_equal(damage.apply(mlp, Damage()).predict_proba(x), mlp.predict_proba(x))


def test_biases_off_matches_a_forward_without_biases(mlp, images):
    x = x_of(images)
    ref = {n: {"W": p["W"], "b": np.zeros_like(p["b"])} for n, p in mlp.params.items()}
    got = damage.apply(mlp, Damage(bias=True)).forward(x)
    for rec, a in zip(got.layers, mlp_forward(ref, x)):
        np.testing.assert_allclose(rec.a, a, rtol=1e-5, atol=1e-5)


def test_a_zeroed_layer_passes_on_only_its_bias(mlp, images):
    x = x_of(images)
    trace = damage.apply(mlp, Damage(layers=("h2",))).forward(x)
    want = np.maximum(mlp.params["h2"]["b"], 0)
    np.testing.assert_allclose(trace["h2"].a, np.broadcast_to(want, trace["h2"].a.shape))
    # ... so every drawing gets the same answer
    assert np.ptp(trace.probs, axis=0).max() < 1e-6


def test_noise_is_reproducible_scaled_and_relative_to_each_layer(mlp):
    a = damage.apply(mlp, Damage(noise=0.5))
    b = damage.apply(mlp, Damage(noise=0.5))
    c = damage.apply(mlp, Damage(noise=1.0))
    for name, p in mlp.params.items():
        np.testing.assert_array_equal(a.params[name]["W"], b.params[name]["W"])
        d_half = a.params[name]["W"] - p["W"]
        d_one = c.params[name]["W"] - p["W"]
        np.testing.assert_allclose(d_one, 2 * d_half, rtol=1e-3, atol=1e-6)    # same pattern, scaled
        E = damage.unit_noise(mlp, name)                                        # sigma = 1 x the layer's std
        np.testing.assert_allclose(d_one, float(p["W"].std()) * E, rtol=1e-3, atol=1e-5)
        assert np.std(E) == pytest.approx(1, abs=4 / np.sqrt(2 * E.size)) and abs(np.mean(E)) < 4 / np.sqrt(E.size)
        np.testing.assert_array_equal(a.params[name]["b"], p["b"])             # weights only


def test_more_noise_costs_accuracy(mlp, images):
    X, y = images
    healthy = damage.correct(mlp, X, y)
    broken = damage.correct(damage.apply(mlp, Damage(noise=damage.NOISE_MAX)), X, y)
    assert healthy > 0.9 * len(y) and broken < healthy - 0.1 * len(y), (healthy, broken)


def test_correct_counts_like_argmax(cnn, images):
    X, y = images
    probs = cnn.predict_proba(X.astype(np.float32) / 255)
    assert damage.correct(cnn, X, y, batch=64) == int((probs.argmax(1) == y).sum())


def test_a_neuron_off_is_silent_and_the_rest_unchanged(mlp, images):
    x = x_of(images)
    healthy, hurt = mlp.forward(x), damage.apply(mlp, Damage(neurons=("h1:5",))).forward(x)
    assert np.all(hurt["h1"].a[:, 5] == 0) and np.any(healthy["h1"].a[:, 5] > 0)
    others = np.arange(128) != 5
    np.testing.assert_array_equal(hurt["h1"].a[:, others], healthy["h1"].a[:, others])


def test_a_conv_channel_off_silences_its_map_and_its_features(cnn, images):
    x = images[0][:8].astype(np.float32) / 255
    hurt = damage.apply(cnn, Damage(neurons=("conv2:3",))).forward(x)
    assert np.all(hurt["conv2"].a[..., 3] == 0)
    flat = hurt["flat"].a.reshape(8, 5, 5, 16)
    assert np.all(flat[..., 3] == 0) and np.any(flat[..., 4] > 0)


@pytest.mark.parametrize("node, unit", [
    ("h1:7", ("h1", 7)), ("conv1:2", None), ("flat:0", None), ("out:3", None), ("in:5", None),
    ("h9:1", None), ("h1:128", None), ("h1:-1", None), ("h1", None), ("<img>", None)])
def test_which_mlp_nodes_can_be_switched_off(mlp, node, unit):
    assert damage.switchable(mlp, node) == unit


@pytest.mark.parametrize("node, unit", [
    ("conv1:2", ("conv1", 2)), ("pool1:2", ("conv1", 2)), ("pool2:15", ("conv2", 15)),
    ("flat:0", ("conv2", 0)), ("flat:17", ("conv2", 1)), ("flat:399", ("conv2", 15)), ("flat:400", None),
    ("fc1:63", ("fc1", 63)), ("out:0", None), ("conv1:8", None)])
def test_cnn_tiles_and_features_name_their_conv_channel(cnn, node, unit):
    assert damage.switchable(cnn, node) == unit


def test_parse_keeps_what_is_valid_and_names_the_rest(mlp):
    d, rejected = damage.parse({"bias": True, "noise": 0.73, "layers": ["out", "h1", "conv1", "h1"],
                                "neurons": ["h2:1", "out:0", "h2:1", "<script>"]}, mlp)
    assert d == Damage(True, 0.73, ("h1", "out"), ("h2:1",))
    assert any("conv1" in r for r in rejected) and any("out:0" in r for r in rejected)
    assert any("<script>" in r for r in rejected)


@pytest.mark.parametrize("state", [None, [], "x", {"bias": "yes"}, {"noise": float("nan")},
                                   {"noise": "1"}, {"noise": True}, {"layers": "h1"}, {"neurons": [1, 2]}])
def test_parse_never_raises_on_junk(mlp, state):
    d, _ = damage.parse(state, mlp)
    assert d.bias in (False,) and d.noise == 0.0 and d.layers == () and d.neurons == ()


def test_parse_clips_noise_and_caps_neurons(mlp):
    assert damage.parse({"noise": 99}, mlp)[0].noise == damage.NOISE_MAX
    assert damage.parse({"noise": -1}, mlp)[0].noise == 0.0
    many = [f"h1:{i}" for i in range(100)]
    assert len(damage.parse({"neurons": many}, mlp)[0].neurons) == damage.MAX_NEURONS


# ---- the page's handlers, on the page's own App (tests/unit/conftest.py) -----------------------

def test_set_installs_a_copy_and_an_empty_state_restores_the_shipped_network(app):
    shipped = app.model("mlp-25-25")[0]
    out = feature.set_damage(app, model="mlp-25-25", state={"bias": True, "layers": ["h2"]})
    assert out["active"] and out["state"]["layers"] == ["h2"] and out["layers"] == ["h1", "h2", "out"]
    running = app.model("mlp-25-25")[0]
    assert running is not shipped and np.all(running.params["h2"]["W"] == 0)
    assert np.any(shipped.params["h2"]["W"] != 0)
    # more damage is made from the healthy network, never stacked on the damaged one
    feature.set_damage(app, model="mlp-25-25", state={"noise": 0.5})
    assert np.any(app.model("mlp-25-25")[0].params["h2"]["W"] != 0)
    out = feature.set_damage(app, model="mlp-25-25", state={})
    assert not out["active"] and app.model("mlp-25-25")[0] is shipped


def test_switching_models_moves_the_damage_and_heals_the_old_model(app):
    feature.set_damage(app, model="mlp-25-25", state={"bias": True, "neurons": ["h1:1"]})
    out = feature.set_damage(app, model="cnn-small", state={"bias": True, "neurons": ["h1:1"]})
    assert out["state"] == {"bias": True, "noise": 0.0, "layers": [], "neurons": [], "prune": 0.0,
                            "prune_global": False, "scales": {}, "temperature": 1.0}
    assert app.model("mlp-25-25")[0] is app.shipped["mlp-25-25"]
    assert np.all(app.model("cnn-small")[0].params["fc1"]["b"] == 0)


def test_accuracy_chunks_add_up_and_damage_lowers_them(app, images):
    X, y = images
    buf = io.BytesIO()
    np.savez_compressed(buf, x=X, y=y.astype(np.uint8))
    assert feature.load_evalset(app, data=memoryview(buf.getvalue())) == {"n": len(y)}
    name = "mlp-25-25"

    def total(which):
        return sum(feature.accuracy(app, model=name, which=which, start=s, stop=s + 64)["correct"]
                   for s in range(0, len(y), 64))
    before = total("healthy")
    assert before == damage.correct(app.model(name)[0], X, y)
    assert total("damaged") == before                                   # nothing damaged yet
    feature.set_damage(app, model=name, state={"noise": damage.NOISE_MAX})
    assert total("damaged") < before and total("healthy") == before


def test_the_evalset_file_is_rejected_when_malformed(app):
    buf = io.BytesIO()
    np.savez(buf, x=np.zeros((3, 28, 28), np.float32), y=np.zeros(3, np.uint8))
    with pytest.raises(ValueError):
        feature.load_evalset(app, data=buf.getvalue())


def test_compare_draws_the_healthy_network_on_the_pad(app, seven):
    app.pad[:] = seven.reshape(-1)
    feature.set_damage(app, model="mlp-25-25", state={"layers": ["h1"]})
    out = feature.compare(app, model="mlp-25-25", layout=True, damaged=True)
    assert out["layout"]["layers"] and out["healthy"]["view"]["nodes"]["ids"]
    assert out["healthy"]["prediction"]["digit"] == 7                   # test image 0 is a 7
    healthy, hurt = out["healthy"]["probs"], out["damaged"]["probs"]
    assert not np.allclose(healthy, hurt)


def test_the_panels_are_the_main_update_of_the_same_network(app, seven):
    """Undamaged, both panels are exactly what the page's own update draws."""
    app.pad[:] = seven.reshape(-1)
    main = app.update("cnn-small")
    out = feature.compare(app, model="cnn-small", damaged=True)
    for panel in (out["healthy"], out["damaged"]):
        assert panel["prediction"] == main["prediction"] and panel["percent"] == main["percent"]
        np.testing.assert_array_equal(panel["probs"], main["probs"])
        for table in ("nodes", "links"):
            assert panel["view"][table]["ids"] == main["view"][table]["ids"]
            np.testing.assert_array_equal(panel["view"][table]["data"], main["view"][table]["data"])
        assert set(panel["images"]) == set(main["images"]) - {"input", "drawn"}
        for k, v in panel["images"].items():
            np.testing.assert_array_equal(v, main["images"][k])


@pytest.mark.parametrize("model", ["mlp-25-25", "cnn-small"])
def test_the_panels_doubt_a_tiny_drawing_like_the_main_update(app, model):
    """A dot scaled up to 20 px reads as a confident digit; the page says "too small" instead, and
    so must both Break It panels (they used to skip the doubt)."""
    app.pad.reshape(PAD, PAD)[130:150, 135:150] = 255                  # 2 x 1.5 px of the 28 x 28 pad
    main = app.update(model)
    assert main["prediction"]["state"] == "unsure" and main["prediction"]["reason"] == "small"
    feature.set_damage(app, model=model, state={"noise": 0.5})
    out = feature.compare(app, model=model, damaged=True)
    for panel in (out["healthy"], out["damaged"]):
        assert panel["prediction"]["state"] == "unsure" and panel["prediction"]["reason"] == "small"
    assert out["healthy"]["prediction"] == main["prediction"]


# ---- Break It, deeper: pruning, a neuron's scale, the softmax's temperature -------------------

def test_pruning_per_layer_zeroes_the_smallest_share_of_each_layer(mlp):
    hurt = damage.apply(mlp, Damage(prune=0.5))
    for name, p in mlp.params.items():
        W, cut = hurt.params[name]["W"], np.sort(np.abs(p["W"]).ravel())[p["W"].size // 2 - 1]
        assert (W == 0).mean() == pytest.approx(0.5, abs=0.01)
        kept = np.abs(p["W"]) > cut
        np.testing.assert_array_equal(W[kept], p["W"][kept])       # the large ones untouched
        np.testing.assert_array_equal(hurt.params[name]["b"], p["b"])


def test_pruning_over_the_whole_network_ranks_every_weight_together(mlp):
    everything = np.concatenate([np.abs(p["W"]).ravel() for p in mlp.params.values()])
    cut = np.sort(everything)[int(round(0.7 * everything.size)) - 1]
    hurt = damage.apply(mlp, Damage(prune=0.7, prune_global=True))
    for name, p in mlp.params.items():
        np.testing.assert_array_equal(hurt.params[name]["W"] == 0, np.abs(p["W"]) <= cut)
    shares = [(hurt.params[n]["W"] == 0).mean() for n in mlp.params]
    assert max(shares) - min(shares) > 0.05          # layers lose different shares, unlike per layer


def test_pruning_nothing_changes_nothing_and_much_costs_accuracy(mlp, images):
    X, y = images
    assert damage.Damage(prune=0.0).empty
    same = damage.apply(mlp, Damage(prune=0.0))
    np.testing.assert_array_equal(same.predict_proba(x_of(images)), mlp.predict_proba(x_of(images)))
    assert damage.correct(damage.apply(mlp, Damage(prune=0.97)), X, y) < damage.correct(mlp, X, y) - 20


def test_a_neuron_scale_multiplies_its_output_and_nothing_else(mlp, images):
    x = x_of(images)
    hurt = damage.apply(mlp, Damage(scales=(("h1:5", 1.7), ("h2:0", 0.0))))
    p = mlp.params
    a1 = np.maximum(x @ p["h1"]["W"] + p["h1"]["b"], 0)
    a1[:, 5] *= 1.7
    a2 = np.maximum(a1 @ p["h2"]["W"] + p["h2"]["b"], 0)
    a2[:, 0] = 0
    z = a2 @ p["out"]["W"] + p["out"]["b"]
    e = np.exp(z - z.max(axis=1, keepdims=True))
    np.testing.assert_allclose(hurt.predict_proba(x), e / e.sum(axis=1, keepdims=True), atol=1e-5)


def test_a_conv_channel_scale_scales_its_map_through_pooling_and_flattening(cnn, images):
    x = x_of(images, 8).reshape(8, 28, 28, 1)
    last_conv = [l.name for l in cnn.layers if l.kind == "conv2d"][-1]
    hurt = damage.apply(cnn, Damage(scales=((f"{last_conv}:2", 0.5),)))
    a = x                                   # the healthy layers, run one by one, channel 2 halved
    for layer in cnn.layers:
        a = layer.forward(cnn.params.get(layer.name, {}), a)[1]
        if layer.name == last_conv:
            a = a.copy()
            a[..., 2] *= 0.5
    np.testing.assert_allclose(hurt.predict_proba(x), a, atol=1e-5)
    assert np.abs(hurt.forward(x).layers[-1].z - cnn.forward(x).layers[-1].z).max() > 0.1


def test_temperature_is_softmax_of_logits_over_t_and_keeps_every_answer(mlp, images):
    x = x_of(images)
    z = mlp.forward(x).layers[-1].z
    hurt = damage.apply(mlp, Damage(temperature=3.0))
    e = np.exp((z - z.max(axis=1, keepdims=True)) / 3.0)
    np.testing.assert_allclose(hurt.predict_proba(x), e / e.sum(axis=1, keepdims=True), atol=1e-5)
    np.testing.assert_array_equal(hurt.predict_proba(x).argmax(1), mlp.predict_proba(x).argmax(1))


def test_parse_checks_the_new_fields_and_old_states_still_read(mlp):
    old, rejected = damage.parse({"bias": True, "noise": 0.5, "layers": [], "neurons": ["h1:1"]}, mlp)
    assert rejected == [] and old.prune == 0 and old.temperature == 1.0 and old.scales == ()
    d, rejected = damage.parse({"prune": 1.5, "prune_global": True, "temperature": 0.0,
                                "scales": {"h1:2": 3.0, "h2:1": 1.0, "out:1": 0.5, "h1:0": "x"}}, mlp)
    assert (d.prune, d.prune_global, d.temperature) == (damage.PRUNE_MAX, True, 0.1)
    assert d.scales == (("h1:2", 2.0),)                 # clipped; a factor of 1 is no damage
    assert rejected == ["scale 'out:1'=0.5", "scale 'h1:0'='x'"]
    assert damage.parse({"prune_global": "yes", "scales": [1]}, mlp)[1] == ["prune_global='yes'", "scales [1]"]
