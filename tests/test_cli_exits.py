"""What the CLI promises beyond bad input (nndl/cli/main.py's docstring): an unexpected
failure is one line and exit status 1, NNDL_DEBUG=1 shows its traceback, Ctrl-C is exit 130
and leaves the last checkpoint in place; ``nndl evaluate`` re-applies the preprocessing stored in the model
file; the progress bar counts every mini-batch of every epoch."""
from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import nndl
import nndl.cli.evaluate
from nndl.io import load_checkpoint
from cli_util import cli_env, nndl as nndl_process, popen, run_main

QUICK = ["--dataset", "digits8x8", "--sizes", "64,20,10", "--seed", "0", "--eta", "0.5", "--no-plots"]


def _boom(args):
    raise RuntimeError("planted failure")


def test_internal_error_is_one_line_and_exit_1(monkeypatch):
    # a command that fails with a non-nndl exception (a bug): main turns it into one line
    monkeypatch.setattr(nndl.cli.evaluate, "run", _boom)
    monkeypatch.delenv("NNDL_DEBUG", raising=False)
    r = run_main("evaluate", "whatever.npz")
    assert r.returncode == 1
    assert r.stderr.strip() == ("nndl: internal error: RuntimeError: planted failure "
                                "(set NNDL_DEBUG=1 for the traceback)")
    monkeypatch.setenv("NNDL_DEBUG", "1")
    with pytest.raises(RuntimeError, match="planted failure"):   # the traceback is not swallowed
        run_main("evaluate", "whatever.npz")


def test_nndl_debug_traceback_and_exit_1_end_to_end():
    """In a real process: exit status 1 both ways, a traceback only with NNDL_DEBUG=1."""
    code = ("import sys, nndl.cli.evaluate as e\n"
            "def boom(a): raise RuntimeError('planted failure')\n"
            "e.run = boom\n"
            "from nndl.cli.main import main\n"
            "sys.exit(main(['evaluate', 'x.npz']))\n")
    quiet = subprocess.run([sys.executable, "-c", code], env=cli_env(NNDL_DEBUG=None), capture_output=True,
                           text=True, timeout=120)
    assert quiet.returncode == 1 and "Traceback" not in quiet.stderr
    assert quiet.stderr.strip().splitlines() == [
        "nndl: internal error: RuntimeError: planted failure (set NNDL_DEBUG=1 for the traceback)"]
    loud = subprocess.run([sys.executable, "-c", code], env=cli_env(NNDL_DEBUG="1"), capture_output=True,
                          text=True, timeout=120)
    assert loud.returncode == 1
    assert "Traceback (most recent call last)" in loud.stderr and "RuntimeError: planted failure" in loud.stderr


def test_bad_input_with_nndl_debug_shows_the_traceback(tmp_path):
    r = nndl_process("evaluate", tmp_path / "missing.npz", env=cli_env(NNDL_DEBUG="1"))
    assert r.returncode == 1 and "Traceback (most recent call last)" in r.stderr


def test_ctrl_c_exits_130_and_keeps_the_last_checkpoint(tmp_path):
    run = tmp_path / "run"
    p = popen("train", *QUICK, "--epochs", "400", "--out", run)
    ckpt = run / "checkpoint.npz"
    deadline = time.time() + 120
    while not ckpt.exists() and time.time() < deadline and p.poll() is None:
        time.sleep(0.05)
    assert ckpt.exists(), p.stderr.read() if p.poll() is not None else "no checkpoint in time"
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    assert err.strip().splitlines()[-1] == "nndl: interrupted"
    done = load_checkpoint(ckpt)["epoch"]               # a whole, loadable checkpoint
    assert 1 <= done < 400 and not (run / "model.npz").exists()


def test_evaluate_reapplies_the_stored_preprocessing(tmp_path):
    run = tmp_path / "run"
    assert run_main("train", *QUICK, "--epochs", "3", "--preprocess", "standardize", "-q",
                    "--out", run).returncode == 0
    r = run_main("evaluate", run, "--json", "--no-plots")
    assert r.returncode == 0, r.stderr
    reported = json.loads(r.stdout)

    from nndl.app.build import load_dataset
    from nndl.app.settings import RunConfig
    from nndl.io import load_model, load_predictor

    test = load_dataset(RunConfig(dataset="digits8x8"))[0].test
    predictor, _ = load_predictor(run / "model.npz")
    raw = load_model(run / "model.npz")
    pre = predictor.preprocessor
    with_pre = int((raw.predict(pre.transform(test.X)) == test.y).sum())
    without = int((raw.predict(test.X) == test.y).sum())
    assert reported["correct"] == with_pre and reported["n"] == test.n
    assert with_pre != without                     # the preprocessing matters for this model
    assert reported["accuracy"] > 0.5              # 10 classes: chance is 0.1


def test_progress_bar_counts_every_mini_batch():
    buf = io.StringIO()
    model = nndl.Sequential([nndl.Dense(3, "sigmoid", input_dim=2)], seed=0)
    X = np.random.default_rng(0).normal(size=(450, 2)).astype(np.float32)
    model.fit(X, np.arange(450) % 3, epochs=2, batch_size=2, monitor_training=False,
              callbacks=[nndl.ProgressBar(file=buf, leave=True)])
    text = buf.getvalue()
    finals = [line for line in text.replace("\r", "\n").splitlines() if "225/225" in line]
    assert any(line.startswith("epoch 1/2") for line in finals), text
    assert any(line.startswith("epoch 2/2") for line in finals), text
    assert "batch" in finals[-1]
