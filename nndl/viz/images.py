"""Pictures of digits: the confusion matrix, galleries, augmentation grids, whitening."""
from __future__ import annotations

import numpy as np

from .figure import pyplot, save_figure


def plot_confusion(matrix, path=None, title: str = "Confusion matrix", labels=None):
    """The confusion matrix: rows are true digits, columns predicted ones."""
    m = np.asarray(matrix)
    k = m.shape[0]
    labels = list(range(k)) if labels is None else labels
    plt = pyplot()
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
    plt = pyplot()
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


def plot_augmentation_grid(image, path=None, n: int = 16, seed: int = 0, cols: int = 8, **ranges):
    """A grid of ``image`` (784 values or 28×28), its 1-pixel shifts and transforms
    (:func:`nndl.data.augment.augmentation_grid`)."""
    from ..data.augment import augmentation_grid

    tiles = augmentation_grid(image, n=n, seed=seed, **ranges)
    rows = -(-len(tiles) // cols)
    plt = pyplot()
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.3, rows * 1.45))
    for ax, item in zip(np.ravel(axes), tiles + [None] * (rows * cols - len(tiles))):
        ax.axis("off")
        if item is not None:
            title, tile = item
            ax.imshow(tile, cmap="gray_r", vmin=0, vmax=max(1.0, float(np.max(tile))))
            ax.set_title(title, fontsize=7)
    if path is not None:
        save_figure(fig, path)
    return fig


def plot_whitening(X, path=None, n: int = 10, eps: float = 0.1, image_shape=(28, 28), fit_X=None):
    """n original digits (top row), standardised, PCA-whitened and ZCA-whitened (rows
    below), transformers fitted on ``fit_X`` (default X)."""
    from ..data.preprocess import PCAWhitener, Standardizer, ZCAWhitener

    X = np.asarray(X, dtype=np.float32)
    fit_X = X if fit_X is None else np.asarray(fit_X, dtype=np.float32)
    rows = [("original", X[:n])]
    for label, pre in (("standardised", Standardizer()), (f"PCA-whitened (ε={eps:g})", PCAWhitener(eps)),
                       (f"ZCA-whitened (ε={eps:g})", ZCAWhitener(eps))):
        rows.append((label, pre.fit(fit_X).transform(X[:n])))
    plt = pyplot()
    fig, axes = plt.subplots(len(rows), n, figsize=(n * 0.9, len(rows) * 1.05))
    for r, (label, imgs) in enumerate(rows):
        for c in range(n):
            ax = axes[r, c]
            img = np.asarray(imgs[c]).reshape(image_shape)
            lim = float(np.percentile(np.abs(img), 99.5)) or 1.0   # a few rare pixels would wash it out
            if r == 0:
                ax.imshow(img, cmap="gray_r", vmin=0, vmax=max(1.0, lim))
            else:
                ax.imshow(img, cmap="RdBu_r", vmin=-lim, vmax=lim)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r, 0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
    fig.suptitle("MNIST digits before and after input normalisation / whitening", fontsize=9)
    if path is not None:
        save_figure(fig, path, dpi=80)
    return fig
