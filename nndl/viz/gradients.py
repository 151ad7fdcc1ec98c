"""Plots of chapter 5: per-layer learning speed (log scale, one curve per hidden layer, as the
book's figures), a run's diagnostics, the exploding chain, clipping, and the band-width problem.

Every function returns the Figure and, given ``path``, writes it atomically (:func:`save_figure`).
"""
from __future__ import annotations

import numpy as np

from .figure import pyplot, save_figure


def _layer_lines(ax, x, Y, prefix="hidden layer", log=True):
    """One line per column of Y (None/NaN/≤0 points are skipped on a log axis)."""
    Y = np.asarray(Y, dtype=float)
    for j in range(Y.shape[1] if Y.ndim == 2 else 0):
        y = Y[:, j].copy()
        if log:
            y[~(y > 0)] = np.nan
        ax.plot(x, y, label=f"{prefix} {j + 1}")
    if log:
        ax.set_yscale("log")
    ax.grid(True, which="both", alpha=0.25)


def _records_table(records, key):
    return np.array([[np.nan if v is None else v for v in r[key]] for r in records], dtype=float)


def plot_speed_panels(panels, path=None, title: str | None = None, ylabel="learning speed ‖∂C/∂b‖"):
    """Side-by-side log-scale speed curves. ``panels`` is a list of (title, epochs, speeds) with
    speeds of shape (records, hidden layers); the panels share the y axis."""
    return plot_layer_grid([(name, {"epoch": e, "speed": s}) for name, e, s in panels], [("speed", ylabel)],
                           path=path, title=title)


def plot_layer_grid(columns, metrics, path=None, title: str | None = None):
    """A grid of log-scale per-layer curves: one column per (title, table) — table maps "epoch"
    and each metric name to arrays (records × layers), or is a list of diagnostics records —
    and one row per (metric, y label); each row shares its y axis."""
    plt = pyplot()
    fig, axes = plt.subplots(len(metrics), len(columns), figsize=(4.2 * len(columns), 3.5 * len(metrics)),
                             sharey="row", squeeze=False)
    for c, (name, table) in enumerate(columns):
        for r, (metric, label) in enumerate(metrics):
            ax = axes[r][c]
            if isinstance(table, list):
                x, y = [rec["epoch"] for rec in table], _records_table(table, metric)
            else:
                x, y = table["epoch"], table[metric]
            _layer_lines(ax, x, y)
            if r == 0:
                ax.set_title(name, fontsize=10)
            if r == len(metrics) - 1:
                ax.set_xlabel("epoch")
            if c == 0:
                ax.set_ylabel(label)
    axes[0][-1].legend(fontsize=8, loc="lower left")
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    if path is not None:
        save_figure(fig, path)
    return fig


def plot_diagnostics(records, path=None, title: str | None = None):
    """A run's diagnostics records (``Diagnostics.records``): speed, ‖∂C/∂w‖, ‖w‖ per layer on
    log axes, and the saturated (sigmoid/tanh) or dead (ReLU) fraction per layer."""
    plt = pyplot()
    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    if not records:
        raise ValueError("no diagnostics records to plot")
    x = [r["epoch"] for r in records]
    for ax, key, label in ((axes[0, 0], "speed", "speed ‖∂C/∂b‖"), (axes[0, 1], "grad_w", "‖∂C/∂w‖"),
                           (axes[1, 0], "weight_norm", "‖w‖")):
        _layer_lines(ax, x, _records_table(records, key), log=True)
        ax.set_ylabel(label)
    ax = axes[1, 1]
    for key, style, what in (("saturated", "-", "saturated"), ("dead", "--", "dead")):
        table = _records_table(records, key)
        for j in range(table.shape[1]):
            if np.isfinite(table[:, j]).any():
                ax.plot(x, 100 * table[:, j], style, label=f"layer {j + 1} {what}")
    ax.set_ylabel("units saturated / dead (%)")
    ax.set_ylim(-2, 102)
    ax.grid(True, alpha=0.25)
    if ax.lines:
        ax.legend(fontsize=8)
    for a in axes.flat:
        a.set_xlabel("epoch")
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(title or "Per-layer diagnostics (hidden layers, first to last)", fontsize=11)
    fig.tight_layout()
    if path is not None:
        save_figure(fig, path)
    return fig


def plot_exploding(grads, clipping: dict, path=None, factor: float | None = None):
    """Left: |∂C/∂bˡ| along the exploding chain (log scale). Middle and right: the global gradient
    norm before each step and the cost, with and without clipping (``clipping`` as returned by
    :func:`nndl.insight.unstable.clipping_demo`)."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    g = np.asarray(grads, dtype=float)
    axes[0].bar(np.arange(1, len(g) + 1), g, color="tab:red")
    axes[0].set_yscale("log")
    axes[0].set_xlabel("layer")
    axes[0].set_ylabel("|∂C/∂b|")
    axes[0].set_title("gradient per layer" + (f" (×{factor:g} per layer back)" if factor else ""), fontsize=10)
    for name, run in clipping.items():
        label = name if run.get("clip_norm") is None else f"{name} (K={run['clip_norm']:g})"
        norms = np.asarray(run["grad_norm"], dtype=float)
        zero = np.flatnonzero(~(norms > 0))
        if zero.size:   # exactly 0 (every unit saturated) cannot sit on a log axis: say so
            label += f", 0 from step {zero[0] + 1}"
        norms[zero] = np.nan
        axes[1].plot(np.arange(1, len(norms) + 1), norms, marker="o" if zero.size else ".", label=label)
        axes[2].plot(np.arange(1, len(run["cost"]) + 1), run["cost"], marker=".", label=label.split(",")[0])
    axes[1].set_yscale("log")
    axes[1].set_title("grad_norm before each step", fontsize=10)
    axes[2].set_yscale("log")
    axes[2].set_title("cost after each step", fontsize=10)
    for a in axes[1:]:
        a.set_xlabel("step")
        a.legend(fontsize=8)
        a.grid(True, which="both", alpha=0.25)
    fig.tight_layout()
    if path is not None:
        save_figure(fig, path)
    return fig


def plot_band_width(w, numeric, closed, best=None, path=None):
    """Width of the band of a where |wσ′(wa + b)| ≥ 1, numeric vs closed form, against |w|."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    ax.plot(w, closed, "-", label="closed form", lw=2)
    ax.plot(w, numeric, "o", label="numeric (root finding)", ms=3, markevery=5, mfc="none")
    if best is not None:
        bw, bwidth = best
        ax.axvline(bw, color="grey", ls=":", lw=1)
        ax.annotate(f"max {bwidth:.4f} at |w| = {bw:.3f}", (bw, bwidth), xytext=(bw + 3, bwidth * 0.7),
                    arrowprops={"arrowstyle": "->"})
    ax.set_xlabel("|w|")
    ax.set_ylabel("width of {a : |wσ′(wa+b)| ≥ 1}")
    ax.grid(True, alpha=0.3)
    ax.legend()
    if path is not None:
        save_figure(fig, path)
    return fig


__all__ = ["plot_band_width", "plot_diagnostics", "plot_exploding", "plot_layer_grid", "plot_speed_panels"]
