"""What the runs page shows of a run folder (see :mod:`nndl.app.runs`): its settings, its history
(written after every epoch, so a run still training grows), its status and final accuracies,
and — from :func:`nndl.app.evaluation.evaluate_model` — its confusion matrix and misclassified digits.
"""
from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import numpy as np

from ..app.settings import load_config
from ..errors import NNDLError

SHOWN = ("sizes", "activation", "cost", "optimizer", "eta", "lmbda", "batch_size", "epochs", "dropout",
         "batch_norm", "preprocess", "subset", "schedule", "seed")
RECENT_S = 120.0  # a run without summary.json is "training" if it wrote a file this recently


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # absent, or being replaced this instant (files are written atomically)


def history(run_dir: Path) -> dict:
    """The run's history.json ({} before its first epoch ends)."""
    h = _read_json(run_dir / "history.json")
    return h if isinstance(h, dict) else {}


def status(run_dir: Path, summary, hist: dict) -> str:
    """finished; training (files written within max(RECENT_S, 3 epochs) ago); or stopped."""
    if isinstance(summary, dict) and summary.get("finished"):
        return "finished"
    times = [t for t in hist.get("time", []) if isinstance(t, (int, float))]
    window = max(RECENT_S, 3 * max(times[-1:] or [0]))
    return "training" if time.time() - _newest_write(run_dir) < window else "stopped"


def _newest_write(run_dir: Path) -> float:
    newest = 0.0
    for p in run_dir.iterdir():
        try:
            newest = max(newest, p.stat().st_mtime)
        except OSError:
            pass  # a temporary file renamed away by an atomic write in the meantime
    return newest


def describe(name: str, run_dir: Path) -> dict:
    """One row of the runs table: settings, epochs done, status, final and best accuracies."""
    row = {"name": name, "settings": {}, "error": None}
    try:
        cfg = load_config(run_dir / "config.toml").to_dict()
        row["settings"] = {k: cfg[k] for k in SHOWN if k in cfg}
        row["epochs"] = cfg.get("epochs")
    except NNDLError as e:
        row["error"] = str(e)
    hist = history(run_dir)
    summary = _read_json(run_dir / "summary.json")
    row["epochs_done"] = len(hist.get("epoch", []))
    row["status"] = status(run_dir, summary, hist)
    val = [v for v in hist.get("val_accuracy", []) if v is not None]
    row["last_val_accuracy"] = val[-1] if val else None
    row["best_val_accuracy"] = max(val) if val else None
    if isinstance(summary, dict):
        row["test_accuracy"] = (summary.get("final") or {}).get("test_accuracy")
        row["best_test_accuracy"] = (summary.get("best") or {}).get("test_accuracy")
        row["train_seconds"] = summary.get("train_seconds")
    return row


class Evaluations:
    """Cached :func:`nndl.app.evaluation.evaluate_model` results per model file version (seconds
    to compute; the runs page asks for them again and again)."""

    KEEP = 16  # results kept (a training run's best.npz changes every epoch)

    def __init__(self, data_dir=None):
        self.data_dir, self._cache, self._lock = data_dir, {}, threading.Lock()

    def evaluate(self, model_path: Path, split: str = "test", gallery: int = 40) -> dict:
        from ..app.evaluation import evaluate_model

        st = model_path.stat()
        key = (str(model_path), st.st_mtime_ns, split, gallery)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        r = evaluate_model(model_path, split=split, data_dir=self.data_dir, out_dir=None, gallery_size=gallery)
        images = np.asarray(r["misclassified_images"]).reshape(len(r["misclassified"]), -1)
        side = int(round(images.shape[1] ** 0.5)) if images.size else 28
        out = {"model": model_path.name, "split": split, "dataset": r["dataset"], "accuracy": r["accuracy"],
               "correct": r["correct"], "n": r["n"], "per_class_accuracy": r["per_class_accuracy"],
               "confusion_matrix": r["confusion_matrix"], "image_side": side,
               "misclassified": [{"index": int(i), "label": int(r["labels"][i]), "predicted": int(r["predictions"][i]),
                                  "pixels": np.round(img.astype(np.float64), 3).tolist()}
                                 for i, img in zip(r["misclassified"], images)]}
        with self._lock:
            self._cache[key] = out
            while len(self._cache) > self.KEEP:
                self._cache.pop(next(iter(self._cache)))  # the oldest
        return out


__all__ = ["describe", "history", "status", "Evaluations"]
