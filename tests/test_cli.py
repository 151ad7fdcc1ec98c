"""Tests of the nndl command line on real MNIST subsets ($NNDL_DATA_DIR; never downloads).

The real ``nndl`` script runs in a subprocess where a process matters: the shared run (the
console script end to end), SIGKILL and resume, divergence's exit status, the offline fallback
(its own environment). Everything else goes through ``main(argv)`` in-process (``cli``): the
same parsing, dispatch and exit statuses without a process start-up each."""
from __future__ import annotations

import csv
import json
import signal
import time

import numpy as np
import pytest

from cli_util import assert_usage_error, cli_env, nndl, popen, run_main

pytestmark = pytest.mark.usefixtures("mnist_dir")  # conftest: real MNIST or a loud failure, never a silent skip

cli = run_main

SMALL = ["--subset", "3000", "--sizes", "784,30,10", "--epochs", "4", "--seed", "1", "--eta", "0.5", "--lmbda", "1"]


def weights(path):
    from nndl.io import load_model

    return load_model(path).get_weights()


def same_weights(a, b):
    wa, wb = weights(a), weights(b)
    return wa.keys() == wb.keys() and all(np.array_equal(wa[k], wb[k]) for k in wa)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One small real run shared by several tests."""
    d = tmp_path_factory.mktemp("cli") / "run1"
    r = nndl("train", *SMALL, "--out", d, check=0)
    return d, r


def test_train_writes_the_run_folder(run):
    d, r = run
    for name in ("config.toml", "history.json", "history.csv", "model.npz", "best.npz", "checkpoint.npz",
                 "accuracy.png", "cost.png", "summary.json"):
        assert (d / name).is_file(), name
    assert not list(d.glob(".*.tmp"))
    # one line per epoch with cost, validation accuracy and time
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("epoch")]
    assert len(lines) == 4
    assert "cost" in lines[0] and "val_acc" in lines[0] and lines[0].rstrip().endswith("s")
    h = json.loads((d / "history.json").read_text())
    assert h["epoch"] == [1, 2, 3, 4]
    for key in ("cost", "accuracy", "val_cost", "val_accuracy"):
        assert len(h[key]) == 4
    assert h["val_accuracy"][-1] > 0.8
    rows = list(csv.DictReader((d / "history.csv").open()))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3, 4]
    assert float(rows[-1]["val_accuracy"]) == pytest.approx(h["val_accuracy"][-1])
    s = json.loads((d / "summary.json").read_text())
    assert s["finished"] and 0.8 < s["final"]["test_accuracy"] <= 1
    cfg = (d / "config.toml").read_text()
    assert "sizes = [784, 30, 10]" in cfg and "subset = 3000" in cfg and "seed = 1" in cfg


def test_plots_open_and_show_curves(run):
    from PIL import Image

    d, _ = run
    for name in ("accuracy.png", "cost.png"):
        with Image.open(d / name) as im:
            assert im.format == "PNG" and im.width > 300 and im.height > 200
            a = np.asarray(im.convert("RGB")).astype(int)
        # two coloured curves (matplotlib's blue and orange) are drawn, not just axes
        blue = ((a[..., 2] > 150) & (a[..., 0] < 80)).sum()
        orange = ((a[..., 0] > 200) & (a[..., 1] > 100) & (a[..., 1] < 180) & (a[..., 2] < 80)).sum()
        assert blue > 50 and orange > 50, name


def test_config_replays_to_identical_weights(run, tmp_path):
    d, _ = run
    cli("train", "--config", d / "config.toml", "--out", tmp_path / "replay", "--quiet", check=0)
    assert same_weights(d / "model.npz", tmp_path / "replay" / "model.npz")
    assert (tmp_path / "replay" / "config.toml").read_text() == (d / "config.toml").read_text()


def test_json_lines_and_quiet(tmp_path):
    r = cli("train", "--subset", "500", "--sizes", "784,10,10", "--epochs", "2", "--json", "--no-plots",
             "--out", tmp_path / "j", check=0)
    events = [json.loads(line) for line in r.stdout.splitlines()]
    assert [e["event"] for e in events] == ["start", "epoch", "epoch", "done"]
    assert {"cost", "val_accuracy", "time", "epoch"} <= set(events[1])
    assert events[-1]["run_dir"] == str(tmp_path / "j")
    r = cli("train", "--subset", "500", "--sizes", "784,10,10", "--epochs", "1", "--quiet", "--no-plots",
             "--out", tmp_path / "q", check=0)
    assert r.stdout == "" and r.stderr == ""


def test_config_file_with_overrides_and_hidden(tmp_path):
    cfg = tmp_path / "my.toml"
    cfg.write_text('eta = 0.25\nlmbda = 0.0\nepochs = 3\nsubset = 300\ncost = "log_likelihood"\n')
    cli("train", "--config", cfg, "--epochs", "1", "--hidden", "20,15", "--out", tmp_path / "r", "--quiet",
         "--no-plots", check=0)
    text = (tmp_path / "r" / "config.toml").read_text()
    for line in ("eta = 0.25", "epochs = 1", "sizes = [784, 20, 15, 10]", 'output_activation = "softmax"',
                 "subset = 300"):
        assert line in text, line


def test_sigkill_mid_epoch_then_resume_matches_uninterrupted(tmp_path):
    args = ["--subset", "8000", "--sizes", "784,30,10", "--epochs", "4", "--seed", "3", "--no-plots", "--quiet",
            "--momentum", "0.5", "--optimizer", "momentum", "--eta", "0.1", "--schedule", "halve:1"]
    cli("train", *args, "--out", tmp_path / "whole", check=0)
    p = popen("train", *args, "--out", tmp_path / "killed")
    ckpt = tmp_path / "killed" / "checkpoint.npz"
    deadline = time.time() + 120
    while not ckpt.exists() and time.time() < deadline and p.poll() is None:
        time.sleep(0.01)
    time.sleep(0.05)  # into the next epoch
    assert p.poll() is None, "the run finished before it could be killed"
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert not (tmp_path / "killed" / "model.npz").exists()
    r = cli("train", "--resume", tmp_path / "killed", check=0)
    assert r.stdout.startswith("nndl: resuming")
    assert same_weights(tmp_path / "whole" / "model.npz", tmp_path / "killed" / "model.npz")
    hw = json.loads((tmp_path / "whole" / "history.json").read_text())
    hk = json.loads((tmp_path / "killed" / "history.json").read_text())
    assert hw["val_accuracy"] == hk["val_accuracy"] and hw["lr"] == hk["lr"]
    # a finished run cannot be resumed
    assert_usage_error(cli("train", "--resume", tmp_path / "killed"), "already finished")


def test_divergence_stops_with_a_hint_and_keeps_the_last_checkpoint(tmp_path):
    d = tmp_path / "div"
    r = nndl("train", "--subset", "1000", "--sizes", "784,30,10", "--activation", "linear", "--output-activation",
             "linear", "--cost", "quadratic", "--eta", "0.5", "--schedule", "warmup:20", "--lmbda", "0",
             "--epochs", "20", "--out", d, "--quiet")
    line = assert_usage_error(r, "diverged", "eta", "checkpoint")
    assert "too large" in line
    from nndl.io import load_checkpoint

    ck = load_checkpoint(d / "checkpoint.npz")
    assert 1 <= ck["epoch"] < 20
    assert all(np.isfinite(w).all() for w in ck["model"].get_weights().values())
    assert not (d / "model.npz").exists()


def test_offline_fallback_to_8x8_digits_for_the_default_run(tmp_path):
    env = cli_env(NNDL_DATA_DIR=None, XDG_CACHE_HOME=str(tmp_path / "cache"),
                  NNDL_MNIST_MIRRORS=(tmp_path / "nowhere").as_uri() + "/")
    r = nndl("train", "--out", tmp_path / "fb", "--quiet", env=env, check=0)
    assert "notice" in r.stderr and "8x8 digits" in r.stderr and "MNIST" in r.stderr
    cfg = (tmp_path / "fb" / "config.toml").read_text()
    assert 'dataset = "digits8x8"' in cfg and "sizes = [64, 100, 10]" in cfg
    summary = json.loads((tmp_path / "fb" / "summary.json").read_text())
    assert summary["final"]["test_accuracy"] > 0.8
    assert summary["dataset"] == "digits8x8" and "MNIST" in summary["fallback"]  # said at the end too
    # ... but a run with explicit settings says MNIST is missing and stops
    r = nndl("train", "--epochs", "1", "--out", tmp_path / "nofb", env=env)
    assert_usage_error(r, "MNIST not found", "download failed")
    assert not (tmp_path / "nofb").exists()


def test_evaluate_prints_accuracy_confusion_and_writes_pngs(run, tmp_path):
    from PIL import Image

    d, _ = run
    r = cli("evaluate", d, "--split", "validation", "--out", tmp_path, "--gallery-size", "20", check=0)
    assert "on the validation set" in r.stdout and "per-class accuracy" in r.stdout
    assert "confusion matrix" in r.stdout and len(r.stdout.splitlines()) >= 14
    for name in ("model-validation-confusion.png", "model-validation-misclassified.png"):
        with Image.open(tmp_path / name) as im:
            assert im.format == "PNG" and im.width > 200
    r = cli("evaluate", d / "best.npz", "--json", "--no-plots", check=0)
    j = json.loads(r.stdout)
    assert j["split"] == "test" and j["n"] == 10000 and len(j["confusion_matrix"]) == 10
    assert sum(map(sum, j["confusion_matrix"])) == 10000
    assert j["accuracy"] == pytest.approx(json.loads((d / "summary.json").read_text())["best"]["test_accuracy"])


def test_predict_classifies_digits_drawn_at_another_size_and_inverted(run, tmp_path, mnist):
    from PIL import Image

    from nndl.io import load_model

    d, _ = run
    model = load_model(d / "model.npz")
    X, y = mnist.test.X[:200], mnist.test.y[:200]
    proba = np.asarray(model.predict_proba(X))
    top2 = np.sort(proba, axis=1)[:, -2:]
    confident = np.nonzero((proba.argmax(1) == y) & (top2[:, 1] > 3 * top2[:, 0]))[0]
    picks = []
    for digit in range(10):  # one confident example of each digit the model knows well
        idx = [i for i in confident if y[i] == digit]
        if idx:
            picks.append(idx[0])
    assert len(picks) >= 8
    paths = []
    for k, i in enumerate(picks):
        img = (X[i].reshape(28, 28) * 255).astype(np.uint8)
        side = (56, 84, 112, 140, 200)[k % 5]  # 2x to 7x the original, dark ink on light paper
        big = Image.fromarray(255 - img).resize((side, side), Image.Resampling.BICUBIC)
        p = tmp_path / f"digit{k}-{y[i]}.png" if k % 2 else tmp_path / f"digit{k}-{y[i]}.jpg"
        big.convert("RGB").save(p, quality=95)
        paths.append(p)
    r = cli("predict", d / "model.npz", *paths, "--json", check=0)
    out = [json.loads(line) for line in r.stdout.splitlines()]
    assert [o["digit"] for o in out] == [int(y[i]) for i in picks]
    for o in out:
        assert len(o["probabilities"]) == 10 and sum(o["probabilities"]) == pytest.approx(1.0, abs=1e-4)
    r = cli("predict", d, paths[0], check=0)
    assert r.stdout.startswith(f"{paths[0]}: {int(y[picks[0]])}")


# ------------------------------------------------------------------------------ errors → exit 2


def test_error_unknown_option():
    assert_usage_error(cli("train", "--learning-rate", "3"), "unrecognized arguments", "--learning-rate")
    assert_usage_error(cli("frobnicate"), "invalid choice")


def test_error_impossible_values_leave_no_run_folder(tmp_path):
    d = tmp_path / "r"
    assert_usage_error(cli("train", "--eta", "-1", "--out", d), "eta", "positive")
    assert_usage_error(cli("train", "--sizes", "784,0,10", "--out", d), "layer sizes", ">= 1")
    assert_usage_error(cli("train", "--epochs", "0", "--out", d), "epochs")
    assert_usage_error(cli("train", "--dropout", "1.5", "--out", d), "dropout")
    assert_usage_error(cli("train", "--sizes", "100,30,10", "--out", d), "784")
    assert_usage_error(cli("train", "--eta", "abc", "--out", d), "--eta", "invalid float")
    assert_usage_error(cli("train", "--optimizer", "adam", "--beta1", "1.5", "--out", d), "1.5")
    assert_usage_error(cli("train", "--schedule", "sometimes", "--out", d), "schedule")
    assert_usage_error(cli("train", "--activation", "wiggle", "--out", d), "activation", "wiggle")
    assert not d.exists()


def test_error_config_key_that_does_not_exist(tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text('eta = 0.5\nlamda = 5.0\n')
    line = assert_usage_error(cli("train", "--config", cfg, "--out", tmp_path / "r"), "unknown setting", "lamda")
    assert "lmbda" in line  # the suggestion
    cfg.write_text('eta = "fast"\n')
    assert_usage_error(cli("train", "--config", cfg), "eta must be a number")
    cfg.write_text('eta = \n')
    assert_usage_error(cli("train", "--config", cfg), "not valid TOML")
    assert_usage_error(cli("train", "--config", tmp_path / "missing.toml"), "does not exist")
    assert not (tmp_path / "r").exists()


def test_error_model_file_that_is_not_one(tmp_path):
    bad = tmp_path / "model.npz"
    bad.write_bytes(b"this is not a model")
    assert_usage_error(cli("evaluate", bad), "not a readable nndl")
    np.savez(tmp_path / "other.npz", a=np.zeros(3))
    assert_usage_error(cli("evaluate", tmp_path / "other.npz"), "not an nndl")
    assert_usage_error(cli("predict", tmp_path / "nothere.npz", bad), "no such file")
    assert_usage_error(cli("train", "--resume", tmp_path / "nope"), "no such run folder")


def test_error_image_that_cannot_be_read(run, tmp_path):
    d, _ = run
    junk = tmp_path / "digit.png"
    junk.write_bytes(b"\x89PNG not really")
    assert_usage_error(cli("predict", d, junk), "cannot read the image", "digit.png")
    assert_usage_error(cli("predict", d, tmp_path / "missing.png"), "no such image file")
    from PIL import Image

    Image.new("L", (40, 40), 255).save(tmp_path / "blank.png")
    assert_usage_error(cli("predict", d, tmp_path / "blank.png"), "blank")


def test_help_documents_every_option_with_its_default():
    r = cli("train", "--help", check=0)
    for flag in ("--sizes", "--eta", "--lmbda", "--epochs", "--batch-size", "--out", "--init", "--momentum",
                 "--early-stopping", "--schedule", "--seed", "--dataset", "--subset", "--optimizer",
                 "--batch-norm", "--dropout", "--clip-norm", "--preprocess", "--regularizer"):
        assert flag in r.stdout, flag
    assert r.stdout.count("(default:") >= 30
    r = cli("--help", check=0)
    for cmd in ("train", "evaluate", "predict", "baseline", "reproduce"):
        assert cmd in r.stdout


def test_baseline_darkness_matches_the_book():
    r = cli("baseline", "darkness", "--json", check=0)
    j = json.loads(r.stdout)
    assert (j["correct"], j["n"]) == (2225, 10000)


def test_baseline_svm_on_a_subset():
    r = cli("baseline", "svm", "--subset", "100", "--json", check=0)
    j = json.loads(r.stdout)
    # libsvm is deterministic: fitted on the first 100 training digits, 2,563 of the 10,000
    # test digits (prediction time grows with the subset, so the subset stays small)
    assert (j["correct"], j["n"], j["n_train"]) == (2563, 10000, 100)
    assert_usage_error(cli("baseline", "svm", "--subset", "-5"), "subset")
