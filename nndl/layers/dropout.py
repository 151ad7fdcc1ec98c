"""Dropout (chapter 3; chapter 6 uses it on the fully-connected layers).

Inverted dropout: in training each unit is kept with probability 1 − p and the kept ones are
scaled by 1/(1 − p), so the expected activation is unchanged and inference is the identity.
(The book halves the outgoing weights at inference instead; the two are equivalent in
expectation.)
"""
from __future__ import annotations

from ..backend import get_array_module, to_device
from .base import Layer, register_layer


@register_layer
class Dropout(Layer):
    def __init__(self, p: float = 0.5):
        super().__init__()
        p = float(p)
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout probability p must be in [0, 1), got {p}")
        self.p = p
        self.rng = None
        self.fixed_mask = None  # set by gradient checks so the function is deterministic

    def set_rng(self, rng):
        self.rng = rng

    def forward(self, x, training=False):
        if not training or self.p == 0.0:
            self.mask = None
            return x
        xp = get_array_module(x)
        if self.fixed_mask is not None:
            mask = self.fixed_mask
        else:
            keep = self.rng.random(x.shape, dtype=x.dtype) >= self.p  # host RNG: seedable, checkpointable
            mask = to_device(keep.astype(x.dtype) / (1.0 - self.p), xp)
            mask = mask.astype(x.dtype, copy=False)
        self.mask = mask
        return x * mask

    def backward(self, grad):
        return grad if self.mask is None else grad * self.mask

    def get_config(self):
        return {"type": "Dropout", "p": self.p}
