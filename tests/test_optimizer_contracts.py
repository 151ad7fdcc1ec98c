"""Optimisers on several parameters at once, against an independent float64 reference of the
lecture's equations: each parameter keeps its own state (two parameters of the same shape
would expose shared moments), clipping and decoupled weight decay pass through every
subclass, and the documented defaults are the ones used. Written to kill mutants that the
single-parameter hand-computed tests in test_optimizers.py let live (docs/testing.md)."""
import math

import numpy as np
import pytest

import nndl
from nndl.layers.base import Parameter


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
    from nndl.optim import get_optimizer

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
