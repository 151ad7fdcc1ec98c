"""Run folders have one owner: claiming is atomic (the race made deterministic), a resume must
match its checkpoint, and a run that fails before its first epoch leaves nothing behind.
Small runs on scikit-learn's bundled 8x8 digits (no MNIST needed)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from cli_util import cli_env

from nndl.app import folders
from nndl.app.runs import new_run_dir, resume_run, train_run
from nndl.app.settings import RunConfig
from nndl.errors import ConfigError

TINY = dict(dataset="digits8x8", sizes=[64, 20, 10], epochs=2, subset=300, seed=3)
TINY_ARGS = ["--dataset", "digits8x8", "--sizes", "64,20,10", "--epochs", "2", "--subset", "300", "-q"]


def test_two_claims_of_one_folder_interleaved_between_check_and_create(tmp_path, monkeypatch):
    """A pauses after its emptiness check, just as it creates the folder; B claims the same
    folder meanwhile. Exactly one of them may own it (an exists-then-mkdir claim gives both)."""
    target = tmp_path / "run"
    a_at_mkdir, b_done = threading.Event(), threading.Event()
    real_mkdir = Path.mkdir

    def mkdir(self, *args, **kwargs):
        if self == target and threading.current_thread().name == "A":
            a_at_mkdir.set()
            assert b_done.wait(10)
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    outcome = {}

    def claim(name):
        try:
            outcome[name] = new_run_dir(target)
        except ConfigError as e:
            outcome[name] = e
        finally:
            if name == "B":
                b_done.set()

    a = threading.Thread(target=claim, args=("A",), name="A")
    a.start()
    assert a_at_mkdir.wait(10)
    b = threading.Thread(target=claim, args=("B",), name="B")
    b.start()
    b.join(10), a.join(10)
    assert isinstance(outcome["B"], Path)
    assert isinstance(outcome["A"], ConfigError) and "already belongs to another run" in str(outcome["A"])


def test_a_held_claim_refuses_a_second_claim_and_a_resume(tmp_path):
    held = folders.claim_folder(tmp_path / "r")
    with pytest.raises(ConfigError, match="already belongs"):
        folders.claim_folder(tmp_path / "r")
    with pytest.raises(ConfigError, match="in use by another nndl command"):
        folders.hold_folder(tmp_path / "r")
    held.release()
    folders.hold_folder(tmp_path / "r").release()  # free again once the owner is done
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not empty"):
        folders.claim_folder(tmp_path / "full")
    assert sorted(p.name for p in (tmp_path / "full").iterdir()) == ["notes.txt"]


def test_two_train_processes_released_together_on_one_run_dir(tmp_path):
    """Two real ``nndl train --run-dir X`` started behind one gate: one trains, the other
    stops with one line, and every file in X belongs to the one that trained."""
    gate = tmp_path / "gate"
    script = ("import sys, time, pathlib\n"
              "gate = pathlib.Path(sys.argv[1])\n"
              "from nndl.cli.main import main\n"
              "import nndl.app.runs, nndl.data\n"  # imports done before the gate opens
              "pathlib.Path(sys.argv[2]).touch()\n"
              "while not gate.exists(): time.sleep(0.002)\n"
              "sys.exit(main(sys.argv[3:]))\n")
    procs = [subprocess.Popen([sys.executable, "-c", script, str(gate), str(tmp_path / f"ready{seed}"), "train",
                               *TINY_ARGS, "--seed", str(seed), "--run-dir", str(tmp_path / "run")], env=cli_env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for seed in (1, 2)]
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"ready{seed}").exists() for seed in (1, 2)) and time.monotonic() < deadline:
        time.sleep(0.01)
    gate.touch()
    results = [(p.wait(120), *p.communicate()) for p in procs]
    codes = sorted(rc for rc, _, _ in results)
    assert codes == [0, 2], results
    loser = next(err for rc, _, err in results if rc == 2)
    assert loser.strip().startswith("nndl: error: run folder") and len(loser.strip().splitlines()) == 1
    winner_seed = 1 if results[0][0] == 0 else 2
    assert f"seed = {winner_seed}" in (tmp_path / "run" / "config.toml").read_text()
    s = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert s["finished"] and s["epochs_run"] == 2


def cli(capsys, *argv):
    """``nndl ARGV`` in this process: (exit status, stdout, stderr)."""
    from nndl.cli.main import main

    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def one_error_line(rc, err, *fragments):
    assert rc == 2 and len(err.strip().splitlines()) == 1 and err.startswith("nndl: error: "), (rc, err)
    for f in fragments:
        assert f in err, (f, err)


DIVERGES = ["train", "--dataset", "digits8x8", "--activation", "relu", "--output-activation", "linear", "--cost",
            "quadratic", "--init", "large", "--eta", "1e6", "--lmbda", "0", "--epochs", "2", "-q"]


def test_divergence_in_the_first_epoch_leaves_no_folder(tmp_path, capsys):
    rc, _, err = cli(capsys, *DIVERGES, "--run-dir", tmp_path / "r")
    one_error_line(rc, err, "diverged in epoch 1", "nothing is kept")
    assert not (tmp_path / "r").exists()
    (tmp_path / "mine").mkdir()  # an empty folder the user made stays, empty
    rc, _, err = cli(capsys, *DIVERGES, "--run-dir", tmp_path / "mine")
    assert rc == 2 and list((tmp_path / "mine").iterdir()) == []


@pytest.fixture(scope="module")
def base_run(tmp_path_factory):
    return train_run(RunConfig(**TINY, schedule="halve:1"), tmp_path_factory.mktemp("resume") / "run", plots=False)


@pytest.fixture
def finished_run(base_run, tmp_path):
    """A copy of a finished 2-epoch run (η halved on plateau) to edit or continue."""
    return shutil.copytree(base_run.run_dir, tmp_path / "run")


def _edit(run, key, value):
    cfg = run / "config.toml"
    lines = [f"{key} = {value}" if ln.split(" = ")[0] == key else ln for ln in cfg.read_text().splitlines()]
    cfg.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("key, value", [("eta", "0.3"), ("sizes", "[64, 30, 10]"), ("optimizer", '"momentum"'),
                                        ("dataset", '"mnist"'), ("subset", "200"), ("seed", "4"),
                                        ("schedule", '"none"'), ("cost", '"quadratic"'), ("batch_norm", "true")])
def test_resume_refuses_a_config_that_does_not_match_the_checkpoint(finished_run, key, value):
    _edit(finished_run, key, value)
    before = {p.name: p.read_bytes() for p in finished_run.iterdir() if p.is_file()}
    with pytest.raises(ConfigError, match=f"config.toml says {key} = .*only epochs and monitor_training may change"):
        resume_run(finished_run, epochs=3, plots=False)
    assert {p.name: p.read_bytes() for p in finished_run.iterdir() if p.is_file()} == before


def test_resume_refusal_on_the_command_line_is_one_line(finished_run, capsys):
    _edit(finished_run, "lmbda", "0.1")
    one_error_line(*cli(capsys, "train", "--resume", finished_run, "--epochs", "3")[::2],
                   "config.toml says lmbda = 0.1", "was trained with lmbda = 5")
    one_error_line(*cli(capsys, "train", "--resume", finished_run, "--eta", "3")[::2], "only --epochs may change")


def test_resume_may_extend_epochs_and_matches_an_uninterrupted_run(finished_run, tmp_path, capsys):
    run = finished_run
    _edit(run, "monitor_training", "true")  # unchanged value, allowed key: still resumes
    with pytest.raises(ConfigError, match="already finished"):
        resume_run(run, plots=False)
    rc, out, _ = cli(capsys, "train", "--resume", run, "--epochs", "4", "--no-plots")
    assert rc == 0 and "epoch 4/4" in out
    assert "epochs = 4" in (run / "config.toml").read_text()
    straight = train_run(RunConfig(**{**TINY, "epochs": 4}, schedule="halve:1"), tmp_path / "straight", plots=False)
    from nndl.io import load_model

    a, b = load_model(run / "model.npz").get_weights(), load_model(straight.run_dir / "model.npz").get_weights()
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    assert json.loads((run / "history.json").read_text())["epoch"] == [1, 2, 3, 4]


def test_nndl_runs_lists_runs_with_settings_results_and_status(base_run, tmp_path, capsys):
    root = tmp_path / "runs"
    shutil.copytree(base_run.run_dir, root / "a-finished")
    shutil.copytree(base_run.run_dir, root / "b-stopped")
    (root / "b-stopped" / "summary.json").unlink()
    shutil.copytree(base_run.run_dir, root / "c-running")
    (root / "c-running" / "summary.json").unlink()
    (root / "not-a-run").mkdir()
    held = folders.hold_folder(root / "c-running")
    try:
        rc, out, _ = cli(capsys, "runs", root, "--json")
    finally:
        held.release()
    rows = [json.loads(line) for line in out.splitlines()]
    assert rc == 0 and [r["run"] for r in rows] == ["a-finished", "b-stopped", "c-running"]
    assert [r["status"] for r in rows] == ["finished", "stopped", "running"]
    summary = json.loads((base_run.run_dir / "summary.json").read_text())
    history = json.loads((base_run.run_dir / "history.json").read_text())
    a = rows[0]
    assert a["sizes"] == [64, 20, 10] and a["dataset"] == "digits8x8" and a["seed"] == 3 and a["epochs_run"] == 2
    assert a["test_accuracy"] == summary["final"]["test_accuracy"]
    assert a["best_eval_accuracy"] == max(history["val_accuracy"])
    rc, out, _ = cli(capsys, "runs", root)
    lines = out.splitlines()
    assert rc == 0 and lines[0].split()[:3] == ["run", "status", "data"] and len(lines) == 4
    assert "64-20-10 sigmoid" in lines[1] and f"{summary['final']['test_accuracy'] * 100:.2f}%" in lines[1]
    one_error_line(*cli(capsys, "runs", tmp_path / "nowhere")[::2], "no such folder of runs")


def test_ensemble_folder_is_claimed_before_training(tmp_path, capsys):
    (tmp_path / "ens").mkdir()
    (tmp_path / "ens" / "ensemble.json").write_text("{}")   # someone else's ensemble
    one_error_line(*cli(capsys, "ensemble", "train", tmp_path / "ens", "--arch", "fc100", "-k", "1", "--epochs",
                        "1", "--subset", "100")[::2], "ensemble folder", "not empty")
    assert (tmp_path / "ens" / "ensemble.json").read_text() == "{}"
    held = folders.claim_folder(tmp_path / "busy", "ensemble folder")
    try:
        one_error_line(*cli(capsys, "ensemble", "train", tmp_path / "busy", "-k", "1")[::2], "already belongs")
    finally:
        held.release()
