"""Plots (matplotlib, Agg backend: no display needed). Every function returns the matplotlib
Figure; pass ``path`` to also write it as a PNG — always through :func:`save_figure`, the one
figure-saving path (atomic: a reader never sees half a file).

* :mod:`nndl.viz.curves` — :func:`plot_history` (accuracy or cost per epoch, training vs
  validation: the overfitting diagnostic of chapter 3), :func:`plot_lr_find`,
  :func:`plot_comparison` (optimisers).
* :mod:`nndl.viz.images` — :func:`plot_confusion`, :func:`plot_gallery` (digits with true and
  predicted labels), :func:`plot_augmentation_grid`, :func:`plot_whitening`.
"""
from .curves import plot_comparison, plot_history, plot_lr_find, smooth_curve
from .figure import pyplot, save_figure
from .images import plot_augmentation_grid, plot_confusion, plot_gallery, plot_whitening

__all__ = ["plot_history", "plot_lr_find", "plot_comparison", "smooth_curve", "plot_confusion", "plot_gallery",
           "plot_augmentation_grid", "plot_whitening", "save_figure", "pyplot"]
