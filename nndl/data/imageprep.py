"""Turn a photo or drawing of a digit into an MNIST-style input.

MNIST's digits were size-normalised to fit a 20×20 box (keeping their aspect ratio, with
anti-aliasing, hence grey levels) and placed in a 28×28 frame so that their centre of mass
sits at the centre. :func:`mnist_like` does the same to any image:

1. read it as grayscale in [0, 1] (PNG, JPEG, ... — anything Pillow reads; transparency is
   flattened onto white);
2. make it light-on-dark like MNIST: if the border is mostly light, invert;
3. subtract the background level and stretch the contrast so the strokes reach 1;
4. crop to the bounding box of the ink;
5. scale so the longer side is 20 pixels, keeping the aspect ratio (anti-aliased);
6. paste into a 28×28 black frame with the centre of mass at the centre (integer shift, as
   MNIST did; no blurring).

    >>> from nndl.data.imageprep import load_digit
    >>> x = load_digit("my_seven.png")        # doctest: +SKIP
    >>> x.shape                                 # doctest: +SKIP
    (784,)
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from ..core.limits import MAX_IMAGE_PIXELS
from ..errors import DataError

FRAME, BOX = 28, 20
MAX_PIXELS = MAX_IMAGE_PIXELS  # refuse images larger than this before decoding them (decompression bombs)


def read_grayscale(path) -> np.ndarray:
    """An image file as a float array in [0, 1] (height, width); DataError if unreadable."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such image file")
    return decode_grayscale(path, str(path))


def decode_grayscale(source, name: str = "image", max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """An encoded image (a path, or a binary file object such as ``io.BytesIO(png_bytes)``)
    as a float array in [0, 1] (height, width); transparency is flattened onto white. Images
    of more than ``max_pixels`` are refused before they are decoded."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():  # Pillow's own bomb check, as an error instead of a warning
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(source)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise DataError(f"{name}: image too large to read safely ({e})") from None
    except (UnidentifiedImageError, OSError, ValueError) as e:
        raise DataError(f"{name}: cannot read the image ({type(e).__name__}: {e})") from None
    try:
        with im:
            if im.width * im.height > max_pixels:  # the header's size, checked before decoding
                raise DataError(f"{name}: image too large ({im.width}×{im.height} pixels, more than the limit "
                                f"of {max_pixels:,}); scale it down first")
            im.load()
            if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
                im = im.convert("RGBA")
                white = Image.new("RGBA", im.size, (255, 255, 255, 255))
                im = Image.alpha_composite(white, im)
            g = np.asarray(im.convert("L"), dtype=np.float32) / 255.0
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as e:
        raise DataError(f"{name}: cannot read the image ({type(e).__name__}: {e})") from None
    if g.ndim != 2 or g.size == 0:
        raise DataError(f"{name}: empty image")
    return g


def mnist_like(gray: np.ndarray, frame: int = FRAME, box: int = BOX) -> np.ndarray:
    """A grayscale image (any size, either polarity) → (frame, frame) float32 in [0, 1],
    light digit on black, size-normalised to ``box`` and centred by centre of mass."""
    from PIL import Image
    from scipy import ndimage

    g = np.asarray(gray, dtype=np.float32)
    if g.ndim != 2 or min(g.shape) < 1:
        raise DataError(f"expected a 2-D grayscale image, got shape {g.shape}")
    if g.max() > 1.0:
        g = g / 255.0
    border = np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]])
    if np.median(border) > 0.5:  # dark ink on light paper → invert to MNIST's light on dark
        g = 1.0 - g
        border = 1.0 - border
    g = np.clip(g - np.median(border), 0.0, None)
    peak = float(g.max())
    if peak <= 1e-3:
        raise DataError("the image is blank: no digit found")
    g /= peak
    g[g < 0.1] = 0.0  # paper texture, JPEG noise
    rows, cols = np.nonzero(g > 0.2)
    if rows.size == 0:
        raise DataError("the image is blank: no digit found")
    g = g[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    h, w = g.shape
    s = box / max(h, w)
    nh, nw = max(1, int(round(h * s))), max(1, int(round(w * s)))
    im = Image.fromarray((g * 255).astype(np.uint8), mode="L").resize((nw, nh), Image.Resampling.LANCZOS)
    digit = np.asarray(im, dtype=np.float32) / 255.0
    out = np.zeros((frame, frame), dtype=np.float32)
    cy, cx = ndimage.center_of_mass(digit)
    top = int(round(frame / 2 - cy))
    left = int(round(frame / 2 - cx))
    top = min(max(top, 0), frame - nh)
    left = min(max(left, 0), frame - nw)
    out[top:top + nh, left:left + nw] = digit
    return np.clip(out, 0.0, 1.0)


def load_digit(path, flatten: bool = True) -> np.ndarray:
    """An image file → the MNIST-style input: (784,) if ``flatten`` else (28, 28)."""
    x = mnist_like(read_grayscale(path))
    return x.reshape(-1) if flatten else x


__all__ = ["read_grayscale", "decode_grayscale", "mnist_like", "load_digit"]
