"""Reading photos of handwriting (digitlab.photo, components, imagefile, photoset), each step on
synthetic photos whose right answer is known, then the whole reading through the page's App."""

import struct
from collections import deque

import numpy as np
import pytest

from digitlab import components, imagefile, photo, photoset, segment
from digitlab.web.features import digits as _digits_hook  # noqa: F401 - registers the multi-digit reading
from digitlab.web.features import photo as photo_feature


def rgba_of(grey_img, colour=None):
    """(H, W) float 0..1 -> (H, W, 4) uint8, opaque grey (or the grey times an RGB colour)."""
    g = np.clip(grey_img, 0, 1)[..., None] * (np.ones(3) if colour is None else np.asarray(colour) / 255)
    out = np.full(grey_img.shape + (4,), 255, np.uint8)
    out[..., :3] = np.round(g * 255)
    return out


def paper_with(boxes, shape=(300, 400), paper=0.9, ink=0.15):
    """Grey paper with ink rectangles (r0, r1, c0, c1)."""
    g = np.full(shape, paper)
    for r0, r1, c0, c1 in boxes:
        g[r0:r1, c0:c1] = ink
    return g


ONE = [(100, 200, 150, 160)]                                 # one tall stroke, a "1"


def bfs_areas(mask):
    """Reference: the sorted areas of mask's 8-connected components, by breadth-first search."""
    H, W = mask.shape
    seen, areas = np.zeros_like(mask), []
    for y, x in zip(*np.nonzero(mask)):
        if seen[y, x]:
            continue
        seen[y, x], queue, n = True, deque([(y, x)]), 0
        while queue:
            cy, cx = queue.popleft()
            n += 1
            for ny in range(max(0, cy - 1), min(H, cy + 2)):
                for nx in range(max(0, cx - 1), min(W, cx + 2)):
                    if mask[ny, nx] and not seen[ny, nx]:
                        seen[ny, nx] = True
                        queue.append((ny, nx))
        areas.append(n)
    return sorted(areas)


@pytest.mark.parametrize("density", [0.2, 0.45, 0.6])
def test_components_match_a_breadth_first_search(density):
    mask = np.random.default_rng(int(density * 100)).random((50, 70)) < density
    (row, start, end), label, area, touches = components.components(mask)
    assert sorted(area.tolist()) == bfs_areas(mask)
    np.testing.assert_array_equal(components.paint(mask.shape, row, start, end), mask)
    inner = np.zeros((10, 10), bool)
    inner[4:6, 4:6] = True
    inner[0, 9] = True
    assert components.components(inner)[3].tolist() == [True, False]   # the corner pixel touches


def test_diagonal_neighbours_join_and_a_gap_of_one_pixel_does_not():
    mask = np.zeros((6, 6), bool)
    mask[1, 1] = mask[2, 2] = True                                      # corner to corner: one
    mask[1, 4] = mask[3, 4] = True                                      # a row between: two
    assert sorted(components.components(mask)[2].tolist()) == [1, 1, 2]


def test_box_mean_and_dilate():
    a = np.arange(20, dtype=float).reshape(4, 5)
    assert components.box_mean(a, 1)[1, 1] == pytest.approx(a[0:3, 0:3].mean())
    assert components.box_mean(a, 1)[0, 0] == pytest.approx(a[0:2, 0:2].mean())   # clipped box
    dot = np.zeros((7, 7), bool)
    dot[3, 3] = True
    assert components.dilate(dot, 2).sum() == 25 and components.dilate(dot, 0).sum() == 1


def test_grey_puts_transparency_on_white_paper():
    rgba = np.array([[[255, 0, 0, 255], [0, 0, 0, 0], [0, 0, 0, 255]]], np.uint8)
    np.testing.assert_allclose(photo.grey(rgba), [[0.299, 1.0, 0.0]], atol=1e-6)


def test_flattening_removes_uneven_light_and_keeps_the_ink():
    ramp = np.linspace(0.35, 1.0, 400)[None, :] * np.ones((300, 1))    # light falls off to the left
    g = paper_with(ONE) * ramp
    flat = photo.flatten_light(g.astype(np.float32))
    paper = np.ones(g.shape, bool)
    paper[90:210, 140:170] = False
    assert np.ptp(g[paper]) > 0.5                                       # the photo: uneven
    assert np.percentile(np.abs(flat[paper] - 1), 95) < 0.1             # flattened: even
    assert flat[100:200, 150:160].max() < 0.4                           # the ink stays dark


def test_otsu_splits_two_modes():
    v = np.concatenate([np.random.default_rng(0).normal(0.2, 0.03, 5000),
                        np.random.default_rng(1).normal(0.8, 0.03, 500)])
    assert 0.3 < photo.otsu(v) < 0.7


@pytest.mark.parametrize("paper,ink,polarity", [(0.9, 0.15, "dark"), (0.15, 0.85, "bright")])
def test_ink_is_found_on_paper_and_on_a_board(paper, ink, polarity):
    g = paper_with(ONE, paper=paper, ink=ink)
    g = g + np.random.default_rng(0).normal(0, 0.01, g.shape)
    mask, found, t = photo.find_ink(photo.flatten_light(g.astype(np.float32)))
    assert found == polarity and t >= photo.MIN_CONTRAST * 0.9
    assert mask[100:200, 150:160].all() and mask.sum() == 1000


def test_paper_noise_alone_is_not_ink():
    g = 0.8 + np.random.default_rng(0).normal(0, 0.02, (200, 300))
    assert photo.find_ink(photo.flatten_light(g.astype(np.float32))) == (None, None, None)


def test_clean_drops_specks_and_marks_touching_the_frame():
    mask = np.zeros((300, 400), bool)
    mask[100:200, 150:160] = True          # the digit
    mask[50, 50] = mask[250:252, 300:302] = True   # specks
    mask[0:300, 0:3] = True                # the paper's edge
    kept = photo.clean(mask)
    np.testing.assert_array_equal(kept, mask & (np.arange(400) >= 100)[None, :] & (np.arange(300) >= 60)[:, None] & (np.arange(300) < 240)[:, None])


def test_stroke_width_is_measured():
    assert photo.stroke_width(np.ones((200, 4), bool)) == pytest.approx(4, rel=0.05)
    assert photo.stroke_width(np.ones((200, 12), bool)) == pytest.approx(12, rel=0.1)


def test_the_pad_image_keeps_digits_apart_and_thickens_thin_strokes():
    ink = np.zeros((300, 400), bool)
    ink[100:200, 100:102] = True           # two hairline "1"s, 60 px apart
    ink[100:200, 162:164] = True
    boxes = photo.digit_boxes(ink)
    assert boxes == [(100, 200, 100, 102), (100, 200, 162, 164)]
    pad = photo.to_pad(ink, boxes)
    assert len(segment.column_groups(pad)) == 2                         # the pad splits them too
    width = (pad[140] > 0).sum() / 2
    assert 0.7 * photo.BRUSH_OF_HEIGHT * photo.DIGIT_HEIGHT <= width <= 1.3 * photo.BRUSH_OF_HEIGHT * photo.DIGIT_HEIGHT


@pytest.mark.parametrize("value,problem", [(1.0, "flat-white"), (0.0, "flat-black"), (0.5, "flat")])
def test_a_blank_photo_says_so(value, problem):
    r = photo.read(rgba_of(np.full((120, 160), value)))
    assert r.problem == problem and not r.pad.any()
    assert [n for n, _ in r.steps] == ["photo", "grey", "light"]


def test_specks_alone_are_no_digit():
    g = np.full((200, 300), 0.9)
    g[50, 50] = g[150, 250] = 0.1
    g[0:200, 0:4] = 0.1                                                 # and a paper edge
    r = photo.read(rgba_of(g))
    assert r.problem == "no-digit" and not r.pad.any()


def test_every_step_is_a_picture_in_order():
    r = photo.read(rgba_of(paper_with(ONE), colour=(20, 40, 160)))
    assert r.steps[-1][1].shape[:2] == (28, 28)
    assert r.problem is None and r.polarity == "dark" and r.groups == [(100, 200, 150, 160)]
    assert [n for n, _ in r.steps] == ["photo", "grey", "light", "ink", "clean", "pad", "mnist"]
    for _, p in r.steps:
        assert p.dtype == np.uint8 and p.ndim == 3 and p.shape[2] == 4 and max(p.shape[:2]) <= photo.STEP_SIDE


def test_rgba_bytes_are_checked():
    with pytest.raises(ValueError, match="RGBA"):
        photo.rgba_array(bytes(10), 2, 2)
    with pytest.raises(ValueError, match="scaled"):
        photo.rgba_array(bytes((photo.MAX_SIDE + 1) * 4), photo.MAX_SIDE + 1, 1)
    assert photo.rgba_array(bytes(16), 2, 2).shape == (2, 2, 4)


def cnn_reads(app, pad):
    """What the page shows for this pad: the single prediction, or the multi-digit sequence."""
    app.pad[:] = pad.reshape(-1)
    out = app.update("cnn")
    return out["digits"]["sequence"] or str(int(np.argmax(out["probs"])))


def test_synthetic_photos_of_mnist_digits_are_read(app, mnist_test):
    X, y = mnist_test
    right = sum(cnn_reads(app, photo.read(photoset.photo([X[i]], seed=i)).pad) == str(y[i]) for i in range(30))
    assert right >= 28


def test_a_photo_of_three_digits_is_read_as_a_sequence(app, mnist_test):
    X, y = mnist_test
    idx = [3, 1, 4]
    img = photoset.photo([X[i] for i in idx], seed=7, board=False)
    assert cnn_reads(app, photo.read(img).pad) == "".join(str(y[i]) for i in idx)


def test_chalk_on_a_board_is_read(app, mnist_test):
    X, y = mnist_test
    r = photo.read(photoset.photo([X[0]], seed=3, board=True))
    assert r.polarity == "bright" and cnn_reads(app, r.pad) == str(y[0])


def test_the_photo_set_is_deterministic_and_jpeg_at_full_quality_is_nearly_lossless(mnist_test):
    X = mnist_test[0]
    np.testing.assert_array_equal(photoset.photo([X[0]], seed=5), photoset.photo([X[0]], seed=5))
    rgb = np.random.default_rng(0).uniform(0, 255, (16, 24, 3))
    assert np.abs(photoset.jpeg(rgb, 100) - rgb).max() < 4
    assert np.abs(photoset.jpeg(rgb, 10) - rgb).mean() > 10


def png_head(w, h):
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">II", w, h) + b"\x08\x06\0\0\0"


def jpeg_head(w, h):
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\0" + bytes(9)
    return b"\xff\xd8" + app0 + b"\xff\xc0" + struct.pack(">HBHH", 17, 8, h, w) + bytes(12)


def test_image_headers_give_format_and_size():
    assert imagefile.sniff(png_head(4000, 3000)) == ("png", 4000, 3000)
    assert imagefile.sniff(jpeg_head(8000, 6000)) == ("jpeg", 8000, 6000)
    assert imagefile.sniff(b"GIF89a" + struct.pack("<HH", 12, 34)) == ("gif", 12, 34)
    assert imagefile.sniff(b"BM" + bytes(16) + struct.pack("<ii", 50, -60)) == ("bmp", 50, 60)
    assert imagefile.sniff(b"hello, this is text") == (None, 0, 0)


def test_files_are_refused_or_planned_before_decoding():
    side = photo.MAX_SIDE
    assert imagefile.check(b"1,2,3\n", 6, "text/csv", side)["problem"] == "not-image"
    ok = imagefile.check(jpeg_head(8000, 6000), 5 << 20, "image/jpeg", side)
    assert ok["problem"] is None and (ok["decode_width"], ok["decode_height"]) == (side, 768)
    assert imagefile.check(png_head(20000, 20000), 1 << 20, "image/png", side)["problem"] == "too-many-pixels"
    assert imagefile.check(png_head(10, 10), imagefile.MAX_FILE_BYTES + 1, "image/png", side)["problem"] == "too-big-file"
    assert imagefile.check(png_head(0, 10), 100, "image/png", side)["problem"] == "empty-image"
    assert imagefile.check(b"\0\0\0 ftypheic", 100, "image/heic", side)["format"] is None   # left to the browser


def test_the_page_handlers(app):
    rgba = rgba_of(paper_with(ONE))
    out = app.call("photo.read", {"rgba": rgba.tobytes(), "width": 400, "height": 300})
    assert out["problem"] is None and out["pad"].shape == (photo.PAD * photo.PAD,)
    assert out["steps"][-1]["name"] == "mnist" and out["groups"] == [[100, 200, 150, 160]]
    step = out["steps"][0]
    assert step["rgba"].size == step["width"] * step["height"] * 4
    checked = app.call("photo.check", {"head": png_head(640, 480), "size": 1000, "type": "image/png"})
    assert checked["decode_width"] == 640
    assert app.call("photo.limits")["max_side"] == photo.MAX_SIDE
    assert app.call("photo.fit", {"width": 4096, "height": 2048}) == {
        "problem": None, "decode_width": photo.MAX_SIDE, "decode_height": photo.MAX_SIDE // 2}
    assert app.call("photo.fit", {"width": 20000, "height": 20000})["problem"] == "too-many-pixels"
    assert out["side"] == photo.PAD and photo_feature.read is not None


def test_the_last_step_shows_each_digits_input(mnist_test):
    X = mnist_test[0]
    r = photo.read(photoset.photo([X[i] for i in (3, 1, 4)], seed=7, board=False))
    assert r.steps[-1][0] == "mnist" and r.steps[-1][1].shape[:2] == (28, 3 * 28 + 4)


def test_exif_orientation_swaps_a_portrait_phone_photo():
    def exif(orientation):
        ifd = struct.pack("<H", 1) + struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0)
        body = b"Exif\0\0" + b"II*\0" + struct.pack("<I", 8) + ifd
        return b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body
    head = jpeg_head(4000, 3000)
    assert imagefile.sniff(head[:2] + exif(6) + head[2:]) == ("jpeg", 3000, 4000)
    assert imagefile.sniff(head[:2] + exif(1) + head[2:]) == ("jpeg", 4000, 3000)


def test_turning_and_cutting_choose_what_is_read():
    rgba = rgba_of(paper_with([(100, 200, 150, 160), (100, 200, 300, 310)]))    # two "1"s
    assert photo.turned(rgba, 1).shape == (400, 300, 4)
    assert photo.turned(rgba, 1)[0, -1].tolist() == rgba[0, 0].tolist()          # clockwise
    assert photo.turned(rgba, 4).shape == rgba.shape
    assert photo.region_box(rgba.shape, (0.2, 0.8, 0.25, 0.6)) == (60, 240, 100, 240)
    left = photo.read(rgba, (0.2, 0.8, 0.25, 0.6))                               # only the first one
    assert left.groups == [(40, 140, 50, 60)] and left.steps[0][1].shape[:2] == (160, 124)
    assert len(photo.read(rgba).groups) == 2
    assert photo.read(rgba, (0.5, 0.52, 0.1, 0.9)).problem == "small-region"     # 6 px tall
    with pytest.raises(ValueError, match="fractions"):
        photo.region_box(rgba.shape, (0.6, 0.5, 0, 1))


def test_a_box_tight_around_one_digit_is_read_with_the_whole_photos_light(app, mnist_test):
    """A box mostly full of ink: the paper's light and the ink's side still come from the whole
    photo, so the digit is read (alone, its light and side were taken for the chalk's)."""
    X, y = mnist_test
    rgba = photoset.photo([X[i] for i in (3, 1, 4)], shape=(480, 640), seed=7, board=False)
    r0, r1, c0, c1 = photo.read(rgba).groups[0]
    region = ((r0 - 5) / 480, (r1 + 5) / 480, (c0 - 5) / 640, (c1 + 5) / 640)
    r = photo.read(rgba, region)
    assert r.polarity == "dark" and cnn_reads(app, r.pad) == str(y[3])


def test_the_read_handler_turns_and_cuts(app):
    rgba = rgba_of(paper_with([(100, 200, 150, 160), (100, 200, 300, 310)]))
    args = {"rgba": rgba.tobytes(), "width": 400, "height": 300}
    assert len(app.call("photo.read", args)["groups"]) == 2
    out = app.call("photo.read", {**args, "region": [0.2, 0.8, 0.25, 0.6]})
    assert len(out["groups"]) == 1 and (out["view"]["width"], out["view"]["height"]) == (photo.VIEW_SIDE, 270)
    turned = app.call("photo.read", {**args, "turns": 1})
    assert (turned["view"]["width"], turned["view"]["height"]) == (270, photo.VIEW_SIDE)
    assert turned["groups"] == [[150, 310, 100, 200]]                            # the strokes lie down, stacked
    assert app.call("photo.read", {**args, "region": [0.5, 0.52, 0.1, 0.9]})["problem"] == "small-region"
