"""Multi-digit segmentation (digitlab.segment): groups of ink clearly apart, left to right."""

import numpy as np

from digitlab import models, preprocess, segment


def pad_with(*boxes):
    """(280, 280) uint8 with ink rectangles (r0, r1, c0, c1)."""
    img = np.zeros((280, 280), np.uint8)
    for r0, r1, c0, c1 in boxes:
        img[r0:r1, c0:c1] = 255
    return img


def test_blank_and_single_group():
    assert segment.column_groups(np.zeros((280, 280), np.uint8)) == []
    one = pad_with((60, 220, 100, 120), (60, 80, 80, 180))          # a "7"-ish: strokes overlap in x
    assert segment.column_groups(one) == [(80, 180)]
    assert segment.split(one) == []


def test_strokes_of_one_digit_that_do_not_touch_stay_together():
    four = pad_with((60, 160, 90, 100), (150, 160, 90, 170), (60, 230, 150, 160))   # gaps in y, not x
    assert len(segment.column_groups(four)) == 1


def test_two_digits_apart_split_left_to_right():
    img = pad_with((60, 220, 30, 50), (60, 220, 150, 170), (60, 80, 150, 250))
    groups = segment.column_groups(img)
    assert groups == [(30, 50), (150, 250)]
    parts = segment.split(img)
    assert len(parts) == 2 and parts[0].dtype == np.uint8
    assert parts[0][:, 100:].max() == 0 and parts[1][:, :100].max() == 0
    np.testing.assert_array_equal(parts[0] + parts[1], img)


def test_small_gap_relative_to_height_does_not_split():
    tall = pad_with((20, 260, 100, 110), (20, 260, 125, 135))          # 15 px apart, 240 px tall
    assert len(segment.column_groups(tall)) == 1
    short = pad_with((100, 140, 100, 110), (100, 140, 125, 135))       # 15 px apart, 40 px tall
    assert len(segment.column_groups(short)) == 2


def test_a_speck_is_not_a_digit():
    img = pad_with((60, 220, 100, 120), (60, 80, 80, 180), (250, 253, 260, 263))
    assert len(segment.column_groups(img)) == 2
    assert segment.split(img) == []


def test_float_images_work_the_same():
    img = pad_with((60, 220, 30, 50), (60, 220, 150, 170))
    assert segment.column_groups(img / 255.0) == segment.column_groups(img)


def test_real_digits_side_by_side_read_as_a_sequence():
    """Two MNIST-like strokes drawn apart: each group read on its own by the cnn."""
    net = models.load("cnn")
    img = np.zeros((280, 280), np.uint8)
    img[40:240, 50:62] = 255                                             # a "1" on the left
    img[40:52, 150:250] = 255                                            # a "7" on the right: bar...
    for r in range(52, 240):                                             # ...and a slanted stem
        c = int(245 - (r - 52) * 0.45)
        img[r, c - 6:c + 6] = 255
    parts = segment.split(img)
    probs = net.forward(np.stack([preprocess.to_mnist(p).reshape(784) for p in parts])).probs
    assert probs.argmax(axis=1).tolist() == [1, 7]
