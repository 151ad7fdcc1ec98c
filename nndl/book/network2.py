"""network2.py of chapter 3, on nndl's engine.

Listings run unchanged but for the import::

    from nndl.book import mnist_loader, network2
    training_data, validation_data, test_data = mnist_loader.load_data_wrapper()
    net = network2.Network([784, 30, 10], cost=network2.CrossEntropyCost)
    net.large_weight_initializer()
    evaluation_cost, evaluation_accuracy, training_cost, training_accuracy = net.SGD(
        training_data, 30, 10, 0.5, lmbda=5.0, evaluation_data=validation_data,
        monitor_evaluation_accuracy=True, monitor_training_cost=True)
    net.save("net.json"); net = network2.load("net.json")

The improvements of chapter 3: the cross-entropy cost, L2 regularisation (weight decay
w → (1 − ηλ/n) w − η ∂C₀/∂w), weights initialised as N(0, 1/n_in), monitoring, and
no-improvement-in-n early stopping. The maths is the engine's; the cost classes below keep
the book's ``fn``/``delta`` interface by calling it.
"""
from __future__ import annotations

import numpy as np

from ..core.activations import Linear, Sigmoid
from ..core.costs import CrossEntropyCost as _CE
from ..core.costs import QuadraticCost as _Quad
from ..core.regularizers import L2
from ..io.bookjson import model_from_book_json, write_book_json
from ..train.callbacks import EarlyStopping
from ._common import BookNetwork, data_to_arrays
from .network import sigmoid, sigmoid_prime  # noqa: F401  (the book's module has them too)


class _BookCost:
    """The book's cost interface on column vectors (one example per column), computed by the
    engine's cost ``_engine``: ``fn`` is the summed cost, ``delta`` is δᴸ for a sigmoid output."""

    _engine = None

    @classmethod
    def fn(cls, a, y):
        a, y = np.asarray(a), np.asarray(y)
        return cls._engine.value(None, a.T, y.T, Linear()) * a.shape[1]

    @classmethod
    def delta(cls, z, a, y):
        a = np.asarray(a)
        return cls._engine.delta(np.asarray(z).T, a.T, np.asarray(y).T, Sigmoid()).T * a.shape[1]


class QuadraticCost(_BookCost):
    """C = ½‖a − y‖², as in the book; computed by :class:`nndl.core.costs.QuadraticCost`."""

    nndl_cost = "quadratic"
    _engine = _Quad()


class CrossEntropyCost(_BookCost):
    """C = −Σ [y ln a + (1 − y) ln(1 − a)]; δ = a − y for sigmoid outputs."""

    nndl_cost = "cross_entropy"
    _engine = _CE()


_BOOK_NAMES = {"quadratic": "QuadraticCost", "cross_entropy": "CrossEntropyCost"}


class Network(BookNetwork):
    _init = "default"

    def __init__(self, sizes, cost=CrossEntropyCost, seed=None):
        """Weights start as N(0, 1/n_in), biases as N(0, 1) (``default_weight_initializer``)."""
        self.cost = cost
        super().__init__(sizes, cost=cost, seed=seed)

    def default_weight_initializer(self):
        """Weights N(0, 1/n_in), biases N(0, 1): hidden neurons start unsaturated."""
        self._reinit("default")

    def large_weight_initializer(self):
        """Weights and biases N(0, 1), as in chapter 1 (for comparison)."""
        self._reinit("large")

    def _reinit(self, init):
        self.model = self._build(self.model.cost, init)

    def SGD(self, training_data, epochs, mini_batch_size, eta, lmbda=0.0, evaluation_data=None,
            monitor_evaluation_cost=False, monitor_evaluation_accuracy=False,
            monitor_training_cost=False, monitor_training_accuracy=False, early_stopping_n=0):
        """Mini-batch SGD with L2 regularisation ``lmbda``. Returns the four per-epoch lists
        (evaluation cost, evaluation accuracy, training cost, training accuracy); accuracies
        are counts of correct answers, as in the book. ``early_stopping_n > 0`` stops after
        that many epochs without a better evaluation accuracy."""
        X, y = data_to_arrays(training_data)
        n = len(X)
        ev = data_to_arrays(evaluation_data) if evaluation_data is not None else None
        self.model.regularizer = L2(lmbda)
        evaluation_cost, evaluation_accuracy = [], []
        training_cost, training_accuracy = [], []

        def report(epoch, logs):
            print("Epoch %s training complete" % epoch)
            if monitor_training_cost:
                training_cost.append(self._total_cost(X, y, lmbda))
                print("Cost on training data: {}".format(training_cost[-1]))
            if monitor_training_accuracy:
                training_accuracy.append(self._count_correct(X, y))
                print("Accuracy on training data: {} / {}".format(training_accuracy[-1], n))
            if monitor_evaluation_cost:
                evaluation_cost.append(self._total_cost(*ev, lmbda))
                print("Cost on evaluation data: {}".format(evaluation_cost[-1]))
            if monitor_evaluation_accuracy or early_stopping_n > 0:
                acc = self._count_correct(*ev)
                logs["val_accuracy"] = acc
                if monitor_evaluation_accuracy:
                    evaluation_accuracy.append(acc)
                    print("Accuracy on evaluation data: {} / {}".format(acc, len(ev[0])))
            print()

        callbacks = []
        if early_stopping_n > 0:
            if ev is None:
                raise ValueError("early stopping needs evaluation_data")
            callbacks.append(_BookEarlyStopping(patience=early_stopping_n))
        self._fit_epochs(X, y, epochs, mini_batch_size, eta, report, n=n, callbacks=callbacks)
        return evaluation_cost, evaluation_accuracy, training_cost, training_accuracy

    def _total_cost(self, X, y, lmbda):
        # The book's total_cost divides the λ term by the size of the data set evaluated.
        return self.model.evaluate(X, y, n_train=len(X))["cost"]

    def update_mini_batch(self, mini_batch, eta, lmbda, n):
        """One step of SGD with weight decay on a list of (x, y) tuples; n = training-set size."""
        X, y = data_to_arrays(mini_batch)
        self.model.regularizer = L2(lmbda)
        self.model.optimizer.lr = float(eta)
        self.model.train_step(X, self.model.as_targets(y), n)

    def backprop(self, x, y):
        return self._backprop(x, y)

    def accuracy(self, data, convert=False):
        """Number of inputs in ``data`` classified correctly (``convert`` is accepted for the
        book's signature: one-hot and integer labels are both understood)."""
        return self._count_correct(*data_to_arrays(data))

    def total_cost(self, data, lmbda, convert=False):
        """Mean cost over ``data`` plus the L2 term (λ/2n)Σw², n = len(data)."""
        X, y = data_to_arrays(data)
        self.model.regularizer = L2(lmbda)
        return self._total_cost(X, y, lmbda)

    def save(self, filename):
        """Save in the book's JSON format (readable by :func:`load` and ``nndl.load_model``)."""
        write_book_json(filename, self.sizes, self.weights, self.biases,
                        _BOOK_NAMES[self.model.cost.name])


class _BookEarlyStopping(EarlyStopping):
    def on_epoch_end(self, epoch, logs):
        super().on_epoch_end(epoch, logs)
        if self.model.stop_training:
            print("Early-stopping: No accuracy change in last epochs: {}".format(self.patience))


def load(filename):
    """Load a network saved by :meth:`Network.save` (the book's JSON; no code is executed)."""
    model = model_from_book_json(filename)
    cost = {"quadratic": QuadraticCost, "cross_entropy": CrossEntropyCost}[model.cost.name]
    net = Network([model.input_shape[0]] + [layer.units for layer in model.layers], cost=cost, seed=0)
    net.model.set_weights(model.get_weights())
    return net


def vectorized_result(j):
    """A 10-dimensional unit column vector with 1.0 in position j."""
    e = np.zeros((10, 1))
    e[j] = 1.0
    return e
