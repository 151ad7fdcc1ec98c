"""Adaptive optimisers from the lectures: each update is the lecture's equation, written out.

Notation: g is ∂C/∂w for the mini-batch (plus the regulariser's gradient), η the learning
rate, t the step number (1, 2, ...), and every operation is element-wise.

* Adagrad:  G ← G + g²;                       w ← w − η g / (√G + ε)
* RMSprop:  v ← ρv + (1−ρ) g²;                w ← w − η g / (√v + ε)
            with momentum μ:  u ← μu + η g / (√v + ε);  w ← w − u
* Adam:     m ← β₁m + (1−β₁) g;  v ← β₂v + (1−β₂) g²
            m̂ = m / (1−β₁ᵗ);      v̂ = v / (1−β₂ᵗ)   (bias correction)
            w ← w − η m̂ / (√v̂ + ε)
* AdamW:    Adam plus decoupled weight decay  w ← w − η·wd·w  (applied to the weights only,
            not through the gradient, unlike the book's L2 whose λ/n·w passes through m, v).

Defaults follow Keras (Adam 0.001, 0.9, 0.999, 1e-7; RMSprop 0.001, ρ=0.9, ε=1e-7;
Adagrad 0.001 with the accumulator starting at 0.1). The moment arrays live in ``state`` and
are saved by checkpoints; ``iterations`` (t − 1) is saved with them.

Speed: each update is a handful of in-place ufuncs over a scratch buffer kept per parameter,
so nothing is allocated per step. ``p.grad`` is overwritten by the next backward pass, so
updates may use it as scratch too (plain SGD does the same).
"""
from __future__ import annotations

import math

from ..backend import get_array_module
from .base import Optimizer, _fraction, _positive


class _Scratch:
    """Mixin: one reusable temporary array per parameter (not part of the saved state)."""

    def _tmp(self, i, like):
        tmp = self._scratch.get(i)
        if tmp is None or tmp.shape != like.shape or tmp.dtype != like.dtype:
            tmp = self._scratch[i] = like * 0
        return tmp


class Adagrad(_Scratch, Optimizer):
    name = "adagrad"

    def __init__(self, lr: float = 0.001, eps: float = 1e-7, initial_accumulator: float = 0.1,
                 **common):
        super().__init__(lr, **common)
        self.eps = _positive("eps", eps)
        initial_accumulator = float(initial_accumulator)
        if not (initial_accumulator >= 0 and math.isfinite(initial_accumulator)):
            raise ValueError(f"initial_accumulator must be >= 0, got {initial_accumulator}")
        self.initial_accumulator = initial_accumulator
        self._scratch = {}

    def update(self, i, p):
        xp = get_array_module(p.value)
        g = p.grad
        G = self.state.get(f"{i}.G")
        if G is None:
            G = self.state[f"{i}.G"] = p.value * 0 + self.initial_accumulator
        tmp = self._tmp(i, g)
        xp.multiply(g, g, out=tmp)
        G += tmp                          # G ← G + g²
        xp.sqrt(G, out=tmp)
        tmp += self.eps                   # √G + ε
        xp.divide(g, tmp, out=tmp)
        tmp *= self.lr
        p.value -= tmp                    # w ← w − η g / (√G + ε)

    def get_config(self):
        return {"name": self.name, "lr": self.lr, "eps": self.eps,
                "initial_accumulator": self.initial_accumulator, **self._common_config()}


class RMSprop(_Scratch, Optimizer):
    name = "rmsprop"

    def __init__(self, lr: float = 0.001, rho: float = 0.9, eps: float = 1e-7, momentum: float = 0.0,
                 **common):
        super().__init__(lr, **common)
        self.rho = _fraction("rho", rho)
        self.eps = _positive("eps", eps)
        self.momentum = _fraction("momentum", momentum)
        self._scratch = {}

    def update(self, i, p):
        xp = get_array_module(p.value)
        g = p.grad
        v = self._slot(f"{i}.v", p.value)
        tmp = self._tmp(i, g)
        xp.multiply(g, g, out=tmp)
        tmp *= 1.0 - self.rho
        v *= self.rho
        v += tmp                          # v ← ρv + (1−ρ) g²
        xp.sqrt(v, out=tmp)
        tmp += self.eps
        xp.divide(g, tmp, out=tmp)        # g / (√v + ε)
        tmp *= self.lr
        if self.momentum:
            u = self._slot(f"{i}.u", p.value)
            u *= self.momentum
            u += tmp                      # u ← μu + η g / (√v + ε)
            p.value -= u                  # w ← w − u
        else:
            p.value -= tmp                # w ← w − η g / (√v + ε)

    def get_config(self):
        return {"name": self.name, "lr": self.lr, "rho": self.rho, "eps": self.eps,
                "momentum": self.momentum, **self._common_config()}


class Adam(_Scratch, Optimizer):
    name = "adam"

    def __init__(self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-7,
                 **common):
        super().__init__(lr, **common)
        self.beta1 = _fraction("beta1", beta1)
        self.beta2 = _fraction("beta2", beta2)
        self.eps = _positive("eps", eps)
        self._scratch = {}

    def update(self, i, p):
        xp = get_array_module(p.value)
        b1, b2 = self.beta1, self.beta2
        t = self.iterations + 1
        g = p.grad
        m = self._slot(f"{i}.m", p.value)
        v = self._slot(f"{i}.v", p.value)
        tmp = self._tmp(i, g)
        xp.multiply(g, g, out=tmp)
        tmp *= 1.0 - b2
        v *= b2
        v += tmp                          # v ← β₂v + (1−β₂) g²
        g *= 1.0 - b1
        m *= b1
        m += g                            # m ← β₁m + (1−β₁) g
        # w ← w − η m̂ / (√v̂ + ε) with m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ); the same number computed
        # with one fewer pass as  w ← w − [η √(1−β₂ᵗ)/(1−β₁ᵗ)] · m / (√v + ε √(1−β₂ᵗ)).
        c1 = 1.0 - b1 ** t
        c2 = math.sqrt(1.0 - b2 ** t)
        xp.sqrt(v, out=tmp)
        tmp += self.eps * c2
        xp.divide(m, tmp, out=tmp)
        tmp *= self.lr * c2 / c1
        p.value -= tmp

    def get_config(self):
        return {"name": self.name, "lr": self.lr, "beta1": self.beta1, "beta2": self.beta2,
                "eps": self.eps, **self._common_config()}


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter); wd = 0.004 as in Keras."""

    name = "adamw"

    def __init__(self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-7,
                 weight_decay: float = 0.004, **common):
        super().__init__(lr, beta1, beta2, eps, weight_decay=weight_decay, **common)

    def get_config(self):
        cfg = super().get_config()
        cfg["weight_decay"] = self.weight_decay
        return cfg
