"""Misusing the Python API gives nndl's own errors (InputError, a ValueError) with messages that
say what is wrong — not NumPy's; NaN in the data is reported as such, not as divergence; the
gradient check judges exactly-zero gradients correctly."""
from __future__ import annotations

import numpy as np
import pytest

import nndl
from nndl.errors import InputError, NNDLError
from nndl.layers.dense import Dense


def model(n_out=10, n_in=4):
    m = nndl.Sequential([nndl.Dense(n_out, "sigmoid", input_dim=n_in)], cost="cross_entropy", seed=0)
    return m.compile(nndl.SGD(lr=0.1))


X = np.random.default_rng(0).normal(size=(12, 4)).astype(np.float32)
y = np.arange(12) % 10


MISUSE = {
    "empty X": (lambda: model().fit(X[:0], y[:0]), "no examples"),
    "X and y of different lengths": (lambda: model().fit(X, y[:9]), "12 examples in X but 9 labels"),
    "evaluate with X and y of different lengths": (lambda: model().evaluate(X, y[:5]), "12 examples in X but 5"),
    "float labels": (lambda: model().fit(X, y.astype(float)), "integer class labels"),
    "(n, 1) labels": (lambda: model().fit(X, y[:, None]), "shape (12, 1)"),
    "labels beyond the outputs in evaluate": (lambda: model(n_out=5).evaluate(X, y), "5 output(s)"),
    "negative labels": (lambda: model().evaluate(X, -y - 1), "labels run from -10"),
    "strings as inputs": (lambda: model().predict(np.array([["a"] * 4])), "array of numbers"),
    "inputs without a batch axis": (lambda: model().predict(X[0]), "batch axis"),
    "inputs of the wrong width": (lambda: model().predict(X[:, :3]), "expects inputs of shape"),
    "empty predict": (lambda: model().predict(X[:0]), "no examples"),
    "string labels": (lambda: model().evaluate(X, np.array(["3"] * 12)), "numbers"),
    "validation data not a pair": (lambda: model().fit(X, y, validation_data=X), "pair"),
    "validation labels beyond the outputs": (lambda: model(n_out=5).fit(X, y % 5, validation_data=(X, y)),
                                             "5 output(s)"),
}


@pytest.mark.parametrize("case", sorted(MISUSE))
def test_api_misuse_raises_nndls_own_error(case):
    call, fragment = MISUSE[case]
    with pytest.raises(InputError) as e:
        call()
    assert isinstance(e.value, ValueError) and isinstance(e.value, NNDLError)
    assert fragment in str(e.value)


def test_regression_targets_and_one_hot_rows_still_work():
    one_hot = np.eye(10)[y]
    assert model().evaluate(X, one_hot)["n"] == 12
    reg = nndl.Sequential([nndl.Dense(1, "linear", input_dim=4)], cost="quadratic", seed=0)
    reg.compile(nndl.SGD(lr=0.01)).fit(X, X[:, 0].astype(np.float64), epochs=1)


@pytest.mark.parametrize("where, bad", [("inputs X", np.nan), ("inputs X", np.inf), ("labels y", np.nan)])
def test_nan_or_inf_in_training_data_is_reported_as_such(where, bad):
    Xb = X.copy()
    targets = np.eye(10)[y]
    if where == "inputs X":
        Xb[[2, 5, 5], [1, 0, 3]] = bad
    else:
        targets[7, 3] = bad
    with pytest.raises(InputError) as e:
        model().fit(Xb, targets, epochs=1)
    msg = str(e.value)
    assert f"training {where}" in msg and "learning rate" not in msg
    kind = "NaN" if np.isnan(bad) else "infinite"
    count = 3 if where == "inputs X" else 1
    assert (f"{count:,} NaN" if kind == "NaN" else f"{count:,} infinite") in msg
    assert f"first in row {2 if where == 'inputs X' else 7}" in msg


def test_nan_in_validation_inputs():
    Xv = X.copy()
    Xv[4, 0] = np.nan
    with pytest.raises(InputError, match="validation inputs contain 1 NaN"):
        model().fit(X, y, validation_data=(Xv, y))


def test_gradcheck_dense_then_batchnorm_passes():
    """The Dense bias before batch norm has an exactly-zero gradient (batch norm removes the mean):
    the numeric estimate is rounding noise, which a purely relative error calls 1.0."""
    m = nndl.Sequential([nndl.Dense(6, "linear", input_dim=4), nndl.BatchNorm(), nndl.Activation("tanh"),
                         nndl.Dense(3, "softmax")], cost="log_likelihood", seed=0)
    Xg = np.random.default_rng(1).normal(size=(8, 4))
    r = nndl.gradcheck(m, Xg, np.arange(8) % 3)
    assert r.passed, r
    assert r.errors["0.b"] <= r.rtol


class _WrongBackward(Dense):
    """A Dense layer with a small bug: δ of its first unit is 1% too large in BP3/BP4."""

    def backward_delta(self, delta):
        delta = delta.copy()
        delta[:, 0] *= 1.01  # a 1% error in one column: a real gradient bug must still be caught
        return super().backward_delta(delta)


def test_gradcheck_still_catches_a_small_gradient_bug():
    m = nndl.Sequential([nndl.Dense(5, "tanh", input_dim=4), _WrongBackward(3, "softmax")],
                        cost="log_likelihood", seed=0, dtype="float64")  # float64: checked as it is
    r = nndl.gradcheck(m, np.random.default_rng(2).normal(size=(6, 4)), np.arange(6) % 3)
    assert not r.passed and r.errors["1.W"] > 1e-3, r
    assert "worst" in repr(r)
