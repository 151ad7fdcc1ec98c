"""L1/L2 regularisation as training applies it: the λ/n step through fit's own loop (n is the
training-set size, not the mini-batch's), the penalty in the cost, and gradcheck checking the
regulariser's gradient against the penalty it adds (so a wrong λ/n is a failed check)."""
import numpy as np
import pytest

import nndl
from nndl.core.regularizers import L1, L2

ETA, LMBDA = 0.5, 3.0


def _model(reg, seed=2):
    model = nndl.Sequential([nndl.Dense(5, "sigmoid", input_dim=4), nndl.Dense(3, "softmax")],
                            cost="log_likelihood", seed=seed, dtype="float64")
    return model.compile(nndl.SGD(lr=ETA), regularizer=reg, lmbda=LMBDA)


def _data(n=40):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 4))
    return X, rng.integers(0, 3, n)


@pytest.mark.parametrize("reg,shrink", [
    ("l2", lambda W, n: (1 - ETA * LMBDA / n) * W),            # w → (1 − ηλ/n) w − η ∂C₀/∂w
    ("l1", lambda W, n: W - ETA * LMBDA / n * np.sign(W)),     # w → w − (ηλ/n) sgn w − η ∂C₀/∂w
])
def test_first_step_of_fit_uses_lambda_over_the_training_set_size(reg, shrink):
    """One optimiser step inside fit (batch 10 of n = 40, no shuffle): the weights after it are
    exactly the book's update with n = 40, computed here from the gradient of that batch."""
    X, y = _data()
    n, batch = len(X), 10
    ref = _model(reg)
    ref.loss(X[:batch], y[:batch], training=True)
    ref.backward(ref.as_targets(y[:batch]))
    grads = {f"{i}.{p.name}": p.grad.copy() for i, layer in enumerate(ref.layers) for p in layer.all_params()}
    before = ref.get_weights()

    model = _model(reg)
    after = {}

    class AfterFirstStep(nndl.train.Callback):
        def on_batch_end(self, b, loss):
            if b == 0 and not after:
                after.update(self.model.get_weights())

    model.fit(X, y, epochs=1, batch_size=batch, shuffle=False, callbacks=[AfterFirstStep()],
              monitor_training=False)
    for i in range(len(model.layers)):
        W, b = f"{i}.W", f"{i}.b"
        np.testing.assert_allclose(after[W], shrink(before[W], n) - ETA * grads[W], rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(after[b], before[b] - ETA * grads[b], rtol=1e-13, atol=1e-15)  # biases: no decay
        assert not np.allclose(after[W], shrink(before[W], batch) - ETA * grads[W], rtol=1e-9)


def test_train_step_passes_n_to_the_regulariser():
    X, y = _data()
    model = _model("l2")
    W0 = model.layers[0].W.value.copy()
    ref = _model("l2")
    ref.loss(X[:10], y[:10], training=True)
    ref.backward(ref.as_targets(y[:10]))
    g = ref.layers[0].W.grad.copy()
    model.train_step(model.as_inputs(X[:10]), model.as_targets(y[:10]), 1000)
    np.testing.assert_allclose(model.layers[0].W.value, (1 - ETA * LMBDA / 1000) * W0 - ETA * g, rtol=1e-13)


def test_penalty_is_lambda_over_2n_sum_w_squared_without_biases():
    model = _model("l2")
    W = [layer.W.value for layer in model.layers]
    assert model.penalty(40) == pytest.approx(LMBDA / 80 * sum((w ** 2).sum() for w in W), rel=1e-12)
    X, y = _data()
    r = model.evaluate(X, y, n_train=40)
    assert r["cost"] == pytest.approx(model.loss(X, y) + model.penalty(40), rel=1e-12)
    l1 = _model("l1")
    assert l1.penalty(40) == pytest.approx(LMBDA / 40 * sum(np.abs(w).sum() for w in
                                                            [layer.W.value for layer in l1.layers]), rel=1e-12)


def test_l1_subgradient_is_zero_at_zero():
    """d|w|/dw at w = 0 is taken as sgn(0) = 0: a zero weight stays put (and nothing is inf)."""
    w = np.array([[0.0, 0.5], [-2.0, 0.0]])
    grad = np.zeros_like(w)
    L1(4.0).add_grad(w, grad, 8)
    np.testing.assert_array_equal(grad, [[0.0, 0.5], [-0.5, 0.0]])
    grad = np.ones_like(w)
    L2(4.0).add_grad(w, grad, 8)
    np.testing.assert_array_equal(grad, 1 + 0.5 * w)


@pytest.mark.parametrize("reg", ["l2", "l1"])
def test_gradcheck_includes_the_regulariser(reg):
    X, y = _data(6)
    model = _model(reg)
    model.compile(nndl.SGD(lr=ETA), regularizer=reg, lmbda=50.0)  # a penalty that dominates C₀
    r = nndl.gradcheck(model, X, y, n_train=8)
    assert r.passed, r


class _HalfL2(L2):
    """A planted bug: the gradient of (λ/2n)Σw² taken as (λ/2n)·w."""

    def add_grad(self, w, grad, n):
        super().add_grad(w, grad, 2 * n)


class _L1NoSign(L1):
    """A planted bug: L1's gradient as (λ/n)·w instead of (λ/n)·sgn w."""

    def add_grad(self, w, grad, n):
        grad += (self.lmbda / n) * w


@pytest.mark.parametrize("wrong", [_HalfL2(50.0), _L1NoSign(50.0)])
def test_gradcheck_catches_a_wrong_regulariser_gradient(wrong):
    X, y = _data(6)
    model = _model("l2")
    model.compile(nndl.SGD(lr=ETA), regularizer=wrong)
    r = nndl.gradcheck(model, X, y, n_train=8)
    assert r.errors["0.W"] > 1e-2 and r.errors["1.W"] > 1e-2, r
    assert r.errors["0.b"] <= r.rtol, r   # biases carry no penalty
