"""Chapter 4: the constructions are real networks whose outputs match their closed forms."""
from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
from scipy.special import expit

from nndl import Sequential
from nndl.insight import universality as u
from nndl.insight.handset import output

X = np.linspace(0.0, 1.0, 20001)


def away(x, edges, margin):
    return np.all(np.abs(np.asarray(x)[:, None] - np.asarray(edges)[None, :]) >= margin, axis=1)


@pytest.mark.parametrize("w", [100.0, 1000.0])
def test_step_is_sigmoid_of_w_x_minus_s_and_tends_to_the_step(w):
    s = 0.37
    model = u.step_net(s, w)
    assert isinstance(model, Sequential)
    assert model.get_weights()["0.b"][0] == pytest.approx(-w * s)
    a = output(model, X[:, None])
    np.testing.assert_allclose(a, expit(w * (X - s)), atol=1e-12)
    far = away(X, [s], 7.0 / w)  # σ(±7) is within 1e-3 of 0 or 1
    assert np.abs(a - (X > s))[far].max() < 1e-3


def test_bump_matches_h_times_indicator_away_from_edges():
    s1, s2, h = 0.25, 0.55, 0.7
    a = output(u.bump_net(s1, s2, h, 1000.0), X[:, None])
    far = away(X, [s1, s2], 0.007)
    exact = h * ((X >= s1) & (X < s2))
    assert np.abs(a - exact)[far].max() < 1e-3
    assert a.max() == pytest.approx(h, abs=1e-3)


@pytest.mark.parametrize("m", [1, 2, 3])
def test_tower_in_m_dimensions_uses_bias_minus_m_plus_half_h(m):
    h, rng = 30.0, np.random.default_rng(m)
    lo, hi = np.full(m, 0.3), np.linspace(0.6, 0.8, m)
    model = u.tower_net(lo, hi, h)
    assert model.get_weights()["1.b"][0] == pytest.approx((-m + 0.5) * h)  # m = 2: −3h/2
    pts = rng.random((20000, m))
    near = (np.minimum(np.abs(pts - lo), np.abs(pts - hi)) < 0.007).any(axis=1)
    inside = ((pts >= lo) & (pts < hi)).all(axis=1)
    a = output(model, pts)
    assert np.abs(a - inside)[~near].max() < 1e-3
    assert inside[~near].sum() > 100 and (~inside[~near]).sum() > 100


def test_n_pair_deviation_falls_monotonically_with_n_and_meets_the_books_challenge():
    rows = u.deviation_table((5, 10, 20, 50))
    for key in ("mean_inv", "mean_out", "max_inv", "max_out"):
        values = [r[key] for r in rows]
        assert all(a > b for a, b in pairwise(values)), (key, values)
    assert rows[0]["hidden"] == 10 and rows[0]["mean_inv"] <= 0.40  # the book: ≤ 0.40 with 5 pairs


def test_weighted_output_is_inverse_sigmoid_of_f_and_output_is_f():
    model = u.approximation_net(u.goal, 200)
    d = u.deviation(model)
    assert d["mean_inv"] < 0.02 and d["mean_out"] < 0.004


def test_shifted_copies_shrink_the_maximum_error():
    rows = u.failure_fix(5, (1, 2, 4))
    errs = [r["max_out"] for r in rows]
    assert errs[0] > errs[1] > errs[2]
    assert [r["hidden"] for r in rows] == [10, 22, 46]  # copy 0: 5 pairs; shifted ones: 6
    assert rows[0]["max_out_windows"] <= rows[0]["max_out"]


def test_bad_sizes_are_rejected():
    with pytest.raises(ValueError, match="at least one pair"):
        u.approximation_net(u.goal, 0)


def test_towers_approximate_a_function_of_two_variables_better_with_more_towers():
    t = (np.arange(100) + 0.5) / 100
    xx, yy = np.meshgrid(t, t)
    pts = np.column_stack([xx.ravel(), yy.ravel()])
    errs = [np.abs(output(u.towers_net(u.goal2, n), pts) - u.goal2(pts[:, 0], pts[:, 1])).mean() for n in (4, 10)]
    assert errs[1] < errs[0] and errs[1] < 0.02


def test_the_same_function_learned_through_the_loop():
    model, history = u.train_goal(hidden=10, samples=200, epochs=200, lr=0.05, batch_size=10, seed=1)
    assert len(history["cost"]) == 200 and history["cost"][-1] < history["cost"][0]
    f = u.goal(X)
    constant = np.abs(f - np.median(f)).mean()  # the best a constant output can do
    assert u.deviation(model)["mean_out"] < 0.7 * constant
