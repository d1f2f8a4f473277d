"""Losses. Each returns (mean loss over the batch, gradient) for integer labels y (N,)."""

import numpy as np

from .activations import softmax


def one_hot(y, k=10):
    """y (N,) int -> (N, k) float32."""
    out = np.zeros((len(y), k), np.float32)
    out[np.arange(len(y)), y] = 1
    return out


def softmax_cross_entropy(z, y):
    """Logits z (N, K), labels y (N,) -> (loss, dL/dz (N, K)).

    Fused with softmax because dL/dz = (p - onehot) / N is exact and stable.
    """
    n = len(z)
    shifted = z - z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(n), y].mean()
    dZ = np.exp(log_p)
    dZ[np.arange(n), y] -= 1
    return float(loss), (dZ / n).astype(z.dtype)


def mse(a, y):
    """Outputs a (N, K), labels y (N,) -> (loss, dL/da (N, K)).

    The classic teaching loss: mean over the batch of the summed squared error
    against one-hot targets, halved so the gradient is simply (a - t) / N.
    """
    t = one_hot(y, a.shape[1])
    diff = a - t
    loss = 0.5 * (diff * diff).sum(axis=1).mean()
    return float(loss), (diff / len(a)).astype(a.dtype)


LOSSES = {"xent": softmax_cross_entropy, "mse": mse}

__all__ = ["softmax", "softmax_cross_entropy", "mse", "one_hot", "LOSSES"]
