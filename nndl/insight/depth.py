"""Why depth saves parameters (lecture 1): step functions from one and from two hidden layers.

* One hidden layer: a function with n steps, f(x) = c + Σᵢ hᵢ·H(x − sᵢ), needs a hidden
  perceptron per step — n hidden nodes, 3n + 1 parameters (:func:`staircase_net`).
* Depth: a *fold* layer of two ReLUs computes u = relu(x − c) + relu(c − x) = |x − c|; steps
  on u then appear twice in x, mirrored about c. One fold plus n step nodes gives a symmetric
  function with 2n steps from 4n + 5 parameters; each further fold (6 parameters) doubles the
  steps again: 2ᵏn steps from 4n + 6k − 1 parameters, where one hidden layer needs
  3·2ᵏn + 1 (:func:`folded_net`, :func:`parameter_table`).

The constructions use the perceptron step (exact; forward only). :func:`sample_curve` then
asks how many training samples 1-nearest-neighbour, an RBF SVM and the two architectures
(trained through the one loop) need to learn such a symmetric step function.
"""
from __future__ import annotations

import math

import numpy as np

from ..layers import Dense
from ..model import Sequential
from ..optim import Adam
from .handset import at_most, handset, n_params, output


def staircase_net(edges, heights, base: float = 0.0) -> Sequential:
    """One hidden layer: step node i fires for x > sᵢ and adds hᵢ (a jump of hᵢ at sᵢ)."""
    edges = np.asarray(edges, float)
    return handset([("step", np.ones((1, edges.size)), -edges),
                    ("linear", np.asarray(heights, float)[:, None], [base])])


def fold_centres(folds: int, lo: float = 0.0, hi: float = 1.0):
    """Centre of each fold: ½ of [lo, hi], then ¼ of the folded width, ..."""
    width = hi - lo
    return [lo + width / 2] + [width / 2 ** (k + 1) for k in range(1, folds)]


def folded_net(edges, heights, base: float = 0.0, folds: int = 1, lo: float = 0.0, hi: float = 1.0):
    """``folds`` fold layers (two ReLUs each, u → |u − cₖ|), then one step node per edge
    sᵢ ∈ (0, (hi − lo)/2ᵏ) on the folded coordinate: 2ᵏ·n steps in x."""
    if folds < 1:
        raise ValueError(f"need at least one fold, got {folds}")
    at_most("steps (2^folds · n)", 2 ** min(folds, 64) * len(edges), 4096)
    centres = fold_centres(folds, lo, hi)
    edges = np.asarray(edges, float)
    layers = [("relu", [[1.0, -1.0]], [-centres[0], centres[0]])]
    layers += [("relu", [[1.0, -1.0], [1.0, -1.0]], [-c, c]) for c in centres[1:]]
    layers += [("step", np.ones((2, edges.size)), -edges),  # u = r₁ + r₂ = |·|, then H(u − sᵢ)
               ("linear", np.asarray(heights, float)[:, None], [base])]
    return handset(layers)


def unfolded_edges(edges, folds: int = 1, lo: float = 0.0, hi: float = 1.0):
    """Where the folded net's steps fall in x: each fold mirrors the edges about its centre."""
    pts = np.asarray(edges, float)
    for c in reversed(fold_centres(folds, lo, hi)):
        pts = np.concatenate([c - pts[::-1], c + pts])
    return pts


def symmetric_target(n: int, folds: int = 1, lo: float = 0.0, hi: float = 1.0):
    """n evenly spaced edges on the folded coordinate, heights alternating +1, −1 (a 0/1
    label that flips at every one of the 2ᵏn steps in x)."""
    span = (hi - lo) / 2 ** folds
    edges = span * (np.arange(n) + 0.5) / n
    heights = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    base = 0.0 if n % 2 == 0 else 1.0  # the label is 0 at the ends of [lo, hi]
    return edges, heights * (1 if n % 2 == 0 else -1), base


def parameter_table(ns=(2, 4, 8, 16), folds=(1, 2, 3)) -> list[dict]:
    """Steps, hidden nodes and parameters: one hidden layer vs folded nets (counted from
    the constructed networks themselves)."""
    rows = []
    for n in ns:
        for k in folds:
            e, h, b = symmetric_target(n, k)
            deep = folded_net(e, h, b, k)
            steps = unfolded_edges(e, k)
            shallow = staircase_net(steps, np.ones(steps.size))
            rows.append({"n": n, "folds": k, "steps": int(steps.size),
                         "shallow_hidden": steps.size, "shallow_params": n_params(shallow),
                         "deep_hidden": 2 * k + n, "deep_params": n_params(deep)})
    return rows


def architectures(width: int = 64, deep_width: int = 12, seed: int = 0):
    """The two trained architectures, of equal parameter count by default (193 each): one
    hidden layer of ``width`` ReLUs, and two hidden layers of ``deep_width`` ReLUs (He init,
    sigmoid output, cross-entropy). The constructions' own minimal sizes rarely train."""
    shallow = Sequential([Dense(width, "relu", init="he", input_dim=1), Dense(1, "sigmoid")],
                         cost="cross_entropy", seed=seed)
    deep = Sequential([Dense(deep_width, "relu", init="he", input_dim=1), Dense(deep_width, "relu", init="he"),
                       Dense(1, "sigmoid")], cost="cross_entropy", seed=seed)
    return {"shallow net": shallow, "deep net": deep}


def sample_curve(sizes=(8, 16, 32, 64, 128, 256, 512), n: int = 3, draws: int = 5, steps: int = 6000,
                 lr: float = 0.01, svm_gamma: float = 200.0, svm_c: float = 100.0, seed: int = 0):
    """Test error (on 2,000 evenly spaced x ∈ [0, 1]) vs training-set size for the symmetric
    2n-step label: 1-NN, SVC(rbf, C, γ), and the two :func:`architectures` (inputs 2x − 1,
    Adam, about ``steps`` steps of batch 16, through the one loop). Mean over ``draws``
    training sets of uniform x (seeds seed, seed+1, ...). Returns sizes and {method: errors}."""
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.svm import SVC

    edges, heights, base = symmetric_target(n)
    label = folded_net(edges, heights, base)
    x_test = (np.arange(2000) + 0.5)[:, None] / 2000
    y_test = output(label, x_test)
    errors = {"1-NN": [], "RBF SVM": [], "shallow net": [], "deep net": []}
    for size in sizes:
        per = {k: [] for k in errors}
        for d in range(draws):
            x = np.random.default_rng(seed + d).random((size, 1))
            y = output(label, x)
            for name, clf in (("1-NN", KNeighborsClassifier(1)), ("RBF SVM", SVC(C=svm_c, gamma=svm_gamma))):
                fitted = clf.fit(x, y) if len(set(y)) > 1 else None
                pred = fitted.predict(x_test) if fitted else np.full(len(x_test), y[0])
                per[name].append(float(np.mean(pred != y_test)))
            for name, model in architectures(seed=seed + d).items():
                model.compile(optimizer=Adam(lr=lr))
                model.fit(2 * x - 1, y[:, None], epochs=math.ceil(steps / math.ceil(size / 16)), batch_size=16,
                          monitor_training=False)
                per[name].append(float(np.mean((output(model, 2 * x_test - 1) > 0.5) != y_test)))
        for k, v in per.items():
            errors[k].append(float(np.mean(v)))
    return {"sizes": list(sizes), "errors": errors, "steps_in_x": 2 * n}
