"""Loading MNIST the way the book uses it.

The book (Nielsen, ch. 1) splits MNIST's 60,000 training images into 50,000 for
training and 10,000 for *validation* (for choosing hyper-parameters), and keeps
the official 10,000 test images for the final score:

    >>> data = load_mnist()                    # doctest: +SKIP
    >>> train, validation, test = data         # each a Split(X, y)
    >>> train.X.shape, train.y.shape           # doctest: +SKIP
    ((50000, 784), (50000,))

``scale="book"`` reproduces the book's ``mnist.pkl.gz`` exactly (pixels are
``uint8 / 256``); the default ``scale="unit"`` uses ``uint8 / 255`` so white is 1.0.

:func:`load_mnist_pkl` reads the book's own ``mnist.pkl.gz``. Pickle can run
arbitrary code while loading, so it uses an unpickler that can only rebuild
NumPy arrays and refuses everything else. (That safe unpickler and its bounds are why this
file is a little over 300 lines: they stay beside the one function that needs them.)
"""

from __future__ import annotations

import functools
import gzip
import io
import os
import pickle
import zlib
from pathlib import Path
from typing import NamedTuple

import numpy as np

from nndl.data.idx import read_idx
from nndl.data.location import MNIST_FILES, find_mnist_dir, mnist_file_path
from nndl.errors import ConfigError, DataError

__all__ = ["Split", "MNIST", "load_mnist", "load_mnist_pkl", "BOOK_TRAIN_SIZE"]

#: The book trains on the first 50,000 training images; the remaining 10,000 are validation.
BOOK_TRAIN_SIZE = 50_000
_IMAGE_SHAPE = (28, 28)
_SCALES = ("unit", "book", "raw")


class Split(NamedTuple):
    """One part of a dataset: inputs ``X`` (one example per row) and integer labels ``y``."""

    X: np.ndarray
    y: np.ndarray

    @property
    def n(self) -> int:
        """Number of examples."""
        return int(self.y.shape[0])


class MNIST(NamedTuple):
    """A dataset in the book's three parts. Unpacks like the book's ``load_data()``."""

    train: Split
    validation: Split
    test: Split


# --------------------------------------------------------------------------- IDX files


def _file_key(directory: Path) -> tuple:
    """Identify the four files by path, size and mtime, so the cache notices replaced files."""
    key = []
    for name in MNIST_FILES:
        p = mnist_file_path(directory, name)
        st = p.stat()
        key.append((str(p.resolve()), st.st_size, st.st_mtime_ns))
    return tuple(key)


@functools.lru_cache(maxsize=4)
def _load_raw(key: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Decode the four IDX files once per process (≈0.3 s); returns read-only uint8 arrays.

    The arrays are frozen (``writeable=False``) because they are shared by every
    later call; callers get converted copies.
    """
    paths = {name: Path(entry[0]) for name, entry in zip(MNIST_FILES, key)}
    tr_x = read_idx(paths["train-images-idx3-ubyte.gz"])
    tr_y = read_idx(paths["train-labels-idx1-ubyte.gz"])
    te_x = read_idx(paths["t10k-images-idx3-ubyte.gz"])
    te_y = read_idx(paths["t10k-labels-idx1-ubyte.gz"])
    _check_images(paths["train-images-idx3-ubyte.gz"], tr_x, 60_000)
    _check_labels(paths["train-labels-idx1-ubyte.gz"], tr_y, 60_000)
    _check_images(paths["t10k-images-idx3-ubyte.gz"], te_x, 10_000)
    _check_labels(paths["t10k-labels-idx1-ubyte.gz"], te_y, 10_000)
    for a in (tr_x, tr_y, te_x, te_y):
        a.flags.writeable = False
    return tr_x, tr_y, te_x, te_y


def _check_images(path: Path, x: np.ndarray, n: int) -> None:
    if x.dtype != np.uint8 or x.shape != (n, *_IMAGE_SHAPE):
        raise DataError(f"{path.name}: expected {n} uint8 images of 28x28, found {x.dtype} array of shape {x.shape}")


def _check_labels(path: Path, y: np.ndarray, n: int) -> None:
    if y.dtype != np.uint8 or y.shape != (n,):
        raise DataError(f"{path.name}: expected {n} uint8 labels, found {y.dtype} array of shape {y.shape}")
    if y.size and y.max() > 9:
        raise DataError(f"{path.name}: labels must be digits 0-9, found {int(y.max())}")


def _convert(images: np.ndarray, labels: np.ndarray, scale: str, dtype, flatten: bool) -> Split:
    if scale == "raw":
        X = images.copy()
    else:
        # Dividing in the target dtype keeps "book" exact: k/256 is representable in float32.
        X = images.astype(dtype)
        X /= np.asarray(255 if scale == "unit" else 256, dtype=dtype)
    n = X.shape[0]
    X = X.reshape(n, -1) if flatten else X.reshape(n, 1, *images.shape[1:])
    return Split(X, labels.astype(np.int64))


def load_mnist(
    path: str | os.PathLike | None = None,
    *,
    download: bool = True,
    scale: str = "unit",
    dtype=np.float32,
    flatten: bool = True,
) -> MNIST:
    """Load MNIST split as in the book: 50,000 train / 10,000 validation / 10,000 test.

    Args:
        path: folder with the four IDX ``.gz`` files. Default: ``$NNDL_DATA_DIR``,
            then the user cache (see :func:`~nndl.data.location.find_mnist_dir`).
        download: allow fetching the files into the user cache if not found.
        scale: ``"unit"`` — pixels / 255, in [0, 1];
            ``"book"`` — pixels / 256, exactly the values of the book's ``mnist.pkl.gz``;
            ``"raw"`` — the original uint8 values (``dtype`` is ignored).
        dtype: floating dtype of ``X`` (float32 by default, like the book).
        flatten: ``X`` of shape ``(n, 784)`` if True (fully connected nets), else
            ``(n, 1, 28, 28)`` with a channel axis (convolutional nets).

    Returns:
        :class:`MNIST` of three :class:`Split` ``(X, y)``, ``y`` int64 digit labels.
        The arrays are fresh copies; modifying them does not affect later loads.

    Raises:
        DataError: files missing or damaged.
        ConfigError: unknown ``scale`` or non-floating ``dtype``.
    """
    if scale not in _SCALES:
        raise ConfigError(f"scale must be one of {', '.join(_SCALES)}; got {scale!r}")
    if scale != "raw" and not np.issubdtype(np.dtype(dtype), np.floating):
        raise ConfigError(f"dtype must be a floating type for scale={scale!r}; got {np.dtype(dtype)}")

    directory = find_mnist_dir(path, download=download)
    tr_x, tr_y, te_x, te_y = _load_raw(_file_key(directory))

    b = BOOK_TRAIN_SIZE
    return MNIST(
        train=_convert(tr_x[:b], tr_y[:b], scale, dtype, flatten),
        validation=_convert(tr_x[b:], tr_y[b:], scale, dtype, flatten),
        test=_convert(te_x, te_y, scale, dtype, flatten),
    )


# --------------------------------------------------------------------------- the book's pickle


def _reconstruct_fn():
    try:  # NumPy >= 2 moved the internals to numpy._core
        from numpy._core.multiarray import _reconstruct
    except ImportError:  # pragma: no cover - NumPy 1.x
        from numpy.core.multiarray import _reconstruct
    return _reconstruct


def _frombuffer_fn():
    try:
        from numpy._core.numeric import _frombuffer
    except ImportError:  # pragma: no cover - NumPy 1.x
        from numpy.core.numeric import _frombuffer
    return _frombuffer


def _numeric_scalar(dtype, data=None):
    """Stand-in for NumPy's ``multiarray.scalar``, which pickles NumPy scalars (the book's
    ``expand_mnist.py`` stores each label as one). Only numeric dtypes built from raw bytes
    are allowed: an object dtype would let the pickle pass arbitrary objects through."""
    if not (isinstance(dtype, np.dtype) and dtype.kind in "biuf" and isinstance(data, bytes)
            and len(data) == dtype.itemsize):
        raise pickle.UnpicklingError("only numeric NumPy scalars are allowed")
    return np.frombuffer(data, dtype=dtype)[0]


def _latin1_encode(text, encoding="latin1"):
    """Stand-in for ``_codecs.encode``, which Python 3 pickles (protocol < 3) use for raw bytes.

    Only the latin-1 round trip pickle itself relies on is allowed.
    """
    if encoding != "latin1" or not isinstance(text, str):
        raise pickle.UnpicklingError("only _codecs.encode(str, 'latin1') is allowed")
    return text.encode("latin1")


class _ArrayOnlyUnpickler(pickle.Unpickler):
    """An unpickler that can rebuild NumPy arrays and nothing else.

    A pickle is a small program: its GLOBAL opcodes import any callable (say
    ``os.system``) and REDUCE calls it. Every import goes through
    :meth:`find_class`, so allowing only array constructors there makes loading
    a hostile file fail instead of running its code.
    """

    _ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"): _reconstruct_fn,
        ("numpy._core.multiarray", "_reconstruct"): _reconstruct_fn,
        # Protocol-5 pickles written by modern NumPy use _frombuffer instead.
        ("numpy.core.numeric", "_frombuffer"): _frombuffer_fn,
        ("numpy._core.numeric", "_frombuffer"): _frombuffer_fn,
        ("numpy", "ndarray"): lambda: np.ndarray,
        ("numpy", "dtype"): lambda: np.dtype,
        # NumPy scalars (the labels of the book's expand_mnist.py output), numeric only.
        ("numpy.core.multiarray", "scalar"): lambda: _numeric_scalar,
        ("numpy._core.multiarray", "scalar"): lambda: _numeric_scalar,
        ("_codecs", "encode"): lambda: _latin1_encode,
    }

    def find_class(self, module, name):
        factory = self._ALLOWED.get((module, name))
        if factory is None:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}: only NumPy arrays are allowed")
        return factory()

    def persistent_load(self, pid):
        raise pickle.UnpicklingError("persistent references are not allowed")


def _stacked(part):
    """The book's ``expand_mnist.py`` stores its training part as two lists (one 784-pixel
    array and one NumPy integer per image) rather than two arrays: stack them."""
    if isinstance(part, list) and part and all(isinstance(v, (np.ndarray, np.generic)) for v in part):
        try:
            return np.stack([np.asarray(v) for v in part])
        except ValueError:
            return part
    return part


#: Real MNIST pickles inflate about 12× (the book's mnist.pkl.gz: 17 MB → 220 MB; the ×5 file of
#: expand_mnist.py alike); a gzip bomb inflates ~1000×. So the bound is a ratio, not a size, with a
#: floor for tiny files and a ceiling well above the expanded data's ~0.9 GB.
_MAX_INFLATION = 64
_PICKLE_BYTES_FLOOR = 64 * 2**20
_PICKLE_BYTES_CEILING = 2 * 2**30


def _gunzip_bounded(raw: bytes, name: str) -> bytes:
    """Decompress in chunks, stopping (DataError) once past ``_MAX_INFLATION`` × the file's size."""
    limit = min(max(_MAX_INFLATION * len(raw), _PICKLE_BYTES_FLOOR), _PICKLE_BYTES_CEILING)
    parts, total = [], 0
    with gzip.GzipFile(fileobj=io.BytesIO(raw)) as g:
        while chunk := g.read(1 << 20):
            total += len(chunk)
            if total > limit:
                raise DataError(f"{name}: inflates to more than {limit // 2**20} MB from "
                                f"{len(raw) / 2**20:.1f} MB; not an MNIST pickle (a gzip bomb?)")
            parts.append(chunk)
    return b"".join(parts)


def load_mnist_pkl(path: str | os.PathLike, *, flatten: bool = True) -> MNIST:
    """Read the book's ``mnist.pkl.gz`` (three ``(X, y)`` pairs) safely.

    The file was written by Python 2, so strings are decoded as latin-1. Only
    NumPy arrays may be reconstructed; a file that tries anything else is
    rejected without running it. Values are returned as stored (float32
    ``uint8 / 256`` pixels, int64 labels).

    Args:
        path: the ``mnist.pkl.gz`` file (gzip-compressed or plain pickle).
        flatten: ``X`` as ``(n, 784)`` if True, else ``(n, 1, 28, 28)``.

    Raises:
        DataError: the file is missing, damaged, not of the expected structure,
            or contains anything other than arrays.
    """
    path = Path(path)
    name = path.name
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = _gunzip_bounded(raw, name)
        obj = _ArrayOnlyUnpickler(io.BytesIO(raw), encoding="latin1").load()
    except DataError:
        raise
    except FileNotFoundError:
        raise DataError(f"{name}: file not found at {path}") from None
    except pickle.UnpicklingError as e:
        raise DataError(f"{name}: not a safe MNIST pickle ({e})") from None
    except EOFError:
        raise DataError(f"{name}: truncated (incomplete download?)") from None
    except (OSError, zlib.error) as e:
        raise DataError(f"{name}: cannot be read ({e})") from None
    except Exception as e:  # malformed pickle streams raise all sorts of things
        raise DataError(f"{name}: not a valid MNIST pickle ({type(e).__name__}: {e})") from None

    if not (isinstance(obj, (tuple, list)) and len(obj) == 3):
        raise DataError(f"{name}: expected a tuple of 3 (X, y) pairs, found {type(obj).__name__}")
    splits = []
    for part, pair in zip(("training", "validation", "test"), obj):
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise DataError(f"{name}: {part} part is not an (X, y) pair")
        X, y = (_stacked(part) for part in pair)
        if not (isinstance(X, np.ndarray) and isinstance(y, np.ndarray)):
            raise DataError(f"{name}: {part} part does not hold NumPy arrays")
        if X.ndim != 2 or X.shape[1] != 784 or y.ndim != 1 or y.shape[0] != X.shape[0]:
            raise DataError(f"{name}: {part} part has X {X.shape}, y {y.shape}; expected (n, 784) and (n,)")
        if not np.issubdtype(X.dtype, np.number):
            raise DataError(f"{name}: {part} images have dtype {X.dtype}, expected numbers")
        if not np.issubdtype(y.dtype, np.integer):
            raise DataError(f"{name}: {part} labels have dtype {y.dtype}, expected integers")
        X = np.array(X)  # own, writable copy (unpickled arrays may share the input buffer)
        if not flatten:
            X = X.reshape(X.shape[0], 1, *_IMAGE_SHAPE)
        splits.append(Split(X, y.astype(np.int64)))
    return MNIST(*splits)
