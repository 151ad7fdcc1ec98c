"""The application layer: what turns settings into trained, saved and evaluated models. It
computes and writes files, and never prints (front ends print; they pass callbacks in).

* :mod:`~nndl.app.settings` — :class:`RunConfig` (every setting of a run), validation, TOML;
* :mod:`~nndl.app.build` — settings → data, model, optimiser, callbacks (``setup_run``);
* :mod:`~nndl.app.runs` — run folders: train, resume, history, plots, summary;
* :mod:`~nndl.app.evaluation` — evaluate a saved model, classify image files;
* :mod:`~nndl.app.ensemble`, :mod:`~nndl.app.convnets` (chapter 6's networks),
  :mod:`~nndl.app.baselines` (chapter 1), :mod:`~nndl.app.compare` (optimiser comparison);
* :mod:`~nndl.app.reproduce` — the book's experiments as named recipes.
"""
