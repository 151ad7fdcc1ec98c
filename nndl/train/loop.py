"""The training loop — the one place in nndl that loops over mini-batches.

Each epoch: shuffle the training set with the model's seeded RNG, cut it into mini-batches
(contiguous slices of the shuffled copy, so no per-step gathering), and for each one run
forward → backward (BP1–BP4) → optimiser step. Then measure, and let callbacks (history,
early stopping, schedules, checkpoints, progress) see the epoch.

The RNG is the model's, so a seed fixes initial weights, shuffles and dropout masks: the same
seed gives bit-identical weights on the same machine, and a checkpoint that stores the RNG
state resumes exactly.
"""
from __future__ import annotations

import math
import time

import numpy as np

from ..backend import blas_threads
from ..errors import TrainingError
from .callbacks import Callback, CallbackList, History


def fit(model, X, y, *, epochs: int = 1, batch_size: int = 10, validation_data=None,
        callbacks=(), shuffle: bool = True, monitor_training: bool = True,
        initial_epoch: int = 0, history: History | None = None,
        stop_on_divergence: bool = True, threads: int | None | str = "auto",
        transform=None) -> History:
    """Train ``model`` on (X, y) with mini-batches; return the per-epoch :class:`History`.

    Parameters
    ----------
    X, y : training inputs (batch first) and labels (integers or one-hot rows)
    epochs, batch_size : the book's ``epochs`` and ``mini_batch_size``
    validation_data : optional (X_val, y_val), evaluated after every epoch
    callbacks : :class:`~nndl.train.callbacks.Callback` objects
    monitor_training : also measure cost and accuracy on the whole training set each epoch
    initial_epoch, history : continue a run (used by checkpoint resume)
    stop_on_divergence : raise :class:`TrainingError` if weights or cost become NaN/inf
    threads : BLAS threads while training; "auto" uses one thread when a mini-batch is
        too little work to share (see :func:`_threads_for`), None leaves BLAS alone
    transform : optional callable applied to each training mini-batch's inputs before the
        step (on-the-fly augmentation, e.g. :class:`nndl.data.augment.RandomAffine`)
    """
    epochs, batch_size = int(epochs), int(batch_size)
    if epochs < 0:
        raise ValueError(f"epochs must be >= 0, got {epochs}")
    if batch_size <= 0:
        raise ValueError(f"batch size must be positive, got {batch_size}")
    if model.optimizer is None:
        model.compile()
    Xd = model.as_inputs(X)
    Yd = model.as_targets(y)
    n = Xd.shape[0]
    if n == 0:
        raise ValueError("no training data")
    if Yd.shape[0] != n:
        raise ValueError(f"{n} inputs but {Yd.shape[0]} labels")
    val = None
    if validation_data is not None:
        val = (model.as_inputs(validation_data[0]), validation_data[1])

    history = history if history is not None else History()
    cbs = CallbackList([history, *callbacks], model)
    model.stop_training = False
    cbs.on_train_begin({"epochs": epochs, "n": n, "batch_size": batch_size,
                        "initial_epoch": initial_epoch})
    batch_hooks = cbs.batch_hooks()
    # Overflow is how divergence starts; we detect it ourselves (below) and say so in one line.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"), \
            blas_threads(_threads_for(model, batch_size, threads)):
        _epochs(model, Xd, Yd, y, n, val, epochs, batch_size, shuffle, monitor_training,
                initial_epoch, stop_on_divergence, cbs, batch_hooks, transform)
    cbs.on_train_end()
    return history


def _epochs(model, Xd, Yd, y, n, val, epochs, batch_size, shuffle, monitor_training,
            initial_epoch, stop_on_divergence, cbs, batch_hooks, transform=None):
    xp = model.xp
    for epoch in range(initial_epoch, epochs):
        cbs.on_epoch_begin(epoch)
        start = time.perf_counter()
        # Gathering each mini-batch from a shuffled index costs ~3 µs a step; copying the
        # whole shuffled training set each epoch costs far more (page faults on 150 MB).
        perm = xp.asarray(model.rng.permutation(n)) if shuffle else None
        for b, k in enumerate(range(0, n, batch_size)):
            if perm is None:
                xb, yb = Xd[k:k + batch_size], Yd[k:k + batch_size]
            else:
                idx = perm[k:k + batch_size]
                xb, yb = Xd.take(idx, axis=0), Yd.take(idx, axis=0)
            if transform is not None:
                xb = transform(xb)
            loss = model.train_step(xb, yb, n)
            for hook in batch_hooks:
                hook(b, loss)
            if model.stop_training:  # a callback may stop mid-epoch (the lr range test does)
                break
        logs = {"epoch": epoch + 1, "lr": model.optimizer.lr,
                "train_time": time.perf_counter() - start}
        logs.update(model.optimizer.consume_grad_norms())  # pre-clip norms (only when clipping)
        if monitor_training:
            r = model.evaluate(Xd, y, n_train=n)
            logs["cost"], logs["accuracy"] = r["cost"], r["accuracy"]
        if val is not None:
            r = model.evaluate(val[0], val[1], n_train=n)
            logs["val_cost"], logs["val_accuracy"] = r["cost"], r["accuracy"]
        logs["time"] = time.perf_counter() - start
        if stop_on_divergence:
            _check_finite(model, logs)
        cbs.on_epoch_end(epoch, logs)
        if model.stop_training:
            break


SMALL_STEP_MACS = 4_000_000


def _threads_for(model, batch_size, setting):
    """One BLAS thread when a step is under ~4 M multiply-adds (the book's networks at
    mini-batch 10: [784,100,10] is 0.8 M), else leave the pool as it is. Deterministic, so
    a seed still gives the same run."""
    if setting != "auto":
        return setting
    macs = batch_size * sum(layer.macs_per_example() for layer in model.layers)
    return 1 if macs < SMALL_STEP_MACS else None


def _check_finite(model, logs):
    bad = [k for k in ("cost", "val_cost") if k in logs and not math.isfinite(logs[k])]
    if not bad and all(bool(model.xp.isfinite(p.value).all()) for p in model.parameters()):
        return
    what = f"{bad[0]} is {logs[bad[0]]}" if bad else "weights contain NaN or inf"
    raise TrainingError(f"training diverged in epoch {logs['epoch']}: {what}; "
                        f"the learning rate (eta={model.optimizer.lr:g}) is probably too large")


__all__ = ["fit", "Callback", "History"]
