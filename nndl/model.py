"""A model is layers: a chain run forward, and backpropagation run back through it.

    >>> from nndl import Sequential, Dense
    >>> model = Sequential([Dense(30, "sigmoid", input_dim=784), Dense(10, "sigmoid")],
    ...                    cost="quadratic", seed=1)
    >>> model.compile(optimizer=nndl.SGD(lr=3.0))           # doctest: +SKIP
    >>> history = model.fit(X, y, epochs=30, batch_size=10)  # doctest: +SKIP

Backpropagation (chapter 2) over a mini-batch, in :meth:`Sequential.backward`:

1. BP1 — the cost gives δᴸ from the output layer's z, a and activation;
2. BP2 — each layer, from the top down, turns ∂C/∂(its output) into ∂C/∂(its input);
3. BP3/BP4 — on the way, each layer stores ∂C/∂b and ∂C/∂W in its parameters' ``grad``.

A residual block is itself a layer holding sub-layers, so a "chain" may contain small graphs.

The model knows nothing of files (``nndl.save_model`` / ``nndl.load_model`` in :mod:`nndl.io`)
or of settings and runs (:mod:`nndl.app`); :meth:`Sequential.fit` hands the model to the one
training loop, :func:`nndl.train.fit`, which calls :meth:`Sequential.train_step` per mini-batch.

(About 330 lines, one class: the two passes, the step, inference and the model's state read
best side by side; the size checks at the top keep absurd networks from being allocated.)
"""
from __future__ import annotations

import functools

import numpy as np

from .backend import backend_module, compute_threads, make_rng, resolve_dtype, to_device, to_host
from .core.checks import check_examples, check_labels, check_same_length
from .core.activations import Linear
from .core.costs import get_cost
from .errors import InputError
from .core.limits import MAX_PARAMETERS, MAX_VALUES_PER_EXAMPLE, n_values
from .core.regularizers import get_regularizer
from .layers.base import check_layers, layer_from_config
from .optim import get_optimizer
from .train.loop import fit as train_loop

_LINEAR = Linear()


def _all_threads(method):
    """Inference with every thread BLAS may use, as our own threads (no spinning pool; see
    :func:`nndl.backend.compute_threads`)."""
    @functools.wraps(method)
    def run(self, *args, **kwargs):
        with compute_threads(None):
            return method(self, *args, **kwargs)
    return run


EVAL_BATCH = 2000        # examples per forward pass when evaluating, at most ...
EVAL_BYTES = 16 * 2**20  # ... and about this much held by the largest layer (cache-sized)


def _check_sizes(layers, shape) -> None:
    """Refuse, before anything is allocated, a network whose parameters or activations would
    not fit any sane memory (``--sizes 64,1000000000,10``, a model file declaring huge layers)."""
    from .errors import ConfigError

    total = 0
    for i, layer in enumerate(layers):
        width = n_values(shape)
        if width > MAX_VALUES_PER_EXAMPLE:
            raise ConfigError(f"layer {i} ({type(layer).__name__}) would take {width:,} values per example "
                              f"(shape {shape}); nndl's limit is {MAX_VALUES_PER_EXAMPLE:,}")
        total += layer.count_params(shape)
        if total > MAX_PARAMETERS:
            raise ConfigError(f"the network would have at least {total:,} parameters (layer {i}, "
                              f"{type(layer).__name__}, on inputs of shape {shape}); nndl's limit is "
                              f"{MAX_PARAMETERS:,}: use smaller layers")
        shape = tuple(layer.compute_output_shape(shape))
    width = n_values(shape)
    if width > MAX_VALUES_PER_EXAMPLE:
        raise ConfigError(f"the network's output would have {width:,} values per example; "
                          f"nndl's limit is {MAX_VALUES_PER_EXAMPLE:,}")


class Sequential:
    """A network as a chain of layers, trained by backpropagation.

    The forward pass computes aˡ = σ(wˡaˡ⁻¹ + bˡ) layer by layer (or each layer's own map);
    :meth:`backward` runs BP1–BP4 back down the chain.

    Args:
        layers: the layers in order, e.g. ``[Dense(100, "sigmoid", input_dim=784), Dense(10)]``.
        cost: the cost C (a name from the cost registry: ``"quadratic"``, ``"cross_entropy"``,
            ``"log_likelihood"``, or a :class:`~nndl.core.costs.Cost`).
        input_shape: the shape of one example, e.g. ``(784,)`` or ``(1, 28, 28)``; taken from the
            first layer's ``input_dim`` when given there, else from the first data seen.
        dtype: ``"float32"`` (default, fast) or ``"float64"`` (gradient checks).
        seed: seeds the one RNG that draws the initial weights, the shuffles and the dropout
            masks: the same seed gives bit-identical runs on the same BLAS kernels and threads.
        backend: ``"numpy"``, or ``"cupy"`` on a GPU.
    """

    def __init__(self, layers, *, cost="quadratic", input_shape=None, dtype="float32", seed=None,
                 backend="numpy"):
        layers = check_layers(layers, "a model")
        self.layers = layers
        self.cost = get_cost(cost)
        self.dtype = resolve_dtype(dtype)
        self.backend = backend
        self.xp = backend_module(backend)
        self.seed = seed
        self.rng = make_rng(seed)
        self.optimizer = None
        self.regularizer = get_regularizer(None)
        self.built = False
        self.input_shape = None
        if input_shape is None and getattr(layers[0], "input_dim", None) is not None:
            input_shape = (layers[0].input_dim,)
        if input_shape is not None:
            self.build(input_shape)

    # -- construction -------------------------------------------------------------------
    def build(self, input_shape):
        """Allocate every layer's parameters, drawing from the model's seeded RNG in order."""
        if isinstance(input_shape, int):
            input_shape = (input_shape,)
        shape = tuple(int(s) for s in input_shape)
        if any(s <= 0 for s in shape):
            raise ValueError(f"input shape must be positive, got {shape}")
        _check_sizes(self.layers, shape)
        self.input_shape = shape
        self.__dict__.pop("_params_cache", None)
        for layer in self.layers:
            shape = layer.build(shape, self.rng, self.dtype, self.xp)
            layer.set_rng(self.rng)
        self.layers[0].needs_input_grad = False
        self.output_shape = shape
        self.built = True
        return self

    def _ensure_built(self, X):
        if not self.built:
            self.build(X.shape[1:])
        elif tuple(X.shape[1:]) != self.input_shape:
            raise InputError(f"model expects inputs of shape {self.input_shape}, got {tuple(X.shape[1:])}")

    def compile(self, optimizer="sgd", cost=None, regularizer=None, lmbda: float = 0.0):
        """Choose how to learn: an optimiser (object or name), and optionally the cost and
        an L1/L2 regulariser (``regularizer="l2", lmbda=5.0`` is the book's weight decay)."""
        self.optimizer = get_optimizer(optimizer)
        if cost is not None:
            self.cost = get_cost(cost)
        if regularizer is None and lmbda:
            regularizer = "l2"
        self.regularizer = get_regularizer(regularizer, lmbda)
        return self

    # -- the two passes -------------------------------------------------------------------
    def forward(self, x, training: bool = False):
        """Feedforward: a⁰ = x, aˡ = σ(wˡaˡ⁻¹ + bˡ) ... through every layer. The output is
        kept (:attr:`last_output`) for :meth:`backward` and for running training metrics."""
        for layer in self.layers:
            x = layer.forward(x, training)
        self._last_output = x
        return x

    @property
    def last_output(self):
        """The output activations aᴸ of the last forward pass (device array)."""
        return self._last_output

    def layer_outputs(self, X) -> list:
        """Feedforward in inference mode, keeping every layer's output a¹ … aᴸ (host arrays):
        what each layer 'sees' of an input, for pictures of the network at work."""
        x, outs = self.as_inputs(X), []
        for layer in self.layers:
            x = layer.forward(x)
            outs.append(to_host(x))
        return outs

    def _backprop(self, y):
        """BP1–BP4 for the last forward pass against targets y. Returns (that pass's mean cost,
        computed with δᴸ so that the two share work such as a − y; ∂C/∂input or None)."""
        out = self.layers[-1]
        activation = getattr(out, "activation", None)
        if activation is not None and hasattr(out, "backward_delta"):
            cost, delta = self.cost.value_and_delta(out.z, out.a, y, activation)      # BP1
            return cost, self.backward_from(delta, delta=True)
        a = self._last_output
        cost, grad = self.cost.value_and_delta(a, a, y, _LINEAR)
        return cost, self.backward_from(grad)

    def backward(self, y):
        """Backpropagate the cost of the last forward pass against targets y (BP1–BP4); every
        parameter's ``grad`` is set. Returns ∂C/∂(input) when the first layer computes it."""
        return self._backprop(y)[1]

    def backward_from(self, grad, delta: bool = False):
        """Backpropagate from the output layer given ∂C/∂aᴸ (or δᴸ = ∂C/∂zᴸ when ``delta``),
        for a cost computed outside the engine (the book's reader-defined cost classes)."""
        out = self.layers[-1]
        grad = out.backward_delta(grad) if delta else out.backward(grad)
        for layer in reversed(self.layers[:-1]):
            grad = layer.backward(grad)                                               # BP2
        return grad

    def _forward_cost(self, x, y, training: bool) -> float:
        """Forward pass on device arrays (kept for :meth:`backward`) and its mean cost C."""
        a = self.forward(x, training)
        out = self.layers[-1]
        return self.cost.value(getattr(out, "z", a), a, y, getattr(out, "activation", _LINEAR))

    def loss(self, X, y, training: bool = False) -> float:
        """The mean cost C of the batch (X, y) — without the regularisation term — from a
        forward pass (``training=True``: dropout and batch statistics as in training). The
        pass is kept, so :meth:`backward` may follow (``gradcheck`` does)."""
        return self._forward_cost(self.as_inputs(X), self.as_targets(y), training)

    def train_step(self, x, y, n: int) -> float:
        """One gradient step on the mini-batch (x, y) of device arrays (targets as the cost
        wants them); n is the training-set size (for λ/n). Returns the mini-batch's mean cost,
        measured on the forward pass the step made (before the update)."""
        self.forward(x, training=True)
        loss, _ = self._backprop(y)
        self.optimizer.step(self.parameters(), self.regularizer, n)
        return loss

    def parameters(self):
        if not hasattr(self, "_params_cache"):
            self._params_cache = [p for layer in self.layers for p in layer.all_params()]
        return self._params_cache

    # -- data conversion at the boundary ----------------------------------------------------
    def as_inputs(self, X):
        try:
            X = to_device(X, self.xp, self.dtype)
        except (TypeError, ValueError) as e:  # strings, ragged lists, None
            raise InputError(f"inputs X must be an array of numbers ({e})") from None
        check_examples(X)
        self._ensure_built(X)
        return X

    def as_targets(self, y):
        """Targets for the cost: integer labels become one-hot rows; arrays of the output's
        shape are used as they are (regression, or the book's one-hot vectors)."""
        y = np.asarray(to_host(y))
        k = self.output_shape[-1]
        check_labels(y, k, self.output_shape)
        if y.ndim == 1 and np.issubdtype(y.dtype, np.integer):
            Y = np.zeros((y.shape[0], k), dtype=self.dtype)
            Y[np.arange(y.shape[0]), y] = 1
        else:
            Y = y.reshape(y.shape[0], *self.output_shape).astype(self.dtype, copy=False)
        return to_device(Y, self.xp)

    @staticmethod
    def labels(y):
        """Integer class labels from integer labels or one-hot rows."""
        y = np.asarray(to_host(y))
        return y.argmax(axis=1) if y.ndim == 2 else y

    # -- inference ------------------------------------------------------------------------
    @_all_threads
    def predict_proba(self, X, batch_size: int | None = None):
        """The network's output activations for every row of X (inference mode)."""
        X = self.as_inputs(X)
        batch_size = batch_size or self.eval_batch_size()
        outs = [self.forward(X[i:i + batch_size]) for i in range(0, X.shape[0], batch_size)]
        return self.xp.concatenate(outs) if len(outs) > 1 else outs[0]

    def predict(self, X, batch_size: int | None = None):
        """The index of the most active output neuron: the predicted digit."""
        return to_host(self.predict_proba(X, batch_size).argmax(axis=1))

    @_all_threads
    def evaluate(self, X, y, batch_size: int | None = None, n_train: int | None = None) -> dict:
        """Mean cost (plus the regularisation penalty, as in network2.total_cost) and accuracy.

        ``n_train`` is the n of λ/2n; the training-set size when known."""
        X = self.as_inputs(X)
        check_same_length(X, y)
        batch_size = batch_size or self.eval_batch_size()
        Y = self.as_targets(y)
        labels = self.labels(y)
        total, correct = 0.0, 0
        for i in range(0, X.shape[0], batch_size):
            xb = X[i:i + batch_size]
            total += self._forward_cost(xb, Y[i:i + batch_size], False) * xb.shape[0]
            correct += int((to_host(self.last_output.argmax(axis=1)) == labels[i:i + batch_size]).sum())
        n = X.shape[0]
        cost = total / n + self.penalty(n_train or n)
        return {"cost": cost, "accuracy": correct / n, "correct": correct, "n": n}

    def eval_batch_size(self) -> int:
        """Examples per forward pass in inference: as many as keep the largest layer's arrays
        near EVAL_BYTES (a conv net's im2col columns grow with the batch; past the caches,
        an evaluation batch of 2,000 ran 4x slower per image than one of 128), at most
        EVAL_BATCH (fully-connected nets)."""
        per = max(layer.floats_per_example() for layer in self.layers) * self.dtype.itemsize
        return int(min(EVAL_BATCH, max(16, EVAL_BYTES // per)))

    def penalty(self, n: int) -> float:
        return sum(self.regularizer.penalty(p.value, n) for p in self.parameters() if p.regularize)

    def fit(self, X, y, epochs: int = 1, batch_size: int = 10, *, validation_data=None, callbacks=(),
            shuffle: bool = True, monitor_training: bool | str = "running", initial_epoch: int = 0, history=None,
            stop_on_divergence: bool = True, threads: int | None | str = "auto", transform=None, order=None,
            step=None):
        """Train with mini-batch SGD (or the compiled optimiser) through the one training loop,
        :func:`nndl.train.fit`; returns the per-epoch :class:`~nndl.train.History`.

        Each step is w → w − η·∂C/∂w (with the optimiser's variant of it) on a mini-batch,
        the gradient coming from backpropagation (:meth:`backward`).

        Args:
            X: training inputs, batch first (e.g. ``(n, 784)``, or ``(n, 1, 28, 28)`` for conv nets).
            y: integer labels ``(n,)`` or one-hot rows ``(n, 10)``.
            epochs: passes over the training data (the book's ``epochs``).
            batch_size: examples per gradient step (the book's ``mini_batch_size``).
            validation_data: optional ``(X_val, y_val)``, evaluated after every epoch
                (``val_cost``, ``val_accuracy`` in the history).
            callbacks: :class:`~nndl.train.Callback` objects (schedules, early stopping,
                checkpoints, progress bars...).
            shuffle: reshuffle the training data every epoch (the book's ``SGD`` does).
            monitor_training: training cost and accuracy per epoch: ``"running"`` (default) from the
                epoch's own forward passes, at no cost; ``"full"`` (or True) a pass over the whole
                training set after the epoch, as the book measures them; False for neither.
            initial_epoch: the number of epochs already done (resuming a run).
            history: the :class:`~nndl.train.History` to append to (resuming a run).
            stop_on_divergence: raise :class:`~nndl.errors.TrainingError` when the cost or the
                weights become NaN or infinite.
            threads: BLAS threads for the steps' matrix products; ``"auto"`` uses one thread when
                a mini-batch is too little work to share, else all BLAS may use; ``None`` leaves
                BLAS as it is.
            transform: optional callable applied to each mini-batch's inputs before the step
                (on-the-fly augmentation, e.g. :class:`nndl.data.augment.RandomAffine`).
            order: optional ``order(n)`` giving each epoch's example order instead of the model's
                RNG (the book's veneers pass Python's ``random.shuffle``).
            step: optional ``step(xb, yb, idx)`` that makes the gradient step instead of
                :meth:`train_step` and returns the mini-batch loss or None.
        """
        return train_loop(self, X, y, epochs=epochs, batch_size=batch_size, validation_data=validation_data,
                          callbacks=callbacks, shuffle=shuffle, monitor_training=monitor_training,
                          initial_epoch=initial_epoch, history=history, stop_on_divergence=stop_on_divergence,
                          threads=threads, transform=transform, order=order, step=step)

    # -- state ------------------------------------------------------------------------------
    def get_weights(self) -> dict:
        """Every parameter and buffer as host arrays, keyed 'layer_index.name'."""
        return {f"{i}.{k}": to_host(v).copy() for i, layer in enumerate(self.layers)
                for k, v in layer.get_weights().items()}

    def set_weights(self, weights: dict) -> None:
        for i, layer in enumerate(self.layers):
            prefix = f"{i}."
            mine = {k[len(prefix):]: to_device(v, self.xp, self.dtype) for k, v in weights.items()
                    if k.startswith(prefix)}
            layer.set_weights(mine)

    def get_config(self) -> dict:
        return {"layers": [layer.get_config() for layer in self.layers],
                "cost": self.cost.get_config(), "input_shape": list(self.input_shape or []),
                "dtype": self.dtype.name}

    @classmethod
    def from_config(cls, config: dict, seed=None, backend="numpy"):
        layers = [layer_from_config(c) for c in config["layers"]]
        return cls(layers, cost=config["cost"], input_shape=tuple(config["input_shape"]) or None,
                   dtype=config.get("dtype", "float32"), seed=seed, backend=backend)

    def summary(self) -> str:
        """A table of the layers (each in full, never cut short), their output shapes and
        parameter counts, and the total."""
        rows = [(repr(layer), str(layer.output_shape), sum(int(np.prod(p.value.shape)) for p in layer.all_params()))
                for layer in self.layers]
        wide = max([len("layer"), *(len(r[0]) for r in rows)]) + 2
        shape = max([len("output shape"), *(len(r[1]) for r in rows)]) + 2
        lines = [f"{'layer':<{wide}}{'output shape':<{shape}}{'params':>10}"]
        lines += [f"{name:<{wide}}{out:<{shape}}{n:>10,}" for name, out, n in rows]
        lines.append(f"total trainable parameters: {sum(r[2] for r in rows):,}   cost: {self.cost.name}")
        return "\n".join(lines)

    # -- pickling (the book's network.py has no save(): readers pickle or deep-copy) ----------
    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("xp", None)  # a module: rebuilt from the backend's name
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.xp = backend_module(self.backend)

    def __repr__(self):
        return f"Sequential({self.layers!r}, cost={self.cost!r})"

