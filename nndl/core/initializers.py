"""Weight initialisers: how wˡ and bˡ start.

* ``large``   — the book's chapter 1 choice: w, b ~ N(0, 1). Hidden neurons saturate easily.
* ``default`` — the book's chapter 3 fix: w ~ N(0, 1/n_in), b ~ N(0, 1), so z has std ≈ 1.
* ``xavier``  — Glorot & Bengio: w ~ N(0, 2/(n_in + n_out)), b = 0.
* ``he``      — He et al. for ReLU: w ~ N(0, 2/n_in), b = 0.

Draws happen on the host with a NumPy Generator so a seed gives the same weights on any
backend; the caller moves them to the device.
"""
from __future__ import annotations

import numpy as np

from ..errors import unknown_name


class Initializer:
    name = "initializer"
    bias_std = 0.0  # the book draws biases from N(0, 1); modern schemes start them at 0

    def weight_std(self, fan_in: int, fan_out: int) -> float:
        raise NotImplementedError

    def weights(self, shape, fan_in, fan_out, rng: np.random.Generator, dtype=np.float32):
        return (rng.standard_normal(shape) * self.weight_std(fan_in, fan_out)).astype(dtype)

    def biases(self, shape, rng: np.random.Generator, dtype=np.float32):
        if self.bias_std == 0.0:
            return np.zeros(shape, dtype=dtype)
        return (rng.standard_normal(shape) * self.bias_std).astype(dtype)

    def __repr__(self):
        return f"{type(self).__name__}()"


class LargeInit(Initializer):
    """N(0, 1) for weights and biases (network.py, network2's large_weight_initializer)."""

    name = "large"
    bias_std = 1.0

    def weight_std(self, fan_in, fan_out):
        return 1.0


class DefaultInit(Initializer):
    """N(0, 1/n_in) weights, N(0, 1) biases (network2's default_weight_initializer)."""

    name = "default"
    bias_std = 1.0

    def weight_std(self, fan_in, fan_out):
        return 1.0 / np.sqrt(fan_in)


class XavierInit(Initializer):
    """Glorot normal: N(0, 2/(n_in + n_out)), zero biases."""

    name = "xavier"

    def weight_std(self, fan_in, fan_out):
        return np.sqrt(2.0 / (fan_in + fan_out))


class HeInit(Initializer):
    """He normal: N(0, 2/n_in), zero biases; keeps ReLU activations' variance constant."""

    name = "he"

    def weight_std(self, fan_in, fan_out):
        return np.sqrt(2.0 / fan_in)


INITIALIZERS = {c.name: c for c in (LargeInit, DefaultInit, XavierInit, HeInit)}
_ALIASES = {"glorot": "xavier", "normal": "large", "book": "default", "kaiming": "he"}


def get_initializer(spec) -> Initializer:
    if isinstance(spec, Initializer):
        return spec
    if isinstance(spec, type) and issubclass(spec, Initializer):
        return spec()
    key = str(spec).lower()
    key = _ALIASES.get(key, key)
    if key not in INITIALIZERS:
        raise ValueError(unknown_name("initializer", spec, INITIALIZERS))
    return INITIALIZERS[key]()
