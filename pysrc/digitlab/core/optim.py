"""Optimisers. `step(params, grads)` updates params in place; state is keyed like params."""

import numpy as np


class SGD:
    """Plain SGD, or heavy-ball momentum when momentum > 0: v = mu*v - lr*g; w += v."""

    def __init__(self, lr=0.1, momentum=0.0, weight_decay=0.0):
        self.lr, self.momentum, self.weight_decay = lr, momentum, weight_decay
        self.v = {}

    def step(self, params, grads):
        lr = np.float32(self.lr)
        for layer, g_layer in grads.items():
            for key, g in g_layer.items():
                w = params[layer][key]
                if self.weight_decay and key == "W":
                    g = g + np.float32(self.weight_decay) * w
                if self.momentum:
                    v = self.v.get((layer, key))
                    if v is None:
                        v = self.v[layer, key] = np.zeros_like(w)
                    v *= np.float32(self.momentum)
                    v -= lr * g
                    w += v
                else:
                    w -= lr * g


class Adam:
    """Adam (Kingma & Ba) with bias correction; decoupled weight decay on W only."""

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.weight_decay = weight_decay
        self.m, self.v, self.t = {}, {}, 0

    def step(self, params, grads):
        self.t += 1
        b1, b2 = np.float32(self.beta1), np.float32(self.beta2)
        # Fold both bias corrections into one step size.
        alpha = np.float32(self.lr * np.sqrt(1 - self.beta2 ** self.t) / (1 - self.beta1 ** self.t))
        for layer, g_layer in grads.items():
            for key, g in g_layer.items():
                w = params[layer][key]
                m, v = self.m.get((layer, key)), self.v.get((layer, key))
                if m is None:   # not setdefault: that would allocate two zero arrays every step
                    m = self.m[layer, key] = np.zeros_like(w)
                    v = self.v[layer, key] = np.zeros_like(w)
                m *= b1
                m += (1 - b1) * g
                v *= b2
                v += (1 - b2) * (g * g)
                if self.weight_decay and key == "W":
                    w *= np.float32(1 - self.lr * self.weight_decay)
                w -= alpha * m / (np.sqrt(v) + np.float32(self.eps))


def make_optimizer(name, lr, **kw):
    """name: "sgd", "momentum" (SGD, mu=0.9) or "adam"."""
    if name == "sgd":
        return SGD(lr, 0.0, **kw)
    if name == "momentum":
        return SGD(lr, kw.pop("momentum", 0.9), **kw)
    if name == "adam":
        return Adam(lr, **kw)
    raise ValueError(f"unknown optimiser {name!r}; use sgd, momentum or adam")
