"""The console's interpreter (digitlab.web.console) on the real App and shipped weights, in CPython:
what a typed statement prints, when Enter starts a new line instead, the guard, pictures, completion,
and that `lab.net` changes reach the page's network but never the shipped weights."""

import numpy as np
import pytest

from digitlab import viewmodel
from digitlab.app import App
from digitlab.web import console as con
from digitlab.web.features import console as feature
from digitlab.web.features import damage as breakit


@pytest.fixture
def app(seven):
    a = App()
    a.pad[:] = seven.reshape(-1)
    a.update("mlp-25-25")            # the hook remembers what this update saw
    return a


def run(app, source):
    return app.call("console.run", {"source": source})


def text(result, kind=None):
    return "".join(i["text"] for i in result["items"] if i["kind"] in ((kind,) if kind else ("out", "err")))


def test_lab_sees_what_the_last_update_saw(app, seven):
    out = run(app, "lab.model, lab.probs.argmax(), lab.x.shape, lab.trace['h1'].a.shape")
    assert text(out, "out").strip() == "('mlp-25-25', np.int64(7), (28, 28), (1, 25))"
    shown = app.result(seven, "mlp-25-25")
    np.testing.assert_array_equal(feature.seen(app).x.reshape(-1), shown["input"])
    assert "probs" in text(run(app, "lab.help()"))


def test_enter_goes_on_inside_a_block_and_a_script_echoes_its_last_value(app):
    c = feature.console(app)
    assert c.more("for i in range(3):") and c.more("for i in range(3):\n    print(i)")
    assert not c.more("for i in range(3): print(i)")      # one line: runs at once
    assert not c.more("1 +")                               # an error is complete: running shows it
    assert c.more("(1,\n2") and c.more("'''open")
    assert text(run(app, "for i in range(3):\n    print(i)\n")) == "0\n1\n2\n"
    assert text(run(app, "a = 2\nb = 3\na * b")) == "6\n"
    assert run(app, "for i in range(3):")["more"] is True and text(run(app, "i")) == "2\n"


def test_errors_show_a_traceback_with_the_typed_line(app):
    err = text(run(app, "x = 1\n1 / 0\ny = 2"), "err")
    assert "ZeroDivisionError" in err and 'line 2' in err and "1 / 0" in err
    assert "NameError" in text(run(app, "y"), "err")      # the statement after the error never ran
    assert "SyntaxError" in text(run(app, "def f(:"), "err")
    assert "SystemExit ignored" in text(run(app, "raise SystemExit"), "err")
    assert text(run(app, "1 + 1")) == "2\n"


def test_a_runaway_loop_is_stopped_and_the_console_goes_on(app):
    c = feature.console(app)
    c.limit_ms = 200
    out = text(run(app, "n = 0\nwhile True:\n    n += 1\n"), "err")
    assert out.startswith("Stopped after 200 ms")
    assert int(text(run(app, "n"))) > 0                    # what ran so far stays
    assert "Stopped" in text(run(app, "def spin():\n    while True: pass\n\nspin()"), "err")


def test_long_output_is_cut(app):
    out = text(run(app, "print('x' * 50_000)"))
    assert len(out) < con.MAX_TEXT + 100 and out.endswith("(output cut)\n")


def test_show_makes_images_tiles_bars_and_text(app):
    img = run(app, "show(lab.x)")["items"][0]
    assert (img["kind"], img["h"], img["w"], img["tiles"]) == ("image", 28, 28, 1)
    want = viewmodel.rgba_tiles(feature.seen(app).x[:, :, None]).reshape(-1).view(np.uint8)
    np.testing.assert_array_equal(img["rgba"], want)
    tiles = run(app, "show(np.ones((5, 5, 8)) * np.arange(8))")["items"][0]
    assert (tiles["tiles"], tiles["channels"], len(tiles["rgba"])) == (8, 8, 8 * 25 * 4)
    bars = run(app, "show(np.array([1.0, -2.0, 0.5]))")["items"][0]
    assert bars["heights"] == [0.5, 1.0, 0.25] and bars["neg"] == [False, True, False]
    assert text(run(app, "show(3.5)")) == "3.5\n" and text(run(app, "show('hi')")) == "'hi'\n"
    assert "not drawn" in text(run(app, "show(np.zeros((2000, 3)))"))
    assert "NaN" in text(run(app, "show(np.array([1.0, np.nan]))"))


def test_changing_lab_net_changes_the_page_not_the_shipped_weights(app, seven):
    shipped = app.shipped["mlp-25-25"]
    before = shipped.params["out"]["W"].copy()
    out = run(app, 'lab.net.params["out"]["W"][:, 7] = 0\nlab.update()\nlab.probs.argmax()')
    assert out["changed"] and text(out, "out").strip() != "np.int64(7)"
    running = app.model("mlp-25-25")[0]
    assert running is not shipped and not running.params["out"]["W"][:, 7].any()
    np.testing.assert_array_equal(shipped.params["out"]["W"], before)
    page = app.result(seven, "mlp-25-25")["probs"]
    net = shipped.copy()
    net.params["out"]["W"][:, 7] = 0
    np.testing.assert_allclose(page, net.predict_proba(feature.seen(app).x.reshape(1, 784))[0], atol=1e-6)
    # Break It's Reset brings the shipped network back; setting damage alone does not.
    assert breakit.set_damage(app, "mlp-25-25", {"bias": False})["healed"] is False
    assert breakit.set_damage(app, "mlp-25-25", {}, reset=True)["healed"] is True
    assert app.model("mlp-25-25")[0] is shipped
    assert app.result(seven, "mlp-25-25")["prediction"]["digit"] == 7


def test_draw_puts_an_image_on_the_pad_and_refuses_bad_ones(app):
    out = run(app, "img = np.zeros((56, 56)); img[8:48, 26:30] = 1; lab.draw(img)")
    assert out["draw"].shape == (784,) and out["draw"].dtype == np.uint8
    assert out["draw"].reshape(28, 28)[4:24, 13:15].min() == 255
    assert run(app, "lab.draw(np.ones((28, 28)) * 9)")["draw"] is None
    assert "ValueError" in text(run(app, "lab.draw(np.ones((28, 28)) * 9)"), "err")


def test_completion_names_attributes_and_never_runs_away(app):
    assert app.call("console.complete", {"line": "x = lab.pr"}) == {"start": 8, "matches": ["probs"]}
    assert "argmax" in app.call("console.complete", {"line": "np.arg"})["matches"]
    assert app.call("console.complete", {"line": "sho"})["matches"] == ["show"]
    run(app, "class Slow:\n    @property\n    def spin(self):\n        while True: pass\n\nslow = Slow()")
    feature.console(app).limit_ms = 200
    assert app.call("console.complete", {"line": "slow.spin.re"})["matches"] == []


@pytest.mark.parametrize("name", ["mlp-25-25", "cnn-small"])
def test_every_example_runs_on_the_model_in_use(app, name):
    app.update(name)
    for ex in app.call("console.examples", {"model": name}):
        out = run(app, ex["code"])
        assert not text(out, "err"), (ex["id"], text(out, "err"))
        assert out["items"], ex["id"]
    breakit.set_damage(app, name, {}, reset=True)
