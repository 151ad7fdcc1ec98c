"""The book's chapter 1 baselines, to know what "good" means before training a network.

* :func:`average_darkness` — how dark is each digit on average? Classify an image as the
  digit whose average darkness is nearest to its own. The book: 22.25% on the test set
  (random guessing: 10%).
* :func:`svm` — scikit-learn's support vector classifier (RBF kernel) with default
  settings. The book: 94.35% with the defaults of its day, when ``gamma`` defaulted to
  1/n_features (``gamma="auto"`` today); scikit-learn's current default ``gamma="scale"``
  does better (97.85% measured here).

Both train on a training split and score another split of the same data::

    from nndl.data import load_mnist
    from nndl.app.baselines import average_darkness
    train, validation, test = load_mnist()
    average_darkness(train, test)["accuracy"]      # 0.2225
"""
from __future__ import annotations

import time

import numpy as np


class DarknessClassifier:
    """Nearest average darkness (total pixel intensity) per digit (the book's
    ``mnist_average_darkness.py``)."""

    def fit(self, X, y):
        X = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        darkness = X.sum(axis=1)
        self.avgs_ = np.array([darkness[y == c].mean() for c in self.classes_])
        return self

    def predict(self, X):
        d = np.asarray(X, dtype=np.float64).reshape(len(X), -1).sum(axis=1)
        return self.classes_[np.abs(d[:, None] - self.avgs_[None, :]).argmin(axis=1)]


def _score(clf, train, test, started):
    fit_done = time.perf_counter()
    pred = clf.predict(test.X)
    correct = int((pred == np.asarray(test.y)).sum())
    return {"accuracy": correct / len(test.y), "correct": correct, "n": int(len(test.y)),
            "fit_seconds": fit_done - started, "predict_seconds": time.perf_counter() - fit_done,
            "predictions": pred}


def average_darkness(train, test) -> dict:
    """Fit on ``train`` (a Split), score on ``test``: {'accuracy', 'correct', 'n', ...}."""
    t = time.perf_counter()
    clf = DarknessClassifier().fit(train.X, train.y)
    return _score(clf, train, test, t)


def svm(train, test, gamma="auto", C: float = 1.0) -> dict:
    """scikit-learn's ``SVC(C, gamma)`` fitted on ``train``, scored on ``test``. This takes
    minutes on the full 50,000 images (the SVM is cubic-ish in the number of examples)."""
    from sklearn.svm import SVC

    if gamma not in ("auto", "scale"):
        gamma = float(gamma)
        if not gamma > 0:
            raise ValueError(f"gamma must be 'auto', 'scale' or a positive number, got {gamma}")
    if not float(C) > 0:
        raise ValueError(f"C must be positive, got {C}")
    t = time.perf_counter()
    clf = SVC(C=float(C), gamma=gamma).fit(np.asarray(train.X, dtype=np.float64), np.asarray(train.y))
    return _score(clf, train, test, t)


BASELINES = {"darkness": average_darkness, "svm": svm}

__all__ = ["average_darkness", "svm", "DarknessClassifier", "BASELINES"]
