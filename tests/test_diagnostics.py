"""Per-layer diagnostics (nndl.train.diagnostics): the book's learning speed ‖∂C/∂b‖ against
finite differences, the callback's bookkeeping, and that it costs nothing when not used."""
import numpy as np
import pytest

import nndl
from nndl.train.diagnostics import Diagnostics, layer_groups, layer_speeds, layer_stats


def _small(seed=0, dtype="float64", act="sigmoid"):
    model = nndl.Sequential([nndl.Dense(5, act, input_dim=6), nndl.Dense(4, act), nndl.Dense(3, "sigmoid")],
                            cost="cross_entropy", seed=seed, dtype=dtype)
    rng = np.random.default_rng(seed)
    return model, rng.normal(size=(20, 6)), rng.integers(0, 3, 20)


def _numeric_bias_grad(model, X, y, layer, eps=1e-6):
    """∂C/∂b of one layer by central differences of the mean cost (no regulariser)."""
    b = model.layers[layer].b.value
    out = np.empty(b.size)
    for j in range(b.size):
        old = b[j]
        b[j] = old + eps
        cp = model.evaluate(X, y)["cost"]
        b[j] = old - eps
        cm = model.evaluate(X, y)["cost"]
        b[j] = old
        out[j] = (cp - cm) / (2 * eps)
    return out


def test_speed_is_the_norm_of_the_bias_gradient_by_finite_differences():
    model, X, y = _small()
    assert nndl.gradcheck(model, X, y).passed                     # backprop itself is right
    speeds = layer_speeds(model, X, y)
    assert len(speeds) == 2                                          # hidden layers only
    for layer, speed in enumerate(speeds):
        assert speed == pytest.approx(np.linalg.norm(_numeric_bias_grad(model, X, y, layer)), rel=1e-7)
    # averaged over the set, chunking does not change it
    assert layer_speeds(model, X, y, batch_size=7) == pytest.approx(speeds, rel=1e-12)
    stats = layer_stats(model, X, y, include_output=True)
    assert len(stats["speed"]) == 3 and stats["speed"][:2] == pytest.approx(speeds)


def test_batch_norm_groups_and_beta_is_the_bias():
    model = nndl.Sequential([nndl.Dense(8, "linear", input_dim=6), nndl.BatchNorm(), nndl.Activation("sigmoid"),
                             nndl.Dense(3, "sigmoid")], cost="cross_entropy", seed=1, dtype="float64")
    groups = layer_groups(model)
    assert [g.indices for g in groups] == [[0, 1, 2], [3]]
    assert groups[0].bias.name == "beta" and groups[0].nonlinear is model.layers[2]
    X, y = np.random.default_rng(1).normal(size=(16, 6)), np.arange(16) % 3
    before = {k: v.copy() for k, v in model.get_weights().items()}
    stats = layer_stats(model, X, y)
    for k, v in model.get_weights().items():   # running averages put back
        np.testing.assert_array_equal(v, before[k])
    model.loss(X, y, training=True)
    model.backward(model.as_targets(y))
    assert stats["speed"][0] == pytest.approx(float(np.linalg.norm(model.layers[1].beta.grad)), rel=1e-10)
    assert float(np.abs(model.layers[0].b.grad).max()) < 1e-12   # the Dense bias is inert under BN


def test_saturated_and_dead_units():
    model, X, y = _small(act="relu")
    w = model.get_weights()
    w["0.b"][:2] = -1e3                       # two of five ReLUs never fire
    model.set_weights(w)
    assert layer_stats(model, X, y)["dead"][0] == pytest.approx(0.4)
    model, X, y = _small()
    w = model.get_weights()
    w["1.b"][:] = 50.0                        # every sigmoid of layer 2 pinned at 1
    model.set_weights(w)
    s = layer_stats(model, X, y)
    assert s["saturated"][1] == 1.0 and s["dead"] == [None, None]


class _Counter:
    """Counts calls of a model's methods by wrapping the bound methods (the real ones run)."""

    def __init__(self, model, names=("train_step", "forward", "backward")):
        self.counts = dict.fromkeys(names, 0)
        for name in names:
            real = getattr(model, name)

            def wrapped(*a, _real=real, _name=name, **k):
                self.counts[_name] += 1
                return _real(*a, **k)

            setattr(model, name, wrapped)


def _fit(callbacks, every_batches=None):
    model, X, y = _small(dtype="float32")
    model.compile(nndl.SGD(lr=0.5))
    counter = _Counter(model)
    from nndl.train.callbacks import CallbackList

    hooks = CallbackList(list(callbacks), model).batch_hooks()
    h = model.fit(X, y, epochs=3, batch_size=5, callbacks=callbacks, monitor_training=False)
    return model, counter.counts, h, hooks


def test_no_work_when_off_and_no_per_batch_hook_in_epoch_mode():
    base_model, base, _, _ = _fit([])
    assert base["train_step"] == 12
    diag = Diagnostics(*_small()[1:], every=1)
    model, counts, h, hooks = _fit([diag])
    assert hooks == []                                   # the loop has nothing to call per mini-batch
    assert counts["train_step"] == base["train_step"]    # diagnostics never step
    assert counts["backward"] == base["backward"] + 4    # init + 3 epochs, one pass each (20 ≤ 1000 images)
    for k, v in base_model.get_weights().items():        # and training is exactly the same
        np.testing.assert_array_equal(model.get_weights()[k], v)
    assert [r["epoch"] for r in diag.records] == [0, 1, 2, 3]
    assert len(h["speed_1"]) == 3 and h["speed_2"][-1] == diag.records[-1]["speed"][1]


def test_every_n_epochs_and_every_n_batches():
    X, y = _small()[1:]
    diag = Diagnostics(X, y, every=2)
    _, _, h, _ = _fit([diag])
    assert [r["epoch"] for r in diag.records] == [0, 2]
    assert h["speed_1"][0] is None and h["speed_1"][1] is not None and h["speed_1"][2] is None
    diag = Diagnostics(X, y, every_batches=3)
    _, _, h, hooks = _fit([diag])
    assert len(hooks) == 1
    assert [r["step"] for r in diag.records] == [0, 3, 6, 9, 12]
    assert [r["epoch"] for r in diag.records] == [0, 0.75, 1.5, 2.25, 3.0]


def test_bad_settings():
    with pytest.raises(ValueError):
        Diagnostics(every=0)
    with pytest.raises(ValueError):
        Diagnostics(every_batches=0)
    model, X, y = _small()
    with pytest.raises(ValueError, match="no data"):
        model.fit(X, y, epochs=1, callbacks=[Diagnostics()])


def test_measuring_leaves_dropout_and_batch_norm_training_unchanged():
    def run(callbacks):
        model = nndl.Sequential([nndl.Dense(8, "linear", input_dim=6), nndl.BatchNorm(), nndl.Activation("relu"),
                                 nndl.Dropout(0.3), nndl.Dense(3, "sigmoid")], cost="cross_entropy", seed=3)
        X, y = np.random.default_rng(3).normal(size=(30, 6)), np.arange(30) % 3
        model.fit(X, y, epochs=2, batch_size=10, callbacks=[c(X, y) for c in callbacks], monitor_training=False)
        return model.get_weights()

    plain, measured = run([]), run([lambda X, y: Diagnostics(X, y, every_batches=1)])
    for k, v in plain.items():
        np.testing.assert_array_equal(measured[k], v)
