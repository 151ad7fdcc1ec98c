"""``nndl universality`` and ``nndl lecture1`` end to end: real processes, real PNGs."""
from __future__ import annotations

import json

import numpy as np
from cli_util import assert_usage_error, nndl
from PIL import Image

from nndl.cli.main import main


def _png(path):
    with Image.open(path) as im:
        assert im.format == "PNG"
        return np.asarray(im.convert("RGB")).astype(int)


def test_universality_approximate_json_and_figure(tmp_path):
    r = nndl("universality", "approximate", "--n", "5,20", "--out", tmp_path, "--json", check=0)
    out = json.loads(r.stdout)
    assert [row["N"] for row in out["rows"]] == [5, 20]
    assert out["rows"][0]["mean_inv"] <= 0.40 and out["rows"][1]["mean_inv"] < out["rows"][0]["mean_inv"]
    assert _png(tmp_path / "ch4_approximate.png").std() > 10
    assert not list(tmp_path.glob(".*.tmp"))


def test_universality_towers_and_step_print_their_numbers(tmp_path, capsys):
    assert main(["universality", "towers", "--n", "4", "--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "one 2-D tower" in text and "4×4 towers" in text and (tmp_path / "ch4_towers.png").is_file()
    assert main(["universality", "step", "--w", "10,1000", "--out", str(tmp_path)]) == 0
    assert "w = 1000 (b = -400)" in capsys.readouterr().out


def test_lecture1_perceptron_and_regions(tmp_path, capsys):
    assert main(["lecture1", "perceptron", "--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "XOR" in text and "and never will" in text and "AND: correct per epoch" in text
    assert main(["lecture1", "regions", "--seeds", "1", "--resolution", "120", "--p", "2", "--lines", "0",
                 "--out", str(tmp_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [row["regions"] for row in out["montufar"]] == [4, 16, 64, 256]
    assert [row["depth"] for row in out["random"]] == [1, 2, 3, 4] and out["montufar_lines"] == []
    assert _png(tmp_path / "lecture1_regions.png").std() > 10


def test_bad_input_is_one_line_and_status_2(tmp_path, capsys):
    assert_usage_error(nndl("universality", "approximate", "--n", "0", "--out", tmp_path), "positive")
    (tmp_path / "file").write_text("x")
    for argv, fragment in ((["universality", "step", "--w", "x"], "float"), (["lecture1", "bogus"], "invalid choice"),
                           (["universality"], "required"), (["universality", "towers", "--n", "1000"], "at most 60"),
                           (["lecture1", "steps", "--out", str(tmp_path / "file")], "not a folder")):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("nndl: error: ") and fragment in err[0], err
    assert list(tmp_path.iterdir()) == [tmp_path / "file"]


def test_every_figure_function_writes_a_real_png(tmp_path):
    from nndl.insight import ch4_figures as c, lecture1_figures as l1

    runs = [c.bump(tmp_path), c.windows(tmp_path, m=(1, 2)), c.learn(tmp_path, epochs=2, samples=50),
            l1.xor(tmp_path, seeds=2, epochs=2), l1.steps(tmp_path, n=2, folds=1)]
    for r in runs:
        assert _png(r["figure"]).std() > 10
    assert runs[4]["max_difference"] == 0 and runs[3]["handset"] == [0.0, 1.0, 1.0, 0.0]
