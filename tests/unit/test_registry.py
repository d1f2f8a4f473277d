"""The instrument contract (digitlab.web.registry) on the real App: per-app state, hooks that
read the view model before it is packed, and training's link flash built on both."""

import io

import numpy as np
import pytest

from digitlab.app import App
from digitlab.web import registry
from digitlab.web.features import damage as breakit
from digitlab.web.features import training


def test_state_is_made_once_per_app():
    one, two, made = App(), App(), []

    def factory():
        made.append(1)
        return {"n": len(made)}

    assert registry.state(one, "probe", factory) is registry.state(one, "probe", factory)
    assert registry.state(two, "probe", factory) == {"n": 2} and len(made) == 2
    assert one.features["probe"] == {"n": 1}


def test_two_apps_keep_their_own_damage(seven):
    one, two = App(), App()
    for app in (one, two):
        app.pad[:] = seven.reshape(-1)
    breakit.set_damage(one, model="mlp-25-25", state={"layers": ["h1"]})
    assert one.model("mlp-25-25")[0] is not one.shipped["mlp-25-25"]
    assert two.model("mlp-25-25")[0] is two.shipped["mlp-25-25"]          # untouched
    assert "mlp-25-25" not in breakit.breaker(two).installed
    healthy = two.update("mlp-25-25")["probs"]
    np.testing.assert_array_equal(breakit.compare(one, model="mlp-25-25")["healthy"]["probs"], healthy)


@pytest.fixture
def hook():
    """A hook registered for one test: it records what it saw, then leaves the registry as it was."""
    seen = []

    def record(app, name, img, x, trace, out):
        seen.append({"name": name, "view": out["view"], "trace": trace})
        out["probe_key"] = name

    registry.on_result(record)
    yield seen
    registry.HOOKS.remove(record)


def test_a_hook_sees_the_view_model_unpacked_and_the_page_gets_it_packed(app, seven, hook):
    out = app.result(seven, "mlp-25-25")
    view = hook[0]["view"]
    links, nodes = view["links"], view["nodes"]
    assert isinstance(links["id"], list) and links["id"] and "ids" not in links
    assert all(len(links[c]) == len(links["id"]) for c in links if c != "id")
    assert out["view"]["links"]["ids"] == "\n".join(links["id"])        # packed after the hook
    assert out["view"]["nodes"]["ids"] == "\n".join(nodes["id"])
    assert out["probe_key"] == "mlp-25-25" and hook[0]["trace"] is not None
    assert app.result(seven, "mlp-25-25", full=False)["probe_key"] and hook[1]["view"] is None


# ---- training: per-app runs and the link flash ----------------------------------------------

def trainset(mnist_test):
    """The npz bytes train.data takes: 600 MNIST test images to train on, 200 to test."""
    X, y = mnist_test
    buf = io.BytesIO()
    np.savez(buf, x_train=X[:600], y_train=y[:600], x_test=X[600:800], y_test=y[600:800])
    return buf.getvalue()


@pytest.fixture
def trained(app, mnist_test, seven):
    """The app with "trained" installed (plain SGD: each weight moves by its own gradient)."""
    training.data(app, trainset(mnist_test))
    training.config(app, layers="32", optimizer="sgd", lr=0.5, batch=64)
    app.pad[:] = seven.reshape(-1)
    return app


def test_two_apps_train_separately(trained):
    other = App()
    assert training.session(other).driver is None and training.session(trained).driver is not None
    training.run(trained, budget_ms=20)
    assert training.session(trained).driver.iteration > 0
    assert training.session(other).net is None


def link_moves(ids, before, after):
    """|W after - W before| of each link "h1:17>out:3", written out again here."""
    moves = []
    for lid in ids:
        (_, i), (layer, j) = (part.split(":") for part in lid.split(">"))
        moves.append(abs(float(after[layer][int(i), int(j)] - before[layer][int(i), int(j)])))
    return np.array(moves)


def test_the_flash_names_the_drawn_links_whose_weights_moved_most(trained):
    assert trained.update("trained")["train_flash"] == []               # nothing seen yet
    net = training.session(trained).net
    before = {k: p["W"].copy() for k, p in net.params.items()}
    for _ in range(3):
        training.step(trained)
    out = trained.update("trained")
    ids = out["view"]["links"]["ids"].split("\n")
    moves = link_moves(ids, before, {k: p["W"] for k, p in net.params.items()})
    flashed = out["train_flash"]
    assert len(flashed) == min(training.FLASHED, int((moves > 0).sum())) > 0
    inside = [moves[ids.index(f)] for f in flashed]
    outside = [m for lid, m in zip(ids, moves) if lid not in flashed]
    assert min(inside) >= max(outside)                                  # the biggest moves, ties aside
    assert trained.update("trained")["train_flash"] == []               # no training since: no flash


def test_no_flash_for_other_models(trained):
    assert "train_flash" not in trained.update("mlp-25-25")
