"""Write what the page needs of pysrc/digitlab/constants.py into the built site, so the numbers,
model names and colours are said once (issue #14):

    js/constants.js    an ES module: PAD, INK_THRESHOLD, MODELS, DEFAULT_MODEL, TRAINED, PALETTE
    style.css          its `:root` palette properties (--ink, --pos, ...) are prepended
    index.html         the model picker's <option>s replace the MODEL_OPTIONS marker

Standard library only, like build.py.
"""

import html
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "pysrc"))
from digitlab import constants as C  # noqa: E402  (stdlib only: digitlab/__init__ imports nothing)

MARKER = "<!-- MODEL_OPTIONS: written by buildlib/constants.py -->"


def js_module():
    """-> the text of js/constants.js."""
    values = {
        "PAD": C.PAD, "INK_THRESHOLD": C.INK_THRESHOLD, "MODELS": list(C.MODEL_NAMES),
        "BY_ACCURACY": list(C.BY_ACCURACY), "DEFAULT_MODEL": C.DEFAULT_MODEL, "TRAINED": C.TRAINED,
        "PALETTE": {k: C.hex_colour(v) for k, v in C.PALETTE.items()},
    }
    lines = ["// Written by the build from pysrc/digitlab/constants.py: edit that file, not this one."]
    lines += [f"export const {k} = {json.dumps(v, ensure_ascii=False)};" for k, v in values.items()]
    return "\n".join(lines) + "\n"


def palette_css():
    """-> a `:root` rule with one custom property per palette colour."""
    props = " ".join(f"--{k}: {C.hex_colour(v)};" for k, v in C.PALETTE.items())
    return f"/* The palette, from pysrc/digitlab/constants.py (written by the build). */\n:root {{ {props} }}\n"


def model_options():
    """-> the picker's <option>s, the default selected."""
    out = []
    for name, label, key in C.MODELS:
        attrs = f' value="{html.escape(name)}"' + (" selected" if name == C.DEFAULT_MODEL else "")
        attrs += f' data-i18n="{html.escape(key)}"' if key else ""
        out.append(f"<option{attrs}>{html.escape(label)}</option>")
    return "\n          ".join(out)


def write(site):
    """Fill the built copy of the site in `site` (a folder)."""
    site = Path(site)
    (site / "js" / "constants.js").write_text(js_module(), encoding="utf-8")
    css = site / "style.css"
    css.write_text(palette_css() + css.read_text(encoding="utf-8"), encoding="utf-8")
    page = site / "index.html"
    text = page.read_text(encoding="utf-8")
    if MARKER not in text:
        raise RuntimeError(f"{page}: the model picker has no {MARKER!r} to fill")
    page.write_text(text.replace(MARKER, model_options()), encoding="utf-8")
