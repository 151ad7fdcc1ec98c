"""The engine's behaviour: updates, regularisation, determinism, callbacks, files, bad input."""
import json

import numpy as np
import pytest

import nndl
from nndl.errors import ModelFileError, TrainingError
from nndl.io import load_checkpoint, restore_training


def tiny(seed=0, **kw):
    return nndl.Sequential([nndl.Dense(4, "sigmoid", input_dim=3), nndl.Dense(2, "sigmoid")],
                           seed=seed, **kw)


def toy_data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    return X, y


def test_sgd_step_is_w_minus_eta_grad():
    model = tiny(dtype="float64").compile(nndl.SGD(lr=0.5))
    X, y = toy_data(8)
    W0 = model.layers[1].W.value.copy()
    model.loss(X.astype(np.float64), y, training=True)
    model.backward(model.as_targets(y))
    g = model.layers[1].W.grad.copy()
    model.optimizer.step(model.parameters(), model.regularizer, 8)
    np.testing.assert_allclose(model.layers[1].W.value, W0 - 0.5 * g, rtol=1e-12)


def test_l2_is_the_books_weight_decay_and_spares_biases():
    """w → (1 − ηλ/n) w − η∂C₀/∂w ; b → b − η∂C₀/∂b."""
    eta, lmbda, n = 0.5, 5.0, 100
    model = tiny(dtype="float64").compile(nndl.SGD(lr=eta), regularizer="l2", lmbda=lmbda)
    X, y = toy_data(10)
    W0, b0 = model.layers[0].W.value.copy(), model.layers[0].b.value.copy()
    model.loss(X.astype(np.float64), y, training=True)
    model.backward(model.as_targets(y))
    gW, gb = model.layers[0].W.grad.copy(), model.layers[0].b.grad.copy()
    model.optimizer.step(model.parameters(), model.regularizer, n)
    np.testing.assert_allclose(model.layers[0].W.value, (1 - eta * lmbda / n) * W0 - eta * gW, rtol=1e-12)
    np.testing.assert_allclose(model.layers[0].b.value, b0 - eta * gb, rtol=1e-12)


def test_l1_shrinks_by_a_constant():
    eta, lmbda, n = 0.1, 2.0, 10
    model = tiny(dtype="float64").compile(nndl.SGD(lr=eta), regularizer="l1", lmbda=lmbda)
    W0 = model.layers[0].W.value.copy()
    for p in model.parameters():
        p.grad[...] = 0
    model.optimizer.step(model.parameters(), model.regularizer, n)
    np.testing.assert_allclose(model.layers[0].W.value, W0 - eta * lmbda / n * np.sign(W0))


def test_momentum_two_steps_by_hand():
    """v₁ = −ηg, w₁ = w₀ + v₁ ; v₂ = μv₁ − ηg, w₂ = w₁ + v₂ (constant gradient g)."""
    p = nndl.Parameter(np.array([1.0, -2.0]), "W", regularize=True)
    opt = nndl.SGD(lr=0.1, momentum=0.9)
    for _ in range(2):
        p.grad[...] = [0.5, 1.0]
        opt.update(0, p)
    # w₁ = [0.95, -2.1]; v₂ = 0.9·[-0.05, -0.1] − [0.05, 0.1] = [-0.095, -0.19]
    np.testing.assert_allclose(p.value, [0.855, -2.29], rtol=1e-12)


def test_same_seed_gives_bit_identical_weights():
    X, y = toy_data(60)
    runs = []
    for _ in range(2):
        model = tiny(seed=42).compile(nndl.SGD(lr=1.0, momentum=0.5), regularizer="l2", lmbda=0.1)
        model.fit(X, y, epochs=3, batch_size=7)
        runs.append(model.get_weights())
    for k in runs[0]:
        assert np.array_equal(runs[0][k], runs[1][k]), k
    other = tiny(seed=43).compile(nndl.SGD(lr=1.0, momentum=0.5), regularizer="l2", lmbda=0.1)
    other.fit(X, y, epochs=3, batch_size=7)
    for k, v in other.get_weights().items():
        assert not np.array_equal(v, runs[0][k]), k          # another seed: other weights


def test_float64_on_request():
    model = tiny(dtype="float64")
    assert all(p.value.dtype == np.float64 for p in model.parameters())
    assert tiny().parameters()[0].value.dtype == np.float32


def test_history_records_every_epoch():
    X, y = toy_data(50)
    model = tiny().compile(nndl.SGD(lr=2.0))
    h = model.fit(X, y, epochs=4, batch_size=5, validation_data=toy_data(20, seed=1))
    assert len(h) == 4 and h["epoch"] == [1, 2, 3, 4]
    for k in ("cost", "accuracy", "val_cost", "val_accuracy", "lr", "time"):
        assert len(h[k]) == 4
    assert h["cost"][-1] < h["cost"][0]


def test_early_stopping_no_improvement_in_n():
    X, y = toy_data(50)
    model = tiny().compile(nndl.SGD(lr=1e-6))  # too small to change accuracy
    stop = nndl.EarlyStopping(monitor="val_accuracy", patience=3)
    h = model.fit(X, y, epochs=50, batch_size=10, validation_data=(X, y), callbacks=[stop])
    assert len(h) == 4 and stop.stopped_epoch == 4


def test_average_improvement_stopping():
    X, y = toy_data(50)
    model = tiny().compile(nndl.SGD(lr=1e-6))
    stop = nndl.AverageImprovementStopping(monitor="val_accuracy", window=2, threshold=1e-3)
    h = model.fit(X, y, epochs=50, batch_size=10, validation_data=(X, y), callbacks=[stop])
    assert len(h) == 3


def test_halve_on_plateau_stops_at_eta_over_128():
    X, y = toy_data(30)
    model = tiny().compile(nndl.SGD(lr=1e-6))
    sched = nndl.HalveOnPlateau(monitor="val_accuracy", patience=1)
    h = model.fit(X, y, epochs=100, batch_size=10, validation_data=(X, y), callbacks=[sched])
    lrs = h["lr"]
    # history logs the η each epoch ran with; the halving to η/128 ends training
    assert lrs[0] == 1e-6 and min(lrs) == pytest.approx(1e-6 / 64)
    assert model.optimizer.lr == pytest.approx(1e-6 / 128)
    assert len(h) == 8  # 1 epoch to set the best, then 7 halvings: 1/2 ... 1/128


def test_learning_rate_as_function_of_epoch():
    X, y = toy_data(30)
    model = tiny().compile(nndl.SGD(lr=1.0))
    h = model.fit(X, y, epochs=3, callbacks=[nndl.LearningRateScheduler(lambda e: 0.5 ** e)])
    assert h["lr"] == [1.0, 0.5, 0.25]


def test_divergence_is_a_clear_error():
    X, y = toy_data(30)
    model = nndl.Sequential([nndl.Dense(4, "relu", input_dim=3), nndl.Dense(2, "linear")],
                            seed=0).compile(nndl.SGD(lr=1e6))
    with pytest.raises(TrainingError, match="diverged.*too large"):
        model.fit(X * 1e3, y, epochs=5, batch_size=5)


def test_save_load_round_trip(tmp_path):
    X, y = toy_data(30)
    model = nndl.Sequential([nndl.Dense(5, nndl.core.LeakyReLU(0.2), input_dim=3, init="he"),
                             nndl.Dropout(0.3), nndl.Dense(2, "softmax")],
                            cost="log_likelihood", seed=3).compile(nndl.SGD(lr=0.1))
    model.fit(X, y, epochs=2)
    nndl.save_model(model, tmp_path / "m.npz", metadata={"note": "hi"})
    loaded, meta, _ = nndl.io.load_model(tmp_path / "m.npz", with_metadata=True)
    assert meta == {"note": "hi"}
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert loaded.cost.name == "log_likelihood" and loaded.layers[0].activation.alpha == 0.2


def test_model_file_never_unpickles(tmp_path):
    """An .npz holding an object array (which would need pickle) is refused."""
    path = tmp_path / "evil.npz"
    meta = np.frombuffer(json.dumps({"format": "nndl.model", "version": 1}).encode(), np.uint8)
    np.savez(path, __meta__=meta, **{"0.W": np.array([object()], dtype=object)})
    with pytest.raises(ModelFileError):
        nndl.load_model(path)


@pytest.mark.parametrize("content,match", [(b"not a zip", "not a readable"),
                                           (None, "no such file")])
def test_bad_model_files(tmp_path, content, match):
    path = tmp_path / "m.npz"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ModelFileError, match=match):
        nndl.load_model(path)


def test_unknown_model_version(tmp_path):
    model = tiny()
    nndl.save_model(model, tmp_path / "m.npz")
    from nndl.io.container import read_container, write_container

    meta, arrays = read_container(tmp_path / "m.npz", "nndl.model")
    meta["version"] = 99
    write_container(tmp_path / "m.npz", meta, arrays)
    with pytest.raises(ModelFileError, match="version 99"):
        nndl.load_model(tmp_path / "m.npz")


def test_truncated_model_file(tmp_path):
    nndl.save_model(tiny(), tmp_path / "m.npz")
    data = (tmp_path / "m.npz").read_bytes()
    (tmp_path / "m.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError):
        nndl.load_model(tmp_path / "m.npz")


def test_checkpoint_resume_is_bit_identical(tmp_path):
    X, y = toy_data(64)
    Xv, yv = toy_data(20, seed=5)

    def make():
        return tiny(seed=7).compile(nndl.SGD(lr=0.7, momentum=0.8), regularizer="l2", lmbda=0.5)

    def callbacks():
        return [nndl.HalveOnPlateau(patience=1), nndl.Checkpoint(tmp_path / "ck.npz")]

    full = make()
    full.fit(X, y, epochs=6, batch_size=6, validation_data=(Xv, yv), callbacks=callbacks())
    part = make()
    part.fit(X, y, epochs=3, batch_size=6, validation_data=(Xv, yv), callbacks=callbacks())
    ck = load_checkpoint(tmp_path / "ck.npz")
    assert ck["epoch"] == 3 and len(ck["history"]) == 3
    cbs = callbacks()
    restore_training(ck, cbs)
    resumed = ck["model"]
    resumed.fit(X, y, epochs=6, batch_size=6, validation_data=(Xv, yv), callbacks=cbs,
                initial_epoch=ck["epoch"], history=ck["history"])
    for k, v in full.get_weights().items():
        assert np.array_equal(v, resumed.get_weights()[k]), k


@pytest.mark.parametrize("make,match", [
    (lambda: nndl.Dense(0), "at least one unit"),
    (lambda: nndl.Dense(3, "nope"), "unknown activation"),
    (lambda: nndl.SGD(lr=-1), "positive"),
    (lambda: nndl.SGD(lr=0.1, momentum=1.5), r"\[0, 1\)"),
    (lambda: nndl.Dropout(1.0), r"\[0, 1\)"),
    (lambda: nndl.Sequential([nndl.Dense(3, input_dim=2)], cost="hinge"), "unknown cost"),
    (lambda: nndl.Sequential([nndl.Dense(3, input_dim=2)], dtype="float16"), "dtype"),
    (lambda: nndl.Dense(3, init="zeros"), "unknown initializer"),
    (lambda: nndl.L2(-1.0), ">= 0"),
])
def test_bad_settings_raise_clear_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_training_inputs():
    model = tiny().compile(nndl.SGD(lr=1.0))
    X, y = toy_data(10)
    with pytest.raises(ValueError, match="expects inputs of shape"):
        model.fit(np.zeros((10, 4)), y)
    with pytest.raises(ValueError, match="labels must be in"):
        model.fit(X, y + 5)
    with pytest.raises(ValueError, match="10 examples in X but 9 labels"):
        model.fit(X, y[:9])
    with pytest.raises(ValueError, match="batch size"):
        model.fit(X, y, batch_size=0)


def test_mnist_subset_learns(mnist):
    """Chapter 1's network on 10,000 real digits, 3 epochs: 84.9% on 5,000 test digits here
    (the full 50,000-image run reaches 95%: see benchmarks/book_runs.py)."""
    train, _, test = mnist
    model = nndl.Sequential([nndl.Dense(30, "sigmoid", input_dim=784, init="large"),
                             nndl.Dense(10, "sigmoid", init="large")], cost="quadratic", seed=1)
    model.compile(nndl.SGD(lr=3.0))
    h = model.fit(train.X[:10000], train.y[:10000], epochs=3, batch_size=10,
                  validation_data=(test.X[:5000], test.y[:5000]))
    assert h["val_accuracy"][-1] >= 0.82, h["val_accuracy"]
    assert h["val_accuracy"][-1] > h["val_accuracy"][0]


# ------------------------------------------------------------------------------------------
# Small contracts of Sequential, Dropout and gradcheck that the larger tests take for granted
# (written to kill surviving mutants: docs/testing.md)


def _config():
    return nndl.Sequential([nndl.Dense(4, "tanh", input_dim=3), nndl.Dense(2, "sigmoid")], seed=0).get_config()


def test_from_config_seed_dtype_and_defaults():
    cfg = _config()
    a, b = nndl.Sequential.from_config(cfg, seed=5), nndl.Sequential.from_config(cfg, seed=5)
    c = nndl.Sequential.from_config(cfg, seed=6)
    direct = nndl.Sequential([nndl.Dense(4, "tanh", input_dim=3), nndl.Dense(2, "sigmoid")], seed=5)
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
    model = nndl.Sequential([nndl.Dense(5, "tanh", input_dim=3), nndl.Dense(2, "softmax")], cost="log_likelihood",
                            seed=1)
    before = model.get_weights()
    X = np.random.default_rng(0).normal(size=(6, 3)).astype(np.float32)
    r = nndl.gradcheck(model, X, np.arange(6) % 2)
    assert r.passed, r                                 # float32 finite differences could not do this
    assert model.dtype == np.float32
    for k, v in model.get_weights().items():
        assert v.dtype == np.float32 and np.array_equal(v, before[k])


def test_gradcheck_layer_reports_the_input_gradient_and_accepts_float32_inputs():
    x = np.random.default_rng(0).normal(size=(3, 6)).astype(np.float32)
    r = nndl.gradcheck_layer(nndl.Dense(4, "tanh"), (6,), x=x)
    assert set(r.errors) == {"W", "b", "input"} and r.passed, r


def test_dropout_defaults_and_inference_path():
    assert nndl.Dropout().p == 0.5
    assert nndl.Dropout(0.0).p == 0.0                       # p = 0 is allowed (no dropout)
    layer = nndl.Dropout(0.3)
    layer.build((4,), np.random.default_rng(0), np.float64, np)
    layer.set_rng(np.random.default_rng(0))
    x = np.arange(8.0).reshape(2, 4)
    assert layer.forward(x) is x                       # training defaults to False: identity
    g = np.ones_like(x)
    assert layer.backward(g) is g                      # after an inference pass, the gradient passes
    x32 = x.astype(np.float32)
    out = layer.forward(x32, training=True)
    assert out.dtype == np.float32 and layer.mask.dtype == np.float32


def test_evaluate_counts_over_batches_and_accepts_one_hot_labels():
    model = nndl.Sequential([nndl.Dense(6, "tanh", input_dim=3), nndl.Dense(3, "softmax")], cost="log_likelihood",
                            seed=2, dtype="float64").compile(regularizer="l2", lmbda=2.0)
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(23, 3)), rng.integers(0, 3, 23)
    r = model.evaluate(X, y, batch_size=5, n_train=100)
    correct = int((model.predict(X) == y).sum())
    assert (r["correct"], r["n"]) == (correct, 23) and r["accuracy"] == correct / 23
    assert r["cost"] == pytest.approx(model.loss(X, y) + model.penalty(100), rel=1e-12)   # inference-mode cost
    onehot = np.eye(3)[y]
    assert model.evaluate(X, onehot, batch_size=5, n_train=100) == r
    assert model.evaluate(X, y)["cost"] == pytest.approx(model.loss(X, y) + model.penalty(23), rel=1e-12)
@pytest.mark.parametrize("cost, out", [("quadratic", "sigmoid"), ("cross_entropy", "sigmoid"),
                                       ("cross_entropy", "tanh"), ("log_likelihood", "softmax")])
def test_train_step_returns_the_loss_of_its_forward_pass(cost, out):
    """train_step's loss is the batch's mean cost before the update: Sequential.loss on the
    same batch, and the cost the model reports through evaluate (no regulariser here)."""
    X, y = toy_data(10)
    model = nndl.Sequential([nndl.Dense(4, "tanh", input_dim=3), nndl.Dense(2, out)], cost=cost,
                            dtype="float64", seed=1).compile(nndl.SGD(lr=0.5))
    before = model.loss(X, y)
    assert before == pytest.approx(model.evaluate(X, y)["cost"], rel=1e-12)
    w0 = model.get_weights()
    step = model.train_step(model.as_inputs(X), model.as_targets(y), 10)
    assert step == pytest.approx(before, rel=1e-9)
    assert any(not np.array_equal(w0[k], v) for k, v in model.get_weights().items())  # it did step
    assert model.loss(X, y) < before


def test_batch_callbacks_see_each_step_loss_and_may_stop_mid_epoch():
    X, y = toy_data(40)
    model = tiny().compile(nndl.SGD(lr=0.5))
    seen = []

    class StopAfterThree(nndl.train.Callback):
        def on_batch_end(self, batch, loss):
            seen.append(loss)
            if len(seen) == 3:
                self.model.stop_training = True

    h = model.fit(X, y, epochs=5, batch_size=10, callbacks=[StopAfterThree()], monitor_training=False)
    assert len(seen) == 3 and len(h) == 1 and all(np.isfinite(seen))
