"""Helpers that assemble the lectures' fully-connected blocks from layers.

``dense_block(units, activation, batch_norm, dropout)`` gives the lecture's ordering

    Dense(linear) → BatchNorm → activation → Dropout        (with batch norm)
    Dense(activation) → Dropout                              (without)

where an activation that learns parameters (an :data:`ACTIVATION_LAYERS` name such as 'prelu')
becomes a Dense(linear) followed by that layer (its parameters cannot live inside Dense).
"""
from __future__ import annotations

from .activation import Activation
from .base import ACTIVATION_LAYERS, Layer
from .batchnorm import BatchNorm
from .dense import Dense
from .dropout import Dropout


def _learned(activation) -> bool:
    return isinstance(activation, str) and activation.lower() in ACTIVATION_LAYERS


def activation_layer(activation) -> Layer:
    """An activation as a stand-alone layer: the registered layer for a learned one ('prelu'),
    else Activation(name)."""
    if _learned(activation):
        return ACTIVATION_LAYERS[activation.lower()]()
    return Activation(activation)


def dense_block(units: int, activation="relu", batch_norm: bool = False, dropout: float = 0.0,
                init: str = "default", input_dim: int | None = None) -> list[Layer]:
    """The layers of one hidden block (see the module docstring)."""
    dropout = float(dropout)
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout probability p must be in [0, 1), got {dropout}")
    if batch_norm or _learned(activation):
        layers = [Dense(units, "linear", init=init, input_dim=input_dim)]
        if batch_norm:
            layers.append(BatchNorm())
        layers.append(activation_layer(activation))
    else:
        layers = [Dense(units, activation, init=init, input_dim=input_dim)]
    if dropout:
        layers.append(Dropout(dropout))
    return layers


def build_mlp(sizes, activation="sigmoid", output_activation="sigmoid", batch_norm: bool = False,
              dropout: float = 0.0, init: str = "default") -> list[Layer]:
    """Layers for an MLP of the book's ``sizes`` ([784, 30, 10]): hidden blocks by
    :func:`dense_block`, then the output Dense layer."""
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2:
        raise ValueError(f"sizes needs an input and an output size, got {sizes}")
    layers: list[Layer] = []
    for k, units in enumerate(sizes[1:-1]):
        layers += dense_block(units, activation, batch_norm, dropout, init,
                              input_dim=sizes[0] if k == 0 else None)
    layers.append(Dense(sizes[-1], output_activation, init=init,
                        input_dim=sizes[0] if len(sizes) == 2 else None))
    return layers
