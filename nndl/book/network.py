"""network.py of chapter 1, on nndl's engine.

Listings run unchanged but for the import::

    from nndl.book import mnist_loader, network
    training_data, validation_data, test_data = mnist_loader.load_data_wrapper()
    net = network.Network([784, 30, 10])
    net.SGD(training_data, 30, 10, 3.0, test_data=test_data)

A network of sigmoid neurons with the quadratic cost C = ½‖y − a‖², weights and biases drawn
from N(0, 1) with ``np.random.randn`` in the book's order, trained by mini-batch stochastic
gradient descent w → w − (η/m) Σₓ ∇Cₓ over mini-batches cut from ``random.shuffle`` of the
training list. Seeding ``random`` and ``np.random`` gives the book's numbers (float64).

The maths lives in the engine (:mod:`nndl.layers.dense`, :mod:`nndl.core.costs`); this
module translates the book's lists of column vectors (see :mod:`nndl.book._common`). The
unmodified class trains a whole mini-batch per matrix product (chapter 2, problem 2);
a subclass that overrides ``update_mini_batch``, ``backprop`` or ``cost_derivative`` gets
its own method called, example by example, as in the book.
"""
from __future__ import annotations

import numpy as np

from ..core.activations import Sigmoid
from ._common import BookNetwork, pairs_to_arrays


class Network(BookNetwork):
    def __init__(self, sizes, seed=None, dtype="float64"):
        """``sizes`` lists the neurons per layer, e.g. [784, 30, 10]. Biases, then weights,
        are drawn from N(0, 1) by ``np.random.randn``; ``seed`` (an nndl extra) uses private
        generators instead of ``np.random`` and ``random``."""
        super().__init__(sizes, "quadratic", seed=seed, dtype=dtype)
        self._draw(scaled=False)

    def SGD(self, training_data, epochs, mini_batch_size, eta, test_data=None):
        """Train with mini-batch stochastic gradient descent. ``training_data`` is a list of
        (x, y) tuples; with ``test_data`` the network is evaluated after each epoch and
        progress printed (slower, as in the book)."""
        if test_data:
            test_data = test_data if isinstance(test_data, list) else list(test_data)
            test = None if self._overridden("evaluate", Network) or self._overridden(
                "feedforward", Network) else pairs_to_arrays(test_data, self.model.dtype)

        def make_report(data, X, y):
            def report(epoch, logs):
                if test_data:
                    correct = self._count_correct(*test) if test is not None else self.evaluate(test_data)
                    print("Epoch {0}: {1} / {2}".format(epoch, correct, len(test_data)))
                else:
                    print("Epoch {0} complete".format(epoch))
            return report

        self._train(training_data, epochs, mini_batch_size, eta, 0.0,
                    lambda batch: self.update_mini_batch(batch, eta), make_report)

    def update_mini_batch(self, mini_batch, eta):
        """One gradient-descent step, w → w − (η/m) Σₓ ∇Cₓ, on a list of (x, y) tuples."""
        self._update(mini_batch, eta, 0.0, len(mini_batch))

    def backprop(self, x, y):
        """(nabla_b, nabla_w): the gradient of Cₓ, layer by layer, in the book's shapes.
        The output error starts from ``self.cost_derivative`` (BP1: δᴸ = ∇ₐC ⊙ σ'(zᴸ))."""
        return self._backprop(x, y, lambda z, a: (self.cost_derivative(a, y), False))

    def evaluate(self, test_data):
        """Number of test inputs for which the network outputs the correct result."""
        if self._overridden("feedforward", Network):
            return self._count_correct_per_example(test_data)
        return self._count_correct(*pairs_to_arrays(test_data, self.model.dtype))

    def cost_derivative(self, output_activations, y):
        """∂Cₓ/∂a for the quadratic cost."""
        return output_activations - y

    def _per_example(self):
        return self._overridden("backprop", Network) or self._overridden("cost_derivative", Network)


def sigmoid(z):
    """The sigmoid function (the engine's)."""
    return Sigmoid().forward(np.asarray(z, dtype=float))


def sigmoid_prime(z):
    """Derivative of the sigmoid function."""
    s = sigmoid(z)
    return Sigmoid().backward(np.ones_like(s), z, s)
