"""Each optimiser's update against numbers worked out by hand from the lecture's equations.

The tiny problem: C(w) = ½‖w‖², so ∂C/∂w = w, starting at w₀ = (1, −2); two steps.
The expected numbers were computed with the equations written in each test's comment, in
plain float64 arithmetic (not with nndl).
"""
import math

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


# --------------------------------------------------------------------------------------------
# Several parameters at once, against an independent float64 reference of the lecture's
# equations: each parameter keeps its own state (two parameters of the same shape would
# expose shared moments), clipping and decoupled weight decay pass through every subclass,
# and the documented defaults are the ones used. Written to kill mutants that the
# single-parameter hand-computed tests above let live (docs/testing.md).


def _reference(name, cfg, ws, grads_per_step, regularize):
    """Plain float64 loops over the equations (no nndl code)."""
    lr = cfg["lr"]
    ws = [w.copy() for w in ws]
    state = [dict() for _ in ws]
    for t, grads in enumerate(grads_per_step, start=1):
        grads = [g.copy() for g in grads]
        if cfg.get("clip_value") is not None:
            grads = [np.clip(g, -cfg["clip_value"], cfg["clip_value"]) for g in grads]
        if cfg.get("clip_norm") is not None:
            norm = math.sqrt(sum(float((g * g).sum()) for g in grads))
            if norm > cfg["clip_norm"]:
                grads = [g * (cfg["clip_norm"] / (norm + 1e-12)) for g in grads]
        for k, (w, g, s, reg) in enumerate(zip(ws, grads, state, regularize)):
            if cfg.get("weight_decay") and reg:
                w = w * (1 - lr * cfg["weight_decay"])
            if name == "sgd":
                w = w - lr * g
            elif name in ("momentum", "nesterov"):
                mu = cfg["momentum"]
                v_old = s.get("v", np.zeros_like(w))
                v = mu * v_old - lr * g
                w = w + v if name == "momentum" else w - mu * v_old + (1 + mu) * v
                s["v"] = v
            elif name == "adagrad":
                G = s.get("G", np.full_like(w, cfg["initial_accumulator"])) + g * g
                w = w - lr * g / (np.sqrt(G) + cfg["eps"])
                s["G"] = G
            elif name == "rmsprop":
                v = cfg["rho"] * s.get("v", np.zeros_like(w)) + (1 - cfg["rho"]) * g * g
                step = lr * g / (np.sqrt(v) + cfg["eps"])
                if cfg["momentum"]:
                    step = s["u"] = cfg["momentum"] * s.get("u", np.zeros_like(w)) + step
                w = w - step
                s["v"] = v
            elif name in ("adam", "adamw"):
                b1, b2 = cfg["beta1"], cfg["beta2"]
                m = b1 * s.get("m", np.zeros_like(w)) + (1 - b1) * g
                v = b2 * s.get("v", np.zeros_like(w)) + (1 - b2) * g * g
                w = w - lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + cfg["eps"])
                s["m"], s["v"] = m, v
            ws[k] = w
    return ws


MAKERS = {
    "sgd": lambda **c: nndl.SGD(lr=0.1, **c),
    "momentum": lambda **c: nndl.Momentum(lr=0.1, momentum=0.8, **c),
    "nesterov": lambda **c: nndl.Nesterov(lr=0.1, momentum=0.7, **c),
    "adagrad": lambda **c: nndl.Adagrad(lr=0.2, eps=1e-3, initial_accumulator=0.3, **c),
    "rmsprop": lambda **c: nndl.RMSprop(lr=0.05, rho=0.8, eps=1e-3, **c),
    "rmsprop_momentum": lambda **c: nndl.RMSprop(lr=0.05, rho=0.8, eps=1e-3, momentum=0.6, **c),
    "adam": lambda **c: nndl.Adam(lr=0.05, beta1=0.8, beta2=0.9, eps=1e-3, **c),
    "adamw": lambda **c: nndl.AdamW(lr=0.05, beta1=0.8, beta2=0.9, eps=1e-3, weight_decay=0.3, **c),
}


@pytest.mark.parametrize("extra", [{}, {"clip_norm": 0.5}, {"clip_value": 0.4, "clip_norm": 2.0},
                                   {"weight_decay": 0.2}], ids=["plain", "clip_norm", "clip_both", "decay"])
@pytest.mark.parametrize("key", MAKERS)
def test_three_steps_on_three_parameters_match_the_reference(key, extra):
    if key == "adamw" and "weight_decay" in extra:
        extra = {}
    opt = MAKERS[key](**extra)
    cfg = dict(opt.get_config())
    cfg.setdefault("momentum", 0.0)
    rng = np.random.default_rng(0)
    shapes, regularize = [(3, 2), (3, 2), (4,)], [True, True, False]   # two of one shape; a bias
    params = [Parameter(rng.normal(size=s), f"p{k}", regularize=r) for k, (s, r) in enumerate(zip(shapes, regularize))]
    w0 = [p.value.copy() for p in params]
    grads = [[rng.normal(size=s) * (k + 1) for k, s in enumerate(shapes)] for _ in range(3)]
    for step in grads:
        for p, g in zip(params, step):
            p.grad[...] = g
        opt.step(params)
    expected = _reference(cfg["name"], cfg, w0, grads, regularize)
    for p, e in zip(params, expected):
        np.testing.assert_allclose(p.value, e, rtol=1e-11, atol=1e-13)
    assert opt.iterations == 3
    if extra.get("clip_norm"):
        assert opt.last_grad_norm == pytest.approx(math.sqrt(sum((g * g).sum() for g in grads[-1])), rel=1e-12)


def test_documented_defaults():
    """The module docstrings' defaults (Keras's), including the subclasses'."""
    g = nndl.Adagrad()
    assert (g.lr, g.eps, g.initial_accumulator) == (0.001, 1e-7, 0.1)
    for cls in (nndl.Momentum, nndl.Nesterov):
        o = cls()
        assert (o.lr, o.momentum) == (0.01, 0.9)
    w = nndl.AdamW()
    assert (w.lr, w.beta1, w.beta2, w.eps, w.weight_decay) == (0.001, 0.9, 0.999, 1e-7, 0.004)
    assert w.get_config()["weight_decay"] == 0.004
    assert nndl.RMSprop().momentum == 0.0


def test_adagrad_accumulator_bounds():
    assert nndl.Adagrad(initial_accumulator=0).initial_accumulator == 0.0
    for bad in (-0.1, float("inf"), float("nan")):
        with pytest.raises(ValueError, match="initial_accumulator must be >= 0"):
            nndl.Adagrad(initial_accumulator=bad)
    for kw, word in (({"eps": 0}, "eps"), ({"rho": 1.0}, "rho")):
        with pytest.raises(ValueError, match=word):
            nndl.RMSprop(**kw)


def test_predict_in_batches_equals_one_batch():
    model = nndl.Sequential([nndl.Dense(7, "tanh", input_dim=5), nndl.Dense(3, "softmax")], seed=0,
                            dtype="float64", cost="log_likelihood")
    X = np.random.default_rng(1).normal(size=(23, 5))
    whole = model.predict_proba(X, batch_size=100)
    for b in (1, 4, 22, 23):
        np.testing.assert_allclose(model.predict_proba(X, batch_size=b), whole, rtol=1e-13)  # BLAS: gemv vs gemm
    assert whole.shape == (23, 3)
    np.testing.assert_array_equal(model.predict(X, batch_size=4), whole.argmax(axis=1))


@pytest.mark.parametrize("key", MAKERS)
def test_clipping_and_decay_settings_survive_the_config_round_trip(key):
    opt = MAKERS[key](clip_norm=0.5, clip_value=0.3) if key == "adamw" else \
        MAKERS[key](clip_norm=0.5, clip_value=0.3, weight_decay=0.01)
    cfg = opt.get_config()
    assert cfg["clip_norm"] == 0.5 and cfg["clip_value"] == 0.3 and cfg["weight_decay"] == opt.weight_decay > 0
    again = get_optimizer(cfg)
    assert (again.clip_norm, again.clip_value, again.weight_decay) == (0.5, 0.3, opt.weight_decay)
    assert "clip_norm" not in MAKERS[key]().get_config()


def test_load_state_dict_restores_step_count_and_learning_rate():
    opt = nndl.Adam(lr=0.1)
    state = {"0.m": np.ones(2), "0.v": np.full(2, 4.0)}
    opt.load_state_dict({"config": {"name": "adam", "lr": 0.025}, "iterations": 7}, state, np)
    assert opt.iterations == 7 and opt.lr == 0.025
    np.testing.assert_array_equal(opt.state["0.v"], [4.0, 4.0])
    opt.load_state_dict({}, {})
    assert opt.iterations == 0 and opt.lr == 0.025          # missing entries: a fresh count, lr kept


def test_accepted_settings_name_each_optimisers_keywords():
    from nndl.optim import accepted_settings

    assert accepted_settings("adam") >= {"lr", "beta1", "beta2", "eps", "clip_norm", "clip_value", "weight_decay"}
    assert "self" not in accepted_settings("sgd") and "common" not in accepted_settings("sgd")
    assert "rho" in accepted_settings("rmsprop") and "beta1" not in accepted_settings("rmsprop")
