"""Turn a photo or drawing of a digit into an MNIST-style input.

MNIST's digits were size-normalised to fit a 20×20 box (keeping their aspect ratio, with
anti-aliasing, hence grey levels) and placed in a 28×28 frame so that their centre of mass
sits at the centre. :func:`mnist_like` does the same to any image:

1. read it as grayscale in [0, 1] (PNG, JPEG, TIFF... — anything Pillow reads): turned upright
   as its EXIF orientation says (phone photos are stored sideways), 16-bit and float images
   rescaled from their own range (not clipped to 8 bits), transparency flattened onto white;
2. find the ink: Otsu's threshold splits the whole image into a dark and a light class; the
   paper is the class holding the largest connected region, the ink is the other one (so a
   dark table edge along the border of a photo of a white page cannot flip the polarity, as a
   border-based guess did); invert if the ink is dark, to MNIST's light on dark;
3. drop ink regions that touch the image's edge (a table, a shadow, the page's edge) when
   there is ink away from the edge; subtract the paper's level and stretch the contrast so the
   strokes reach 1;
4. crop to the bounding box of the ink;
5. scale so the longer side is 20 pixels, keeping the aspect ratio (anti-aliased);
6. paste into a 28×28 black frame with the centre of mass at the centre (integer shift, as
   MNIST did; no blurring).

:func:`digit_warnings` says when the result looks unlike a digit (ink covering too little or
too much of the frame, or several separate large blobs — measured against MNIST's test set,
where 99.5% of digits cover 4–26% of the frame and none has three blobs).

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
            g = _gray(im)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as e:
        raise DataError(f"{name}: cannot read the image ({type(e).__name__}: {e})") from None
    if g.ndim != 2 or g.size == 0:
        raise DataError(f"{name}: empty image")
    return g


def _gray(im) -> np.ndarray:
    """A loaded Pillow image → grayscale float32 in [0, 1], upright, at full bit depth."""
    from PIL import Image, ImageOps

    im = ImageOps.exif_transpose(im)  # the camera's orientation tag: phone photos are stored sideways
    if im.mode in ("I", "F") or im.mode.startswith("I;"):
        # 16-bit or 32-bit integer, or float: rescale from the image's own range; convert("L")
        # would clip everything above 255 to white
        g = np.asarray(im, dtype=np.float64)
        if not np.isfinite(g).all():
            raise DataError("the image holds NaN or infinite pixel values")
        lo, hi = float(g.min()), float(g.max())
        if im.mode.startswith("I;16"):
            lo, hi = 0.0, 65535.0
        elif im.mode == "F" and lo >= 0.0 and hi <= 1.0:
            lo, hi = 0.0, 1.0
        return ((g - lo) / (hi - lo if hi > lo else 1.0)).astype(np.float32)
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        im = im.convert("RGBA")
        white = Image.new("RGBA", im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(white, im)
    return np.asarray(im.convert("L"), dtype=np.float32) / 255.0


def otsu_threshold(g: np.ndarray) -> float:
    """Otsu's threshold of values in [0, 1]: the level t that maximises the between-class
    variance w₀(t)·w₁(t)·(μ₀(t) − μ₁(t))² of the two classes it makes (256 bins)."""
    hist, edges = np.histogram(g, bins=256, range=(0.0, 1.0))
    p = hist / max(hist.sum(), 1)
    centres = (edges[:-1] + edges[1:]) / 2
    w0 = np.cumsum(p)
    m0 = np.cumsum(p * centres)
    w1 = 1.0 - w0
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (m0[-1] * w0 - m0) ** 2 / (w0 * w1)  # = w0·w1·(μ0 − μ1)²
    between[~np.isfinite(between)] = -1.0
    return float(edges[int(np.argmax(between)) + 1])


def _largest_region(mask: np.ndarray) -> int:
    from scipy import ndimage

    labels, n = ndimage.label(mask)
    return int(np.bincount(labels.ravel())[1:].max()) if n else 0


def find_ink(g: np.ndarray):
    """(image with light ink on dark paper, ink mask, notes): the polarity decided from the
    ink (Otsu classes; the paper is the class holding the largest connected region), edge
    regions dropped when there is ink away from the edges."""
    from scipy import ndimage

    if float(g.max() - g.min()) < 0.05:
        raise DataError("the image is blank: no digit found")
    light = g >= otsu_threshold(g)
    if _largest_region(light) > _largest_region(~light):  # light paper: the ink is dark → invert
        g, ink = 1.0 - g, ~light
    else:
        ink = light
    notes = []
    labels, n = ndimage.label(ink, structure=np.ones((3, 3)))
    edge = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    edge = edge[edge > 0]
    inner = ink & ~np.isin(labels, edge)
    if edge.size and inner.sum() >= 0.001 * ink.size:
        notes.append(f"ignored {edge.size} region{'s' if edge.size > 1 else ''} touching the image's edge "
                     f"(a table, a shadow, the page's edge?)")
        ink = inner
    return g, ink, notes


def mnist_like(gray: np.ndarray, frame: int = FRAME, box: int = BOX) -> np.ndarray:
    """A grayscale image (any size, either polarity) → (frame, frame) float32 in [0, 1],
    light digit on black, size-normalised to ``box`` and centred by centre of mass."""
    return _mnist_like(gray, frame, box)[0]


def _mnist_like(gray, frame: int = FRAME, box: int = BOX):
    """(:func:`mnist_like`'s result, notes on what was ignored)."""
    from PIL import Image
    from scipy import ndimage

    g = np.asarray(gray, dtype=np.float32)
    if g.ndim != 2 or min(g.shape) < 1:
        raise DataError(f"expected a 2-D grayscale image, got shape {g.shape}")
    if g.max() > 1.0:
        g = g / 255.0
    if not np.isfinite(g).all():
        raise DataError("the image holds NaN or infinite pixel values")
    g, ink, notes = find_ink(g)
    paper = float(np.median(g[~ink])) if (~ink).any() else 0.0
    near = ndimage.binary_dilation(ink, iterations=2)  # the strokes' anti-aliased rims
    g = np.where(near, np.clip(g - paper, 0.0, None), 0.0)
    peak = float(np.percentile(g[ink], 99)) if ink.any() else 0.0
    if peak <= 1e-3:
        raise DataError("the image is blank: no digit found")
    g = np.clip(g / peak, 0.0, 1.0)
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
    return np.clip(out, 0.0, 1.0), notes


#: MNIST's test set: 99.5% of digits have 4–26% of the 28×28 frame above 0.5 (min 2.8%, max 33%)
INK_FRACTION = (0.025, 0.40)


def digit_warnings(x: np.ndarray) -> list:
    """Why a prepared 28×28 input looks unlike an MNIST digit ([] when it looks like one)."""
    from scipy import ndimage

    x = np.asarray(x).reshape(FRAME, FRAME)
    out = []
    fraction = float((x > 0.5).mean())
    if not INK_FRACTION[0] <= fraction <= INK_FRACTION[1]:
        out.append(f"ink covers {fraction:.0%} of the frame (MNIST digits: {INK_FRACTION[0]:.0%}–"
                   f"{INK_FRACTION[1]:.0%})")
    labels, n = ndimage.label(x > 0.3, structure=np.ones((3, 3)))
    sizes = np.bincount(labels.ravel())[1:]
    blobs = int((sizes >= 0.15 * sizes.sum()).sum()) if n else 0
    if blobs >= 3:
        out.append(f"{blobs} separate large blobs (a digit is one stroke, sometimes two)")
    return out


def prepare_digit(path) -> tuple:
    """(784-vector, warnings): :func:`load_digit` and why the input may not be a digit."""
    x, notes = _mnist_like(read_grayscale(path))
    return x.reshape(-1), notes + digit_warnings(x)


def load_digit(path, flatten: bool = True) -> np.ndarray:
    """An image file → the MNIST-style input: (784,) if ``flatten`` else (28, 28)."""
    x = mnist_like(read_grayscale(path))
    return x.reshape(-1) if flatten else x


__all__ = ["read_grayscale", "decode_grayscale", "mnist_like", "load_digit", "prepare_digit", "digit_warnings",
           "find_ink", "otsu_threshold"]
