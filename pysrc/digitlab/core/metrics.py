"""Evaluation: accuracy and the confusion matrix."""

import numpy as np


def predict(net, X, batch=1000):
    """X (N, 28, 28) or (N, 784) float32 -> predicted labels (N,)."""
    return np.concatenate([net.predict_proba(X[i:i + batch]).argmax(1) for i in range(0, len(X), batch)])


def confusion(y_true, y_pred, k=10):
    """-> (k, k) int counts; row = true label, column = prediction."""
    m = np.zeros((k, k), np.int64)
    np.add.at(m, (y_true.astype(np.int64), y_pred.astype(np.int64)), 1)
    return m


def evaluate(net, X, y, batch=1000):
    """-> {"accuracy": float, "confusion": (10, 10) list of ints}."""
    pred = predict(net, X, batch)
    return {"accuracy": float((pred == y).mean()), "confusion": confusion(y, pred).tolist()}
