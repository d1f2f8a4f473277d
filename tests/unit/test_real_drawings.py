"""Real drawings are not centred MNIST digits.

MNIST test digits are blown up to 80-250 px (smoothly, like a fat brush), dropped
anywhere on a 280x280 pad, and then read back through `to_mnist`. The shipped
`cnn` must still get >= 98.0% of them right (issue #2).
"""

import numpy as np
import pytest

from digitlab import data, models
from digitlab.preprocess import downscale, to_mnist

PAD = 280
N = 10_000        # the whole MNIST test set, each digit placed by a seeded generator
SEED = 2024


def upscale_bilinear(img, h, w):
    """(H, W) float -> (h, w) by bilinear interpolation; independent of digitlab.preprocess."""
    def axis(n_in, n_out):
        c = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
        i0 = np.floor(c).astype(int)
        return i0, np.minimum(i0 + 1, n_in - 1), (c - i0)[:, None]
    r0, r1, tr = axis(img.shape[0], h)
    rows = img[r0] * (1 - tr) + img[r1] * tr                      # (h, W)
    c0, c1, tc = axis(img.shape[1], w)
    return rows[:, c0] * (1 - tc.T) + rows[:, c1] * tc.T         # (h, w)


def make_drawing(digit, rng, pad=PAD, lo=80, hi=250):
    """(28, 28) uint8 MNIST digit -> (pad, pad) uint8 pad with the digit drawn large, anywhere.

    The digit's ink box is scaled so its longer side is uniform in [lo, hi] px,
    then placed uniformly at random wherever it fits whole on the pad.
    """
    x = digit.astype(np.float64) / 255
    rows, cols = np.flatnonzero(x.any(1)), np.flatnonzero(x.any(0))
    x = np.pad(x, 1)[rows[0]:rows[-1] + 3, cols[0]:cols[-1] + 3]  # the ink plus a 1 px rim
    k = rng.uniform(lo, hi) / (max(x.shape) - 2)                   # pad px per digit px
    h, w = (min(pad, round(n * k)) for n in x.shape)
    big = upscale_bilinear(x, h, w)
    top, left = rng.integers(0, pad - h + 1), rng.integers(0, pad - w + 1)
    out = np.zeros((pad, pad), np.uint8)
    out[top:top + h, left:left + w] = np.round(255 * big)
    return out


@pytest.fixture(scope="module")
def drawings():
    """Seeded drawings of the MNIST test digits, read back without keeping every pad
    (10k pads would take 784 MB): -> {"x": (N, 28, 28) to_mnist, "plain": (1000, 28, 28)
    whole-pad downscales, "y": (N,), "pads": the first 300 pads (280, 280) uint8}."""
    X, y = data.load("test")
    rng = np.random.default_rng(SEED)
    idx = rng.choice(len(X), N, replace=False)
    out = {"x": np.empty((N, 28, 28), np.float32), "plain": [], "pads": [], "y": y[idx]}
    for k, i in enumerate(idx):
        pad = make_drawing(X[i], rng)
        out["x"][k] = to_mnist(pad)
        if k < 1000:
            out["plain"].append(downscale(pad))
        if k < 300:
            out["pads"].append(pad)
    out["plain"] = np.stack(out["plain"])
    return out


def accuracy(net, images, y, batch=500):
    preds = [net.predict_proba(images[i:i + batch]).argmax(1) for i in range(0, len(images), batch)]
    return float((np.concatenate(preds) == y).mean())


def test_generator_makes_big_off_centre_digits(drawings):
    sizes, centres = [], []
    for p in drawings["pads"]:
        ink = p >= 128                                             # the stroke, not its soft rim
        rows, cols = np.flatnonzero(ink.any(1)), np.flatnonzero(ink.any(0))
        sizes.append(max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1)
        centres.append(((rows[0] + rows[-1]) / 2, (cols[0] + cols[-1]) / 2))
    assert 70 <= min(sizes) < 100 and 230 < max(sizes) <= 255, (min(sizes), max(sizes))
    c = np.array(centres)
    assert c.min() < 90 and c.max() > 190                          # they really move around


def test_cnn_reads_real_drawings_after_to_mnist(drawings):
    x, y = drawings["x"], drawings["y"]
    acc = accuracy(models.load("cnn"), x, y)
    print(f"\ncnn on {len(y)} generated drawings after to_mnist: {acc:.2%}")
    assert acc >= 0.98


@pytest.mark.parametrize("name", list(models.ARCHS))
def test_every_model_loses_little_to_real_drawings(drawings, name):
    """Preprocessing should hand every shipped model nearly what MNIST itself would."""
    x, y = drawings["x"], drawings["y"]
    net, manifest = models.load_with_manifest(name)
    acc, clean = accuracy(net, x, y), manifest["test_accuracy"]
    print(f"\n{name}: {acc:.2%} on {len(y)} generated drawings ({clean:.2%} on MNIST test)")
    assert acc >= clean - 0.01


def test_without_preprocessing_the_same_drawings_fail(drawings):
    """Control: the plain downscale of the pad is far from MNIST, so the checks above can fail."""
    x, y = drawings["plain"], drawings["y"][:len(drawings["plain"])]
    acc = accuracy(models.load("cnn"), x, y)
    print(f"\ncnn on {len(y)} of the same drawings, plain downscale: {acc:.2%}")
    assert acc < 0.9
