"""One source for the shared constants (issue #14): digitlab/constants.py, and what the build
writes from it for the page. Each test names a copy that used to be kept by hand."""

from digitlab import app, constants, models, preprocess, sharelink, viewmodel


def test_the_models_are_the_architectures_in_the_pickers_order():
    assert tuple(models.ARCHS) == constants.MODEL_NAMES
    assert sorted(constants.BY_ACCURACY) == sorted(constants.MODEL_NAMES)
    assert app.FALLBACK == constants.BY_ACCURACY and models.DEFAULT == constants.DEFAULT_MODEL
    assert sharelink.MODELS == (*constants.MODEL_NAMES, constants.TRAINED)


def test_one_ink_threshold_and_one_palette():
    assert preprocess.INK_THRESHOLD == constants.INK_THRESHOLD
    assert viewmodel.POSITIVE == constants.PALETTE["pos"] and viewmodel.NEGATIVE == constants.PALETTE["neg"]
    assert viewmodel.INK == constants.PALETTE["ink"]
    assert constants.hex_colour((0, 114, 178)) == "#0072b2"


def test_the_site_keeps_no_copy_and_the_build_writes_them(tmp_path):
    """site/ says none of it by hand; buildlib.constants fills a copy of the page from constants."""
    import shutil
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root))
    from buildlib import constants as written
    page, css = (root / "site" / "index.html").read_text(), (root / "site" / "style.css").read_text()
    assert "<option value=\"mlp" not in page and written.MARKER in page
    assert not any(f"--{k}:" in css for k in constants.PALETTE)
    shutil.copytree(root / "site", tmp_path / "site")
    written.write(tmp_path / "site")
    built = (tmp_path / "site" / "index.html").read_text()
    for name in constants.MODEL_NAMES:
        assert f'value="{name}"' in built
    assert f'value="{constants.DEFAULT_MODEL}" selected' in built
    assert "--pos: #0072b2;" in (tmp_path / "site" / "style.css").read_text()
    js = (tmp_path / "site" / "js" / "constants.js").read_text()
    assert f"export const PAD = {constants.PAD};" in js and '"mlp-128-64-32"' in js
