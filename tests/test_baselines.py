"""The chapter 1 baselines."""
from __future__ import annotations

import numpy as np
import pytest

from nndl.app.baselines import DarknessClassifier, average_darkness, svm
from nndl.data import Split, first_n


def test_darkness_classifier_on_toy_data():
    X = np.array([[0.1, 0.0], [0.0, 0.1], [0.9, 0.9], [1.0, 0.8]])
    y = np.array([3, 3, 7, 7])
    clf = DarknessClassifier().fit(X, y)
    assert list(clf.predict(np.array([[0.05, 0.1], [0.8, 1.0]]))) == [3, 7]


def test_average_darkness_is_the_books_22_25_percent(mnist):
    from nndl.data import load_mnist

    data = load_mnist(scale="book", download=False)
    r = average_darkness(data.train, data.test)
    assert r["correct"] == 2225 and r["n"] == 10000


def test_svm_on_a_subset(mnist):
    r = svm(first_n(mnist.train, 500), first_n(mnist.test, 500))
    # libsvm is deterministic: 346 of the first 500 test digits (69.2%) from the first 500
    # training digits (gamma=1/784, C=1)
    assert (r["correct"], r["n"]) == (346, 500) and r["accuracy"] == 0.692
    with pytest.raises(ValueError):
        svm(Split(np.zeros((2, 2)), np.array([0, 1])), Split(np.zeros((1, 2)), np.array([0])), gamma=-1)
