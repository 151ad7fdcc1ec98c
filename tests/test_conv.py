"""Chapter 6 layers: convolution and pooling — gradient checks in float64, a direct-loop
reference for the forward pass, memory layouts, files, and a short real-MNIST training run."""
import numpy as np
import pytest

import nndl
from nndl.layers import (Activation, AvgPool2D, Conv2D, Dense, Dropout, Flatten, L2Pool2D,
                         MaxPool2D)
from nndl.layers.im2col import col2im, im2col



def _direct_conv(x, W, b, stride, pad):
    """The forward equation written as loops, for reference."""
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, c, h, w = x.shape
    k, _, kh, kw = W.shape
    oh, ow = (h - kh) // stride + 1, (w - kw) // stride + 1
    z = np.zeros((n, k, oh, ow))
    for p in range(oh):
        for q in range(ow):
            patch = x[:, :, p * stride:p * stride + kh, q * stride:q * stride + kw]
            z[:, :, p, q] = np.tensordot(patch, W, axes=([1, 2, 3], [1, 2, 3])) + b
    return z


@pytest.mark.parametrize("cfg,shape", [
    (dict(filters=3, kernel_size=3, activation="tanh"), (2, 7, 7)),
    (dict(filters=2, kernel_size=5, activation="sigmoid"), (1, 9, 9)),
    (dict(filters=4, kernel_size=(3, 2), stride=2, padding=1, activation="linear"), (3, 8, 9)),
    (dict(filters=2, kernel_size=3, stride=1, padding=2, activation="elu"), (2, 5, 6)),
    (dict(filters=3, kernel_size=2, stride=3, activation="leaky_relu"), (2, 8, 8)),
    (dict(filters=3, kernel_size=3, activation="relu"), (2, 7, 7)),     # ReLU works in place
])
def test_conv_gradcheck(cfg, shape):
    r = nndl.gradcheck_layer(Conv2D(**cfg), shape, batch=3)
    assert r.passed, r


@pytest.mark.parametrize("cls", [MaxPool2D, AvgPool2D, L2Pool2D])
@pytest.mark.parametrize("pool,stride,shape", [
    (2, None, (3, 6, 8)),          # the book's case: non-overlapping, divisible
    (2, None, (2, 7, 5)),          # ragged border dropped
    (3, 2, (2, 7, 8)),             # overlapping windows
    ((2, 3), (1, 2), (2, 6, 7)),   # rectangular, different strides
    (2, 3, (2, 8, 8)),             # gaps between windows
])
def test_pool_gradcheck(cls, pool, stride, shape):
    r = nndl.gradcheck_layer(cls(pool, stride=stride), shape, batch=3)
    assert r.passed, r


def test_dropout_gradcheck_fixed_mask():
    r = nndl.gradcheck_layer(Dropout(0.5), (3, 4, 4), batch=3)
    assert r.passed, r


def test_conv_forward_matches_direct_loops():
    rng = np.random.default_rng(0)
    for stride, pad, c in [(1, 0, 1), (2, 1, 3), (1, 2, 2)]:
        layer = Conv2D(4, 3, stride=stride, padding=pad, activation="linear")
        layer.build((c, 9, 8), rng, np.float64)
        x = rng.standard_normal((2, c, 9, 8))
        ref = _direct_conv(x, layer.W.value, layer.b.value, stride, pad)
        assert np.allclose(layer.forward(x), ref, atol=1e-12)
        # the same numbers from (C, H, W, N) memory (the layout conv layers hand on)
        x_cl = np.ascontiguousarray(x.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)
        assert np.allclose(layer.forward(x_cl), ref, atol=1e-12)


def test_pooling_values():
    x = np.arange(16, dtype=np.float64).reshape(1, 1, 4, 4)
    assert MaxPool2D(2).forward(x).ravel().tolist() == [5, 7, 13, 15]
    assert AvgPool2D(2).forward(x).ravel().tolist() == [2.5, 4.5, 10.5, 12.5]
    l2 = L2Pool2D(2).forward(x).ravel()
    assert np.allclose(l2, np.sqrt([0 + 1 + 16 + 25, 4 + 9 + 36 + 49, 64 + 81 + 144 + 169,
                                    100 + 121 + 196 + 225]))
    # all-zero window: L2 gradient is 0, not nan
    z = np.zeros((1, 1, 2, 2))
    layer = L2Pool2D(2)
    layer.forward(z)
    assert np.all(layer.backward(np.ones((1, 1, 1, 1))) == 0)


def test_col2im_is_adjoint_of_im2col():
    rng = np.random.default_rng(1)
    for stride in (1, 2):
        xc = rng.standard_normal((3, 7, 6, 2))          # (C, H, W, N)
        cols = im2col(xc, 3, 2, stride)
        r = rng.standard_normal(cols.shape)
        lhs = (cols * r).sum()
        rhs = (xc * col2im(r, xc.shape, 3, 2, stride)).sum()
        assert np.isclose(lhs, rhs)


def _small_conv_model(dtype="float64", second_pad=0, pool=MaxPool2D, act="tanh"):
    return nndl.Sequential([Conv2D(3, 3, activation=act), pool(2),
                            Conv2D(4, 3, padding=second_pad, activation=act), pool(2), Flatten(),
                            Dropout(0.3), Dense(5, "relu"), Dense(3, "softmax")],
                           cost="log_likelihood", input_shape=(2, 12, 12), dtype=dtype, seed=3)


@pytest.mark.parametrize("pool,pad", [(MaxPool2D, 0), (L2Pool2D, 1), (AvgPool2D, 0)])
def test_whole_conv_model_gradcheck(pool, pad):
    """BP1–BP4 through conv → pool → conv (fed channels-last maps) → pool → dropout → dense."""
    rng = np.random.default_rng(0)
    model = _small_conv_model(second_pad=pad, pool=pool)
    X = rng.standard_normal((4, 2, 12, 12))
    y = np.array([0, 1, 2, 1])
    r = nndl.gradcheck(model, X, y, max_entries=60)
    assert r.passed, r


def test_book_ordering_pool_then_activation_gradcheck():
    """network3's ConvPoolLayer: conv (linear) → pool → σ, with L2 regularisation."""
    model = nndl.Sequential([Conv2D(2, 3, activation="linear"), MaxPool2D(2), Activation("sigmoid"),
                             Flatten(), Dense(3, "softmax")], cost="log_likelihood",
                            input_shape=(1, 8, 8), dtype="float64", seed=0)
    model.compile(lmbda=0.5)
    X = np.random.default_rng(1).standard_normal((3, 1, 8, 8))
    r = nndl.gradcheck(model, X, np.array([0, 1, 2]))
    assert r.passed, r


def test_conv_validation_errors():
    with pytest.raises(ValueError):
        Conv2D(0, 3)
    with pytest.raises(ValueError):
        Conv2D(2, 3, stride=0)
    with pytest.raises(ValueError):
        Conv2D(2, 3, padding=-1)
    with pytest.raises(ValueError):
        nndl.Sequential([Conv2D(2, 9)], input_shape=(1, 5, 5))
    with pytest.raises(ValueError):
        nndl.Sequential([Conv2D(2, 3)], input_shape=(784,))
    with pytest.raises(ValueError):
        MaxPool2D(0)
    with pytest.raises(ValueError):
        nndl.Sequential([MaxPool2D(4)], input_shape=(1, 3, 3))
    with pytest.raises(ValueError):
        Conv2D(2, 3, activation="nope")


def test_conv_model_save_load_roundtrip(tmp_path):
    model = _small_conv_model("float32")
    X = np.random.default_rng(0).random((5, 2, 12, 12), dtype=np.float32)
    nndl.save_model(model, tmp_path / "conv.npz")
    loaded = nndl.load(tmp_path / "conv.npz")
    assert np.array_equal(model.predict_proba(X), loaded.predict_proba(X))
    assert [type(l).__name__ for l in loaded.layers] == [type(l).__name__ for l in model.layers]


def test_float32_throughout():
    model = _small_conv_model("float32")
    model.compile(nndl.SGD(lr=0.1))
    X = np.random.default_rng(0).random((4, 2, 12, 12), dtype=np.float32)
    model.train_step(X, model.as_targets(np.array([0, 1, 2, 0])), 4)
    assert all(p.value.dtype == np.float32 and p.grad.dtype == np.float32 for p in model.parameters())
    assert model.predict_proba(X).dtype == np.float32


def test_conv_net_learns_mnist_subset(mnist):
    """A small conv net on 3,000 real MNIST digits, 3 epochs: well above 90% on held-out data."""
    from nndl.data import load_mnist

    data = load_mnist(download=False, flatten=False)
    Xtr, ytr = data.train.X[:3000], data.train.y[:3000]
    Xte, yte = data.test.X[:1000], data.test.y[:1000]
    model = nndl.Sequential([Conv2D(8, 5, activation="relu", init="he"), MaxPool2D(2), Flatten(),
                             Dense(50, "relu", init="he"), Dense(10, "softmax")],
                            cost="log_likelihood", input_shape=(1, 28, 28), seed=0)
    model.compile(nndl.SGD(lr=0.1))
    model.fit(Xtr, ytr, epochs=3, batch_size=10, monitor_training=False)
    acc = model.evaluate(Xte, yte)["accuracy"]
    assert acc >= 0.92, acc


def _digits(mnist, k):
    """k real MNIST digits as (k, 1, 28, 28) float64: blank margins give whole pooling
    windows of equal (zero) values — tied maxima."""
    return np.asarray(mnist.train.X[:k], dtype=np.float64).reshape(k, 1, 28, 28)


def test_max_pool_backward_one_position_per_window_on_digits(mnist):
    x = _digits(mnist, 8)
    blank = (x.reshape(8, 1, 14, 2, 14, 2).max(axis=(3, 5)) == 0).sum()
    assert blank > 100                       # the case this test is about: tied maxima
    layer = MaxPool2D(2)
    layer.forward(x, training=True)
    g = np.random.default_rng(0).uniform(1, 2, (8, 1, 14, 14))   # never zero
    dx = layer.backward(g).reshape(8, 1, 14, 2, 14, 2)
    nonzero = (dx != 0).sum(axis=(3, 5))
    assert (nonzero == 1).all()              # exactly one position per window, ties included
    assert np.array_equal(dx.sum(axis=(3, 5)), g)
    # ... and it holds a maximum of its window
    picked = (x.reshape(8, 1, 14, 2, 14, 2) * (dx != 0)).sum(axis=(3, 5))
    assert np.array_equal(picked, layer.forward(x))


def test_conv_pool_stack_gradcheck_on_digits(mnist):
    """Conv → max-pool on real digits: in the blank margins every position of a window holds
    the same tanh(b), so ∂C/∂b is right only if each window passes its gradient on once."""
    model = nndl.Sequential([Conv2D(3, 5, activation="tanh"), MaxPool2D(2), Flatten(),
                             Dense(10, "softmax")], cost="log_likelihood",
                            input_shape=(1, 28, 28), dtype="float64", seed=0)
    r = nndl.gradcheck(model, _digits(mnist, 4), mnist.train.y[:4], max_entries=40)
    assert r.passed, r


def test_split_matmul_matches_numpy():
    """Large products split over our own threads give NumPy's product (plain and transposed
    operands, with and without out=), and the setting is restored afterwards."""
    from nndl import backend

    rng = np.random.default_rng(0)
    a, b = rng.random((40, 500), dtype=np.float32), rng.random((500, 999), dtype=np.float32)
    with backend.compute_threads(2):
        assert backend._threads_now() == 2
        np.testing.assert_allclose(backend.matmul(a, b), a @ b, rtol=1e-5)
        out = np.empty((999, 40), np.float32)
        backend.matmul(b.T, a.T, out=out)
        np.testing.assert_allclose(out, b.T @ a.T, rtol=1e-5)
    assert backend._threads_now() == 1


def test_conv_model_gradcheck_with_split_products(monkeypatch):
    from nndl import backend

    monkeypatch.setattr(backend, "SPLIT_MACS", 0)   # split even these tiny products
    rng = np.random.default_rng(0)
    with backend.compute_threads(3):
        r = nndl.gradcheck(_small_conv_model(), rng.standard_normal((4, 2, 12, 12)), np.array([0, 1, 2, 1]))
    assert r.passed, r
