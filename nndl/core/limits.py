"""Sane upper bounds on sizes, checked before anything is allocated.

Sizes come from users (``--sizes``), from file headers (IDX, ``.npy``) and from metadata
(model files, images). A size is trusted only after it has been checked against what the
file actually holds and against these limits, so a typo or a hostile file gives one clear
line instead of an out-of-memory crash.
"""
from __future__ import annotations

import math

#: Trainable parameters in one model: 10⁸ float32 values are 400 MB, far beyond any network
#: of the book or the lectures (the largest, chapter 6's conv net, has ~10⁵).
MAX_PARAMETERS = 100_000_000
#: Values one example occupies at any layer's input or output (MNIST: 784; a 64-map conv
#: layer over 224×224 images: 3.2 M).
MAX_VALUES_PER_EXAMPLE = 10_000_000
#: Bytes of one array in a model file, checkpoint or data file, before it is read.
MAX_ARRAY_BYTES = 2**31
#: Pixels of an image given to ``predict``: a 50-megapixel photo is fine, a decompression
#: bomb declaring 100000×100000 pixels is not.
MAX_IMAGE_PIXELS = 50_000_000


def n_values(shape) -> int:
    """The number of values of an array of ``shape``, in exact integer arithmetic (no overflow)."""
    return math.prod(int(s) for s in shape)
