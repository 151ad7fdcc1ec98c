import math

import numpy as np
import pytest

import nndl
from nndl.layers.base import Parameter
from nndl.optim import clip_gradients


def params(*grads):
    ps = []
    for k, g in enumerate(grads):
        p = Parameter(np.zeros(len(g)), f"p{k}", regularize=True)
        p.grad[...] = g
        ps.append(p)
    return ps


def test_clip_by_global_norm_keeps_direction():
    ps = params([3.0, 0.0], [0.0, 4.0])          # ‖g‖ = 5
    norm = clip_gradients(ps, clip_norm=1.0)
    assert norm == pytest.approx(5.0)
    np.testing.assert_allclose(ps[0].grad, [0.6, 0.0])
    np.testing.assert_allclose(ps[1].grad, [0.0, 0.8])
    ps = params([0.3, 0.4])                       # below the threshold: untouched
    clip_gradients(ps, clip_norm=1.0)
    np.testing.assert_allclose(ps[0].grad, [0.3, 0.4])


def test_clip_by_value():
    ps = params([3.0, -0.2], [-7.0, 0.5])
    norm = clip_gradients(ps, clip_value=0.5)
    assert norm == pytest.approx(math.sqrt(9 + 0.04 + 49 + 0.25))
    np.testing.assert_allclose(ps[0].grad, [0.5, -0.2])
    np.testing.assert_allclose(ps[1].grad, [-0.5, 0.5])


def test_optimizer_clips_after_regulariser_before_update_and_records_norm():
    p = params([3.0, 4.0])[0]
    p.value[...] = [1.0, 0.0]
    opt = nndl.SGD(lr=1.0, clip_norm=1.0)
    opt.step([p], nndl.L2(2.0), n=2)              # g = (3, 4) + λ/n·w = (4, 4)
    assert opt.last_grad_norm == pytest.approx(math.sqrt(32))
    np.testing.assert_allclose(p.value, [1 - 1 / math.sqrt(2), -1 / math.sqrt(2)])
    assert opt.consume_grad_norms() == {"grad_norm": pytest.approx(math.sqrt(32)),
                                        "grad_norm_max": pytest.approx(math.sqrt(32))}
    assert opt.consume_grad_norms() == {}


def test_history_records_grad_norm_only_when_clipping():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 4)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)

    def run(**kw):
        model = nndl.Sequential([nndl.Dense(5, "sigmoid", input_dim=4), nndl.Dense(2, "sigmoid")], seed=0)
        model.compile(nndl.SGD(lr=0.5, **kw))
        return model.fit(X, y, epochs=2, batch_size=10)

    h = run(clip_norm=0.1)
    assert len(h["grad_norm"]) == 2 and all(g > 0 for g in h["grad_norm"])
    assert all(a >= b for a, b in zip(h["grad_norm_max"], h["grad_norm"]))
    assert "grad_norm" not in run()
