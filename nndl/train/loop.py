"""The training loop — the one place in nndl that loops over mini-batches.

Each epoch: shuffle the training set with the model's seeded RNG, cut it into mini-batches
(contiguous slices of the shuffled copy, so no per-step gathering), and for each one run
forward → backward (BP1–BP4) → optimiser step. Then measure, and let callbacks (history,
early stopping, schedules, checkpoints, progress) see the epoch.

Training cost and accuracy come, by default, from the forward passes the steps already made
(as Keras reports them): the mean of the mini-batch costs weighted by their sizes, plus the
regularisation term for the weights at the end of the epoch, and the fraction of training
examples classified correctly while the weights were changing. That costs nothing extra;
``monitor_training="full"`` measures instead the whole training set with the weights at the
end of the epoch (the book's ``monitor_training_cost``/``_accuracy``), one more forward pass
over it. Evaluation runs in large batches with every BLAS thread, even when the steps use one.

The RNG is the model's, so a seed fixes initial weights, shuffles and dropout masks: the same
seed gives bit-identical weights on the same machine, and a checkpoint that stores the RNG
state resumes exactly.
"""
from __future__ import annotations

import contextlib
import math
import time

import numpy as np

from ..backend import available_threads, compute_threads, to_host
from ..core.checks import check_finite, check_same_length
from ..errors import ConfigError, InputError, TrainingError
from .callbacks import Callback, CallbackList, History


def fit(model, X, y, *, epochs: int = 1, batch_size: int = 10, validation_data=None,
        callbacks=(), shuffle: bool = True, monitor_training: bool | str = "running",
        initial_epoch: int = 0, history: History | None = None,
        stop_on_divergence: bool = True, threads: int | None | str = "auto",
        transform=None, order=None, step=None) -> History:
    """Train ``model`` on (X, y) with mini-batches; return the per-epoch :class:`History`.

    Parameters
    ----------
    X, y : training inputs (batch first) and labels (integers or one-hot rows)
    epochs, batch_size : the book's ``epochs`` and ``mini_batch_size``
    validation_data : optional (X_val, y_val), evaluated after every epoch
    callbacks : :class:`~nndl.train.callbacks.Callback` objects
    monitor_training : training cost and accuracy per epoch: "running" (default) from the
        epoch's own forward passes, at no cost; "full" (or True) a pass over the whole
        training set after the epoch, as the book measures them; False for neither
    initial_epoch, history : continue a run (used by checkpoint resume)
    stop_on_divergence : raise :class:`TrainingError` if weights or cost become NaN/inf
    threads : threads for the steps' matrix products; "auto" uses one when a mini-batch is
        too little work to share, else all BLAS may use (see :func:`_threads_for`); None
        leaves BLAS's own thread pool alone. Evaluation always uses all.
    transform : optional callable applied to each training mini-batch's inputs before the
        step (on-the-fly augmentation, e.g. :class:`nndl.data.augment.RandomAffine`)
    order : optional callable ``order(n)`` giving each epoch's example order (a sequence of
        indices) instead of the model's RNG; the book's veneers pass Python's
        ``random.shuffle`` of an index list, so a seed gives the book's mini-batches
    step : optional callable ``step(xb, yb, idx)`` that makes the gradient step instead of
        ``model.train_step(xb, yb, n)`` and returns the mini-batch loss or None; ``idx`` are
        the mini-batch's example indices (the book's veneers call a reader's overridden
        ``update_mini_batch`` through it)
    """
    try:
        epochs, batch_size = int(epochs), int(batch_size)
    except (TypeError, ValueError, OverflowError):
        raise ConfigError(f"epochs and batch size must be integers, got {epochs!r} and {batch_size!r}") from None
    if epochs < 0:
        raise ConfigError(f"epochs must be >= 0, got {epochs}")
    if batch_size <= 0:
        raise ConfigError(f"batch size must be positive, got {batch_size}")
    if monitor_training is True:
        monitor_training = "full"
    if monitor_training not in (False, None, "running", "full"):
        raise ConfigError(f"monitor_training must be 'running', 'full' or False, got {monitor_training!r}")
    if model.optimizer is None:
        model.compile()
    Xd = model.as_inputs(X)
    check_same_length(Xd, y, "training data: ")
    Yd = model.as_targets(y)
    n = Xd.shape[0]
    # Checked once here, so NaN in the data is reported as such, not as divergence.
    check_finite(Xd, "the training inputs X")
    check_finite(Yd, "the training labels y")
    val = None
    if validation_data is not None:
        if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
            raise InputError("validation_data must be a pair (X_val, y_val)")
        val = (model.as_inputs(validation_data[0]), validation_data[1])
        check_same_length(val[0], val[1], "validation data: ")
        model.as_targets(val[1])  # checks the labels' kind and range once, before training
        check_finite(val[0], "the validation inputs")

    history = history if history is not None else History()
    cbs = CallbackList([history, *callbacks], model)
    model.stop_training = False
    cbs.on_train_begin({"epochs": epochs, "n": n, "batch_size": batch_size,
                        "initial_epoch": initial_epoch})
    batch_hooks = cbs.batch_hooks()
    labels = model.labels(y) if monitor_training == "running" else None
    # Overflow is how divergence starts; we detect it ourselves (below) and say so in one line.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        _epochs(model, Xd, Yd, y, labels, n, val, epochs, batch_size, shuffle, monitor_training,
                initial_epoch, stop_on_divergence, cbs, batch_hooks, transform, order, step,
                _threads_for(model, batch_size, threads))
    cbs.on_train_end()
    return history


def _epochs(model, Xd, Yd, y, labels, n, val, epochs, batch_size, shuffle, monitor_training,
            initial_epoch, stop_on_divergence, cbs, batch_hooks, transform, order, step, step_threads):
    xp = model.xp
    for epoch in range(initial_epoch, epochs):
        cbs.on_epoch_begin(epoch)
        start = time.perf_counter()
        # Gathering each mini-batch from a shuffled index costs ~3 µs a step; copying the
        # whole shuffled training set each epoch costs far more (page faults on 150 MB).
        if order is not None:
            perm = np.asarray(order(n), dtype=np.intp)
            if perm.shape != (n,):
                raise ValueError(f"order(n) must give {n} indices, got shape {perm.shape}")
            perm = xp.asarray(perm)
        else:
            perm = xp.asarray(model.rng.permutation(n)) if shuffle else None
        total_cost, correct, seen = 0.0, 0, 0   # running sums over the epoch's mini-batches
        with _threads(step_threads):
            for b, k in enumerate(range(0, n, batch_size)):
                if perm is None:
                    xb, yb = Xd[k:k + batch_size], Yd[k:k + batch_size]
                else:
                    idx = perm[k:k + batch_size]
                    xb, yb = Xd.take(idx, axis=0), Yd.take(idx, axis=0)
                if transform is not None:
                    xb = transform(xb)
                if step is None:
                    loss = model.train_step(xb, yb, n)
                else:  # a veneer's own step (e.g. a reader's update_mini_batch): loss may be None
                    loss = step(xb, yb, np.arange(k, min(k + batch_size, n)) if perm is None else idx)
                if labels is not None and loss is not None:
                    m = xb.shape[0]
                    total_cost, seen = total_cost + loss * m, seen + m
                    lab = labels[k:k + m] if perm is None else labels[to_host(idx)]
                    correct += int((to_host(model.last_output.argmax(axis=1)) == lab).sum())
                for hook in batch_hooks:
                    hook(b, loss)
                if model.stop_training:  # a callback may stop mid-epoch (the lr range test does)
                    break
        logs = {"epoch": epoch + 1, "lr": model.optimizer.lr,
                "train_time": time.perf_counter() - start}
        logs.update(model.optimizer.consume_grad_norms())  # pre-clip norms (only when clipping)
        with _threads(None if step_threads is None else available_threads()):
            _measure(model, Xd, y, n, val, monitor_training, (total_cost, correct, seen), logs)
        logs["time"] = time.perf_counter() - start
        if stop_on_divergence:
            _check_finite(model, logs)
        cbs.on_epoch_end(epoch, logs)
        if model.stop_training:
            break


def _measure(model, Xd, y, n, val, monitor_training, running, logs):
    """The epoch's training metrics (running sums or a full pass) and validation metrics."""
    total_cost, correct, seen = running
    if monitor_training == "running" and seen:
        logs["cost"] = total_cost / seen + model.penalty(n)
        logs["accuracy"] = correct / seen
    elif monitor_training == "full":
        r = model.evaluate(Xd, y, n_train=n)
        logs["cost"], logs["accuracy"] = r["cost"], r["accuracy"]
    if val is not None:
        r = model.evaluate(val[0], val[1], n_train=n)
        logs["val_cost"], logs["val_accuracy"] = r["cost"], r["accuracy"]


SMALL_STEP_MACS = 32_000_000


def _threads_for(model, batch_size, setting):
    """One thread when a step is under ~32 M multiply-adds — the book's networks at
    mini-batch 10 ([784,100,10]: 0.8 M; chapter 6's conv net: 16 M, whose products
    take ~0.3 ms, too short to share on a busy machine) — else every thread BLAS may use,
    as our own threads, BLAS's pool held at one (:func:`nndl.backend.compute_threads`):
    chapter 6's net at mini-batch 64 (104 M). Deterministic for a given thread count, so
    a seed still gives the same run."""
    if setting != "auto":
        return setting
    macs = batch_size * sum(layer.macs_per_example() for layer in model.layers)
    return 1 if macs < SMALL_STEP_MACS else available_threads()


def _threads(n):
    return contextlib.nullcontext() if n is None else compute_threads(n)


def _check_finite(model, logs):
    bad = [k for k in ("cost", "val_cost") if k in logs and not math.isfinite(logs[k])]
    if not bad and all(bool(model.xp.isfinite(p.value).all()) for p in model.parameters()):
        return
    what = f"{bad[0]} is {logs[bad[0]]}" if bad else "weights contain NaN or inf"
    raise TrainingError(f"training diverged in epoch {logs['epoch']}: {what}; "
                        f"the learning rate (eta={model.optimizer.lr:g}) is probably too large")


__all__ = ["fit", "Callback", "History"]
