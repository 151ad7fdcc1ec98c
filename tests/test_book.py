"""The book's listings, unchanged but for the import, on real MNIST subsets."""
import random

import numpy as np
import pytest

import nndl
from nndl.book import mnist_loader, network, network2


@pytest.fixture(scope="module")
def book_data(mnist):
    return mnist_loader.load_data_wrapper()


def test_load_data_is_the_books_format(mnist):
    tr, va, te = mnist_loader.load_data()
    assert tr[0].shape == (50000, 784) and va[0].shape == (10000, 784) and te[0].shape == (10000, 784)
    assert tr[0].dtype == np.float32 and tr[1].dtype == np.int64
    assert tr[0].max() == np.float32(255 / 256)  # the book's uint8/256 values
    np.testing.assert_array_equal(tr[1], mnist.train.y)


def test_load_data_wrapper_shapes(book_data):
    training_data, validation_data, test_data = book_data
    assert len(training_data) == 50000 and len(validation_data) == 10000 and len(test_data) == 10000
    x, y = training_data[0]
    assert x.shape == (784, 1) and y.shape == (10, 1) and y.sum() == 1
    assert x.dtype == np.float32 and y.dtype == np.float64  # the book's types
    x, label = test_data[0]
    assert x.shape == (784, 1) and int(label) == 7


def test_chapter1_listing(book_data, capsys):
    training_data, validation_data, test_data = book_data
    np.random.seed(1)
    random.seed(1)
    net = network.Network([784, 30, 10])
    assert net.weights[0].shape == (30, 784) and net.biases[1].shape == (10, 1)
    net.SGD(training_data[:10000], 2, 10, 3.0, test_data=test_data[:2000])
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Epoch 0: ") and out[1].endswith(" / 2000")
    assert net.evaluate(test_data[:2000]) / 2000 > 0.80
    # random.seed and np.random.seed fix the run, as in the book
    np.random.seed(1)
    random.seed(1)
    again = network.Network([784, 30, 10])
    again.SGD(training_data[:10000], 2, 10, 3.0)
    np.testing.assert_array_equal(again.weights[0], net.weights[0])


def test_weights_are_views_of_the_engine(book_data):
    net = network.Network([784, 30, 10], seed=0)
    net.weights[1][0, 0] = 123.0
    assert net.model.layers[1].W.value[0, 0] == 123.0
    net.biases = [np.zeros((30, 1)), np.ones((10, 1))]
    assert (net.model.layers[1].b.value == 1).all()


def test_backprop_matches_finite_differences():
    net = network.Network([4, 3, 2], seed=1)
    x, y = np.array([[0.1], [0.5], [-0.3], [0.8]]), np.array([[1.0], [0.0]])
    nabla_b, nabla_w = net.backprop(x, y)
    assert nabla_w[0].shape == (3, 4) and nabla_b[1].shape == (2, 1)
    W = net.model.layers[0].W.value  # float32 engine; step large enough for float32
    eps = 1e-2

    def cost():
        a = net.feedforward(x)
        return 0.5 * float(((a - y) ** 2).sum())

    W[1, 2] += eps
    cp = cost()
    W[1, 2] -= 2 * eps
    cm = cost()
    W[1, 2] += eps
    assert nabla_w[0][2, 1] == pytest.approx((cp - cm) / (2 * eps), rel=2e-2)


def test_chapter3_listing_and_json_round_trip(book_data, tmp_path, capsys):
    training_data, validation_data, test_data = book_data
    net = network2.Network([784, 30, 10], cost=network2.CrossEntropyCost, seed=3)
    net.large_weight_initializer()
    evaluation_cost, evaluation_accuracy, training_cost, training_accuracy = net.SGD(
        training_data[:5000], 2, 10, 0.5, lmbda=5.0, evaluation_data=validation_data[:1000],
        monitor_evaluation_accuracy=True, monitor_training_cost=True)
    assert evaluation_cost == [] and training_accuracy == []
    assert len(evaluation_accuracy) == 2 and all(isinstance(a, int) for a in evaluation_accuracy)
    assert evaluation_accuracy[-1] > 700 and training_cost[1] < training_cost[0]
    out = capsys.readouterr().out
    assert "Epoch 0 training complete" in out and "Accuracy on evaluation data: " in out
    net.save(tmp_path / "net.json")
    loaded = network2.load(tmp_path / "net.json")
    assert loaded.accuracy(test_data[:500]) == net.accuracy(test_data[:500])
    model = nndl.load_model(tmp_path / "net.json")  # the engine reads the book's JSON too
    assert model.cost.name == "cross_entropy"


def test_network2_early_stopping(book_data, capsys):
    training_data, validation_data, _ = book_data
    net = network2.Network([784, 10, 10], seed=0)
    ec, ea, tc, ta = net.SGD(training_data[:200], 60, 10, 1e-7, evaluation_data=validation_data[:100],
                             monitor_evaluation_accuracy=True, early_stopping_n=3)
    assert len(ea) == 4
    assert "Early-stopping: No accuracy change in last epochs: 3" in capsys.readouterr().out


def test_book_cost_classes_keep_their_interface():
    a = np.array([[0.8], [0.1]])
    y = np.array([[1.0], [0.0]])
    assert network2.QuadraticCost.fn(a, y) == pytest.approx(0.5 * (0.04 + 0.01))
    ce = -(np.log(0.8) + np.log(0.9))
    assert network2.CrossEntropyCost.fn(a, y) == pytest.approx(ce)
    np.testing.assert_allclose(network2.CrossEntropyCost.delta(None, a, y), a - y)


def test_damaged_book_json(tmp_path):
    (tmp_path / "bad.json").write_text('{"sizes": [3, 2], "weights": [[[1, 2]]], "biases": [], '
                                       '"cost": "CrossEntropyCost"}')
    with pytest.raises(nndl.ModelFileError, match="inconsistent"):
        network2.load(tmp_path / "bad.json")
