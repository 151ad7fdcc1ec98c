"""An activation as a layer of its own (Keras' ``Activation``), for models that put
batch norm between the affine map and the non-linearity: Dense(linear) → BatchNorm → ReLU."""
from __future__ import annotations

from ..core.activations import get_activation
from .base import Layer, register_layer


@register_layer
class Activation(Layer):
    def __init__(self, activation="relu"):
        super().__init__()
        self.activation = get_activation(activation)

    def forward(self, x, training=False):
        self.z = x
        self.a = self.activation.forward(x)
        return self.a

    def backward(self, grad):
        """∂C/∂z = ∂C/∂a ⊙ σ'(z)."""
        return self.activation.backward(grad, self.z, self.a)

    def backward_delta(self, delta):
        """The cost already gave ∂C/∂z (BP1 simplified): it passes straight through."""
        return delta

    def get_config(self):
        return {"type": "Activation", "activation": self.activation.get_config()}
