"""On-the-fly augmentation (chapter 6, problem 7): small random rotations, skews (shears) and
translations of each training image, drawn afresh for every mini-batch.

    >>> import nndl
    >>> from nndl.data.augment import RandomAffine
    >>> aug = RandomAffine(rotation=10, shear=0.15, shift=2, seed=0)
    >>> model.fit(X, y, epochs=30, batch_size=10, transform=aug)   # doctest: +SKIP

Each image gets its own 2×2 matrix A = rotation(θ) · shear(s) about the image centre and a
translation t; the output pixel at position p takes the (bilinearly interpolated) input value
at A⁻¹-style source position A(p − c) + c − t. All images of the batch are resampled in ONE
call of ``scipy.ndimage.map_coordinates`` on the (n, h, w) stack, with the image index as a
first, integer coordinate — no Python loop over images. Outside the image is 0 (background).

:func:`augmentation_grid` gives the tiles of a picture (drawn by
:func:`nndl.viz.plot_augmentation_grid`) of one image, its four 1-pixel shifts (the
expanded data set) and random transforms, to see what the network is trained on.
"""
from __future__ import annotations

import numpy as np
import scipy.ndimage

from ..backend import get_array_module, to_device, to_host


class RandomAffine:
    """A callable ``X_batch → X_batch`` applying a random affine map to every image.

    Parameters (all ranges are symmetric, uniform):
        rotation: max |θ| in degrees;  shear: max |s| (x' = x + s·y);
        shift: max |t| in pixels along each axis;  seed: for reproducible draws;
        order: interpolation order (1 = bilinear).
    Accepts (n, 784), (n, h, w) or (n, c, h, w) batches (square 28×28 assumed for 784) and
    returns the same shape and dtype.
    """

    def __init__(self, rotation: float = 10.0, shear: float = 0.15, shift: float = 2.0,
                 seed=None, order: int = 1):
        for name, v in (("rotation", rotation), ("shear", shear), ("shift", shift)):
            if not float(v) >= 0:
                raise ValueError(f"{name} range must be >= 0, got {v}")
        self.rotation, self.shear, self.shift = float(rotation), float(shear), float(shift)
        self.order = int(order)
        self.rng = np.random.default_rng(seed)

    def matrices(self, n: int):
        """(A, t): n random 2×2 matrices (rows act on (row, col) coordinates) and shifts."""
        theta = np.deg2rad(self.rng.uniform(-self.rotation, self.rotation, n))
        s = self.rng.uniform(-self.shear, self.shear, n)
        t = self.rng.uniform(-self.shift, self.shift, (n, 2))
        c, si = np.cos(theta), np.sin(theta)
        R = np.stack([np.stack([c, -si], -1), np.stack([si, c], -1)], -2)   # (n, 2, 2)
        S = np.zeros((n, 2, 2))
        S[:, 0, 0] = S[:, 1, 1] = 1.0
        S[:, 1, 0] = s                                                        # col += s·row
        return R @ S, t

    def apply(self, images, A, t):
        """Resample (n, h, w) images with per-image (A, t), one map_coordinates call."""
        n, h, w = images.shape
        centre = np.array([(h - 1) / 2.0, (w - 1) / 2.0])
        rr, cc = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64),
                             indexing="ij")
        grid = np.stack([rr, cc], -1).reshape(-1, 2) - centre                 # (h·w, 2)
        src = np.einsum("nij,pj->npi", A, grid) + centre - t[:, None, :]       # (n, h·w, 2)
        coords = np.empty((3, n, h * w))
        coords[0] = np.arange(n)[:, None]
        coords[1], coords[2] = src[..., 0], src[..., 1]
        out = scipy.ndimage.map_coordinates(images, coords, order=self.order, mode="constant",
                                            cval=0.0, prefilter=False)
        return out.reshape(n, h, w)

    def __call__(self, X):
        xp = get_array_module(X)
        Xh = np.asarray(to_host(X))
        shape = Xh.shape
        n = shape[0]
        if Xh.ndim == 2:
            side = int(round(np.sqrt(shape[1])))
            if side * side != shape[1]:
                raise ValueError(f"cannot treat rows of {shape[1]} values as square images")
            imgs = Xh.reshape(n, side, side)
            per = 1
        elif Xh.ndim == 3:
            imgs, per = Xh, 1
        elif Xh.ndim == 4:
            per = shape[1]
            imgs = Xh.reshape(n * per, shape[2], shape[3])
        else:
            raise ValueError(f"expected a batch of images, got shape {shape}")
        A, t = self.matrices(n)
        if per > 1:  # the same transform for every channel of an example
            A, t = np.repeat(A, per, axis=0), np.repeat(t, per, axis=0)
        out = self.apply(imgs, A, t).astype(Xh.dtype, copy=False).reshape(shape)
        return to_device(out, xp)

    def get_config(self):
        return {"rotation": self.rotation, "shear": self.shear, "shift": self.shift, "order": self.order}

    def __repr__(self):
        return f"RandomAffine(rotation={self.rotation}, shear={self.shear}, shift={self.shift})"


def _fixed(image, A, t, order=1):
    aug = RandomAffine(order=order)
    return aug.apply(image[None].astype(np.float64), np.asarray(A, float)[None], np.asarray(t, float)[None])[0]


def augmentation_grid(image, n: int = 16, seed: int = 0, rotation: float = 10.0, shear: float = 0.15,
                      shift: float = 2.0):
    """Tiles for a grid: the image, its 4 one-pixel shifts, ±rotation, ±shear, then n random
    transforms. Returns (list of (title, 28×28 array))."""
    from .expand import SHIFTS, shift_images

    img = np.asarray(image, dtype=np.float64).reshape(28, 28)
    tiles = [(d, shift_images(img[None], d)[0]) for d in SHIFTS]
    th = np.deg2rad(rotation)
    for sign in (1, -1):
        R = [[np.cos(sign * th), -np.sin(sign * th)], [np.sin(sign * th), np.cos(sign * th)]]
        tiles.append((f"rotate {sign * rotation:+g}°", _fixed(img, R, [0, 0])))
    for sign in (1, -1):
        tiles.append((f"skew {sign * shear:+g}", _fixed(img, [[1, 0], [sign * shear, 1]], [0, 0])))
    tiles.append((f"shift ({shift:g}, {-shift:g})", _fixed(img, np.eye(2), [shift, -shift])))
    aug = RandomAffine(rotation, shear, shift, seed=seed)
    rand = aug(img[None])
    for k in range(n):
        tiles.append((f"random {k + 1}", aug(img[None])[0] if k else rand[0]))
    return tiles


__all__ = ["RandomAffine", "augmentation_grid"]
