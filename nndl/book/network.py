"""network.py of chapter 1, on nndl's engine.

Listings run unchanged but for the import::

    from nndl.book import mnist_loader, network
    training_data, validation_data, test_data = mnist_loader.load_data_wrapper()
    net = network.Network([784, 30, 10])
    net.SGD(training_data, 30, 10, 3.0, test_data=test_data)

A [784, 30, 10] network of sigmoid neurons, quadratic cost, weights and biases drawn from
N(0, 1), trained by mini-batch stochastic gradient descent. The maths lives in the engine
(:mod:`nndl.layers.dense`, :mod:`nndl.core.costs`); this module only translates the book's
lists of column vectors. Training is a whole mini-batch at a time (chapter 2, problem 2),
so an epoch takes a fraction of a second instead of seconds.
"""
from __future__ import annotations

import numpy as np

from ..core.activations import Sigmoid
from ._common import BookNetwork, data_to_arrays


class Network(BookNetwork):
    _init = "large"

    def __init__(self, sizes, seed=None):
        """``sizes`` lists the neurons per layer, e.g. [784, 30, 10]. Weights and biases are
        drawn from N(0, 1); ``seed`` (an nndl extra) fixes them, else np.random decides."""
        super().__init__(sizes, cost="quadratic", seed=seed)

    def SGD(self, training_data, epochs, mini_batch_size, eta, test_data=None):
        """Train with mini-batch stochastic gradient descent. ``training_data`` is a list of
        (x, y) tuples; with ``test_data`` the network is evaluated after each epoch and
        progress printed (slower, as in the book)."""
        X, y = data_to_arrays(training_data)
        test = data_to_arrays(test_data) if test_data is not None else None
        n_test = len(test[0]) if test is not None else 0

        def report(epoch, logs):
            if test is not None:
                print("Epoch {0}: {1} / {2}".format(epoch, self._count_correct(*test), n_test))
            else:
                print("Epoch {0} complete".format(epoch))

        self._fit_epochs(X, y, epochs, mini_batch_size, eta, report)

    def update_mini_batch(self, mini_batch, eta):
        """One gradient-descent step on a mini-batch (a list of (x, y) tuples)."""
        X, y = data_to_arrays(mini_batch)
        self.model.optimizer.lr = float(eta)
        self.model.train_step(X, self.model.as_targets(y), len(X))

    def backprop(self, x, y):
        """(nabla_b, nabla_w): the gradient of C_x, layer by layer, in the book's shapes."""
        return self._backprop(x, y)

    def evaluate(self, test_data):
        """Number of test inputs for which the network outputs the correct result."""
        return self._count_correct(*data_to_arrays(test_data))

    def cost_derivative(self, output_activations, y):
        """∂C_x/∂a for the quadratic cost."""
        return output_activations - y


def sigmoid(z):
    """The sigmoid function (the engine's)."""
    return Sigmoid().forward(np.asarray(z, dtype=float))


def sigmoid_prime(z):
    """Derivative of the sigmoid function."""
    s = sigmoid(z)
    return Sigmoid().backward(np.ones_like(s), z, s)
