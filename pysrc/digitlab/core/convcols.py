"""A valid, stride-1 convolution laid out for numpy without BLAS (Pyodide's), used by Conv2D there.

Without BLAS, numpy's matmul and einsum are fast only when the innermost loop runs along a long
contiguous axis. With patches stored channel-major, as colsT (K, M) where K = kh*kw*C_in taps and
M = N*Ho*Wo positions, every product below has M innermost and contiguous:

    forward   zT (C_out, M) = W2.T @ colsT          einsum "kc,km->cm"
    dW        (K, C_out)    = colsT @ dZ2           einsum "km,cm->kc" on dZT = dZ2.T (contiguous)
    db        (C_out,)      = dZT summed along m
    dX        dcolsT (K, M) = W2 @ dZT              einsum "kc,cm->km", then summed back per tap

Measured in Pyodide 0.27.7 (Node) at batch 32, layer by layer (forward; backward): conv1 3.4 -> 2.6
and 2.0 -> 1.0 ms, conv2 3.0 -> 1.7 and 12.1 -> 3.0 ms; a whole cnn-small step 16.4 -> 12.2 ms
(BENCHMARKS.md, #17).
Shapes: x (N, H, W, C_in) NHWC as everywhere; W (kh, kw, C_in, C_out).
"""

import numpy as np


def patches_t(x, kh, kw):
    """(N, H, W, C) -> colsT (kh*kw*C, N*Ho*Wo), C-contiguous; row (i, j, c) is x[:, i:i+Ho, j:j+Wo, c]."""
    n, h, w, c = x.shape
    ho, wo = h - kh + 1, w - kw + 1
    out = np.empty((kh, kw, c, n, ho, wo), x.dtype)
    xc = np.ascontiguousarray(np.moveaxis(x, 3, 0))         # (C, N, H, W): runs of wo along W
    for i in range(kh):
        for j in range(kw):
            out[i, j] = xc[:, :, i:i + ho, j:j + wo]
    return out.reshape(kh * kw * c, n * ho * wo)


def forward(colsT, W):
    """-> z (M, C_out), C-contiguous (NHWC once reshaped)."""
    zT = np.einsum("kc,km->cm", W.reshape(-1, W.shape[-1]), colsT)
    return np.ascontiguousarray(zT.T)


def grad_wb(colsT, dZ2, shape):
    """dZ2 (M, C_out) -> (dL/dW shaped `shape` (kh, kw, C_in, C_out), dL/db (C_out,)).

    The bias sum runs along dZT's contiguous rows: summing dZ2 over its first axis walks rows
    of only C_out numbers (0.29 vs 0.11 ms for conv1 at batch 32 in Pyodide)."""
    dZT = np.ascontiguousarray(dZ2.T)
    return np.einsum("km,cm->kc", colsT, dZT).reshape(shape), dZT.sum(axis=1)


def grad_x(W, dZ):
    """dZ (N, Ho, Wo, C_out) -> dL/dx (N, Ho+kh-1, Wo+kw-1, C_in): each tap's share added back in place."""
    kh, kw, c_in, c_out = W.shape
    n, ho, wo, _ = dZ.shape
    dZT = np.ascontiguousarray(dZ.reshape(-1, c_out).T)                   # (C_out, M)
    dcols = np.einsum("kc,cm->km", W.reshape(-1, c_out), dZT).reshape(kh, kw, c_in, n, ho, wo)
    dXc = np.zeros((c_in, n, ho + kh - 1, wo + kw - 1), dZ.dtype)
    for i in range(kh):
        for j in range(kw):
            dXc[:, :, i:i + ho, j:j + wo] += dcols[i, j]
    return np.ascontiguousarray(np.moveaxis(dXc, 0, 3))
