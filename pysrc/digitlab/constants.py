"""Numbers, names and colours the Python side, the build and the page share, said once.

Standard library only, so any module (web/checks.py, which digitlab.app itself imports, and
sharelink.py) and build.py (which runs without numpy) can import it. The build writes what the
page needs from here into dist/js/constants.js, the model picker's <option>s and the palette's
CSS custom properties (buildlib/constants.py); a unit test keeps site/ from saying any of it again.
"""

PAD = 280   # side of the pad's offscreen copy, px: app.pad is PAD * PAD uint8, ink = 255

# A pixel of the 28x28 input (0 = paper, 1 = ink) at or above this is ink; fainter pixels are
# the anti-aliasing haze around a stroke.
INK_THRESHOLD = 0.1

# The shipped models in the picker's order, each with its label there (and the i18n key that
# rewords it, or None where the label is only names and sizes).
MODELS = (
    ("mlp-25-25", "mlp-25-25 · 784-25-25-10", None),
    ("mlp-128-64", "mlp-128-64 · 784-128-64-10", None),
    ("mlp-128-64-32", "mlp-128-64-32 · 784-128-64-32-10", None),
    ("cnn-small", "cnn-small · 2 conv + 2 dense", "model.cnnSmall"),
    ("cnn", "cnn · the most accurate", "model.cnn"),
)
MODEL_NAMES = tuple(name for name, _, _ in MODELS)
BY_ACCURACY = ("cnn", "cnn-small", "mlp-128-64-32", "mlp-128-64", "mlp-25-25")   # fallbacks, best first
DEFAULT_MODEL = BY_ACCURACY[0]
TRAINED = "trained"   # the name a network trained in the page runs under

# The palette (Okabe-Ito, safe for colour-blind eyes), RGB: CSS custom property -> colour.
PALETTE = {
    "ink": (24, 24, 32),        # the drawing, the 28x28 previews
    "pos": (0, 114, 178),       # positive signals and activations: blue
    "neg": (230, 159, 0),       # negative ones: orange
    "win": (0, 158, 115),       # the winning digit: bluish green
    "pad-bg": (255, 254, 248),  # the pad's paper
}


def hex_colour(rgb):
    """(r, g, b) 0..255 -> "#rrggbb"."""
    return "#" + "".join(f"{c:02x}" for c in rgb)
