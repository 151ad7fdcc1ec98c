"""The modern-training options through the ``nndl`` command line, in-process through
``main(argv)`` (the same parsing, dispatch and exit statuses; no process start-up). The
end-to-end run of the real script is in test_cli.py.

Bad settings give one clear line on stderr and exit status 2, before anything is written."""
import json

import numpy as np
import pytest
from PIL import Image

from cli_util import assert_usage_error, run_main

QUICK = ["--dataset", "digits8x8", "--epochs", "1", "--no-plots", "-q"]


def _png(path):
    with Image.open(path) as im:
        assert im.format == "PNG"
        return np.asarray(im.convert("L")).astype(int)


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
    r = run_main("train", *QUICK, "--out", str(tmp_path / "run"), *args)
    assert_usage_error(r, needle)
    assert not (tmp_path / "run").exists()


def test_train_with_modern_options_end_to_end(tmp_path):
    r = run_main("train", *QUICK[:-1], "--epochs", "2", "--out", str(tmp_path / "run"),
                 "--optimizer", "adam", "--eta", "0.01", "--batch-norm", "--dropout", "0.2", "--clip-norm", "1",
                 "--preprocess", "standardize", "--schedule", "cosine", "--activation", "prelu", "--json")
    assert r.returncode == 0, r.stderr
    events = [json.loads(line) for line in r.stdout.splitlines()]
    epochs = [e for e in events if e["event"] == "epoch"]
    assert len(epochs) == 2 and all(e["grad_norm"] > 0 for e in epochs)
    assert epochs[1]["lr"] < epochs[0]["lr"]                       # cosine schedule
    assert events[-1]["event"] == "done"
    assert (tmp_path / "run" / "model.npz").is_file()


def test_lr_find_command(tmp_path):
    out = tmp_path / "lr.png"
    r = run_main("lr-find", "--dataset", "digits8x8", "--sizes", "64,20,10", "--cost", "cross_entropy",
                 "--lmbda", "0", "--steps", "200", "--start", "1e-3", "--end", "100", "--out", str(out), "--json")
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    lo, hi = res["suggestion"]
    # cross-entropy's loss explodes before η = 100 (quadratic cost saturates instead, and its
    # "minimum" sits on the range's end): the suggestion is the decade below the η of lowest
    # smoothed loss, found inside (start, end)
    assert res["stopped_early"] and res["steps"] < 200
    assert hi == res["best_lr"] and lo == pytest.approx(hi / 10, rel=1e-12)
    assert 1e-3 < res["steepest_lr"] <= hi < 100
    img = _png(out)
    assert img.shape[0] > 200 and img.std() > 10


def test_lr_find_bad_range_exit_2(tmp_path):
    r = run_main("lr-find", "--dataset", "digits8x8", "--start", "10", "--end", "1",
                 "--out", str(tmp_path / "x.png"))
    assert_usage_error(r, "start < end")
    assert not (tmp_path / "x.png").exists()


def test_compare_optimizers_command(tmp_path):
    out = tmp_path / "cmp.png"
    r = run_main("compare-optimizers", "--dataset", "digits8x8", "--subset", "500", "--epochs", "1",
             "--optimizers", "sgd,adam", "--lr", "sgd=0.1", "--out", str(out), "--json")
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)["optimizers"]
    assert res["sgd"]["lr"] == 0.1 and res["adam"]["lr"] == 0.001
    assert _png(out).std() > 10
    r = run_main("compare-optimizers", "--dataset", "digits8x8", "--optimizers", "sgd,adamax",
                 "--out", str(tmp_path / "bad.png"))
    assert_usage_error(r, "adamax")
