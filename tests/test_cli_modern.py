"""The modern-training options through the real ``nndl`` command (subprocesses).

Bad settings give one clear line on stderr and exit status 2, before anything is written."""
import json
import os
import subprocess
import sys

import pytest

QUICK = ["--dataset", "digits8x8", "--epochs", "1", "--no-plots", "-q"]


def nndl(*args, cwd=None):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-m", "nndl.cli.main", *args] if _no_script() else ["nndl", *args],
                          capture_output=True, text=True, cwd=cwd, env=env, timeout=120)


def _no_script():
    import shutil

    return shutil.which("nndl") is None


@pytest.mark.parametrize("args,needle", [
    (["--optimizer", "adam", "--beta1", "1.0"], "beta1"),
    (["--optimizer", "adam", "--beta2", "-0.1"], "beta2"),
    (["--optimizer", "rmsprop", "--rho", "1.5"], "rho"),
    (["--optimizer", "adam", "--eps", "0"], "eps"),
    (["--optimizer", "rmsprop", "--eps", "-1e-7"], "eps"),
    (["--dropout", "1.0"], "dropout"),
    (["--dropout", "-0.1"], "dropout"),
    (["--clip-norm", "0"], "clip"),
    (["--clip-value", "-1"], "clip"),
    (["--optimizer", "lbfgs"], "lbfgs"),
    (["--schedule", "cosine:x"], "schedule"),
    (["--preprocess", "sphere"], "preprocess"),
])
def test_bad_settings_exit_2_with_one_line(tmp_path, args, needle):
    r = nndl("train", *QUICK, "--out", str(tmp_path / "run"), *args)
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nndl: error:") and needle in lines[0], r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "run").exists()


def test_train_with_modern_options_end_to_end(tmp_path):
    r = nndl("train", *QUICK[:-1], "--epochs", "2", "--out", str(tmp_path / "run"), "--optimizer", "adam",
             "--eta", "0.01", "--batch-norm", "--dropout", "0.2", "--clip-norm", "1", "--preprocess", "standardize",
             "--schedule", "cosine", "--activation", "prelu", "--json")
    assert r.returncode == 0, r.stderr
    events = [json.loads(line) for line in r.stdout.splitlines()]
    epochs = [e for e in events if e["event"] == "epoch"]
    assert len(epochs) == 2 and all(e["grad_norm"] > 0 for e in epochs)
    assert epochs[1]["lr"] < epochs[0]["lr"]                       # cosine schedule
    assert events[-1]["event"] == "done"
    assert (tmp_path / "run" / "model.npz").is_file()


def test_lr_find_command(tmp_path):
    out = tmp_path / "lr.png"
    r = nndl("lr-find", "--dataset", "digits8x8", "--sizes", "64,20,10", "--cost", "quadratic", "--lmbda", "0",
             "--steps", "200", "--start", "1e-3", "--end", "100", "--out", str(out), "--json")
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    lo, hi = res["suggestion"]
    assert 0 < lo < hi <= 100 and out.stat().st_size > 1000


def test_lr_find_bad_range_exit_2(tmp_path):
    r = nndl("lr-find", "--dataset", "digits8x8", "--start", "10", "--end", "1", "--out", str(tmp_path / "x.png"))
    assert r.returncode == 2 and "start < end" in r.stderr


def test_compare_optimizers_command(tmp_path):
    out = tmp_path / "cmp.png"
    r = nndl("compare-optimizers", "--dataset", "digits8x8", "--subset", "500", "--epochs", "1",
             "--optimizers", "sgd,adam", "--lr", "sgd=0.1", "--out", str(out), "--json")
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)["optimizers"]
    assert res["sgd"]["lr"] == 0.1 and res["adam"]["lr"] == 0.001
    assert out.stat().st_size > 1000
    r = nndl("compare-optimizers", "--dataset", "digits8x8", "--optimizers", "sgd,lbfgs", "--out", str(out))
    assert r.returncode == 2 and "lbfgs" in r.stderr
