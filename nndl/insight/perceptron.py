"""Perceptrons (chapter 1, lecture 1): step neurons, NAND circuits and the learning rule.

A perceptron outputs 1 if w·x + b > 0, else 0 — a Dense layer with the ``step``
activation. NAND (w = (−2, −2), b = 3) is universal for computation, so circuits of NAND
perceptrons compute anything; :func:`half_adder` is the book's adder of two bits.

The perceptron rule w → w + η(y − a)x, b → b + η(y − a) is learned through the one
training loop: the ``perceptron`` cost's δᴸ = a − y, SGD with η = 1, mini-batches of one
example in a fixed order. The state (w, b) after an epoch then determines every later
epoch, so a state seen twice is a cycle that repeats forever: if no epoch of the cycle
classifies all four examples, the perceptron provably never learns the gate (XOR).
"""
from __future__ import annotations

import numpy as np

from ..layers import Dense
from ..model import Sequential
from ..optim import SGD
from ..train import Callback
from .handset import handset, output

INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
GATES = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "NAND": [1, 1, 1, 0], "XOR": [0, 1, 1, 0]}


def nand_gate() -> Sequential:
    """The book's NAND perceptron: weights −2, −2 and bias 3."""
    return handset([("step", [[-2.0], [-2.0]], [3.0])])


def half_adder() -> Sequential:
    """x₁ ⊕ x₂ (sum bit) and x₁x₂ (carry bit) from five NAND gates, as the book draws it.

    Layer 1: n = NAND(x₁, x₂), with x₁ and x₂ passed on (step(x − ½) = x for bits);
    layer 2: NAND(x₁, n), NAND(x₂, n), and n passed on;
    layer 3: sum = NAND of the two, carry = NAND(n, n)."""
    return handset([
        ("step", [[1, 0, -2], [0, 1, -2]], [-0.5, -0.5, 3]),
        ("step", [[-2, 0, 0], [0, -2, 0], [-2, -2, 1]], [3, 3, -0.5]),
        ("step", [[-2, 0], [-2, 0], [0, -4]], [3, 3]),
    ])


class PerceptronWatch(Callback):
    """Records (w, b) and the number classified correctly after every epoch; stops the loop
    when all are correct (converged) or, with ``stop_on_cycle``, when a state comes back.

    Checking at epoch ends suffices: if some weights within an epoch classified all four
    examples, the rest of that epoch would change nothing and the epoch would end correct."""

    def __init__(self, X, y, stop_on_cycle: bool = True):
        self.X, self.y, self.stop_on_cycle = X, np.asarray(y, dtype=float), stop_on_cycle
        self.states, self.correct = [], []
        self.cycle = None  # (first epoch of the cycle, its length in epochs)

    def on_epoch_end(self, epoch, logs):
        w = self.model.get_weights()
        state = tuple(np.concatenate([w["0.W"].ravel(), w["0.b"].ravel()]).tolist())
        self.correct.append(int((output(self.model, self.X) == self.y).sum()))
        if self.correct[-1] == len(self.y):
            self.model.stop_training = True
        elif self.cycle is None and state in self.states:
            first = self.states.index(state)
            self.cycle = (first + 1, len(self.states) - first)
            self.model.stop_training = self.stop_on_cycle
        self.states.append(state)


def learn_gate(gate: str, max_epochs: int = 100, lr: float = 1.0, stop_on_cycle: bool = True) -> dict:
    """Train one perceptron (zero start) on a gate's truth table with the perceptron rule.

    Returns the gate, whether it converged, the epochs run, the number correct after each
    epoch, the final (w, b) and the cycle (first epoch, period) if one was found."""
    key = gate.upper()
    if key not in GATES:
        raise ValueError(f"unknown gate {gate!r}: choose one of {', '.join(GATES)}")
    y = np.array(GATES[key], dtype=float)
    model = Sequential([Dense(1, "step", input_dim=2)], cost="perceptron", dtype="float64")
    model.set_weights({"0.W": np.zeros((2, 1)), "0.b": np.zeros(1)})
    model.compile(optimizer=SGD(lr=lr))
    watch = PerceptronWatch(INPUTS, y, stop_on_cycle)
    model.fit(INPUTS, y[:, None], epochs=max_epochs, batch_size=1, shuffle=False,
              monitor_training=False, callbacks=[watch])
    return {"gate": key, "converged": watch.correct[-1] == 4, "epochs": len(watch.correct),
            "correct": watch.correct, "weights": list(watch.states[-1]), "cycle": watch.cycle}
