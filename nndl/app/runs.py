"""Run folders: one training run = one folder holding everything about it.

    runs/20260101-120000-784-100-10-cross_entropy/
        config.toml      the fully resolved settings (replay: nndl train --config this)
        history.json     per-epoch records (cost, accuracy, val_cost, val_accuracy, lr, time)
        history.csv      the same, as a table
        checkpoint.npz   written atomically after every epoch (resume: nndl train --resume RUN)
        best.npz         the model of the best validation accuracy so far
        model.npz        the final model
        accuracy.png     accuracy per epoch, training vs validation data
        cost.png         cost per epoch, training vs validation data
        summary.json     final and best accuracies on validation and test, time taken

From Python::

    from nndl.app.settings import RunConfig
    from nndl.app.runs import train_run, resume_run
    result = train_run(RunConfig(epochs=5), run_dir="runs/try")
    result.summary["final"]["test_accuracy"]

Every file is written atomically (temporary file + rename), and the folder is created only
after the settings, the data and the model have been checked, so a run that fails on bad
input leaves nothing behind.
"""
from __future__ import annotations

import csv
import io
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import ConfigError, ModelFileError, TrainingError
from ..io import Checkpoint, load_checkpoint, load_model, load_predictor, restore_training, save_model
from ..train import Callback, History
from ..viz import plot_history
from .build import build_callbacks, prepare_data, setup_run
from .settings import RunConfig, load_config, write_config, write_text

CONFIG, HISTORY_JSON, HISTORY_CSV = "config.toml", "history.json", "history.csv"
CHECKPOINT, BEST, FINAL, SUMMARY = "checkpoint.npz", "best.npz", "model.npz", "summary.json"
PLOTS = ("accuracy.png", "cost.png")
DEFAULT_ROOT = "runs"


# ------------------------------------------------------------------------------ files


def _jsonable(v):
    if isinstance(v, (np.floating, np.integer)):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def write_history(run_dir, history, stem: str = "history") -> None:
    """<stem>.json and <stem>.csv (history.json, history.csv) from a History (or its dict)."""
    h = history.to_dict() if hasattr(history, "to_dict") else dict(history)
    h = {k: [_jsonable(x) for x in v] for k, v in h.items()}
    write_text(Path(run_dir) / f"{stem}.json", json.dumps(h, indent=1) + "\n")
    order = [k for k in ("epoch", "cost", "accuracy", "val_cost", "val_accuracy", "lr", "train_time", "time")
             if k in h] + sorted(k for k in h if k not in ("epoch", "cost", "accuracy", "val_cost",
                                                              "val_accuracy", "lr", "train_time", "time"))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(order)
    for i in range(len(h.get("epoch", []))):
        w.writerow([h[k][i] if i < len(h[k]) else "" for k in order])
    write_text(Path(run_dir) / f"{stem}.csv", buf.getvalue())


def write_plots(run_dir, history, eval_label: str = "validation") -> list:
    run_dir = Path(run_dir)
    out = []
    for metric, name in zip(("accuracy", "cost"), PLOTS):
        plot_history(history, metric, path=run_dir / name, eval_label=eval_label)
        out.append(run_dir / name)
    return out


def default_run_name(cfg: RunConfig) -> str:
    sizes = "-".join(str(s) for s in cfg.sizes) if cfg.sizes else "default"
    return f"{sizes}-{cfg.cost}"


def new_run_dir(run_dir=None, name: str = "run", root=DEFAULT_ROOT) -> Path:
    """Create the run folder: ``run_dir`` if given (it must not exist, or be empty), else
    ``<root>/<timestamp>-<name>`` (made unique)."""
    if run_dir is not None:
        p = Path(run_dir)
        if p.exists() and (not p.is_dir() or any(p.iterdir())):
            raise ConfigError(f"run folder {p} already exists and is not empty; choose another --out "
                              f"(or continue it with --resume {p})")
        p.mkdir(parents=True, exist_ok=True)
        return p
    stamp = time.strftime("%Y%m%d-%H%M%S")
    base = Path(root) / f"{stamp}-{name}"
    p, k = base, 1
    while True:
        try:
            p.mkdir(parents=True, exist_ok=False)
            return p
        except FileExistsError:
            k += 1
            p = base.with_name(f"{base.name}-{k}")


def load_run_model(path):
    """(model that applies its preprocessing, metadata) from a model file or a run folder."""
    path = Path(path)
    if path.is_dir():
        if not (path / FINAL).is_file():
            raise ModelFileError(f"{path}: not a finished run folder (no {FINAL})")
        path = path / FINAL
    return load_predictor(path)


# ------------------------------------------------------------------------------ callbacks


class BestModelSaver(Callback):
    """Writes best.npz whenever ``monitor`` improves (its best value survives a resume)."""

    def __init__(self, path, metadata: dict, monitor: str = "val_accuracy", preprocessor=None):
        self.path, self.metadata, self.monitor = Path(path), metadata, monitor
        self.preprocessor = preprocessor
        self.best, self.best_epoch = None, None

    def on_epoch_end(self, epoch, logs):
        v = logs.get(self.monitor)
        if v is None:
            return
        if self.best is None or v > self.best:
            self.best, self.best_epoch = float(v), epoch + 1
            save_model(self.model, self.path, dict(self.metadata, epoch=epoch + 1, **{self.monitor: float(v)}),
                       preprocessor=self.preprocessor)

    def get_state(self):
        return {"best": self.best, "best_epoch": self.best_epoch}

    def set_state(self, state):
        self.best, self.best_epoch = state.get("best"), state.get("best_epoch")


class HistoryWriter(Callback):
    """Keeps history.json/csv up to date after every epoch."""

    def __init__(self, run_dir):
        self.run_dir = run_dir

    def on_epoch_end(self, epoch, logs):
        history = next(cb for cb in self.peers if isinstance(cb, History))
        write_history(self.run_dir, history)


def model_metadata(cfg: RunConfig, dataset: str) -> dict:
    return {"source": "nndl train", "dataset": dataset, "scale": cfg.scale, "preprocess": cfg.preprocess,
            "subset": cfg.subset, "config": cfg.to_dict()}


# ------------------------------------------------------------------------------ training


@dataclass
class RunResult:
    run_dir: Path
    config: RunConfig
    history: History
    summary: dict
    model: object = None
    notice: str | None = None
    extra: dict = field(default_factory=dict)


def train_run(cfg: RunConfig, run_dir=None, *, data_dir=None, allow_fallback: bool = False,
              callbacks=(), root=DEFAULT_ROOT, plots: bool = True, on_start=None) -> RunResult:
    """Train a model as ``cfg`` says, writing a run folder (see the module docstring).

    ``callbacks`` are extra (stateless) callbacks such as progress printers; ``on_start(run_dir,
    cfg, prepared)`` is called once the folder exists, before the first epoch."""
    cfg, prepared, model = setup_run(cfg, data_dir, allow_fallback)
    run_dir = new_run_dir(run_dir, default_run_name(cfg), root)
    write_config(cfg, run_dir / CONFIG, header=_header(cfg))
    if on_start is not None:
        on_start(run_dir, cfg, prepared)
    return _fit(model, cfg, prepared, run_dir, callbacks, plots=plots)


def resume_run(run_dir, *, data_dir=None, callbacks=(), plots: bool = True, on_start=None) -> RunResult:
    """Continue a run from its last completed epoch (``checkpoint.npz``). With the same data
    the result is bit-identical to an uninterrupted run."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise ConfigError(f"--resume {run_dir}: no such run folder")
    if not (run_dir / CONFIG).is_file():
        raise ConfigError(f"--resume {run_dir}: not a run folder (no {CONFIG})")
    if not (run_dir / CHECKPOINT).is_file():
        raise ModelFileError(f"--resume {run_dir}: no {CHECKPOINT} (the run stopped before its first epoch "
                             f"ended); start it again with --config {run_dir / CONFIG}")
    for stale in run_dir.glob(".*.tmp"):  # a write interrupted by a kill
        stale.unlink(missing_ok=True)
    cfg = load_config(run_dir / CONFIG).validate()
    summary_path = run_dir / SUMMARY
    from nndl.io.schema import read_json_object

    if summary_path.is_file() and read_json_object(summary_path, "run summary").get("finished") is True:
        raise ConfigError(f"run {run_dir} has already finished; nothing to resume")
    prepared = prepare_data(cfg, data_dir, allow_fallback=False)
    ckpt = load_checkpoint(run_dir / CHECKPOINT)
    if on_start is not None:
        on_start(run_dir, cfg, prepared)
    return _fit(ckpt["model"], cfg, prepared, run_dir, callbacks, checkpoint=ckpt, plots=plots)


def _header(cfg):
    return ("nndl run config: every setting of this run, fully resolved.\n"
            "Replay it exactly with:  nndl train --config <this file>")


def _fit(model, cfg, prepared, run_dir, extra_callbacks, checkpoint=None, plots=True) -> RunResult:
    data = prepared.data
    meta = model_metadata(cfg, prepared.dataset)
    stateful = build_callbacks(cfg)
    best = BestModelSaver(run_dir / BEST, meta, preprocessor=prepared.preprocessor)
    callbacks = [*stateful, best, HistoryWriter(run_dir), *extra_callbacks,
                 Checkpoint(run_dir / CHECKPOINT, {"config": cfg.to_dict()})]
    history, initial_epoch = None, 0
    if checkpoint is not None:
        restore_training(checkpoint, callbacks)
        history, initial_epoch = checkpoint["history"], checkpoint["epoch"]
    history = history if history is not None else History()
    val = data.validation if cfg.evaluation_data == "validation" else data.test
    eval_label = "validation" if cfg.evaluation_data == "validation" else "test"
    start = time.perf_counter()
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            model.fit(data.train.X, data.train.y, epochs=cfg.epochs, batch_size=cfg.batch_size,
                      validation_data=(val.X, val.y), callbacks=callbacks,
                      monitor_training=cfg.monitor_training, initial_epoch=initial_epoch, history=history)
    except TrainingError as e:
        done = len(history)
        if done:
            write_history(run_dir, history)
            if plots:
                write_plots(run_dir, history, eval_label)
        kept = (f"the last good checkpoint (epoch {done}) is {run_dir / CHECKPOINT}" if done
                else "no epoch completed, so there is no checkpoint")
        raise TrainingError(f"{e}; try a smaller --eta; {kept}") from None
    elapsed = time.perf_counter() - start
    save_model(model, run_dir / FINAL, dict(meta, epoch=len(history)), preprocessor=prepared.preprocessor)
    write_history(run_dir, history)
    if plots:
        write_plots(run_dir, history, eval_label)
    summary = _summary(model, cfg, data, history, best, run_dir, elapsed, checkpoint)
    summary.update(dataset=prepared.dataset, fallback=prepared.notice)  # say so when it is not MNIST
    write_text(run_dir / SUMMARY, json.dumps(summary, indent=1) + "\n")
    return RunResult(run_dir, cfg, history, summary, model, prepared.notice)


def _summary(model, cfg, data, history, best, run_dir, elapsed, checkpoint):
    with np.errstate(over="ignore", invalid="ignore"):
        final = {"validation_accuracy": model.evaluate(*data.validation)["accuracy"],
                 "test_accuracy": model.evaluate(*data.test)["accuracy"]}
        b = {"epoch": best.best_epoch}
        if (run_dir / BEST).is_file():
            bm = load_model(run_dir / BEST)  # the data here is already preprocessed
            b.update(validation_accuracy=bm.evaluate(*data.validation)["accuracy"],
                     test_accuracy=bm.evaluate(*data.test)["accuracy"])
    h = history.to_dict()
    monitored = h.get("val_accuracy", [])
    return {"finished": True, "dataset": cfg.dataset, "epochs_run": len(history), "epochs": cfg.epochs,
            "stopped_early": len(history) < cfg.epochs, "final": final, "best": b,
            "peak_eval_accuracy": max(monitored) if monitored else None,
            "evaluation_data": cfg.evaluation_data,
            "train_seconds": float(sum(h.get("time", []))), "wall_seconds_this_session": elapsed,
            "resumed_from_epoch": checkpoint["epoch"] if checkpoint is not None else None}


__all__ = ["train_run", "resume_run", "new_run_dir", "write_history", "write_plots", "load_run_model",
           "BestModelSaver", "HistoryWriter", "RunResult"]
