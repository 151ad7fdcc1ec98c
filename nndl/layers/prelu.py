"""PReLU (He et al. 2015; lecture 2): a leaky ReLU whose negative slope is learned.

    f(z) = z        if z > 0
           α z      otherwise

with one α per unit (inputs (m, features)) or per channel (inputs (m, c, h, w)), starting at
0.25. Backward:  ∂C/∂z = g ⊙ (1 if z > 0 else α),   ∂C/∂α = Σ g ⊙ z ⊙ [z ≤ 0]  (summed over
the batch, and over positions for a channel's α). α is not regularised.
"""
from __future__ import annotations

import numpy as np

from ..backend import get_array_module, to_device
from .base import Layer, Parameter, register_layer


@register_layer
class PReLU(Layer):
    activation_name = "prelu"  # --activation prelu builds this layer

    def __init__(self, alpha_init: float = 0.25, per: str = "auto"):
        super().__init__()
        if per not in ("auto", "unit", "channel", "shared"):
            raise ValueError(f"PReLU per must be 'auto', 'unit', 'channel' or 'shared', got {per!r}")
        self.alpha_init, self.per = float(alpha_init), per

    def build(self, input_shape, rng, dtype=np.float32, xp=np):
        out = super().build(input_shape, rng, dtype, xp)
        shape = self.input_shape
        per = self.per
        if per == "auto":
            per = "channel" if len(shape) == 3 else "unit"
        if per == "unit":
            ashape, self.bshape = shape, shape
        elif per == "channel":
            if len(shape) != 3:
                raise ValueError(f"PReLU per='channel' needs (c, h, w) inputs, got {shape}")
            ashape, self.bshape = (shape[0],), (shape[0], 1, 1)
        else:
            ashape, self.bshape = (1,), (1,) * len(shape)
        self.sum_axes = (0,) + tuple(i + 1 for i, (a, b) in enumerate(zip(self.bshape, shape)) if a != b)
        self.alpha = Parameter(to_device(np.full(ashape, self.alpha_init, dtype), xp), "alpha")
        self.params = [self.alpha]
        return out

    def forward(self, x, training=False):
        xp = get_array_module(x)
        alpha = self.alpha.value.reshape(self.bshape)
        neg = xp.minimum(x, 0)          # z ⊙ [z ≤ 0]: also what ∂C/∂α needs
        y = xp.maximum(x, 0)
        y += neg * alpha                # max(z, 0) + α min(z, 0)
        self.x, self.neg = x, neg
        return y

    def backward(self, grad):
        xp = get_array_module(grad)
        self.alpha.grad[...] = (grad * self.neg).sum(axis=self.sum_axes).reshape(self.alpha.grad.shape)
        if not self.needs_input_grad:
            return None
        alpha = self.alpha.value.reshape(self.bshape)
        return grad * xp.where(self.x > 0, 1, alpha).astype(grad.dtype, copy=False)

    def get_config(self):
        return {"type": "PReLU", "alpha_init": self.alpha_init, "per": self.per}
