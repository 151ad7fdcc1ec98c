"""Ensembles: voting, averaging, files, the CLI."""
import json

import numpy as np
import pytest

import nndl
from nndl.app.ensemble import Ensemble, train_ensemble


def test_vote_tie_break_and_average():
    preds = np.array([[1, 2, 3], [1, 3, 0], [2, 3, 0]])
    assert Ensemble._vote(preds, 4).tolist() == [1, 3, 0]
    assert Ensemble._vote(np.array([[1], [2]]), 4).tolist() == [1]  # tie → smallest digit


def _build(seed):
    m = nndl.Sequential([nndl.Dense(20, "sigmoid", input_dim=784), nndl.Dense(10, "softmax")],
                        cost="log_likelihood", seed=seed)
    return m.compile(nndl.SGD(lr=0.5))


def test_ensemble_on_mnist_subset_beats_or_equals_members(mnist, tmp_path):
    Xtr, ytr = mnist.train.X[:2000], mnist.train.y[:2000]
    Xte, yte = mnist.test.X[:2000], mnist.test.y[:2000]
    ens = train_ensemble(_build, k=5, X=Xtr, y=ytr, epochs=3, batch_size=10, monitor_training=False)
    r = ens.evaluate(Xte, yte)
    assert len(r["members"]) == 5 and len(set(r["members"])) > 1      # different seeds, different nets
    assert r["vote"] >= np.mean(r["members"])
    assert r["average"] >= np.mean(r["members"])
    assert r["vote"] >= min(r["members"]) and r["vote"] > 0.8
    ens.save(tmp_path / "ens")
    index = json.loads((tmp_path / "ens" / "ensemble.json").read_text())
    assert index["seeds"] == [0, 1, 2, 3, 4] and len(index["members"]) == 5
    loaded = Ensemble.load(tmp_path / "ens")
    assert np.array_equal(loaded.predict(Xte), ens.predict(Xte))
    assert np.array_equal(loaded.predict(Xte, "average"), ens.predict(Xte, "average"))


def test_bad_ensembles(tmp_path):
    with pytest.raises(nndl.ConfigError):
        Ensemble([])
    with pytest.raises(nndl.ConfigError):
        Ensemble.load(tmp_path)
    with pytest.raises(nndl.ConfigError):
        train_ensemble(_build, k=2, seeds=[1, 2, 3], X=np.zeros((2, 784)), y=np.zeros(2, int))
    (tmp_path / "ensemble.json").write_text(json.dumps({"format": "nndl-ensemble", "members": ["../x.npz"]}))
    with pytest.raises(nndl.ConfigError):
        Ensemble.load(tmp_path)
    with pytest.raises(nndl.ConfigError):
        Ensemble([_build(0)]).predict(np.zeros((1, 784), np.float32), method="median")


def test_cli_ensemble_train_and_evaluate(mnist, tmp_path, capsys):
    from nndl.cli.main import main

    out = tmp_path / "ens"
    assert main(["ensemble", "train", "--out", str(out), "--arch", "fc100", "-k", "2", "--epochs", "1",
                 "--subset", "1000", "--eta", "0.1", "--lmbda", "0"]) == 0
    assert "majority vote" in capsys.readouterr().out
    assert main(["ensemble", "evaluate", str(out), "--json", "--split", "validation"]) == 0
    r = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert r["split"] == "validation" and len(r["members"]) == 2 and 0.5 < r["vote"] <= 1
    assert main(["ensemble", "evaluate", str(tmp_path / "missing")]) == 2
    assert main(["ensemble", "train", "--out", str(out), "-k", "0"]) == 2
