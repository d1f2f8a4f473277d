"""digitlab.photoink: a photo's pad image -> pen strokes (thinning, tracing, the pen's width,
what a share link carries), on shapes whose answer is known and on the synthetic photos."""

import math

import numpy as np
import pytest

from digitlab import photo, photoink, photoset, sharelink
from digitlab.app import App
from digitlab.web.features import digits as _digits_hook  # noqa: F401 - registers the #digits reading
from digitlab.web.features import photo as photo_feature

PAD = photoink.PAD


def pad_of(strokes):
    """Strokes drawn as the pad's ink, (PAD, PAD) uint8 (255 ink)."""
    return photoink.raster(strokes).astype(np.uint8) * np.uint8(255)


def px(*points):
    """Pad pixel coordinates (x, y) -> a stroke's pts in pad units."""
    return [v / PAD for p in points for v in p]


def test_a_thick_bar_thins_to_its_middle_line():
    mask = np.zeros((60, 120), bool)
    mask[20:31, 10:110] = True                          # 11 px thick, rows 20..30: middle row 25
    skel = photoink.thin(mask)
    rows, cols = np.nonzero(skel)
    assert set(rows.tolist()) <= {24, 25, 26}
    assert cols.min() <= 16 and cols.max() >= 103       # most of its length kept
    assert not skel[~mask].any()
    assert photoink.loose_ends(skel) == 2


def test_a_ring_thins_to_one_closed_loop_traced_as_one_path():
    yy, xx = np.mgrid[0:100, 0:100]
    r = np.hypot(yy - 50, xx - 50)
    skel = photoink.thin((r >= 25) & (r <= 35))
    assert photoink.loose_ends(skel) == 0
    paths = photoink.trace(skel)
    assert len(paths) == 1 and len(set(paths[0])) == skel.sum()
    assert paths[0][0] == paths[0][-1]                  # closed on itself
    assert math.isclose(photoink.length(paths[0]), 2 * math.pi * 30, rel_tol=0.12)


def test_a_cross_is_traced_straight_through_its_crossing():
    mask = np.zeros((100, 100), bool)
    mask[47:54, 10:90] = True
    mask[10:90, 47:54] = True
    paths = photoink.trace(photoink.thin(mask))
    covered = set().union(*map(set, paths))
    assert covered == set(zip(*np.nonzero(photoink.thin(mask))))
    first = paths[0]                                     # starts at the top-left-most loose end
    dr, dc = first[-1][0] - first[0][0], first[-1][1] - first[0][1]
    assert abs(dr) > 60 and abs(dc) < 10 or abs(dc) > 60 and abs(dr) < 10    # one straight line
    assert len([p for p in paths if photoink.length(p) > 20]) == 3            # and the two halves


def test_an_even_width_bar_is_drawn_down_its_middle_not_half_a_pixel_off():
    pad = np.zeros((PAD, PAD), np.uint8)
    pad[100:110, 40:240] = 255                           # 10 px thick: its middle is y = 105.0
    strokes, _ = photoink.strokes(pad)
    assert len(strokes) == 1 and round(strokes[0]["w"] * PAD) == 10
    ys = np.asarray(strokes[0]["pts"][1::2]) * PAD
    assert np.abs(ys[1:-1] - 105.0).max() < 0.05        # the thinned line alone sits at 104.5 or 105.5


@pytest.mark.parametrize("width", [6, 14, 24])
def test_the_pen_width_is_recovered_and_the_strokes_cover_the_ink(width):
    drawn = [{"w": width / PAD, "pts": px((60, 50), (120, 60), (200, 40))},
             {"w": width / PAD, "pts": px((90, 120), (110, 230))}]
    pad = pad_of(drawn)
    strokes, dropped = photoink.strokes(pad)
    assert dropped == 0 and 2 <= len(strokes) <= 4
    assert abs(strokes[0]["w"] * PAD - width) <= max(1.5, 0.12 * width)
    again, ink = photoink.raster(strokes), pad > 0
    assert (again & ink).sum() / (again | ink).sum() > 0.8


def test_the_strokes_are_what_a_share_link_gives_back_exactly():
    X = photoset.photo([np.eye(28, dtype=np.uint8)[::-1] * 255], seed=3)     # a "/" written on paper
    pad = photo.read(X).pad
    strokes, _ = photoink.strokes(pad)
    assert strokes
    state, notices = sharelink.decode(sharelink.encode({"strokes": strokes}))
    assert notices == [] and state["strokes"] == strokes


def test_a_blank_pad_has_no_strokes_and_a_dot_stays_a_dot():
    assert photoink.strokes(np.zeros((PAD, PAD), np.uint8)) == ([], 0)
    dot = np.zeros((PAD, PAD), np.uint8)
    dot[100:102, 140:142] = 255                          # thinning removes a 2x2 block entirely
    strokes, _ = photoink.strokes(dot)
    assert len(strokes) == 1 and len(strokes[0]["pts"]) == 2
    assert abs(strokes[0]["pts"][0] * PAD - 141) < 1 and abs(strokes[0]["pts"][1] * PAD - 101) < 1


def test_more_pieces_than_a_link_holds_keeps_the_longest_and_counts_the_rest():
    pad = np.zeros((PAD, PAD), np.uint8)
    for k in range(70):                                  # 70 short bars, the last ten longer
        r, c = 8 + 27 * (k // 10), 6 + 27 * (k % 10)
        pad[r:r + 4, c:c + (22 if k >= 60 else 14)] = 255
    strokes, dropped = photoink.strokes(pad, limit=64)
    assert len(strokes) == 64 and dropped == 6
    xs = sorted(round(s["pts"][0] * PAD) for s in strokes)
    assert len(xs) == 64


def test_the_page_handler_checks_its_input_and_answers_strokes():
    app = App()
    with pytest.raises(ValueError, match="pad pixels"):
        photo_feature.ink(app, bytes(10))
    pad = pad_of([{"w": 16 / PAD, "pts": px((140, 40), (140, 240))}])
    out = photo_feature.ink(app, pad.reshape(-1).tobytes())
    assert out["dropped"] == 0 and out["width"] == round(out["strokes"][0]["w"] * PAD)
    assert abs(out["width"] - 16) <= 2


def test_photos_read_the_same_as_their_strokes():
    """Synthetic photos (digitlab.photoset): the strokes drawn back (straight segments, hard
    edges: the pad's pen is smoother) read as the photo's pad image does, digit for digit."""
    from digitlab import data
    X, _ = data.load("test")
    app = App()

    def reads(pad):
        app.pad[:] = pad.reshape(-1)
        out = app.update("cnn", False)
        return out["digits"]["sequence"] or str(int(np.argmax(out["probs"])))
    same = 0
    cases = [[i] for i in range(10)] + [[10 + i, 20 + i, 30 + i] for i in range(3)]
    for k, idx in enumerate(cases):
        r = photo.read(photoset.photo([X[i] for i in idx], seed=500 + k))
        assert r.problem is None
        same += reads(r.pad) == reads(pad_of(photoink.strokes(r.pad)[0]))
    assert same >= len(cases) - 1
