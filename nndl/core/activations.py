"""Activation functions σ and their derivatives σ' (the layer that applies one is
:class:`nndl.layers.Activation`).

Each activation knows two things:

* ``forward(z)`` — the neuron's output a = σ(z);
* ``backward(grad, z, a)`` — the chain rule through σ: given ∂C/∂a it returns ∂C/∂z.
  For element-wise σ this is the Hadamard product ``grad ⊙ σ'(z)`` that appears in BP1 and
  BP2. Where cheaper, σ' is computed from the saved output (sigmoid: σ' = a(1−a)).

Softmax is not element-wise, so its backward is the Jacobian–vector product
a ⊙ (g − Σⱼ gⱼaⱼ). The perceptron step has no useful derivative: backward raises.
"""
from __future__ import annotations

import warnings

from ..backend import get_array_module, special
from ..errors import TrainingError, unknown_name


class ActivationFunction:
    """Base class of σ (named so as not to be confused with the layer, :class:`nndl.layers.Activation`).
    Subclasses set ``name`` and implement forward/backward."""

    name = "activation"
    elementwise = True

    def forward(self, z):
        raise NotImplementedError

    def backward(self, grad, z, a):
        """∂C/∂z from ∂C/∂a (the ⊙ σ'(z) of BP1/BP2)."""
        raise NotImplementedError

    def get_config(self) -> dict:
        return {"name": self.name}

    def __repr__(self):
        return f"{type(self).__name__}()"

    def __eq__(self, other):
        return type(self) is type(other) and self.get_config() == other.get_config()

    def __hash__(self):
        return hash(self.name)


class Sigmoid(ActivationFunction):
    """σ(z) = 1 / (1 + e^(−z)), σ'(z) = σ(z)(1 − σ(z))."""

    name = "sigmoid"

    def forward(self, z):
        # expit is one ufunc call and never overflows, unlike 1/(1+exp(-z)).
        return special(get_array_module(z)).expit(z)

    def backward(self, grad, z, a):
        return grad * a * (1 - a)


class Tanh(ActivationFunction):
    """tanh(z), tanh' = 1 − tanh²."""

    name = "tanh"

    def forward(self, z):
        return get_array_module(z).tanh(z)

    def backward(self, grad, z, a):
        return grad * (1 - a * a)


class ShiftedSigmoid(ActivationFunction):
    """σ(z) − ½ (chapter 6 problem 2): a zero-centred sigmoid; same derivative as σ."""

    name = "shifted_sigmoid"

    def forward(self, z):
        return special(get_array_module(z)).expit(z) - 0.5

    def backward(self, grad, z, a):
        s = a + 0.5
        return grad * s * (1 - s)


class ReLU(ActivationFunction):
    """max(0, z); derivative 1 where z > 0, else 0."""

    name = "relu"

    def forward(self, z):
        return get_array_module(z).maximum(z, 0)

    def forward_inplace(self, z):
        """max(0, z) written over z, for layers that own z (conv): backward needs only the
        sign of z, which max(0, z) keeps. Saves a map-sized array and a pass over memory."""
        return get_array_module(z).maximum(z, 0, out=z)

    def backward(self, grad, z, a):
        return grad * (z > 0)


class LeakyReLU(ActivationFunction):
    """z for z > 0, αz otherwise (α small, default 0.01)."""

    name = "leaky_relu"

    def __init__(self, alpha: float = 0.01):
        if not alpha >= 0:
            raise ValueError(f"leaky_relu alpha must be >= 0, got {alpha}")
        self.alpha = float(alpha)

    def forward(self, z):
        return get_array_module(z).where(z > 0, z, self.alpha * z)

    def backward(self, grad, z, a):
        xp = get_array_module(z)
        return grad * xp.where(z > 0, 1.0, self.alpha).astype(z.dtype, copy=False)

    def get_config(self):
        return {"name": self.name, "alpha": self.alpha}

    def __repr__(self):
        return f"LeakyReLU(alpha={self.alpha})"


class ELU(ActivationFunction):
    """z for z > 0, α(eᶻ − 1) otherwise; derivative a + α on the negative side."""

    name = "elu"

    def __init__(self, alpha: float = 1.0):
        if not alpha > 0:
            raise ValueError(f"elu alpha must be > 0, got {alpha}")
        self.alpha = float(alpha)

    def forward(self, z):
        xp = get_array_module(z)
        return xp.where(z > 0, z, self.alpha * xp.expm1(xp.minimum(z, 0)))

    def backward(self, grad, z, a):
        xp = get_array_module(z)
        return grad * xp.where(z > 0, 1.0, a + self.alpha).astype(z.dtype, copy=False)

    def get_config(self):
        return {"name": self.name, "alpha": self.alpha}

    def __repr__(self):
        return f"ELU(alpha={self.alpha})"


class Linear(ActivationFunction):
    """The identity: a = z, σ' = 1."""

    name = "linear"

    def forward(self, z):
        return z

    def backward(self, grad, z, a):
        return grad


class Softmax(ActivationFunction):
    """aⱼ = e^(zⱼ) / Σₖ e^(zₖ) over the last axis (chapter 3). Not element-wise."""

    name = "softmax"
    elementwise = False

    def forward(self, z):
        return special(get_array_module(z)).softmax(z, axis=-1)

    def backward(self, grad, z, a):
        # Jacobian-vector product: ∂aⱼ/∂zₖ = aⱼ(δⱼₖ − aₖ).
        return a * (grad - (grad * a).sum(axis=-1, keepdims=True))


class Step(ActivationFunction):
    """The perceptron of chapter 1: output 1 if z > 0 else 0. For demos only.

    Its derivative is zero almost everywhere, so gradient descent cannot learn through it —
    which is exactly the book's motivation for the sigmoid neuron.
    """

    name = "step"

    def forward(self, z):
        return (z > 0).astype(z.dtype)

    def backward(self, grad, z, a):
        raise TrainingError(
            "the perceptron step activation has no useful gradient; use 'sigmoid' to train "
            "(chapter 1: small changes in weights must give small changes in output)")


class FunctionActivation(ActivationFunction):
    """Any element-wise NumPy function f given as a plain callable (a reader's leaky ReLU, a
    lambda): a = f(z), and σ'(z) by central differences in float64,

        σ'(z) ≈ (f(z + h) − f(z − h)) / 2h,   h = ∛ε · max(1, |z|)

    (∛ε ≈ 6·10⁻⁶ balances truncation and rounding error; at a kink such as ReLU's 0 it gives
    the mean of the one-sided slopes). A function cannot be written to a model file."""

    name = "function"

    def __init__(self, fn):
        if not callable(fn):
            raise ValueError(f"not a function: {fn!r}")
        self.fn = fn

    def forward(self, z):
        xp = get_array_module(z)
        return xp.asarray(self.fn(z), dtype=z.dtype)

    def backward(self, grad, z, a):
        xp = get_array_module(z)
        z64 = z.astype(xp.float64)
        h = _CBRT_EPS * xp.maximum(1.0, xp.abs(z64))
        slope = (xp.asarray(self.fn(z64 + h), dtype=xp.float64)
                 - xp.asarray(self.fn(z64 - h), dtype=xp.float64)) / (2 * h)
        return grad * slope.astype(z.dtype, copy=False)

    def get_config(self):
        raise ValueError(f"activation {_fn_name(self.fn)} is a Python function: it cannot be saved "
                         "to a model file; use one of nndl's activations by name")

    def __eq__(self, other):
        return type(self) is type(other) and self.fn is other.fn

    def __hash__(self):
        return hash(self.fn)

    def __repr__(self):
        return f"FunctionActivation({_fn_name(self.fn)})"


_CBRT_EPS = float(2.220446049250313e-16 ** (1 / 3))
_WARNED: set = set()


def _fn_name(fn) -> str:
    return getattr(fn, "__qualname__", None) or repr(fn)


def _from_function(fn) -> FunctionActivation:
    """Wrap a plain function, saying once per function that its derivative is numerical."""
    key = (getattr(fn, "__module__", None), _fn_name(fn))
    if key not in _WARNED:
        _WARNED.add(key)
        warnings.warn(f"activation {_fn_name(fn)} is not one of nndl's: its derivative is taken "
                      "numerically (central differences in float64)", stacklevel=3)
    return FunctionActivation(fn)


ACTIVATIONS = {cls.name: cls for cls in
               (Sigmoid, Tanh, ShiftedSigmoid, ReLU, LeakyReLU, ELU, Linear, Softmax, Step)}
_ALIASES = {"identity": "linear", "none": "linear", "leakyrelu": "leaky_relu",
            "sigmoid_minus_half": "shifted_sigmoid", "perceptron": "step"}


def get_activation(spec) -> ActivationFunction:
    """An ActivationFunction from a name ('relu'), a config dict ({'name': 'elu', 'alpha': 1.0}),
    an ActivationFunction instance or class. Unknown names raise ValueError listing the valid ones."""
    if isinstance(spec, ActivationFunction):
        return spec
    if isinstance(spec, type) and issubclass(spec, ActivationFunction):
        return spec()
    if spec is None:
        return Linear()
    if isinstance(spec, dict):
        spec = dict(spec)
        name = spec.pop("name")
        return _lookup(name)(**spec)
    if isinstance(spec, str):
        return _lookup(spec)()
    # Plain callables from the book (e.g. network3's sigmoid/ReLU functions) carry an
    # `nndl_activation` attribute naming the activation they stand for.
    name = getattr(spec, "nndl_activation", None)
    if name is not None:
        return _lookup(name)()
    if callable(spec):  # any other element-wise function: differentiated numerically
        return _from_function(spec)
    raise ValueError(f"cannot make an activation from {spec!r}")


def _lookup(name: str):
    key = name.lower().replace("-", "_")
    key = _ALIASES.get(key, key)
    try:
        return ACTIVATIONS[key]
    except KeyError:
        raise ValueError(unknown_name("activation", name, ACTIVATIONS)) from None
