"""``nndl tune SPACE.toml``: hyper-parameter search on Optuna (see :mod:`nndl.tune`)."""
from __future__ import annotations

import argparse
import json
import signal
import sys

from . import options

DESCRIPTION = """\
Search nndl train's settings with Optuna: grid, random or TPE sampling, pruning of hopeless
trials (median or successive halving, from each epoch's validation metric), SQLite storage in
the tune folder (run the same command again to resume) or any SQLAlchemy database URL
(--storage postgresql+psycopg://user@host/db: workers on many machines share one study).

SPACE.toml holds settings as nndl train's keys: fixed values (sizes = [784, 100, 10]),
ranges (eta = {low = 0.01, high = 1.0, log = true}), integer ranges (epochs = {low = 10,
high = 60, step = 10}), choices (batch_size = {choices = [10, 20]}); grid points as
points = N or grid = [...]; and a [tune] table: trials, minutes, metric, sampler, pruner,
seed, heartbeat. Options given here override the table.

Writes TUNE_DIR/results.md and results.csv (trials, best first), best.toml (replay the best
trial exactly with: nndl train --config TUNE_DIR/best.toml), summary.json and plots.
`nndl tune --compare SPACE.toml` runs grid, random and TPE on the same budget and draws their
best-so-far curves on one PNG."""


def add_parser(subparsers):
    p = subparsers.add_parser("tune", help="hyper-parameter search (grid, random, TPE) on Optuna",
                              description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("space", metavar="SPACE.toml", help="the search space and budget")
    options.add_out(p, "the tune folder (default: tunes/<study>)", old=("--tune-dir",))
    p.add_argument("--storage", metavar="URL", help="SQLAlchemy database URL of the study "
                   "(default: sqlite:///TUNE_DIR/study.db)")
    p.add_argument("--study", metavar="NAME", help="study name (default: the space file's name)")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="local worker processes on the study (default: 1)")
    p.add_argument("--sampler", choices=("grid", "random", "tpe"), help="default: [tune] sampler, else tpe")
    p.add_argument("--pruner", choices=("median", "halving", "none"), help="default: [tune] pruner, else median")
    p.add_argument("--trials", type=int, metavar="N", help="trials in the study, over all workers (default: [tune] "
                   "trials, else the grid's size or 20)")
    p.add_argument("--minutes", type=float, metavar="M", help="stop starting trials after M minutes")
    p.add_argument("--metric", choices=("val_accuracy", "val_cost"), help="default: val_accuracy (its best epoch)")
    p.add_argument("--seed", type=int, metavar="N", help="the sampler's seed (default: 0)")
    p.add_argument("--heartbeat", type=int, metavar="S", help="seconds between heartbeats; a trial silent for 2x is "
                   "failed and retried (default: 10)")
    p.add_argument("--report", action="store_true", help="run no trial: write the results of the study as it "
                   "stands (e.g. while workers elsewhere run it)")
    p.add_argument("--compare", action="store_true", help="the lecture's comparison: grid, random and TPE on the "
                   "same space and budget, one PNG of best-so-far curves")
    options.add(p, "data_dir")
    options.add_output_mode(p)
    options.add(p, "no_plots")
    return p


def print_trial(study, trial):
    """One line per finished trial (runs in the worker process)."""
    from ..tune.results import format_value

    metric = study.user_attrs.get("metric", "val_accuracy")
    value = trial.value if trial.value is not None else (
        trial.intermediate_values[max(trial.intermediate_values)] if trial.intermediate_values else None)
    params = "  ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in trial.params.items())
    epochs = trial.user_attrs.get("epochs_run")
    print(f"trial {trial.number:>3}  {trial.state.name.lower():<8} {format_value(value, metric):>8}  {params}"
          f"  ({epochs} epochs, {trial.user_attrs.get('seconds', 0):.1f}s)", flush=True)


def print_trial_json(study, trial):
    print(json.dumps({"event": "trial", "trial": trial.number, "state": trial.state.name.lower(),
                      "value": trial.value, "params": trial.params, **trial.user_attrs}), flush=True)


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def run(args) -> int:
    from ..tune import tune
    from ..tune.results import format_value, markdown_table, trial_rows

    overrides = {k: getattr(args, k) for k in ("sampler", "pruner", "trials", "minutes", "metric", "seed", "heartbeat")}
    if args.compare:
        return _compare(args, overrides)
    on_trial = None if args.quiet else (print_trial_json if args.json else print_trial)
    signal.signal(signal.SIGTERM, _interrupt)  # like Ctrl-C: the running trial is re-queued at once
    result = tune(args.space, args.out, storage=args.storage, study=args.study, workers=args.workers,
                  data_dir=args.data_dir, plots=not args.no_plots, on_trial=on_trial, report_only=args.report,
                  **overrides)
    s = result.summary
    if args.json:
        print(json.dumps({"event": "done", "tune_dir": str(result.tune_dir), **s}), flush=True)
    elif not args.quiet:
        from ..tune.space import load_space

        rows = trial_rows(result.study, load_space(args.space))
        print(f"\nnndl: study {s['study']!r}: {s['trials']} trials "
              f"({', '.join(f'{n} {k}' for k, n in s['states'].items())}), {s['wall_minutes']:.1f} min; "
              f"pruning saved about {_duration(s['saved_seconds'])} of training ({100 * s['saved_fraction']:.0f}%)")
        print(markdown_table(rows, load_space(args.space), s["metric"], limit=10), end="")
        if "best" in s:
            print(f"nndl: best trial {s['best']['trial']}: {format_value(s['best']['value'], s['metric'])}; "
                  f"replay it with: nndl train --config {result.tune_dir / 'best.toml'}")
        print(f"nndl: results in {result.tune_dir}/ (results.md, best.toml, summary.json, plots)")
    return 0


def _compare(args, overrides) -> int:
    from ..tune.compare import compare

    if args.storage or args.study or args.workers != 1:
        raise ValueError("--compare runs its own three studies in the tune folder; drop --storage, --study "
                         "and --workers")
    out = compare(args.space, args.out, data_dir=args.data_dir,
                  on_trial=None if args.quiet else print_trial, **overrides)
    if args.json:
        print(json.dumps({"event": "done", **out}), flush=True)
    elif not args.quiet:
        print(out["markdown"], end="")
        print(f"nndl: figure {out['png']}", file=sys.stdout)
    return 0
