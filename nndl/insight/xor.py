"""XOR with one hidden layer (lecture 1): no single perceptron computes it, two hidden units do.

* :func:`xor_handset` — the exact solution with two ReLU units:
  h₁ = relu(x₁ + x₂), h₂ = relu(x₁ + x₂ − 1), y = h₁ − 2h₂ (0, 1, 1, 0 exactly).
* :func:`xor_success` — the same architecture trained from random starts: for sigmoid and
  ReLU hidden units, 2 or 3 of them, how many seeds end with all four outputs on the right
  side of ½. Each run goes through the one training loop.
"""
from __future__ import annotations

import numpy as np

from ..layers import Dense
from ..model import Sequential
from ..optim import SGD
from .handset import handset, output
from .perceptron import GATES, INPUTS

XOR = np.array(GATES["XOR"], dtype=float)
REPEATS = 25  # the four points repeated, so one loop epoch is 25 mini-batches of four


def xor_handset() -> Sequential:
    """h = relu(x·[[1, 1], [1, 1]] + [0, −1]), y = h·[1, −2]ᵀ."""
    return handset([("relu", [[1, 1], [1, 1]], [0, -1]), ("linear", [[1], [-2]], [0])])


def train_xor(activation: str = "sigmoid", hidden: int = 2, seed: int = 0, epochs: int = 100,
              lr: float = 2.0):
    """A [2, hidden, 1] net (sigmoid output, cross-entropy, the book's N(0, 1/n_in) weights
    and N(0, 1) biases) trained by SGD on the four XOR points. Returns (model, success)."""
    model = Sequential([Dense(hidden, activation, input_dim=2), Dense(1, "sigmoid")],
                       cost="cross_entropy", dtype="float64", seed=seed)
    model.compile(optimizer=SGD(lr=lr))
    X, y = np.tile(INPUTS, (REPEATS, 1)), np.tile(XOR, REPEATS)[:, None]
    model.fit(X, y, epochs=epochs, batch_size=4, monitor_training=False)
    a = output(model, INPUTS)
    return model, bool(((a > 0.5) == (XOR > 0.5)).all())


def xor_success(seeds=range(100), activations=("sigmoid", "relu"), hiddens=(2, 3), **train) -> list[dict]:
    """Success rate over seeds for each (activation, hidden units)."""
    rows = []
    for act in activations:
        for h in hiddens:
            ok = [train_xor(act, h, s, **train)[1] for s in seeds]
            rows.append({"activation": act, "hidden": h, "runs": len(ok), "successes": int(sum(ok)),
                         "rate": sum(ok) / len(ok)})
    return rows
