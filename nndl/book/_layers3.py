"""network3's layers (chapter 6): each book layer, its parameters ``w`` / ``b`` as the book
draws them, and the nndl layers it becomes (see :mod:`nndl.book.network3` for the mapping).

Each layer draws its weights with ``np.random.normal`` when it is made, as the book's do:
N(0, 1/n_out) weights (n_out = maps·kh·kw / pool area for conv layers), N(0, 1) biases, zeros
for the softmax layer; float32, the book's ``floatX``. Once in a Network, ``w`` and ``b`` are
:class:`~nndl.book._theano.SharedArray` views of the engine's parameters.
"""
from __future__ import annotations

import numpy as np

from ..core.activations import get_activation
from ..layers import Activation, Conv2D, Dense, Dropout, Flatten, MaxPool2D
from ._theano import SharedArray, sigmoid


class _BookLayer:
    """A book layer: its shapes, its parameters ``w`` / ``b`` (drawn when it is made, as the
    book does) and the nndl layers it becomes."""

    def nndl_layers(self):
        raise NotImplementedError

    def _draw(self, rs):
        """(w, b) drawn from the NumPy RandomState ``rs`` as the book draws them."""
        raise NotImplementedError

    def _set_params(self, w, b):
        self.w, self.b = SharedArray.of(w, np.float32), SharedArray.of(b, np.float32)
        self.params = [self.w, self.b]

    def _book_view(self, W):
        """The book's w as a view of the engine's weights (the same array for Dense)."""
        return W

    def _attach(self, dtype):
        """Move w and b into the engine's parameters; w and b become views of them."""
        target = self._target
        self._book_view(target.W.value)[...] = np.asarray(self.w, dtype=dtype)
        target.b.value[...] = np.asarray(self.b, dtype=dtype)
        self._rebind()

    def _rebind(self):
        self.w = self._book_view(self._target.W.value).view(SharedArray)
        self.b = self._target.b.value.view(SharedArray)
        self.params = [self.w, self.b]


def _dropout(p):
    return [Dropout(p, scale="book")] if p > 0 else []


class ConvPoolLayer(_BookLayer):
    """A convolutional layer followed by max pooling, as in the book."""

    def __init__(self, filter_shape, image_shape, poolsize=(2, 2), activation_fn=sigmoid):
        self.filter_shape = tuple(int(s) for s in filter_shape)
        self.image_shape = tuple(int(s) for s in image_shape)
        self.poolsize = tuple(int(s) for s in poolsize)
        self.activation_fn = activation_fn
        if len(self.filter_shape) != 4 or len(self.image_shape) != 4:
            raise ValueError("filter_shape is (maps, channels, h, w) and image_shape "
                             "(mini_batch_size, channels, h, w)")
        if self.filter_shape[1] != self.image_shape[1]:
            raise ValueError(f"filter_shape {self.filter_shape} expects {self.filter_shape[1]} input "
                             f"channels but image_shape {self.image_shape} has {self.image_shape[1]}")
        self._activation = get_activation(activation_fn)
        self._set_params(*self._draw(np.random))

    def _draw(self, rs):
        n_out = self.filter_shape[0] * np.prod(self.filter_shape[2:]) / np.prod(self.poolsize)
        w = rs.normal(loc=0, scale=np.sqrt(1.0 / n_out), size=self.filter_shape)
        return w, rs.normal(loc=0, scale=1.0, size=(self.filter_shape[0],))

    def _book_view(self, W):
        # Theano's conv2d convolves (flips the filter); nndl's Conv2D cross-correlates, as the
        # book's equation (125) is written. The book's w is nndl's W flipped in both axes.
        return W[:, :, ::-1, ::-1]

    def nndl_layers(self):
        self._target = Conv2D(self.filter_shape[0], self.filter_shape[2:], activation="linear")
        return [self._target, MaxPool2D(self.poolsize), Activation(self._activation)]


class FullyConnectedLayer(_BookLayer):
    def __init__(self, n_in, n_out, activation_fn=sigmoid, p_dropout=0.0):
        self.n_in, self.n_out = int(n_in), int(n_out)
        self.activation_fn = activation_fn
        self.p_dropout = float(p_dropout)
        self._activation = get_activation(activation_fn)
        self._set_params(*self._draw(np.random))

    def _draw(self, rs):
        w = rs.normal(loc=0.0, scale=np.sqrt(1.0 / self.n_out), size=(self.n_in, self.n_out))
        return w, rs.normal(loc=0.0, scale=1.0, size=(self.n_out,))

    def nndl_layers(self):
        self._target = Dense(self.n_out, self._activation)
        return [Flatten(), *_dropout(self.p_dropout), self._target]


class SoftmaxLayer(_BookLayer):
    def __init__(self, n_in, n_out, p_dropout=0.0):
        self.n_in, self.n_out = int(n_in), int(n_out)
        self.p_dropout = float(p_dropout)
        self._set_params(*self._draw(np.random))

    def _draw(self, rs):
        return np.zeros((self.n_in, self.n_out)), np.zeros((self.n_out,))

    def nndl_layers(self):
        self._target = Dense(self.n_out, "softmax")
        return [Flatten(), *_dropout(self.p_dropout), self._target]
