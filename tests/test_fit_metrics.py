"""Training metrics in fit: running averages from the epoch's own forward passes (default),
the book's end-of-epoch pass over the training set ("full"), and what each costs."""
import numpy as np
import pytest

import nndl


def _model(lr, lmbda=0.0, seed=0):
    model = nndl.Sequential([nndl.Dense(8, "tanh", input_dim=5), nndl.Dense(3, "softmax")],
                            cost="log_likelihood", dtype="float64", seed=seed)
    return model.compile(nndl.SGD(lr=lr), lmbda=lmbda)


def _data(n=23, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    return X, (X[:, 0] > 0).astype(int) + (X[:, 1] > 1)


def test_running_metrics_are_the_size_weighted_mean_of_the_steps():
    """With η = 1e-300 the weights never move (in float64), so the running averages over mini-batches of 5, 5,
    5, 5 and 3 must equal one evaluation of the whole training set (cost includes λ/2n Σw²)."""
    X, y = _data(23)
    model = _model(lr=1e-300, lmbda=2.0)
    logs = model.fit(X, y, epochs=1, batch_size=5).history
    full = model.evaluate(X, y, n_train=23)
    assert logs["cost"][0] == pytest.approx(full["cost"], rel=1e-12)
    assert logs["accuracy"][0] == full["accuracy"]


def test_train_step_returns_the_batch_cost_before_the_update():
    X, y = _data(10)
    model = _model(lr=0.5)
    before = model.evaluate(X, y)["cost"]
    assert model.train_step(model.as_inputs(X), model.as_targets(y), 10) == pytest.approx(before, rel=1e-12)
    assert model.evaluate(X, y)["cost"] < before


def test_full_option_is_the_end_of_epoch_measurement():
    X, y = _data(40)
    a, b = _model(lr=0.3, seed=1), _model(lr=0.3, seed=1)
    full = a.fit(X, y, epochs=2, batch_size=4, monitor_training="full").history
    same = b.fit(X, y, epochs=2, batch_size=4, monitor_training=True).history  # the older spelling
    assert full["cost"] == same["cost"]
    assert full["cost"][-1] == pytest.approx(a.evaluate(X, y)["cost"], rel=1e-12)
    running = _model(lr=0.3, seed=1).fit(X, y, epochs=2, batch_size=4).history
    # measured on the weights as they improve during the epoch: above the end-of-epoch cost
    assert all(r > f for r, f in zip(running["cost"], full["cost"]))


def _examples_forwarded(model, **fit_kw):
    seen = []
    forward = model.forward
    model.forward = lambda x, training=False: seen.append(len(x)) or forward(x, training)
    X, y = _data(30)
    model.fit(X, y, epochs=2, batch_size=10, **fit_kw)
    return sum(seen)


def test_default_fit_makes_no_extra_pass_over_the_training_set():
    assert _examples_forwarded(_model(0.1)) == 2 * 30
    assert _examples_forwarded(_model(0.1), monitor_training="full") == 2 * 60
    assert _examples_forwarded(_model(0.1), monitor_training=False) == 2 * 30


def test_bad_monitor_training_value():
    X, y = _data(10)
    with pytest.raises(ValueError, match="monitor_training"):
        _model(0.1).fit(X, y, monitor_training="sometimes")
