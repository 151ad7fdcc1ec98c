import math

import numpy as np
import pytest

import nndl
from nndl.train.schedules import (CosineDecay, ExponentialDecay, HalveOnPlateau, StepDecay, WarmUp,
                                  parse_schedule)


def lrs(schedule, epochs=6, lr=1.0):
    X = np.random.default_rng(0).normal(size=(8, 2)).astype(np.float32)
    model = nndl.Sequential([nndl.Dense(2, "sigmoid", input_dim=2)], seed=0).compile(nndl.Adam(lr=lr))
    h = model.fit(X, (X[:, 0] > 0).astype(int), epochs=epochs, batch_size=4, callbacks=[schedule],
                  monitor_training=False)
    return h["lr"]


def test_step_exponential_cosine_warmup():
    np.testing.assert_allclose(lrs(StepDecay(2, 0.5)), [1, 1, .5, .5, .25, .25])
    np.testing.assert_allclose(lrs(ExponentialDecay(0.9), 3), [1, .9, .81])
    np.testing.assert_allclose(lrs(CosineDecay(), 4), [1, (1 + math.cos(math.pi / 4)) / 2, .5,
                                                        (1 + math.cos(3 * math.pi / 4)) / 2])
    np.testing.assert_allclose(lrs(WarmUp(2), 4, lr=0.1), [.05, .1, .1, .1])
    np.testing.assert_allclose(lrs(WarmUp(2, StepDecay(1, 0.5)), 4), [.5, 1, 1, .5])


def test_any_function_of_epoch_drives_any_optimizer():
    np.testing.assert_allclose(lrs(nndl.LearningRateScheduler(lambda e: 0.1 / (e + 1)), 3),
                               [0.1, 0.05, 0.1 / 3])


@pytest.mark.parametrize("spec,cls", [("step:10:0.5", StepDecay), ("exponential:0.95", ExponentialDecay),
                                      ("cosine", CosineDecay), ("warmup:5", WarmUp),
                                      ("halve:10", HalveOnPlateau), ("warmup:3+cosine", WarmUp)])
def test_parse_schedule(spec, cls):
    assert isinstance(parse_schedule(spec), cls)
    assert parse_schedule("none") is None


@pytest.mark.parametrize("spec", ["bogus", "step", "step:x", "exponential:1.5", "cosine:1:2",
                                  "cosine+warmup:2", "step:0"])
def test_parse_schedule_rejects(spec):
    with pytest.raises(ValueError, match="bad schedule"):
        parse_schedule(spec)
