"""The book's ``network3.py`` (chapter 6), without Theano: the same listings, on nndl's engine.

    >>> from nndl.book import network3
    >>> from nndl.book.network3 import Network, ConvPoolLayer, FullyConnectedLayer, SoftmaxLayer
    >>> from nndl.book.network3 import ReLU
    >>> training_data, validation_data, test_data = network3.load_data_shared()
    >>> mini_batch_size = 10
    >>> net = Network([
    ...     ConvPoolLayer(image_shape=(mini_batch_size, 1, 28, 28), filter_shape=(20, 1, 5, 5),
    ...                   poolsize=(2, 2), activation_fn=ReLU),
    ...     ConvPoolLayer(image_shape=(mini_batch_size, 20, 12, 12), filter_shape=(40, 20, 5, 5),
    ...                   poolsize=(2, 2), activation_fn=ReLU),
    ...     FullyConnectedLayer(n_in=40*4*4, n_out=100, activation_fn=ReLU),
    ...     SoftmaxLayer(n_in=100, n_out=10)], mini_batch_size)
    >>> net.SGD(training_data, 60, mini_batch_size, 0.03, validation_data, test_data,
    ...         lmbda=0.1)                                            # doctest: +SKIP

This is a thin veneer: each book layer becomes nndl layers in one :class:`nndl.Sequential`
and ``SGD`` is :func:`nndl.train.fit` with callbacks that print the book's lines.

How the book's pieces map:

* ``ConvPoolLayer`` → ``Conv2D(linear)`` → ``MaxPool2D`` → ``Activation(activation_fn)``. Theano's
  ``conv2d`` convolves (flips the filter), nndl's Conv2D cross-correlates: the layer's ``w`` is
  a flipped view of nndl's weights, so ``layer.w`` holds the book's numbers. The
  book pools the convolution, then adds the shared bias and applies σ: σ(pool(w ∗ x) + b).
  nndl adds b before pooling, σ(pool(w ∗ x + b)) — the same forward, as b is constant over a
  window — and its max-pooling backward sends each window's gradient to one maximum, so b
  gets Σ over pooled positions of δ, the book's gradient, also where a window ties (MNIST's
  blank background ties all four positions).
* ``FullyConnectedLayer(p_dropout=p)`` → [``Flatten``] → [``Dropout(p, scale="book")``] →
  ``Dense``: as the book, the layer's input is dropped in training *without* rescaling and
  multiplied by (1 − p) at inference (the book scales the weighted input by (1 − p)).
* ``SoftmaxLayer`` → [``Dropout(p, scale="book")``] → ``Dense(softmax)`` with the
  log-likelihood cost.
* Initial weights as the book draws them, with ``np.random.normal`` when the layer is made:
  N(0, 1/n_out) weights (n_out = maps·kh·kw / pool area for conv layers), N(0, 1) biases,
  zeros for the softmax layer. ``Network(..., seed=s)`` (an nndl extra) redraws them from
  ``np.random.RandomState(s)`` in the same order.
* ``activation_fn`` may be any element-wise NumPy function: the book's (``ReLU``, ``sigmoid``,
  ``tanh``, …) map to nndl's activations; any other is differentiated numerically (float64
  central differences) with a one-time warning.
* L2: the book minimises C + ½·λ·Σw² / (number of mini-batches), so each step adds
  (λ / num_batches)·w = (λ·m / n)·w to the gradient. nndl's L2 regulariser adds (λ'/n)·w, so
  ``SGD(lmbda=λ)`` compiles the model with λ' = λ·mini_batch_size (λ = 0.1, m = 10 → λ' = 1).
* The book iterates over the mini-batches in the same order every epoch; so does this
  veneer (``shuffle=False``; pass ``shuffle=True`` to shuffle).
* Theano: ``layer.w`` / ``layer.b`` (and ``layer.params``, ``net.params``) and the data of
  ``load_data_shared`` are :class:`SharedArray` — arrays with ``get_value`` / ``set_value`` /
  ``eval``, so the book's ``src/conv.py`` helpers run. ``GPU`` and ``dropout_layer`` exist.
  float32 like the book's ``floatX`` (``Network(..., dtype="float64")`` on request).

Chapter 6 problems built in: early stopping (``SGD(..., early_stopping_n=10)``), accuracy on
any data (:meth:`Network.accuracy`), η as a function of the epoch (``SGD(..., eta=fn)`` or
``eta_schedule=fn``), save/load in the safe model format (:meth:`Network.save`,
:func:`load`), and the overfitting diagnostic (``SGD(..., monitor_training_accuracy=True)``
prints the training accuracy and the train − validation gap each epoch; :meth:`Network.overfitting`).
"""
from __future__ import annotations

import sys

import numpy as np

from ..io.modelfile import save_model
from ..layers import Flatten
from ..model import Sequential
from ..optim import SGD as _SGDOptimizer
from ..train.callbacks import Callback, EarlyStopping
from ..train.schedules import LearningRateScheduler
from ._layers3 import ConvPoolLayer, FullyConnectedLayer, SoftmaxLayer, _BookLayer  # noqa: F401
from ._theano import (ELU, GPU, ReLU, SharedArray, dropout_layer, leaky_ReLU, linear,  # noqa: F401
                      load_data_shared, sigmoid, sigmoid_minus_half, size, tanh)


# --------------------------------------------------------------------------- network
class _BookPrinter(Callback):
    """Prints the book's lines; evaluates test accuracy whenever validation accuracy is best."""

    def __init__(self, net, test_data, num_batches, out, every=1000, monitor_training=False):
        self.net, self.test_data, self.nb, self.out = net, test_data, num_batches, out
        self.every, self.monitor_training = every, monitor_training
        self.best_validation_accuracy, self.best_iteration, self.test_accuracy = 0.0, 0, 0.0
        self.epoch = 0

    def on_epoch_begin(self, epoch):
        self.epoch = epoch

    def on_batch_end(self, batch, loss=None):
        iteration = self.nb * self.epoch + batch
        if self.every and iteration % self.every == 0:
            print(f"Training mini-batch number {iteration}", file=self.out, flush=True)

    def on_epoch_end(self, epoch, logs):
        p = lambda s: print(s, file=self.out, flush=True)  # noqa: E731
        iteration = self.nb * (epoch + 1) - 1
        if "val_accuracy" in logs:
            acc = logs["val_accuracy"]
            p("Epoch {0}: validation accuracy {1:.2%}".format(epoch, acc))
            if self.monitor_training and "accuracy" in logs:
                p("Epoch {0}: training accuracy {1:.2%} (train − validation gap {2:+.2%})"
                  .format(epoch, logs["accuracy"], logs["accuracy"] - acc))
            if acc >= self.best_validation_accuracy:
                p("This is the best validation accuracy to date.")
                self.best_validation_accuracy = acc
                self.best_iteration = iteration
                if self.test_data is not None:
                    self.test_accuracy = self.net.accuracy(self.test_data)
                    p("The corresponding test accuracy is {0:.2%}".format(self.test_accuracy))
        self.net.history_rows.append(dict(logs))


class Network:
    """The book's Network: a list of layers and a mini-batch size, trained by ``SGD``."""

    def __init__(self, layers, mini_batch_size, seed=None, dtype="float32"):
        """``seed`` (an nndl extra) redraws the layers' weights from ``RandomState(seed)`` and
        seeds the dropout masks; without it the weights are those the layers drew from
        ``np.random`` and the masks come from a fixed seed (as the book's Theano stream)."""
        self.layers = list(layers)
        self.mini_batch_size = int(mini_batch_size)
        if not self.layers or not all(isinstance(l, _BookLayer) for l in self.layers):
            raise ValueError("Network needs ConvPoolLayer / FullyConnectedLayer / SoftmaxLayer objects")
        if not isinstance(self.layers[-1], SoftmaxLayer):
            raise ValueError("the last layer of a network3 Network must be a SoftmaxLayer")
        if seed is not None:
            rs = np.random.RandomState(seed)
            for layer in self.layers:
                layer._set_params(*layer._draw(rs))
        nndl_layers = []
        for i, layer in enumerate(self.layers):
            part = layer.nndl_layers()
            if isinstance(part[0], Flatten) and not (i > 0 and isinstance(self.layers[i - 1], ConvPoolLayer)):
                part = part[1:]  # only conv outputs need flattening
            nndl_layers.extend(part)
        first = self.layers[0]
        self.input_shape = first.image_shape[1:] if isinstance(first, ConvPoolLayer) else (first.n_in,)
        self.model = Sequential(nndl_layers, cost="log_likelihood", input_shape=self.input_shape,
                                seed=0 if seed is None else seed, dtype=dtype)
        for layer in self.layers:
            layer._attach(self.model.dtype)
        self.params = [p for layer in self.layers for p in layer.params]
        self.history_rows = []

    def __setstate__(self, state):
        # Pickling copies array views: make w and b views of the engine's parameters again.
        self.__dict__.update(state)
        for layer in self.layers:
            layer._rebind()
        self.params = [p for layer in self.layers for p in layer.params]

    # -- data ---------------------------------------------------------------------------
    def _inputs(self, X):
        X = np.asarray(X)
        return X.reshape(X.shape[0], *self.input_shape)

    # -- the book's method -----------------------------------------------------------------
    def SGD(self, training_data, epochs, mini_batch_size, eta, validation_data, test_data=None,
            lmbda=0.0, *, early_stopping_n=None, eta_schedule=None, monitor_training_accuracy=False,
            shuffle=False, transform=None, print_every=1000, file=None, callbacks=(), threads=1):
        """Train with mini-batch SGD, printing as the book does.

        ``eta`` may be a number or a function of the epoch (problem 6; so may
        ``eta_schedule``). ``early_stopping_n``: stop after that many epochs without a better
        validation accuracy (problem 4). ``monitor_training_accuracy``: the overfitting
        diagnostic (problem 9). ``transform``: an augmentation applied to each mini-batch.
        ``threads``: BLAS threads (default 1: at the book's mini-batch of 10 a second thread
        costs more than it gives, and on a busy machine OpenBLAS's spinning threads make
        training many times slower; ``None`` leaves BLAS alone, ``"auto"`` lets nndl decide).
        Returns (best validation accuracy, best iteration, corresponding test accuracy)."""
        out = file or sys.stdout
        X, y = training_data
        X = self._inputs(X)
        n = X.shape[0]
        num_batches = n // mini_batch_size
        if num_batches == 0:
            raise ValueError(f"{n} training examples is fewer than one mini-batch of {mini_batch_size}")
        X, y = X[:num_batches * mini_batch_size], np.asarray(y)[:num_batches * mini_batch_size]
        schedule = eta_schedule if eta_schedule is not None else (eta if callable(eta) else None)
        lr0 = float(schedule(0)) if schedule is not None else float(eta)
        # The book's L2 term ½λΣw²/num_batches ⇒ nndl's λ' = λ·mini_batch_size (see above).
        self.model.compile(_SGDOptimizer(lr=lr0), regularizer="l2" if lmbda else None,
                           lmbda=float(lmbda) * mini_batch_size)
        printer = _BookPrinter(self, test_data, num_batches, out, print_every, monitor_training_accuracy)
        cbs = [printer]
        if schedule is not None:
            cbs.append(LearningRateScheduler(schedule))
        if early_stopping_n:
            cbs.append(EarlyStopping("val_accuracy", patience=int(early_stopping_n)))
        cbs.extend(callbacks)
        val = None
        if validation_data is not None:
            val = (self._inputs(validation_data[0]), np.asarray(validation_data[1]))
        kwargs = {"transform": transform} if transform is not None else {}
        kwargs["threads"] = threads
        self.model.fit(X, y, epochs=epochs, batch_size=mini_batch_size, validation_data=val,
                       callbacks=cbs, shuffle=shuffle, monitor_training=monitor_training_accuracy,
                       **kwargs)
        print("Finished training network.", file=out)
        print("Best validation accuracy of {0:.2%} obtained at iteration {1}".format(
            printer.best_validation_accuracy, printer.best_iteration), file=out)
        if test_data is not None:
            print("Corresponding test accuracy of {0:.2%}".format(printer.test_accuracy), file=out)
        return printer.best_validation_accuracy, printer.best_iteration, printer.test_accuracy

    # -- chapter 6 problems --------------------------------------------------------------------
    def accuracy(self, data) -> float:
        """Fraction of (x, y) classified correctly, for any data set (problem 5)."""
        X, y = data
        return float(np.mean(self.model.predict(self._inputs(X)) == np.asarray(y)))

    def predict(self, X):
        return self.model.predict(self._inputs(X))

    def overfitting(self, training_data, validation_data) -> dict:
        """The overfitting diagnostic (problem 9): training vs validation accuracy and gap."""
        tr, va = self.accuracy(training_data), self.accuracy(validation_data)
        return {"training_accuracy": tr, "validation_accuracy": va, "gap": tr - va}

    def save(self, filename):
        """Save in nndl's safe model format (problem 8); reload with :func:`load`."""
        save_model(self.model, filename, metadata={"source": "nndl.book.network3",
                                                   "mini_batch_size": self.mini_batch_size})


def load(filename):
    """Load a network saved by :meth:`Network.save`; returns an object with the book's
    ``accuracy``/``predict`` methods backed by the loaded nndl model."""
    from ..io.modelfile import load_model

    model = load_model(filename)
    net = Network.__new__(Network)
    net.layers, net.model, net.history_rows = [], model, []
    net.input_shape = tuple(model.input_shape)
    net.mini_batch_size = 10
    return net
