"""The network maths. Imports numpy and the standard library only (a test checks this)."""

from .layers import Conv2D, Dense, Flatten, MaxPool2D, layer_from_spec
from .network import LayerTrace, Network, Trace

__all__ = [
    "Conv2D", "Dense", "Flatten", "MaxPool2D", "layer_from_spec",
    "LayerTrace", "Network", "Trace",
]
