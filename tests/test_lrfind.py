import math

import numpy as np
import pytest

import nndl
from nndl.app.compare import compare_optimizers
from nndl.train.lrfind import lr_find, suggest_range
from nndl.viz import plot_comparison, plot_lr_find


def data(n=300, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6)).astype(np.float32)
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int) + (X[:, 2] > 0.8).astype(int)
    return X, y


def model(opt=None):
    m = nndl.Sequential([nndl.Dense(16, "linear", input_dim=6), nndl.BatchNorm(), nndl.Activation("relu"),
                         nndl.Dense(3, "softmax")], cost="log_likelihood", seed=0)
    return m.compile(opt or nndl.Momentum(lr=0.05))


def test_lr_find_restores_everything_and_grows_eta_exponentially():
    X, y = data()
    m = model()
    m.fit(X, y, epochs=1, batch_size=20)              # optimiser state exists
    w0 = m.get_weights()
    s0 = {k: v.copy() for k, v in m.optimizer.state.items()}
    rng0 = m.rng.bit_generator.state
    r = lr_find(m, X, y, start=1e-3, end=1e3, steps=100, batch_size=20)
    assert all(np.array_equal(w0[k], v) for k, v in m.get_weights().items())
    assert all(np.array_equal(s0[k], v) for k, v in m.optimizer.state.items())
    assert m.optimizer.lr == 0.05 and m.rng.bit_generator.state == rng0
    ratios = np.diff(np.log(r.lrs))
    np.testing.assert_allclose(ratios, math.log(1e6) / 99, rtol=1e-9)
    lo, hi = r.suggestion
    assert lo == pytest.approx(hi / 10) and hi == r.best_lr
    assert r.stopped_early and r.lrs[-1] < 1e3        # the loss exploded before η reached 1000


def test_suggest_range_picks_the_minimum():
    lrs = np.logspace(-3, 2, 60)
    loss = 1 + (np.log10(lrs) - 0.5) ** 2             # lowest at η = 10^0.5
    lo, hi, best, _ = suggest_range(lrs, loss)
    assert hi == pytest.approx(10 ** 0.5, rel=0.1) and lo == pytest.approx(hi / 10)


def test_lr_find_plot_and_bad_arguments(tmp_path):
    X, y = data()
    r = lr_find(model(), X, y, steps=30, batch_size=30, end=10)
    fig = plot_lr_find(r, tmp_path / "lr.png")
    raw, smooth = fig.axes[0].get_lines()[:2]
    np.testing.assert_allclose(raw.get_xdata(), r.lrs)
    np.testing.assert_allclose(raw.get_ydata(), r.losses)
    ok = np.isfinite(np.asarray(r.smoothed, dtype=float))
    np.testing.assert_allclose(smooth.get_ydata(), np.asarray(r.smoothed, dtype=float)[ok])
    assert fig.axes[0].get_xscale() == "log"
    span = fig.axes[0].patches[0]                                       # the shaded suggestion
    np.testing.assert_allclose([span.get_x(), span.get_x() + span.get_width()], r.suggestion)
    assert (tmp_path / "lr.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and "suggested" in r.summary()
    with pytest.raises(ValueError, match="start < end"):
        lr_find(model(), X, y, start=1, end=0.1)
    with pytest.raises(ValueError, match="at least 10"):
        lr_find(model(), X, y, steps=3)


def test_compare_optimizers_same_start(tmp_path):
    X, y = data()
    m = model()
    w0 = m.get_weights()
    curves = compare_optimizers(m, X, y, ["sgd", "momentum", "adam"], epochs=2, batch_size=30, lrs={"sgd": 0.1})
    assert [c.name for c in curves] == ["sgd", "momentum", "adam"]
    firsts = [c.losses[0] for c in curves]            # same weights, same first mini-batch
    assert firsts[0] == firsts[1] == firsts[2]
    assert len(curves[0].losses) == 2 * 10 and curves[0].optimizer["lr"] == 0.1
    assert all(np.array_equal(w0[k], v) for k, v in m.get_weights().items())
    fig = plot_comparison(curves, tmp_path / "c.png")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert [lab.split()[0] for lab in labels] == ["sgd", "momentum", "adam"]
    assert [len(line.get_ydata()) > 0 for line in fig.axes[0].get_lines()] == [True] * 3
    assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
