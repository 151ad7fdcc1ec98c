"""im2col and col2im: turning convolution into one matrix product.

A convolution slides a kh×kw window over each input map. ``im2col`` lays every window out
as a row, so the whole layer becomes ``cols @ Wᵀ`` — a single BLAS call for the mini-batch.

* :func:`im2col` — the windows laid out as a matrix (kh·kw·C, OH·OW·N): for each kernel
  offset (i, j), the slice ``x[c, i::s, j::s, :]`` of every channel and example is one
  contiguous block of rows (25 slice copies for 5×5, never a loop over examples or pixels);
* :func:`col2im` — the adjoint: add each offset's block back onto its strided slice.

Memory layout: these work on (C, H, W, N) arrays — channels first, the batch innermost — so
every slice copy/add moves runs of OW·N contiguous numbers (a layout known from cuda-convnet).
The conv layer computes zᵀ = W·cols as (K, OH·OW·N), which *is* that layout, and returns it
as an (N, K, OH, OW) view: the public API sees NCHW arrays, element-wise operations and the
pooling layers keep the memory layout, and the next conv layer reads it without a copy.
"""
from __future__ import annotations


from ..backend import get_array_module


def conv_output_size(size: int, k: int, stride: int, pad: int) -> int:
    out = (size + 2 * pad - k) // stride + 1
    if out <= 0:
        raise ValueError(f"a {k}-wide window with stride {stride} and padding {pad} does not fit "
                         f"an input of size {size}")
    return out


def as_chwn(x, pad: int = 0):
    """(N, C, H, W) → a C-contiguous (C, H + 2·pad, W + 2·pad, N) array: channels first,
    the batch innermost. Free (a view) when x already has that memory layout, which is what
    conv and pooling layers hand each other; otherwise one transposing copy."""
    xp = get_array_module(x)
    v = x.transpose(1, 2, 3, 0)
    if pad == 0:
        return v if v.flags.c_contiguous else xp.ascontiguousarray(v)
    c, h, w, n = v.shape
    out = xp.zeros((c, h + 2 * pad, w + 2 * pad, n), dtype=x.dtype)
    out[:, pad:pad + h, pad:pad + w, :] = v
    return out


def from_chwn(xc):
    """The (N, C, H, W) view of a (C, H, W, N) array (no copy)."""
    return xc.transpose(3, 0, 1, 2)


def _tap(xc, i, j, oh, ow, stride):
    """Entry (i, j) of every window: a strided slice of the (C, H, W, N) array. With stride 1
    it is C·OH runs of OW·N contiguous numbers."""
    return xc[:, i:i + stride * (oh - 1) + 1:stride, j:j + stride * (ow - 1) + 1:stride, :]


def im2col(xc, kh: int, kw: int, stride: int = 1):
    """(C, H, W, N) input (see :func:`as_chwn`) → columns (kh·kw·C, OH·OW·N), "tap-major".

    Row (i, j, c) holds input channel c at kernel offset (i, j) for every output position
    (p, q, n), so the forward pass is one product W_mat · cols with
    ``W_mat = W.transpose(0, 2, 3, 1).reshape(K, -1)`` for W of shape (K, C, kh, kw). Built
    with kh·kw slice copies, one per kernel offset, each of long contiguous runs.
    """
    xp = get_array_module(xc)
    c, h, w, n = xc.shape
    oh = (h - kh) // stride + 1
    ow = (w - kw) // stride + 1
    cols = xp.empty((kh, kw, c, oh, ow, n), dtype=xc.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[i, j] = _tap(xc, i, j, oh, ow, stride)
    return cols.reshape(kh * kw * c, oh * ow * n)


def col2im(cols, chwn_shape, kh: int, kw: int, stride: int = 1):
    """Adjoint of :func:`im2col`: add every column entry back onto its pixel.

    ``cols`` is (kh·kw·C, OH·OW·N); returns the (C, H, W, N) gradient. One vectorised
    slice-add per kernel offset (i, j) — a loop over the kh·kw taps, never over examples or
    pixels.
    """
    xp = get_array_module(cols)
    dx = xp.zeros(chwn_shape, dtype=cols.dtype)
    rows = cols.shape[0] // kh
    for i in range(kh):
        add_kernel_row(dx, cols[i * rows:(i + 1) * rows], i, kh, kw, stride)
    return dx


def add_kernel_row(dx, block, i: int, kh: int, kw: int, stride: int = 1):
    """dx += kernel row i's share of :func:`col2im`: ``block`` is the rows (i, j, c), j < kw,
    of the columns, (kw·C, OH·OW·N). A conv layer's BP2 hands over one kernel row's product
    at a time, while it is still in cache, instead of all kh·kw·C rows at once (8 MB for
    the chapter 6 net's second layer at batch 64; ~10% of BP2's time)."""
    c, h, w, n = dx.shape
    oh = (h - kh) // stride + 1
    ow = (w - kw) // stride + 1
    d = block.reshape(kw, c, oh, ow, n)
    for j in range(kw):
        _tap(dx, i, j, oh, ow, stride)[...] += d[j]
