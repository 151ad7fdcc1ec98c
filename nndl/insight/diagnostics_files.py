"""A run's diagnostics on disk: ``diagnostics.json``, ``diagnostics.csv`` and ``gradients.png``
in the run folder, written atomically after every measurement epoch, and read back to re-plot.

``diagnostics.json`` = {"format": 1, "images": n, "every": N, "every_batches": N or null,
"layers": [names], "records": [one per measurement, epoch 0 = initialisation]}; the CSV has one
row per record: epoch, step, grad_norm, then speed_l, grad_w_l, weight_norm_l, saturated_l,
dead_l for each hidden layer l (1 = first).
"""
from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

from ..atomic import atomic_write
from ..errors import ModelFileError, NNDLError
from ..io.schema import parse_json
from ..train import Callback
from ..train.diagnostics import STATS, Diagnostics

JSON_NAME, CSV_NAME, PNG_NAME = "diagnostics.json", "diagnostics.csv", "gradients.png"


def _clean(v):
    return None if isinstance(v, float) and not math.isfinite(v) else v


def _write_text(path, text):
    with atomic_write(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)


def write_diagnostics(folder, diag: Diagnostics, plot: bool = True) -> list[Path]:
    """Write the three files for ``diag.records`` into ``folder``; return their paths."""
    folder, records = Path(folder), diag.records
    layers = records[-1]["layers"] if records else []
    doc = {"format": 1, "images": None if diag.X is None else len(diag.X), "every": diag.every,
           "every_batches": diag.every_batches, "layers": layers,
           "records": [{k: ([_clean(x) for x in v] if isinstance(v, list) else _clean(v)) for k, v in r.items()
                        if k != "layers"} for r in records]}
    _write_text(folder / JSON_NAME, json.dumps(doc, indent=1) + "\n")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["epoch", "step", "grad_norm"] + [f"{k}_{i + 1}" for k in STATS for i in range(len(layers))])
    for r in doc["records"]:
        w.writerow([r["epoch"], r["step"], r["grad_norm"]] +
                   ["" if x is None else x for k in STATS for x in r[k]])
    _write_text(folder / CSV_NAME, buf.getvalue())
    paths = [folder / JSON_NAME, folder / CSV_NAME]
    if plot and records:
        paths.append(plot_run(folder, doc))
    return paths


def read_diagnostics(folder) -> dict:
    """The parsed diagnostics.json of a run folder (a clear NNDLError when absent or bad)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise NNDLError(f"{folder}: no such run folder")
    path = folder / JSON_NAME
    if not path.is_file():
        raise NNDLError(f"{folder}: no {JSON_NAME} (train with --diagnostics to record one)")
    try:  # the file may be hostile: depth-checked parsing, numbers where numbers are drawn
        doc = parse_json(path.read_bytes(), "its JSON")
        records = doc["records"]
        for r in records:
            if not all(isinstance(r[k], list) and all(map(_number_or_none, r[k])) for k in STATS):
                raise KeyError("per-layer lists of numbers")
            if not (_number_or_none(r["epoch"]) and r["epoch"] is not None):
                raise KeyError("a numeric epoch")
    except (ValueError, KeyError, TypeError, ModelFileError) as e:
        raise NNDLError(f"{path}: not a diagnostics file ({type(e).__name__}: {e})") from None
    if not records:
        raise NNDLError(f"{path}: holds no measurements")
    return doc


def _number_or_none(x) -> bool:
    return x is None or (isinstance(x, (int, float)) and not isinstance(x, bool))


def plot_run(folder, doc: dict | None = None, path=None) -> Path:
    """Draw ``gradients.png`` (or ``path``) from a run folder's diagnostics."""
    from ..viz.gradients import plot_diagnostics

    doc = doc if doc is not None else read_diagnostics(folder)
    where = f"every {doc['every_batches']} mini-batches" if doc.get("every_batches") else \
        f"every {doc.get('every', 1)} epoch(s)"
    title = f"{Path(folder).name}: per-layer diagnostics on {doc.get('images')} training images, {where}"
    out = Path(path) if path is not None else Path(folder) / PNG_NAME
    plot_diagnostics(doc["records"], path=out, title=title)
    return out


class DiagnosticsWriter(Callback):
    """Rewrites the run folder's diagnostics files at the end of every epoch that measured
    (and at the end of training); ``folder`` may be set once the run folder exists."""

    def __init__(self, diag: Diagnostics, folder=None, plot: bool = True):
        self.diag, self.folder, self.plot = diag, folder, plot
        self._written = 0

    def on_epoch_end(self, epoch, logs):
        if self.folder is not None and len(self.diag.records) != self._written:
            write_diagnostics(self.folder, self.diag, plot=False)
            self._written = len(self.diag.records)

    def on_train_end(self):
        if self.folder is not None and self.diag.records:
            write_diagnostics(self.folder, self.diag, plot=self.plot)


def format_record(record: dict) -> str:
    """One compact line: speeds (and saturated/dead percentages where they apply)."""
    def pct(values, tag):
        vals = [f"{100 * v:.0f}%" if v is not None else "-" for v in values]
        return f"  {tag} " + " ".join(vals) if any(v is not None for v in values) else ""

    if not record["speed"]:
        return f"  no hidden layers  |grad| {record['grad_norm']:.3g}"
    speeds = " ".join(f"{v:.3g}" if v is not None else "-" for v in record["speed"])
    return (f"  layers 1..{len(record['speed'])}: speed {speeds}  |grad| {record['grad_norm']:.3g}"
            + pct(record["saturated"], "saturated") + pct(record["dead"], "dead"))


__all__ = [
    "CSV_NAME",
    "JSON_NAME",
    "PNG_NAME",
    "DiagnosticsWriter",
    "format_record",
    "plot_run",
    "read_diagnostics",
    "write_diagnostics",
]
