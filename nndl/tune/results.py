"""What a study leaves in its tune folder: the table of trials, the best trial as a replayable
TOML, a summary (with the time pruning saved) and the plots.

    results.csv, results.md   every trial, best first (sorted by the metric)
    best.toml                 the best trial's settings: nndl train --config best.toml replays it
    summary.json              counts per state, best trial, time spent and saved by pruning
    history.png               best so far vs trial number
    history-time.png          best so far vs wall-clock minutes
    importances.png           parameter importances (Optuna's fANOVA)
    eta-lmbda.png             η vs λ coloured by the metric (a slice plot per parameter otherwise)
"""
from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

from optuna.trial import TrialState

from ..app.settings import RunConfig, load_config
from ..errors import ConfigError
from ..app.settings import write_text as atomic_write_text
from .space import from_choice

BEST, CSV, MD, SUMMARY = "best.toml", "results.csv", "results.md", "summary.json"


def trial_rows(study, space) -> list:
    """One dict per trial, best first: finished trials by value, then the rest by number."""
    maximize = study.direction.name == "MAXIMIZE"
    rows = []
    for t in study.get_trials(deepcopy=False):
        value = t.value if t.state == TrialState.COMPLETE else _last(t)
        rows.append({"trial": t.number, "state": t.state.name.lower(), "value": value,
                     **{p.name: t.params.get(p.name) for p in space.params},
                     "epochs_run": t.user_attrs.get("epochs_run"), "seconds": t.user_attrs.get("seconds"),
                     "retry_of": t.system_attrs.get("failed_trial")})
    done = [r for r in rows if r["state"] == "complete"]
    rest = [r for r in rows if r["state"] != "complete"]
    done.sort(key=lambda r: (-r["value"] if maximize else r["value"], r["trial"]))
    return done + sorted(rest, key=lambda r: r["trial"])


def _last(t):
    return t.intermediate_values[max(t.intermediate_values)] if t.intermediate_values else None


def best_config(study, space, tune_dir) -> RunConfig:
    """The best trial's settings: its run folder's resolved config.toml when this machine
    holds it, else the fixed settings and the trial's parameters (the same run either way)."""
    best = study.best_trial
    path = Path(best.user_attrs.get("run_dir", "")) / "config.toml"
    if best.user_attrs.get("run_dir") and path.is_file():
        return load_config(path)
    params = {k: from_choice(v) for k, v in best.params.items()}
    return RunConfig.from_dict({**space.fixed, **params}, source="best trial")


def pruning_saved(study) -> dict:
    """Seconds spent on trials and an estimate of those pruning saved: each pruned trial's
    epochs not run × its own seconds per epoch."""
    spent = saved = 0.0
    for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED)):
        secs, run, total = t.user_attrs.get("train_seconds"), t.user_attrs.get("epochs_run"), t.user_attrs.get("epochs")
        if secs is None or not run:
            continue
        spent += secs
        if t.state == TrialState.PRUNED:
            saved += secs / run * (total - run)
    return {"train_seconds": round(spent, 1), "saved_seconds": round(saved, 1),
            "saved_fraction": round(saved / (spent + saved), 3) if spent + saved else 0.0}


def write_results(study, space, tune_dir, plots: bool = True) -> dict:
    """Write the folder's result files; return the summary."""
    tune_dir = Path(tune_dir)
    rows = trial_rows(study, space)
    _write_table(rows, space, tune_dir, study.user_attrs.get("metric"))
    states = {}
    for r in rows:
        states[r["state"]] = states.get(r["state"], 0) + 1
    summary = {"study": study.study_name, "metric": study.user_attrs.get("metric"),
               "direction": study.direction.name.lower(), "sampler": study.user_attrs.get("sampler"),
               "trials": len(rows), "states": states, **pruning_saved(study), "wall_minutes": _wall_minutes(study)}
    if states.get("complete"):
        best = study.best_trial
        cfg = best_config(study, space, tune_dir)
        header = (f"nndl tune: best trial {best.number} of study {study.study_name!r}, "
                  f"{summary['metric']} {best.value:.6g} (its best epoch)\n"
                  f"Replay it exactly with:  nndl train --config <this file>")
        atomic_write_text(tune_dir / BEST, cfg.to_toml(header))
        summary["best"] = {"trial": best.number, "value": best.value,
                           "params": {k: from_choice(v) for k, v in best.params.items()}}
    atomic_write_text(tune_dir / SUMMARY, json.dumps(summary, indent=1) + "\n")
    if plots and states.get("complete"):
        from .plots import write_plots

        summary["plots"] = write_plots(study, space, tune_dir)
    return summary


def _wall_minutes(study):
    times = [(t.datetime_start, t.datetime_complete) for t in study.get_trials(deepcopy=False)
             if t.datetime_start and t.datetime_complete]
    if not times:
        return 0.0
    return round((max(b for _, b in times) - min(a for a, _ in times)).total_seconds() / 60, 2)


def format_value(v, metric):
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return ""
    return f"{v * 100:.2f}%" if metric == "val_accuracy" else f"{v:.4f}"


def _write_table(rows, space, tune_dir, metric):
    cols = ["trial", "state", "value", *(p.name for p in space.params), "epochs_run", "seconds", "retry_of"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow(["" if r[c] is None else r[c] for c in cols])
    atomic_write_text(tune_dir / CSV, buf.getvalue())
    atomic_write_text(tune_dir / MD, markdown_table(rows, space, metric))


def markdown_table(rows, space, metric=None, limit=None) -> str:
    metric = metric or "val_accuracy"
    names = [p.name for p in space.params]
    lines = ["| trial | state | value | " + " | ".join(names) + " | epochs run | seconds |",
             "|---" * (len(names) + 5) + "|"]
    for r in rows[:limit]:
        vals = " | ".join(_fmt(r[n]) for n in names)
        secs = "" if r["seconds"] is None else f"{r['seconds']:.1f}"
        lines.append(f"| {r['trial']} | {r['state']} | {format_value(r['value'], metric)} | {vals} | "
                     f"{_fmt(r['epochs_run'])} | {secs} |")
    return "\n".join(lines) + "\n"


def _fmt(v):
    return f"{v:.4g}" if isinstance(v, float) else ("" if v is None else str(v))


def require_trials(study):
    if not study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        raise ConfigError(f"study {study.study_name!r} has no completed trial yet")


__all__ = ["write_results", "trial_rows", "best_config", "pruning_saved", "markdown_table", "format_value"]
