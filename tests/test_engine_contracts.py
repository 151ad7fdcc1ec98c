"""Small contracts of Sequential, Dropout and gradcheck that the larger tests take for granted
(written to kill surviving mutants: docs/testing.md)."""
import numpy as np

import nndl
from nndl.layers import Dense, Dropout


def _config():
    return nndl.Sequential([Dense(4, "tanh", input_dim=3), Dense(2, "sigmoid")], seed=0).get_config()


def test_from_config_seed_dtype_and_defaults():
    cfg = _config()
    a, b = nndl.Sequential.from_config(cfg, seed=5), nndl.Sequential.from_config(cfg, seed=5)
    c = nndl.Sequential.from_config(cfg, seed=6)
    direct = nndl.Sequential([Dense(4, "tanh", input_dim=3), Dense(2, "sigmoid")], seed=5)
    for k, v in a.get_weights().items():
        assert np.array_equal(v, b.get_weights()[k]) and np.array_equal(v, direct.get_weights()[k])
        assert not np.array_equal(v, c.get_weights()[k])
    no_dtype = {k: v for k, v in cfg.items() if k != "dtype"}
    assert nndl.Sequential.from_config(no_dtype).dtype == np.float32
    assert nndl.Sequential.from_config({**cfg, "dtype": "float64"}).dtype == np.float64


def test_set_weights_casts_to_the_models_dtype():
    model = nndl.Sequential.from_config(_config(), seed=0)
    w64 = {k: v.astype(np.float64) + 1 for k, v in model.get_weights().items()}
    model.set_weights(w64)
    for k, v in model.get_weights().items():
        assert v.dtype == np.float32
        np.testing.assert_allclose(v, w64[k], rtol=1e-6)


def test_gradcheck_of_a_float32_model_checks_a_float64_copy():
    model = nndl.Sequential([Dense(5, "tanh", input_dim=3), Dense(2, "softmax")], cost="log_likelihood", seed=1)
    before = model.get_weights()
    X = np.random.default_rng(0).normal(size=(6, 3)).astype(np.float32)
    r = nndl.gradcheck(model, X, np.arange(6) % 2)
    assert r.max_error < 1e-6, r                       # float32 finite differences could not do this
    assert model.dtype == np.float32
    for k, v in model.get_weights().items():
        assert v.dtype == np.float32 and np.array_equal(v, before[k])


def test_gradcheck_layer_reports_the_input_gradient_and_accepts_float32_inputs():
    x = np.random.default_rng(0).normal(size=(3, 6)).astype(np.float32)
    r = nndl.gradcheck_layer(Dense(4, "tanh"), (6,), x=x)
    assert set(r.errors) == {"W", "b", "input"} and r.max_error < 1e-6, r


def test_dropout_defaults_and_inference_path():
    assert Dropout().p == 0.5
    assert Dropout(0.0).p == 0.0                       # p = 0 is allowed (no dropout)
    layer = Dropout(0.3)
    layer.build((4,), np.random.default_rng(0), np.float64, np)
    layer.set_rng(np.random.default_rng(0))
    x = np.arange(8.0).reshape(2, 4)
    assert layer.forward(x) is x                       # training defaults to False: identity
    g = np.ones_like(x)
    assert layer.backward(g) is g                      # after an inference pass, the gradient passes
    x32 = x.astype(np.float32)
    out = layer.forward(x32, training=True)
    assert out.dtype == np.float32 and layer.mask.dtype == np.float32
