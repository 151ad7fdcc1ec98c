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
rows of ``cols`` (N·P·Q, C·kh·kw), so forward is z = cols · Wᵀ + b, BP4 is δᵀ · cols, BP3 is a
column sum of δ, and BP2 is col2im(δ · W) — three matrix products per layer and step.

Internally the product cols · Wᵀ comes out (N, P, Q, K): channels-last. The layer returns it
as an (N, K, P, Q) *view* — the public layout is NCHW — and NumPy's element-wise operations
and the pooling layers keep that memory layout, so no transposing copies are made.
"""
from __future__ import annotations

import numpy as np

from ..backend import get_array_module, to_device
from ..core.activations import get_activation
from ..core.initializers import get_initializer
from .base import Layer, Parameter, register_layer
from .im2col import col2im, conv_output_size, im2col, is_channels_last, pad_hw


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

    def forward(self, x, training=False):
        xp = get_array_module(x)
        n = x.shape[0]
        k, oh, ow = self.output_shape
        xpad = pad_hw(x, self.padding)
        cl = is_channels_last(xpad)
        # W as a (K, C·kh·kw) matrix whose column order matches the columns of im2col.
        Wm = self.W.value.transpose(0, 2, 3, 1).reshape(k, -1) if cl else self.W.value.reshape(k, -1)
        cols = im2col(xpad, self.kh, self.kw, self.stride, cl)      # (N·P·Q, C·kh·kw)
        z = xp.matmul(cols, Wm.T)                                    # (N·P·Q, K)
        z += self.b.value
        z = z.reshape(n, oh, ow, k).transpose(0, 3, 1, 2)            # NCHW view of NHWC memory
        a = self.activation.forward(z)
        # Keep the columns only when a backward pass will follow (they are large).
        self.cols = cols if training else None
        self.channels_last, self.Wm = cl, Wm
        self.x_shape = xpad.shape
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
        d = delta.transpose(0, 2, 3, 1).reshape(-1, k)               # (N·P·Q, K), a view if NHWC
        cl = self.channels_last
        if cl:
            dW = xp.matmul(d.T, self.cols)                           # BP4, columns (i, j, c)
            self.W.grad[...] = dW.reshape(k, self.kh, self.kw, -1).transpose(0, 3, 1, 2)
        else:
            xp.matmul(d.T, self.cols, out=self.W.grad.reshape(k, -1))  # BP4
        d.sum(axis=0, out=self.b.grad)                               # BP3
        if not self.needs_input_grad:
            return None
        dcols = xp.matmul(d, self.Wm)                                # (N·P·Q, C·kh·kw)
        dx = col2im(dcols, self.x_shape, self.kh, self.kw, self.stride, cl)  # BP2
        if self.padding:
            p = self.padding
            dx = dx[:, :, p:dx.shape[2] - p, p:dx.shape[3] - p]
        return dx

    def get_config(self):
        return {"type": "Conv2D", "filters": self.filters, "kernel_size": [self.kh, self.kw],
                "stride": self.stride, "padding": self.padding,
                "activation": self.activation.get_config(), "init": self.init.name,
                "input_shape": None if self.declared_input_shape is None else list(self.declared_input_shape)}
