"""Lecture 1: perceptrons, XOR, folds vs steps, sample sizes and linear regions."""
from __future__ import annotations

import numpy as np
import pytest

from nndl import Dense, Sequential, TrainingError, get_cost
from nndl.insight import depth
from nndl.insight import regions as rg
from nndl.insight import xor as xr
from nndl.insight.handset import handset, n_params, output
from nndl.insight.perceptron import GATES, INPUTS, half_adder, learn_gate, nand_gate


@pytest.mark.parametrize("gate", ["AND", "OR", "NAND"])
def test_perceptron_learns_linearly_separable_gates_in_bounded_epochs(gate):
    r = learn_gate(gate, max_epochs=20)
    assert r["converged"] and r["epochs"] <= 10 and r["cycle"] is None
    w1, w2, b = r["weights"]
    z = INPUTS @ [w1, w2] + b
    assert ((z > 0).astype(int) == GATES[gate]).all()


def test_perceptron_never_separates_xor_it_cycles():
    r = learn_gate("XOR", max_epochs=1000)
    assert not r["converged"] and max(r["correct"]) < 4
    first, period = r["cycle"]  # the state after epoch `first` recurs: the sequence repeats forever
    assert r["epochs"] == first + period <= 10


def test_the_loop_applies_exactly_the_perceptron_rule():
    """One epoch through Sequential.fit equals w ← w + (y − a)x, b ← b + (y − a), written out here."""
    y = GATES["AND"]
    w, b = np.zeros(2), 0.0
    for x, t in zip(INPUTS, y):
        a = float(x @ w + b > 0)
        w, b = w + (t - a) * x, b + (t - a)
    r = learn_gate("AND", max_epochs=1)
    assert r["weights"] == [*w, b]


def test_perceptron_cost_delta_is_a_minus_y_and_the_step_stays_forward_only():
    cost = get_cost("perceptron")
    z = np.array([[2.0], [-1.0], [0.5], [-3.0]])
    y = np.array([[1.0], [1.0], [0.0], [0.0]])
    a = (z > 0).astype(float)
    np.testing.assert_array_equal(cost.delta(z, a, y, None) * 4, a - y)
    assert cost.value(z, a, y, None) == pytest.approx((1.0 + 0.5) / 4)
    model = Sequential([Dense(1, "step", input_dim=2)], cost="quadratic", seed=0)
    with pytest.raises(TrainingError, match="step"):
        model.fit(INPUTS, np.array(GATES["AND"], float)[:, None], epochs=1, batch_size=1)


def test_nand_gate_and_half_adder():
    assert output(nand_gate(), INPUTS).tolist() == [1, 1, 1, 0]
    out = output(half_adder(), INPUTS)
    assert out[:, 0].tolist() == GATES["XOR"] and out[:, 1].tolist() == GATES["AND"]


def test_handset_xor_is_exact():
    assert output(xr.xor_handset(), INPUTS).tolist() == [0.0, 1.0, 1.0, 0.0]


def test_xor_training_from_random_seeds_is_seeded_and_mostly_works_with_three_sigmoids():
    rows = xr.xor_success(range(5), activations=("sigmoid",), hiddens=(3,), epochs=100)
    assert rows[0]["successes"] >= 4
    _, a = xr.train_xor("relu", 2, seed=3, epochs=20)
    _, b = xr.train_xor("relu", 2, seed=3, epochs=20)
    assert a == b


@pytest.mark.parametrize("n,folds", [(3, 1), (4, 2), (2, 3)])
def test_folded_net_equals_the_one_layer_staircase_with_fewer_parameters(n, folds):
    e, h, b = depth.symmetric_target(n, folds)
    deep = depth.folded_net(e, h, b, folds)
    edges = depth.unfolded_edges(e, folds)
    assert edges.size == 2 ** folds * n
    x = np.linspace(0, 1, 20001)
    x = x[depth_far(x, edges)]
    y = output(deep, x[:, None])
    assert set(np.unique(y)) == {0.0, 1.0} and np.count_nonzero(np.diff(y)) == edges.size
    jumps = np.diff(np.concatenate([[0.0], output(deep, edges[:, None] + 1e-6)]))
    shallow = depth.staircase_net(edges, jumps, 0.0)
    np.testing.assert_array_equal(output(shallow, x[:, None]), y)
    assert n_params(deep) == 4 * n + 6 * folds - 1 and n_params(shallow) == 3 * edges.size + 1


def depth_far(x, edges, margin=1e-4):
    return np.all(np.abs(x[:, None] - edges[None, :]) > margin, axis=1)


def test_sample_curve_runs_every_method_and_more_samples_help_nearest_neighbours():
    r = depth.sample_curve(sizes=(8, 128), n=2, draws=1, steps=200)
    assert set(r["errors"]) == {"1-NN", "RBF SVM", "shallow net", "deep net"}
    assert r["errors"]["1-NN"][1] < r["errors"]["1-NN"][0] and r["errors"]["1-NN"][1] < 0.05
    assert all(0 <= e <= 1 for v in r["errors"].values() for e in v)


@pytest.mark.parametrize("k,seed", [(1, 1), (5, 1), (12, 2), (30, 3)])
def test_one_hidden_layer_regions_obey_the_arrangement_bound(k, seed):
    count, ids = rg.region_map(rg.random_net(1, k, seed), -3, 3, resolution=300)
    assert 2 <= count <= rg.shallow_bound(k) == 1 + k + k * (k - 1) // 2
    assert ids.shape == (300, 300)


def test_lines_tangent_to_a_circle_reach_the_bound():
    """k lines in general position with every crossing inside the grid: exactly 1 + k + C(k, 2)."""
    k = 6
    angles = np.pi * np.arange(k) / k + 0.1
    net = handset([("relu", np.vstack([np.cos(angles), np.sin(angles)]), np.full(k, -0.5)),
                   ("linear", np.ones((k, 1)), [0.0])])
    assert rg.region_map(net, -3, 3, resolution=300)[0] == rg.shallow_bound(k) == 22


def test_montufar_construction_has_p_to_the_2L_regions_and_beats_the_shallow_maximum():
    rows = rg.montufar_table(depths=(1, 2, 3), p=3, resolution=270)
    assert [r["regions"] for r in rows] == [9, 81, 729]
    deep = rows[-1]
    assert deep["params"] == rg.mlp_params(3, 6) and 4 * deep["shallow_units"] + 1 <= deep["params"]
    assert deep["regions"] > deep["shallow_bound"]  # equal parameters, more regions than one layer can ever have
    narrow = rg.montufar_table(depths=(4,), p=2, resolution=160)[0]  # width 4, 77 parameters
    assert narrow["regions"] == 256 > narrow["shallow_bound"] == rg.shallow_bound(19)


def test_one_fold_then_lines_beats_one_layer_already_at_depth_two():
    """p = 2 fold (4 ReLUs), then 8 lines in general position: 4 · 37 regions from 61 parameters,
    where one hidden layer of 15 units has at most 121."""
    row = rg.montufar_table(depths=(2,), p=2, resolution=1000, lines=8)[0]
    assert row["params"] == 61 and row["regions"] == row["formula"] == 4 * rg.shallow_bound(8) == 148
    assert row["regions"] > row["shallow_bound"] == rg.shallow_bound(15)


def test_width_for_gives_the_widest_net_within_budget():
    for d in (1, 2, 3, 4):
        w = rg.width_for(d, 200)
        assert rg.mlp_params(d, w) <= 200 < rg.mlp_params(d, w + 1)
        assert n_params(rg.random_net(d, w, 0)) == rg.mlp_params(d, w)
