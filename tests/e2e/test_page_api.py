"""The page's API for its instruments (site/js/page.js) and its window.digitlab facade.

Run: python3 build.py build && python3 -m pytest tests/e2e/test_page_api.py
"""

import pytest

from .conftest import DIGITS

pytestmark = pytest.mark.e2e

# What web/bridge.py calls, then what the tests, benchmarks and console read: nothing else.
FACADE = {"attach", "fail", "progress", "modelFault", "modelsChecked", "model", "ready", "call", "pad",
          "update", "snapshot", "timings", "version", "damage", "evaluation", "map"}


def version(app):
    return app.page.evaluate("window.digitlab.version")


def test_facade_has_only_its_documented_members(app):
    assert set(app.page.evaluate("Object.keys(window.digitlab)")) == FACADE
    assert app.page.evaluate("Object.isFrozen(window.digitlab)")
    # Break It put itself in the page API, and the facade shows it.
    assert app.page.evaluate("typeof window.digitlab.damage.get") == "function"


def test_model_version_rises_when_the_network_changes(fresh):
    app = fresh
    app.draw(DIGITS[3])
    v0 = version(app)
    app.draw(DIGITS[1])                                   # more ink: the same network
    assert version(app) == v0
    app.choose("mlp-128-64")                              # another model
    v1 = version(app)
    assert v1 > v0
    n = app.updates()
    app.page.evaluate("window.digitlab.damage.set({bias: true, noise: 0, layers: [], neurons: []})")
    app.wait_update(n)
    v2 = version(app)
    assert v2 > v1                                        # Break It damaged it
    n = app.updates()
    app.page.evaluate("window.digitlab.damage.set({bias: false, noise: 0, layers: [], neurons: []})")
    app.wait_update(n)
    assert version(app) > v2                              # and healed it


def test_update_event_carries_model_and_version(fresh):
    app = fresh
    app.page.evaluate("""() => { window.__heard = [];
        addEventListener('digitlab:update', (e) => window.__heard.push([e.detail.model, e.detail.version])); }""")
    app.draw(DIGITS[7])
    model, v = app.page.evaluate("window.__heard.at(-1)")
    assert model == app.snapshot()["model"] and v == version(app)
