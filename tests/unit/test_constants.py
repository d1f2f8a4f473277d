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
