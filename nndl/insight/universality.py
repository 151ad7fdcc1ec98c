"""Chapter 4: a visual proof that one hidden layer can approximate any continuous function.

Building blocks, each a :class:`~nndl.Sequential` whose weights are set (:func:`handset`):

* a **step** at s: one sigmoid neuron σ(w(x − s)), i.e. weight w and bias b = −ws; as w grows
  it tends to the step H(x − s);
* a **bump** of height h on [s₁, s₂): two step neurons with output weights +h and −h,
  h·(σ(w(x − s₁)) − σ(w(x − s₂))) ≈ h·1[s₁ ≤ x < s₂];
* **N pairs** approximating f on [0, 1]: N adjacent bumps whose heights follow σ⁻¹∘f make
  the hidden layer's weighted output ≈ σ⁻¹(f(x)); an output sigmoid with bias 0 then gives
  ≈ f(x). The book's goal: f(x) = 0.2 + 0.4x² + 0.3x·sin(15x) + 0.05·cos(50x);
* the **fix for the failure windows** at the bumps' edges: M approximations of σ⁻¹∘f / M,
  each shifted by 1/(MN), summed — at any x at most one of them is in a window;
* a **tower** over a box in m dimensions: m bumps (one per coordinate) into an output
  neuron with bias (−m + ½)h, σ(h·Σbumps − (m − ½)h) ≈ 1 inside the box, ≈ 0 outside
  (m = 2: −3h/2). Towers over a grid, weighted by σ⁻¹∘f, approximate f of two variables.
"""
from __future__ import annotations

from itertools import pairwise

import numpy as np
from scipy.special import expit, logit

from ..layers import Dense
from ..model import Sequential
from ..optim import Adam
from .handset import at_most, handset, output

BOOK_N = (5, 10, 20, 50)


def goal(x):
    """The book's goal function, f(x) = 0.2 + 0.4x² + 0.3x·sin(15x) + 0.05·cos(50x)."""
    x = np.asarray(x, dtype=float)
    return 0.2 + 0.4 * x ** 2 + 0.3 * x * np.sin(15 * x) + 0.05 * np.cos(50 * x)


def goal2(x, y):
    """A goal function of two variables for the towers, with values in (0.1, 0.9)."""
    return 0.5 + 0.25 * np.sin(4 * np.asarray(x, float)) * np.cos(3 * np.asarray(y, float)) \
        + 0.15 * np.asarray(y, float)


def step_net(s: float, w: float = 1000.0) -> Sequential:
    """One sigmoid neuron with weight w and bias b = −ws: a = σ(w(x − s))."""
    return handset([("sigmoid", [[w]], [-w * s])])


def bump_net(s1: float, s2: float, h: float, w: float = 1000.0) -> Sequential:
    """Two step neurons at s₁ < s₂, output weights +h and −h into a linear output."""
    return handset([("sigmoid", [[w, w]], [-w * s1, -w * s2]), ("linear", [[h], [-h]], [0.0])])


def _bump_layers(bumps, w):
    """Hidden (W, b) and output weights for bumps [(s1, s2, h), ...] along input 0."""
    s = np.array([[a, b] for a, b, _ in bumps], dtype=float).ravel()
    v = np.array([[h, -h] for _, _, h in bumps], dtype=float).ravel()
    return w * np.ones((1, s.size)), -w * s, v[:, None]


def shifted_bumps(g, n: int, shifts: int = 1, w: float = 1000.0, lo: float = 0.0, hi: float = 1.0):
    """The bumps of ``shifts`` (M) staircase approximations of g on [lo, hi], each of height
    g/M: copy m has its edges at lo + (j − m/M)Δ, Δ = (hi − lo)/n, so copy 0 has n bumps and
    the others n + 1. Each bump's height is the mean of g over its part of [lo, hi]; the
    outermost edges sit 10/w outside [lo, hi], so the interval's ends are not windows."""
    if n < 1 or shifts < 1:
        raise ValueError(f"need at least one pair and one copy, got N={n}, M={shifts}")
    at_most("pairs in all (N·M)", n * shifts, 2000)
    delta, margin = (hi - lo) / n, 10.0 / w
    bumps = []
    for m in range(shifts):
        edges = lo + (np.arange(n + 2) - m / shifts) * delta
        edges = edges[(edges > lo) & (edges < hi)]
        edges = np.concatenate([[lo - margin], edges, [hi + margin]])
        for a, b in pairwise(edges):
            xs = np.linspace(max(a, lo), min(b, hi), 65)
            bumps.append((a, b, float(np.mean(g((xs[:-1] + xs[1:]) / 2))) / shifts))
    return bumps


def approximation_net(f=goal, n: int = 5, shifts: int = 1, w: float = 1000.0) -> Sequential:
    """N pairs (times M shifted copies) whose weighted output ≈ σ⁻¹∘f; output σ(·) ≈ f."""
    W, b, V = _bump_layers(shifted_bumps(lambda x: logit(f(x)), n, shifts, w), w)
    return handset([("sigmoid", W, b), ("sigmoid", V, [0.0])])


def deviation(model, f=goal, points: int = 10001) -> dict:
    """Mean and max |error| on a grid of [0, 1], in σ⁻¹ space (weighted output vs σ⁻¹∘f,
    the book's "average deviation") and in output space (σ(weighted output) vs f)."""
    x = np.linspace(0.0, 1.0, points)[:, None]
    z = output(model, x, weighted=True)
    e_inv, e_out = np.abs(z - logit(f(x[:, 0]))), np.abs(expit(z) - f(x[:, 0]))
    return {"mean_inv": float(e_inv.mean()), "max_inv": float(e_inv.max()),
            "mean_out": float(e_out.mean()), "max_out": float(e_out.max())}


def deviation_table(ns=BOOK_N, f=goal, w: float = 1000.0) -> list[dict]:
    """The N-pair approximation's deviation for each N (hidden neurons = 2N)."""
    return [{"N": n, "hidden": 2 * n, **deviation(approximation_net(f, n, 1, w), f)} for n in ns]


def failure_fix(n: int = 5, shifts=(1, 2, 4, 8), f=goal, w: float = 1000.0) -> list[dict]:
    """Max and mean error of M shifted approximations (σ⁻¹∘f / M each), for each M; for
    M = 1 also the max error inside the windows (|x − edge| < 5/w) and outside them."""
    rows = []
    for m in shifts:
        model = approximation_net(f, n, m, w)
        row = {"M": m, "hidden": model.layers[0].units, **deviation(model, f)}
        if m == 1:
            x = np.linspace(0.0, 1.0, 100001)
            err = np.abs(output(model, x[:, None]) - f(x))
            edges = np.arange(1, n) / n
            inside = (np.abs(x[:, None] - edges[None, :]) < 5.0 / w).any(axis=1)
            row["max_out_windows"], row["max_out_elsewhere"] = float(err[inside].max()), float(err[~inside].max())
        rows.append(row)
    return rows


def tower_net(lows, highs, h: float = 30.0, w: float = 1000.0) -> Sequential:
    """A tower over the box Π[lowᵢ, highᵢ) in m = len(lows) dimensions: one bump per
    coordinate (2m hidden neurons), output σ(h·Σᵢ bumpᵢ + (−m + ½)h)."""
    lows, highs = np.asarray(lows, float), np.asarray(highs, float)
    m = lows.size
    W = np.zeros((m, 2 * m))
    for i in range(m):
        W[i, 2 * i:2 * i + 2] = w
    b = -w * np.column_stack([lows, highs]).ravel()
    V = np.tile([h, -h], m)[:, None]
    return handset([("sigmoid", W, b), ("sigmoid", V, [(-m + 0.5) * h])])


def towers_net(f2=goal2, n: int = 10, h: float = 30.0, w: float = 1000.0) -> Sequential:
    """f(x, y) on [0, 1]² from n² towers: bumps in x and y (4n neurons), one tower neuron
    per cell (n², bias −3h/2), output weights σ⁻¹(f(cell centre)) and bias 0."""
    at_most("towers per axis", n, 60)
    edges = np.linspace(0.0, 1.0, n + 1)
    edges[0], edges[-1] = -10.0 / w, 1 + 10.0 / w
    W1 = np.zeros((2, 4 * n))
    b1 = np.zeros(4 * n)
    for axis in range(2):
        for k in range(n):
            cols = slice(axis * 2 * n + 2 * k, axis * 2 * n + 2 * k + 2)
            W1[axis, cols] = w
            b1[cols] = -w * edges[k:k + 2]
    W2 = np.zeros((4 * n, n * n))
    centres = (np.arange(n) + 0.5) / n
    V = np.zeros((n * n, 1))
    for i in range(n):          # x cell
        for j in range(n):      # y cell
            t = i * n + j
            W2[2 * i:2 * i + 2, t] = (h, -h)
            W2[2 * n + 2 * j:2 * n + 2 * j + 2, t] = (h, -h)
            V[t, 0] = logit(f2(centres[i], centres[j]))
    return handset([("sigmoid", W1, b1), ("sigmoid", W2, np.full(n * n, -1.5 * h)), ("sigmoid", V, [0.0])])


def train_goal(hidden: int = 10, samples: int = 1000, epochs: int = 1000, lr: float = 0.01,
               batch_size: int = 20, seed: int = 0, f=goal):
    """The same f learned instead of set: a [1, hidden, 1] sigmoid net trained on ``samples``
    uniform x ∈ [0, 1] with cross-entropy (soft targets f(x)) and Adam, through the one loop.
    Returns (model, history)."""
    at_most("hidden neurons", hidden, 10_000)
    rng = np.random.default_rng(seed)
    x = rng.random((samples, 1))
    model = Sequential([Dense(hidden, "sigmoid", init="large", input_dim=1), Dense(1, "sigmoid")],
                       cost="cross_entropy", dtype="float64", seed=seed)
    model.compile(optimizer=Adam(lr=lr))
    history = model.fit(x, f(x), epochs=epochs, batch_size=batch_size)
    return model, history
