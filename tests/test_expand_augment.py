"""Expanded data (×5 one-pixel shifts, cached) and on-the-fly augmentation."""
import numpy as np
import pytest

import nndl
from nndl.data import Split
from nndl.data.augment import RandomAffine
from nndl.viz import plot_augmentation_grid
from nndl.data.expand import SHIFTS, expand_mnist, load_expanded_mnist, shift_images


def _images(n=3):
    rng = np.random.default_rng(0)
    return rng.integers(1, 255, (n, 28, 28)).astype(np.uint8)  # no zeros: borders are visible


def test_shift_directions_and_zero_borders():
    img = _images(1)
    down, up = shift_images(img, "down")[0], shift_images(img, "up")[0]
    right, left = shift_images(img, "right")[0], shift_images(img, "left")[0]
    assert np.array_equal(down[1:], img[0, :-1]) and not down[0].any()
    assert np.array_equal(up[:-1], img[0, 1:]) and not up[-1].any()
    assert np.array_equal(right[:, 1:], img[0, :, :-1]) and not right[:, 0].any()
    assert np.array_equal(left[:, :-1], img[0, :, 1:]) and not left[:, -1].any()
    with pytest.raises(ValueError):
        shift_images(img, "diagonal")


def test_expand_count_labels_and_blocks():
    imgs = _images(4)
    y = np.array([3, 1, 4, 1])
    e = expand_mnist(Split(imgs.reshape(4, 784), y), shuffle=False)
    assert e.X.shape == (20, 784) and e.y.tolist() == y.tolist() * 5
    for k, d in enumerate(SHIFTS):
        assert np.array_equal(e.X[4 * k:4 * k + 4].reshape(4, 28, 28), shift_images(imgs, d))
    # shuffled (the book's default): same multiset of (image, label) pairs
    s = expand_mnist(Split(imgs.reshape(4, 1, 28, 28), y), shuffle=True, seed=1)
    assert s.X.shape == (20, 1, 28, 28)
    key = lambda X, y: sorted(zip(map(bytes, X.reshape(len(y), -1)), y.tolist()))  # noqa: E731
    assert key(s.X, s.y) == key(e.X, e.y)


def test_load_expanded_mnist_caches_atomically(mnist, tmp_path, monkeypatch):
    import nndl.data.expand as expand
    from nndl.data import MNIST, first_n

    real = expand.load_mnist

    def small(*args, **kwargs):  # the first 1,000 training images keep the test fast
        d = real(*args, **kwargs)
        return MNIST(first_n(d.train, 1000), d.validation, d.test)

    monkeypatch.setattr(expand, "load_mnist", small)
    d = load_expanded_mnist(cache=tmp_path, download=False)
    files = list(tmp_path.iterdir())
    assert [f.name for f in files] == ["mnist_expanded_x5.npz"]       # no temp files left behind
    assert d.train.X.shape == (5000, 784) and d.train.X.dtype == np.float32
    assert d.validation.X.shape == (10000, 784)
    assert np.bincount(d.train.y).tolist() == (5 * np.bincount(mnist.train.y[:1000])).tolist()
    mtime = files[0].stat().st_mtime_ns
    again = load_expanded_mnist(cache=tmp_path, download=False, flatten=False, scale="book")
    assert files[0].stat().st_mtime_ns == mtime                        # read, not rebuilt
    assert again.train.X.shape == (5000, 1, 28, 28)
    assert np.allclose(again.train.X.reshape(5000, 784) * 256 / 255, d.train.X, atol=1e-6)
    # a damaged cache file is rebuilt, not trusted
    files[0].write_bytes(b"not an npz")
    assert load_expanded_mnist(cache=tmp_path, download=False).train.X.shape == (5000, 784)


def test_random_affine_shapes_dtype_and_determinism():
    X = np.random.default_rng(0).random((7, 1, 28, 28), dtype=np.float32)
    a, b = RandomAffine(seed=5)(X), RandomAffine(seed=5)(X)
    assert a.shape == X.shape and a.dtype == np.float32 and np.array_equal(a, b)
    assert not np.array_equal(a, RandomAffine(seed=6)(X))
    flat = RandomAffine(seed=5)(X.reshape(7, 784))
    assert flat.shape == (7, 784) and np.allclose(flat, a.reshape(7, 784))
    # identity when every range is zero
    assert np.allclose(RandomAffine(0, 0, 0, seed=0)(X), X, atol=1e-6)
    with pytest.raises(ValueError):
        RandomAffine(rotation=-1)


def test_random_affine_integer_shift_moves_pixels():
    aug = RandomAffine()
    img = np.zeros((1, 28, 28))
    img[0, 10, 12] = 1.0
    out = aug.apply(img, np.eye(2)[None], np.array([[2.0, -3.0]]))
    assert out[0, 12, 9] == pytest.approx(1.0) and out.sum() == pytest.approx(1.0)


def test_fit_transform_hook_and_grid(tmp_path):
    calls = []

    def transform(xb):
        calls.append(xb.shape[0])
        return xb

    model = nndl.Sequential([nndl.Dense(5, "sigmoid", input_dim=784), nndl.Dense(10, "softmax")],
                            cost="log_likelihood", seed=0)
    X = np.random.default_rng(0).random((25, 784), dtype=np.float32)
    model.fit(X, np.arange(25) % 10, epochs=2, batch_size=10, transform=transform, monitor_training=False)
    assert calls == [10, 10, 5, 10, 10, 5]
    # with augmentation the steps see transformed batches: the weights differ from the same
    # seeded fit on the untouched batches, and equal a fit fed those transformed batches
    fits = {}
    for name, tf in (("plain", None), ("aug", RandomAffine(seed=0)), ("replay", _replay(RandomAffine(seed=0)))):
        m = nndl.Sequential([nndl.Dense(5, "sigmoid", input_dim=784), nndl.Dense(10, "softmax")],
                            cost="log_likelihood", seed=0)
        m.fit(X, np.arange(25) % 10, epochs=1, batch_size=10, transform=tf, monitor_training=False)
        fits[name] = m.get_weights()
    assert not np.array_equal(fits["plain"]["0.W"], fits["aug"]["0.W"])
    assert np.array_equal(fits["replay"]["0.W"], fits["aug"]["0.W"])
    fig = plot_augmentation_grid(X[0], tmp_path / "grid.png", n=4)
    shown = [ax.images[0].get_array() for ax in fig.axes if ax.images]
    assert len(shown) == 10 + 4                                  # 10 fixed tiles, then n random ones
    np.testing.assert_allclose(shown[0], X[0].reshape(28, 28))   # the original first
    assert all(not np.allclose(s, shown[0]) for s in shown[1:])
    assert open(tmp_path / "grid.png", "rb").read(8) == b"\x89PNG\r\n\x1a\n"


def _replay(aug):
    """The same draws as ``aug`` would make, applied through matrices() + apply() by hand."""
    def tf(xb):
        A, t = aug.matrices(xb.shape[0])
        return aug.apply(np.asarray(xb).reshape(-1, 28, 28), A, t).astype(xb.dtype).reshape(xb.shape)
    return tf


def test_cli_augment(mnist, tmp_path, capsys):
    from nndl.cli.main import main

    assert main(["augment", "--out", str(tmp_path / "a.png"), "-n", "3", "--index", "2"]) == 0
    assert (tmp_path / "a.png").stat().st_size > 1000
    assert main(["augment", "--out", str(tmp_path / "b.png"), "--index", "-1"]) == 2
