"""Element-wise activations as (f, df) pairs.

`f(z) -> a`, and `df(z, a) -> da/dz`, both element-wise on any shape. The page's
editor replaces entries of `ACTIVATIONS`; layers look them up on every call, so an
edit takes effect without rebuilding the network.
"""

import numpy as np

LEAK = np.float32(0.01)


def relu(z):
    return np.maximum(z, 0)


def relu_grad(z, a):
    return (z > 0).astype(z.dtype)


def leaky_relu(z):
    return np.where(z > 0, z, LEAK * z)


def leaky_relu_grad(z, a):
    return np.where(z > 0, np.float32(1), LEAK).astype(z.dtype)


def sigmoid(z):
    # Split by sign so exp never overflows.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e)).astype(z.dtype)


def sigmoid_grad(z, a):
    return a * (1 - a)


def tanh(z):
    return np.tanh(z)


def tanh_grad(z, a):
    return 1 - a * a


def identity(z):
    return z


def identity_grad(z, a):
    return np.ones_like(z)


def softmax(z):
    """Row-wise softmax over the last axis. z: (N, K) -> (N, K)."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


ACTIVATIONS = {
    "relu": (relu, relu_grad),
    "leaky_relu": (leaky_relu, leaky_relu_grad),
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "linear": (identity, identity_grad),
}


def apply(name, z):
    if name == "softmax":
        return softmax(z)
    return ACTIVATIONS[name][0](z)


def backward(name, z, a, dA):
    """dL/dz from dL/da. Softmax couples a row, so it takes the Jacobian-vector product."""
    if name == "softmax":
        return a * (dA - (dA * a).sum(axis=-1, keepdims=True))
    return dA * ACTIVATIONS[name][1](z, a)
