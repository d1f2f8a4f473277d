"""Faults the page must survive: damaged model files, a runtime that does not arrive.

The site is served as usual, but Playwright answers some requests with a damaged copy of the
shipped file (missing, truncated, wrong hash, wrong shape), the way a half-finished upload or a
bad cache would serve it. Each damaged model must be named with its file and problem in a
banner and switched off in the picker, and every other model must work on, checked against
CPython on the very weights the page was served.

Run: python3 build.py build && python3 -m pytest tests/e2e/test_faults.py
"""

import hashlib
import io
import json
from urllib.parse import quote

import numpy as np
import pytest

from digitlab import models

from .conftest import DIGITS, READY_TIMEOUT_MS, SCREENSHOTS, App

pytestmark = pytest.mark.e2e

NOT_FOUND = "Failed to load resource: the server responded with a status of 404"


def weights_bytes(dist_dir, name, ext):
    return (dist_dir / "weights" / f"{name}.{ext}").read_bytes()


def missing(dist_dir, name, ext):
    """As a static server answers a file that is not there."""
    return {"status": 404, "content_type": "text/html",
            "body": "<!DOCTYPE HTML><html><body><h1>Error response</h1><p>404 File not found</p></body></html>"}


def truncated(dist_dir, name, ext):
    data = weights_bytes(dist_dir, name, ext)
    return {"status": 200, "body": data[: len(data) // 2]}


def wrong_hash(dist_dir, name, ext):
    """One byte flipped inside the arrays: still a readable npz, but not the one the manifest names."""
    data = bytearray(weights_bytes(dist_dir, name, ext))
    data[len(data) // 2] ^= 0xFF
    return {"status": 200, "body": bytes(data)}


def reshaped(dist_dir, name):
    """-> (npz bytes, manifest text): the last layer's bias one entry short, and a manifest whose
    sha256 matches that npz, so only the shape check can catch it."""
    with np.load(dist_dir / "weights" / f"{name}.npz") as z:
        arrays = {k: z[k] for k in z.files}
    arrays["out.b"] = arrays["out.b"][:-1]
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    manifest = json.loads(weights_bytes(dist_dir, name, "json"))
    manifest["npz_sha256"] = hashlib.sha256(buf.getvalue()).hexdigest()
    return buf.getvalue(), json.dumps(manifest)


def wrong_layers(dist_dir, name, ext):
    """A manifest whose layer list disagrees with the arrays (fc1 one unit wider)."""
    manifest = json.loads(weights_bytes(dist_dir, name, ext))
    for layer in manifest["layers"]:
        if layer["name"] == "fc1":
            layer["out"] += 1
        if layer["name"] == "out":
            layer["in"] += 1
    return {"status": 200, "content_type": "application/json", "body": json.dumps(manifest)}


def serve_damaged(context, site_url, files):
    """files: {"weights/<name>.<ext>": route.fulfill kwargs}."""
    def answer_with(answer):
        return lambda route: route.fulfill(**answer)
    for rel, answer in files.items():
        context.route(site_url + rel, answer_with(answer))


def faults(app):
    """The fault banner's lines per model, and which picker options are switched off, once Python
    has checked every model's files (the others than the first are checked after the first update)."""
    app.page.wait_for_selector("#faults[data-checked=true]", state="attached", timeout=10_000)
    lines = app.page.eval_on_selector_all("#faults li", "es => es.map(e => [e.dataset.model, e.textContent])")
    off = app.page.eval_on_selector_all("#model option", "os => os.filter(o => o.disabled).map(o => o.value)")
    return dict(lines), sorted(off)


def check_reads_like_cpython(app, dist_dir, model):
    """Draw a 7 on `model`; the page's probabilities equal CPython's on the served weights."""
    app.draw(DIGITS[7])
    snap = app.snapshot()
    assert snap["model"] == model
    net = models.load(model, root=dist_dir / "weights")
    probs = net.forward(np.asarray(snap["input"], np.float32).reshape(1, 784)).probs[0]
    np.testing.assert_allclose(snap["probs"], probs, atol=1e-5)
    assert int(np.argmax(probs)) == 7
    assert app.prediction()["digit"] == "7"


def real_errors(app):
    return [e for e in app.errors if NOT_FOUND not in e]


def test_damaged_models_are_named_switched_off_and_the_rest_work(browser, site_url, dist_dir):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    serve_damaged(context, site_url, {
        "weights/mlp-25-25.npz": missing(dist_dir, "mlp-25-25", "npz"),
        "weights/mlp-128-64.npz": truncated(dist_dir, "mlp-128-64", "npz"),
        "weights/mlp-128-64-32.npz": wrong_hash(dist_dir, "mlp-128-64-32", "npz"),
        "weights/cnn-small.json": wrong_layers(dist_dir, "cnn-small", "json"),
    })
    try:
        app = App(context, site_url).open()
        lines, off = faults(app)
        assert off == ["cnn-small", "mlp-128-64", "mlp-128-64-32", "mlp-25-25"]
        assert app.page.locator("#faults").is_visible()
        assert "weights/mlp-25-25.npz" in lines["mlp-25-25"] and "missing" in lines["mlp-25-25"]
        assert "weights/mlp-128-64.npz" in lines["mlp-128-64"] and "truncated" in lines["mlp-128-64"]
        assert "weights/mlp-128-64-32.npz" in lines["mlp-128-64-32"] and "sha256" in lines["mlp-128-64-32"]
        assert "weights/cnn-small" in lines["cnn-small"] and "shape" in lines["cnn-small"]
        assert all("instead" not in line for line in lines.values())     # the default model was fine
        assert app.page.get_attribute("#status", "data-state") == "ready"
        assert app.page.locator("#error").is_hidden()
        check_reads_like_cpython(app, dist_dir, "cnn")
        # A disabled option cannot be chosen; a URL asking for it is answered by the fallback.
        with pytest.raises(Exception):
            app.page.select_option("#model", "mlp-25-25", timeout=1000)
        assert real_errors(app) == [], app.errors
        assert app.foreign_requests() == []
    finally:
        context.close()


def test_a_damaged_default_model_falls_back_and_says_so(browser, site_url, dist_dir):
    npz, manifest = reshaped(dist_dir, "cnn")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    serve_damaged(context, site_url, {
        "weights/cnn.npz": {"status": 200, "body": npz},
        "weights/cnn.json": {"status": 200, "content_type": "application/json", "body": manifest},
        "weights/mlp-25-25.json": truncated(dist_dir, "mlp-25-25", "json"),
    })
    try:
        app = App(context, site_url).open("?model=cnn")
        lines, off = faults(app)
        assert off == ["cnn", "mlp-25-25"]
        assert "weights/cnn.npz" in lines["cnn"] and "out.b has shape (9,)" in lines["cnn"], lines
        assert "Using cnn-small instead" in lines["cnn"]
        assert "weights/mlp-25-25.json" in lines["mlp-25-25"] and "not valid JSON" in lines["mlp-25-25"]
        assert app.page.input_value("#model") == "cnn-small"
        check_reads_like_cpython(app, dist_dir, "cnn-small")
        app.choose("mlp-128-64")                       # the others keep working, as before
        assert app.snapshot()["model"] == "mlp-128-64"
        assert app.prediction()["digit"] == "7"
        assert real_errors(app) == [], app.errors
    finally:
        context.close()


def test_the_fault_banner_speaks_japanese(browser, site_url, dist_dir):
    """The banner's own words follow ?lang=ja; the file's problem stays as Python wrote it."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    serve_damaged(context, site_url, {"weights/cnn.npz": truncated(dist_dir, "cnn", "npz")})
    try:
        app = App(context, site_url).open("?lang=ja")
        line = app.page.text_content("#faults li")
        assert "使えません" in line and "weights/cnn.npz" in line and "代わりに cnn-small" in line
        assert app.page.input_value("#model") == "cnn-small"
        app.page.screenshot(path=str(SCREENSHOTS / "faults-phone-ja.png"), full_page=False)
        assert real_errors(app) == [], app.errors
    finally:
        context.close()


@pytest.mark.parametrize("blocked", ["vendor/pyodide/pyodide.asm.wasm", "vendor/pyodide/numpy-*.whl"])
def test_a_runtime_that_does_not_load_shows_an_error_and_retry_works(browser, site_url, blocked):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.route(site_url + blocked, lambda route: route.abort("failed"))
    try:
        page.goto(site_url)
        page.wait_for_selector("#status[data-state=error]", timeout=READY_TIMEOUT_MS)
        assert page.locator("#error").is_visible()
        text = page.text_content("#error")
        assert len(page.text_content("#error .error-text")) > 10, text
        assert page.locator("#retry").is_visible()
        page.screenshot(path=str(SCREENSHOTS / f"runtime-fault-{blocked.split('/')[-1][:5]}.png"))
        page.unroute(site_url + blocked)
        page.click("#retry")                                   # reloads: this time it starts
        page.wait_for_selector("#status[data-state=ready]", timeout=READY_TIMEOUT_MS)
        assert page.locator("#error").is_hidden()
    finally:
        context.close()


# ---- untrusted input: every URL field the page reads ---------------------------------------

INJECTIONS = ["<script>window.__pwned=1</script>", "<img src=x onerror=\"window.__pwned=1\">",
              "javascript:window.__pwned=1", "\"><svg onload=window.__pwned=1>", "1e999", "-1e309", "NaN",
              "Infinity", "9" * 400, "cnn\u0000<b>", "%3Cscript%3E", "x" * 20_000]
PWNED = "() => window.__pwned === undefined && !document.querySelector('b, svg[onload], img[onerror], script:not([src]):not([type=py])')"


def test_injections_in_url_params_are_ignored(browser, site_url):
    """?model= and ?lang= are read before Python starts: an injection picks nothing, runs
    nothing and shows up nowhere in the page."""
    context = browser.new_context()
    page = context.new_page()
    errors, dialogs = [], []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        for param in ("model", "lang"):
            for bad in INJECTIONS:
                page.goto(f"{site_url}?{param}={quote(bad)}", wait_until="domcontentloaded")
                for _ in range(200):
                    if page.evaluate("() => !!window.digitlab"):
                        break
                    page.wait_for_timeout(25)
                assert page.input_value("#model") == "cnn", (param, bad)
                assert page.evaluate("document.documentElement.lang") in ("en", "ja")
                assert page.evaluate(PWNED), (param, bad)
                assert bad[:40] not in page.inner_text("body"), (param, bad)
        assert dialogs == [] and errors == [], (dialogs, errors)
    finally:
        context.close()


def test_injections_in_the_share_hash_are_ignored(browser, site_url):
    """The share link's hash is decoded by Python (digitlab.sharelink): bad values are dropped
    with a notice, and nothing from the URL becomes markup or runs."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        app = App(context, site_url).open()
        page = app.page
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        fields = ["v", "m", "s", "db", "dn", "dl", "do"]
        for i, bad in enumerate(INJECTIONS):
            key = fields[i % len(fields)]
            page.evaluate("(h) => { location.hash = h; }", f"v=1&m=cnn&{key}={quote(bad)}")
            page.wait_for_timeout(150)
            assert page.evaluate(PWNED), bad
            assert bad[:40] not in page.inner_text("body"), bad
            assert page.input_value("#model") in models.ARCHS
            strokes = page.evaluate("window.digitlab.pad.strokes")
            assert all(0 <= v <= 1 for s in strokes for v in s["pts"])
        page.evaluate("() => { location.hash = ''; }")
        app.clear()
        assert app.draw(DIGITS[7])["digit"] == "7"              # the page still works
        assert dialogs == [] and app.errors == [], (dialogs, app.errors)
    finally:
        context.close()


# ---- code faults (#4): the cases tests/e2e/test_editor.py does not cover yet ----------------

def test_an_edit_returning_the_wrong_type_is_refused_and_kept(browser, site_url, dist_dir):
    """preprocess.downscale edited to return a list: apply refuses it, naming its file; the last
    good code reads on, and the person's text stays in the editor."""
    from .test_editor import Editor, check_like_cpython
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        app = App(context, site_url).open()
        app.dist = dist_dir
        ed = Editor(app)
        ed.open()
        path = "digitlab/preprocess.py"
        ed.choose(path)
        lines = ed.source(path).splitlines()
        n = max(i for i, line in enumerate(lines, 1) if line.strip() == "return out")   # downscale's
        ed.replace_line(n, "return out.tolist()")
        assert not ed.apply()
        err = ed.error()
        assert err["when"] == "check" and err["path"] == path, err
        # (The contract check would say "preprocess.downscale returned list"; during apply's own
        # probe it is not run yet, so the TypeError that follows is what is named.)
        assert "Not applied" in err["text"] and ("returned list" in err["text"] or "TypeError" in err["text"]), err
        assert app.draw(DIGITS[3])["digit"] == "3"
        check_like_cpython(app, models.load("cnn", root=dist_dir / "weights"))
        assert "return out.tolist()" in app.page.inner_text("#editor .cm-content")   # not lost
        assert app.errors == [], app.errors
    finally:
        context.close()


# ---- offline: the suite's browser cannot resolve any host but localhost ------------------------

def test_no_foreign_host_resolves(browser, site_url):
    """conftest's --host-resolver-rules (MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost):
    every e2e test runs as if offline, so a request leaving localhost fails instead of passing."""
    context = browser.new_context()
    page = context.new_page()
    try:
        for url in ("http://example.com/", "https://cdn.jsdelivr.net/npm/pyodide/"):
            with pytest.raises(Exception, match="ERR_NAME_NOT_RESOLVED"):
                page.goto(url, timeout=15_000)
        local = context.new_page()                                   # while localhost still works
        local.goto(site_url, wait_until="domcontentloaded")
        assert local.title().startswith("Digit Lab")
    finally:
        context.close()


# ---- training faults (#6): the cases tests/e2e/test_train.py does not cover ------------------

def test_pausing_mid_epoch_loses_nothing_and_a_hostile_import_name_stays_text(app, tmp_path):
    """Pause while training: the iteration and the weights hold still, and Train goes on from
    there. Then imports whose names are markup (file names, the model's name, a layer's name)
    reach Python as a pair of files: Python's refusal and the imported model's label are text,
    and nothing runs."""
    from .test_train import open_panel, progress, state, weights_now
    page = app.page
    open_panel(app)
    page.click("#train-start")
    app.poll("() => Number(document.querySelector('#train-progress').dataset.iter) >= 20", timeout_ms=60_000)
    page.click("#train-pause")
    assert state(app) == "paused"
    it = int(progress(app)["iter"])
    held = weights_now(app, tmp_path)
    page.wait_for_timeout(500)
    assert int(progress(app)["iter"]) == it
    again = weights_now(app, tmp_path)
    for layer, p in held.params.items():
        for key, w in p.items():
            np.testing.assert_array_equal(again.params[layer][key], w)
    page.click("#train-start")                                   # resumes: from `it`, not from 0
    app.poll("(it) => Number(document.querySelector('#train-progress').dataset.iter) > it", it, 60_000)
    page.click("#train-pause")
    assert int(progress(app)["iter"]) > it

    mark = '<img src=x onerror="window.__pwned=1">'
    npz, good = pair("mlp-25-25", arch=mark)
    _, bad = pair("mlp-25-25", arch=mark, layer_name=mark)
    msg = import_files(app, mark, npz, bad)
    assert "layer name “" + mark + "”: use 1-16 letters and digits" in msg    # Python's words: it got there
    assert page.eval_on_selector_all("#model option[value^=imported]", "os => os.length") == 0
    msg = import_files(app, "big", bytes(6_000_000), good)                 # refused by its size, unread
    assert msg == "Not imported: big.npz: 6,000,000 bytes, the limit is 5,000,000"
    import_files(app, mark, npz, good)
    app.poll("() => document.querySelector('#model option[value=imported-1]')")
    assert page.eval_on_selector("#model option[value=imported-1]", "o => o.textContent") == "imported · " + mark
    page.wait_for_timeout(200)
    assert page.evaluate(PWNED)
    assert page.eval_on_selector_all("#train-io-msg *, #model *", "es => es.filter(e => e.tagName === 'IMG').length") == 0
    assert app.errors == [], app.errors


def pair(name, arch=None, layer_name=None):
    """The shipped `name` as the two files an import takes -> (npz bytes, manifest bytes); arch and
    the first layer's name may be replaced (the sha256 stays right, so only they are wrong)."""
    folder = models.weights_dir()
    m = json.loads((folder / f"{name}.json").read_text())
    if arch is not None:
        m["arch"] = arch
    if layer_name is not None:
        m["layers"][0]["name"] = layer_name
    return (folder / f"{name}.npz").read_bytes(), json.dumps(m).encode()


def import_files(app, stem, npz, manifest):
    """Pick the two files in the training panel's Import -> the message it then shows."""
    app.page.evaluate("() => { document.querySelector('#train-io-msg').textContent = ''; }")
    app.page.set_input_files("#train-import", [
        {"name": f"{stem}.npz", "mimeType": "application/octet-stream", "buffer": npz},
        {"name": f"{stem}.json", "mimeType": "application/json", "buffer": manifest}])
    app.poll("() => document.querySelector('#train-io-msg').textContent !== ''")
    return app.page.text_content("#train-io-msg")


def test_a_python_error_in_an_update_shows_the_banner(browser, site_url):
    """classify raising (here: a model name Python does not know, put into the picker by a
    script) ends in the readable error banner with Retry, not in a second error in the handler."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        app = App(context, site_url).open()
        app.page.evaluate("""() => { const s = document.querySelector('#model'), o = document.createElement('option');
            o.value = o.textContent = 'no-such-model'; s.append(o); s.value = 'no-such-model';
            s.dispatchEvent(new Event('change')); }""")
        app.page.wait_for_selector("#status[data-state=error]", timeout=30_000)
        assert app.page.locator("#error").is_visible() and app.page.locator("#retry").is_visible()
        assert "no-such-model" in app.page.text_content("#error .error-detail")
        # (Instruments that call Python with the same unknown name may raise too; the banner's
        # own handler must not: it once called the i18n t() shadowed by a timestamp.)
        assert [e for e in app.errors if "is not a function" in e] == [], app.errors
    finally:
        context.close()


def test_an_instrument_whose_python_raises_is_named_and_the_page_goes_on(app):
    """digitlab.call raising in Python (here: a name no feature registered) still throws to its
    caller, and a dismissable notice names the call and Python's error; drawing keeps working."""
    page = app.page
    thrown = page.evaluate("""() => { try { window.digitlab.call('no.such.handler', {}); return null; }
                                      catch (e) { return String(e.message); } }""")
    assert thrown and "no.such.handler" in thrown
    box = page.locator("#py-errors")
    assert box.is_visible()
    line = page.text_content("#py-errors li[data-call='no.such.handler']")
    assert line.startswith("no.such.handler: KeyError") and "\n" not in line, line
    page.evaluate("() => { try { window.digitlab.call('no.such.handler', {}); } catch (e) {} }")
    assert page.locator("#py-errors li").count() == 1                # the same error is listed once
    assert app.draw(DIGITS[7])["digit"] == "7"                       # the page goes on
    assert page.get_attribute("#status", "data-state") == "ready"
    page.click("#py-errors .py-errors-close")
    assert not box.is_visible()


def overflowing(x):
    """mlp-25-25 with one hidden unit rewired so that the probe digits and full ink give finite
    outputs (its two input pixels cancel or are blank there), but the drawing `x` (784,) inks
    pixel A and not B: its 1e19 then meets 1e20 in the next layer, past float32's 3.4e38."""
    from digitlab import probes, weights
    net = models.load("mlp-25-25")
    blank = (probes.images()[:4] == 0).all(axis=0)
    a = int(np.argmax(np.where(blank, x, -1)))
    b = int(np.flatnonzero(blank & (x == 0))[0])
    assert x[a] > 0.5
    W1, W2 = net.params["h1"]["W"], net.params["h2"]["W"]
    W1[:, 0] = 0
    W1[a, 0], W1[b, 0], net.params["h1"]["b"][0] = 1e19, -1e19, 0
    W2[0, :] = 1e20
    weights.probe(net, "overflowing")                    # passes the import's probe
    with np.errstate(all="ignore"):
        assert np.isnan(net.forward(x.reshape(1, 784)).probs).all()
    data = weights.npz_bytes(net.params)
    m = weights.manifest_for(net, "overflowing", hashlib.sha256(data).hexdigest())
    return data, json.dumps(m).encode()


def test_a_network_whose_output_is_not_a_number_says_so_and_the_page_goes_on(browser, site_url):
    """A model that passes every import check but overflows on this drawing: the answer says the
    output is not a number, the bars say NaN, the diagram is still drawn, no error; switching to a
    working model answers at once (before: viewmodel.prediction raised on NaN and the page
    stopped classifying until a reload)."""
    from .test_train import open_panel
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        app = App(context, site_url).open()
        app.choose("mlp-25-25")
        app.draw(DIGITS[3])
        x = np.asarray(app.snapshot()["input"], np.float32)
        open_panel(app)
        assert "Imported as “overflowing”" in import_files(app, "overflowing", *overflowing(x))
        app.choose("imported-1")
        p = app.prediction()
        assert p["state"] == "nan" and p["digit"] == ""
        assert p["text"] == "no answer: the network's output is not a number (NaN or infinity)"
        assert p["speak"] == "no answer: the network's output is not a number"
        assert app.page.eval_on_selector_all("#probs .v", "es => es.map(e => e.textContent)") == ["NaN"] * 10
        app.page.locator("#network").scroll_into_view_if_needed()
        app.poll("() => window.digitlab.snapshot().diagram")
        assert app.page.eval_on_selector_all("#network [data-node-id]", "es => es.length") >= 20
        SCREENSHOTS.mkdir(exist_ok=True)
        app.page.locator("#prediction").scroll_into_view_if_needed()
        app.page.screenshot(path=str(SCREENSHOTS / "nan-answer.png"))
        app.choose("mlp-25-25")
        p = app.prediction()
        assert p["state"] in ("sure", "unsure") and p["digit"] == "3", p
        assert app.page.eval_on_selector_all("#probs .v", "es => es.map(e => e.textContent)") != ["NaN"] * 10
        assert app.errors == [], app.errors
    finally:
        context.close()
