"""One trial = one ordinary training run, through the application's build path and the one loop.

The objective turns the sampler's picks into a :class:`~nndl.config.RunConfig`, trains it with
:func:`nndl.runs.train_run` into ``<tune dir>/trials/<number>/`` (a normal run folder: its
``config.toml`` replays the trial with ``nndl train --config``), and returns the best epoch's
metric. :class:`PruningCallback` is the only tuning code inside the loop: after each epoch it
reports the validation metric to Optuna and raises :class:`optuna.TrialPruned` when the
pruner says the trial is hopeless.
"""
from __future__ import annotations

import math
import os
import socket
import time
from pathlib import Path

import optuna

from ..app.settings import RunConfig
from ..errors import TrainingError
from ..app.runs import train_run
from ..train import Callback

TRIALS = "trials"


class PruningCallback(Callback):
    """Report ``logs[metric]`` as the trial's intermediate value at step = epoch, then ask the
    pruner: ``trial.should_prune()`` → raise :class:`optuna.TrialPruned` (the loop stops)."""

    def __init__(self, trial, metric: str = "val_accuracy"):
        self.trial, self.metric = trial, metric
        self.epochs_run, self.seconds = 0, 0.0

    def on_epoch_end(self, epoch, logs):
        self.epochs_run, self.seconds = epoch + 1, self.seconds + float(logs.get("time", 0.0))
        value = logs.get(self.metric)
        if value is None or not math.isfinite(value):
            return  # divergence: the loop raises TrainingError right after
        self.trial.report(float(value), epoch + 1)
        if self.trial.should_prune():
            raise optuna.TrialPruned(f"pruned after epoch {epoch + 1}: {self.metric} {value:.4f}")


def trial_dir(tune_dir, number: int) -> Path:
    return Path(tune_dir) / TRIALS / f"{number:04d}"


def best_epoch_value(history, metric: str) -> float:
    """The trial's value: the peak validation accuracy (the book's figure) or the lowest cost."""
    values = [v for v in history[metric] if v is not None and math.isfinite(v)]
    return max(values) if metric == "val_accuracy" else min(values)


def make_objective(space, tune_dir, metric: str, data_dir=None, callbacks=()):
    """The function Optuna calls with each trial."""

    def objective(trial):
        trial.set_user_attr("worker", f"{socket.gethostname()}:{os.getpid()}")  # first: see study.fail_orphans
        settings = space.settings(trial)
        cfg = RunConfig.from_dict(settings, source=space.source)
        pruning = PruningCallback(trial, metric)
        start = time.perf_counter()
        run_dir = trial_dir(tune_dir, trial.number)
        trial.set_user_attr("run_dir", str(run_dir))
        try:
            result = train_run(cfg, run_dir, data_dir=data_dir, callbacks=[pruning, *callbacks], plots=False)
        except optuna.TrialPruned:
            _record(trial, cfg, pruning, start)
            raise
        except TrainingError as e:  # divergence: a hopeless trial, pruned rather than failed
            _record(trial, cfg, pruning, start)
            trial.set_user_attr("diverged", " ".join(str(e).split())[:200])
            raise optuna.TrialPruned(f"diverged after {pruning.epochs_run} epochs") from None
        _record(trial, cfg, pruning, start)
        return best_epoch_value(result.history, metric)

    return objective


def _record(trial, cfg, pruning, start):
    trial.set_user_attr("epochs", cfg.epochs)
    trial.set_user_attr("epochs_run", pruning.epochs_run)
    trial.set_user_attr("train_seconds", round(pruning.seconds, 3))
    trial.set_user_attr("seconds", round(time.perf_counter() - start, 3))


__all__ = ["PruningCallback", "make_objective", "trial_dir", "best_epoch_value", "TRIALS"]
