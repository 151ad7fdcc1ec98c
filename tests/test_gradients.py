"""Backprop against finite differences, in float64: every activation, cost and layer."""
import numpy as np
import pytest

import nndl
from nndl.core.activations import ACTIVATIONS
from nndl.errors import TrainingError

RNG = np.random.default_rng(0)
X = RNG.normal(size=(7, 5))
Y_INT = np.array([0, 1, 2, 0, 1, 2, 1])

HIDDEN = [a for a in ACTIVATIONS if a != "step"]


@pytest.mark.parametrize("activation", HIDDEN)
@pytest.mark.parametrize("cost", ["quadratic", "cross_entropy", "log_likelihood"])
def test_model_gradients_every_activation_and_cost(activation, cost):
    # Every hidden activation with every cost; output activation paired as the cost needs
    # (sigmoid for quadratic/cross-entropy, softmax for log-likelihood), plus the activation
    # itself at the output under the quadratic cost to exercise the general BP1.
    out = {"quadratic": activation, "cross_entropy": "sigmoid", "log_likelihood": "softmax"}[cost]
    model = nndl.Sequential([nndl.Dense(6, activation, input_dim=5), nndl.Dense(4, activation),
                             nndl.Dense(3, out)], cost=cost, dtype="float64", seed=3)
    result = nndl.gradcheck(model, X, Y_INT)
    assert result.passed, result


@pytest.mark.parametrize("cost,out", [("cross_entropy", "softmax"), ("cross_entropy", "tanh"),
                                      ("log_likelihood", "sigmoid")])
def test_general_bp1_for_unsimplified_pairs(cost, out):
    """BP1 = ∇ₐC ⊙ σ'(z) when no simplification applies."""
    Y = np.full((7, 3), 0.3) if out == "tanh" else Y_INT
    model = nndl.Sequential([nndl.Dense(4, "sigmoid", input_dim=5), nndl.Dense(3, out)],
                            cost=cost, dtype="float64", seed=1)
    if out == "tanh":  # keep a in (0, 1) for the cross-entropy's logs
        model.layers[1].activation = nndl.get_activation("sigmoid")
    assert nndl.gradcheck(model, X, Y).passed


@pytest.mark.parametrize("layer", [nndl.Dense(4, "tanh"), nndl.Activation("elu"), nndl.Flatten(),
                                   nndl.Dense(3, "softmax")])
def test_layer_gradients_including_input(layer):
    result = nndl.gradcheck_layer(layer, (5,))
    assert result.passed, result


def test_dropout_gradient_with_fixed_mask():
    layer = nndl.Dropout(0.4)
    result = nndl.gradcheck_layer(layer, (6,), batch=5)
    assert result.passed
    assert layer.fixed_mask is not None and (layer.fixed_mask == 0).any()


def test_gradcheck_detects_a_wrong_gradient():
    """The checker must be able to fail: break BP4 and watch it notice."""
    model = nndl.Sequential([nndl.Dense(4, "sigmoid", input_dim=5), nndl.Dense(3, "sigmoid")],
                            dtype="float64", seed=0)
    layer = model.layers[1]
    original = layer.backward_delta

    def wrong(delta):
        out = original(delta)
        layer.W.grad *= 1.01
        return out

    layer.backward_delta = wrong
    assert nndl.gradcheck(model, X, Y_INT).errors["1.W"] > 1e-3


def test_step_activation_forward_only():
    model = nndl.Sequential([nndl.Dense(2, "step", input_dim=5), nndl.Dense(3, "sigmoid")], seed=0)
    out = model.layers[0].forward(np.ones((1, 5), dtype=np.float32))
    assert set(np.unique(out)) <= {0.0, 1.0}
    model.compile(nndl.SGD(lr=1.0))
    with pytest.raises(TrainingError, match="step"):
        model.fit(X.astype(np.float32), Y_INT, epochs=1, batch_size=7)


def test_cross_entropy_is_finite_when_saturated():
    """log(1+e^z) − yz form: no nan/inf even for |z| = 1000 (no nan_to_num tricks)."""
    from nndl.core.costs import CrossEntropyCost, LogLikelihoodCost
    from nndl.core.activations import Sigmoid, Softmax

    z = np.array([[1000.0, -1000.0]])
    y = np.array([[0.0, 1.0]])
    v = CrossEntropyCost().value(z, Sigmoid().forward(z), y, Sigmoid())
    assert np.isfinite(v) and v == pytest.approx(2000.0)
    v = LogLikelihoodCost().value(z, Softmax().forward(z), y, Softmax())
    assert np.isfinite(v) and v == pytest.approx(2000.0)
