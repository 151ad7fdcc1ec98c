"""A residual block (He et al. 2016; lecture 2):  y = F(x) + shortcut(x).

F is a short chain of layers (e.g. Dense → BatchNorm → ReLU → Dense); the shortcut is the
identity when F keeps the shape, or a learned linear projection when it does not
(``projection='auto'``: a Dense(linear) layer for flat inputs, a 1×1 linear convolution with
the right stride for feature maps; or pass any layer yourself). An optional activation is applied after the sum.

Backward is the sum rule: the gradient g = ∂C/∂y flows into both branches,

    ∂C/∂x = (∂F/∂x)ᵀ g + (∂shortcut/∂x)ᵀ g      (= Fᵀ-backprop of g  +  g for the identity)

which is why gradients reach early layers of deep residual networks undiminished. The block
is one layer of a Sequential model holding a small graph; its parameters are its sub-layers'
(named '0.W', '1.gamma', 'proj.W', ...).
"""
from __future__ import annotations

import numpy as np

from ..core.activations import get_activation
from .base import Layer, Parameter, check_layers, layer_from_config, register_layer


class ParamView(Parameter):
    """A sub-layer's parameter under a prefixed name (same arrays, no copy)."""

    __slots__ = ("param", "prefixed")

    def __init__(self, param: Parameter, prefix: str):
        object.__setattr__(self, "param", param)
        object.__setattr__(self, "prefixed", f"{prefix}{param.name}")

    value = property(lambda self: self.param.value, lambda self, v: setattr(self.param, "value", v))
    grad = property(lambda self: self.param.grad, lambda self, v: setattr(self.param, "grad", v))
    regularize = property(lambda self: self.param.regularize,
                          lambda self, v: setattr(self.param, "regularize", v))
    name = property(lambda self: self.prefixed)


@register_layer
class Residual(Layer):
    def __init__(self, layers, projection=None, activation=None):
        super().__init__()
        layers = check_layers(layers, "a residual block's branch F")
        if not (projection is None or projection == "auto" or isinstance(projection, Layer)):
            raise ValueError(f"projection must be None, 'auto' or a layer, got {projection!r}")
        self.layers = layers
        self.projection_spec = projection
        self.projection = projection if isinstance(projection, Layer) else None
        self.activation = None if activation is None else get_activation(activation)

    @classmethod
    def from_config(cls, config):
        proj = config.get("projection")
        if isinstance(proj, dict):
            proj = layer_from_config(proj)
        return cls([layer_from_config(c) for c in config["layers"]], projection=proj,
                   activation=config.get("activation"))

    def sublayers(self):
        return self.layers + ([self.projection] if self.projection is not None else [])

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        for layer in self.layers:
            shape = tuple(layer.compute_output_shape(shape))
        return shape

    def count_params(self, input_shape) -> int:
        """The branch's layers along its shapes, plus a projection if the shapes differ."""
        total, shape = 0, tuple(input_shape)
        for layer in self.layers:
            total += layer.count_params(shape)
            shape = tuple(layer.compute_output_shape(shape))
        if self.projection is not None:
            total += self.projection.count_params(tuple(input_shape))
        elif shape != tuple(input_shape):
            total += _auto_projection(tuple(input_shape), shape).count_params(tuple(input_shape))
        return total

    def build(self, input_shape, rng, dtype=np.float32, xp=np):
        self.input_shape = tuple(input_shape)
        shape = self.input_shape
        for layer in self.layers:
            shape = layer.build(shape, rng, dtype, xp)
            layer.needs_input_grad = True
        if self.projection is None and shape != self.input_shape:
            if self.projection_spec != "auto":
                raise ValueError(f"residual branch maps {self.input_shape} to {shape}; the identity "
                                 f"shortcut needs equal shapes: use projection='auto' or a layer")
            self.projection = _auto_projection(self.input_shape, shape)
        if self.projection is not None:
            pshape = self.projection.build(self.input_shape, rng, dtype, xp)
            if tuple(pshape) != tuple(shape):
                raise ValueError(f"projection gives {pshape} but the branch gives {shape}")
            self.projection.needs_input_grad = True
        self.output_shape = tuple(shape)
        self._views = [ParamView(p, f"{j}.") for j, layer in enumerate(self.layers)
                       for p in layer.all_params()]
        if self.projection is not None:
            self._views += [ParamView(p, "proj.") for p in self.projection.all_params()]
        self.built = True
        return self.output_shape

    def set_rng(self, rng):
        for layer in self.sublayers():
            layer.set_rng(rng)

    def all_params(self):
        return list(self._views)

    def macs_per_example(self) -> int:
        """The sub-layers' cost estimates added up (conv sub-layers count positions)."""
        return sum(layer.macs_per_example() for layer in self.sublayers())

    def floats_per_example(self) -> int:
        return sum(layer.floats_per_example() for layer in self.sublayers())

    def forward(self, x, training=False):
        h = x
        for layer in self.layers:
            h = layer.forward(h, training)
        s = self.projection.forward(x, training) if self.projection is not None else x
        z = h + s                                           # F(x) + shortcut(x)
        if self.activation is None:
            return z
        self.z, self.a = z, self.activation.forward(z)
        return self.a

    def backward(self, grad):
        if self.activation is not None:
            grad = self.activation.backward(grad, self.z, self.a)
        g = grad
        for layer in reversed(self.layers):
            g = layer.backward(g)                           # through F
        if self.projection is not None:
            gs = self.projection.backward(grad)             # through the projection
        else:
            gs = grad                                       # identity shortcut: g itself
        if not self.needs_input_grad:
            return None
        return g + gs

    def get_weights(self):
        out = {}
        for j, layer in enumerate(self.layers):
            out.update({f"{j}.{k}": v for k, v in layer.get_weights().items()})
        if self.projection is not None:
            out.update({f"proj.{k}": v for k, v in self.projection.get_weights().items()})
        return out

    def set_weights(self, weights):
        for j, layer in enumerate(self.layers):
            p = f"{j}."
            layer.set_weights({k[len(p):]: v for k, v in weights.items() if k.startswith(p)})
        if self.projection is not None:
            self.projection.set_weights({k[5:]: v for k, v in weights.items() if k.startswith("proj.")})

    def get_config(self):
        proj = self.projection.get_config() if self.projection is not None else self.projection_spec
        return {"type": "Residual", "layers": [layer.get_config() for layer in self.layers],
                "projection": proj,
                "activation": None if self.activation is None else self.activation.get_config()}

    def __repr__(self):
        return f"Residual({len(self.layers)} layers{', projection' if self.projection is not None else ''})"


def _auto_projection(in_shape, out_shape):
    """The learned linear shortcut for projection='auto'."""
    if len(in_shape) == 1 and len(out_shape) == 1:
        from .dense import Dense

        return Dense(out_shape[0], activation="linear", init="xavier")
    if len(in_shape) == 3 and len(out_shape) == 3:
        (_, h, w), (c2, h2, w2) = in_shape, out_shape
        if h % h2 == 0 and w % w2 == 0 and h // h2 == w // w2:
            from .conv import Conv2D

            return Conv2D(c2, kernel_size=1, stride=h // h2, activation="linear", init="xavier")
    raise ValueError(f"projection='auto' cannot map {in_shape} to {out_shape}; pass a projection layer")
