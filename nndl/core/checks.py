"""Checks on the arrays a user hands to the Python API, so misuse is one clear
:class:`~nndl.errors.InputError` (a ValueError) instead of a NumPy error from deep inside.

Used at the model's boundary (``Sequential.as_inputs`` / ``as_targets`` / ``evaluate``) and at
the training loop's (``fit``)."""
from __future__ import annotations

import numpy as np

from ..backend import get_array_module
from ..errors import InputError


def check_examples(X, what: str = "X") -> None:
    """At least one example, with a batch axis."""
    if X.ndim < 2:
        raise InputError(f"{what} must have a batch axis (one example per row): got shape {tuple(X.shape)}")
    if X.shape[0] == 0:
        raise InputError(f"{what} holds no examples (shape {tuple(X.shape)})")


def check_same_length(X, y, what: str = "") -> None:
    nx, ny = int(X.shape[0]), int(np.shape(y)[0]) if np.ndim(y) else 0
    if nx != ny:
        raise InputError(f"{what}{nx} examples in X but {ny} labels in y: they must have the same length")


def check_finite(a, what: str) -> None:
    """No NaN or inf in ``a``; otherwise say how many, and where the first one is."""
    xp = get_array_module(a)
    if not np.issubdtype(a.dtype, np.inexact):
        return
    finite = xp.isfinite(a)
    if bool(finite.all()):
        return
    n_nan = int(xp.isnan(a).sum())
    n_inf = int(a.size - int(finite.sum()) - n_nan)
    rows = xp.nonzero(~finite.reshape(a.shape[0], -1).all(axis=1))[0] if a.ndim else [0]
    raise InputError(f"{what} contain {n_nan:,} NaN and {n_inf:,} infinite value(s) in {len(rows):,} "
                     f"example(s), the first in row {int(rows[0])}; remove or replace them before training")


def check_labels(y, n_outputs: int, output_shape) -> None:
    """Integer class labels 0..n_outputs-1, or targets with the output's number of values."""
    if y.ndim == 0:
        raise InputError(f"labels y must be an array with one entry per example, got {y!r}")
    if y.ndim == 1 and np.issubdtype(y.dtype, np.integer):
        if y.size and (int(y.min()) < 0 or int(y.max()) >= n_outputs):
            lo, hi = int(y.min()), int(y.max())
            raise InputError(f"labels run from {lo} to {hi} but the model has {n_outputs} output(s), "
                             f"so labels must be in 0..{n_outputs - 1}")
        return
    if not (np.issubdtype(y.dtype, np.number) or y.dtype == bool):
        raise InputError(f"labels y must be numbers, got dtype {y.dtype}")
    per_example = int(np.prod(y.shape[1:])) if y.ndim > 1 else 1
    if per_example != int(np.prod(output_shape)):
        hint = (f"give integer class labels of shape (n,) or one-hot rows of shape (n, {n_outputs})"
                if y.ndim == 1 or per_example == 1 else f"give rows of {n_outputs} values")
        raise InputError(f"labels y of dtype {y.dtype} and shape {tuple(y.shape)} do not match the model's "
                         f"{n_outputs} outputs: {hint}")
