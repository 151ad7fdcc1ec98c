"""nndl tune on a real PostgreSQL server: workers sharing one study (see tests/postgres.py)."""
from __future__ import annotations

import itertools
import signal
import subprocess
import time

import optuna
import pytest
from optuna.trial import TrialState

from cli_util import nndl, nndl_executable, cli_env
from postgres import postgres_server

SPACE = """\
sizes = [784, 10, 10]
subset = {subset}
epochs = {epochs}
monitor_training = false
eta = {{low = 0.1, high = 3.0, log = true, points = {points}}}
lmbda = {{choices = [0.0, 1.0]}}

[tune]
pruner = "none"
heartbeat = 1
"""


@pytest.fixture(scope="module")
def pg_url():
    with postgres_server() as url:
        yield url


def _space(tmp_path, subset=300, epochs=2, points=2):
    path = tmp_path / "space.toml"
    path.write_text(SPACE.format(subset=subset, epochs=epochs, points=points))
    return path


def _trials(url, name):
    return optuna.load_study(study_name=name, storage=url).get_trials(deepcopy=False)


def test_two_workers_run_every_grid_point_once(pg_url, tmp_path):
    space = _space(tmp_path, points=3)
    r = nndl("tune", space, "--sampler", "grid", "--workers", 2, "--storage", pg_url, "--study", "grid2",
             "--out", tmp_path / "t", "--no-plots", "-q", check=0)
    assert r.stderr == ""
    trials = _trials(pg_url, "grid2")
    assert len(trials) == 6 and all(t.state == TrialState.COMPLETE for t in trials)
    points = sorted((t.params["eta"], t.params["lmbda"]) for t in trials)
    assert points == sorted(itertools.product([0.1, 0.547723, 3.0], [0.0, 1.0]))  # each grid point once
    assert len({t.user_attrs["worker"] for t in trials}) == 2  # both workers ran trials
    assert (tmp_path / "t" / "best.toml").is_file()


def _start(space, url, name, tune_dir):
    return subprocess.Popen([nndl_executable(), "tune", str(space), "--sampler", "random", "--trials", "3",
                             "--storage", url, "--study", name, "--out", str(tune_dir), "--no-plots", "-q"],
                            env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_killed_worker_s_trial_is_failed_and_retried(pg_url, tmp_path):
    space = _space(tmp_path, subset=2000, epochs=10)  # a second or two a trial
    a = _start(space, pg_url, "kill", tmp_path / "a")
    victim = None
    try:
        deadline = time.monotonic() + 120
        while victim is None and time.monotonic() < deadline:
            try:
                running = [t for t in _trials(pg_url, "kill") if t.state == TrialState.RUNNING
                           and t.user_attrs.get("worker", "").endswith(f":{a.pid}")]
            except KeyError:  # the study does not exist yet
                running = []
            victim = running[0].number if running else None
            time.sleep(0.1)
        assert victim is not None, "worker A never started a trial"
        b = _start(space, pg_url, "kill", tmp_path / "b")
        a.send_signal(signal.SIGKILL)  # mid-trial: no chance to say goodbye
        a.wait(30)
        out, err = b.communicate(timeout=240)
        assert b.returncode == 0, err
    finally:
        a.kill()
    trials = {t.number: t for t in _trials(pg_url, "kill")}
    states = [t.state for t in trials.values()]
    assert TrialState.RUNNING not in states and TrialState.WAITING not in states
    assert trials[victim].state == TrialState.FAIL
    retries = [t for t in trials.values() if t.system_attrs.get("failed_trial") == victim]
    assert len(retries) == 1 and retries[0].state == TrialState.COMPLETE
    assert retries[0].params == trials[victim].params
    assert states.count(TrialState.COMPLETE) == 3  # the budget, none lost


def test_without_a_server_ci_fails_with_the_reason_and_elsewhere_skips(monkeypatch):
    from postgres import unavailable

    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match="cannot start a PostgreSQL server for the tests: no pg_ctl"):
        unavailable("no pg_ctl")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="no pg_ctl"):
        unavailable("no pg_ctl")
