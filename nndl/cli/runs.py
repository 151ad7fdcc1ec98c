"""``nndl runs [FOLDER]``: the runs under a folder with their key settings and results."""
from __future__ import annotations

import json

from . import options

DESCRIPTION = """\
List the run folders under FOLDER (default: runs, where 'nndl train' writes them): each run's
status (finished, running, stopped: continue it with 'nndl train --resume RUN'), network,
cost, optimiser, eta, lmbda, epochs run, the best accuracy on the evaluation data with its
epoch, and the final model's test accuracy."""


def add_parser(subparsers):
    p = subparsers.add_parser("runs", help="list runs with their key settings and results", description=DESCRIPTION)
    p.add_argument("folder", metavar="FOLDER", nargs="?", default="runs", help="folder of runs (default: runs)")
    options.add(p, "json")
    return p


def _pct(v):
    return "-" if v is None else f"{v * 100:.2f}%"


def run(args) -> int:
    from ..app.runlist import list_runs

    rows = list_runs(args.folder)
    if args.json:
        for r in rows:
            print(json.dumps(r), flush=True)
        return 0
    if not rows:
        print(f"no runs under {args.folder}")
        return 0
    table = [("run", "status", "data", "network", "cost", "optimizer", "eta", "lmbda", "epochs", "best eval",
              "test")]
    for r in rows:
        sizes = "-".join(map(str, r["sizes"] or [])) or "-"
        data = r["dataset"] or "-"
        if r["subset"]:
            data += f"[:{r['subset']}]"
        best = _pct(r["best_eval_accuracy"]) + (f" (e{r['best_epoch']})" if r["best_epoch"] else "")
        table.append((r["run"], r["status"], data, f"{sizes} {r['activation'] or ''}".strip(), r["cost"] or "-",
                      r["optimizer"] or "-", "-" if r["eta"] is None else f"{r['eta']:g}",
                      "-" if r["lmbda"] is None else f"{r['lmbda']:g}",
                      f"{r['epochs_run']}/{r['epochs'] if r['epochs'] is not None else '?'}", best,
                      _pct(r["test_accuracy"])))
    widths = [max(len(str(row[i])) for row in table) for i in range(len(table[0]))]
    for row in table:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())
    return 0
