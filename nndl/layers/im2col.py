"""im2col and col2im: turning convolution into one matrix product.

A convolution slides a kh×kw window over each input map. ``im2col`` lays every window out
as a row, so the whole layer becomes ``cols @ Wᵀ`` — a single BLAS call for the mini-batch.

* :func:`windows` — a zero-copy strided *view* (N, C, OH, OW, kh, kw) of all the windows;
* :func:`im2col` — the windows copied into a matrix (N·OH·OW, C·kh·kw), rows ordered
  (n, oh, ow) and columns (c, i, j), matching ``W.reshape(out_c, -1)``;
* :func:`col2im` — the adjoint: scatter-add the rows back onto the (N, C, H, W) image. It
  loops over the kh×kw kernel *offsets* (25 vectorised slice-adds for 5×5), never over
  examples or pixels: for each offset (i, j) every window's entry lands in one strided slice.

Everything works on any memory layout (NCHW-shaped views of NHWC memory included), so
layers can hand each other transposed views without copying.
"""
from __future__ import annotations

import numpy as np

from ..backend import get_array_module


def conv_output_size(size: int, k: int, stride: int, pad: int) -> int:
    out = (size + 2 * pad - k) // stride + 1
    if out <= 0:
        raise ValueError(f"a {k}-wide window with stride {stride} and padding {pad} does not fit "
                         f"an input of size {size}")
    return out


def is_channels_last(x) -> bool:
    """True when (N, C, H, W) ``x`` is physically channels-last (NHWC memory), C > 1."""
    return x.shape[1] > 1 and x.strides[1] < x.strides[3]


def pad_hw(x, pad: int):
    """Zero-pad the two spatial axes of (N, C, H, W) by ``pad`` on every side, keeping the
    memory layout (channels-last stays channels-last)."""
    if pad == 0:
        return x
    xp = get_array_module(x)
    n, c, h, w = x.shape
    if is_channels_last(x):
        out = xp.zeros((n, h + 2 * pad, w + 2 * pad, c), dtype=x.dtype).transpose(0, 3, 1, 2)
    else:
        out = xp.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=x.dtype)
    out[:, :, pad:pad + h, pad:pad + w] = x
    return out


def windows(x, kh: int, kw: int, stride: int = 1):
    """All kh×kw windows of x (N, C, H, W) as a read-only view (N, C, OH, OW, kh, kw)."""
    xp = get_array_module(x)
    n, c, h, w = x.shape
    oh = (h - kh) // stride + 1
    ow = (w - kw) // stride + 1
    sn, sc, sh, sw = x.strides
    if xp is np:
        return np.lib.stride_tricks.as_strided(
            x, (n, c, oh, ow, kh, kw), (sn, sc, sh * stride, sw * stride, sh, sw), writeable=False)
    return xp.lib.stride_tricks.as_strided(  # pragma: no cover - CuPy
        x, (n, c, oh, ow, kh, kw), (sn, sc, sh * stride, sw * stride, sh, sw))


def im2col(x, kh: int, kw: int, stride: int = 1, channels_last: bool = False):
    """(N, C, H, W) → columns (N·OH·OW, C·kh·kw); one copy of the strided window view.

    Columns are ordered (c, i, j) — matching ``W.reshape(K, -1)`` for W of shape
    (K, C, kh, kw) — or, with ``channels_last=True``, (i, j, c), matching
    ``W.transpose(0, 2, 3, 1).reshape(K, -1)``. For channels-last memory the second order
    copies runs of kw·C contiguous numbers instead of runs of kw, which is much faster.
    """
    v = windows(x, kh, kw, stride)
    n, c, oh, ow = v.shape[:4]
    xp = get_array_module(x)
    if channels_last:
        out = xp.empty((n, oh, ow, kh, kw, c), dtype=x.dtype)
        out[...] = v.transpose(0, 2, 3, 4, 5, 1)
    else:
        out = xp.empty((n, oh, ow, c, kh, kw), dtype=x.dtype)
        out[...] = v.transpose(0, 2, 3, 1, 4, 5)
    return out.reshape(n * oh * ow, c * kh * kw)


def col2im(cols, x_shape, kh: int, kw: int, stride: int = 1, channels_last: bool = False):
    """Adjoint of :func:`im2col`: sum each column entry back into its pixel.

    ``cols`` is (N·OH·OW, C·kh·kw) in the column order ``im2col`` used; returns the
    (N, C, H, W) gradient (physically channels-last: a transposed view). One vectorised
    slice-add per kernel offset (i, j).
    """
    xp = get_array_module(cols)
    n, c, h, w = x_shape
    oh = (h - kh) // stride + 1
    ow = (w - kw) // stride + 1
    if channels_last:
        d = cols.reshape(n, oh, ow, kh, kw, c)
    else:
        d = cols.reshape(n, oh, ow, c, kh, kw).transpose(0, 1, 2, 4, 5, 3)
    dx = xp.zeros((n, h, w, c), dtype=cols.dtype)  # NHWC: each slice-add is over contiguous c
    hs, ws = stride * (oh - 1) + 1, stride * (ow - 1) + 1
    for i in range(kh):
        for j in range(kw):
            dx[:, i:i + hs:stride, j:j + ws:stride, :] += d[:, :, :, i, j, :]
    return dx.transpose(0, 3, 1, 2)
