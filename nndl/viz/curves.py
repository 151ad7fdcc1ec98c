"""Curves: training history per epoch, the learning-rate range test, the optimiser comparison."""
from __future__ import annotations

import numpy as np

from .figure import pyplot, save_figure

_LABELS = {"accuracy": "training", "val_accuracy": "validation", "cost": "training", "val_cost": "validation"}


def plot_history(history, metric: str = "accuracy", path=None, title: str | None = None,
                 eval_label: str = "validation"):
    """Curves of ``metric`` ('accuracy' or 'cost') per epoch: training vs evaluation data.

    ``history`` is a :class:`~nndl.train.History` or its ``to_dict()``."""
    if metric not in ("accuracy", "cost"):
        raise ValueError(f"metric must be 'accuracy' or 'cost', got {metric!r}")
    h = history.to_dict() if hasattr(history, "to_dict") else dict(history)
    plt = pyplot()
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


def plot_lr_find(result, path=None, title: str | None = None):
    """Loss against η (log axis), raw and smoothed, with the suggested range shaded
    (``result``: a :class:`nndl.train.lrfind.LRFindResult`)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    lrs = np.asarray(result.lrs)
    ax.plot(lrs, result.losses, color="0.75", lw=0.8, label="mini-batch loss")
    sm = np.asarray(result.smoothed, dtype=float)
    ok = np.isfinite(sm)
    ax.plot(lrs[ok], sm[ok], color="C0", lw=1.8, label="smoothed")
    lo, hi = result.suggestion
    ax.axvspan(lo, hi, color="C2", alpha=0.15, label=f"suggested η: {lo:.3g} – {hi:.3g}")
    ax.set_xscale("log")
    finite = sm[ok]
    if len(finite):
        top = max(finite[0] * 1.5, np.percentile(finite, 95))
        ax.set_ylim(max(0.0, finite.min() * 0.8) if finite.min() > 0 else None, top)
    ax.set_xlabel("learning rate η (log scale)")
    ax.set_ylabel("loss")
    ax.set_title(title or "learning-rate range test")
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    if path is not None:
        save_figure(fig, path)
    return fig


def smooth_curve(values, window: int = 20):
    """Exponential moving average with factor 1 − 1/window, bias-corrected (so the first
    points are not pulled towards 0): a readable curve through noisy mini-batch losses."""
    v = np.asarray(values, dtype=float)
    if len(v) < 2 or window <= 1:
        return v
    beta, avg = 1.0 - 1.0 / window, 0.0
    out = np.empty_like(v)
    for i, x in enumerate(v):
        avg = beta * avg + (1 - beta) * x
        out[i] = avg / (1 - beta ** (i + 1))
    return out


def plot_comparison(curves, path=None, title: str | None = None, window: int = 20, log_y: bool = True):
    """Smoothed training loss per mini-batch of each optimiser (``curves``: a list of
    :class:`nndl.app.compare.Curve`)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for c in curves:
        label = f"{c.name} (η={c.optimizer.get('lr'):g})" + (" — diverged" if c.diverged else "")
        ax.plot(np.arange(1, len(c.losses) + 1), smooth_curve(c.losses, window), lw=1.5, label=label)
    ax.set_xlabel("mini-batch")
    ax.set_ylabel(f"training loss (smoothed over ~{window} mini-batches)")
    if log_y:
        ax.set_yscale("log")
    ax.set_title(title or "optimisers from the same initial weights")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    if path is not None:
        save_figure(fig, path)
    return fig
