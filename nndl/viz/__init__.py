"""Plots (matplotlib, Agg backend: no display needed): training curves, the confusion matrix
and galleries of digits.

Every function returns the matplotlib Figure; pass ``path`` to also write it as a PNG
(atomically: a reader never sees half a file).

* :func:`plot_history` — accuracy or cost per epoch, training vs validation: the
  overfitting diagnostic of chapter 3 (and chapter 6, problem 9).
* :func:`plot_confusion` — the 10×10 confusion matrix, counts in the cells.
* :func:`plot_gallery` — digits with their true and predicted labels (e.g. misclassified ones).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..atomic import atomic_savefig


def _plt():
    import matplotlib

    if matplotlib.get_backend().lower() != "agg":
        matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path, dpi: int = 100) -> Path:
    """Write ``fig`` as a PNG atomically (temporary file + rename) and close it."""
    try:
        atomic_savefig(fig, path, dpi=dpi, bbox_inches="tight")
    finally:
        _plt().close(fig)
    return Path(path)


_LABELS = {"accuracy": "training", "val_accuracy": "validation", "cost": "training", "val_cost": "validation"}


def plot_history(history, metric: str = "accuracy", path=None, title: str | None = None,
                 eval_label: str = "validation"):
    """Curves of ``metric`` ('accuracy' or 'cost') per epoch: training vs evaluation data.

    ``history`` is a :class:`~nndl.train.History` or its ``to_dict()``."""
    if metric not in ("accuracy", "cost"):
        raise ValueError(f"metric must be 'accuracy' or 'cost', got {metric!r}")
    h = history.to_dict() if hasattr(history, "to_dict") else dict(history)
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    epochs = h.get("epoch", [])
    scale = 100.0 if metric == "accuracy" else 1.0
    for key, label, style in ((metric, "training data", "-"), (f"val_{metric}", f"{eval_label} data", "-")):
        if key in h and len(h[key]) == len(epochs) and epochs:
            ax.plot(epochs, np.asarray(h[key], dtype=float) * scale, style, marker="o" if len(epochs) < 40 else None,
                    markersize=3, label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy (%)" if metric == "accuracy" else "cost")
    ax.set_title(title or ("Accuracy per epoch" if metric == "accuracy" else "Cost per epoch"))
    ax.grid(True, alpha=0.3)
    if epochs:
        ax.legend()
    if path is not None:
        save_figure(fig, path)
    return fig


def plot_confusion(matrix, path=None, title: str = "Confusion matrix", labels=None):
    """The confusion matrix: rows are true digits, columns predicted ones."""
    m = np.asarray(matrix)
    k = m.shape[0]
    labels = list(range(k)) if labels is None else labels
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 5.6))
    im = ax.imshow(m, cmap="Blues")
    fig.colorbar(im, ax=ax, fraction=0.046)
    ax.set_xticks(range(k), labels)
    ax.set_yticks(range(k), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    hi = m.max() / 2 if m.size else 0
    for i in range(k):
        for j in range(k):
            ax.text(j, i, str(int(m[i, j])), ha="center", va="center", fontsize=7,
                    color="white" if m[i, j] > hi else "black")
    if path is not None:
        save_figure(fig, path)
    return fig


def plot_gallery(images, true, predicted, path=None, title: str | None = None, columns: int = 10,
                 max_images: int = 100):
    """A grid of digits captioned 'true→predicted'. ``images`` are (n, 784), (n, 28, 28) or
    (n, 1, h, w), light-on-dark as in MNIST."""
    X = np.asarray(images)[:max_images]
    n = X.shape[0]
    side = int(round(np.sqrt(X[0].size))) if n else 28
    X = X.reshape(n, side, side) if n else X
    cols = max(1, min(columns, n))
    rows = max(1, -(-n // cols))
    plt = _plt()
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.0, rows * 1.15 + 0.4), squeeze=False)
    for idx, ax in enumerate(axes.flat):
        ax.axis("off")
        if idx < n:
            ax.imshow(X[idx], cmap="gray_r", vmin=0, vmax=max(1.0, float(X[idx].max())))
            ax.set_title(f"{int(true[idx])}→{int(predicted[idx])}", fontsize=8, color="crimson")
    fig.suptitle(title or f"{n} misclassified (true→predicted)", fontsize=10)
    if path is not None:
        save_figure(fig, path)
    return fig


__all__ = ["plot_history", "plot_confusion", "plot_gallery", "save_figure"]
