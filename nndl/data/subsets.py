"""Smaller or reshaped views of a :class:`~nndl.data.mnist.Split`.

The book often experiments on a slice of MNIST (e.g. 1,000 training images in
chapter 3 to show overfitting) or on a two-class problem. These helpers keep
examples in their original order, so results are reproducible and comparable.

Bad arguments raise :class:`~nndl.errors.ConfigError`, which is both a
``ValueError`` and an :class:`~nndl.errors.NNDLError`.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

from nndl.data.mnist import Split
from nndl.errors import ConfigError

__all__ = ["first_n", "balanced", "digits_only", "one_hot"]


def _as_split(split) -> Split:
    if isinstance(split, Split):
        return split
    try:
        X, y = split
    except (TypeError, ValueError):
        raise ConfigError(f"expected a Split (X, y), got {type(split).__name__}") from None
    return Split(np.asarray(X), np.asarray(y))


def _check_count(n, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0:
        raise ConfigError(f"{what} must be a positive integer, got {n!r}")
    return int(n)


def first_n(split, n: int) -> Split:
    """The first ``n`` examples of ``split`` (as the book does with ``training_data[:1000]``)."""
    split = _as_split(split)
    n = _check_count(n, "n")
    if n > split.n:
        raise ConfigError(f"n={n} is more than the {split.n} examples available")
    return Split(split.X[:n], split.y[:n])


def balanced(split, n_per_class: int, rng=None) -> Split:
    """``n_per_class`` examples of every label present in ``split``, in original order.

    Args:
        n_per_class: how many examples of each class to keep.
        rng: ``None`` takes the *first* ``n_per_class`` of each class
            (deterministic, no randomness); an int seed or a
            ``numpy.random.Generator`` picks them at random (same seed, same
            subset). Either way the chosen examples keep their original order.

    Raises:
        ConfigError: ``n_per_class`` is not positive, or some class has fewer examples.
    """
    split = _as_split(split)
    k = _check_count(n_per_class, "n_per_class")
    y = np.asarray(split.y)
    if y.ndim != 1:
        raise ConfigError("balanced() needs integer labels y of shape (n,), not one-hot")
    gen = None if rng is None else np.random.default_rng(rng)
    chosen = []
    for label in np.unique(y):
        idx = np.flatnonzero(y == label)
        if idx.size < k:
            raise ConfigError(f"class {label} has only {idx.size} examples, fewer than n_per_class={k}")
        chosen.append(idx[:k] if gen is None else gen.choice(idx, size=k, replace=False))
    keep = np.sort(np.concatenate(chosen))
    return Split(split.X[keep], split.y[keep])


def digits_only(split, digits: Iterable[int], *, relabel: bool = False) -> Split:
    """Only the examples whose label is in ``digits``, in original order.

    ``digits_only(train, [0, 1])`` gives the book's zeros-and-ones problem.
    With ``relabel=True`` labels become positions in ``digits``
    (``digits_only(s, [3, 8], relabel=True)`` labels 3 as 0 and 8 as 1), which
    is what a 2-output network needs.
    """
    split = _as_split(split)
    digits = list(digits) if not isinstance(digits, (int, np.integer)) else [digits]
    if not digits:
        raise ConfigError("digits must name at least one digit")
    for d in digits:
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or not 0 <= d <= 9:
            raise ConfigError(f"digits must be integers 0-9, got {d!r}")
    if len(set(digits)) != len(digits):
        raise ConfigError(f"digits has repeats: {digits}")
    mask = np.isin(split.y, digits)
    y = split.y[mask]
    if relabel:
        lookup = np.full(10, -1, dtype=np.int64)
        lookup[digits] = np.arange(len(digits))
        y = lookup[y]
    return Split(split.X[mask], y)


def one_hot(y, k: int = 10, dtype=np.float32):
    """One-hot encode integer labels: ``(n,)`` -> ``(n, k)`` with a single 1 per row.

    The book's networks compare their output with such vectors. If given a
    :class:`Split`, returns a Split with ``y`` encoded and ``X`` unchanged.
    """
    if isinstance(y, Split):
        return Split(y.X, one_hot(y.y, k, dtype))
    k = _check_count(k, "k")
    y = np.asarray(y)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise ConfigError(f"one_hot needs integer labels of shape (n,), got {y.dtype} {y.shape}")
    if y.size and (y.min() < 0 or y.max() >= k):
        raise ConfigError(f"labels must lie in 0..{k - 1}, found {int(y.min())}..{int(y.max())}")
    out = np.zeros((y.shape[0], k), dtype=dtype)
    out[np.arange(y.shape[0]), y] = 1
    return out
