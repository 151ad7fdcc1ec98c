"""``nndl train --diagnostics`` and ``nndl gradients`` on a real MNIST subset, in-process through main(argv)."""
from __future__ import annotations

import csv
import json
import re

import pytest

from cli_util import assert_usage_error, run_main as nndl  # in-process: main(argv), no process start-up

pytestmark = pytest.mark.usefixtures("mnist_dir")  # conftest: real MNIST or a loud failure, never a silent skip

ARGS = ["--subset", "600", "--hidden", "20,20,20", "--seed", "2", "--eta", "0.1", "--no-plots"]


def test_train_with_diagnostics_prints_writes_and_replots(tmp_path):
    d = tmp_path / "run"
    r = nndl("train", *ARGS, "--epochs", "3", "--diagnostics", "--out", d, check=0)
    lines = [x for x in r.stdout.splitlines() if "diagnostics epoch" in x]
    assert len(lines) == 4 and "speed" in lines[0] and lines[0].count("%") == 3   # epochs 0..3, 3 layers
    doc = json.loads((d / "diagnostics.json").read_text())
    assert doc["images"] == 600 and doc["layers"] == ["dense(20)"] * 3
    assert [rec["epoch"] for rec in doc["records"]] == [0, 1, 2, 3]
    rows = list(csv.DictReader((d / "diagnostics.csv").open()))
    assert len(rows) == 4 and float(rows[0]["speed_1"]) == pytest.approx(doc["records"][0]["speed"][0])
    hist = json.loads((d / "history.json").read_text())
    assert hist["speed_3"] == [rec["speed"][2] for rec in doc["records"][1:]]
    assert not (d / "gradients.png").exists()                  # --no-plots
    r = nndl("gradients", d, check=0)
    assert "4 measurements on 600 images" in r.stdout
    assert (d / "gradients.png").read_bytes()[:4] == b"\x89PNG"


def test_resumed_run_continues_its_diagnostics(tmp_path):
    whole, part = tmp_path / "whole", tmp_path / "part"
    small = [*ARGS, "--hidden", "10,10", "--diagnostics", "--diagnostics-batches", "25", "--quiet"]
    nndl("train", *small, "--epochs", "2", "--out", whole, check=0)
    nndl("train", *small, "--epochs", "1", "--out", part, check=0)
    # extend the finished 1-epoch run to 2 epochs, as if it had been stopped after epoch 1
    cfg = (part / "config.toml").read_text()
    (part / "config.toml").write_text(re.sub(r"(?m)^epochs = 1\b", "epochs = 2", cfg))
    (part / "summary.json").unlink()
    r = nndl("train", "--resume", part, check=0)
    assert "diagnostics epoch 1.6667:" in r.stdout and "diagnostics epoch 0:" not in r.stdout   # step 100
    a = json.loads((whole / "diagnostics.json").read_text())["records"]
    b = json.loads((part / "diagnostics.json").read_text())["records"]
    assert [x["step"] for x in a] == [0, 25, 50, 75, 100] and a == b


def test_bad_input_is_one_line(tmp_path, capsys):
    from nndl.cli.main import main

    assert_usage_error(nndl("gradients", tmp_path / "nope"), "no such run folder")
    for argv, message in ((["gradients", str(tmp_path)], "no diagnostics.json"),
                          (["train", "--diagnostics-every", "0"], "must be >= 1"),
                          (["train", "--diagnostics-every", "2"], "need --diagnostics"),
                          (["train", "--diagnostics", "--diagnostics-every", "2", "--diagnostics-batches", "5"],
                           "not both")):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("nndl: error:") and message in err[0], err
    (tmp_path / "diagnostics.json").write_text("{not json")
    assert main(["gradients", str(tmp_path)]) == 2
    assert "not a diagnostics file" in capsys.readouterr().err
