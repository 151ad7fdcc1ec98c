"""Studies, storage and workers: one study shared by any number of worker processes.

* **Storage** — any SQLAlchemy URL (``sqlite:///tune/study.db`` by default,
  ``postgresql+psycopg://user@host/db`` for workers on many machines), through Optuna's
  ``RDBStorage`` with a heartbeat: a running trial whose worker has been silent for
  ``2 × heartbeat`` seconds is marked FAIL and re-queued with the same settings
  (:class:`optuna.storages.RetryHeartbeatStaleTrialCallback`), so no trial stays RUNNING forever.
* **An exact budget** — the process that creates the study enqueues exactly ``trials`` trials
  (the grid's points, or empty ones the sampler fills in); workers only ever pop queued trials
  (:class:`QueueStorage` refuses to create others), so N workers run exactly ``trials``
  trials, none twice and none lost. A worker stops when the queue is empty and no trial is
  running anywhere (it waits for a silent worker's trial to be failed, then runs its retry).
* **Resume** — ``load_if_exists``: running ``nndl tune`` again continues the same study; a
  trial stopped by Ctrl-C is re-queued at once, one whose worker was killed after its
  heartbeat goes stale.
"""
from __future__ import annotations

import itertools
import random
import time
import warnings

import optuna
from optuna.storages import RDBStorage, RetryHeartbeatStaleTrialCallback, fail_stale_trials
from optuna.trial import TrialState

from ..errors import ConfigError
from .space import METRICS

MAX_RETRY = 3
QUEUED_ATTR = "nndl_queued"  # set by the creator once the budget is enqueued


class QueueEmpty(Exception):
    """A worker asked for a trial and the budget has none left."""


class QueueStorage(RDBStorage):
    """Optuna's RDB storage that only starts trials from the queue (``enqueue_trial``, retries),
    never a fresh one — so concurrent workers cannot overshoot the budget."""

    queue_only = False

    def _create_new_trial(self, study_id, template_trial=None):
        if template_trial is None and self.queue_only:
            raise QueueEmpty()
        return super()._create_new_trial(study_id, template_trial)


def _retry():
    """Re-queue a failed trial with its settings (up to MAX_RETRY times)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return RetryHeartbeatStaleTrialCallback(max_retry=MAX_RETRY)


def open_storage(url: str, heartbeat: int = 10) -> QueueStorage:
    """The storage at ``url``; a URL SQLAlchemy or the database refuses is one ConfigError."""
    import sqlalchemy

    try:
        sqlalchemy.engine.make_url(url)
    except Exception:
        raise ConfigError(f"--storage {url!r} is not a database URL (e.g. sqlite:///study.db or "
                          f"postgresql+psycopg://user@host/db)") from None
    optuna.logging.set_verbosity(optuna.logging.ERROR)  # nndl reports trials itself
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return QueueStorage(url, heartbeat_interval=heartbeat, grace_period=2 * heartbeat,
                                heartbeat_stale_trial_callback=_retry(),
                                engine_kwargs=_engine_kwargs(url))
    except Exception as e:  # no driver, no server, refused login...
        raise ConfigError(f"cannot open storage {_safe(url)}: {' '.join(str(e).split())[:300]}") from None


def _engine_kwargs(url):
    return {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {"pool_pre_ping": True}


def _safe(url):
    """The URL without its password."""
    import sqlalchemy

    try:
        return sqlalchemy.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:  # pragma: no cover
        return "(unparseable URL)"


def make_sampler(kind: str, seed: int, space, worker: int = 0, resumed: int = 0):
    """grid/random/TPE. Each worker, and each resumption (``resumed`` = trials the study
    already holds), gets its own seed — else two workers, or a study and its resumption, would
    propose the same points again. TPE uses the constant liar, so a worker treats the others'
    running trials as bad results rather than proposing next to them."""
    s = seed + 1_000_003 * worker + resumed
    if kind == "grid":
        return optuna.samplers.GridSampler(space.grid(), seed=s)
    if kind == "random":
        return optuna.samplers.RandomSampler(seed=s)
    return optuna.samplers.TPESampler(seed=s, constant_liar=True, n_startup_trials=tpe_startup_trials(space))


def tpe_startup_trials(space) -> int:
    """Random trials before TPE models the results: one more than the parameters, 3 to 10
    (Optuna's default of 10 would use up a small budget on random search)."""
    return min(10, max(3, len(space.params) + 1))


def make_pruner(kind: str, epochs: int):
    """median: stop a trial whose epoch-k metric is worse than the median of earlier trials at
    epoch k (after 5 trials, from epoch E/6); halving: successive halving, keeping the
    best 1/3 at epochs r, 3r, 9r...; none."""
    if kind == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=max(1, epochs // 6))
    if kind == "halving":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=max(1, epochs // 9), reduction_factor=3)
    return optuna.pruners.NopPruner()


def create_or_load(storage, name: str, space, tune: dict) -> optuna.Study:
    """Create the study and enqueue its budget, or load it (waiting for its creator to finish
    enqueueing). Resuming with a different space or metric is refused."""
    direction = METRICS[tune["metric"]]
    record = {"space": space.to_json(), "metric": tune["metric"], "sampler": tune["sampler"]}
    try:
        study = optuna.create_study(storage=storage, study_name=name, direction=direction)
        created = True
    except optuna.exceptions.DuplicatedStudyError:
        study = optuna.load_study(study_name=name, storage=storage)
        created = False
    if created:
        for key, value in record.items():
            study.set_user_attr(key, value)
        enqueue_budget(study, space, tune, tune.get("trials"))
        study.set_user_attr(QUEUED_ATTR, tune.get("trials") or 0)
        return study
    _wait_queued(study)
    old = {k: study.user_attrs.get(k) for k in record}
    if old != _jsonable(record):
        what = next(k for k in record if old[k] != _jsonable(record)[k])
        raise ConfigError(f"study {name!r} already exists with a different {what}; use another --study "
                          f"name (or another tune folder) for a different search")
    queued, wanted = study.user_attrs.get(QUEUED_ATTR) or 0, tune.get("trials") or 0
    if queued and wanted > queued:  # a larger budget on resume: queue the difference
        enqueue_budget(study, space, tune, wanted - queued, already=queued)
        study.set_user_attr(QUEUED_ATTR, wanted)
    return study


def _jsonable(v):
    import json

    return json.loads(json.dumps(v))


def _wait_queued(study, seconds: float = 60.0):
    deadline = time.monotonic() + seconds
    while QUEUED_ATTR not in study.user_attrs and time.monotonic() < deadline:
        time.sleep(0.5)
    if QUEUED_ATTR not in study.user_attrs:
        raise ConfigError(f"study {study.study_name!r} exists but its creator never finished queueing its "
                          f"trials; start it afresh with another --study name")


def enqueue_budget(study, space, tune, n, already: int = 0):
    """Queue ``n`` trials: grid points (seeded shuffle, like Optuna's grid sampler), or empty
    trials whose settings the sampler picks when a worker pops them."""
    if not n:
        return
    if tune["sampler"] == "grid":
        grid = space.grid()
        points = [dict(zip(grid, values)) for values in itertools.product(*grid.values())]
        random.Random(tune.get("seed", 0)).shuffle(points)
        for params in points[already:already + n]:
            study.enqueue_trial(params)
    else:
        for _ in range(n):
            study.enqueue_trial({})


def counts(study) -> dict:
    out = {s.name: 0 for s in TrialState}
    for t in study.get_trials(deepcopy=False):
        out[t.state.name] += 1
    return out


def run_worker(storage, study_name, space, tune, objective, worker: int = 0, deadline=None, callbacks=()):
    """Run queued trials until the queue is empty and nothing runs anywhere (or the deadline).

    A trial interrupted by Ctrl-C is re-queued before the KeyboardInterrupt goes on."""
    started = [t for t in optuna.load_study(study_name=study_name, storage=storage).get_trials(deepcopy=False)
               if t.state != TrialState.WAITING]
    sampler = make_sampler(tune["sampler"], tune.get("seed", 0), space, worker, resumed=len(started))
    study = optuna.load_study(study_name=study_name, storage=storage, sampler=sampler,
                              pruner=make_pruner(tune["pruner"], max_epochs(space)))
    storage.queue_only = bool(tune.get("trials"))
    current = {}

    def tracked(trial):
        current["number"] = trial.number
        return objective(trial)

    while True:
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            return study
        try:
            study.optimize(tracked, timeout=remaining, catch=(), callbacks=list(callbacks))
        except QueueEmpty:
            pass
        except KeyboardInterrupt:
            _requeue(study, current.get("number"))
            raise
        if not storage.queue_only:
            return study  # a pure time budget: optimize ran until the deadline
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            fail_stale_trials(study)
        fail_orphans(study, 4 * storage.get_heartbeat_interval())
        c = counts(study)
        if c["WAITING"]:
            continue
        if not c["RUNNING"]:
            return study
        time.sleep(max(1.0, storage.get_heartbeat_interval() / 2))


def fail_orphans(study, seconds: float) -> None:
    """Fail and re-queue RUNNING trials whose objective never started (a worker stopped
    between taking the trial and its first heartbeat: Optuna's stale-trial check cannot see
    them). The objective's first act is to record its worker, so a trial without one after
    ``seconds`` has no worker."""
    import datetime

    now = datetime.datetime.now()
    for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        if "worker" in t.user_attrs or t.datetime_start is None:
            continue
        if (now - t.datetime_start).total_seconds() > seconds:
            try:
                if study._storage.set_trial_state_values(t._trial_id, TrialState.FAIL):
                    _retry()(study, study._storage.get_trial(t._trial_id))
            except optuna.exceptions.UpdateFinishedTrialError:
                pass  # another worker got there first


def max_epochs(space) -> int:
    p = next((p for p in space.params if p.name == "epochs"), None)
    return int(p.high if p.kind != "choice" else max(p.choices)) if p else int(space.fixed.get("epochs", 30))


def _requeue(study, number):
    """Queue again (same settings) the trial this worker was running when Ctrl-C came."""
    trials = study.get_trials(deepcopy=False)
    t = next((t for t in trials if t.number == number), None)
    if t is not None and t.state == TrialState.FAIL:
        _retry()(study, t)


__all__ = ["open_storage", "create_or_load", "run_worker", "make_sampler", "make_pruner", "counts",
           "QueueStorage", "QueueEmpty", "enqueue_budget"]
