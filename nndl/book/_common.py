"""What network.py and network2.py share: the book's data formats (lists of (x, y) column
vectors), shapes ((n_out, n_in) weights, (n, 1) biases) and random numbers, on the engine.

Faithful to what readers touch:

* Random numbers: weights and biases come from ``np.random.randn`` in the book's order (all
  biases, then all weights) and each epoch's mini-batches from ``random.shuffle`` of the
  training list (a list of indices of the same length: the same permutation), so
  ``random.seed(s); np.random.seed(s)`` gives the book's run. ``seed=`` (an nndl extra) uses
  private generators instead of the global ones. As in the book's Python 3 code, ``SGD``
  shuffles its own copy of the list, never the caller's.
* float64, as the book computes (``dtype="float32"`` on request).
* ``net.weights`` / ``net.biases`` are views of the engine's parameters: editing an array in
  place, ``net.weights[i] = W`` and ``net.weights = [...]`` all change the network. As in the
  book, training replaces the arrays, so a list kept from before is a snapshot.
* Overrides: the whole-mini-batch fast path runs only for the unmodified classes. When a
  subclass (or the instance) replaces ``update_mini_batch``, ``SGD`` calls it with the book's
  list of (x, y) tuples; when it replaces ``backprop`` (or ``cost_derivative``, or uses its own
  cost class), ``update_mini_batch`` sums ``self.backprop(x, y)`` example by example.
"""
from __future__ import annotations

import random

import numpy as np

from ..backend import to_device, to_host
from ..core.regularizers import L2
from ..layers.dense import Dense
from ..model import Sequential
from ..train.callbacks import Callback


def pairs_to_arrays(data, dtype=np.float64):
    """[(x, y), ...] with x of shape (d, 1) → X (n, d) and y: an (n,) int64 array when the
    targets are integer labels (the book's validation/test data), else an (n, k) array of
    the target vectors (one-hot digits, a single output, any regression target)."""
    data = data if isinstance(data, list) else list(data)
    if not data:
        raise ValueError("empty data set")
    n = len(data)
    X = _rows([x for x, _ in data], dtype)
    if np.ndim(data[0][1]) == 0:
        y = np.fromiter((int(t) for _, t in data), dtype=np.int64, count=n)
    else:
        y = _rows([t for _, t in data], dtype)
    return X, y


def _rows(columns, dtype):
    """Stack column vectors as the rows of one new array, casting as it copies (one pass
    over memory: for 50,000 MNIST images several times faster than stack-then-cast)."""
    rows = [np.asarray(c).reshape(1, -1) for c in columns]
    out = np.empty((len(rows), rows[0].shape[1]), dtype=dtype)
    np.concatenate(rows, axis=0, out=out, casting="same_kind")
    return out


def labels_of(y):
    """Integer labels from integer labels or target rows (argmax, the book's convert=True)."""
    return y if y.ndim == 1 else y.argmax(axis=1)


class _LiveList(list):
    """The list ``net.weights`` / ``net.biases`` returns: item assignment writes into the
    network (in the book the list *is* the network's). Pickles and copies as a plain list."""

    def __init__(self, items, assign):
        super().__init__(items)
        self._assign = assign

    def __setitem__(self, i, value):
        if isinstance(i, slice):
            raise TypeError("assign layers one at a time (net.weights[i] = W) or the whole list")
        super().__setitem__(i, self._assign(i, value))

    def __reduce__(self):
        return (list, (list(self),))


class _EpochHooks(Callback):
    def __init__(self, net, report):
        self.net, self.report = net, report

    def on_epoch_begin(self, epoch):
        self.net._detach()

    def on_epoch_end(self, epoch, logs):
        self.report(epoch, logs)


class BookNetwork:
    """Base of the book's Network classes: a Sequential of sigmoid Dense layers."""

    def __init__(self, sizes, cost, seed=None, dtype="float64"):
        self.num_layers = len(sizes)
        self.sizes = sizes
        self.seed = seed
        self._np_rng = None if seed is None else np.random.RandomState(seed)
        self._py_rng = None if seed is None else random.Random(seed)
        layers = [Dense(n, "sigmoid", init="large", input_dim=sizes[0] if i == 0 else None)
                  for i, n in enumerate(list(sizes)[1:])]
        self.model = Sequential(layers, cost=cost, dtype=dtype, seed=0)
        self.model.compile("sgd")
        self._handed_out = False

    # -- random numbers, as the book draws them ------------------------------------------
    def _randn(self, *shape):
        return (self._np_rng or np.random).randn(*shape)

    def _shuffle(self, items):
        (self._py_rng or random).shuffle(items)

    def _draw(self, scaled: bool):
        """Biases N(0, 1) for every layer, then weights N(0, 1) (divided by √n_in if scaled)."""
        biases = [self._randn(y, 1) for y in self.sizes[1:]]
        weights = [self._randn(y, x) / np.sqrt(x) if scaled else self._randn(y, x)
                   for x, y in zip(self.sizes[:-1], self.sizes[1:])]
        self.biases, self.weights = biases, weights

    # -- the book's attributes, as views of the engine's parameters -------------------------
    @property
    def weights(self):
        self._handed_out = True
        return _LiveList([to_host(layer.W.value).T for layer in self.model.layers],
                         lambda i, w: self._set(i, "W", w))

    @weights.setter
    def weights(self, values):
        self._set_all("W", values)

    @property
    def biases(self):
        self._handed_out = True
        return _LiveList([to_host(layer.b.value).reshape(-1, 1) for layer in self.model.layers],
                         lambda i, b: self._set(i, "b", b))

    @biases.setter
    def biases(self, values):
        self._set_all("b", values)

    def _set_all(self, which, values):
        values = list(values)
        if len(values) != len(self.model.layers):
            raise ValueError(f"expected {len(self.model.layers)} arrays, one per layer, got {len(values)}")
        for i, v in enumerate(values):
            self._set(i, which, v)

    def _set(self, i, which, value):
        """Give layer i a fresh parameter array holding ``value`` (book shape); return the
        book-shaped view of it. Fresh, so lists handed out earlier keep their old values."""
        layer = self.model.layers[i]
        p = layer.W if which == "W" else layer.b
        arr = np.asarray(value, dtype=p.value.dtype)
        book_shape = p.value.shape[::-1] if which == "W" else (p.value.shape[0], 1)
        if arr.shape != book_shape and not (which == "b" and arr.size == p.value.size):
            name = "weights" if which == "W" else "biases"
            raise ValueError(f"{name}[{i}] has shape {arr.shape}, expected {book_shape}")
        new = np.array(arr.T if which == "W" else arr.reshape(-1), order="C", copy=True)
        p.value = to_device(new, self.model.xp)
        self._handed_out = True
        return to_host(p.value).T if which == "W" else to_host(p.value).reshape(-1, 1)

    def _detach(self):
        """Training replaces the arrays (as the book's update does) once any were handed out."""
        if self._handed_out:
            for p in self.model.parameters():
                p.value = p.value.copy()
            self._handed_out = False

    # -- which path ---------------------------------------------------------------------
    def _overridden(self, name, base=None) -> bool:
        """Whether a reader's subclass (or the instance) replaced the book's method ``name``."""
        if base is None:  # the veneer's own class: the first in the MRO defined in nndl.book
            base = next(c for c in type(self).__mro__ if c.__module__.startswith(__package__))
        return name in vars(self) or getattr(type(self), name) is not getattr(base, name)

    def _per_example(self) -> bool:
        """True when the gradient must come from ``self.backprop`` one example at a time."""
        raise NotImplementedError

    # -- the book's methods, shared ----------------------------------------------------------
    def feedforward(self, a):
        """The network's output for the column vector a (or a (d, n) block of columns)."""
        a = np.asarray(a)
        return to_host(self.model.forward(to_device(a.T, self.model.xp, self.model.dtype))).T

    def _count_correct(self, X, y) -> int:
        return int((self.model.predict(X) == labels_of(y)).sum())

    def _count_correct_per_example(self, data) -> int:
        return sum(int(np.argmax(self.feedforward(x)) == (y if np.ndim(y) == 0 else np.argmax(y)))
                   for x, y in data)

    def _update(self, mini_batch, eta, lmbda, n):
        """One step of the book's rule w → (1 − ηλ/n)w − (η/m)Σ∇Cₓ, b → b − (η/m)Σ∇Cₓ on a
        list of (x, y) tuples: the engine's step, with the gradient from the engine on the
        whole mini-batch, or summed from ``self.backprop`` when that must be honoured."""
        self._detach()
        m = self.model
        m.optimizer.lr = float(eta)
        m.regularizer = L2(lmbda)
        mini_batch = mini_batch if isinstance(mini_batch, list) else list(mini_batch)
        if not self._per_example():
            X, y = pairs_to_arrays(mini_batch, m.dtype)
            m.train_step(m.as_inputs(X), m.as_targets(y), n)
            return
        nabla_b = nabla_w = None
        for x, y in mini_batch:
            db, dw = self.backprop(x, y)
            nabla_b = list(db) if nabla_b is None else [nb + d for nb, d in zip(nabla_b, db)]
            nabla_w = list(dw) if nabla_w is None else [nw + d for nw, d in zip(nabla_w, dw)]
        for layer, nb, nw in zip(m.layers, nabla_b, nabla_w):
            layer.W.grad[...] = to_device(np.asarray(nw).T / len(mini_batch), m.xp)   # mean ∂C/∂w
            layer.b.grad[...] = to_device(np.asarray(nb).reshape(-1) / len(mini_batch), m.xp)
        self._detach()  # the reader's backprop may have read the weights
        m.optimizer.step(m.parameters(), m.regularizer, n)

    def _backprop(self, x, y, output_error):
        """(nabla_b, nabla_w) for one example in the book's shapes. ``output_error(z, a)``
        gives what starts the backward pass from the output layer: (grad, is_delta)."""
        m = self.model
        X = to_device(np.asarray(x).reshape(1, -1), m.xp, m.dtype)
        a = m.forward(X, training=True)
        out = m.layers[-1]
        grad, is_delta = output_error(to_host(out.z).T.copy(), to_host(a).T.copy())
        grad = to_device(np.asarray(grad, dtype=m.dtype).reshape(1, -1), m.xp)
        m.backward_from(grad, delta=is_delta)
        nabla_b = [to_host(layer.b.grad).reshape(-1, 1).copy() for layer in m.layers]
        nabla_w = [to_host(layer.W.grad).T.copy() for layer in m.layers]
        return nabla_b, nabla_w

    def _train(self, training_data, epochs, mini_batch_size, eta, lmbda, call_update, make_report,
               callbacks=()):
        """The book's SGD through the engine's one loop. Each epoch's order is
        ``random.shuffle`` of the training list (kept shuffled from epoch to epoch, as the
        book's list is); mini-batches are consecutive slices of it. The unmodified classes
        step a whole mini-batch per matrix product; otherwise ``call_update(mini_batch)``
        calls the (reader's) ``update_mini_batch`` with the book's list of tuples.
        ``make_report(data, X, y)`` gives the per-epoch ``report(epoch, logs)``."""
        data = training_data if isinstance(training_data, list) else list(training_data)
        n = len(data)
        m = self.model
        X, y = pairs_to_arrays(data, m.dtype)
        positions = list(range(n))

        def order(_n):
            self._shuffle(positions)
            return positions

        step = None
        if self._overridden("update_mini_batch") or self._per_example():
            def step(xb, yb, idx):
                call_update([data[i] for i in to_host(idx)])
        m.optimizer.lr = float(eta)
        m.regularizer = L2(lmbda)
        self._detach()
        m.fit(X, y, epochs=epochs, batch_size=mini_batch_size, order=order, step=step,
              monitor_training=False, stop_on_divergence=False,
              callbacks=[_EpochHooks(self, make_report(data, X, y)), *callbacks])
