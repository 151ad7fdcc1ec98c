"""MNIST-style preprocessing of users' digit images."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from nndl.errors import DataError
from nndl.data.imageprep import load_digit, mnist_like, read_grayscale


def _stroke(h=60, w=40, dark_on_light=True):
    g = np.zeros((h, w), dtype=np.float32)
    g[10:50, 18:24] = 1.0   # a "1"
    g[10:14, 12:24] = 1.0
    return 1.0 - g if dark_on_light else g


def test_output_is_mnist_like():
    x = mnist_like(_stroke())
    assert x.shape == (28, 28) and x.dtype == np.float32
    assert 0.0 <= x.min() and x.max() <= 1.0 and x.max() > 0.9
    rows, cols = np.nonzero(x > 0.05)
    assert rows.max() - rows.min() + 1 <= 21 and rows.max() - rows.min() + 1 >= 19  # the long side is ~20
    cy, cx = ndimage.center_of_mass(x)
    assert abs(cy - 14) <= 0.6 and abs(cx - 14) <= 0.6
    assert x[0].sum() == 0 and x[:, 0].sum() == 0  # black background


def test_polarity_does_not_matter():
    a = mnist_like(_stroke(dark_on_light=True))
    b = mnist_like(_stroke(dark_on_light=False))
    assert np.allclose(a, b, atol=1e-6)


def test_real_digits_survive_resizing_and_inversion(mnist):
    corr = []
    for i in range(30):
        img = (mnist.test.X[i].reshape(28, 28) * 255).astype(np.uint8)
        big = Image.fromarray(255 - img).resize((112, 112), Image.Resampling.BICUBIC)
        x = mnist_like(np.asarray(big, dtype=np.float32) / 255)
        corr.append(np.corrcoef(x.ravel(), mnist.test.X[i])[0, 1])
    assert np.median(corr) > 0.95


def test_files_rgba_and_jpeg(tmp_path):
    g = (_stroke() * 255).astype(np.uint8)
    Image.fromarray(g).convert("RGB").save(tmp_path / "d.jpg", quality=90)
    rgba = np.zeros((60, 40, 4), dtype=np.uint8)  # transparent background, black ink
    rgba[..., 3] = 255 - g
    Image.fromarray(rgba, "RGBA").save(tmp_path / "d.png")
    a, b = load_digit(tmp_path / "d.jpg"), load_digit(tmp_path / "d.png")
    assert a.shape == b.shape == (784,)
    assert np.corrcoef(a, b)[0, 1] > 0.95
    assert read_grayscale(tmp_path / "d.png").shape == (60, 40)


def test_errors(tmp_path):
    with pytest.raises(DataError, match="no such image"):
        read_grayscale(tmp_path / "none.png")
    (tmp_path / "x.png").write_text("not an image")
    with pytest.raises(DataError, match="cannot read the image"):
        read_grayscale(tmp_path / "x.png")
    with pytest.raises(DataError, match="blank"):
        mnist_like(np.ones((30, 30)))
