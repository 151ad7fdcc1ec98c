"""The run config: defaults, TOML round trip, validation, model building."""
from __future__ import annotations

import math

import numpy as np
import pytest

from nndl.app.build import build_callbacks, build_model, optimizer_kwargs, resolve, resolved_optimizer_settings
from nndl.app.settings import RunConfig, dumps_toml, load_config
from nndl.train import parse_early_stopping, parse_schedule
from nndl.errors import ConfigError


def test_defaults_validate_and_resolve():
    cfg = resolve(RunConfig().validate(), 784, 10)
    assert cfg.sizes == [784, 100, 10] and cfg.output_activation == "sigmoid"
    assert resolve(RunConfig(cost="log_likelihood"), 784, 10).output_activation == "softmax"
    with pytest.raises(ConfigError, match="784"):
        resolve(RunConfig(sizes=[100, 10]), 784, 10)
    with pytest.raises(ConfigError, match="classes"):
        resolve(RunConfig(sizes=[784, 30, 9]), 784, 10)


def test_toml_round_trip_is_exact(tmp_path):
    cfg = RunConfig(sizes=[784, 30, 10], eta=0.1 + 0.2, lmbda=1e-8, optimizer="adam", beta1=0.95, seed=7,
                    batch_norm=True, schedule="warmup:2+cosine", dropout=0.25)
    p = tmp_path / "c.toml"
    p.write_text(cfg.to_toml(header="a header\nline two"))
    back = load_config(p)
    assert back == cfg and back.eta == 0.1 + 0.2
    assert "# beta2 = (unset)" in p.read_text()


def test_toml_writer_values():
    text = dumps_toml({"a": 1, "b": 2.0, "c": float("inf"), "d": "x\"y", "e": [1, 2], "f": True, "g": None})
    import tomllib

    d = tomllib.loads(text)
    assert d == {"a": 1, "b": 2.0, "c": math.inf, "d": 'x"y', "e": [1, 2], "f": True}


@pytest.mark.parametrize("bad, match", [
    ({"lamda": 5.0}, "unknown setting 'lamda'.*lmbda"),
    ({"eta": "fast"}, "eta must be a number"),
    ({"epochs": 2.5}, "epochs must be an integer"),
    ({"batch_norm": 1}, "true or false"),
    ({"sizes": [784, "a"]}, "list of integers"),
])
def test_from_dict_rejects_unknown_keys_and_wrong_types(bad, match):
    with pytest.raises(ConfigError, match=match):
        RunConfig.from_dict(bad)


@pytest.mark.parametrize("changes, match", [
    ({"eta": -1.0}, "eta"), ({"eta": math.nan}, "eta"), ({"lmbda": -0.1}, "lmbda"), ({"epochs": 0}, "epochs"),
    ({"batch_size": 0}, "batch_size"), ({"sizes": [784, 0, 10]}, ">= 1"), ({"sizes": [784]}, "at least"),
    ({"dropout": 1.0}, "dropout"), ({"cost": "hinge"}, "cost"), ({"init": "zeros"}, "init"),
    ({"dataset": "cifar"}, "dataset"), ({"activation": "wiggle"}, "wiggle"), ({"optimizer": "lbfgs"}, "lbfgs"),
    ({"schedule": "sometimes"}, "schedule"), ({"early_stopping": "soon"}, "early_stopping"),
    ({"subset": -1}, "subset"), ({"seed": -1}, "seed"), ({"clip_norm": 0.0}, "clip_norm"),
    ({"regularizer": "l3"}, "regularizer"), ({"preprocess": "magic"}, "preprocess"),
])
def test_validate_rejects_impossible_values(changes, match):
    with pytest.raises(ConfigError, match=match):
        RunConfig(**changes).validate()


def test_schedules_and_early_stopping_strings():
    from nndl.train import AverageImprovementStopping, EarlyStopping, HalveOnPlateau

    assert parse_schedule("none") is None
    assert isinstance(parse_schedule("halve:5"), HalveOnPlateau)
    from nndl.train.schedules import CosineDecay, ExponentialDecay, StepDecay, WarmUp

    s = parse_schedule("step:10:0.5")
    assert isinstance(s, StepDecay) and (s.step, s.factor) == (10, 0.5)
    e = parse_schedule("exponential:0.95")
    assert isinstance(e, ExponentialDecay) and e.rate == 0.95
    assert isinstance(parse_schedule("cosine"), CosineDecay)
    w = parse_schedule("warmup:5")
    assert isinstance(w, WarmUp) and w.epochs == 5 and w.after is None
    w = parse_schedule("warmup:3+cosine")
    assert isinstance(w, WarmUp) and w.epochs == 3 and isinstance(w.after, CosineDecay)
    assert parse_early_stopping("none") is None
    es = parse_early_stopping("no-improvement:7")
    assert isinstance(es, EarlyStopping) and es.patience == 7
    assert isinstance(parse_early_stopping("average:10:0.001"), AverageImprovementStopping)
    with pytest.raises(ConfigError):
        parse_early_stopping("no-improvement:0")
    assert len(build_callbacks(RunConfig(schedule="halve", early_stopping="patience:3"))) == 2


def test_build_model_matches_the_config():
    from nndl.layers import Dense, Dropout

    cfg = resolve(RunConfig(sizes=[784, 30, 20, 10], dropout=0.5, init="large", cost="quadratic", lmbda=0.0,
                            seed=3), 784, 10)
    m = build_model(cfg)
    assert [type(l) for l in m.layers] == [Dense, Dropout, Dense, Dropout, Dense]
    assert m.cost.name == "quadratic" and m.optimizer.lr == 0.5 and m.regularizer.lmbda == 0.0
    # same seed, same weights
    w1, w2 = m.get_weights(), build_model(cfg).get_weights()
    assert all(np.array_equal(w1[k], w2[k]) for k in w1)
    m = build_model(resolve(RunConfig(regularizer="l1", lmbda=2.0), 784, 10))
    assert m.regularizer.name == "l1" and m.regularizer.lmbda == 2.0


def test_modern_options_build_or_say_what_is_missing():
    from nndl import layers

    cfg = resolve(RunConfig(batch_norm=True, activation="prelu", optimizer="adam", eta=0.001), 784, 10)
    if hasattr(layers, "BatchNorm") and hasattr(layers, "PReLU"):
        names = [type(l).__name__ for l in build_model(cfg).layers]
        assert names == ["Dense", "BatchNorm", "PReLU", "Dense"]
    else:  # pragma: no cover - an engine without them
        with pytest.raises(ConfigError, match="not available in this version"):
            build_model(cfg)


def test_optimizer_settings_are_passed_by_name_and_resolved():
    cfg = RunConfig(optimizer="momentum", momentum=0.8)
    assert optimizer_kwargs(cfg) == {"momentum": 0.8}
    with pytest.raises(ValueError, match="does not take beta1"):  # ConfigError is a ValueError
        build_model(resolve(RunConfig(optimizer="sgd", beta1=0.9), 784, 10))
    m = build_model(resolve(RunConfig(optimizer="momentum"), 784, 10))
    assert resolved_optimizer_settings(RunConfig(optimizer="momentum"), m.optimizer).momentum == m.optimizer.momentum
    with pytest.raises(ValueError):  # the optimiser checks its own values
        build_model(resolve(RunConfig(optimizer="adam", beta1=1.5), 784, 10))


def test_load_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "no.toml")
    (tmp_path / "t.toml").write_text("[training]\neta = 1\n")
    with pytest.raises(ConfigError, match="top-level"):
        load_config(tmp_path / "t.toml")
    (tmp_path / "u.toml").write_text("eta = = 1\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(tmp_path / "u.toml")
