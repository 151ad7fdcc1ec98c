"""What network3 took from Theano, without Theano: shared variables, the book's activation
functions, its data loader and its ``dropout_layer`` helper.

The book's helper scripts (``src/conv.py``: plotting filters and errors, ensembles) call
Theano's methods on the network's parameters and data: ``layer.w.get_value()``,
``layer.w.set_value(W)``, ``layer.w.eval()``, ``test_data[0].get_value()``,
``test_data[1].eval()``. :class:`SharedArray` is a NumPy array with those methods, so the
same lines work and everything else that takes an array still does.
"""
from __future__ import annotations

import os

import numpy as np

from ..layers.dropout import Dropout

#: The book switches Theano to the GPU here. nndl's network3 runs on NumPy (CPU); the
#: engine's CuPy backend is the GPU route for the modern API.
GPU = False


class SharedArray(np.ndarray):
    """An array with the methods of a Theano shared variable (``get_value``, ``set_value``,
    ``eval``). For a network's ``layer.w`` / ``layer.b`` it is a view of the engine's
    parameter: ``set_value`` changes the network."""

    @classmethod
    def of(cls, values, dtype=None):
        return np.array(values, dtype=dtype).view(cls)

    def get_value(self, borrow=False):
        """The values: a copy, or (``borrow=True``) the array itself as a plain view."""
        return self.view(np.ndarray) if borrow else np.array(self)

    def set_value(self, value, borrow=False):
        value = np.asarray(value)
        if value.shape != self.shape:
            raise ValueError(f"set_value: shape {value.shape} does not match {self.shape}")
        self[...] = value

    def eval(self):
        """Theano evaluates an expression; here the values are already there (a copy)."""
        return np.array(self)


# --------------------------------------------------------------------------- activations
def linear(z):
    return z


def ReLU(z):
    return np.maximum(0.0, z)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def tanh(z):
    return np.tanh(z)


def sigmoid_minus_half(z):
    """σ(z) − ½ (chapter 6, problem 2)."""
    return sigmoid(z) - 0.5


def leaky_ReLU(z, alpha=0.01):
    return np.where(z > 0, z, alpha * z)


def ELU(z, alpha=1.0):
    return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0)))


for _fn, _name in ((linear, "linear"), (ReLU, "relu"), (sigmoid, "sigmoid"), (tanh, "tanh"),
                   (sigmoid_minus_half, "shifted_sigmoid"), (leaky_ReLU, "leaky_relu"), (ELU, "elu")):
    _fn.nndl_activation = _name  # nndl.core.activations.get_activation reads this; any other
    # function a reader passes as activation_fn is differentiated numerically.


# --------------------------------------------------------------------------- data
def load_data_shared(filename="../data/mnist.pkl.gz"):
    """The book's three (x, y) pairs: x (n, 784) float32 pixels in [0, 1), y int32 labels,
    as :class:`SharedArray` (so ``data[0].get_value()`` and ``data[1].eval()`` work).

    If ``filename`` exists it is read safely (no code runs): the book's ``mnist.pkl.gz`` or
    the ``mnist_expanded.pkl.gz`` its ``expand_mnist.py`` writes. Otherwise MNIST is loaded
    from nndl's data folder with the book's scaling (pixel/256, identical values), and a
    name containing "expanded" gives the ×5 expanded training set
    (:func:`nndl.data.expand.load_expanded_mnist`, built once and cached)."""
    from ..data import load_mnist, load_mnist_pkl
    from ..data.expand import load_expanded_mnist

    if filename and os.path.isfile(filename):
        data = load_mnist_pkl(filename)
    elif filename and "expanded" in os.path.basename(str(filename)):
        data = load_expanded_mnist(scale="book")
    else:
        data = load_mnist(scale="book")
    return [(SharedArray.of(split.X, np.float32), SharedArray.of(split.y, np.int32)) for split in data]


def size(data):
    """Number of examples in a data set (the book's helper)."""
    return int(np.asarray(data[0]).shape[0])


_DROPOUT_RNG = np.random.default_rng(0)  # the book's dropout stream has a fixed seed too


def dropout_layer(layer, p_dropout):
    """The book's helper: each unit zeroed with probability ``p_dropout``, the kept ones not
    rescaled (the book's convention: the weights are scaled by 1 − p at inference)."""
    x = np.asarray(layer)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float32)
    drop = Dropout(p_dropout, scale="book")
    drop.set_rng(_DROPOUT_RNG)
    return drop.forward(x, training=True).view(SharedArray)
