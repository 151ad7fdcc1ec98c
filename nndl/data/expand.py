"""The book's expanded training data (chapter 6, ``expand_mnist.py``): every training image
plus four copies shifted by one pixel — down, up, right, left — with the vacated row or
column set to zero. 50,000 images become 250,000, and the same conv net goes from 99.23% to
99.37%.

    >>> from nndl.data.expand import load_expanded_mnist
    >>> train, validation, test = load_expanded_mnist()        # doctest: +SKIP
    >>> train.X.shape                                          # doctest: +SKIP
    (250000, 784)

:func:`expand_mnist` does the shifting, vectorised over the whole set (five slice copies, no
loop over images). :func:`load_expanded_mnist` writes the result once to the nndl cache as an
.npz of uint8 pixels (written atomically, read back with ``allow_pickle=False``) and converts
to floats on every load, with the same ``scale``/``flatten`` options as :func:`load_mnist`.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import DataError
from ..atomic import atomic_write
from .npz import read_npz
from .location import cache_dir
from .mnist import MNIST, Split, load_mnist

SHIFTS = ("original", "down", "up", "right", "left")
CACHE_NAME = "mnist_expanded_x5.npz"
_VERSION = 1


def shift_images(images, direction: str):
    """Shift (n, 28, 28) images by one pixel; the row/column that comes in is zero."""
    out = np.zeros_like(images)
    if direction == "original":
        out[...] = images
    elif direction == "down":
        out[:, 1:, :] = images[:, :-1, :]
    elif direction == "up":
        out[:, :-1, :] = images[:, 1:, :]
    elif direction == "right":
        out[:, :, 1:] = images[:, :, :-1]
    elif direction == "left":
        out[:, :, :-1] = images[:, :, 1:]
    else:
        raise ValueError(f"unknown shift {direction!r}: choose one of {', '.join(SHIFTS)}")
    return out


def expand_mnist(train: Split, shuffle: bool = True, seed: int = 0) -> Split:
    """×5 training data: the images, then shifted down, up, right and left by one pixel.

    ``train.X`` may be (n, 784), (n, 28, 28) or (n, 1, 28, 28); the result has the same
    trailing shape and dtype. Like the book's script the expanded set is shuffled once
    (``shuffle=True``, seeded), since network3 does not reshuffle between epochs; with
    ``shuffle=False`` it is five blocks in the order of :data:`SHIFTS`."""
    X = np.asarray(train.X)
    y = np.asarray(train.y)
    n = X.shape[0]
    if X.size != n * 784:
        raise DataError(f"expand_mnist expects 28×28 images, got inputs of shape {X.shape}")
    imgs = X.reshape(n, 28, 28)
    Xe = np.empty((len(SHIFTS), n, 28, 28), dtype=X.dtype)
    for k, d in enumerate(SHIFTS):
        Xe[k] = shift_images(imgs, d)
    Xe = Xe.reshape(len(SHIFTS) * n, *X.shape[1:])
    ye = np.tile(y, len(SHIFTS))
    if shuffle:
        perm = np.random.default_rng(seed).permutation(ye.shape[0])
        Xe, ye = Xe[perm], ye[perm]
    return Split(Xe, ye)


def _atomic_savez(path: Path, **arrays) -> None:
    with atomic_write(path, "wb") as f:
        np.savez(f, **arrays)


def _valid_cache(z: dict, n: int) -> bool:
    """The cache holds this version's n uint8 images and n digit labels (else it is rebuilt)."""
    X, y, version = z.get("X"), z.get("y"), z.get("version")
    return (version is not None and version.tolist() == _VERSION and X is not None and X.shape == (n, 28, 28)
            and X.dtype == np.uint8 and y is not None and y.shape == (n,) and np.issubdtype(y.dtype, np.integer)
            and int(y.min()) >= 0 and int(y.max()) <= 9)


def load_expanded_mnist(path=None, *, scale: str = "unit", dtype=np.float32, flatten: bool = True,
                        cache: str | os.PathLike | None = None, download: bool = True) -> MNIST:
    """MNIST with the ×5 expanded training set (validation and test unchanged).

    ``path``/``download`` locate MNIST as for :func:`load_mnist`; ``cache`` is the folder for
    the expanded file (default: the nndl cache folder, ``~/.cache/nndl/mnist``). The first
    call builds and writes the file (~200 MB of uint8); later calls just read it."""
    raw = load_mnist(path, scale="raw", download=download)
    folder = Path(cache) if cache is not None else cache_dir()
    file = folder / CACHE_NAME
    Xe = ye = None
    if file.is_file():
        try:
            z = read_npz(file, "expanded-MNIST cache")
        except DataError:
            z = {}  # damaged or foreign file: rebuild it
        if _valid_cache(z, 5 * raw.train.n):
            Xe, ye = z["X"], z["y"]
    if Xe is None:
        imgs = raw.train.X.reshape(raw.train.n, 28, 28).astype(np.uint8, copy=False)
        Xe, ye = expand_mnist(Split(imgs, raw.train.y))
        _atomic_savez(file, X=Xe, y=ye, version=np.int64(_VERSION))

    def conv(X, y):
        if scale == "raw":
            Xf = X
        else:
            Xf = X.astype(dtype) / np.asarray(255 if scale == "unit" else 256, dtype=dtype)
        shape = (X.shape[0], 784) if flatten else (X.shape[0], 1, 28, 28)
        return Split(Xf.reshape(shape), np.asarray(y, dtype=np.int64))

    rest = load_mnist(path, scale=scale, dtype=dtype, flatten=flatten, download=download)
    return MNIST(train=conv(Xe, ye), validation=rest.validation, test=rest.test)


__all__ = ["expand_mnist", "load_expanded_mnist", "shift_images", "SHIFTS"]
