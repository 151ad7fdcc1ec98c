"""A study's PNGs: Optuna's trials turned into plain numbers for :mod:`nndl.viz.tuning`."""
from __future__ import annotations

import warnings
from pathlib import Path

import optuna
from optuna.trial import TrialState

from ..viz.tuning import plot_best_so_far, plot_importances, plot_pair, plot_slices

HISTORY, HISTORY_TIME, IMPORTANCES, PAIR, SLICES = ("history.png", "history-time.png", "importances.png",
                                                    "eta-lmbda.png", "slices.png")


def _axis(metric):
    return (100.0, "validation accuracy (%)") if metric == "val_accuracy" else (1.0, "validation cost")


def curve(study, against: str = "trial"):
    """(x, values) of the finished trials in order: x = 1, 2, ... (trials finished) or minutes
    since the study's first trial started; a pruned trial's value is None."""
    trials = [t for t in study.get_trials(deepcopy=False) if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    if against == "time":
        trials.sort(key=lambda t: t.datetime_complete)
        t0 = min(t.datetime_start for t in trials)
        x = [(t.datetime_complete - t0).total_seconds() / 60 for t in trials]
    else:
        trials.sort(key=lambda t: t.number)
        x = list(range(1, len(trials) + 1))
    return x, [t.value if t.state == TrialState.COMPLETE else None for t in trials]


def write_plots(study, space, tune_dir) -> list:
    tune_dir, metric = Path(tune_dir), study.user_attrs.get("metric", "val_accuracy")
    scale, label = _axis(metric)
    maximize = study.direction.name == "MAXIMIZE"
    name = study.study_name
    written = []
    for against, fname, xlabel in (("trial", HISTORY, "trials finished"), ("time", HISTORY_TIME, "wall-clock minutes")):
        written.append(plot_best_so_far({name: curve(study, against)}, tune_dir / fname, xlabel=xlabel,
                                        ylabel=label, maximize=maximize, scale=scale,
                                        title=f"{name}: {study.user_attrs.get('sampler')} search"))
    done = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    values = [t.value for t in done]
    names = [p.name for p in space.params]
    if len(done) >= 2 and len(names) >= 1:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                imp = optuna.importance.get_param_importances(
                    study, evaluator=optuna.importance.FanovaImportanceEvaluator(seed=0))
            written.append(plot_importances(imp, tune_dir / IMPORTANCES, title=f"{name}: parameter importances"))
        except (RuntimeError, ValueError):
            pass  # e.g. every finished trial has the same value: nothing to attribute
    logs = {p.name: p.log for p in space.params}
    if "eta" in names and "lmbda" in names:
        written.append(plot_pair([t.params["eta"] for t in done], [t.params["lmbda"] for t in done],
                                 values, "η (eta)", "λ (lmbda)", tune_dir / PAIR, xlog=logs["eta"],
                                 ylog=logs["lmbda"], scale=scale, label=label, maximize=maximize,
                                 title=f"{name}: η vs λ, finished trials"))
    written.append(plot_slices({n: [t.params[n] for t in done] for n in names}, values, tune_dir / SLICES,
                               logs=logs, scale=scale, label=label))
    return [str(p) for p in written]


__all__ = ["write_plots", "curve"]
