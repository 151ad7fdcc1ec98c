import numpy as np
import pytest

import nndl
from nndl import BatchNorm, Residual, gradcheck, gradcheck_layer


@pytest.mark.parametrize("shape", [(6,), (3, 4, 5)])
def test_gradcheck_training_mode(shape):
    r = gradcheck_layer(BatchNorm(), shape, batch=5, training=True)
    assert r.passed, r


def test_gradcheck_nontrivial_gamma_beta_and_inference_mode():
    layer = BatchNorm()
    rng = np.random.default_rng(1)
    layer.build((4,), rng, np.float64, np)
    layer.gamma.value[...] = rng.normal(size=4)
    layer.beta.value[...] = rng.normal(size=4)
    assert gradcheck_layer(layer, (4,), batch=7, training=True).passed
    layer.buffers["running_mean"][...] = rng.normal(size=4)
    layer.buffers["running_var"][...] = rng.uniform(0.5, 2, size=4)
    assert gradcheck_layer(layer, (4,), batch=7, training=False).passed


def test_whole_model_gradcheck_with_batchnorm():
    # (a bias right before batch norm has an exactly-zero gradient — BN removes the mean — which
    # a relative-error check cannot score, so the affine map here is followed by tanh first)
    model = nndl.Sequential([nndl.Dense(6, "tanh", input_dim=4), BatchNorm(), nndl.Activation("tanh"),
                             nndl.Dense(3, "softmax")], cost="log_likelihood", seed=0)
    X = np.random.default_rng(0).normal(size=(8, 4))
    assert gradcheck(model, X, np.arange(8) % 3).passed


def test_training_normalises_the_batch_per_feature_and_per_channel():
    rng = np.random.default_rng(0)
    bn = BatchNorm()
    bn.build((3,), rng, np.float64)
    x = rng.normal(5, 3, size=(50, 3))
    y = bn.forward(x, training=True)
    np.testing.assert_allclose(y.mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(0), 1 / (1 + 1e-3 / x.var(0)), rtol=1e-10)
    bn4 = BatchNorm()
    bn4.build((2, 3, 3), rng, np.float64)
    y4 = bn4.forward(rng.normal(2, 4, size=(5, 2, 3, 3)), training=True)
    np.testing.assert_allclose(y4.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    assert bn4.gamma.value.shape == (2,)


def test_inference_uses_running_statistics():
    rng = np.random.default_rng(0)
    bn = BatchNorm(momentum=0.5)
    bn.build((2,), rng, np.float64)
    x1, x2 = rng.normal(1, 2, size=(10, 2)), rng.normal(-1, 3, size=(10, 2))
    bn.forward(x1, training=True)
    bn.forward(x2, training=True)
    # running ← m·running + (1−m)·batch, from mean 0 / var 1 (biased batch variance)
    mean = 0.5 * (0.5 * 0 + 0.5 * x1.mean(0)) + 0.5 * x2.mean(0)
    var = 0.5 * (0.5 * 1 + 0.5 * x1.var(0)) + 0.5 * x2.var(0)
    np.testing.assert_allclose(bn.buffers["running_mean"], mean, rtol=1e-12)
    np.testing.assert_allclose(bn.buffers["running_var"], var, rtol=1e-12)
    bn.gamma.value[...] = [2.0, 0.5]
    bn.beta.value[...] = [0.1, -0.1]
    x = rng.normal(size=(4, 2))
    expected = (x - mean) / np.sqrt(var + 1e-3) * [2.0, 0.5] + [0.1, -0.1]
    np.testing.assert_allclose(bn.forward(x, training=False), expected, rtol=1e-12)
    # and inference does not touch the running statistics
    np.testing.assert_allclose(bn.buffers["running_mean"], mean, rtol=1e-12)


def test_running_stats_are_saved_in_the_model_file(tmp_path):
    model = nndl.Sequential([nndl.Dense(5, "linear", input_dim=3), BatchNorm(), nndl.Dense(2, "softmax")],
                            cost="log_likelihood", seed=0).compile(nndl.Adam(lr=0.01))
    X = np.random.default_rng(0).normal(3, 2, size=(40, 3)).astype(np.float32)
    model.fit(X, (X[:, 0] > 3).astype(int), epochs=2, batch_size=8)
    nndl.save_model(model, tmp_path / "m.npz")
    again = nndl.load_model(tmp_path / "m.npz")
    rm = model.layers[1].buffers["running_mean"]
    assert np.abs(rm).max() > 0
    np.testing.assert_array_equal(again.layers[1].buffers["running_mean"], rm)
    np.testing.assert_array_equal(again.predict_proba(X), model.predict_proba(X))


@pytest.mark.parametrize("kw,match", [({"momentum": 1.0}, "momentum"), ({"eps": 0}, "eps")])
def test_bad_settings(kw, match):
    with pytest.raises(ValueError, match=match):
        BatchNorm(**kw)


def test_conv_batchnorm_prelu_residual_model_gradcheck():
    from nndl.layers import Conv2D, Flatten

    block = Residual([Conv2D(2, 3, padding=1, activation="tanh"), BatchNorm(), nndl.PReLU()],
                     projection=Conv2D(2, 1, activation="linear"))
    model = nndl.Sequential([Conv2D(3, 3, padding=1, activation="tanh", input_shape=(1, 5, 5)), BatchNorm(),
                             block, Flatten(), nndl.Dense(3, "softmax")], cost="log_likelihood", seed=0,
                            input_shape=(1, 5, 5))
    X = np.random.default_rng(0).normal(size=(4, 1, 5, 5))
    r = gradcheck(model, X, np.arange(4) % 3)
    assert r.passed, r
    assert model.layers[1].gamma.value.shape == (3,)   # per channel
