"""Plots for the constructions of chapter 4 and lecture 1 (:mod:`nndl.insight`).

Three shapes cover every figure: panels of curves (steps, bumps, approximations, errors,
learning curves), panels of 2-D maps (towers, linear regions), and a bar chart (success
rates). Each takes plain numbers, returns the Figure and, given ``path``, writes a PNG
atomically.
"""
from __future__ import annotations

import numpy as np

from .figure import pyplot as _plt, save_figure


def _finish(fig, path, title):
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    if path is not None:
        save_figure(fig, path)
    return fig


def plot_panels(panels, path=None, title: str | None = None, columns: int | None = None):
    """Side-by-side line plots. Each panel is a dict: ``x``, ``curves`` ({label: y} or
    {label: (x, y)}), and optionally ``title``, ``xlabel``, ``ylabel``, ``logx``, ``logy``,
    ``step`` (draw as steps), ``styles`` ({label: matplotlib format})."""
    plt = _plt()
    columns = columns or len(panels)
    rows = -(-len(panels) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(4.6 * columns, 3.6 * rows), squeeze=False)
    for ax, panel in zip(axes.ravel(), panels):
        styles = panel.get("styles", {})
        for label, curve in panel["curves"].items():
            x, y = curve if isinstance(curve, tuple) else (panel["x"], curve)
            draw = ax.step if panel.get("step") else ax.plot
            draw(np.asarray(x), np.asarray(y), styles.get(label, "-"), label=label, linewidth=1.4,
                 markersize=4, **({"where": "post"} if panel.get("step") else {}))
        ax.set_xscale("log" if panel.get("logx") else "linear")
        ax.set_yscale("log" if panel.get("logy") else "linear")
        ax.set_title(panel.get("title", ""), fontsize=10)
        ax.set_xlabel(panel.get("xlabel", "x"))
        ax.set_ylabel(panel.get("ylabel", ""))
        ax.grid(alpha=0.3)
        if len(panel["curves"]) > 1:
            ax.legend(fontsize=8)
    for ax in axes.ravel()[len(panels):]:
        ax.axis("off")
    return _finish(fig, path, title)


def plot_maps(maps, path=None, title: str | None = None, extent=(0, 1, 0, 1), regions: bool = False,
              columns: int | None = None):
    """Heat maps of 2-D arrays, one panel per (panel title, array) or (title, array, extent).
    ``regions=True`` colours
    integer region ids with shuffled distinct colours (neighbours rarely look alike)."""
    plt = _plt()
    columns = columns or len(maps)
    rows = -(-len(maps) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 4.0 * rows), squeeze=False)
    for ax, (name, a, *own) in zip(axes.ravel(), maps):
        a, box = np.asarray(a), own[0] if own else extent
        if regions:
            perm = np.random.default_rng(0).permutation(int(a.max()) + 1)
            ax.imshow(perm[a] % 20, cmap="tab20", origin="lower", extent=box, interpolation="nearest")
        else:
            im = ax.imshow(a, cmap="viridis", origin="lower", extent=box)
            fig.colorbar(im, ax=ax, shrink=0.8)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
    for ax in axes.ravel()[len(maps):]:
        ax.axis("off")
    return _finish(fig, path, title)


def plot_bars(labels, values, path=None, title: str | None = None, ylabel: str = "", percent: bool = True):
    """A bar chart with each bar's value written on it."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    values = np.asarray(values, dtype=float) * (100 if percent else 1)
    bars = ax.bar(range(len(labels)), values, color="tab:blue")
    ax.set_xticks(range(len(labels)), labels, fontsize=9)
    ax.set_ylabel(ylabel)
    for b, v in zip(bars, values):
        ax.annotate(f"{v:.0f}%" if percent else f"{v:g}", (b.get_x() + b.get_width() / 2, v), ha="center",
                    va="bottom", fontsize=9)
    ax.set_ylim(0, max(values.max() * 1.15, 1))
    return _finish(fig, path, title)
