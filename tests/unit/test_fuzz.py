"""Fuzzing (hypothesis): whatever arrives, the pure parts either answer within their contract or
refuse with the one exception they document, never another one.

- preprocess.to_mnist: any 2-D shape >= 1x1, any valid values -> (28, 28) float32 in [0, 1];
  NaN / inf / out-of-range -> ValueError that says so.
- viewmodel: prediction() for any probabilities (non-finite ones: the "nan" state),
  too_small() for any drawing, Diagram.view() for any input of every shipped model: JSON-safe
  and finite.
- weights.load: random byte damage to the npz or the manifest, or junk in any one field of a
  real manifest (activation, input shape, sizes, names, sha256) -> WeightsError naming the file.
- sharelink.decode (the URL hash): any string -> (state, notices), never an exception.
"""

import base64
import hashlib
import json
import math
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from digitlab import models, preprocess, viewmodel, weights
from digitlab.core import activations

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

shapes = hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=64)
float_images = hnp.arrays(np.float32, shapes, elements=st.floats(0, 1, width=32))
u8_images = hnp.arrays(np.uint8, shapes)


def check_field(x):
    assert x.shape == (28, 28) and x.dtype == np.float32
    assert np.isfinite(x).all() and x.min() >= 0 and x.max() <= 1


# ---- preprocess ----------------------------------------------------------------------------

@FAST
@given(st.one_of(float_images, u8_images))
def test_to_mnist_takes_any_shape_and_valid_values(img):
    """Tiny images (1x1, 3x200, ...) are scaled up like any other; blank ones give zeros."""
    x = preprocess.to_mnist(img)
    check_field(x)
    assert x.any() == preprocess.has_ink(img)
    steps = preprocess.to_mnist_steps(img)
    np.testing.assert_array_equal(steps.final, x)
    check_field(preprocess.downscale(img))


@FAST
@given(float_images, st.sampled_from([np.nan, np.inf, -np.inf]), st.data())
def test_nan_and_inf_are_refused_clearly(img, bad, data):
    r = data.draw(st.integers(0, img.shape[0] - 1))
    c = data.draw(st.integers(0, img.shape[1] - 1))
    img = img.copy()
    img[r, c] = bad
    with pytest.raises(ValueError, match="NaN or infinite"):
        preprocess.to_mnist(img)
    with pytest.raises(ValueError, match="NaN or infinite"):
        preprocess.downscale(img)


@FAST
@given(st.one_of(
    hnp.arrays(np.float64, shapes, elements=st.floats(1.01, 1e30) | st.floats(-1e30, -0.01)),
    hnp.arrays(np.int64, shapes, elements=st.integers(256, 2**40) | st.integers(-2**40, -1))))
def test_out_of_range_values_are_refused(img):
    with pytest.raises(ValueError, match="must lie in"):
        preprocess.to_mnist(img)


@pytest.mark.parametrize("bad", [np.zeros((0, 5)), np.zeros(7), np.zeros((3, 3, 3)), np.array("ink"),
                                 np.zeros((4, 4), complex)])
def test_wrong_shapes_and_kinds_are_refused(bad):
    with pytest.raises(ValueError):
        preprocess.to_mnist(bad)


# ---- view model ----------------------------------------------------------------------------

probs10 = hnp.arrays(np.float64, 10, elements=st.floats(0, 1)).filter(lambda p: p.sum() > 0).map(lambda p: p / p.sum())


@FAST
@given(probs10, st.booleans(), st.booleans())
def test_prediction_is_honest_for_any_probabilities(probs, ink, small):
    pred = viewmodel.prediction(probs, ink, small)
    json.dumps(pred)
    if not ink:
        assert pred["state"] == "none" and pred["digit"] is None
        return
    assert pred["digit"] == int(np.argmax(probs))
    if small or probs.max() < viewmodel.CONFIG.unsure_below:
        assert pred["state"] == "unsure"
    else:
        assert pred["state"] == "sure"
    assert 0 <= pred["confidence"] <= 1
    assert viewmodel.percent(probs) == [round(100 * p) for p in probs] or \
        max(abs(a - 100 * p) for a, p in zip(viewmodel.percent(probs), probs)) <= 0.5 + 1e-9


@FAST
@given(hnp.arrays(np.float64, 10, elements=st.floats(allow_nan=True, allow_infinity=True)).filter(
    lambda p: not np.isfinite(p).all()), st.booleans())
def test_non_finite_probabilities_are_the_nan_state(probs, small):
    """NaN or inf from a damaged network: no digit, no percentages, JSON-safe (before: ValueError)."""
    pred = viewmodel.prediction(probs, True, small)
    json.dumps(pred, allow_nan=False)
    assert pred == {"digit": None, "confidence": 0.0, "state": "nan"}
    assert viewmodel.percent(probs) is None


@FAST
@given(hnp.arrays(np.float32, (28, 28), elements=st.floats(0, 1, width=32)))
def test_too_small_matches_the_ink_extent(drawn):
    ink = drawn >= 0.1
    rows, cols = np.flatnonzero(ink.any(1)), np.flatnonzero(ink.any(0))
    extent = 0 if not len(rows) else max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1
    assert viewmodel.too_small(drawn) == (0 < extent < viewmodel.CONFIG.min_extent)


@FAST
@given(hnp.arrays(np.float32, (28, 28), elements=st.floats(0, 1, width=32)), probs10)
def test_doubt_is_one_of_its_reasons_and_makes_the_reading_unsure(drawn, probs):
    why = viewmodel.doubt(drawn)
    assert why in (None, *viewmodel.DOUBTS)
    assert (why == "small") == viewmodel.too_small(drawn)
    if why:
        pred = viewmodel.prediction(probs, True, why)
        assert pred["state"] == "unsure" and pred["reason"] == why


def test_doubt_spares_every_mnist_test_digit():
    """The bounds were set outside MNIST's training digits; none of the 10,000 test digits trips them."""
    from digitlab import data
    X, _ = data.load("test")
    assert [i for i in range(len(X)) if viewmodel.doubt(X[i] / 255.0)] == []


@pytest.fixture(scope="module")
def diagrams():
    return {name: (net, viewmodel.Diagram(net)) for name in models.ARCHS for net in [models.load(name)]}


def finite_json(obj):
    """to_json(view) as text with NaN/inf refused: the page's JSON must be plain numbers."""
    return json.dumps(viewmodel.to_json(obj), allow_nan=False)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(list(models.ARCHS)),
       x=hnp.arrays(np.float32, (28, 28), elements=st.floats(0, 1, width=32)))
def test_the_view_is_json_safe_for_any_input(diagrams, name, x):
    net, diagram = diagrams[name]
    trace = net.forward(x.reshape(1, 784))
    view = diagram.view(trace)
    finite_json(view)
    ids = list(view["nodes"]["id"])
    assert len(ids) == len(set(ids))
    for rgba in diagram.images(trace).values():
        assert rgba.dtype == np.uint32


# ---- the weights loader --------------------------------------------------------------------

@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    root = tmp_path_factory.mktemp("weights")
    for name in ("mlp-25-25", "cnn-small"):
        for ext in ("npz", "json"):
            shutil.copy(models.weights_dir() / f"{name}.{ext}", root / f"{name}.{ext}")
    return root


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(["mlp-25-25", "cnn-small"]), ext=st.sampled_from(["npz", "json"]),
       damage=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), min_size=1, max_size=8),
       cut=st.none() | st.floats(0, 1), rehash=st.booleans())
def test_damaged_weights_raise_weights_error_naming_the_file(shipped, tmp_path_factory, name, ext, damage, cut,
                                                             rehash):
    """Random bytes overwritten, or the file cut short; with rehash the manifest's sha256 is made
    to match the damaged npz, so the checks after the hash are fuzzed too."""
    root = tmp_path_factory.mktemp("damaged")
    for e in ("npz", "json"):
        shutil.copy(shipped / f"{name}.{e}", root / f"{name}.{e}")
    path = root / f"{name}.{ext}"
    data = bytearray(path.read_bytes())
    for where, byte in damage:
        data[int(where * len(data))] = byte
    if cut is not None:
        data = data[: int(cut * len(data))]
    assume(bytes(data) != path.read_bytes())
    path.write_bytes(bytes(data))
    if rehash and ext == "npz":
        manifest = json.loads((root / f"{name}.json").read_text())
        manifest["npz_sha256"] = hashlib.sha256(bytes(data)).hexdigest()
        (root / f"{name}.json").write_text(json.dumps(manifest))
    try:
        net, _ = weights.load(root / f"{name}.npz")
    except weights.WeightsError as e:
        assert f"{name}." in str(e) and str(root) in str(e), str(e)
        return
    # Damage that changes nothing the loader reads (JSON whitespace, a zip comment, an array's
    # padding) may load; then the network must still be the shipped one.
    good = models.load(name, root=shipped)
    x = np.random.default_rng(0).random((2, 784), np.float32)
    np.testing.assert_allclose(net.forward(x).probs, good.forward(x).probs, atol=1e-6)


@pytest.mark.parametrize("text", ["", "null", "[]", '{"format": "digitlab-weights"}', '{"format": 1e999}',
                                  '{"format": "digitlab-weights", "format_version": 1, "layers": "x"}',
                                  '{"format": "digitlab-weights", "format_version": 1, "layers": [{"type": "dense"}],'
                                  ' "input": {"shape": [784]}}',
                                  '[' * 100_000 + ']' * 100_000, '{"a": ' + '[' * 100_000 + ']' * 100_000 + '}'])
def test_hostile_manifests(shipped, tmp_path, text):
    shutil.copy(shipped / "mlp-25-25.npz", tmp_path / "mlp-25-25.npz")
    (tmp_path / "mlp-25-25.json").write_text(text)
    with pytest.raises(weights.WeightsError, match="mlp-25-25.json"):
        weights.load(tmp_path / "mlp-25-25.npz")


junk = st.one_of(st.none(), st.booleans(), st.integers(-10 ** 20, 10 ** 20), st.floats(), st.text(max_size=30),
                 st.lists(st.integers(-3, 1000) | st.floats(0, 1000) | st.booleans() | st.text(max_size=3),
                          max_size=4),
                 st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))
named = st.sampled_from(["swish", "softmax", "relu ", "RELU", "__class__", "sigmoid", "abc",
                         r"\href{x}{y}", "conv1", [784], [784.0], [28, 28, 1], [28.0, 28, 1], [True], [-784]])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_hostile_fields_in_a_real_manifest(shipped, tmp_path_factory, data):
    """One field of cnn-small's manifest replaced by junk: an activation, the input shape, a size,
    a kernel, a name, a type, the sha256. Before, an unknown activation escaped as KeyError and
    an input shape of "abc" or [784.0] as TypeError; now every case is a WeightsError naming the
    file, or (junk that reads as the original) the very same network."""
    m = json.loads((shipped / "cnn-small.json").read_text())
    i = data.draw(st.integers(0, len(m["layers"]) - 1), label="layer")
    fields = [(m["input"], "shape"), (m, "npz_sha256")] + [(m["layers"][i], k) for k in m["layers"][i] if k != "params"]
    where, key = data.draw(st.sampled_from(fields), label="field")
    where[key] = data.draw(junk | named, label="value")
    root = tmp_path_factory.mktemp("hostile")
    shutil.copy(shipped / "cnn-small.npz", root / "cnn-small.npz")
    (root / "cnn-small.json").write_text(json.dumps(m))
    try:
        net, _ = weights.load(root / "cnn-small.npz")
    except weights.WeightsError as e:
        assert str(root / "cnn-small.") in str(e), str(e)
        return
    if key == "activation":                            # another known activation: a real network
        assert net.layers[i].activation == where[key] in (*activations.ACTIVATIONS, "softmax")
        return
    good = models.load("cnn-small", root=shipped)
    x = np.random.default_rng(0).random((2, 784), np.float32)
    np.testing.assert_allclose(net.forward(x).probs, good.forward(x).probs, atol=1e-6)


# ---- the share link (URL hash) decoder -----------------------------------------------------

hostile_text = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["<script>alert(1)</script>", "javascript:alert(1)", "NaN", "Infinity", "-1e999", "1e309",
                     "9" * 400, "%00", "%ZZ", "#", "##", "&&&", "=", "model=<img src=x onerror=alert(1)>",
                     "m=cnn&d=" + "A" * 100_000, "\u202e", "\ud7ff", "__proto__", "constructor"]),
    st.lists(st.tuples(st.text(max_size=20), st.text(max_size=60)), max_size=6).map(
        lambda kv: "&".join(f"{k}={v}" for k, v in kv)),
)


def _plain(obj):
    """Only JSON-able data with finite numbers: nothing the page could run or render as HTML."""
    json.dumps(obj, allow_nan=False)


@FAST
@given(hostile_text | st.binary(max_size=400).map(lambda b: "v=1&m=cnn&s=" + base64.urlsafe_b64encode(b).decode()),
       st.sampled_from(["", "#"]))
def test_decode_never_raises_and_returns_plain_data(text, prefix):
    from digitlab import sharelink     # documented API: decode(hash) -> (state, notices)
    state, notices = sharelink.decode(prefix + text)
    assert isinstance(state, dict) and isinstance(notices, list)
    _plain(state)
    _plain(notices)
    assert all(n.startswith("notice.") for n in notices), notices      # keys, never URL text
    assert state.get("model") in (None, *sharelink.MODELS)
    for s in state.get("strokes", []):
        assert 0 < s["w"] and math.isfinite(s["w"])
        assert all(0 <= v <= 1 for v in s["pts"]) and len(s["pts"]) % 2 == 0
    for v in state.get("damage", {}).values():
        assert not isinstance(v, float) or math.isfinite(v)


@FAST
@given(st.lists(st.tuples(st.integers(1, 40), st.lists(st.floats(0, 1), min_size=2, max_size=40)
                          .filter(lambda p: len(p) % 2 == 0)), min_size=1, max_size=5),
       st.sampled_from(list(models.ARCHS)))
def test_share_links_round_trip(strokes, model):
    from digitlab import sharelink
    state = {"model": model, "strokes": [{"w": w / 280, "pts": pts} for w, pts in strokes]}
    got, notices = sharelink.decode(sharelink.encode(state))
    assert notices == [] and got["model"] == model
    assert len(got["strokes"]) == len(strokes)
    for a, b in zip(got["strokes"], state["strokes"]):
        np.testing.assert_allclose(a["pts"], b["pts"], atol=1 / sharelink.GRID)
        assert a["w"] == pytest.approx(b["w"], abs=1 / 280)


# ---- the page's own code: no user text as HTML, a strict CSP --------------------------------

SITE = Path(__file__).resolve().parents[2] / "site"
# Every interpolation allowed inside an innerHTML template, and why it is safe.
SAFE_IN_HTML = {"d": "a loop index 0..9 (site/js/output.js)"}


def _site_scripts():
    return sorted(p for p in [*SITE.glob("*.js"), *SITE.glob("*.mjs"), *SITE.glob("js/**/*.js")])


def test_html_is_only_ever_made_from_constants():
    """innerHTML / outerHTML / insertAdjacentHTML / document.write get only literal text; a
    template may interpolate only the names in SAFE_IN_HTML. No eval or Function() either."""
    sink = re.compile(r"\.(innerHTML|outerHTML)\s*\+?=\s*(.*?);\s*$|insertAdjacentHTML|document\.write|\beval\(|new Function\(")
    seen = []
    for path in _site_scripts():
        for n, line in enumerate(path.read_text().splitlines(), 1):
            m = sink.search(line)
            if not m:
                continue
            where = f"{path.relative_to(SITE)}:{n}: {line.strip()}"
            assert m.group(1), f"HTML sink other than a constant innerHTML: {where}"
            rhs = m.group(2).strip()
            literal = re.fullmatch(r'"[^"$]*"|\'[^\'$]*\'|`[^`]*`', rhs)
            assert literal, f"innerHTML from a non-literal: {where}"
            names = set(re.findall(r"\$\{\s*([^}]*?)\s*\}", rhs))
            assert names <= set(SAFE_IN_HTML), f"innerHTML interpolates {names - set(SAFE_IN_HTML)}: {where}"
            seen.append(where)
    assert seen, "the scan found no innerHTML at all: is it still reading the site's files?"


# Each source the Content-Security-Policy allows, and why (measured in Chromium; see the
# comment beside the meta in site/index.html).
CSP = {
    "default-src": ["'self'"],                 # everything from the site's own folder, nothing else
    # 'unsafe-eval': PyScript 0.6.66 builds its hooks with Function() (the page stays in "error"
    # without it); 'wasm-unsafe-eval': Pyodide compiles its wasm (implied by 'unsafe-eval' today,
    # kept so that dropping 'unsafe-eval' later does not break the runtime).
    "script-src": ["'self'", "'unsafe-eval'", "'wasm-unsafe-eval'"],
    "style-src": ["'self'"],                   # no inline style attributes or <style>
    "img-src": ["'self'", "data:"],            # data: for CodeMirror's inline SVG markers (editor)
    "connect-src": ["'self'"],                 # fetch: weights, samples, runtime files
    "worker-src": ["'self'"],                  # the service worker (sw.js) and boot-worker.mjs
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'none'"],
}


def test_the_csp_is_as_strict_as_the_runtime_allows():
    html = (SITE / "index.html").read_text()
    metas = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)"', html)
    assert len(metas) == 1
    got = {}
    for part in filter(None, (p.strip() for p in metas[0].split(";"))):
        name, *sources = part.split()
        got[name] = sources
    assert got == CSP
    assert "'unsafe-inline'" not in metas[0] and "*" not in metas[0] and "blob:" not in metas[0]
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", html), "an inline script"
    assert " style=" not in html, "an inline style attribute"
