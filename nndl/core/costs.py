"""Cost functions C and the output error δᴸ (BP1).

Conventions used throughout nndl:

* ``y`` is one-hot (or any target of the output's shape), the batch on the leading axis.
* ``value`` is the *mean* cost over the batch (the book's C = (1/n) Σₓ Cₓ).
* ``delta`` returns δᴸ = ∂C/∂zᴸ for that mean cost, so it already carries the 1/m of the
  mini-batch average; BP3/BP4 then need no further scaling.

BP1 in general is δᴸ = ∇ₐC ⊙ σ'(zᴸ). Two famous pairs collapse it to δᴸ = aᴸ − y
(chapter 3): sigmoid output with the cross-entropy cost, and softmax output with the
log-likelihood cost. Those simplifications live here, next to the general rule.
"""
from __future__ import annotations

from ..backend import get_array_module
from ..errors import unknown_name
from .activations import Sigmoid, Softmax

_TINY = 1e-12  # keeps log() finite for activations that can reach exactly 0 or 1


class Cost:
    name = "cost"

    def value(self, z, a, y, activation) -> float:
        """Mean cost over the batch."""
        raise NotImplementedError

    def grad_a(self, a, y):
        """∂Cₓ/∂a for one example (row-wise), used by the general BP1."""
        raise NotImplementedError

    def delta(self, z, a, y, activation):
        """BP1: δᴸ = ∇ₐC ⊙ σ'(zᴸ), for the batch-mean cost."""
        return activation.backward(self.grad_a(a, y) / a.shape[0], z, a)

    def value_and_delta(self, z, a, y, activation):
        """(C, δᴸ) together — what a training step needs; costs override it to share work."""
        return self.value(z, a, y, activation), self.delta(z, a, y, activation)

    def get_config(self) -> dict:
        return {"name": self.name}

    def __repr__(self):
        return f"{type(self).__name__}()"

    def __eq__(self, other):
        return type(self) is type(other)

    def __hash__(self):
        return hash(self.name)


class QuadraticCost(Cost):
    """C = (1/2n) Σₓ ‖y − aᴸ‖² (chapter 1). ∇ₐC = a − y, so δᴸ = (a − y) ⊙ σ'(zᴸ)."""

    name = "quadratic"

    def value(self, z, a, y, activation):
        d = a - y
        return 0.5 * float(get_array_module(d).vdot(d, d)) / a.shape[0]

    def grad_a(self, a, y):
        return a - y

    def value_and_delta(self, z, a, y, activation):
        d = a - y  # ∇ₐC, and the cost is ½‖d‖²/n: one subtraction serves both
        n = a.shape[0]
        return 0.5 * float(get_array_module(d).vdot(d, d)) / n, activation.backward(d / n, z, a)  # BP1


class CrossEntropyCost(Cost):
    """C = −(1/n) Σₓ Σⱼ [yⱼ ln aⱼ + (1 − yⱼ) ln(1 − aⱼ)] (chapter 3).

    With a sigmoid output, σ' cancels and δᴸ = a − y: learning no longer slows down when
    the output neuron saturates. The value is computed from z as log(1 + eᶻ) − yz, which is
    exact and finite for every z (no nan_to_num needed).
    """

    name = "cross_entropy"

    def value(self, z, a, y, activation):
        xp = get_array_module(a)
        if isinstance(activation, Sigmoid):  # Σ [log(1 + eᶻ) − yz], as two reductions
            return (float(xp.logaddexp(0, z).sum()) - float(xp.vdot(y, z))) / a.shape[0]
        else:
            ac = xp.clip(a, _TINY, 1 - _TINY)
            per = -(y * xp.log(ac) + (1 - y) * xp.log(1 - ac))
        return float(per.sum()) / a.shape[0]

    def grad_a(self, a, y):
        xp = get_array_module(a)
        ac = xp.clip(a, _TINY, 1 - _TINY)
        return (ac - y) / (ac * (1 - ac))

    def delta(self, z, a, y, activation):
        if isinstance(activation, Sigmoid):
            return (a - y) / a.shape[0]  # BP1 simplified: σ'(z) cancels
        return super().delta(z, a, y, activation)


class LogLikelihoodCost(Cost):
    """C = −(1/n) Σₓ ln a_yᴸ, the negative log-likelihood of the correct class (chapter 3).

    With a softmax output, δᴸ = a − y. The value uses log-softmax, ln aⱼ = zⱼ − logΣₖe^(zₖ),
    which stays finite however confident the network is.
    """

    name = "log_likelihood"

    def value(self, z, a, y, activation):
        xp = get_array_module(a)
        if isinstance(activation, Softmax):  # log Σₖ e^(zₖ) with the max taken out: exact and finite
            m = z.max(axis=-1, keepdims=True)
            lse = xp.log(xp.exp(z - m).sum(axis=-1, keepdims=True)) + m
            return float(xp.vdot(y, lse - z)) / a.shape[0]
        else:
            per = -y * xp.log(xp.clip(a, _TINY, None))
        return float(per.sum()) / a.shape[0]

    def grad_a(self, a, y):
        xp = get_array_module(a)
        return -y / xp.clip(a, _TINY, None)

    def delta(self, z, a, y, activation):
        if isinstance(activation, Softmax):
            return (a - y) / a.shape[0]  # BP1 simplified: the softmax Jacobian cancels
        return super().delta(z, a, y, activation)

    def value_and_delta(self, z, a, y, activation):
        if not isinstance(activation, Softmax):
            return super().value_and_delta(z, a, y, activation)
        # A training step's cost from the softmax output it already has: −Σ y ln a (three array
        # operations, not the eight of log-softmax). ln a is floored at the smallest normal
        # number, so an output that underflowed to 0 counts as ~87 nats (float32), not inf.
        xp = get_array_module(a)
        tiny = xp.finfo(a.dtype).tiny
        n = a.shape[0]
        return -float(xp.vdot(y, xp.log(xp.maximum(a, tiny)))) / n, (a - y) / n  # BP1 simplified


class PerceptronCost(Cost):
    """The perceptron criterion C = (1/n) Σₓ Σⱼ max(0, −tⱼzⱼ), tⱼ = 2yⱼ − 1 (chapter 1's
    perceptron, learned through the ordinary loop).

    Its derivative is ∂C/∂z = −t on misclassified examples and 0 otherwise, which with the
    step's convention (a = 1 iff z > 0) is exactly δᴸ = a − y: BP1 without σ'. With SGD,
    η = 1 and mini-batches of one, BP3/BP4 then give the perceptron learning rule
    w → w + (y − a)x, b → b + (y − a). The step itself stays forward-only.
    """

    name = "perceptron"

    def value(self, z, a, y, activation):
        xp = get_array_module(z)
        return float(xp.maximum(0, -(2 * y - 1) * z).sum()) / z.shape[0]

    def delta(self, z, a, y, activation):
        return ((z > 0).astype(z.dtype) - y) / z.shape[0]  # BP1: δᴸ = a − y (a = step(z))


COSTS = {c.name: c for c in (QuadraticCost, CrossEntropyCost, LogLikelihoodCost, PerceptronCost)}
_ALIASES = {"mse": "quadratic", "crossentropy": "cross_entropy", "binary_crossentropy": "cross_entropy",
            "nll": "log_likelihood", "loglikelihood": "log_likelihood",
            "categorical_crossentropy": "log_likelihood"}


def get_cost(spec) -> Cost:
    """A Cost from a name, a config dict, an instance or a class (the book passes classes)."""
    if isinstance(spec, Cost):
        return spec
    if isinstance(spec, type) and issubclass(spec, Cost):
        return spec()
    if isinstance(spec, dict):
        spec = spec["name"]
    if isinstance(spec, str):
        key = spec.lower().replace("-", "_")
        key = _ALIASES.get(key, key)
        if key in COSTS:
            return COSTS[key]()
        raise ValueError(unknown_name("cost", spec, COSTS))
    name = getattr(spec, "nndl_cost", None)  # the book's cost classes carry this
    if name is not None:
        return COSTS[name]()
    raise ValueError(f"cannot make a cost from {spec!r}")
