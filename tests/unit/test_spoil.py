"""digitlab.spoil: each spoiler against what it must do to simple images."""

import numpy as np
import pytest

from digitlab import spoil as sp


def dot(r=10, c=20):
    A = np.zeros((1, 28, 28), np.float32)
    A[0, r, c] = 1
    return A


def test_rotation_by_90_is_a_quarter_turn_clockwise_on_screen():
    rng = np.random.default_rng(0)
    A = rng.random((3, 28, 28)).astype(np.float32)
    assert np.allclose(sp.rotate(A, 90), np.rot90(A, k=-1, axes=(1, 2)), atol=1e-5)
    assert sp.rotate(A, 0) is A


def test_thickness_grows_and_shrinks_strokes():
    assert sp.thicken(dot(), 1).sum() == 9 and sp.thicken(dot(), 2).sum() == 25
    block = sp.thicken(dot(), 2)
    assert np.array_equal(sp.thicken(block, -1), sp.thicken(dot(), 1))
    assert sp.thicken(dot(), -1).sum() == 0


def test_noise_is_seeded_clipped_and_scaled():
    A = np.full((2, 28, 28), 0.5, np.float32)
    a, b = sp.add_noise(A, 0.1), sp.add_noise(A, 0.1)
    assert np.array_equal(a, b) and a.min() >= 0 and a.max() <= 1
    assert np.std(a - A) == pytest.approx(0.1, rel=0.05)
    assert sp.add_noise(A, 0) is A


def test_spoil_takes_uint8_and_one_names_each_spoiler():
    X = (dot()[0] * 255).astype(np.uint8)[None]
    out = sp.spoil(X, **sp.one("thickness", 1))
    assert out.dtype == np.float32 and out.sum() == 9
    assert set(sp.STRENGTHS) == {"noise", "rotate", "thickness", "shift"}
    assert np.array_equal(sp.spoil(X, **sp.one("shift", 3)), sp.shift(X.astype(np.float32) / 255, 3))


def test_shift_moves_every_pixel_right_and_loses_what_leaves():
    A = dot(10, 20)
    assert np.argwhere(sp.shift(A, 3)[0]).tolist() == [[10, 23]]
    assert np.argwhere(sp.shift(A, -5)[0]).tolist() == [[10, 15]]
    assert sp.shift(A, 8).sum() == 0 and sp.shift(A, 0) is A
    rng = np.random.default_rng(1)
    B = rng.random((2, 28, 28)).astype(np.float32)
    assert np.array_equal(sp.shift(B, 2)[:, :, 2:], B[:, :, :26]) and not sp.shift(B, 2)[:, :, :2].any()
