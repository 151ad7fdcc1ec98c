"""Each optimiser's update against numbers worked out by hand from the lecture's equations.

The tiny problem: C(w) = ½‖w‖², so ∂C/∂w = w, starting at w₀ = (1, −2); two steps.
The expected numbers were computed with the equations written in each test's comment, in
plain float64 arithmetic (not with nndl).
"""
import numpy as np
import pytest

import nndl
from nndl.io import load_checkpoint
from nndl.layers.base import Parameter
from nndl.optim import get_optimizer


def two_steps(opt):
    p = Parameter(np.array([1.0, -2.0]), "w", regularize=True)
    for _ in range(2):
        p.grad[...] = p.value          # ∂(½‖w‖²)/∂w = w
        opt.step([p])
    return p.value


CASES = {
    # w ← w − ηg, η = 0.1:  w₂ = 0.9² w₀
    "sgd": (lambda: nndl.SGD(lr=0.1), [0.81, -1.62]),
    # v ← μv − ηg; w ← w + v (μ = 0.9): v₁ = (−.1, .2), w₁ = (.9, −1.8), v₂ = (−.18, .36)
    "momentum": (lambda: nndl.Momentum(lr=0.1, momentum=0.9), [0.72, -1.44]),
    # v ← μv − ηg; w ← w − μv_old + (1+μ)v_new: w₁ = (.81, −1.62), v₂ = (−.171, .342),
    # w₂ = w₁ − .9 v₁ + 1.9 v₂
    "nesterov": (lambda: nndl.Nesterov(lr=0.1, momentum=0.9), [0.5751, -1.1502]),
    # G ← G + g² (G₀ = 0.1); w ← w − ηg/(√G + ε): G₁ = (1.1, 4.1), w₁ = w₀ − .1 w₀/√G₁, ...
    "adagrad": (lambda: nndl.Adagrad(lr=0.1), [0.8393387467554052, -1.8327767300280848]),
    # v ← ρv + (1−ρ)g²; w ← w − ηg/(√v + ε), ρ = 0.9: w₁ = w₀ − .1/√.1 · sgn w₀, ...
    "rmsprop": (lambda: nndl.RMSprop(lr=0.1), [0.4988707391005095, -1.47387538617715]),
    # u ← μu + ηg/(√v + ε); w ← w − u, μ = 0.5
    "rmsprop_momentum": (lambda: nndl.RMSprop(lr=0.1, momentum=0.5),
                         [0.34075690609207465, -1.3157615281687272]),
    # m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; m̂ = m/(1−β₁ᵗ); v̂ = v/(1−β₂ᵗ);
    # w ← w − η m̂/(√v̂ + ε): step 1 moves each weight by ≈ η against its sign
    "adam": (lambda: nndl.Adam(lr=0.1), [0.8004122480821506, -1.800166495718143]),
    # AdamW: w ← w − η·wd·w, then the Adam step (wd = 0.1)
    "adamw": (lambda: nndl.AdamW(lr=0.1, weight_decay=0.1), [0.781571875271971, -1.7614089601610057]),
}


@pytest.mark.parametrize("name", CASES)
def test_two_steps_match_hand_computed(name):
    make, expected = CASES[name]
    np.testing.assert_allclose(two_steps(make()), expected, rtol=1e-12, atol=1e-15)


def test_keras_defaults():
    assert nndl.SGD().lr == 0.01
    r = nndl.RMSprop()
    assert (r.lr, r.rho, r.eps) == (0.001, 0.9, 1e-7)
    a = nndl.Adam()
    assert (a.lr, a.beta1, a.beta2, a.eps) == (0.001, 0.9, 0.999, 1e-7)


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"])
def test_registry_and_config_round_trip(name):
    opt = get_optimizer(name, lr=0.05)
    again = get_optimizer(opt.get_config())
    assert type(again) is type(opt) and again.get_config() == opt.get_config()


def test_none_kwargs_are_ignored_and_foreign_ones_named():
    opt = get_optimizer("adam", lr=0.01, beta1=None, rho=None)
    assert opt.beta1 == 0.9
    with pytest.raises(ValueError, match="does not take rho"):
        get_optimizer("adam", rho=0.9)


@pytest.mark.parametrize("make,match", [
    (lambda: nndl.Adam(beta1=1.0), r"beta1 must be in \[0, 1\)"),
    (lambda: nndl.Adam(beta2=-0.1), r"beta2 must be in \[0, 1\)"),
    (lambda: nndl.Adam(eps=0), "eps must be a positive"),
    (lambda: nndl.RMSprop(rho=1.2), r"rho must be in \[0, 1\)"),
    (lambda: nndl.RMSprop(momentum=1.0), r"momentum must be in \[0, 1\)"),
    (lambda: nndl.Adagrad(eps=-1e-7), "eps must be a positive"),
    (lambda: nndl.Adam(lr=0), "learning rate must be a positive"),
    (lambda: nndl.SGD(clip_norm=0), "clip_norm must be a positive"),
    (lambda: nndl.SGD(clip_value=-1), "clip_value must be a positive"),
    (lambda: nndl.AdamW(weight_decay=-1), "weight_decay must be >= 0"),
    (lambda: get_optimizer("lbfgs"), "unknown optimizer 'lbfgs'"),
])
def test_bad_settings(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def _adam_model(seed=3):
    layers = [nndl.Dense(8, "linear", input_dim=5), nndl.BatchNorm(), nndl.PReLU(), nndl.Dropout(0.3),
              nndl.Dense(3, "softmax")]
    return nndl.Sequential(layers, cost="log_likelihood", seed=seed).compile(nndl.Adam(lr=0.01))


def test_adam_checkpoint_resume_is_bit_identical(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 5)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5).astype(int)
    full = _adam_model()
    full.fit(X, y, epochs=5, batch_size=8)
    part = _adam_model()
    part.fit(X, y, epochs=2, batch_size=8, callbacks=[nndl.Checkpoint(tmp_path / "ck.npz")])
    ck = load_checkpoint(tmp_path / "ck.npz")
    resumed = ck["model"]
    assert isinstance(resumed.optimizer, nndl.Adam) and resumed.optimizer.iterations == 2 * 8
    resumed.fit(X, y, epochs=5, batch_size=8, initial_epoch=ck["epoch"], history=ck["history"])
    a, b = full.get_weights(), resumed.get_weights()
    assert a.keys() == b.keys()
    for k in a:   # weights, BN running statistics and PReLU slopes
        assert np.array_equal(a[k], b[k]), k
