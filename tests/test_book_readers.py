"""Readers' client code for chapters 1–3, written from the book's text and exercises, run
against the veneers with only the import changed, on real MNIST subsets — checked against
the oracle in book_oracle.py (the book's algorithm from its equations, float64)."""
import copy
import json
import pickle
import random
import re

import numpy as np
import pytest
from book_oracle import Oracle, assert_same_parameters, sigma

import nndl
from nndl.book import mnist_loader, network, network2


@pytest.fixture(scope="module")
def book_data(mnist):
    training_data, validation_data, test_data = mnist_loader.load_data_wrapper()
    return training_data[:600], validation_data[:300], test_data[:300]


def seed_both(s):
    random.seed(s)
    np.random.seed(s)


def test_chapter1_same_seeds_same_numbers_as_the_book(book_data, capsys):
    training_data, _, test_data = book_data
    seed_both(7)
    oracle = Oracle([784, 30, 10], scaled_init=False)
    counts = []
    oracle.train(training_data, 2, 10, 3.0, after_epoch=lambda: counts.append(oracle.correct(test_data)))
    seed_both(7)
    net = network.Network([784, 30, 10])
    net.SGD(training_data, 2, 10, 3.0, test_data=test_data)
    assert_same_parameters(net, oracle)
    # the book's printed lines, with the book's numbers
    assert capsys.readouterr().out.splitlines() == [
        f"Epoch 0: {counts[0]} / 300", f"Epoch 1: {counts[1]} / 300"]
    assert net.weights[0].dtype == np.float64  # the book computes in float64


def test_chapter3_same_seeds_same_numbers_as_the_book(book_data, capsys):
    training_data, validation_data, _ = book_data
    seed_both(3)
    oracle = Oracle([784, 20, 10], scaled_init=True)
    oracle.b = [np.random.randn(*b.shape) for b in oracle.b]   # large_weight_initializer draws again
    oracle.w = [np.random.randn(*w.shape) for w in oracle.w]
    oracle.train(training_data, 2, 10, 0.5, lmbda=5.0, cross_entropy=True)
    seed_both(3)
    net = network2.Network([784, 20, 10], cost=network2.CrossEntropyCost)
    net.large_weight_initializer()
    ec, ea, tc, ta = net.SGD(training_data, 2, 10, 0.5, lmbda=5.0, evaluation_data=validation_data,
                             monitor_evaluation_accuracy=True, monitor_training_accuracy=True)
    assert_same_parameters(net, oracle)
    assert ea[-1] == oracle.correct(validation_data) and ec == [] and tc == []
    lines = capsys.readouterr().out.splitlines()
    assert lines[:4] == ["Epoch 0 training complete", f"Accuracy on training data: {ta[0]} / 600",
                         f"Accuracy on evaluation data: {ea[0]} / 300", ""]
    assert lines[4] == "Epoch 1 training complete" and len(lines) == 8


def test_default_initialisation_draws_like_the_book():
    seed_both(11)
    want_b = [np.random.randn(4, 1), np.random.randn(2, 1)]
    want_w = [np.random.randn(4, 3) / np.sqrt(3), np.random.randn(2, 4) / np.sqrt(4)]
    seed_both(11)
    net = network2.Network([3, 4, 2])
    for got, want in zip(net.biases + net.weights, want_b + want_w):
        np.testing.assert_array_equal(got, want)


def test_finite_difference_gradient_check_through_net_weights():
    """Chapter 2's check, as a reader does it: nudge one weight by ε, compare with backprop."""
    np.random.seed(5)
    net = network.Network([6, 5, 3])
    x, y = np.random.rand(6, 1), np.array([[0.0], [1.0], [0.0]])
    nabla_b, nabla_w = net.backprop(x, y)
    eps = 1e-6

    def cost():
        return 0.5 * np.linalg.norm(net.feedforward(x) - y) ** 2

    for (i, j) in ((0, 0), (2, 4), (4, 1)):
        net.weights[0][i, j] += eps
        up = cost()
        net.weights[0][i, j] -= 2 * eps
        down = cost()
        net.weights[0][i, j] += eps
        assert nabla_w[0][i, j] == pytest.approx((up - down) / (2 * eps), rel=1e-6, abs=1e-10)
    assert network.Network([6, 5, 3], dtype="float32").weights[0].dtype == np.float32


def test_overridden_cost_derivative_is_used(book_data):
    """A reader doubles the quadratic cost (C = ‖a − y‖²): the same run as η doubled."""
    training_data = book_data[0][:200]

    class Doubled(network.Network):
        def cost_derivative(self, output_activations, y):
            return 2 * (output_activations - y)

    seed_both(2)
    net = Doubled([784, 10, 10])
    net.SGD(training_data, 1, 10, 1.0)
    seed_both(2)
    plain = network.Network([784, 10, 10])
    plain.SGD(training_data, 1, 10, 2.0)
    for a, b in zip(net.weights + net.biases, plain.weights + plain.biases):
        np.testing.assert_allclose(a, b, atol=1e-9)


def test_overridden_backprop_is_called_per_example(book_data):
    training_data = book_data[0][:100]
    calls = []

    class Counting(network2.Network):
        def backprop(self, x, y):
            calls.append(x.shape)
            return super().backprop(x, y)

    seed_both(4)
    net = Counting([784, 10, 10])
    net.SGD(training_data, 2, 10, 0.5, lmbda=1.0)
    assert calls == [(784, 1)] * 200
    seed_both(4)
    oracle = Oracle([784, 10, 10], scaled_init=True)
    oracle.train(training_data, 2, 10, 0.5, lmbda=1.0, cross_entropy=True)
    assert_same_parameters(net, oracle)


def test_momentum_exercise_overrides_update_mini_batch(book_data):
    """Chapter 3's momentum exercise: a reader's update_mini_batch with a velocity per weight."""
    training_data = book_data[0][:200]

    class Momentum(network2.Network):
        mu = 0.0
        steps = 0

        def update_mini_batch(self, mini_batch, eta, lmbda, n):
            self.steps += 1
            if not hasattr(self, "v"):
                self.v = [np.zeros(w.shape) for w in self.weights]
            sum_b = [np.zeros(b.shape) for b in self.biases]
            sum_w = [np.zeros(w.shape) for w in self.weights]
            for x, y in mini_batch:
                gb, gw = self.backprop(x, y)
                sum_b = [s + g for s, g in zip(sum_b, gb)]
                sum_w = [s + g for s, g in zip(sum_w, gw)]
            self.v = [self.mu * v - (eta / len(mini_batch)) * g for v, g in zip(self.v, sum_w)]
            self.weights = [(1 - eta * lmbda / n) * w + v for w, v in zip(self.weights, self.v)]
            self.biases = [b - (eta / len(mini_batch)) * g for b, g in zip(self.biases, sum_b)]

    seed_both(8)
    net = Momentum([784, 10, 10])
    net.SGD(training_data, 2, 10, 0.5, lmbda=2.0)
    assert net.steps == 40
    seed_both(8)
    oracle = Oracle([784, 10, 10], scaled_init=True)
    oracle.train(training_data, 2, 10, 0.5, lmbda=2.0, cross_entropy=True)
    assert_same_parameters(net, oracle)   # μ = 0 is plain SGD
    seed_both(8)
    heavy = Momentum([784, 10, 10])
    heavy.mu = 0.9
    heavy.SGD(training_data, 2, 10, 0.5, lmbda=2.0)
    assert np.abs(heavy.weights[1] - net.weights[1]).max() > 1e-2


class ReadersCrossEntropy:
    """A reader's own cost class with the book's interface (not one of network2's)."""

    calls = 0

    @staticmethod
    def fn(a, y):
        ReadersCrossEntropy.calls += 1
        return float(np.sum(-y * np.log(a) - (1 - y) * np.log(1 - a)))

    @staticmethod
    def delta(z, a, y):
        return a - y


def test_reader_defined_cost_class_trains(book_data):
    training_data = book_data[0][:100]
    seed_both(9)
    net = network2.Network([784, 10, 10], cost=ReadersCrossEntropy)
    _, _, tc, _ = net.SGD(training_data, 2, 10, 0.5, monitor_training_cost=True)
    seed_both(9)
    oracle = Oracle([784, 10, 10], scaled_init=True)
    oracle.train(training_data, 2, 10, 0.5, cross_entropy=True)
    assert_same_parameters(net, oracle)
    assert ReadersCrossEntropy.calls >= 200 and tc[1] < tc[0]   # its fn measured the cost


def test_reassigning_net_cost_takes_effect(book_data):
    training_data = book_data[0][:200]
    seed_both(6)
    net = network2.Network([784, 10, 10], cost=network2.CrossEntropyCost)
    net.cost = network2.QuadraticCost
    net.SGD(training_data, 1, 10, 1.0)
    seed_both(6)
    oracle = Oracle([784, 10, 10], scaled_init=True)
    oracle.train(training_data, 1, 10, 1.0, cross_entropy=False)
    assert_same_parameters(net, oracle)


def test_weights_item_and_list_assignment_and_snapshots(book_data):
    training_data = book_data[0][:100]
    np.random.seed(1)
    net = network.Network([784, 10, 10])
    x = training_data[0][0]
    net.weights[1] = np.zeros((10, 10))
    net.biases[1] = np.full((10, 1), 2.0)
    np.testing.assert_allclose(net.feedforward(x), np.full((10, 1), sigma(2.0)))
    net.weights = [np.zeros((10, 784)), np.ones((10, 10))]
    hidden = sigma(net.biases[0])  # zero weights into the hidden layer
    np.testing.assert_allclose(net.feedforward(x), sigma(np.ones((10, 10)) @ hidden + net.biases[1]))
    kept = net.weights
    before = [w.copy() for w in kept]
    net.SGD(training_data, 1, 10, 3.0)
    for k, b in zip(kept, before):
        np.testing.assert_array_equal(k, b)               # a snapshot, as in the book
    assert not np.array_equal(net.weights[1], before[1])  # while the network moved on


def test_xor_single_output_network():
    xor = [(np.array([[a], [b]], dtype=float), np.array([[float(a ^ b)]])) for a in (0, 1) for b in (0, 1)]
    seed_both(0)
    net = network2.Network([2, 3, 1], cost=network2.QuadraticCost)
    before = net.total_cost(xor, 0.0)
    net.SGD(xor * 50, 30, 4, 2.0)
    assert net.feedforward(xor[0][0]).shape == (1, 1)
    assert net.total_cost(xor, 0.0) < before


def test_cost_functions_accept_any_same_shaped_arrays():
    a, y = np.array([0.8, 0.1, 0.6]), np.array([1.0, 0.0, 1.0])
    assert network2.QuadraticCost.fn(a, y) == pytest.approx(0.5 * np.linalg.norm(a - y) ** 2)
    ce = np.sum(-y * np.log(a) - (1 - y) * np.log(1 - a))
    assert network2.CrossEntropyCost.fn(a, y) == pytest.approx(ce)
    np.testing.assert_allclose(network2.CrossEntropyCost.delta(None, a, y), a - y)
    z = np.array([1.0, -2.0, 0.5])
    s = sigma(z)
    np.testing.assert_allclose(network2.QuadraticCost.delta(z, s, y), (s - y) * s * (1 - s))
    assert network2.QuadraticCost.fn(a.reshape(3, 1), y.reshape(3, 1)) == pytest.approx(
        network2.QuadraticCost.fn(a, y))


def test_networks_pickle_and_deepcopy(book_data):
    training_data, _, test_data = book_data
    np.random.seed(2)
    net = network.Network([784, 10, 10])
    clone = pickle.loads(pickle.dumps(net))
    twin = copy.deepcopy(net)
    x = test_data[0][0]
    np.testing.assert_array_equal(clone.feedforward(x), net.feedforward(x))
    twin.SGD(training_data[:100], 1, 10, 3.0)
    np.testing.assert_array_equal(clone.feedforward(x), net.feedforward(x))
    assert not np.array_equal(twin.feedforward(x), net.feedforward(x))
    assert clone.evaluate(test_data) == net.evaluate(test_data)


def test_json_round_trip_with_a_plain_reader_of_the_books_format(tmp_path):
    np.random.seed(3)
    net = network2.Network([5, 4, 3], cost=network2.QuadraticCost)
    net.save(tmp_path / "net.json")
    plain = json.loads((tmp_path / "net.json").read_text())
    assert set(plain) == {"sizes", "weights", "biases", "cost"} and plain["cost"] == "QuadraticCost"
    assert plain["sizes"] == [5, 4, 3]
    for got, want in zip(plain["weights"] + plain["biases"], net.weights + net.biases):
        np.testing.assert_array_equal(np.array(got), want)   # exact: float64 round-trips in JSON
    rng = np.random.default_rng(0)
    written = {"sizes": [3, 2, 2], "cost": "CrossEntropyCost",
               "weights": [rng.normal(size=(2, 3)).tolist(), rng.normal(size=(2, 2)).tolist()],
               "biases": [rng.normal(size=(2, 1)).tolist(), rng.normal(size=(2, 1)).tolist()]}
    (tmp_path / "plain.json").write_text(json.dumps(written))
    loaded = network2.load(tmp_path / "plain.json")
    assert loaded.cost is network2.CrossEntropyCost
    oracle = Oracle([3, 2, 2], scaled_init=True)
    oracle.w = [np.array(w) for w in written["weights"]]
    oracle.b = [np.array(b) for b in written["biases"]]
    for got, want in zip(loaded.weights + loaded.biases, oracle.w + oracle.b):
        np.testing.assert_array_equal(got, want)
    x = np.array([[0.2], [0.4], [0.9]])
    np.testing.assert_allclose(loaded.feedforward(x), oracle.output(x), rtol=1e-12)


def test_chapter1_printed_lines_without_test_data(book_data, capsys):
    np.random.seed(0)
    network.Network([784, 10, 10]).SGD(book_data[0][:50], 2, 10, 3.0)
    assert capsys.readouterr().out == "Epoch 0 complete\nEpoch 1 complete\n"
    np.random.seed(0)
    network2.Network([784, 10, 10]).SGD(book_data[0][:50], 1, 10, 0.5, evaluation_data=book_data[1][:20],
                                        monitor_evaluation_cost=True)
    out = capsys.readouterr().out
    assert re.fullmatch(r"Epoch 0 training complete\nCost on evaluation data: [0-9.e+-]+\n\n", out)


def test_the_loops_order_hook_checks_its_length():
    model = nndl.Sequential([nndl.Dense(2, "sigmoid", input_dim=3)], seed=0)
    with pytest.raises(ValueError, match="order"):
        model.fit(np.zeros((4, 3)), np.zeros((4, 2)), epochs=1, batch_size=2, order=lambda n: [0, 1])
