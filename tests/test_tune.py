"""nndl tune on SQLite: resume after Ctrl-C, bad spaces and storage URLs, exact replay of the
best trial, pruning through the training loop, the grid/random/TPE comparison."""
from __future__ import annotations

import json
import signal
import subprocess
import time

import optuna
import pytest
from optuna.trial import TrialState

from cli_util import cli_env, nndl, nndl_executable
from nndl.cli.main import main
from nndl.tune import parse_space
from nndl.tune.space import to_choice

SPACE = """\
sizes = [784, 10, 10]
subset = {subset}
epochs = {epochs}
monitor_training = false
eta = {{low = 0.1, high = 3.0, log = true, points = 2}}
lmbda = {{choices = [0.0, 1.0]}}

[tune]
trials = {trials}
pruner = "none"
heartbeat = 1
"""


def _space(tmp_path, subset=300, epochs=2, trials=4, name="space.toml"):
    path = tmp_path / name
    path.write_text(SPACE.format(subset=subset, epochs=epochs, trials=trials))
    return path


def _study(tune_dir, name="space"):
    return optuna.load_study(study_name=name, storage=f"sqlite:///{tune_dir / 'study.db'}")


@pytest.fixture(scope="module")
def small_tune(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tune")
    nndl("tune", _space(tmp, trials=3), "--sampler", "tpe", "--out", tmp / "t", "-q", check=0)
    return tmp / "t"


def test_results_table_best_toml_and_plots(small_tune):
    summary = json.loads((small_tune / "summary.json").read_text())
    assert summary["trials"] == 3 and summary["states"] == {"complete": 3}
    rows = (small_tune / "results.csv").read_text().splitlines()[1:]
    values = [float(r.split(",")[2]) for r in rows]
    assert values == sorted(values, reverse=True) and values[0] == summary["best"]["value"]
    for png in ("history.png", "history-time.png", "importances.png", "eta-lmbda.png", "slices.png"):
        assert (small_tune / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_writes_results_without_running_trials(small_tune, capsys):
    before = len(_study(small_tune).trials)
    (small_tune / "results.md").unlink()
    space = small_tune.parent / "space.toml"
    assert main(["tune", str(space), "--out", str(small_tune), "--report", "--no-plots"]) == 0
    assert len(_study(small_tune).trials) == before and (small_tune / "results.md").is_file()
    assert "best trial" in capsys.readouterr().out


def test_resuming_with_another_space_is_refused(small_tune, tmp_path, capsys):
    other = tmp_path / "space.toml"
    other.write_text((small_tune.parent / "space.toml").read_text().replace("high = 3.0", "high = 5.0"))
    assert main(["tune", str(other), "--out", str(small_tune), "--no-plots"]) == 2
    assert "already exists with a different space" in capsys.readouterr().err


def test_best_toml_replays_the_best_trial_exactly(small_tune, tmp_path):
    best = json.loads((small_tune / "summary.json").read_text())["best"]
    r = nndl("train", "--config", small_tune / "best.toml", "--out", tmp_path / "replay", "--json", check=0)
    done = json.loads(r.stdout.splitlines()[-1])
    assert done["peak_eval_accuracy"] == best["value"]  # same seed, same settings: the same number


def test_interrupted_tune_resumes_the_same_study(tmp_path):
    space = _space(tmp_path, subset=2000, epochs=10, trials=3)
    cmd = [nndl_executable(), "tune", str(space), "--out", str(tmp_path / "t"), "-q", "--no-plots"]
    p = subprocess.Popen(cmd, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline, first = time.monotonic() + 120, []
        while not first and time.monotonic() < deadline:
            time.sleep(0.2)
            try:
                trials = _study(tmp_path / "t").get_trials(deepcopy=False)
            except (KeyError, Exception):
                continue
            done = [t for t in trials if t.state == TrialState.COMPLETE]
            if done and any(t.state == TrialState.RUNNING for t in trials):
                first = done
        assert first, "no trial finished"
        p.send_signal(signal.SIGINT)  # Ctrl-C in the middle of the next trial
        _, err = p.communicate(timeout=60)
    finally:
        p.kill()
    assert p.returncode == 130, err
    nndl(*cmd[1:], check=0)  # the same command again
    trials = _study(tmp_path / "t").get_trials(deepcopy=False)
    by_number = {t.number: t for t in trials}
    for t in first:  # finished trials are kept, not run again
        assert by_number[t.number].state == TrialState.COMPLETE and by_number[t.number].value == t.value
    states = [t.state for t in trials]
    assert states.count(TrialState.COMPLETE) == 3 and states.count(TrialState.FAIL) == 1
    failed = next(t for t in trials if t.state == TrialState.FAIL)
    assert any(t.system_attrs.get("failed_trial") == failed.number for t in trials)  # retried
    done = [t.params["eta"] for t in trials if t.state == TrialState.COMPLETE]
    assert len(set(done)) == 3  # the resumed sampler does not propose the first run's points again


@pytest.mark.parametrize("text, message", [
    ("etta = {low = 0.1, high = 1.0}", "unknown setting 'etta'"),
    ("eta = {low = 2.0, high = 1.0}", "low (2.0) is greater than high (1.0)"),
    ("eta = {low = 0.0, high = 1.0, log = true}", "a log range needs low > 0"),
    ("batch_size = {choices = []}", "choices must be a non-empty list"),
    ("eta = {low = 0.1, high = ", "not valid TOML"),
    ("eta = {low = -1.0, high = 1.0}", "eta (learning rate) must be a positive number"),
    ("eta = 0.5", "nothing to search"),
    ("eta = {low = 0.1, high = 1.0}\n[tune]\nsampler = \"annealing\"", "sampler must be one of grid, random, tpe"),
])
def test_a_bad_space_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys, text, message):
    (tmp_path / "bad.toml").write_text(text + "\n")
    monkeypatch.chdir(tmp_path)
    assert main(["tune", "bad.toml"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("nndl: error: ") and message in err and err.count("\n") == 1
    assert "etta" not in text or "did you mean 'eta'?" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]  # nothing written


@pytest.mark.parametrize("url", ["not a url", "nosuchdb://host/db", "postgresql+psycopg://nobody@127.0.0.1:1/db",
                                 "sqlite:////nonexistent-folder/study.db"])
def test_a_bad_storage_url_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys, url):
    space = _space(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["tune", str(space), "--storage", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nndl: error: ") and err.count("\n") == 1, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["space.toml"]  # no tune folder, no database


def test_grid_points_are_linear_or_logarithmic():
    space = parse_space({"eta": {"low": 0.01, "high": 1.0, "log": True, "points": 3},
                         "lmbda": {"low": 0.0, "high": 10.0, "points": 3},
                         "batch_size": {"low": 10, "high": 30, "step": 10},
                         "sizes": {"choices": [[784, 30, 10], [784, 100, 10]]}})
    assert space.grid() == {"eta": [0.01, 0.1, 1.0], "lmbda": [0.0, 5.0, 10.0], "batch_size": [10, 20, 30],
                            "sizes": ["784,30,10", "784,100,10"]}
    assert space.grid_size() == 54 and to_choice([784, 30, 10]) == "784,30,10"
    with pytest.raises(ValueError, match="grid sampler needs points for eta"):
        parse_space({"eta": {"low": 0.01, "high": 1.0}}).grid()


def test_the_pruning_callback_stops_training_through_the_loop(tmp_path):
    from nndl.tune import make_objective

    space = parse_space({"sizes": [784, 10, 10], "subset": 500, "epochs": 5, "monitor_training": False,
                         "eta": {"low": 0.5, "high": 1.0}})
    study = optuna.create_study(direction="maximize", pruner=optuna.pruners.ThresholdPruner(lower=0.99))
    study.optimize(make_objective(space, tmp_path, "val_accuracy"), n_trials=1)
    t = study.trials[0]  # the pruner says stop after the first epoch's report: the loop stops there
    assert t.state == TrialState.PRUNED and t.user_attrs["epochs_run"] == 1 and list(t.intermediate_values) == [1]
    assert (tmp_path / "trials" / "0000" / "config.toml").is_file()


def test_compare_draws_three_searches_on_one_figure(tmp_path):
    space = _space(tmp_path, name="cmp.toml")
    r = nndl("tune", "--compare", space, "--trials", 2, "--out", tmp_path / "c", check=0)
    out = json.loads((tmp_path / "c" / "compare.json").read_text())
    assert [row["sampler"] for row in out["rows"]] == ["grid", "random", "tpe"]
    assert all(row["trials"] == 2 for row in out["rows"]) and "| grid | 2 |" in r.stdout
    assert (tmp_path / "c" / "compare.png").read_bytes()[:4] == b"\x89PNG"
