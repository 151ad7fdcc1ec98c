"""Regularisers of the weights (never the biases, as in the book).

L2 (chapter 3): C = C₀ + (λ/2n) Σ w². Its gradient λ/n · w, taken with plain SGD, gives the
book's weight decay w → (1 − ηλ/n) w − η ∂C₀/∂w.

L1 (chapter 3, problem 10): C = C₀ + (λ/n) Σ |w|, so w → w − (ηλ/n) sgn(w) − η ∂C₀/∂w.

``n`` is the size of the whole training set, which the trainer passes in.
"""
from __future__ import annotations

from ..backend import axpy, get_array_module
from ..errors import unknown_name


class Regularizer:
    name = "none"

    def __init__(self, lmbda: float = 0.0):
        lmbda = float(lmbda)
        if not lmbda >= 0:
            raise ValueError(f"regularisation lambda must be >= 0, got {lmbda}")
        self.lmbda = lmbda

    def penalty(self, w, n: int) -> float:
        """The term this regulariser adds to the cost, for one weight array."""
        return 0.0

    def add_grad(self, w, grad, n: int) -> None:
        """grad += ∂penalty/∂w, in place."""

    def get_config(self):
        return {"name": self.name, "lmbda": self.lmbda}

    def __repr__(self):
        return f"{type(self).__name__}(lmbda={self.lmbda})"


class L2(Regularizer):
    """Weight decay: adds (λ/2n)‖w‖² to C and (λ/n) w to ∂C/∂w."""

    name = "l2"

    def penalty(self, w, n):
        return 0.5 * self.lmbda / n * float((w * w).sum())

    def add_grad(self, w, grad, n):
        if self.lmbda:
            axpy(self.lmbda / n, w, grad)  # grad += (λ/n)·w, in one pass


class L1(Regularizer):
    """Adds (λ/n)Σ|w| to C and (λ/n) sgn(w) to ∂C/∂w: shrinks weights by a constant amount."""

    name = "l1"

    def penalty(self, w, n):
        return self.lmbda / n * float(get_array_module(w).abs(w).sum())

    def add_grad(self, w, grad, n):
        if self.lmbda:
            grad += (self.lmbda / n) * get_array_module(w).sign(w)


REGULARIZERS = {"none": Regularizer, "l2": L2, "l1": L1}


def get_regularizer(spec, lmbda: float | None = None) -> Regularizer:
    """From None (no regularisation), a name plus lmbda, a dict, or an instance."""
    if spec is None:
        return Regularizer(0.0)
    if isinstance(spec, Regularizer):
        return spec
    if isinstance(spec, dict):
        return get_regularizer(spec["name"], spec.get("lmbda", 0.0))
    key = str(spec).lower()
    if key not in REGULARIZERS:
        raise ValueError(unknown_name("regularizer", spec, REGULARIZERS))
    return REGULARIZERS[key](lmbda or 0.0)
