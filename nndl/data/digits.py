"""A tiny offline stand-in for MNIST: scikit-learn's 8x8 digits.

``sklearn.datasets.load_digits`` ships with scikit-learn (no download): 1,797
handwritten digits, 8x8 pixels with values 0..16. It trains in seconds, which
makes it handy for tests, demos and quick experiments when MNIST is not at hand.
"""

from __future__ import annotations

import numpy as np

from nndl.data.mnist import MNIST, Split
from nndl.errors import ConfigError

__all__ = ["load_digits8x8"]


def load_digits8x8(
    *,
    test_size: int = 300,
    validation_size: int = 300,
    seed: int = 0,
    dtype=np.float32,
    flatten: bool = True,
) -> MNIST:
    """Load the 8x8 digits as an :class:`MNIST`-shaped train/validation/test split.

    The split is stratified (every part has about the same share of each digit)
    and deterministic for a given ``seed``; by default 1197 / 300 / 300.

    Args:
        test_size, validation_size: number of examples in those parts.
        seed: seed of the shuffle that makes the split.
        dtype: floating dtype of ``X``; pixels are scaled to [0, 1] by /16.
        flatten: ``X`` of shape ``(n, 64)`` if True, else ``(n, 1, 8, 8)``.
    """
    for what, v in (("test_size", test_size), ("validation_size", validation_size)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v <= 0:
            raise ConfigError(f"{what} must be a positive integer, got {v!r}")
    # Imported lazily: scikit-learn takes about a second to import.
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    if not np.issubdtype(np.dtype(dtype), np.floating):
        raise ConfigError(f"dtype must be a floating type, got {np.dtype(dtype)}")
    images = (digits.images / 16.0).astype(dtype)  # k/16 is exact in any float type
    labels = digits.target.astype(np.int64)
    n = labels.shape[0]
    if test_size + validation_size >= n:
        raise ConfigError(f"test_size + validation_size must leave training examples (total {n})")

    idx = np.arange(n)
    rest, test_idx = train_test_split(idx, test_size=test_size, stratify=labels, random_state=seed)
    train_idx, val_idx = train_test_split(
        rest, test_size=validation_size, stratify=labels[rest], random_state=seed
    )

    def part(i: np.ndarray) -> Split:
        i = np.sort(i)  # keep the dataset's original order inside each part
        X = images[i]
        X = X.reshape(len(i), -1) if flatten else X.reshape(len(i), 1, 8, 8)
        return Split(np.ascontiguousarray(X), labels[i])

    return MNIST(part(train_idx), part(val_idx), part(test_idx))
