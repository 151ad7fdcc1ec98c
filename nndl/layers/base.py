"""The Layer contract every nndl layer follows.

A layer is a small object with

* ``build(input_shape, rng, dtype)`` — allocate parameters once the input shape is known
  (shapes exclude the batch axis) and return the output shape;
* ``forward(x, training=False)`` — x has the batch on the leading axis; the layer saves what
  its backward pass needs (inputs, z, outputs);
* ``backward(grad)`` — given ∂C/∂(output) for the batch, set each parameter's ``grad`` and
  return ∂C/∂(input). This is BP2 for the layer below;
* ``params`` — its trainable :class:`Parameter` objects, ``buffers`` — other state that is
  saved with the model (e.g. batch-norm running means);
* ``get_config()`` — a JSON-able dict that rebuilds it (``type`` names the class).

``training`` changes behaviour for dropout and batch norm only. No autograd: every
backward is written out by hand.
"""
from __future__ import annotations

import numpy as np


class Parameter:
    """A trainable array, its gradient buffer, and whether the regulariser applies.

    Weights are regularised, biases are not (chapter 3)."""

    __slots__ = ("value", "grad", "name", "regularize")

    def __init__(self, value, name: str, regularize: bool = False):
        self.value = value
        self.grad = value * 0  # same backend, shape and dtype; overwritten by backward
        self.name = name
        self.regularize = regularize

    def __repr__(self):
        return f"Parameter({self.name}, shape={tuple(self.value.shape)}, dtype={self.value.dtype})"


LAYER_TYPES: dict[str, type] = {}
#: layers that play an activation's part but learn parameters (PReLU), by the name the settings
#: and the CLI use for them (``--activation prelu``): a class with ``activation_name`` lands here.
ACTIVATION_LAYERS: dict[str, type] = {}


def register_layer(cls):
    """Class decorator: make a layer type loadable from its config by name (and, if it has an
    ``activation_name``, usable wherever an activation is named)."""
    LAYER_TYPES[cls.__name__] = cls
    if getattr(cls, "activation_name", None):
        ACTIVATION_LAYERS[cls.activation_name] = cls
    return cls


class Layer:
    """Base class: no parameters, identity shape. Subclasses override what they need."""

    def __init__(self):
        self.params: list[Parameter] = []
        self.buffers: dict[str, object] = {}
        self.input_shape: tuple | None = None
        self.output_shape: tuple | None = None
        self.built = False
        # False for the first layer of a model: its input gradient is never needed.
        self.needs_input_grad = True

    # -- construction -------------------------------------------------------------------
    def build(self, input_shape, rng: np.random.Generator, dtype=np.float32, xp=np):
        self.input_shape = tuple(input_shape)
        self.output_shape = self.compute_output_shape(self.input_shape)
        self.built = True
        return self.output_shape

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    # -- computation --------------------------------------------------------------------
    def forward(self, x, training: bool = False):
        raise NotImplementedError

    def backward(self, grad):
        raise NotImplementedError

    # -- state --------------------------------------------------------------------------
    def get_config(self) -> dict:
        return {"type": type(self).__name__}

    def get_weights(self) -> dict:
        """Parameters and buffers by name (device arrays)."""
        out = {p.name: p.value for p in self.params}
        out.update(self.buffers)
        return out

    def set_weights(self, weights: dict) -> None:
        """Copy arrays in, checking names and shapes."""
        for p in self.params:
            p.value[...] = _checked(weights, p.name, p.value)
        for name, buf in self.buffers.items():
            buf[...] = _checked(weights, name, buf)

    def all_params(self) -> list[Parameter]:
        """Trainable parameters, including those of sub-layers in composite layers."""
        return list(self.params)

    def count_params(self, input_shape) -> int:
        """Trainable values the layer will allocate for ``input_shape``, computed before
        building (so an absurd size is refused before any memory is taken). Layers whose
        parameters are at most a few per input value (batch norm, PReLU) need not override."""
        return 0

    def macs_per_example(self) -> int:
        """Multiply-adds of one forward pass for one example (a cost estimate). One per
        weight for fully-connected layers; conv layers override (weights × positions)."""
        return sum(int(np.prod(p.value.shape)) for p in self.all_params())

    def floats_per_example(self) -> int:
        """Numbers one example's forward pass holds in this layer at once (its output; conv
        layers add their im2col columns): how large an evaluation batch stays cache-sized."""
        return int(np.prod(self.output_shape))

    def set_rng(self, rng: np.random.Generator) -> None:
        """Layers that draw random numbers during training (dropout) take the model's RNG."""

    def __repr__(self):
        cfg = {k: v for k, v in self.get_config().items() if k != "type"}
        args = ", ".join(f"{k}={v!r}" for k, v in cfg.items())
        return f"{type(self).__name__}({args})"


def check_layers(layers, what: str) -> list:
    """The layers of a model or a block, as a non-empty list of Layer objects."""
    layers = list(layers)
    if not layers:
        raise ValueError(f"{what} needs at least one layer")
    for layer in layers:
        if not isinstance(layer, Layer):
            raise TypeError(f"not a layer: {layer!r}")
    return layers


def _checked(weights: dict, name: str, like):
    if name not in weights:
        raise KeyError(f"missing weight {name!r}")
    arr = weights[name]
    if tuple(arr.shape) != tuple(like.shape):
        raise ValueError(f"weight {name!r} has shape {tuple(arr.shape)}, expected {tuple(like.shape)}")
    return arr


def layer_from_config(config: dict) -> Layer:
    """Rebuild a layer from ``get_config()`` output. Only registered layer types load."""
    config = dict(config)
    name = config.pop("type", None)
    if name not in LAYER_TYPES:
        raise ValueError(f"unknown layer type {name!r}")
    return LAYER_TYPES[name].from_config(config) if hasattr(LAYER_TYPES[name], "from_config") \
        else LAYER_TYPES[name](**config)
