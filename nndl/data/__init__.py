"""Datasets for nndl: MNIST as the book splits it, the book's own pickle, small offline digits.

Typical use::

    from nndl.data import load_mnist, first_n
    train, validation, test = load_mnist()      # 50,000 / 10,000 / 10,000, X (n, 784) in [0, 1]
    small = first_n(train, 1000)                # the book's overfitting experiment (ch. 3)

The MNIST files are looked up in an explicit folder, then ``$NNDL_DATA_DIR``, then
``~/.cache/nndl/mnist`` (downloaded there if missing). Every data problem raises
:class:`nndl.errors.DataError` with a one-line message.
"""

from nndl.data.digits import load_digits8x8
from nndl.data.idx import read_idx, write_idx
from nndl.data.location import MNIST_FILES, download_mnist, find_mnist_dir
from nndl.data.mnist import MNIST, Split, load_mnist, load_mnist_pkl
from nndl.data.subsets import balanced, digits_only, first_n, one_hot

__all__ = [
    "load_mnist",
    "load_mnist_pkl",
    "load_digits8x8",
    "MNIST",
    "Split",
    "MNIST_FILES",
    "find_mnist_dir",
    "download_mnist",
    "read_idx",
    "write_idx",
    "first_n",
    "balanced",
    "digits_only",
    "one_hot",
]
