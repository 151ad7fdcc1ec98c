"""Batch normalisation (Ioffe & Szegedy 2015; lecture 2, Algorithm 1), with its backward pass.

For each feature (a column of a (m, features) batch) or each channel (of a (m, c, h, w) batch,
pooled over the m·h·w positions), over the N values of the mini-batch:

    μ  = (1/N) Σ xᵢ                       σ² = (1/N) Σ (xᵢ − μ)²
    x̂ᵢ = (xᵢ − μ) / √(σ² + ε)              yᵢ = γ x̂ᵢ + β

γ and β are learned (one per feature/channel; not regularised). In inference the running
averages of μ and σ² replace the batch statistics (``running ← m·running + (1 − m)·batch``,
momentum m = 0.99 and ε = 10⁻³ as in Keras); they are buffers, saved in the model file.

Backward, given g = ∂C/∂y (the derivation in the paper, collected into one line):

    ∂C/∂β = Σ gᵢ        ∂C/∂γ = Σ gᵢ x̂ᵢ
    ∂C/∂xᵢ = γ / (N √(σ² + ε)) · (N gᵢ − ∂C/∂β − x̂ᵢ ∂C/∂γ)
"""
from __future__ import annotations

import numpy as np

from ..backend import get_array_module, to_device
from .base import Layer, Parameter, register_layer


@register_layer
class BatchNorm(Layer):
    def __init__(self, momentum: float = 0.99, eps: float = 1e-3):
        super().__init__()
        momentum, eps = float(momentum), float(eps)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"batch-norm momentum must be in [0, 1), got {momentum}")
        if not eps > 0:
            raise ValueError(f"batch-norm eps must be > 0, got {eps}")
        self.momentum, self.eps = momentum, eps

    def build(self, input_shape, rng, dtype=np.float32, xp=np):
        out = super().build(input_shape, rng, dtype, xp)
        if len(self.input_shape) == 1:
            self.axes, n = (0,), self.input_shape[0]          # per feature
            self.bshape = (n,)
        elif len(self.input_shape) == 3:
            self.axes, n = (0, 2, 3), self.input_shape[0]     # per channel of (m, c, h, w)
            self.bshape = (1, n, 1, 1)
        else:
            raise ValueError(f"BatchNorm takes (features,) or (channels, h, w) inputs, got {self.input_shape}")
        self.gamma = Parameter(to_device(np.ones(n, dtype), xp), "gamma")
        self.beta = Parameter(to_device(np.zeros(n, dtype), xp), "beta")
        self.params = [self.gamma, self.beta]
        self.buffers = {"running_mean": to_device(np.zeros(n, dtype), xp),
                        "running_var": to_device(np.ones(n, dtype), xp)}
        return out

    def forward(self, x, training=False):
        xp = get_array_module(x)
        shape = self.bshape
        if training:
            N = x.size // x.shape[1]
            mu = x.mean(axis=self.axes)                              # μ
            xc = x - mu.reshape(shape)                               # x − μ
            if len(shape) == 1:
                var = xp.einsum("ij,ij->j", xc, xc)                  # Σ (x − μ)², one pass
            else:
                var = (xc * xc).sum(axis=self.axes)
            var /= N                                                 # σ²
            inv = 1.0 / xp.sqrt(var + self.eps)                      # 1/√(σ² + ε)
            xhat = xc
            xhat *= inv.reshape(shape)                               # x̂
            m = self.momentum
            rm, rv = self.buffers["running_mean"], self.buffers["running_var"]
            rm *= m
            rm += (1 - m) * mu
            rv *= m
            rv += (1 - m) * var
            self.xhat, self.inv, self.N, self.batch_stats = xhat, inv, N, True
        else:
            inv = 1.0 / xp.sqrt(self.buffers["running_var"] + self.eps)
            xhat = (x - self.buffers["running_mean"].reshape(shape)) * inv.reshape(shape)
            self.xhat, self.inv, self.batch_stats = xhat, inv, False
        y = xhat * self.gamma.value.reshape(shape)
        y += self.beta.value.reshape(shape)                          # y = γ x̂ + β
        return y

    def backward(self, grad):
        xp = get_array_module(grad)
        shape, xhat = self.bshape, self.xhat
        grad.sum(axis=self.axes, out=self.beta.grad)                 # ∂C/∂β = Σ g
        gx = grad * xhat
        gx.sum(axis=self.axes, out=self.gamma.grad)                  # ∂C/∂γ = Σ g x̂
        if not self.needs_input_grad:
            return None
        if not self.batch_stats:   # inference statistics are constants: y is affine in x
            return grad * (self.gamma.value * self.inv).reshape(shape)
        # ∂C/∂x = γ/(N√(σ²+ε)) · (N g − ∂C/∂β − x̂ ∂C/∂γ)
        dx = xp.multiply(xhat, self.gamma.grad.reshape(shape), out=gx)
        dx += self.beta.grad.reshape(shape)
        dx -= self.N * grad
        dx *= (-(self.gamma.value * self.inv) / self.N).reshape(shape)
        return dx

    def get_config(self):
        return {"type": "BatchNorm", "momentum": self.momentum, "eps": self.eps}
