"""Dropout (chapter 3; chapter 6 uses it on the fully-connected layers).

Each unit is kept with probability 1 − p in training. Two conventions, chosen by ``scale``:

* ``"inverted"`` (the default, modern practice): kept units are scaled by 1/(1 − p) in
  training, so the expected activation is unchanged and inference is the identity.
* ``"book"`` (the book's network3): kept units are *not* rescaled in training; at inference
  every unit is multiplied by (1 − p) (network3 scales the layer's weighted input instead,
  which is the same thing for the dropped layer's input).

The two agree in expectation at inference but not in training: with p = 0.5 the inverted
layer's gradients are twice the book's and its weights end up half as large, so the book's
learning rates give different dynamics. ``nndl.book.network3`` uses ``scale="book"``.
"""
from __future__ import annotations

from ..backend import get_array_module, to_device
from .base import Layer, register_layer

SCALES = ("inverted", "book")


@register_layer
class Dropout(Layer):
    def __init__(self, p: float = 0.5, scale: str = "inverted"):
        super().__init__()
        p = float(p)
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout probability p must be in [0, 1), got {p}")
        if scale not in SCALES:
            raise ValueError(f"dropout scale must be one of {', '.join(SCALES)}, got {scale!r}")
        self.p = p
        self.scale = scale
        self.rng = None
        self.fixed_mask = None  # set by gradient checks so the function is deterministic

    def set_rng(self, rng):
        self.rng = rng

    def forward(self, x, training=False):
        if self.p == 0.0:
            self.mask = None
            return x
        if not training:
            self.mask = None
            return x if self.scale == "inverted" else x * (1.0 - self.p)   # book: a·(1 − p)
        xp = get_array_module(x)
        if self.fixed_mask is not None:
            mask = self.fixed_mask
        else:
            keep = self.rng.random(x.shape, dtype=x.dtype) >= self.p  # host RNG: seedable, checkpointable
            mask = keep.astype(x.dtype)
            if self.scale == "inverted":
                mask /= (1.0 - self.p)                                 # inverted: kept ·1/(1 − p)
            mask = to_device(mask, xp)
        self.mask = mask
        return x * mask

    def backward(self, grad):
        return grad if self.mask is None else grad * self.mask

    def get_config(self):
        return {"type": "Dropout", "p": self.p, "scale": self.scale}
