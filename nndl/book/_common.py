"""What network.py and network2.py share: translating the book's data formats (lists of
(x, y) column-vector pairs) and shapes ((n_out, n_in) weights, (n, 1) biases) onto the engine.

The book's ``net.weights`` and ``net.biases`` are *views* of the engine's parameters, so
reading or editing them in place changes the model the engine trains. Assigning a new list
copies the values in.
"""
from __future__ import annotations

import numpy as np

from ..layers.dense import Dense
from ..model import Sequential


def data_to_arrays(data):
    """[(x, y), ...] with x of shape (784, 1) → X (n, 784) float32 and y as given:
    an (n, 10) array for one-hot column vectors, or an int64 (n,) array for integer labels."""
    data = list(data)
    if not data:
        raise ValueError("empty data set")
    X = np.stack([np.asarray(x, dtype=np.float32).reshape(-1) for x, _ in data])
    first = np.asarray(data[0][1])
    if first.size > 1:
        y = np.stack([np.asarray(t, dtype=np.float32).reshape(-1) for _, t in data])
    else:
        y = np.fromiter((int(t) for _, t in data), dtype=np.int64, count=len(data))
    return X, y


def seed_from_numpy() -> int:
    """The book seeds with np.random.seed(...); honour that by drawing our seed from it."""
    return int(np.random.randint(0, 2**31 - 1))


class BookNetwork:
    """Base of the book's Network classes: a Sequential of sigmoid Dense layers."""

    _init = "default"

    def __init__(self, sizes, cost="quadratic", seed=None):
        self.num_layers = len(sizes)
        self.sizes = list(sizes)
        self.seed = seed_from_numpy() if seed is None else seed
        self.model = self._build(cost, self._init)

    def _build(self, cost, init):
        layers = [Dense(n, "sigmoid", init=init, input_dim=self.sizes[0] if i == 0 else None)
                  for i, n in enumerate(self.sizes[1:])]
        model = Sequential(layers, cost=cost, seed=self.seed)
        model.compile("sgd")
        return model

    def _dense(self):
        return self.model.layers

    # The book's attributes, as views of the engine's parameters.
    @property
    def weights(self):
        return [layer.W.value.T for layer in self._dense()]

    @weights.setter
    def weights(self, values):
        for layer, w in zip(self._dense(), values):
            layer.W.value[...] = np.asarray(w).T

    @property
    def biases(self):
        return [layer.b.value.reshape(-1, 1) for layer in self._dense()]

    @biases.setter
    def biases(self, values):
        for layer, b in zip(self._dense(), values):
            layer.b.value[...] = np.asarray(b).reshape(-1)

    def feedforward(self, a):
        """Return the output of the network for the column vector (or (784, n) block) a."""
        a = np.asarray(a)
        return self.model.forward(a.T.astype(self.model.dtype)).T

    def _count_correct(self, X, y):
        return int((self.model.predict(X) == Sequential.labels(y)).sum())

    def _fit_epochs(self, X, y, epochs, mini_batch_size, eta, on_epoch_end, n=None, callbacks=()):
        from ..train.callbacks import LambdaCallback

        self.model.optimizer.lr = float(eta)
        return self.model.fit(X, y, epochs=epochs, batch_size=mini_batch_size,
                              monitor_training=False, stop_on_divergence=False,
                              callbacks=[LambdaCallback(on_epoch_end), *callbacks])

    def _backprop(self, x, y):
        """Gradients for one example in the book's shapes: (nabla_b, nabla_w)."""
        X = np.asarray(x, dtype=self.model.dtype).reshape(1, -1)
        Y = np.asarray(y, dtype=self.model.dtype).reshape(1, -1)
        self.model.loss(X, Y, training=True)
        self.model.backward(self.model.as_targets(Y))
        nabla_b = [layer.b.grad.reshape(-1, 1).copy() for layer in self._dense()]
        nabla_w = [layer.W.grad.T.copy() for layer in self._dense()]
        return nabla_b, nabla_w
