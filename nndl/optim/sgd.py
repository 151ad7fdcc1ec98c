"""Stochastic gradient descent and its momentum variants.

* plain SGD (chapter 1):       w → w − η ∇C
* momentum (chapter 3, p.14):  v → μv − η ∇C,  w → w + v
* Nesterov momentum:           v → μv − η ∇C(w + μv),  w → w + v, written in the usual
  look-ahead-free form  w → w − μ v_old + (1 + μ) v_new  so the gradient is taken at w.
"""
from __future__ import annotations

from ..backend import axpy
from .base import Optimizer, _fraction


class SGD(Optimizer):
    name = "sgd"

    def __init__(self, lr: float = 0.01, momentum: float = 0.0, nesterov: bool = False, **common):
        super().__init__(lr, **common)  # common: clip_norm, clip_value, weight_decay
        self.momentum = _fraction("momentum", momentum)
        self.nesterov = bool(nesterov)
        if self.nesterov and self.momentum == 0.0:
            raise ValueError("nesterov momentum needs momentum > 0")

    def update(self, i, p):
        g = p.grad
        if self.momentum == 0.0:
            axpy(-self.lr, g, p.value)       # w → w − η ∇C
            return
        v = self._slot(f"{i}.v", p.value)
        if self.nesterov:
            v_old = v.copy()
            v *= self.momentum
            axpy(-self.lr, g, v)             # v → μv − η∇C
            p.value += (1 + self.momentum) * v - self.momentum * v_old
        else:
            v *= self.momentum
            axpy(-self.lr, g, v)             # v → μv − η∇C
            p.value += v                     # w → w + v

    def get_config(self):
        return {"name": self.name, "lr": self.lr, "momentum": self.momentum, "nesterov": self.nesterov,
                **self._common_config()}


class Momentum(SGD):
    """SGD with (classical) momentum, μ = 0.9 unless told."""

    name = "momentum"

    def __init__(self, lr: float = 0.01, momentum: float = 0.9, **common):
        super().__init__(lr, momentum=momentum, **common)

    def get_config(self):
        return {"name": self.name, "lr": self.lr, "momentum": self.momentum, **self._common_config()}


class Nesterov(SGD):
    name = "nesterov"

    def __init__(self, lr: float = 0.01, momentum: float = 0.9, **common):
        super().__init__(lr, momentum=momentum, nesterov=True, **common)

    def get_config(self):
        return {"name": self.name, "lr": self.lr, "momentum": self.momentum, **self._common_config()}
