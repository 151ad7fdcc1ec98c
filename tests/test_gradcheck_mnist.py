"""Gradient checks on real MNIST digits, not only Gaussian noise: digits have blank margins
(so conv outputs tie inside pooling windows and ReLUs sit dead), saturated sigmoids under the
book's large initialisation, and exactly-zero pixels. Every layer type, and chapter 6's stack
as a whole with L2 in the checked cost. Few digits, float64, seeded.

ReLU-like activations have a kink at 0; a conv over a blank patch gives z = b exactly, so the
biases are drawn away from 0 (N(0, 0.1²)) — otherwise finite differences straddle the kink
and the check would fail for any implementation."""
import numpy as np
import pytest

import nndl
from nndl.layers import (Activation, AvgPool2D, BatchNorm, Conv2D, Dense, Dropout, Flatten, L2Pool2D,
                         MaxPool2D, PReLU, Residual)

N_DIGITS = 4


@pytest.fixture(scope="module")
def digits(mnist):
    test = mnist[2]
    X = test.X[:N_DIGITS].astype(np.float64)
    return X, test.y[:N_DIGITS]


def _nudge_biases(model, seed=0):
    rng = np.random.default_rng(seed)
    for p in model.parameters():
        if p.name.endswith("b") and not p.value.any():
            p.value[...] = rng.normal(0, 0.1, p.value.shape)
    return model


def test_real_digits_have_what_gaussian_inputs_lack(digits):
    """The premise: blank pixels, and tied 2×2 pooling windows once convolved."""
    X, _ = digits
    assert (X == 0).mean() > 0.7
    windows = X.reshape(N_DIGITS, 14, 2, 14, 2).transpose(0, 1, 3, 2, 4).reshape(-1, 4)
    tied = (windows == windows.max(axis=1, keepdims=True)).sum(axis=1) > 1
    assert tied.mean() > 0.5


@pytest.mark.parametrize("act,init", [("sigmoid", "large"), ("tanh", "default"), ("relu", "he"),
                                      ("leaky_relu", "he"), ("elu", "xavier"), ("shifted_sigmoid", "large"),
                                      ("linear", "default")])
def test_dense_on_real_digits(digits, act, init):
    X, y = digits
    model = nndl.Sequential([Dense(30, act, init=init, input_dim=784), Dense(10, "sigmoid", init=init)],
                            cost="cross_entropy", seed=1, dtype="float64")
    # n = 5,000: with N(0, 1) weights a penalty over n = 50 would be ~10³, and finite
    # differences of so large a cost lose ~1e-7 to rounding (the penalty's own check is in
    # test_regularization.py)
    _nudge_biases(model).compile(regularizer="l2", lmbda=5.0)
    r = nndl.gradcheck(model, X, y, max_entries=60, n_train=5000)
    assert r.passed, r


@pytest.mark.parametrize("out,cost", [("softmax", "cross_entropy"), ("shifted_sigmoid", "quadratic"),
                                      ("tanh", "quadratic"), ("softmax", "quadratic"), ("sigmoid", "log_likelihood")])
def test_general_bp1_on_real_digits(digits, out, cost):
    """Output/cost pairs without the a − y shortcut go through BP1 in general,
    δᴸ = ∇ₐC ⊙ σ'(zᴸ) (softmax's σ' is a Jacobian)."""
    X, y = digits
    model = nndl.Sequential([Dense(20, "sigmoid", input_dim=784), Dense(10, out)], cost=cost, seed=7,
                            dtype="float64")
    r = nndl.gradcheck(model, X, y, max_entries=60)
    assert r.passed, r


def test_cross_entropy_value_for_a_non_sigmoid_output():
    """C = −(1/n) Σ [y ln a + (1 − y) ln(1 − a)] straight from a (softmax output here)."""
    from nndl.core.activations import Softmax
    from nndl.core.costs import CrossEntropyCost

    a = np.array([[0.7, 0.2, 0.1], [0.25, 0.25, 0.5]])
    y = np.array([[1.0, 0, 0], [0, 0, 1.0]])
    expected = -(np.log(0.7) + np.log(0.8) + np.log(0.9) + np.log(0.75) * 2 + np.log(0.5)) / 2
    assert CrossEntropyCost().value(np.log(a), a, y, Softmax()) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("pool", [MaxPool2D, AvgPool2D, L2Pool2D])
@pytest.mark.parametrize("act", ["relu", "sigmoid"])
def test_conv_pool_on_real_digits(digits, pool, act):
    """conv → pool on 28×28 digits: blank margins make every window of a map tie."""
    X, y = digits
    model = nndl.Sequential([Conv2D(3, 5, activation=act, init="he"), pool(2), Flatten(), Dense(10, "softmax")],
                            cost="log_likelihood", input_shape=(1, 28, 28), seed=2, dtype="float64")
    _nudge_biases(model).compile(regularizer="l2", lmbda=1.0)
    r = nndl.gradcheck(model, X.reshape(-1, 1, 28, 28), y, max_entries=40, n_train=50)
    assert r.passed, r


def test_the_book_ordering_pool_then_activation_on_real_digits(digits):
    X, y = digits
    model = nndl.Sequential([Conv2D(3, 5, activation="linear"), MaxPool2D(2), Activation("relu"), Flatten(),
                             Dense(10, "softmax")], cost="log_likelihood", input_shape=(1, 28, 28), seed=4,
                            dtype="float64")
    _nudge_biases(model).compile(regularizer="l2", lmbda=1.0)
    r = nndl.gradcheck(model, X.reshape(-1, 1, 28, 28), y, max_entries=40, n_train=50)
    assert r.passed, r


def test_batchnorm_prelu_residual_dropout_on_real_digits(digits):
    X, y = digits
    # PReLU before BatchNorm: a bias feeding BatchNorm directly has an exact-zero gradient
    model = nndl.Sequential([Dense(20, "linear", input_dim=784), PReLU(), BatchNorm(),
                             Residual([Dense(20, "relu"), Dense(20, "linear")], activation="relu"),
                             Dropout(0.3), Dense(10, "softmax")],
                            cost="log_likelihood", seed=5, dtype="float64")
    _nudge_biases(model).compile(regularizer="l1", lmbda=0.5)
    r = nndl.gradcheck(model, X, y, max_entries=40, n_train=50)
    assert r.passed, r


def test_chapter6_stack_with_l2_on_real_digits(digits):
    """Chapter 6's final shape — conv5 → max-pool 2 → conv5 → max-pool 2 → ReLU dense →
    dropout → softmax, with L2 (λ = 0.1 over n = 50) in the checked cost — at reduced widths
    (4 and 6 filters, 20 hidden units) so the check takes a second."""
    X, y = digits
    model = nndl.Sequential([Conv2D(4, 5, activation="relu", init="he"), MaxPool2D(2),
                             Conv2D(6, 5, activation="relu", init="he"), MaxPool2D(2), Flatten(),
                             Dense(20, "relu", init="he"), Dropout(0.5), Dense(10, "softmax")],
                            cost="log_likelihood", input_shape=(1, 28, 28), seed=6, dtype="float64")
    _nudge_biases(model).compile(regularizer="l2", lmbda=0.1)
    r = nndl.gradcheck(model, X.reshape(-1, 1, 28, 28), y, max_entries=30, n_train=50)
    assert r.passed, r
