"""Hyper-parameter search on Optuna: ``nndl tune SPACE.toml``.

The lecture's three strategies — grid search (linear or logarithmic), random search and the
Tree-structured Parzen Estimator — over ``nndl train``'s settings, with pruning of hopeless
trials through the one training loop, SQLite or any SQLAlchemy database as the shared study,
and N worker processes (or machines) on one study. Layers: this package sits above
:mod:`nndl.app`'s settings and runs (each trial is an ordinary run) and below the CLI.

* :mod:`.space` — the space file; :mod:`.objective` — one trial = one run, the pruning callback;
* :mod:`.study` — storage, heartbeat, the exact budget, workers; :mod:`.run` — :func:`tune`;
* :mod:`.results`, :mod:`.plots` — the table, best.toml, PNGs; :mod:`.compare` — grid vs random vs TPE.
"""
from .objective import PruningCallback, make_objective
from .run import TuneResult, tune
from .space import Param, Space, load_space, parse_space

__all__ = ["tune", "TuneResult", "load_space", "parse_space", "Space", "Param", "PruningCallback",
           "make_objective"]
