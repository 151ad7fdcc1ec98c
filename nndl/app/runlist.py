"""The runs under a folder, with their key settings and results (what ``nndl runs`` prints).

    from nndl.app.runlist import list_runs
    for r in list_runs("runs"):
        print(r["run"], r["status"], r["best_eval_accuracy"])

A run folder is a folder holding ``config.toml`` (see :mod:`nndl.app.runs`). Its status is
``running`` while a command holds it, ``finished`` once ``summary.json`` says so, ``stopped``
after a kill or Ctrl-C (``nndl train --resume`` continues it), or ``damaged`` when its files
cannot be read; a folder that is not a run is left out.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError, NNDLError
from ..io.schema import read_json_object
from .folders import is_held
from .runs import CHECKPOINT, CONFIG, HISTORY_JSON, SUMMARY
from .settings import load_config

#: the settings listed for each run
KEY_SETTINGS = ("dataset", "subset", "sizes", "activation", "cost", "optimizer", "eta", "lmbda", "batch_size",
                "epochs", "seed")


def _read_json(path: Path):
    """A JSON object file (depth- and size-checked), or None if absent or damaged."""
    if not path.is_file():
        return None
    try:
        return read_json_object(path, path.name)
    except (NNDLError, OSError, ValueError):
        return None


def _number(v):
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def describe_run(folder) -> dict:
    """One run's key settings, status and results (None where unknown)."""
    folder = Path(folder)
    row = {"run": folder.name, "path": str(folder), "status": "stopped", "epochs_run": 0,
           "best_eval_accuracy": None, "best_epoch": None, "test_accuracy": None, "train_seconds": None,
           "evaluation_data": None, **{k: None for k in KEY_SETTINGS}}
    try:
        cfg = load_config(folder / CONFIG)
    except (ConfigError, NNDLError, OSError):
        return {**row, "status": "damaged"}
    row.update({k: getattr(cfg, k) for k in KEY_SETTINGS}, evaluation_data=cfg.evaluation_data)
    history = _read_json(folder / HISTORY_JSON) or {}
    monitored = [_number(v) for v in history.get("val_accuracy", []) if isinstance(history.get("val_accuracy"), list)]
    monitored = [v for v in monitored if v is not None]
    row["epochs_run"] = len(history.get("epoch", [])) if isinstance(history.get("epoch"), list) else 0
    if monitored:
        best = max(range(len(monitored)), key=monitored.__getitem__)
        row.update(best_eval_accuracy=monitored[best], best_epoch=best + 1)
    summary = _read_json(folder / SUMMARY)
    if is_held(folder):
        row["status"] = "running"
    elif summary is not None and summary.get("finished") is True:
        final = summary.get("final") if isinstance(summary.get("final"), dict) else {}
        row.update(status="finished", test_accuracy=_number(final.get("test_accuracy")),
                   train_seconds=_number(summary.get("train_seconds")),
                   dataset=summary.get("dataset") if isinstance(summary.get("dataset"), str) else row["dataset"])
    elif not (folder / CHECKPOINT).is_file():
        row["status"] = "no epoch completed"
    return row


def list_runs(root="runs") -> list:
    """:func:`describe_run` for every run folder directly under ``root``, oldest name first
    (run folders are named by their start time). ConfigError if ``root`` is not a folder."""
    root = Path(root)
    if not root.is_dir():
        raise ConfigError(f"{root}: no such folder of runs (runs are written under ./runs by default)")
    return [describe_run(d) for d in sorted(root.iterdir()) if d.is_dir() and (d / CONFIG).is_file()]


__all__ = ["list_runs", "describe_run", "KEY_SETTINGS"]
