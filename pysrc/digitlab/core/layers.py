"""Layers: configuration only. Parameters live in the network's `params` dict.

Each layer offers
  forward(p, x) -> (z, a, saved)          z: pre-activation, a: output
  backward_z(p, x, a, dZ, need_dx, saved) -> (dX or None, grads keyed like p)
where dZ = dL/dz (the network applies the activation's derivative first) and `saved` is
whatever forward chose to hand to backward (a conv's patches), carried in the Trace.
Shapes use NHWC for images: x (N, H, W, C). Everything is float32.
"""

import sys

import numpy as np

from . import activations as act
from . import convcols

F32 = np.float32

# Pyodide's numpy is built without BLAS, and its fallback `@` walks memory badly: in Pyodide
# 0.27 (Node) a (64, 784) @ (784, 64) product took 13 ms, the same product as einsum over two
# contiguous k axes 1.4 ms; cnn's conv2 (64, 400) @ (400, 32) 0.74 vs 0.53 ms. In CPython,
# OpenBLAS's `@` is faster than einsum, so it stays. One row (an update's single drawing) is the
# exception: transposing W costs more than the product (784x128: 0.25 ms with the copy, `np.dot`
# 0.10 ms, Pyodide in Node, medians of 7x50).
WASM = sys.platform == "emscripten"


def matmul(a, b):
    """a (m, k) @ b (k, n) -> (m, n), the fastest way on this platform."""
    if not WASM:
        return a @ b
    if a.shape[0] == 1:
        return np.dot(a, b)
    return np.einsum("ik,jk->ij", a, np.ascontiguousarray(b.T), order="C")   # add_bias needs C order


def matmul_tn(a, b):
    """a.T @ b for a (k, m), b (k, n) -> (m, n): weight gradients, summed over the batch k."""
    if not WASM:
        return a.T @ b
    return np.einsum("ki,kj->ij", a, b, order="C")


def add_bias(z, b):
    """z (..., C) += b (C,), in place; z must be contiguous.

    Broadcasting over a short channel axis runs numpy's inner loop C elements at a time.
    Viewing z as rows of 64 positions lengthens that loop 64-fold (4x faster for C=8).
    """
    if (z.size // b.size) % 64 == 0 and z.flags.c_contiguous:   # else reshape would copy
        wide = z.reshape(-1, 64 * b.size)
        wide += np.tile(b, 64)
    else:
        z += b


class Layer:
    kind = "layer"
    activation = "linear"

    def __init__(self, name):
        self.name = name

    def param_shapes(self):
        return {}

    def init(self, rng):
        """He-normal weights (fan-in from W's leading axes), zero biases."""
        params = {}
        for key, shape in self.param_shapes().items():
            if key == "W":
                fan_in = int(np.prod(shape[:-1]))
                params[key] = (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(F32)
            else:
                params[key] = np.zeros(shape, F32)
        return params

    def spec(self):
        return {"type": self.kind, "name": self.name}


class Dense(Layer):
    """z = x @ W + b with x (N, n_in), W (n_in, n_out), b (n_out,)."""

    kind = "dense"

    def __init__(self, name, n_in, n_out, activation="relu"):
        super().__init__(name)
        self.n_in, self.n_out, self.activation = int(n_in), int(n_out), activation

    def param_shapes(self):
        return {"W": (self.n_in, self.n_out), "b": (self.n_out,)}

    def out_shape(self, in_shape):
        return (self.n_out,)

    def forward(self, p, x):
        z = matmul(x, p["W"])
        add_bias(z, p["b"])
        return z, act.apply(self.activation, z), None

    def backward_z(self, p, x, a, dZ, need_dx=True, saved=None):
        grads = {"W": matmul_tn(x, dZ), "b": np.ones(len(dZ), dZ.dtype) @ dZ}
        return (matmul(dZ, p["W"].T) if need_dx else None), grads

    def spec(self):
        return {**super().spec(), "in": self.n_in, "out": self.n_out, "activation": self.activation}


def im2col(x, kh, kw):
    """(N, H, W, C) -> (N*Ho*Wo, kh*kw*C) patches for a valid, stride-1 window.

    A strided view plus one reshape (which copies) beats einsum by 2-15x here. With a
    single channel that copy has 1-element inner runs and crawls, so the patches are
    instead built as (kh*kw, M) from kh*kw contiguous slices and returned transposed
    (a free view; BLAS reads either order).
    """
    n, h, w, c = x.shape
    ho, wo = h - kh + 1, w - kw + 1
    if c == 1:
        rows = np.empty((kh, kw, n, ho, wo), x.dtype)
        for i in range(kh):
            for j in range(kw):
                rows[i, j] = x[:, i:i + ho, j:j + wo, 0]
        return rows.reshape(kh * kw, -1).T
    sn, sh, sw, sc = x.strides
    view = np.lib.stride_tricks.as_strided(
        x, (n, ho, wo, kh, kw, c), (sn, sh, sw, sh, sw, sc), writeable=False)
    return view.reshape(n * ho * wo, kh * kw * c)


class Conv2D(Layer):
    """Valid, stride-1 convolution. x (N, H, W, C_in), W (kh, kw, C_in, C_out), b (C_out,)."""

    kind = "conv2d"

    def __init__(self, name, kernel, c_in, c_out, activation="relu"):
        super().__init__(name)
        self.kh, self.kw = (kernel, kernel) if np.isscalar(kernel) else tuple(kernel)
        self.c_in, self.c_out, self.activation = int(c_in), int(c_out), activation

    def param_shapes(self):
        return {"W": (self.kh, self.kw, self.c_in, self.c_out), "b": (self.c_out,)}

    def out_shape(self, in_shape):
        h, w, _ = in_shape
        return (h - self.kh + 1, w - self.kw + 1, self.c_out)

    def forward(self, p, x):
        """saved: the patches, (M, K) from im2col, or channel-major (K, M) under WASM (see convcols)."""
        x = np.ascontiguousarray(x)
        n, h, w, _ = x.shape
        if WASM:
            cols = convcols.patches_t(x, self.kh, self.kw)
            z = convcols.forward(cols, p["W"])
        else:
            cols = im2col(x, self.kh, self.kw)
            z = matmul(cols, p["W"].reshape(-1, self.c_out))
        add_bias(z, p["b"])
        z = z.reshape(n, h - self.kh + 1, w - self.kw + 1, self.c_out)
        return z, act.apply(self.activation, z), cols

    def backward_z(self, p, x, a, dZ, need_dx=True, saved=None):
        """saved: forward's patches; rebuilt from x when absent."""
        dZ2 = dZ.reshape(-1, self.c_out)
        if WASM:
            cols = saved if saved is not None else convcols.patches_t(np.ascontiguousarray(x), self.kh, self.kw)
            dW, db = convcols.grad_wb(cols, dZ2, p["W"].shape)
            grads = {"W": dW, "b": db}
            return (convcols.grad_x(p["W"], dZ) if need_dx else None), grads
        cols = saved if saved is not None else im2col(np.ascontiguousarray(x), self.kh, self.kw)
        grads = {"W": matmul_tn(cols, dZ2).reshape(p["W"].shape),
                 "b": np.ones(len(dZ2), dZ2.dtype) @ dZ2}
        if not need_dx:
            return None, grads
        # Each kernel tap (i, j) sends dZ @ W[i, j].T back to the inputs it read, shifted by
        # (i, j). kh*kw small matmuls on contiguous dZ beat padding dZ and copying its patches
        # (measured 0.61 vs 0.73 ms for cnn-small's conv2 at batch 64).
        n, ho, wo, _ = dZ.shape
        dX = np.zeros(x.shape, dZ2.dtype)
        for i in range(self.kh):
            for j in range(self.kw):
                dX[:, i:i + ho, j:j + wo] += matmul(dZ2, p["W"][i, j].T).reshape(n, ho, wo, self.c_in)
        return dX, grads

    def spec(self):
        return {**super().spec(), "kernel": [self.kh, self.kw], "in_channels": self.c_in,
                "out_channels": self.c_out, "activation": self.activation}


class MaxPool2D(Layer):
    """Non-overlapping max pool of size s. (N, H, W, C) -> (N, H//s, W//s, C); a ragged edge is dropped."""

    kind = "maxpool2d"

    def __init__(self, name, size=2):
        super().__init__(name)
        self.size = int(size)

    def out_shape(self, in_shape):
        h, w, c = in_shape
        return (h // self.size, w // self.size, c)

    def _windows(self, x):
        s = self.size
        ho, wo = x.shape[1] // s, x.shape[2] // s
        return [x[:, i:ho * s:s, j:wo * s:s] for i in range(s) for j in range(s)]

    def forward(self, p, x):
        # Strided np.maximum is ~17x faster than reshape-then-max here.
        views = self._windows(x)
        out = views[0]
        for v in views[1:]:
            out = np.maximum(out, v)
        return out, out, None

    def backward_z(self, p, x, a, dA, need_dx=True, saved=None):
        """Route each output's gradient to the first input in its window that equals the max."""
        s = self.size
        ho, wo = a.shape[1], a.shape[2]
        # The windows below write every element of dX unless an edge is ragged (dropped).
        dX = np.empty_like(x) if x.shape[1:3] == (ho * s, wo * s) else np.zeros_like(x)
        views = self._windows(x)
        taken = None
        for k, v in enumerate(views):
            i, j = divmod(k, s)
            if taken is None:
                win = v == a
                taken = win.copy()
            elif k == len(views) - 1:
                win = ~taken  # the max must be here if no earlier position held it
            else:
                win = v == a
                win &= ~taken
                taken |= win
            np.multiply(dA, win, out=dX[:, i:ho * s:s, j:wo * s:s])
        return dX, {}

    def spec(self):
        return {**super().spec(), "size": self.size}


class Flatten(Layer):
    """(N, H, W, C) -> (N, H*W*C), in NHWC order."""

    kind = "flatten"

    def out_shape(self, in_shape):
        return (int(np.prod(in_shape)),)

    def forward(self, p, x):
        a = x.reshape(len(x), -1)
        return a, a, None

    def backward_z(self, p, x, a, dA, need_dx=True, saved=None):
        return dA.reshape(x.shape), {}


def layer_from_spec(spec):
    """Build a layer from its manifest entry (see `Layer.spec`)."""
    kind, name = spec["type"], spec["name"]
    if kind == "dense":
        return Dense(name, spec["in"], spec["out"], spec.get("activation", "relu"))
    if kind == "conv2d":
        return Conv2D(name, spec["kernel"], spec["in_channels"], spec["out_channels"],
                      spec.get("activation", "relu"))
    if kind == "maxpool2d":
        return MaxPool2D(name, spec.get("size", 2))
    if kind == "flatten":
        return Flatten(name)
    raise ValueError(f"unknown layer type {kind!r} in layer {name!r}")
