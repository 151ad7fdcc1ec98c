"""Flatten (m, c, h, w) feature maps into (m, c·h·w) vectors for a fully-connected layer."""
from __future__ import annotations

import math

from .base import Layer, register_layer


@register_layer
class Flatten(Layer):
    def compute_output_shape(self, input_shape):
        return (math.prod(input_shape),)

    def forward(self, x, training=False):
        self._shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, grad):
        return grad.reshape(self._shape)
