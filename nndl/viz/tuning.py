"""Plots of a hyper-parameter search, from plain numbers (no Optuna here).

* :func:`plot_best_so_far` — each trial's value and the best so far, against trial number or
  wall-clock minutes; several searches on one figure for the lecture's grid/random/TPE comparison.
* :func:`plot_importances` — horizontal bars, one per parameter.
* :func:`plot_pair` — two parameters (η vs λ) as a scatter coloured by the metric, log axes
  where the range is logarithmic.
* :func:`plot_slices` — the metric against each parameter.
"""
from __future__ import annotations

import numpy as np
from matplotlib.ticker import NullFormatter

from .figure import pyplot as _plt, save_figure


def best_so_far(values, maximize: bool = True) -> np.ndarray:
    """Running max (or min) over trials; NaN (a pruned trial) keeps the previous best."""
    out, best = [], np.nan
    for v in values:
        if v is not None and np.isfinite(v) and (np.isnan(best) or (v > best if maximize else v < best)):
            best = v
        out.append(best)
    return np.asarray(out, dtype=float)


def plot_best_so_far(series, path=None, xlabel="trial", ylabel="validation accuracy (%)",
                     maximize: bool = True, scale: float = 100.0, title=None, reference=None):
    """``series`` maps a label to (x, values): one line of best-so-far per search, with each
    trial's value as faint dots. ``reference`` (value, label) draws a horizontal line."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.8, 4.3))
    for label, (x, values) in series.items():
        v = np.asarray([np.nan if u is None else u for u in values], dtype=float)
        line, = ax.step(x, best_so_far(v, maximize) * scale, where="post", label=f"{label} (best so far)")
        ax.plot(x, v * scale, "o", color=line.get_color(), alpha=0.3, markersize=3)
    if reference is not None:
        ax.axhline(reference[0] * scale, color="grey", linestyle="--", linewidth=1, label=reference[1])
    finite = [u for _, vals in series.values() for u in vals if u is not None and np.isfinite(u)]
    if finite and maximize:  # the interesting top of the range, not the failed trials at 10%
        finals = [np.nanmax(best_so_far(vals, True)) for _, vals in series.values()
                  if any(u is not None and np.isfinite(u) for u in vals)]
        best = max(finite) * scale
        low = min(max(min(finite) * scale, best - 5.0), min(finals) * scale)
        ax.set_ylim(low - 0.2, best + 0.3)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    return save_figure(fig, path) if path else fig


def plot_importances(importances: dict, path=None, title="Parameter importances"):
    plt = _plt()
    names = list(importances)[::-1]
    fig, ax = plt.subplots(figsize=(6.0, 0.5 * len(names) + 1.5))
    ax.barh(names, [importances[n] for n in names])
    ax.set_xlabel("importance (fANOVA, share of the metric's variance)")
    ax.set_xlim(0, 1)
    ax.set_title(title, fontsize=10)
    return save_figure(fig, path) if path else fig


def plot_pair(x, y, values, xname, yname, path=None, xlog=False, ylog=False, scale=100.0,
              label="validation accuracy (%)", title=None, maximize: bool = True):
    """Two parameters of every finished trial, coloured by the metric (the best ringed)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    v = np.asarray(values, dtype=float) * scale
    sc = ax.scatter(x, y, c=v, cmap="viridis", s=36, edgecolors="k", linewidths=0.3)
    if len(v):
        i = int(np.nanargmax(v)) if maximize else int(np.nanargmin(v))
        ax.scatter([x[i]], [y[i]], s=160, facecolors="none", edgecolors="red", linewidths=1.5, label="best")
        ax.legend(fontsize=8)
    fig.colorbar(sc, ax=ax, label=label)
    ax.set_xscale("log" if xlog else "linear")
    ax.set_yscale("log" if ylog else "linear")
    for axis, log in ((ax.xaxis, xlog), (ax.yaxis, ylog)):
        if log:  # label the decades only: minor labels on a short log axis overlap
            axis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(xname)
    ax.set_ylabel(yname)
    if title:
        ax.set_title(title, fontsize=10)
    return save_figure(fig, path) if path else fig


def plot_slices(columns: dict, values, path=None, logs=None, scale=100.0, label="validation accuracy (%)"):
    """The metric against each parameter (one panel per parameter)."""
    plt = _plt()
    logs = logs or {}
    fig, axes = plt.subplots(1, len(columns), figsize=(3.2 * len(columns) + 0.5, 3.4), squeeze=False)
    v = np.asarray(values, dtype=float) * scale
    for ax, (name, xs) in zip(axes[0], columns.items()):
        numeric = all(isinstance(u, (int, float)) for u in xs)
        ax.plot(xs if numeric else [str(u) for u in xs], v, "o", alpha=0.7)
        if numeric and logs.get(name):
            ax.set_xscale("log")
        ax.set_xlabel(name)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel(label)
    return save_figure(fig, path) if path else fig


__all__ = ["plot_best_so_far", "plot_importances", "plot_pair", "plot_slices", "best_so_far"]
