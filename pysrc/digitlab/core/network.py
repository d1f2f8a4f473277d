"""A feed-forward network: an ordered list of layers plus a params dict.

`forward(x)` returns a `Trace` and changes nothing; `backward(trace, y)` reads the
trace and returns gradients keyed exactly like `params`.
"""

import copy
from dataclasses import dataclass, field

import numpy as np

from . import activations as act
from .layers import layer_from_spec
from .losses import LOSSES


@dataclass(frozen=True)
class LayerTrace:
    """One layer's record: its name, kind, pre-activation z and output a, each (N, ...).

    saved: what the layer's forward handed to its backward (a conv's im2col patches), or None.
    """
    name: str
    kind: str
    z: np.ndarray
    a: np.ndarray
    saved: object = None


@dataclass(frozen=True)
class Trace:
    """x: the input as the network saw it, (N, 784) or (N, 28, 28, 1); layers in order."""
    x: np.ndarray
    layers: list = field(default_factory=list)

    def __getitem__(self, name):
        for rec in self.layers:
            if rec.name == name:
                return rec
        raise KeyError(name)

    @property
    def logits(self):
        return self.layers[-1].z  # (N, 10)

    @property
    def probs(self):
        return self.layers[-1].a  # (N, 10)


class Network:
    """layers: list of Layer; params: {layer name: {"W": ..., "b": ...}} (float32)."""

    def __init__(self, layers, params=None, input_shape=(784,), seed=0):
        self.layers = list(layers)
        self.input_shape = tuple(input_shape)
        if params is None:
            rng = np.random.default_rng(seed)
            params = {l.name: l.init(rng) for l in self.layers if l.param_shapes()}
        self.params = params

    @classmethod
    def from_specs(cls, specs, input_shape, params=None, seed=0):
        return cls([layer_from_spec(s) for s in specs], params, input_shape, seed)

    def specs(self):
        return [l.spec() for l in self.layers]

    def shapes(self):
        """Each layer's output shape (without the batch axis), in order."""
        out, shape = [], self.input_shape
        for l in self.layers:
            shape = l.out_shape(shape)
            out.append(shape)
        return out

    def n_params(self):
        return int(sum(v.size for p in self.params.values() for v in p.values()))

    def copy(self):
        """A deep copy whose params can be damaged or trained without touching these."""
        return Network(self.layers, copy.deepcopy(self.params), self.input_shape)

    def prepare(self, x):
        """Accept (N, 784), (N, 28, 28) or (N, 28, 28, 1); return float32 shaped (N, *input_shape)."""
        x = np.asarray(x, np.float32)
        return x.reshape((len(x),) + self.input_shape)

    def forward(self, x):
        x = self.prepare(x)
        recs, a = [], x
        for l in self.layers:
            z, a, saved = l.forward(self.params.get(l.name, {}), a)
            recs.append(LayerTrace(l.name, l.kind, z, a, saved))
        return Trace(x, recs)

    def predict_proba(self, x):
        """x (N, 784) or (N, 28, 28) -> (N, 10) probabilities."""
        return self.forward(x).probs

    def loss(self, trace, y, loss="xent"):
        return self.grads_and_loss(trace, y, loss, grads=False)[1]

    def backward(self, trace, y, loss="xent"):
        """Gradients of the mean loss, keyed like params: {layer: {"W": dW, "b": db}}."""
        return self.grads_and_loss(trace, y, loss)[0]

    def grads_and_loss(self, trace, y, loss="xent", grads=True):
        """-> (grads or None, mean loss). loss: "xent" (softmax output) or "mse"."""
        out, last = self.layers[-1], trace.layers[-1]
        if loss == "xent":
            if out.activation != "softmax":
                raise ValueError("cross-entropy needs a softmax output layer")
            value, dZ = LOSSES["xent"](last.z, y)  # fused: exact and stable
        else:
            value, dA = LOSSES[loss](last.a, y)
            dZ = act.backward(out.activation, last.z, last.a, dA)
        return (self._backprop(trace, dZ)[0] if grads else None), value

    def input_gradient(self, trace, dlogits):
        """d(sum(dlogits * logits))/dx, for saliency. dlogits (N, 10) -> (N, *input_shape)."""
        return self._backprop(trace, np.asarray(dlogits, np.float32), need_input_grad=True)[1]

    def _backprop(self, trace, dZ, need_input_grad=False):
        """Walk the layers backwards from dL/dz of the last one. -> (grads, dL/dx or None)."""
        grads, d = {}, None
        for i in range(len(self.layers) - 1, -1, -1):
            l, rec = self.layers[i], trace.layers[i]
            if d is not None:
                dZ = act.backward(l.activation, rec.z, rec.a, d)
            x_in = trace.layers[i - 1].a if i else trace.x
            d, g = l.backward_z(self.params.get(l.name, {}), x_in, rec.a, dZ,
                                need_dx=i > 0 or need_input_grad, saved=rec.saved)
            if g:
                grads[l.name] = g
        return grads, d
