"""MNIST-style preprocessing: drawings of every awkward kind -> a centred 28x28 digit."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from digitlab import data
from digitlab.preprocess import (FIELD, INK_THRESHOLD, Steps, downscale, has_ink,
                                 resample_weights, resize, to_mnist, to_mnist_steps)


@pytest.fixture(scope="module")
def mnist():
    X, y = data.load("test")
    return X, y


# ---- helpers that measure the output (written independently of the module) ----

def com(img):
    """(row, col) centre of mass, pixel-index coordinates."""
    m = img.sum()
    r = np.arange(img.shape[0])
    return (img.sum(1) @ r) / m, (img.sum(0) @ np.arange(img.shape[1])) / m


def extent(img, t=0.0):
    """(rows, cols) spanned by pixels > t."""
    rows, cols = np.flatnonzero((img > t).any(1)), np.flatnonzero((img > t).any(0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def strokes(shape, segments, width):
    """Anti-aliased thick line segments [(r0, c0, r1, c1), ...] on a float canvas."""
    R, C = np.mgrid[:shape[0], :shape[1]].astype(np.float64)
    out = np.zeros(shape)
    for r0, c0, r1, c1 in segments:
        d = np.array([r1 - r0, c1 - c0], float)
        t = np.clip(((R - r0) * d[0] + (C - c0) * d[1]) / max(d @ d, 1e-9), 0, 1)
        dist = np.hypot(R - (r0 + t * d[0]), C - (c0 + t * d[1]))
        out = np.maximum(out, np.clip(width / 2 + 0.5 - dist, 0, 1))
    return out


def seven(shape, top, left, size, width):
    """A '7' of height `size` with its top-left corner at (top, left)."""
    s = size
    return strokes(shape, [(top, left, top, left + 0.6 * s),
                           (top, left + 0.6 * s, top + s, left + 0.2 * s)], width)


def nearest_upscale(img, k):
    return np.kron(img, np.ones((k, k), img.dtype))


def assert_mnist_like(out):
    """Shape, dtype, range, longer side exactly 20 px, mass centred within 0.5 px."""
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert 0 <= out.min() and out.max() <= 1 and np.isfinite(out).all()
    assert max(extent(out)) == 20, extent(out)
    cy, cx = com(out)
    assert abs(cy - 14) <= 0.501 and abs(cx - 14) <= 0.501, (cy, cx)  # whole-pixel shift


# ---- fixtures that can fail ----

def test_blank_and_haze_give_zeros_and_no_ink():
    for img in (np.zeros((280, 280), np.uint8), np.full((50, 70), 0.9 * INK_THRESHOLD)):
        assert not has_ink(img)
        out = to_mnist(img)
        assert out.shape == (28, 28) and out.dtype == np.float32 and not out.any()
        s = to_mnist_steps(img)
        assert s.bbox is None and not s.final.any() and s.scaled.size == 0


def test_single_dot_counts_as_ink_and_fills_the_box():
    img = np.zeros((280, 280), np.uint8)
    img[200, 31] = 255
    assert has_ink(img)
    out = to_mnist(img)
    assert_mnist_like(out)
    assert out.sum() == pytest.approx(400)  # a 1x1 crop blown up to a 20x20 square


def test_off_centre_drawing_is_moved_exactly(mnist):
    X, _ = mnist
    digit = nearest_upscale(X[0], 5)                     # 140x140
    outs = []
    for top, left in [(0, 0), (140, 140), (3, 139), (77, 11)]:
        pad = np.zeros((280, 280), np.uint8)
        pad[top:top + 140, left:left + 140] = digit
        outs.append(to_mnist(pad))
    for out in outs:
        assert_mnist_like(out)
        np.testing.assert_array_equal(out, outs[0])


def test_non_square_pads_match_the_square_pad(mnist):
    X, _ = mnist
    digit = nearest_upscale(X[3], 4)                     # 112x112
    ref = np.zeros((280, 280), np.uint8)
    ref[10:122, 100:212] = digit
    for H, W in [(112, 400), (500, 130), (113, 112)]:
        pad = np.zeros((H, W), np.uint8)
        pad[H - 112:, W - 112:] = digit
        np.testing.assert_array_equal(to_mnist(pad), to_mnist(ref))


@pytest.mark.parametrize("k", [1, 2, 4, 10, 20])
def test_tiny_and_huge_drawings_become_the_same_digit(mnist, k):
    """The same digit drawn from 28 px up to 560 px comes out close to MNIST's own."""
    X, _ = mnist
    for i in range(5):
        x = X[i].astype(np.float32) / 255
        out = to_mnist(nearest_upscale(x, k))
        assert_mnist_like(out)
        corr = np.corrcoef(out.ravel(), x.ravel())[0, 1]
        assert corr > 0.93, (i, k, corr)


def test_tiny_drawing_smaller_than_the_field():
    img = seven((9, 7), 1, 1, 6, 1.2)                    # a 6 px "7" on a 9x7 pad
    out = to_mnist(img)
    assert_mnist_like(out)
    assert out.max() > 0.9                               # upscaling keeps full ink


def test_tiny_binary_drawing_is_grown_smoothly():
    """A 6x4 blocky stroke grown to 20 px gets soft edges, not 5x5 blocks."""
    img = np.zeros((6, 4), np.uint8)
    img[:, 1] = img[0, :] = 255                          # a crude binary "7"-ish corner
    out = to_mnist(img)
    assert_mnist_like(out)
    assert ((out > 0.05) & (out < 0.95)).sum() >= 20
    ramp = resize(np.array([[0, 255]], np.uint8), 1, 20, np.float32(1 / 255))[0]
    assert np.all(np.diff(ramp) >= 0) and len(np.unique(ramp)) >= 10


@pytest.mark.parametrize("width, min_peak", [(3, 0.2), (8, 0.6), (30, 0.99), (70, 0.99)])
def test_thin_and_thick_strokes(width, min_peak):
    img = seven((280, 280), 40, 60, 180, width)
    out = to_mnist(img)
    assert_mnist_like(out)
    assert out.max() >= min_peak                          # thin strokes stay visible
    smooth = ((out > 0.02) & (out < 0.98)).sum()
    assert smooth >= 8                                    # anti-aliased edges survive


def test_thick_stroke_fills_more_than_thin_stroke():
    thin, thick = (to_mnist(seven((280, 280), 40, 60, 180, w)) for w in (6, 40))
    assert thick.sum() > 2.5 * thin.sum()


def fitted(bbox):
    """The scaled size the spec asks for: longer side 20, aspect kept, each side >= 1."""
    h, w = bbox[1] - bbox[0], bbox[3] - bbox[2]
    L = max(h, w)
    return max(1, round(h * 20 / L)), max(1, round(w * 20 / L))


@pytest.mark.parametrize("shape, seg, width", [
    ((280, 280), (20, 140, 250, 148), 14),               # a tall "1", slightly slanted
    ((280, 280), (20, 100, 250, 160), 30),               # a thick slanted "1"
    ((280, 280), (140, 20, 142, 260), 6),                # a dash
    ((30, 600), (15, 20, 15, 580), 12),                  # a long dash on a strip
])
def test_elongated_strokes_keep_their_aspect(shape, seg, width):
    img = strokes(shape, [seg], width)
    out = to_mnist(img)
    assert_mnist_like(out)
    rows, cols = np.flatnonzero((img >= INK_THRESHOLD).any(1)), np.flatnonzero((img >= INK_THRESHOLD).any(0))
    want = fitted((rows[0], rows[-1] + 1, cols[0], cols[-1] + 1))
    got = extent(out)
    assert max(got) == 20 and abs(min(got) - min(want)) <= 1, (got, want)


def test_uint8_float32_float64_and_ints_agree(mnist):
    X, _ = mnist
    pad = np.zeros((150, 200), np.uint8)
    pad[30:86, 100:156] = nearest_upscale(X[7], 2)
    ref = to_mnist(pad)
    for img in (pad / 255.0, (pad / 255.0).astype(np.float32), pad.astype(np.int64)):
        np.testing.assert_allclose(to_mnist(img), ref, atol=2e-6)
    np.testing.assert_allclose(to_mnist(pad > 127), to_mnist(np.where(pad > 127, 1.0, 0.0)), atol=1e-6)
    np.testing.assert_allclose(downscale(pad / 255.0), downscale(pad), atol=2e-6)


def test_mnist_digits_are_nearly_fixed_points(mnist):
    """MNIST is already in the target form, so to_mnist should hardly change it."""
    X, _ = mnist
    x = X.astype(np.float32) / 255
    mad = np.array([np.abs(to_mnist(d) - d).mean() for d in x])
    print(f"\nidempotence on {len(x)} MNIST test digits: mean |to_mnist(x) - x| = "
          f"{mad.mean():.5f}, 99th pct {np.percentile(mad, 99):.5f}, max {mad.max():.4f}, "
          f"unchanged {(mad < 1e-6).mean():.1%}")
    assert mad.mean() < 0.002
    assert np.percentile(mad, 99) < 0.005
    assert (mad < 1e-6).mean() > 0.75                    # most come back bit-for-bit


def test_mnist_digits_on_a_pad_are_centred_like_mnist(mnist):
    X, _ = mnist
    rng = np.random.default_rng(1)
    for i in rng.choice(len(X), 40, replace=False):
        pad = np.zeros((280, 280), np.uint8)
        r, c = rng.integers(0, 280 - 84, 2)
        pad[r:r + 84, c:c + 84] = nearest_upscale(X[i], 3)
        assert_mnist_like(to_mnist(pad))


# ---- the steps ----

def check_steps(img, s):
    assert isinstance(s, Steps)
    np.testing.assert_array_equal(s.final, to_mnist(img))
    assert s.ink.dtype == np.float32 and s.ink.shape == np.shape(img)
    if s.bbox is None:
        return
    r0, r1, c0, c1 = s.bbox
    np.testing.assert_array_equal(s.cropped, s.ink[r0:r1, c0:c1])
    assert s.ink[r0:r1, c0:c1].max() >= INK_THRESHOLD
    outside = s.ink.copy()
    outside[r0:r1, c0:c1] = 0
    assert outside.max() < INK_THRESHOLD
    h, w = s.scaled.shape
    assert max(h, w) == 20
    assert (h, w) == fitted(s.bbox)
    (oy, ox), (dy, dx) = s.origin, s.shift
    np.testing.assert_array_equal(s.boxed[oy:oy + h, ox:ox + w], s.scaled)
    assert s.boxed.sum() == pytest.approx(s.scaled.sum(), rel=1e-5)
    np.testing.assert_array_equal(s.final, np.roll(s.boxed, (dy, dx), axis=(0, 1)))


def test_steps_are_consistent_on_mnist_and_strokes(mnist):
    X, _ = mnist
    cases = [nearest_upscale(X[i], 6) for i in range(4)]
    cases += [seven((200, 300), 10, 200, 150, 12), np.zeros((40, 40))]
    for img in cases:
        check_steps(img, to_mnist_steps(img))


def test_steps_show_the_centring_move():
    # A '7' has its mass high and right of its box centre, so the shift is non-zero.
    s = to_mnist_steps(seven((280, 280), 40, 60, 180, 20))
    assert s.shift != (0, 0)
    cy, cx = com(s.boxed)
    assert abs(cy + s.shift[0] - 14) <= 0.501 and abs(cx + s.shift[1] - 14) <= 0.501


# ---- downscale and weights ----

def test_downscale_is_the_pad_as_drawn():
    pad = np.zeros((280, 280), np.uint8)
    pad[:140, :70] = 255                                 # top-left block, a quarter x half
    out = downscale(pad)
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert out[:14, :7].min() == pytest.approx(1) and out[14:].max() == 0 and out[:, 7:].max() == 0
    assert out.mean() == pytest.approx(pad.mean() / 255, rel=1e-5)
    wide = downscale(np.ones((100, 400)), 40)
    assert wide.shape == (40, 40) and extent(wide) == (10, 40)  # aspect kept, centred
    assert downscale(np.ones((3, 3)), 28).min() == pytest.approx(1)


def test_resize_matches_the_weight_matrices():
    """The fast running-sum route equals the plain matrix form R_y @ a @ R_x.T."""
    rng = np.random.default_rng(3)
    for _ in range(50):
        H, W, h, w = rng.integers(1, 120, 4)
        a = rng.integers(0, 256, (H, W)).astype(np.uint8)
        ref = resample_weights(H, h).astype(np.float64) @ a @ resample_weights(W, w).T.astype(np.float64)
        np.testing.assert_allclose(resize(a, h, w), ref, rtol=1e-5, atol=1e-4)
        np.testing.assert_allclose(resize(a / 255, h, w), ref / 255, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("n_in, n_out", [(280, 20), (7, 20), (20, 20), (1, 20), (561, 28), (29, 28)])
def test_resample_weights_conserve_brightness(n_in, n_out):
    R = resample_weights(n_in, n_out)
    assert R.shape == (n_out, n_in) and R.dtype == np.float32 and R.min() >= 0
    np.testing.assert_allclose(R.sum(1), 1, rtol=1e-6)
    if n_in >= n_out:                                    # area: every input pixel counts equally
        np.testing.assert_allclose(R.sum(0), n_out / n_in, rtol=1e-5)
    with pytest.raises(ValueError):
        R[0, 0] = 1                                      # the cached matrix is read-only


def test_threads_do_not_share_scratch_space(mnist):
    """Scratch buffers are reused between calls; concurrent callers must not see each other's."""
    from concurrent.futures import ThreadPoolExecutor
    X, _ = mnist
    pads = []
    for i in range(16):
        pad = np.zeros((330 + 20 * (i % 3), 280), np.uint8)  # sizes differ, so buffers regrow
        pad[i * 5:i * 5 + 252, 10:262] = nearest_upscale(X[i], 9)
        pads.append(pad)
    serial = [to_mnist(p) for p in pads]
    with ThreadPoolExecutor(4) as pool:
        for _ in range(5):
            for got, want in zip(pool.map(to_mnist, pads), serial):
                np.testing.assert_array_equal(got, want)


# ---- bad input ----

@pytest.mark.parametrize("img, words", [
    (np.zeros((3, 28, 28)), "2-D"), (np.zeros(784), "2-D"), (np.zeros((0, 5)), "empty"),
    (np.array([[0.5, np.nan]]), "NaN"), (np.array([[np.inf, 0]]), "infinite"),
    (np.array([[0, -np.inf]]), "NaN or infinite"), (np.full((5, 5), 255.0), "[0, 1]"),
    (np.full((5, 5), -0.5), "[0, 1]"), (np.array([["a", "b"]]), "dtype"),
    (np.full((5, 5), 256), "0..255"), (np.full((5, 5), -1), "0..255"),
])
def test_bad_input_raises_a_clear_error(img, words):
    for fn in (to_mnist, to_mnist_steps, has_ink, downscale):
        with pytest.raises(ValueError, match=words.replace("[", r"\[").replace("]", r"\]")):
            fn(img)


# ---- fuzzing ----

shapes = hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=90)
floats = hnp.arrays(np.float32, shapes, elements=st.floats(0, 1, width=32))
float64s = hnp.arrays(np.float64, shapes, elements=st.floats(0, 1))
uint8s = hnp.arrays(np.uint8, shapes)


@settings(max_examples=300, deadline=None)
@given(st.one_of(floats, float64s, uint8s))
def test_fuzz_any_valid_image_gives_a_valid_input(img):
    s = to_mnist_steps(img)
    check_steps(img, s)
    out = s.final
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert np.isfinite(out).all() and out.min() >= 0 and out.max() <= 1
    assert has_ink(img) == (s.bbox is not None) == bool(out.any())
    small = downscale(img)
    assert small.shape == (28, 28) and small.dtype == np.float32
    assert np.isfinite(small).all() and 0 <= small.min() and small.max() <= 1


@settings(max_examples=100, deadline=None)
@given(float64s, st.sampled_from([np.nan, np.inf, -np.inf]), st.data())
def test_fuzz_non_finite_values_raise(img, bad, draw):
    img = img.copy()
    r = draw.draw(st.integers(0, img.shape[0] - 1))
    c = draw.draw(st.integers(0, img.shape[1] - 1))
    img[r, c] = bad
    with pytest.raises(ValueError, match="NaN or infinite"):
        to_mnist(img)
