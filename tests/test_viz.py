"""Plots: written as real PNGs with something drawn on them."""
from __future__ import annotations

import numpy as np
from PIL import Image

from nndl.viz import plot_confusion, plot_gallery, plot_history


def _png(path):
    with Image.open(path) as im:
        assert im.format == "PNG"
        return np.asarray(im.convert("RGB")).astype(int)


def test_history_curves(tmp_path):
    h = {"epoch": [1, 2, 3], "accuracy": [0.8, 0.9, 0.95], "val_accuracy": [0.78, 0.85, 0.86],
         "cost": [0.5, 0.3, 0.2], "val_cost": [0.6, 0.5, 0.55]}
    for metric in ("accuracy", "cost"):
        fig = plot_history(h, metric, path=tmp_path / f"{metric}.png")
        labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
        assert labels == ["training data", "validation data"]
        scale = 100 if metric == "accuracy" else 1     # accuracy is drawn in percent
        train_line, val_line = fig.axes[0].get_lines()
        np.testing.assert_array_equal(train_line.get_xdata(), h["epoch"])
        np.testing.assert_allclose(train_line.get_ydata(), np.array(h[metric]) * scale)
        np.testing.assert_allclose(val_line.get_ydata(), np.array(h[f"val_{metric}"]) * scale)
        a = _png(tmp_path / f"{metric}.png")
        assert a.shape[0] > 200 and a.std() > 10
    assert not list(tmp_path.glob(".*.tmp"))


def test_confusion_and_gallery(tmp_path):
    m = np.diag(np.arange(10) + 90)
    m[3, 5] = 7
    fig = plot_confusion(m, path=tmp_path / "c.png")
    assert _png(tmp_path / "c.png").std() > 10
    ax = fig.axes[0]
    np.testing.assert_array_equal(ax.images[0].get_array(), m)         # rows true, columns predicted
    cells = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts}
    assert cells[(3, 5)] == "7" and cells[(9, 9)] == "99" and cells[(0, 1)] == "0"
    rng = np.random.default_rng(0)
    plot_gallery(rng.random((12, 784)), np.arange(12) % 10, (np.arange(12) + 1) % 10, path=tmp_path / "g.png")
    assert _png(tmp_path / "g.png").std() > 10
    plot_gallery(np.zeros((0, 784)), [], [], path=tmp_path / "empty.png")  # no errors: still a picture
    assert (tmp_path / "empty.png").is_file()
