"""The fully-connected layer of chapters 1–3: z = x·W + b, a = σ(z).

Shapes, batch first: x is (m, n_in), W is (n_in, n_out), b is (n_out,), z and a are
(m, n_out). (The book stores wˡ as (n_out, n_in) and column vectors; ``nndl.book`` converts.)
"""
from __future__ import annotations

import numpy as np

from ..backend import get_array_module, to_device
from ..core.activations import get_activation
from ..core.initializers import get_initializer
from .base import Layer, Parameter, register_layer


@register_layer
class Dense(Layer):
    """A fully-connected layer with its activation.

    >>> layer = Dense(30, activation="sigmoid", input_dim=784)
    """

    def __init__(self, units: int, activation="sigmoid", init="default", input_dim: int | None = None):
        super().__init__()
        units = int(units)
        if units <= 0:
            raise ValueError(f"Dense layer needs at least one unit, got {units}")
        if input_dim is not None and int(input_dim) <= 0:
            raise ValueError(f"Dense input_dim must be positive, got {input_dim}")
        self.units = units
        self.activation = get_activation(activation)
        self.init = get_initializer(init)
        self.input_dim = None if input_dim is None else int(input_dim)

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 1:
            raise ValueError(f"Dense expects flat inputs (n_in,), got shape {input_shape}; add a Flatten layer")
        if self.input_dim is not None and input_shape[0] != self.input_dim:
            raise ValueError(f"Dense was declared with input_dim={self.input_dim} but receives {input_shape[0]}")
        return (self.units,)

    def build(self, input_shape, rng, dtype=np.float32, xp=np):
        out = super().build(input_shape, rng, dtype, xp)
        n_in = self.input_shape[0]
        self.input_dim = n_in
        W = self.init.weights((n_in, self.units), n_in, self.units, rng, dtype)
        b = self.init.biases((self.units,), rng, dtype)
        self.W = Parameter(to_device(W, xp), "W", regularize=True)
        self.b = Parameter(to_device(b, xp), "b")
        self.params = [self.W, self.b]
        return out

    def forward(self, x, training=False):
        xp = get_array_module(x)
        z = xp.matmul(x, self.W.value)
        z += self.b.value
        a = self.activation.forward(z)
        self.x, self.z, self.a = x, z, a
        return a

    def backward(self, grad):
        """BP2's Hadamard part: δ = ∂C/∂a ⊙ σ'(z); then BP3/BP4 via backward_delta."""
        return self.backward_delta(self.activation.backward(grad, self.z, self.a))

    def backward_delta(self, delta):
        """Given δ = ∂C/∂z for the batch:

        * BP3: ∂C/∂b = Σₓ δ           (sum over the batch)
        * BP4: ∂C/∂W = a_inᵀ · δ
        * returns δ · Wᵀ, the first half of BP2 for the layer below.
        """
        xp = get_array_module(delta)
        xp.matmul(self.x.T, delta, out=self.W.grad)   # BP4
        delta.sum(axis=0, out=self.b.grad)             # BP3
        if self.needs_input_grad:
            return xp.matmul(delta, self.W.value.T)    # (wˡ⁺¹)ᵀ δˡ⁺¹ of BP2
        return None

    def count_params(self, input_shape) -> int:
        n_in = 1
        for s in input_shape:
            n_in *= int(s)
        return n_in * self.units + self.units  # W and b

    def get_config(self):
        return {"type": "Dense", "units": self.units, "activation": self.activation.get_config(),
                "init": self.init.name, "input_dim": self.input_dim}
