"""The convolutional layer of chapter 6: local receptive fields, shared weights and biases.

Each of the ``filters`` feature maps has one kh×kw×C weight tensor and one bias, shared by
every position of the map. For input channel c, map k and output position (p, q):

    z[k, p, q] = b[k] + Σ_c Σ_i Σ_j  w[k, c, i, j] · x[c, s·p + i, s·q + j]          (forward)

(the book's eq. (125), with C input channels, stride s, and x zero-padded by ``padding``).

Backpropagation, written the same way as BP1–BP4 for the dense layer. With δ[k, p, q] =
∂C/∂z[k, p, q] (after the activation's ⊙ σ'(z), as in BP2):

* BP3 (shared bias):   ∂C/∂b[k]        = Σ_batch Σ_p Σ_q δ[k, p, q]
* BP4 (shared weight): ∂C/∂w[k, c, i, j] = Σ_batch Σ_p Σ_q δ[k, p, q] · x[c, s·p + i, s·q + j]
* BP2 (to the input):  ∂C/∂x[c, h, v]  = Σ_k Σ_{(p, i): s·p + i = h} Σ_{(q, j): s·q + j = v}
                                          w[k, c, i, j] · δ[k, p, q]

Vectorised over the mini-batch with im2col (:mod:`nndl.layers.im2col`): the windows become
the columns of ``cols`` (kh·kw·C, P·Q·N), so with W as a (K, kh·kw·C) matrix, forward is
zᵀ = W · cols + b, BP4 is δᵀ · colsᵀ, BP3 a row sum of δᵀ, and BP2 is col2im(Wᵀ · δᵀ) — three
matrix products per layer and step, for the whole mini-batch (BP2's split into kh products,
one per kernel row, each added back while it is still in cache).

The three products go through :func:`nndl.backend.matmul`, which splits a large one over the
threads the training loop allows (see there: no spin-waiting BLAS pool on a shared machine).

Memory layout: zᵀ comes out (K, P·Q·N) — channels first, the batch innermost. The layer
returns it as an (N, K, P, Q) *view* — the public layout is NCHW — and element-wise operations and the pooling
layers keep that memory layout, so δᵀ in backward is again a view and no transposing copies
are made.
"""
from __future__ import annotations

import numpy as np

from ..backend import get_array_module, matmul, to_device
from ..core.activations import get_activation
from ..core.initializers import get_initializer
from .base import Layer, Parameter, register_layer
from .im2col import add_kernel_row, as_chwn, conv_output_size, from_chwn, im2col


def _pair(v, what):
    if isinstance(v, (tuple, list)):
        if len(v) != 2:
            raise ValueError(f"{what} must be an int or a pair, got {v!r}")
        a, b = int(v[0]), int(v[1])
    else:
        a = b = int(v)
    return a, b


@register_layer
class Conv2D(Layer):
    """2-D convolution over (N, C, H, W) inputs with ``filters`` feature maps.

    >>> layer = Conv2D(20, 5, activation="relu", input_shape=(1, 28, 28))  # 20 maps of 5×5

    Weights have shape (filters, C, kh, kw), biases (filters,). ``init`` is as for Dense
    (fan-in C·kh·kw); the book's network3 draws N(0, 1/n_out) weights instead, which
    :mod:`nndl.book.network3` sets itself.
    """

    def __init__(self, filters: int, kernel_size=5, stride: int = 1, padding: int = 0,
                 activation="sigmoid", init="default", input_shape=None):
        super().__init__()
        self.filters = int(filters)
        if self.filters <= 0:
            raise ValueError(f"Conv2D needs at least one filter, got {filters}")
        self.kh, self.kw = _pair(kernel_size, "kernel_size")
        if self.kh <= 0 or self.kw <= 0:
            raise ValueError(f"kernel size must be positive, got {kernel_size!r}")
        self.stride = int(stride)
        if self.stride <= 0:
            raise ValueError(f"stride must be positive, got {stride}")
        self.padding = int(padding)
        if self.padding < 0:
            raise ValueError(f"padding must be >= 0, got {padding}")
        self.activation = get_activation(activation)
        self.init = get_initializer(init)
        self.declared_input_shape = None if input_shape is None else tuple(int(s) for s in input_shape)
        self.cols = None

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(f"Conv2D expects inputs (channels, height, width), got shape {input_shape}")
        if self.declared_input_shape is not None and tuple(input_shape) != self.declared_input_shape:
            raise ValueError(f"Conv2D was declared with input_shape={self.declared_input_shape} "
                             f"but receives {tuple(input_shape)}")
        c, h, w = input_shape
        oh = conv_output_size(h, self.kh, self.stride, self.padding)
        ow = conv_output_size(w, self.kw, self.stride, self.padding)
        return (self.filters, oh, ow)

    def count_params(self, input_shape) -> int:
        c = int(input_shape[0]) if len(input_shape) else 1
        return self.filters * c * self.kh * self.kw + self.filters  # W and b

    def build(self, input_shape, rng, dtype=np.float32, xp=np):
        out = super().build(input_shape, rng, dtype, xp)
        c = self.input_shape[0]
        fan_in, fan_out = c * self.kh * self.kw, self.filters * self.kh * self.kw
        W = self.init.weights((self.filters, c, self.kh, self.kw), fan_in, fan_out, rng, dtype)
        b = self.init.biases((self.filters,), rng, dtype)
        self.W = Parameter(to_device(W, xp), "W", regularize=True)
        self.b = Parameter(to_device(b, xp), "b")
        self.params = [self.W, self.b]
        return out

    def macs_per_example(self) -> int:
        """Multiply-adds of one forward pass: every weight once per output position."""
        return int(self.W.value.size) * self.output_shape[1] * self.output_shape[2]

    def floats_per_example(self) -> int:
        """The output map plus the im2col columns (kh·kw·C numbers per output position)."""
        k, oh, ow = self.output_shape
        return k * oh * ow + self.kh * self.kw * self.input_shape[0] * oh * ow

    def forward(self, x, training=False):
        n = x.shape[0]
        k, oh, ow = self.output_shape
        xc = as_chwn(x, self.padding)                                 # (C, H, W, N), padded
        cols = im2col(xc, self.kh, self.kw, self.stride)              # (kh·kw·C, P·Q·N)
        Wm = self.W.value.transpose(0, 2, 3, 1).reshape(k, -1)        # (K, kh·kw·C), matching rows
        zt = matmul(Wm, cols)                                         # (K, P·Q·N)
        zt += self.b.value[:, None]
        z = from_chwn(zt.reshape(k, oh, ow, n))                       # the (N, K, P, Q) view
        inplace = getattr(self.activation, "forward_inplace", None)   # ReLU: z's memory reused
        a = inplace(z) if inplace is not None else self.activation.forward(z)
        # Keep the columns only when a backward pass will follow (they are large).
        self.cols = cols if training else None
        self.Wm, self.xc_shape = Wm, xc.shape
        self.z, self.a = z, a
        return a

    def backward(self, grad):
        """δ = ∂C/∂a ⊙ σ'(z) (BP2's Hadamard part), then BP3/BP4/BP2 in backward_delta."""
        return self.backward_delta(self.activation.backward(grad, self.z, self.a))

    def backward_delta(self, delta):
        if self.cols is None:
            raise RuntimeError("Conv2D.backward needs a forward pass with training=True first")
        xp = get_array_module(delta)
        k = self.filters
        dt = as_chwn(delta).reshape(k, -1)           # (K, P·Q·N): a view in the usual case
        dW = matmul(dt, self.cols.T)                                   # BP4: Σ δ · x over positions
        self.W.grad[...] = dW.reshape(k, self.kh, self.kw, -1).transpose(0, 3, 1, 2)
        dt.sum(axis=1, out=self.b.grad)                                # BP3: Σ δ over positions
        if not self.needs_input_grad:
            return None
        # BP2: col2im(Wᵀ · δᵀ), one kernel row i at a time — rows (i, j, c) of Wᵀ · δᵀ.
        dxc = xp.zeros(self.xc_shape, dtype=dt.dtype)
        WmT, rows = self.Wm.T, self.kw * self.xc_shape[0]
        block = xp.empty((rows, dt.shape[1]), dtype=dt.dtype)
        for i in range(self.kh):
            matmul(WmT[i * rows:(i + 1) * rows], dt, out=block)        # (kw·C, P·Q·N)
            add_kernel_row(dxc, block, i, self.kh, self.kw, self.stride)
        if self.padding:
            p = self.padding
            dxc = dxc[:, p:dxc.shape[1] - p, p:dxc.shape[2] - p, :]
        return from_chwn(dxc)

    def get_config(self):
        return {"type": "Conv2D", "filters": self.filters, "kernel_size": [self.kh, self.kw],
                "stride": self.stride, "padding": self.padding,
                "activation": self.activation.get_config(), "init": self.init.name,
                "input_shape": None if self.declared_input_shape is None else list(self.declared_input_shape)}
