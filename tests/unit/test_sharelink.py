"""Share links (digitlab.sharelink): round trips, and nothing a URL holds gets through unchecked."""

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digitlab import models, sharelink
from digitlab.sharelink import GRID, PAD, decode, encode

NAMES = tuple(models.ARCHS) + ("trained",)

grid = st.integers(0, GRID).map(lambda q: q / GRID)
stroke = st.builds(lambda w, pts: {"w": w / PAD, "pts": [v for p in pts for v in p]},
                   st.integers(1, 80), st.lists(st.tuples(grid, grid), min_size=1, max_size=60))
damage = st.fixed_dictionaries({
    "bias": st.booleans(),
    "noise": st.one_of(st.just(0.0), st.floats(0.001, 2.0, allow_nan=False)),
    "layers": st.lists(st.sampled_from(["h1", "h2", "h3", "out", "conv1", "conv2", "fc1"]), unique=True, max_size=4),
    "neurons": st.lists(st.builds("{}:{}".format, st.sampled_from(["h1", "h2", "fc1", "conv2"]), st.integers(0, 127)),
                        unique=True, max_size=20),
}, optional={      # Break It, deeper: written only when they damage; 4 decimals, as damage.parse gives
    "prune": st.floats(0.001, 0.99, allow_nan=False),
    "prune_global": st.just(True),
    "temperature": st.floats(0.1, 5.0, allow_nan=False).filter(lambda t: t != 1.0),
    "scales": st.dictionaries(st.builds("{}:{}".format, st.sampled_from(["h1", "fc1", "conv2"]), st.integers(0, 63)),
                              st.floats(0.0, 2.0).map(lambda f: round(f, 4)), min_size=1, max_size=6),
}).filter(lambda d: "prune_global" not in d or "prune" in d)
states = st.fixed_dictionaries({}, optional={"model": st.sampled_from(NAMES), "damage": damage,
                                             "strokes": st.lists(stroke, min_size=1, max_size=12)})


def test_model_names_follow_the_shipped_models():
    assert sharelink.MODELS == NAMES


def test_limits_follow_break_it():
    damage_mod = pytest.importorskip("digitlab.damage")
    assert sharelink.NOISE_MAX == damage_mod.NOISE_MAX and sharelink.MAX_NEURONS == damage_mod.MAX_NEURONS
    assert (sharelink.PRUNE_MAX, sharelink.SCALE_MAX, sharelink.TEMPERATURE_RANGE) == \
        (damage_mod.PRUNE_MAX, damage_mod.SCALE_MAX, damage_mod.TEMPERATURE_RANGE)


@settings(max_examples=300, deadline=None)
@given(states)
def test_round_trip(state):
    text = encode(state)
    back, notices = decode("#" + text)
    assert notices == []
    want = dict(state)
    if "damage" in want and not any(want["damage"].values()):
        want.pop("damage")                 # no damage at all is no damage field
    assert back == want
    assert encode(back) == text


@pytest.mark.parametrize("noise", [0.0010000000000000002, 0.00012345678901234567, 1.9999999999999998, 0.1 + 0.2])
def test_noise_reads_back_as_the_same_float(noise):
    state = {"damage": {"bias": False, "noise": noise, "layers": [], "neurons": []}}
    assert decode(encode(state)) == (state, [])


def test_quantised_drawing_is_close_and_compact():
    pts = [0.1234567, 0.7654321, 0.5, 0.5, 0.999999, 0.000001]
    text = encode({"model": "cnn", "strokes": [{"w": 20 / 280, "pts": pts}]})
    back = decode(text)[0]["strokes"][0]
    assert back["w"] == 20 / 280
    assert max(abs(a - b) for a, b in zip(back["pts"], pts)) <= 0.5 / GRID + 1e-12
    # a 40-point stroke of small moves costs about 2 bytes per point
    wiggle = [v for i in range(40) for v in (0.3 + i * 0.01, 0.5 + (i % 3) * 0.004)]
    assert len(encode({"strokes": [{"w": 0.07, "pts": wiggle}]})) < 40 * 3 + 20


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=300))
def test_any_text_returns_notices_never_raises(text):
    state, notices = decode(text)
    assert set(state) <= {"model", "damage", "strokes"}
    assert all(n.startswith("notice.") for n in notices)
    encode(state)                           # whatever decode keeps is valid


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_any_stroke_bytes_are_checked(data):
    b64 = base64.urlsafe_b64encode(data).decode().rstrip("=")
    state, notices = decode(f"v=1&s={b64}")
    if "strokes" in state:
        for s in state["strokes"]:
            assert 0 < s["w"] <= sharelink.MAX_WIDTH / PAD and len(s["pts"]) % 2 == 0
            assert all(0 <= v <= 1 for v in s["pts"])
    else:
        assert notices == ["notice.strokes"]


EVIL = ["<script>alert(1)</script>", "javascript:alert(1)", "javascript:1", "<img src=x onerror=alert(1)>",
        "%3Cimg%20src=x%20onerror=alert(1)%3E", "NaN", "nan", "inf", "Infinity", "-1", "1e999", "1e309",
        "9" * 400, "0x10", "2.0000001", "3", "A" * 70000, "h1:3\"onmouseover=\"x", "=", "%00", "\u202e"]


@pytest.mark.parametrize("field,notice", [("m", "notice.model"), ("dn", "notice.damage"), ("db", "notice.damage"),
                                          ("dl", "notice.damage"), ("do", "notice.damage"), ("s", "notice.strokes"),
                                          ("v", "notice.version")])
@pytest.mark.parametrize("evil", EVIL)
def test_injection_and_absurd_values_are_rejected(field, notice, evil):
    state, notices = decode(f"#v=1&m=cnn&{field}={evil}" if field not in ("m", "v") else f"#{field}={evil}")
    assert notices, (field, evil)
    flat = repr(state)
    for bad in ("<", ">", "script", "javascript", "onerror", "nan", "inf", "e999"):
        assert bad not in flat.lower(), (field, evil, state)
    if field == "m":
        assert "model" not in state


def test_bad_fields_are_dropped_good_ones_kept():
    good = encode({"model": "mlp-25-25", "strokes": [{"w": 0.1, "pts": [0.2, 0.2, 0.4, 0.6]}]})
    state, notices = decode(f"#{good}&dn=NaN&dl=h1,h1&zz=1&junk")
    assert state["model"] == "mlp-25-25" and len(state["strokes"]) == 1 and "damage" not in state
    assert notices == ["notice.damage", "notice.format", "notice.unknown"]
    assert decode("#v=2&m=cnn") == ({"model": "cnn"}, ["notice.version"])
    assert decode("#" + "m=cnn&" * 20000)[1] == ["notice.size"]
    assert decode(None) == ({}, ["notice.format"])


def test_limits():
    dot = {"w": 0.05, "pts": [0.5, 0.5]}
    encode({"strokes": [dot] * sharelink.MAX_STROKES})
    with pytest.raises(ValueError):
        encode({"strokes": [dot] * (sharelink.MAX_STROKES + 1)})
    with pytest.raises(ValueError):
        encode({"model": "<b>"})
    with pytest.raises(ValueError):
        encode({"damage": {"noise": float("nan")}})
    with pytest.raises(ValueError):
        encode({"damage": {"noise": 5.0}})
    with pytest.raises(ValueError):
        encode({"strokes": [{"w": 0.1, "pts": [0.1, float("inf")]}]})
    # hand-made bytes over the limits are refused on the way in
    too_many = bytes([20, 1, 0, 0]) * (sharelink.MAX_STROKES + 1)
    b64 = base64.urlsafe_b64encode(too_many).decode().rstrip("=")
    assert decode("s=" + b64) == ({}, ["notice.strokes"])
    long_stroke = bytearray([20])
    sharelink._varint(long_stroke, sharelink.MAX_POINTS + 1)
    assert decode("s=" + base64.urlsafe_b64encode(bytes(long_stroke)).decode().rstrip("="))[1] == ["notice.strokes"]


# Golden links: fixed states and the exact text of their links, written down once. A change of
# the format (a field's name or order, the stroke packing, the noise's digits, base64 padding)
# breaks these even when encode and decode still agree with each other.
GOLDEN = [
    ({"model": "cnn"}, "v=1&m=cnn"),
    ({"model": "mlp-25-25", "damage": {"bias": True, "noise": 0.35, "layers": ["h1", "h2"],
                                       "neurons": ["h1:3", "h2:7"]}},
     "v=1&m=mlp-25-25&db=1&dn=0.35&dl=h1,h2&do=h1:3,h2:7"),
    ({"damage": {"bias": False, "noise": 1e-05, "layers": [], "neurons": []}}, "v=1&dn=0.00001"),
    ({"damage": {"bias": False, "noise": 0.0, "layers": [], "neurons": [], "prune": 0.5, "prune_global": True,
                 "temperature": 2.5, "scales": {"h1:3": 0.25, "h2:0": 2.0}}},
     "v=1&dp=0.5&dt=2.5&dg=1&dk=h1:3:0.25,h2:0:2.0"),
    # one stroke, 16 px wide, corner to corner: 10 02 | 00 00 | FE 3F FE 3F (+4095 zigzagged to 8190)
    ({"strokes": [{"w": 16 / PAD, "pts": [0.0, 0.0, 1.0, 1.0]}]}, "v=1&s=EAIAAP4__j8"),
    ({"model": "cnn-small", "strokes": [{"w": 16 / PAD, "pts": [2048 / GRID, 1024 / GRID, 2048 / GRID, 3071 / GRID,
                                                             1024 / GRID, 3071 / GRID]},
                                        {"w": 8 / PAD, "pts": [410 / GRID, 410 / GRID]}]},
     "v=1&m=cnn-small&s=EAOAEIAIAP4f_w8ACAGaA5oD"),
]


@pytest.mark.parametrize("state, link", GOLDEN)
def test_golden_links(state, link):
    assert encode(state) == link
    back, notices = decode(link)
    assert notices == [] and back == state


def test_the_golden_stroke_bytes_are_the_documented_packing():
    assert base64.urlsafe_b64decode("EAIAAP4__j8=") == bytes([16, 2, 0, 0, 0xFE, 0x3F, 0xFE, 0x3F])
    # 16 px, 3 points from (2048, 1024): +0 / +2047 (zigzag 4094), then -1024 (2047) / +0; 8 px, 1 point (410, 410)
    assert base64.urlsafe_b64decode("EAOAEIAIAP4f_w8ACAGaA5oD") == bytes(
        [16, 3, 0x80, 0x10, 0x80, 0x08, 0, 0xFE, 0x1F, 0xFF, 0x0F, 0, 8, 1, 0x9A, 0x03, 0x9A, 0x03])


@pytest.mark.parametrize("part", ["dp=1.5", "dt=0.05", "dt=9", "dg=2", "dk=h1:3", "dk=h1:3:2.5", "dk=h1:3:1,h1:3:1",
                                  "dk=out:x:1"])
def test_bad_deeper_damage_is_dropped_with_the_damage_notice(part):
    state, notices = decode(f"#v=1&m=cnn&{part}")
    assert state == {"model": "cnn"} and notices == ["notice.damage"]
