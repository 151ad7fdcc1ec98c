"""``tune()``: a space file in, a study and its tune folder out.

    from nndl.tune import tune
    result = tune("space.toml", "tunes/ch3", trials=40, sampler="tpe", workers=2)
    result.summary["best"]      # {'trial': 17, 'value': 0.9806, 'params': {...}}

The tune folder holds ``study.db`` (the default SQLite storage, so running the same command
again resumes the study), ``trials/NNNN/`` (each trial's run folder) and the results
(:mod:`nndl.tune.results`). Nothing is written before the space, the options and the storage
have been checked.
"""
from __future__ import annotations

import multiprocessing
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError, NNDLError
from .objective import make_objective
from .results import write_results
from .space import Space, check_tune, load_space
from .study import create_or_load, open_storage, run_worker

DB = "study.db"
DEFAULTS = {"metric": "val_accuracy", "sampler": "tpe", "pruner": "median", "seed": 0, "heartbeat": 10}
DEFAULT_TRIALS = 20


@dataclass
class TuneResult:
    tune_dir: Path
    study: object
    summary: dict
    storage_url: str


def resolve_options(space: Space, overrides: dict) -> dict:
    """The [tune] table with command-line overrides and defaults; the budget settled."""
    opts = {**DEFAULTS, **space.tune, **{k: v for k, v in overrides.items() if v is not None}}
    check_tune(opts, "options")
    if opts["sampler"] == "grid":
        size = space.grid_size()
        opts["trials"] = min(opts.get("trials") or size, size)
    elif not opts.get("trials") and not opts.get("minutes"):
        opts["trials"] = DEFAULT_TRIALS
    return opts


def tune(space, tune_dir=None, *, storage: str | None = None, study: str | None = None, workers: int = 1,
         data_dir=None, plots: bool = True, on_trial=None, report_only: bool = False, **overrides) -> TuneResult:
    """Run (or resume) a study. ``overrides``: trials, minutes, metric, sampler, pruner, seed,
    heartbeat (as in the space's [tune] table). ``on_trial(study, frozen_trial)`` is called in
    the worker process after each trial (a module-level function when workers > 1).
    ``report_only``: run no trial, only write the results of the study as it stands (e.g.
    while workers elsewhere are still running it)."""
    if not isinstance(space, Space):
        space_path = Path(space)
        space = load_space(space_path)
        default_name = space_path.stem
    else:
        default_name = "study"
    if workers < 1:
        raise ConfigError(f"--workers must be >= 1, got {workers}")
    opts = resolve_options(space, overrides)
    _check_data(space, data_dir)
    name = study or opts.get("study") or default_name
    tune_dir = Path(tune_dir) if tune_dir is not None else Path("tunes") / name
    if tune_dir.exists() and not tune_dir.is_dir():
        raise ConfigError(f"tune folder {tune_dir} exists and is not a folder")
    if storage is None:
        url = f"sqlite:///{(tune_dir / DB).resolve()}"
        if report_only and not (tune_dir / DB).is_file():
            raise ConfigError(f"no study to report on: {tune_dir / DB} does not exist")
        tune_dir.mkdir(parents=True, exist_ok=True)
    else:
        url = storage
    store = open_storage(url, opts["heartbeat"])  # a bad URL fails here, before the folder exists
    if report_only:
        st = _reload(store, name)
        return TuneResult(tune_dir, st, write_results(st, space, tune_dir, plots=plots), url)
    tune_dir.mkdir(parents=True, exist_ok=True)
    st = create_or_load(store, name, space, opts)
    deadline = time.monotonic() + 60 * opts["minutes"] if opts.get("minutes") else None
    args = (url, name, space, opts, str(tune_dir), data_dir, on_trial)
    if workers == 1:
        _work(*args, worker=0, deadline=deadline, storage=store)
    else:
        _spawn(args, workers, deadline)
    st = _reload(store, name)
    summary = write_results(st, space, tune_dir, plots=plots)
    return TuneResult(tune_dir, st, summary, url)


def _check_data(space, data_dir):
    """Load the data once (a missing MNIST or too large a subset is one line, before any file)."""
    from ..app.build import load_dataset
    from ..app.settings import RunConfig

    cfg = RunConfig.from_dict(space.fixed, source=space.source)
    if "dataset" not in {p.name for p in space.params} and "subset" not in {p.name for p in space.params}:
        load_dataset(cfg, data_dir)


def _reload(store, name):
    import optuna

    try:
        return optuna.load_study(study_name=name, storage=store)
    except KeyError:
        raise ConfigError(f"no study named {name!r} in the storage") from None


def _work(url, name, space, opts, tune_dir, data_dir, on_trial, worker, deadline, storage=None):
    """One worker: its own storage connection, sampler seed and objective."""
    if storage is None:
        storage = open_storage(url, opts["heartbeat"])
    objective = make_objective(space, tune_dir, opts["metric"], data_dir)
    run_worker(storage, name, space, opts, objective, worker=worker, deadline=deadline,
               callbacks=[on_trial] if on_trial is not None else ())


def _child(args, worker, deadline_in):
    deadline = None if deadline_in is None else time.monotonic() + deadline_in
    try:
        _work(*args, worker=worker, deadline=deadline)
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    except (NNDLError, ValueError) as e:
        print(f"nndl: error: worker {worker}: {' '.join(str(e).split())}", file=sys.stderr, flush=True)
        raise SystemExit(2) from None


def _spawn(args, workers, deadline):
    """N worker processes (spawned: fresh interpreters, no shared BLAS or database state)."""
    ctx = multiprocessing.get_context("spawn")
    left = None if deadline is None else deadline - time.monotonic()
    procs = [ctx.Process(target=_child, args=(args, i, left), name=f"nndl-tune-worker-{i}") for i in range(workers)]
    for p in procs:
        p.start()
    try:
        for p in procs:
            p.join()
    except KeyboardInterrupt:
        for p in procs:
            p.join()
        raise
    bad = [p.exitcode for p in procs if p.exitcode not in (0, None)]
    if 130 in bad or -2 in bad:
        raise KeyboardInterrupt
    if bad:
        raise ConfigError(f"{len(bad)} of {workers} workers failed (exit status {bad[0]}); "
                          f"run nndl tune again to resume the study")


__all__ = ["tune", "TuneResult", "resolve_options"]
