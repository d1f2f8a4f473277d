"""digitlab.web.live in CPython: applying edits to the running package, errors, rollback, the guard.

Edits go through the page's own App (digitlab.app, the `app` fixture in conftest.py): it rebuilds
its networks on every swap and runs the page's whole update, checks on while an edit runs, and
tells of rollbacks through on_rollback. Each test restores every digitlab module object and
attribute it found, so other test files are untouched.
"""

import sys
import time

import numpy as np
import pytest

import digitlab.core
import digitlab.core.activations
import digitlab.core.layers
import digitlab.preprocess
import digitlab.viewmodel
from digitlab import models
from digitlab.web import checks, live, presets
from digitlab.web import guard
from digitlab.web.guard import Overtime

ACT, PRE, LAYERS, VIEW = (checks.ACT, checks.PRE, checks.LAYERS, checks.VIEW)


@pytest.fixture(autouse=True)
def pristine():
    """Put back the exact module objects and attributes of the digitlab package afterwards."""
    mods = {n: m for n, m in sys.modules.items() if n.startswith("digitlab")}
    attrs = {n: dict(vars(m)) for n, m in mods.items()}
    yield
    for n, m in mods.items():
        sys.modules[n] = m
        d = vars(m)
        for k in set(d) - set(attrs[n]):
            del d[k]
        d.update(attrs[n])


ARCH = "mlp-25-25"


def apply(app, path, text, arch=ARCH):
    """The editor's apply, as the page calls it. -> {ok, version, error, source}."""
    return app.edit_apply(path, text, arch)


def run(app, img, arch=ARCH):
    """One update of `img` drawn on the pad -> (x (28, 28) the network's input, probs (10,), view)."""
    app.pad[:] = img.reshape(-1)
    out = app.update(arch)
    return out["input"].reshape(28, 28), out["probs"], out["view"]


def n_links(view):
    return len(view["links"]["ids"].split("\n")) if view["links"]["ids"] else 0


def edit(path, old, new):
    text = live.Live().entries[path].original
    assert text.count(old) == 1, (path, old)
    return text.replace(old, new)


def line_of(text, needle):
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def relu_ref(net, x, f):
    """CPython reference: the same network with `f` in place of ReLU, computed by hand."""
    a = x.reshape(1, 784).astype(np.float32)
    for layer in net.layers:
        z = a @ net.params[layer.name]["W"] + net.params[layer.name]["b"]
        a = f(z) if layer.activation == "relu" else np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    return a[0]


IMG = checks.probe_image()


def test_sources_are_the_files_the_package_runs():
    reg = live.Live()
    assert set(reg.entries) == set(live.FILES)
    for path, name in live.FILES.items():
        with open(sys.modules[name].__file__, encoding="utf-8") as f:
            text = f.read()
        assert reg.info(path) == {"path": path, "original": text, "source": text, "edited": False}
    assert not reg.active


@pytest.mark.parametrize("arch", ["mlp-25-25", "cnn-small"])
def test_relu_edit_changes_the_forward_pass_like_cpython(app, arch, monkeypatch):
    before = run(app, IMG, arch)
    with monkeypatch.context() as m:      # the reference: the original code, ReLU swapped by hand
        m.setitem(digitlab.core.activations.ACTIVATIONS, "relu", (np.tanh, None))
        want = app.model(arch)[0].forward(before[0].reshape(1, 784)).probs[0]
    res = apply(app, ACT, edit(ACT, "return np.maximum(z, 0)", "return np.tanh(z)"), arch)
    assert res["ok"] and res["version"] == 1 and res["error"] is None
    x, probs, _ = run(app, IMG, arch)
    np.testing.assert_array_equal(x, before[0])
    np.testing.assert_allclose(probs, want, atol=1e-6)
    assert not np.allclose(probs, before[1], atol=1e-4)
    if arch.startswith("mlp"):
        np.testing.assert_allclose(probs, relu_ref(app.model(arch)[0], x, np.tanh), atol=1e-6)
    # every holder of the old module now sees the new one
    new = sys.modules["digitlab.core.activations"]
    assert digitlab.core.layers.act is new and sys.modules["digitlab.core.network"].act is new
    assert digitlab.core.activations is new and app.live.active


def test_syntax_error_reports_its_line_and_keeps_the_running_version(app):
    old = sys.modules["digitlab.core.activations"]
    text = edit(ACT, "return np.maximum(z, 0)", "return np.maximum(z, 0")
    res = apply(app, ACT, text)
    assert not res["ok"] and res["version"] == 0
    err = res["error"]
    assert err["when"] == "syntax" and err["path"] == ACT and "SyntaxError" in err["message"]
    assert err["line"] in (line_of(text, "np.maximum(z, 0"), line_of(text, "np.maximum(z, 0") + 1)
    assert sys.modules["digitlab.core.activations"] is old and not app.live.active


def test_exception_on_import_shows_the_line(app):
    text = edit(PRE, "FIELD = 28 ", "FIELD = 28 // 0 ")
    err = apply(app, PRE, text)["error"]
    assert err["when"] == "import" and err["line"] == line_of(text, "FIELD = 28 // 0")
    assert "ZeroDivisionError" in err["message"] and "preprocess.py" in err["traceback"]
    assert "edited:" not in err["traceback"]


@pytest.mark.parametrize("path, old, new, word", [
    (ACT, "def apply(name, z):", "def apply_(name, z):", "apply"),
    (LAYERS, "class Dense(Layer):", "class Dense2(Layer):", "Dense"),
    (PRE, "def to_mnist(img):", "def to_mnist2(img):", "to_mnist"),
])
def test_an_edit_must_keep_what_others_use(app, path, old, new, word):
    err = apply(app, path, edit(path, old, new))["error"]
    assert err["when"] == "import" and word in err["message"]
    assert not app.live.active


def test_wrong_return_shape_is_caught_on_apply_and_rolled_back(app):
    old = sys.modules["digitlab.preprocess"]
    res = apply(app, PRE, edit(PRE, "    return _paste(scaled, oy + dy, ox + dx)\n\n\ndef _unit",
                              "    return _paste(scaled, oy + dy, ox + dx)[:27]\n\n\ndef _unit"))
    assert not res["ok"] and res["error"]["when"] == "check"
    assert "to_mnist returned shape (27, 28)" in res["error"]["message"]
    assert "app.py" not in res["error"]["traceback"]     # the update's own frames are machinery
    assert sys.modules["digitlab.preprocess"] is old and digitlab.viewmodel is sys.modules["digitlab.viewmodel"]


@pytest.mark.filterwarnings("ignore:invalid value encountered in log:RuntimeWarning")
def test_activation_with_wrong_type_shape_or_nan_is_refused(app):
    for new, words in [("return list(np.maximum(z, 0))", "list"), ("return np.log(z)", "NaN"),
                       ("return np.maximum(z, 0)[:, :1]", "activations.apply('relu', z) returned shape (2, 1, 4)")]:
        err = apply(app, ACT, edit(ACT, "return np.maximum(z, 0)", new))["error"]
        assert err["when"] == "check" and words in err["message"], err
    assert not app.live.active


def test_exception_during_a_later_update_rolls_back_to_the_last_working_version(app, heard):
    v1 = edit(ACT, "return np.maximum(z, 0)", "return np.maximum(z, 0) * 1.5")
    assert apply(app, ACT, v1)["ok"]
    # v2 passes on the probe but fails on a heavier drawing: data-dependent
    v2 = edit(ACT, "return np.maximum(z, 0)",
              "if z.size == 25 and z.max() > 1e6:\n        raise ValueError('too big')\n"
              "    return np.maximum(z, 0) * 1.5")
    assert apply(app, ACT, v2)["ok"] and app.live.version == 2
    net = app.model(ARCH)[0]
    net.params["h1"]["W"] = net.params["h1"]["W"] * 1e9    # make the next update fail
    x, probs, _ = run(app, IMG)
    assert len(heard["rollbacks"]) == 1                    # the page is told (digitlab:edit-rollback)
    err, path, source = (heard["rollbacks"][0][k] for k in ("error", "path", "source"))
    assert source == v1
    assert path == ACT and err["when"] == "update" and "ValueError: too big" in err["message"]
    assert err["line"] == line_of(v2, "raise ValueError")
    assert app.live.entries[ACT].source == v1 and app.live.version == 2
    np.testing.assert_allclose(probs, relu_ref(app.model(ARCH)[0], x, lambda z: np.maximum(z, 0) * 1.5), atol=1e-5)


def test_a_runaway_loop_is_stopped_on_import_on_apply_and_in_updates(app, heard):
    app.live.limit_ms = 150
    t = time.perf_counter()
    text = edit(ACT, "LEAK = np.float32(0.01)", "LEAK = np.float32(0.01)\nwhile True: pass")
    err = apply(app, ACT, text)["error"]
    assert err["when"] == "import" and "150 ms" in err["message"] and err["line"] == line_of(text, "while True")
    err = apply(app, ACT, edit(ACT, "    return np.maximum(z, 0)", "    while True:\n        pass"))["error"]
    assert err["when"] == "check" and "endless loop" in err["message"]
    assert time.perf_counter() - t < 5
    # in a later update, with `except Exception` around the loop
    v = edit(ACT, "    return np.maximum(z, 0)",
             "    while z.size == 25 and z.max() > 1e6:\n        try:\n            pass\n"
             "        except Exception:\n            pass\n    return np.maximum(z, 0)")
    assert apply(app, ACT, v)["ok"]
    net = app.model(ARCH)[0]
    net.params["h1"]["W"] = net.params["h1"]["W"] * 1e9
    _, probs, _ = run(app, IMG)
    seen = [(d["error"], d["path"]) for d in heard["rollbacks"]]
    assert [e["when"] for e, _ in seen] == ["update"] and not app.live.active
    assert "endless loop" in seen[0][0]["message"] and (
        line_of(v, "while z.size") <= seen[0][0]["line"] < line_of(v, "return np.maximum"))
    assert np.isfinite(probs).all()


def test_layers_edit_rebuilds_the_networks(app):
    old_net = app.model(ARCH)[0]
    assert apply(app, LAYERS, edit(LAYERS, '        z = matmul(x, p["W"])\n        add_bias(z, p["b"])\n',
                                  '        z = matmul(x, p["W"])\n'))["ok"]
    net = app.model(ARCH)[0]
    assert net is not old_net and type(net.layers[0]) is digitlab.core.layers.Dense
    assert digitlab.core.Dense is digitlab.core.layers.Dense is models.Dense
    x, probs, _ = run(app, IMG)
    a = x.reshape(1, 784)
    for layer in net.layers:
        z = a @ net.params[layer.name]["W"]
        a = np.maximum(z, 0) if layer.activation == "relu" else np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    np.testing.assert_allclose(probs, a[0], atol=1e-6)


def test_reset_restores_the_original_behaviour(app):
    before = run(app, IMG)[1]
    apply(app, ACT, edit(ACT, "return np.maximum(z, 0)", "return np.abs(z)"))
    assert app.live.active
    res = app.edit_reset(ACT, ARCH)
    assert res["ok"] and res["version"] == 2 and not app.live.active
    np.testing.assert_array_equal(run(app, IMG)[1], before)
    assert sys.modules["digitlab.core.activations"].relu.__code__.co_filename == app.live.entries[ACT].file


def test_an_edited_constant_does_not_leak_into_other_modules(app):
    assert apply(app, PRE, edit(PRE, "FIELD = 28 ", "FIELD = 28 + 0 "))["ok"]
    assert apply(app, PRE, edit(PRE, "BOX = 20 ", "BOX = 16 "))["ok"]
    x = run(app, IMG)[0]
    rows = np.flatnonzero(x.max(axis=1) > 0.1)
    assert rows[-1] - rows[0] + 1 <= 17                # the ink now spans 16 px, not 20
    assert digitlab.viewmodel.CONFIG.min_extent == 5   # ints elsewhere untouched


def test_every_preset_applies_and_changes_something(app):
    originals = {p: e.original for p, e in app.live.entries.items()}
    listed = presets.listing(originals)
    assert len(listed) >= 3 and all(p["label"] and p["explain"] for p in listed)
    x0, p0, v0 = run(app, IMG)
    for p in listed:
        res = apply(app, p["path"], p["source"])
        assert res["ok"], (p["id"], res["error"])
        x, probs, v = run(app, IMG)
        changed = {"x": not np.array_equal(x, x0), "probs": not np.allclose(probs, p0),
                   "links": n_links(v) != n_links(v0)}
        assert any(changed.values()), p["id"]
        if p["id"] == "links-10":
            assert n_links(v) <= 10 * 3
        app.live.reset(p["path"])


def test_blame_goes_to_the_suspect_that_is_edited(app):
    assert apply(app, PRE, edit(PRE, "BOX = 20 ", "BOX = 18 "))["ok"]
    assert apply(app, ACT, edit(ACT, "LEAK = np.float32(0.01)", "LEAK = np.float32(0.02)"))["ok"]
    assert app.live._blame(checks.ContractError("bad", PRE)) == PRE
    assert app.live._blame(checks.ContractError("bad", LAYERS)) == ACT    # not edited: the latest


def test_guard_stops_only_watched_code():
    ns = {}
    code = compile("def spin():\n    while True: pass\n", "edited:x.py", "exec")
    guard.watch(code)
    exec(code, ns)
    t = time.perf_counter()
    with pytest.raises(Overtime):
        with guard.limit(100):
            ns["spin"]()
    assert 0.09 < time.perf_counter() - t < 2
    with guard.limit(100):                  # unwatched code is untouched
        sum(i for i in range(200_000))


def test_the_editing_machinery_never_imports_the_browser():
    for name in ("digitlab.web.live", "digitlab.web.guard", "digitlab.web.checks", "digitlab.web.presets"):
        mod = sys.modules[name]
        src = open(mod.__file__, encoding="utf-8").read()
        assert "import js" not in src and "pyodide" not in src.replace("Pyodide", "")
    assert "js" not in sys.modules
