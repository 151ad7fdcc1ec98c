"""mnist_loader.py of chapter 1: MNIST in the book's formats.

``load_data()`` gives ``(training_data, validation_data, test_data)``, each a pair
``(images, labels)`` of NumPy arrays: images (n, 784) float32 with the book's pixel values
(uint8/256), labels int64. Sizes 50,000 / 10,000 / 10,000 — the book's split.

``load_data_wrapper()`` gives what network.py and network2.py consume: training data as a list
of (x, y) with x a (784, 1) float32 column and y a one-hot (10, 1) float64 column (the book's
types); validation and test data
as lists of (x, label) with an integer label.

The files are found as everywhere in nndl: an explicit path, then ``$NNDL_DATA_DIR``, then the
user cache (downloaded there on first use). Nielsen's own ``mnist.pkl.gz`` is read too if you
pass its path.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..data import load_mnist, load_mnist_pkl


def load_data(path=None):
    """(training_data, validation_data, test_data) as (X, y) array pairs, the book's values."""
    if path is not None and Path(path).is_file():
        mnist = load_mnist_pkl(path)
    else:
        mnist = load_mnist(path, scale="book")
    return tuple((split.X, split.y) for split in mnist)


def load_data_wrapper(path=None):
    """Lists of (x, y) column-vector pairs, as network.py and network2.py expect."""
    tr_d, va_d, te_d = load_data(path)
    eye = np.eye(10)  # float64 one-hot columns, as the book's vectorized_result makes
    training_data = list(zip(tr_d[0].reshape(-1, 784, 1), eye[tr_d[1]].reshape(-1, 10, 1)))
    validation_data = list(zip(va_d[0].reshape(-1, 784, 1), va_d[1]))
    test_data = list(zip(te_d[0].reshape(-1, 784, 1), te_d[1]))
    return training_data, validation_data, test_data


def vectorized_result(j):
    """A 10-dimensional unit column vector with 1.0 in position j."""
    e = np.zeros((10, 1))
    e[j] = 1.0
    return e
