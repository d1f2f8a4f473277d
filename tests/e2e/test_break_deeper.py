"""Break It, deeper, in the page: pruning, a neuron's output scale (inspector) and the softmax's
temperature, driven by real clicks and keys and checked against digitlab.damage in CPython on
the shipped weights, written out with plain numpy where the maths is short."""

import numpy as np
import pytest

from digitlab import damage as dmg

from .conftest import DIGITS
from .test_lab import (NO_DAMAGE, PROB_TOL, accuracy, diagram_state, input_of, lab,  # noqa: F401 (lab: fixture)
                       open_live_unit, settle)

pytestmark = pytest.mark.e2e


def click_at(app, sel, fraction):
    """A real click on a range input at `fraction` of its width (the value lands near there)."""
    box = app.page.locator(sel).bounding_box()
    n = app.updates()
    app.page.click(sel, position={"x": box["width"] * fraction, "y": box["height"] / 2})
    settle(app, n)


def test_pruning_none_changes_nothing_much_hurts_and_reset_heals(lab, reference):
    page = lab.page
    lab.draw(DIGITS[7])
    page.locator("#network").scroll_into_view_if_needed()
    lab.poll("() => window.digitlab.snapshot().diagram")
    healthy = diagram_state(lab)
    net = reference("mlp-128-64")
    x = input_of(lab)
    page.locator("#break-prune").scroll_into_view_if_needed()
    page.focus("#break-prune")
    n = lab.updates()
    page.keyboard.press("ArrowRight")                  # 1%, then back to 0%
    page.keyboard.press("ArrowLeft")
    settle(lab, n)
    assert page.evaluate("window.digitlab.damage.get()") == NO_DAMAGE
    acc = accuracy(lab)
    assert acc["after"] == acc["before"] and float(acc["before"]) > 0.9
    np.testing.assert_array_equal(lab.snapshot()["probs"], healthy["probs"])

    click_at(lab, "#break-prune", 0.92)
    share = page.evaluate("window.digitlab.damage.get().prune")
    assert 0.85 <= share <= 0.95, share
    want = dmg.apply(net, dmg.Damage(prune=share)).predict_proba(x)[0]
    np.testing.assert_allclose(lab.snapshot()["probs"], want, atol=PROB_TOL)
    assert f"{round(share * 100)}%" in page.text_content("#break-prune-v")
    acc = accuracy(lab)
    assert float(acc["after"]) < float(acc["before"]) - 0.05, acc

    n = lab.updates()
    page.select_option("#break-prune-scope", "global")
    settle(lab, n)
    want = dmg.apply(net, dmg.Damage(prune=share, prune_global=True)).predict_proba(x)[0]
    np.testing.assert_allclose(lab.snapshot()["probs"], want, atol=PROB_TOL)

    n = lab.updates()
    page.click("#break-reset")
    settle(lab, n)
    assert page.evaluate("window.digitlab.damage.get()") == NO_DAMAGE
    assert page.input_value("#break-prune") == "0" and page.input_value("#break-prune-scope") == "layer"
    page.locator("#network").scroll_into_view_if_needed()
    lab.poll("() => window.digitlab.snapshot().diagram")
    assert diagram_state(lab) == healthy
    acc = accuracy(lab)
    assert acc["after"] == acc["before"]


def test_temperature_softens_the_answer_exactly_and_keeps_accuracy(lab, reference):
    page = lab.page
    lab.draw(DIGITS[1])
    net = reference("mlp-128-64")
    x = input_of(lab)
    page.locator("#break-temperature").scroll_into_view_if_needed()
    page.focus("#break-temperature")
    n = lab.updates()
    page.keyboard.press("End")                          # T = 5
    settle(lab, n)
    assert page.evaluate("window.digitlab.damage.get().temperature") == 5
    z = net.forward(x).layers[-1].z[0].astype(np.float64)
    e = np.exp((z - z.max()) / 5)
    probs = np.asarray(lab.snapshot()["probs"])
    np.testing.assert_allclose(probs, e / e.sum(), atol=PROB_TOL)
    assert probs.max() < net.predict_proba(x)[0].max() - 0.05       # less sure, same answer
    assert probs.argmax() == net.predict_proba(x)[0].argmax()
    acc = accuracy(lab)
    assert acc["after"] == acc["before"]
    n = lab.updates()
    page.click("#break-reset")
    settle(lab, n)
    assert page.input_value("#break-temperature") == "1"


def test_a_neuron_scaled_in_the_inspector_equals_cpython(lab, reference, dist_dir):
    page = lab.page
    net = reference("mlp-128-64")
    node, j, x = open_live_unit(lab, "h2")
    assert page.is_visible("#inspector-scale") and page.input_value("#inspector-scale") == "1"
    page.focus("#inspector-scale")
    n = lab.updates()
    page.keyboard.press("End")                          # 2x
    settle(lab, n)
    assert page.evaluate("window.digitlab.damage.get().scales") == {node: 2}
    p = net.params
    a1 = np.maximum(x @ p["h1"]["W"] + p["h1"]["b"], 0)
    a2 = np.maximum(a1 @ p["h2"]["W"] + p["h2"]["b"], 0)
    a2[:, j] *= 2
    z = (a2 @ p["out"]["W"] + p["out"]["b"])[0].astype(np.float64)
    e = np.exp(z - z.max())
    np.testing.assert_allclose(lab.snapshot()["probs"], e / e.sum(), atol=PROB_TOL)
    assert "× 2.00" in page.text_content("#inspector-scale-v")
    acc = accuracy(lab)                                 # re-measured on the scaled network, as CPython counts
    with np.load(dist_dir / "data" / "evalset.npz") as f:
        X, y = f["x"], f["y"].astype(np.int64)
    hits = dmg.correct(dmg.apply(net, dmg.Damage(scales=((node, 2.0),))), X, y)
    assert float(acc["after"]) == pytest.approx(hits / len(y), abs=1e-12) and int(acc["n"]) == len(y)
    n = lab.updates()
    page.click("#break-reset")
    settle(lab, n)
    lab.poll("() => document.querySelector('#inspector-scale').value === '1'")
