"""Pooling layers of chapter 6: max, L2 and average pooling over ph×pw windows of each map.

For a window R of one feature map, with upstream gradient g = ∂C/∂(pooled output):

* max pooling:      out = max_R x;            ∂C/∂x = g at the window's (first) maximum, else 0
* L2 pooling:       out = √(Σ_R x²);          ∂C/∂x = g · x / out
* average pooling:  out = (1/|R|) Σ_R x;      ∂C/∂x = g / |R|

Pooling has no parameters, so backward is BP2 alone. One implementation serves every pool
size and stride: the (i, j) entry of every window is the strided slice
``x[:, :, i::sh, j::sw]``, so forward combines the ph·pw offset slices element-wise
(sum of squares, sum) and backward writes (or, for overlapping windows, adds) each
offset's share of the gradient into the same slice. That is a loop over the 4 offsets of a
2×2 pool, never over examples or pixels, and it keeps the input's memory layout (the
channels-last maps the conv layer makes stay channels-last, with no transposing copies).
Ragged borders are dropped, as Theano's ``ignore_border=True`` (the book's setting) does.

Max pooling is separable — the maximum over a window is the maximum over its columns of the
maximum over its rows — and :class:`MaxPool2D` computes it so: first over the ph row offsets
(slices ``x[:, :, i::sh, :]``, long contiguous runs in the conv layers' memory layout), then
over the pw column offsets of that half-reduced array. Each stage records which offset won
(``argmax``, the first one on ties), so backward routes each window's gradient to exactly one
position: the window's first maximum. Ties are common on real digits (blank regions give
whole windows of equal activations); sending the gradient to every tied position — what nndl
did before, as older Theano versions' MaxPoolGrad did — multiplies it by the number of ties.
"""
from __future__ import annotations

from ..backend import get_array_module
from .base import Layer, register_layer
from .conv import _pair


class _Pool2D(Layer):
    kind = "pool"

    def __init__(self, pool_size=2, stride=None):
        super().__init__()
        self.ph, self.pw = _pair(pool_size, "pool_size")
        if self.ph <= 0 or self.pw <= 0:
            raise ValueError(f"pool size must be positive, got {pool_size!r}")
        if stride is None:
            self.sh, self.sw = self.ph, self.pw
            self._stride_given = None
        else:
            self.sh, self.sw = _pair(stride, "stride")
            if self.sh <= 0 or self.sw <= 0:
                raise ValueError(f"stride must be positive, got {stride!r}")
            self._stride_given = [self.sh, self.sw]

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(f"{type(self).__name__} expects inputs (channels, height, width), "
                             f"got shape {input_shape}")
        c, h, w = input_shape
        if h < self.ph or w < self.pw:
            raise ValueError(f"a {self.ph}×{self.pw} pool does not fit a {h}×{w} map")
        oh = (h - self.ph) // self.sh + 1
        ow = (w - self.pw) // self.sw + 1
        return (c, oh, ow)

    def _slices(self, x, oh, ow):
        hs, ws = self.sh * (oh - 1) + 1, self.sw * (ow - 1) + 1
        return [(i, j, x[:, :, i:i + hs:self.sh, j:j + ws:self.sw])
                for i in range(self.ph) for j in range(self.pw)]

    def forward(self, x, training=False):
        n, c, h, w = x.shape
        oh, ow = (h - self.ph) // self.sh + 1, (w - self.pw) // self.sw + 1
        if oh <= 0 or ow <= 0:
            raise ValueError(f"a {self.ph}×{self.pw} pool does not fit a {h}×{w} map")
        self.x = x
        self.slices = self._slices(x, oh, ow)
        self.out = self._pool([v for _, _, v in self.slices])
        return self.out

    def backward(self, grad):
        xp = get_array_module(grad)
        x = self.x
        n, c, h, w = x.shape
        oh, ow = grad.shape[2], grad.shape[3]
        overlap = self.sh < self.ph or self.sw < self.pw
        tiled = not overlap and self.sh == self.ph and self.sw == self.pw \
            and h == oh * self.ph and w == ow * self.pw
        # Same memory layout as x; every pixel is written when the windows tile the map.
        dx = xp.empty_like(x) if tiled else xp.zeros_like(x)
        dslices = self._slices(dx, oh, ow)
        if grad.strides != self.out.strides:
            # e.g. the (N, C·H·W) gradient Flatten reshapes back: copy it once into the memory
            # layout of the maps, so the per-offset operations below run over contiguous runs
            # (mixing layouts there costs far more than this copy).
            g = xp.empty_like(self.out)
            g[...] = grad
            grad = g
        shared = self._shared(grad)
        for (_, _, xs), (_, _, ds) in zip(self.slices, dslices):
            if overlap:
                ds += self._grad_slice(xs, shared)
            else:
                self._grad_slice(xs, shared, out=ds)
        return dx

    def get_config(self):
        return {"type": type(self).__name__, "pool_size": [self.ph, self.pw], "stride": self._stride_given}


def _fold(ufunc, vs):
    """ufunc(...ufunc(vs[0], vs[1])..., vs[-1]) into one new array: a window's max or sum,
    taken over its ph·pw shifted views."""
    out = vs[0].copy()
    for v in vs[1:]:
        ufunc(out, v, out=out)
    return out


@register_layer
class MaxPool2D(_Pool2D):
    """Max pooling: each ph×pw window is summarised by its largest activation.

        out[p, q] = max_{i<ph} max_{j<pw} x[sh·p + i, sw·q + j]        (rows, then columns)
        ∂C/∂x[sh·p + i*, sw·q + j*] += g[p, q]   at the window's (first) maximum (i*, j*)

    Speed: the row stage reads whole rows (runs of W·N contiguous numbers in the conv
    layers' (C, H, W, N) memory), so the strided column stage — the slow one — runs on half
    the data; the argmax bytes saved in training make backward two masked copies instead of
    ph·pw comparisons of the input against the output.
    """

    def forward(self, x, training=False):
        n, c, h, w = x.shape
        oh, ow = (h - self.ph) // self.sh + 1, (w - self.pw) // self.sw + 1
        if oh <= 0 or ow <= 0:
            raise ValueError(f"a {self.ph}×{self.pw} pool does not fit a {h}×{w} map")
        hs, ws = self.sh * (oh - 1) + 1, self.sw * (ow - 1) + 1
        rows, row_arg = _max_arg([x[:, :, i:i + hs:self.sh, :] for i in range(self.ph)], training)
        out, col_arg = _max_arg([rows[:, :, :, j:j + ws:self.sw] for j in range(self.pw)], training)
        self.x_shape, self.x = x.shape, x
        self.row_arg, self.col_arg = row_arg, col_arg   # None unless training
        self.out = out
        return out

    def backward(self, grad):
        if self.row_arg is None:
            raise RuntimeError("MaxPool2D.backward needs a forward pass with training=True first")
        xp = get_array_module(grad)
        oh, ow = grad.shape[2], grad.shape[3]
        hs, ws = self.sh * (oh - 1) + 1, self.sw * (ow - 1) + 1
        g = grad
        if g.strides != self.out.strides:
            g = xp.empty_like(self.out)   # one copy into the maps' layout (see _Pool2D.backward)
            g[...] = grad
        # Column stage: g[p, q] → the winning column sw·q + j* of the row maxima.
        # (Same memory layout as the maps; no zero-fill where the windows tile every pixel.)
        tiled_cols = self.sw == self.pw and ws + self.pw - 1 == self.x_shape[3]
        tiled_rows = self.sh == self.ph and hs + self.ph - 1 == self.x_shape[2]
        g_rows = (xp.empty_like if tiled_cols else xp.zeros_like)(self.row_arg, dtype=g.dtype)
        _route(g, self.col_arg, [g_rows[:, :, :, j:j + ws:self.sw] for j in range(self.pw)],
               overlap=self.sw < self.pw)
        # Row stage: each row maximum's gradient → its winning row sh·p + i*.
        dx = (xp.empty_like if tiled_rows else xp.zeros_like)(self.x)
        _route(g_rows, self.row_arg, [dx[:, :, i:i + hs:self.sh, :] for i in range(self.ph)],
               overlap=self.sh < self.ph)
        return dx


def _max_arg(vs, keep_arg):
    """Element-wise maximum of the views vs and, if keep_arg, the index of the first view
    that attains it (uint8): a view wins only where it is strictly greater than all before it."""
    xp = get_array_module(vs[0])
    if len(vs) == 1:
        return vs[0].copy(), (xp.zeros(vs[0].shape, dtype=xp.uint8) if keep_arg else None)
    arg = xp.greater(vs[1], vs[0]).view(xp.uint8) if keep_arg else None   # 1 where vs[1] wins
    best = xp.maximum(vs[0], vs[1])
    for k, v in enumerate(vs[2:], 2):
        if keep_arg:
            arg = xp.where(xp.greater(v, best), xp.uint8(k), arg)
        xp.maximum(best, v, out=best)
    return best, arg


def _route(g, arg, outs, overlap):
    """outs[k] (+)= g where arg == k: the backward of :func:`_max_arg` (one winner each)."""
    xp = get_array_module(g)
    for k, o in enumerate(outs):
        if overlap:
            o += g * (arg == k)
        else:
            xp.multiply(g, arg == k, out=o)


@register_layer
class AvgPool2D(_Pool2D):
    """Average pooling: the mean of each window."""

    def _pool(self, vs):
        out = _fold(get_array_module(vs[0]).add, vs)
        out *= 1.0 / len(vs)
        return out

    def _shared(self, g):
        return g * (1.0 / (self.ph * self.pw))

    def _grad_slice(self, xs, r, out=None):
        if out is None:
            return r
        get_array_module(r).copyto(out, r)
        return out


@register_layer
class L2Pool2D(_Pool2D):
    """L2 pooling (the book's alternative): the square root of the sum of squares."""

    def _pool(self, vs):
        xp = get_array_module(vs[0])
        out = xp.multiply(vs[0], vs[0], out=xp.empty_like(vs[0]))
        for v in vs[1:]:
            out += v * v
        xp.sqrt(out, out=out)
        return out

    def _shared(self, g):
        xp = get_array_module(g)
        tiny = xp.finfo(self.out.dtype).tiny  # an all-zero window has out = 0 and gradient 0
        return g / xp.maximum(self.out, tiny)

    def _grad_slice(self, xs, r, out=None):
        return get_array_module(r).multiply(xs, r, out=out)
