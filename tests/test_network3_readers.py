"""Readers' client code for chapter 6 (network3 and the helpers of the book's scripts), with
only the import changed, on real MNIST digits — checked against float64 re-derivations of
the book's maths: a conv-pool layer as Theano computes it (true convolution, bias and σ
after max-pooling, each window's gradient to one maximum) and the book's dropout (no
rescaling in training)."""
import copy
import gzip
import io
import pickle
import random
import warnings

import numpy as np
import pytest

import nndl
from nndl.book import network3
from nndl.book.network3 import ConvPoolLayer, FullyConnectedLayer, Network, SoftmaxLayer


@pytest.fixture(scope="module")
def digits(mnist):
    return mnist.train.X[:40].astype(np.float64) * (255 / 256), mnist.train.y[:40]  # the book's pixels


def sigma(z):
    return 1 / (1 + np.exp(-z))


def softmax_step(flat, W, b, y, m):
    """Softmax layer with the mean log-likelihood cost: (δ = (a − y)/m, dW, db)."""
    z = flat @ W + b
    a = np.exp(z - z.max(axis=1, keepdims=True))
    a /= a.sum(axis=1, keepdims=True)
    delta = (a - np.eye(W.shape[1])[y]) / m
    return delta, flat.T @ delta, delta.sum(axis=0)


def conv_pool_oracle(x, w, b, W2, b2, y, eta):
    """One step of the book's ConvPoolLayer(sigmoid) → SoftmaxLayer, from the equations:
    z = w ⊛ x (Theano's conv2d: a true convolution), p = maxpool₂ₓ₂(z), a = σ(p + b)."""
    m, k, f = x.shape[0], w.shape[0], w.shape[2]
    o = x.shape[2] - f + 1
    z = np.zeros((m, k, o, o))
    for s in range(f):
        for t in range(f):
            z += w[None, :, 0, f - 1 - s, f - 1 - t, None, None] * x[:, :, s:s + o, t:t + o]
    windows = z.reshape(m, k, o // 2, 2, o // 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(m, k, o // 2, o // 2, 4)
    first_max = windows.argmax(axis=-1)               # ONE maximum per window (ties: the first)
    a = sigma(windows.max(axis=-1) + b[None, :, None, None])
    delta2, dW2, db2 = softmax_step(a.reshape(m, -1), W2, b2, y, m)
    delta_p = (delta2 @ W2.T).reshape(a.shape) * a * (1 - a)          # BP2 through σ
    db = delta_p.sum(axis=(0, 2, 3))                                  # b is added after pooling
    routed = np.zeros(windows.shape)
    np.put_along_axis(routed, first_max[..., None], delta_p[..., None], axis=-1)
    delta_z = routed.reshape(m, k, o // 2, o // 2, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(m, k, o, o)
    dw = np.zeros_like(w)
    for s in range(f):
        for t in range(f):
            dw[:, 0, f - 1 - s, f - 1 - t] = np.einsum("nkij,nij->k", delta_z, x[:, 0, s:s + o, t:t + o])
    return w - eta * dw, b - eta * db, W2 - eta * dW2, b2 - eta * db2


def test_conv_pool_layer_update_matches_the_books_maths(digits):
    X, y = digits
    np.random.seed(1)
    net = Network([ConvPoolLayer(image_shape=(10, 1, 28, 28), filter_shape=(3, 1, 5, 5), poolsize=(2, 2)),
                   SoftmaxLayer(n_in=3 * 12 * 12, n_out=10)], 10, dtype="float64")
    net.layers[1].w.set_value(np.random.normal(0, 0.1, (3 * 144, 10)))  # as a reader would
    w, b = net.layers[0].w.get_value(), net.layers[0].b.get_value()
    W2, b2 = net.layers[1].w.get_value(), net.layers[1].b.get_value()
    eta = 0.5
    for k in range(0, 30, 10):
        w, b, W2, b2 = conv_pool_oracle(X[k:k + 10].reshape(10, 1, 28, 28), w, b, W2, b2, y[k:k + 10], eta)
    net.SGD((X[:30], y[:30]), 1, 10, eta, (X[30:40], y[30:40]), file=io.StringIO())
    for got, want in zip(net.params, (w, b, W2, b2)):
        np.testing.assert_allclose(got.get_value(), want, rtol=0, atol=1e-10)


def test_conv_layer_w_is_the_books_convolution_filter(digits):
    """Theano convolves: output[i, j] = Σ w[p, q]·x[i + 4 − p, j + 4 − q]."""
    X, _ = digits
    np.random.seed(2)
    net = Network([ConvPoolLayer(image_shape=(10, 1, 28, 28), filter_shape=(2, 1, 5, 5), activation_fn=network3.linear),
                   SoftmaxLayer(n_in=2 * 12 * 12, n_out=10)], 10, dtype="float64")
    w, b = net.layers[0].w.eval(), net.layers[0].b.eval()
    x = X[:1].reshape(28, 28)
    z00 = sum(w[0, 0, p, q] * x[4 - p, 4 - q] for p in range(5) for q in range(5))
    conv = net.model.layers[0]
    net.model.forward(X[:1].reshape(1, 1, 28, 28))
    assert conv.a[0, 0, 0, 0] == pytest.approx(z00 + b[0], abs=1e-12)


def test_dropout_trains_as_the_book(digits):
    """p = 0.5 on a fully-connected layer's input and the softmax layer's input: kept units are
    not rescaled in training; at inference the inputs are multiplied by (1 − p)."""
    X, y = digits
    np.random.seed(3)
    net = Network([FullyConnectedLayer(n_in=784, n_out=20, p_dropout=0.5),
                   SoftmaxLayer(n_in=20, n_out=10, p_dropout=0.5)], 10, dtype="float64")
    drops = [layer for layer in net.model.layers if isinstance(layer, nndl.Dropout)]
    assert [d.scale for d in drops] == ["book", "book"]
    W1, b1, W2, b2 = (p.get_value() for p in net.params)
    eta, masks = 1.0, []
    keep_masks = nndl.train.callbacks.Callback()
    keep_masks.on_batch_end = lambda batch, loss=None: masks.extend(d.mask.copy() for d in drops)
    net.SGD((X[:10], y[:10]), 1, 10, eta, (X[10:20], y[10:20]), file=io.StringIO(), callbacks=[keep_masks])
    mask1, mask2 = masks
    assert set(np.unique(mask1)) <= {0.0, 1.0}                 # no 1/(1 − p) rescaling
    h = sigma((X[:10] * mask1) @ W1 + b1)
    delta2, dW2, db2 = softmax_step(h * mask2, W2, b2, y[:10], 10)
    delta1 = (delta2 @ W2.T) * mask2 * h * (1 - h)
    want = (W1 - eta * (X[:10] * mask1).T @ delta1, b1 - eta * delta1.sum(0), W2 - eta * dW2, b2 - eta * db2)
    for got, w in zip(net.params, want):
        np.testing.assert_allclose(got.get_value(), w, rtol=0, atol=1e-12)
    W1, b1, W2, b2 = (p.get_value() for p in net.params)
    a = sigma(0.5 * X[20:30] @ W1 + b1) * 0.5 @ W2 + b2         # inference: inputs × (1 − p)
    np.testing.assert_array_equal(net.predict(X[20:30]), a.argmax(axis=1))


def test_dropout_convention_is_an_option_that_saves(tmp_path):
    x = np.ones((4, 1000), dtype=np.float32)
    book = nndl.Dropout(0.25, scale="book")
    book.set_rng(np.random.default_rng(0))
    kept = book.forward(x, training=True)
    assert set(np.unique(kept)) == {0.0, 1.0} and abs(kept.mean() - 0.75) < 0.02
    np.testing.assert_array_equal(book.forward(x), 0.75 * x)
    inverted = nndl.Dropout(0.25)
    inverted.set_rng(np.random.default_rng(0))
    assert set(np.unique(inverted.forward(x, training=True))) == {0.0, np.float32(1 / 0.75)}
    model = nndl.Sequential([nndl.Dense(5, "relu", input_dim=3), nndl.Dropout(0.4, scale="book"),
                             nndl.Dense(2, "softmax")], cost="log_likelihood", seed=0)
    nndl.save_model(model, tmp_path / "m.npz")
    loaded = nndl.load_model(tmp_path / "m.npz")
    assert loaded.layers[1].scale == "book" and loaded.layers[1].p == 0.4
    probe = np.random.default_rng(1).random((3, 3), dtype=np.float32)
    np.testing.assert_array_equal(loaded.predict_proba(probe), model.predict_proba(probe))
    with pytest.raises(ValueError, match="scale"):
        nndl.Dropout(0.5, scale="halved")


def test_gpu_flag_and_dropout_layer_helper():
    assert network3.GPU in (True, False)
    layer = np.full((50, 40), 3.0)
    out = network3.dropout_layer(layer, 0.5)
    values = set(np.unique(out.eval()))
    assert values == {0.0, 3.0} and 0.4 < (out == 0).mean() < 0.6


def test_theano_isms_of_the_books_helper_scripts(mnist):
    """plot_filters (layer.w.eval()), plot_errors (test_data[0].get_value(), test_data[1].eval())
    and the ensemble helper's plurality vote, written as a reader would."""
    training_data, validation_data, test_data = network3.load_data_shared()
    assert network3.size(test_data) == 10000
    test_x, test_y = test_data[0].get_value(), test_data[1].eval()
    assert test_x.shape == (10000, 784) and test_y.dtype == np.int32 and test_y[0] == 7
    small = lambda d, n: (d[0][:n], d[1][:n])  # noqa: E731
    nets = []
    for seed in (0, 1, 2):
        np.random.seed(seed)
        net = Network([ConvPoolLayer(image_shape=(10, 1, 28, 28), filter_shape=(4, 1, 5, 5)),
                       SoftmaxLayer(n_in=4 * 12 * 12, n_out=10)], 10)
        net.SGD(small(training_data, 1000), 2, 10, 0.1, small(validation_data, 50), file=io.StringIO())
        nets.append(net)
    filters = nets[0].layers[0].w.eval()
    assert filters.shape == (4, 1, 5, 5) and nets[0].layers[0].b.get_value().shape == (4,)
    predictions = np.array([net.predict(test_x[:200]) for net in nets])
    plurality = [np.bincount(column).argmax() for column in predictions.T]
    errors = [j for j in range(200) if plurality[j] != test_y[j]]
    assert len(errors) < 80
    # set_value changes the network, as with Theano's shared variables — in a copy too
    twin = copy.deepcopy(nets[0])
    before = twin.predict(test_x[:50])
    twin.layers[1].w.set_value(np.zeros((4 * 144, 10)))
    twin.layers[1].b.set_value(np.arange(10.0))
    assert (twin.predict(test_x[:50]) == 9).all() and not (before == 9).all()
    np.testing.assert_array_equal(nets[0].predict(test_x[:50]), before)


def _expand_like_the_book(images, labels):
    """A reader's expand_mnist.py: each image, and the image shifted by one pixel up, down,
    left and right (the pixels shifted in are zero), shuffled, stored as two Python lists."""
    pairs = []
    for x, y in zip(images, labels):
        pairs.append((x, y))
        img = x.reshape(28, 28)
        for axis in (0, 1):
            for shift in (1, -1):
                moved = np.roll(img, shift, axis)
                edge = 0 if shift == 1 else 27
                if axis == 0:
                    moved[edge, :] = 0
                else:
                    moved[:, edge] = 0
                pairs.append((moved.reshape(784), y))
    random.Random(0).shuffle(pairs)
    return [list(column) for column in zip(*pairs)]


def test_load_data_shared_reads_what_expand_mnist_writes(mnist, tmp_path):
    tr, va, te = mnist
    book = lambda s, n: (s.X[:n] * np.float32(255 / 256), s.y[:n])  # noqa: E731
    expanded = _expand_like_the_book(*book(tr, 60))
    assert isinstance(expanded[1][0], np.integer)       # NumPy scalars, as the book's file holds
    path = tmp_path / "mnist_expanded.pkl.gz"
    for protocol in (2, pickle.DEFAULT_PROTOCOL):
        with gzip.open(path, "wb") as f:
            pickle.dump((expanded, book(va, 30), book(te, 30)), f, protocol=protocol)
        training_data, validation_data, test_data = network3.load_data_shared(str(path))
        assert training_data[0].shape == (300, 784) and network3.size(training_data) == 300
        assert sorted(training_data[1].eval()) == sorted(np.repeat(tr.y[:60], 5))
        np.testing.assert_array_equal(test_data[0].get_value(), book(te, 30)[0])
    evil = tmp_path / "evil.pkl"  # a list of arrays and scalars, then a call to os.system
    evil.write_bytes(pickle.dumps(([[np.zeros(784)], [np.int64(1)]], OsSystem()), protocol=2))
    with pytest.raises(nndl.DataError, match="refusing to load"):
        network3.load_data_shared(str(evil))


class OsSystem:
    """Pickles as a call to os.system: the unpickler must refuse it without running it."""

    def __reduce__(self):
        import os

        return (os.system, ("echo pwned > /dev/null",))


def test_plain_function_activation_is_differentiated_numerically(digits):
    X, y = digits

    def softplus(z):
        return np.log1p(np.exp(z))

    with pytest.warns(UserWarning, match="numerically"):
        act = nndl.get_activation(softplus)
    z = np.linspace(-5, 5, 41)
    np.testing.assert_allclose(act.backward(np.ones_like(z), z, softplus(z)), sigma(z), rtol=1e-8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # said once per function, not per layer
        nndl.get_activation(softplus)
    leaky = lambda z: np.where(z > 0, z, 0.1 * z)  # noqa: E731
    np.random.seed(4)
    with pytest.warns(UserWarning):
        net = Network([FullyConnectedLayer(n_in=784, n_out=20, activation_fn=leaky),
                       SoftmaxLayer(n_in=20, n_out=10)], 10)
    net.SGD((X[:30], y[:30]), 3, 10, 0.1, (X[30:40], y[30:40]), file=io.StringIO())
    assert np.isfinite(net.layers[0].w.get_value()).all()
    with pytest.raises(ValueError, match="cannot be saved"):
        net.model.get_config()


def test_layers_draw_their_weights_like_the_book():
    """np.random.seed(s) then the layers: N(0, 1/n_out) weights then N(0, 1) biases, drawn when
    each layer is made, in floatX (float32); the softmax layer starts at zero."""
    np.random.seed(21)
    n_out = 6 * 25 / 4
    want = [np.random.normal(0, np.sqrt(1 / n_out), (6, 1, 5, 5)), np.random.normal(0, 1, (6,)),
            np.random.normal(0, np.sqrt(1 / 30), (6 * 144, 30)), np.random.normal(0, 1, (30,))]
    np.random.seed(21)
    net = Network([ConvPoolLayer(image_shape=(10, 1, 28, 28), filter_shape=(6, 1, 5, 5)),
                   FullyConnectedLayer(n_in=6 * 144, n_out=30), SoftmaxLayer(n_in=30, n_out=10)], 10)
    for got, w in zip(net.params, want):
        np.testing.assert_array_equal(got.get_value(), w.astype(np.float32))
    assert not net.params[4].get_value().any() and not net.params[5].get_value().any()
