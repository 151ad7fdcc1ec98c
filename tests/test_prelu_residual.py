import numpy as np
import pytest

import nndl
from nndl import BatchNorm, Dense, PReLU, Residual, gradcheck, gradcheck_layer


@pytest.mark.parametrize("shape,per,alpha_shape", [((6,), "auto", (6,)), ((3, 4, 4), "auto", (3,)),
                                                   ((6,), "shared", (1,))])
def test_prelu_gradcheck(shape, per, alpha_shape):
    layer = PReLU(per=per)
    r = gradcheck_layer(layer, shape, batch=5)
    assert r.passed, r
    assert layer.alpha.value.shape == alpha_shape and not layer.alpha.regularize


def test_prelu_forward():
    layer = PReLU(alpha_init=0.25)
    layer.build((2,), np.random.default_rng(0), np.float64)
    np.testing.assert_allclose(layer.forward(np.array([[2.0, -4.0]])), [[2.0, -1.0]])


def test_residual_identity_gradcheck():
    block = Residual([Dense(5, "tanh"), BatchNorm(), Dense(5, "linear")], activation="relu")
    r = gradcheck_layer(block, (5,), batch=6)
    assert r.passed, r
    assert {"0.W", "1.gamma", "2.b", "input"} <= set(r.errors)


def test_residual_projection_gradcheck_and_output():
    block = Residual([Dense(7, "tanh"), PReLU()], projection="auto")
    r = gradcheck_layer(block, (4,), batch=5)
    assert r.passed, r
    assert "proj.W" in r.errors
    x = np.random.default_rng(0).normal(size=(3, 4))
    h = block.layers[1].forward(block.layers[0].forward(x))
    np.testing.assert_allclose(block.forward(x), h + x @ block.projection.W.value + block.projection.b.value)


def test_residual_needs_projection_when_shapes_differ():
    block = Residual([Dense(7)])
    with pytest.raises(ValueError, match="projection"):
        block.build((4,), np.random.default_rng(0))


def test_model_with_residual_and_prelu_gradcheck_save_load(tmp_path):
    model = nndl.Sequential([Dense(6, "linear", input_dim=4), PReLU(),
                             Residual([Dense(6, "tanh"), BatchNorm(), PReLU(), Dense(6, "linear")]),
                             Residual([Dense(3, "tanh")], projection="auto"),
                             Dense(3, "softmax")], cost="log_likelihood", seed=0)
    X = np.random.default_rng(0).normal(size=(8, 4))
    y = np.arange(8) % 3
    assert gradcheck(model, X, y).passed
    names = [p.name for p in model.layers[2].all_params()]
    assert len(set(names)) == len(names) == 7
    model.compile(nndl.Adam(lr=0.01)).fit(X, y, epochs=3, batch_size=4)
    nndl.save_model(model, tmp_path / "r.npz")
    again = nndl.load_model(tmp_path / "r.npz")
    np.testing.assert_array_equal(again.predict_proba(X), model.predict_proba(X))


def test_dense_block_prelu_and_batchnorm():
    layers = nndl.dense_block(10, "prelu", batch_norm=True, dropout=0.5)
    assert [type(l).__name__ for l in layers] == ["Dense", "BatchNorm", "PReLU", "Dropout"]
    assert layers[0].activation.name == "linear"
    assert [type(l).__name__ for l in nndl.dense_block(10, "relu")] == ["Dense"]
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        nndl.dense_block(10, dropout=1.0)


def test_residual_auto_projection_for_feature_maps():
    from nndl.layers import Conv2D

    block = Residual([Conv2D(4, 3, stride=2, padding=1, activation="tanh")], projection="auto")
    r = gradcheck_layer(block, (2, 6, 6), batch=3)
    assert r.passed, r
    assert block.output_shape == (4, 3, 3) and block.projection.get_config()["type"] == "Conv2D"


def test_residual_cost_estimate_sums_sublayers():
    block = Residual([Dense(5, "tanh"), Dense(3, "linear")], projection="auto")
    block.build((4,), np.random.default_rng(0))
    assert block.macs_per_example() == (4 * 5 + 5) + (5 * 3 + 3) + (4 * 3 + 3)
