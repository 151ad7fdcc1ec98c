"""Linear regions of ReLU networks (Montúfar et al. 2014; lecture 1).

A ReLU network is piecewise linear: on each set of inputs where the same hidden units are
active (one *activation pattern*) it is one affine map, and that set is convex (given the
pattern, every pre-activation is affine in x, so the set is cut out by linear
inequalities). Counting the distinct patterns on a fine grid therefore counts the linear
regions that the grid sees.

* One hidden layer of k units on a 2-D input is an arrangement of k lines: at most
  1 + k + k(k − 1)/2 regions (:func:`shallow_bound`).
* Depth multiplies: each layer of Montúfar's construction (:func:`montufar_net`) folds the
  unit square onto itself p² times (a sawtooth of p ReLUs per coordinate), so L layers of
  width 2p give p^(2L) regions — exponential in depth for parameters linear in depth.
* Random networks (:func:`random_net`) of equal parameter count, measured as they come.
"""
from __future__ import annotations

import numpy as np

from ..layers import Dense
from ..model import Sequential
from .handset import at_most, handset, hidden_patterns, n_params


def shallow_bound(k: int) -> int:
    """Regions of k lines in general position in the plane: 1 + k + C(k, 2)."""
    return 1 + k + k * (k - 1) // 2


def mlp_params(depth: int, width: int, input_dim: int = 2) -> int:
    """Parameters of input → depth × Dense(width) → Dense(1)."""
    return (input_dim + 1) * width + (depth - 1) * (width + 1) * width + width + 1


def width_for(depth: int, budget: int, input_dim: int = 2) -> int:
    """The widest net of this depth with at most ``budget`` parameters."""
    w = 1
    while mlp_params(depth, w + 1, input_dim) <= budget:
        w += 1
    return w


def random_net(depth: int, width: int, seed: int = 0, init: str = "default") -> Sequential:
    """depth ReLU layers of ``width`` on a 2-D input, the engine's initialiser (the book's
    ``default``: N(0, 1/n_in) weights, N(0, 1) biases), and one linear output."""
    layers = [Dense(width, "relu", init=init, input_dim=2)]
    layers += [Dense(width, "relu", init=init) for _ in range(depth - 1)] + [Dense(1, "linear")]
    return Sequential(layers, dtype="float64", seed=seed)


def montufar_net(depth: int, p: int = 3, lines: int = 0) -> Sequential:
    """Montúfar's construction on [0, 1]²: every layer has p units per coordinate,
    rⱼ = relu(g − j/p), j = 0..p−1, where g is the previous layer's sawtooth
    g = p·(r₀ − 2r₁ + 2r₂ − …) (the input itself for layer 1). Each layer folds [0, 1] onto
    itself p times per coordinate: p^(2·depth) regions.

    With ``lines`` = k > 0 the last hidden layer is instead k lines in general position in
    the folded square (tangent to a circle of radius 0.08 about its centre, so every crossing
    lies inside it): p^(2·(depth − 1)) · (1 + k + k(k − 1)/2) regions."""
    at_most("p (regions per axis grow as p^depth)", p, 4)
    folds = depth - 1 if lines else depth
    saw = p * np.array([1.0] + [2.0 * (-1) ** j for j in range(1, p)])
    bias = np.tile(-np.arange(p) / p, 2)
    reads = np.eye(2)                                   # how a layer reads (g_x, g_y): the input itself
    layers = []
    for _ in range(folds):
        W = np.zeros((reads.shape[0], 2 * p))
        W[:, :p], W[:, p:] = reads[:, :1], reads[:, 1:]  # every unit of an axis reads that axis's g
        layers.append(("relu", W, bias))
        reads = np.zeros((2 * p, 2))
        reads[:p, 0] = reads[p:, 1] = saw                # g_axis = saw · r_axis
    if lines:
        angles = np.pi * np.arange(lines) / lines + 0.1
        normals = np.vstack([np.cos(angles), np.sin(angles)])
        layers.append(("relu", reads @ normals, -(0.08 + normals.T @ [0.5, 0.5])))  # n·(g − c) = 0.08
        layers.append(("linear", np.ones((lines, 1)), [0.0]))
    else:
        layers.append(("linear", reads @ np.ones((2, 1)), [0.0]))
    return handset(layers)


def grid(lo: float, hi: float, resolution: int) -> np.ndarray:
    """Cell centres of a resolution × resolution grid on [lo, hi]² (rows: points)."""
    t = lo + (np.arange(resolution) + 0.5) * (hi - lo) / resolution
    xx, yy = np.meshgrid(t, t)
    return np.column_stack([xx.ravel(), yy.ravel()])


def region_map(model, lo: float = -2.0, hi: float = 2.0, resolution: int = 1000, chunk: int = 50_000):
    """(number of distinct activation patterns, resolution × resolution map of region ids)."""
    at_most("grid resolution", resolution, 4000)
    points = grid(lo, hi, resolution)
    chunk = max(1000, min(chunk, 20_000_000 // sum(layer.units for layer in model.layers)))  # ~160 MB of z
    keys = []
    for i in range(0, len(points), chunk):
        packed = np.packbits(hidden_patterns(model, points[i:i + chunk]), axis=1)
        keys.append(np.ascontiguousarray(packed).view(np.dtype((np.void, packed.shape[1])))[:, 0])
    _, ids = np.unique(np.concatenate(keys), return_inverse=True)
    return int(ids.max()) + 1, ids.reshape(resolution, resolution)


def regions_by_depth(budget: int = 200, depths=(1, 2, 3, 4), seeds=range(5), lo: float = -2.0,
                     hi: float = 2.0, resolution: int = 1000) -> list[dict]:
    """Random ReLU nets of about ``budget`` parameters and depth 1–4: regions on the grid
    (mean, min, max over seeds), beside the shallow net's bound."""
    at_most("parameter budget", budget, 20_000)
    rows = []
    for d in depths:
        w = width_for(d, budget)
        counts = [region_map(random_net(d, w, s), lo, hi, resolution)[0] for s in seeds]
        rows.append({"depth": d, "width": w, "params": mlp_params(d, w), "neurons": d * w,
                     "mean": float(np.mean(counts)), "min": min(counts), "max": max(counts)})
    return rows


def montufar_table(depths=(1, 2, 3, 4), p: int = 3, resolution: int = 810, lines: int = 0) -> list[dict]:
    """The construction's regions on [0, 1]² by depth, against one hidden layer of equal
    parameter count (k = (params − 1) // 4 units) and its arrangement bound."""
    rows = []
    for d in depths:
        model = montufar_net(d, p, lines)
        params = n_params(model)
        k = (params - 1) // 4
        formula = p ** (2 * (d - 1)) * shallow_bound(lines) if lines else p ** (2 * d)
        rows.append({"depth": d, "width": 2 * p, "lines": lines, "params": params,
                     "regions": region_map(model, 0.0, 1.0, resolution)[0], "formula": formula,
                     "shallow_units": k, "shallow_bound": shallow_bound(k)})
    return rows
