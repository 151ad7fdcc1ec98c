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
from ..errors import ModelFileError
from ..io.bookjson import BOOK_COST_NAMES, read_book_json, write_book_json
from ..train.callbacks import EarlyStopping
from ._common import BookNetwork, pairs_to_arrays
from .network import sigmoid, sigmoid_prime  # noqa: F401  (the book's module has them too)


def _row(v):
    return np.asarray(v).reshape(1, -1)


class _BookCost:
    """The book's cost interface for arrays of any (matching) shape — columns, 1-D vectors —
    computed by the engine's cost ``_engine``: ``fn`` is the summed cost, ``delta`` is δᴸ for
    a sigmoid output, shaped like ``a``."""

    _engine = None

    @classmethod
    def fn(cls, a, y):
        return cls._engine.value(None, _row(a), _row(y), Linear())

    @classmethod
    def delta(cls, z, a, y):
        a = np.asarray(a)
        zr = None if z is None else _row(z)
        return cls._engine.delta(zr, _row(a), _row(y), Sigmoid()).reshape(a.shape)


class QuadraticCost(_BookCost):
    """C = ½‖a − y‖², as in the book; computed by :class:`nndl.core.costs.QuadraticCost`."""

    nndl_cost = "quadratic"
    _engine = _Quad()


class CrossEntropyCost(_BookCost):
    """C = −Σ [y ln a + (1 − y) ln(1 − a)]; δ = a − y for sigmoid outputs."""

    nndl_cost = "cross_entropy"
    _engine = _CE()


_BUILT_IN = (QuadraticCost, CrossEntropyCost)
_BY_BOOK_NAME = {c.__name__: c for c in _BUILT_IN}


class Network(BookNetwork):
    def __init__(self, sizes, cost=CrossEntropyCost, seed=None, dtype="float64"):
        """Weights start as N(0, 1/n_in), biases as N(0, 1) (``default_weight_initializer``).
        ``cost`` is a class with the book's ``fn(a, y)`` and ``delta(z, a, y)``: the two
        below run on the engine; a reader's own class is called example by example."""
        super().__init__(sizes, "quadratic", seed=seed, dtype=dtype)
        self.default_weight_initializer()
        self.cost = cost

    def default_weight_initializer(self):
        """Biases N(0, 1), then weights N(0, 1)/√n_in: hidden neurons start unsaturated."""
        self._draw(scaled=True)

    def large_weight_initializer(self):
        """Biases and weights N(0, 1), as in chapter 1 (for comparison)."""
        self._draw(scaled=False)

    def _builtin_cost(self) -> bool:
        """Whether the engine computes the cost (also follows ``net.cost = ...``)."""
        if self.cost in _BUILT_IN:
            self.model.cost = self.cost._engine
            return True
        return False

    def _per_example(self):
        return not self._builtin_cost() or self._overridden("backprop", Network)

    def SGD(self, training_data, epochs, mini_batch_size, eta, lmbda=0.0, evaluation_data=None,
            monitor_evaluation_cost=False, monitor_evaluation_accuracy=False,
            monitor_training_cost=False, monitor_training_accuracy=False, early_stopping_n=0):
        """Mini-batch SGD with L2 regularisation ``lmbda``. Returns the four per-epoch lists
        (evaluation cost, evaluation accuracy, training cost, training accuracy); accuracies
        are counts of correct answers, as in the book. ``early_stopping_n > 0`` stops after
        that many epochs without a better evaluation accuracy."""
        if evaluation_data:
            evaluation_data = evaluation_data if isinstance(evaluation_data, list) else list(evaluation_data)
        evaluation_cost, evaluation_accuracy = [], []
        training_cost, training_accuracy = [], []
        n_total = [0]

        def make_report(data, X, y):
            n_total[0] = len(data)
            fast = self._fast_measures()
            ev = pairs_to_arrays(evaluation_data, self.model.dtype) if fast and evaluation_data else None

            def cost_of(d, arrays):
                return self._total_cost(*arrays, lmbda) if fast else self.total_cost(d, lmbda)

            def accuracy_of(d, arrays):
                return self._count_correct(*arrays) if fast else self.accuracy(d)

            def report(epoch, logs):
                print("Epoch %s training complete" % epoch)
                if monitor_training_cost:
                    training_cost.append(cost_of(data, (X, y)))
                    print("Cost on training data: {}".format(training_cost[-1]))
                if monitor_training_accuracy:
                    training_accuracy.append(accuracy_of(data, (X, y)))
                    print("Accuracy on training data: {} / {}".format(training_accuracy[-1], len(data)))
                if monitor_evaluation_cost:
                    evaluation_cost.append(cost_of(evaluation_data, ev))
                    print("Cost on evaluation data: {}".format(evaluation_cost[-1]))
                if monitor_evaluation_accuracy or early_stopping_n > 0:
                    acc = accuracy_of(evaluation_data, ev)
                    logs["val_accuracy"] = acc
                    if monitor_evaluation_accuracy:
                        evaluation_accuracy.append(acc)
                        print("Accuracy on evaluation data: {} / {}".format(acc, len(evaluation_data)))
                print()
            return report

        callbacks = []
        if early_stopping_n > 0:
            if not evaluation_data:
                raise ValueError("early stopping needs evaluation_data")
            callbacks.append(_BookEarlyStopping(patience=early_stopping_n))
        self._builtin_cost()
        self._train(training_data, epochs, mini_batch_size, eta, lmbda,
                    lambda batch: self.update_mini_batch(batch, eta, lmbda, n_total[0]),
                    make_report, callbacks)
        return evaluation_cost, evaluation_accuracy, training_cost, training_accuracy

    def _fast_measures(self) -> bool:
        """Cost and accuracy on whole arrays, unless the reader changed how they are computed."""
        return self._builtin_cost() and not any(
            self._overridden(name, Network) for name in ("feedforward", "accuracy", "total_cost"))

    def _total_cost(self, X, y, lmbda):
        # The book's total_cost divides the λ term by the size of the data set evaluated.
        self.model.regularizer = L2(lmbda)
        return self.model.evaluate(X, y, n_train=len(X))["cost"]

    def update_mini_batch(self, mini_batch, eta, lmbda, n):
        """One step w → (1 − ηλ/n)w − (η/m)Σ∇Cₓ, b → b − (η/m)Σ∇Cₓ on a list of (x, y)
        tuples; n is the size of the training set."""
        self._update(mini_batch, eta, lmbda, n)

    def backprop(self, x, y):
        """(nabla_b, nabla_w) for one example; δᴸ from ``self.cost.delta(z, a, y)`` (BP1)."""
        self._builtin_cost()
        return self._backprop(x, y, lambda z, a: (self.cost.delta(z, a, y), True))

    def accuracy(self, data, convert=False):
        """Number of inputs in ``data`` classified correctly (``convert`` is accepted for the
        book's signature: one-hot and integer labels are both understood)."""
        data = data if isinstance(data, list) else list(data)
        if self._overridden("feedforward", Network):
            return self._count_correct_per_example(data)
        return self._count_correct(*pairs_to_arrays(data, self.model.dtype))

    def total_cost(self, data, lmbda, convert=False):
        """Mean cost over ``data`` plus the L2 term (λ/2n)Σw², n = len(data)."""
        data = data if isinstance(data, list) else list(data)
        if self._builtin_cost() and not self._overridden("feedforward", Network):
            return self._total_cost(*pairs_to_arrays(data, self.model.dtype), lmbda)
        total = 0.0
        for x, y in data:  # the reader's cost class, example by example
            t = vectorized_result(y) if np.ndim(y) == 0 else y
            total += self.cost.fn(self.feedforward(x), t) / len(data)
        self.model.regularizer = L2(lmbda)
        return total + self.model.penalty(len(data))

    def save(self, filename):
        """Save in the book's JSON format (readable by :func:`load` and ``nndl.load_model``)."""
        write_book_json(filename, self.sizes, self.weights, self.biases, self.cost.__name__)


class _BookEarlyStopping(EarlyStopping):
    def on_epoch_end(self, epoch, logs):
        super().on_epoch_end(epoch, logs)
        if self.model.stop_training:
            print("Early-stopping: No accuracy change in last epochs: {}".format(self.patience))


def load(filename):
    """Load a network saved by :meth:`Network.save` (the book's JSON; no code is executed).
    As in the book, the network is first made with the default initialisation."""
    d = read_book_json(filename)
    book_name = {v: k for k, v in BOOK_COST_NAMES.items()}.get(d["cost"], d["cost"])
    if book_name not in _BY_BOOK_NAME:
        raise ModelFileError(f"{filename}: cost {book_name!r} is not one of network2's "
                             f"({', '.join(_BY_BOOK_NAME)})")
    net = Network(d["sizes"], cost=_BY_BOOK_NAME[book_name])
    net.weights = d["weights"]
    net.biases = d["biases"]
    return net


def vectorized_result(j):
    """A 10-dimensional unit column vector with 1.0 in position j."""
    e = np.zeros((10, 1))
    e[j] = 1.0
    return e
