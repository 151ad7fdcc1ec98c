"""Chapter 4's figures with their numbers: each function builds the construction, measures
it, writes one PNG into ``out`` and returns the numbers (the CLI prints them)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.special import expit, logit

from ..viz.insight import plot_maps, plot_panels
from . import universality as u
from .handset import output

X = np.linspace(0.0, 1.0, 2001)


def step(out, s: float = 0.4, w=(5, 20, 100, 1000)) -> dict:
    """σ(w(x − s)) for growing w; the largest gap to the step H(x − s) beyond 0.01 of s."""
    curves, rows = {}, []
    for wi in w:
        a = output(u.step_net(s, wi), X[:, None])
        curves[f"w = {wi:g}"] = a
        far = np.abs(X - s) >= 0.01
        rows.append({"w": wi, "b": -wi * s, "max_gap_beyond_0.01": float(np.abs(a - (X > s))[far].max())})
    path = Path(out) / "ch4_step.png"
    plot_panels([{"x": X, "curves": curves, "title": f"a = σ(wx + b), b = −ws, s = {s}", "ylabel": "output"}],
                path=path)
    return {"figure": str(path), "rows": rows}


def bump(out, s1: float = 0.4, s2: float = 0.6, h: float = 0.8, w: float = 1000.0) -> dict:
    """A bump of height h on [s₁, s₂) and the largest gap to h·1[s₁ ≤ x < s₂] away from edges."""
    a = output(u.bump_net(s1, s2, h, w), X[:, None])
    exact = h * ((X >= s1) & (X < s2))
    far = (np.abs(X - s1) >= 0.01) & (np.abs(X - s2) >= 0.01)
    path = Path(out) / "ch4_bump.png"
    plot_panels([{"x": X, "curves": {"network": a, "h·1[s₁ ≤ x < s₂]": exact}, "styles": {"h·1[s₁ ≤ x < s₂]": "--"},
                  "title": f"weighted output: s₁ = {s1}, s₂ = {s2}, h = {h}, w = {w:g}", "ylabel": "weighted output"}],
                path=path)
    return {"figure": str(path), "max_gap": float(np.abs(a - exact)[far].max()), "s1": s1, "s2": s2, "h": h, "w": w}


def approximate(out, n=u.BOOK_N, w: float = 1000.0) -> dict:
    """The deviation table and σ⁻¹∘f / f against the networks for the smallest and largest N."""
    rows = u.deviation_table(n, w=w)
    g = logit(u.goal(X))
    inv, outp = {"σ⁻¹∘f": g}, {"f": u.goal(X)}
    for pairs in (n[0], n[-1]):
        z = output(u.approximation_net(u.goal, pairs, 1, w), X[:, None], weighted=True)
        inv[f"N = {pairs}"], outp[f"N = {pairs}"] = z, expit(z)
    path = Path(out) / "ch4_approximate.png"
    plot_panels([{"x": X, "curves": inv, "title": "hidden layer's weighted output vs σ⁻¹∘f"},
                 {"x": X, "curves": outp, "title": "network output vs f"}], path=path)
    return {"figure": str(path), "rows": rows}


def windows(out, n: int = 5, m=(1, 2, 4, 8), w: float = 100.0) -> dict:
    """Max error with M shifted approximations (σ⁻¹∘f / M each), and the error curves. The
    default w = 100 makes the windows (|x − edge| < 5/w) wide enough to see."""
    rows = u.failure_fix(n, m, w=w)
    curves = {f"M = {k}": np.abs(output(u.approximation_net(u.goal, n, k, w), X[:, None]) - u.goal(X))
              for k in m}
    path = Path(out) / "ch4_windows.png"
    plot_panels([{"x": X, "curves": curves, "title": f"|output − f|, N = {n} pairs per copy, w = {w:g}",
                  "ylabel": "error"}], path=path)
    return {"figure": str(path), "rows": rows}


def towers(out, n: int = 10, h: float = 30.0, w: float = 1000.0, resolution: int = 200) -> dict:
    """One tower on [0.3, 0.6) × [0.4, 0.8), the m-dimensional rule, and f(x, y) from n² towers."""
    t = (np.arange(resolution) + 0.5) / resolution
    xx, yy = np.meshgrid(t, t)
    pts = np.column_stack([xx.ravel(), yy.ravel()])
    one = output(u.tower_net([0.3, 0.4], [0.6, 0.8], h, w), pts).reshape(resolution, resolution)
    inside = (xx >= 0.3) & (xx < 0.6) & (yy >= 0.4) & (yy < 0.8)
    far = np.minimum.reduce([np.abs(xx - 0.3), np.abs(xx - 0.6), np.abs(yy - 0.4), np.abs(yy - 0.8)]) >= 0.01
    approx = output(u.towers_net(u.goal2, n, h, w), pts).reshape(resolution, resolution)
    goal = u.goal2(xx, yy)
    cube = np.random.default_rng(0).random((20000, 3))
    lo, hi = np.array([0.2, 0.3, 0.4]), np.array([0.7, 0.6, 0.9])
    box = ((cube >= lo) & (cube < hi)).all(axis=1)
    near = (np.minimum(np.abs(cube - lo), np.abs(cube - hi)) < 0.01).any(axis=1)
    path = Path(out) / "ch4_towers.png"
    plot_maps([("one tower, output bias −3h/2", one), ("goal f(x, y)", goal), (f"{n}×{n} towers", approx)],
              path=path)
    return {"figure": str(path), "tower_max_gap": float(np.abs(one - inside)[far].max()),
            "tower3d_max_gap": float(np.abs(output(u.tower_net(lo, hi, h, w), cube) - box)[~near].max()),
            "towers_mean_error": float(np.abs(approx - goal).mean()),
            "towers_max_error": float(np.abs(approx - goal).max()), "n": n, "h": h, "w": w}


def learn(out, neurons: int = 10, epochs: int = 1000, samples: int = 1000, seed: int = 0, eta: float = 0.01) -> dict:
    """The goal function learned by a [1, hidden, 1] net, beside the N = hidden/2 construction."""
    hidden = neurons
    model, history = u.train_goal(hidden, samples, epochs, eta, seed=seed)
    built = u.approximation_net(u.goal, max(1, hidden // 2))
    trained_dev, built_dev = u.deviation(model), u.deviation(built)
    path = Path(out) / "ch4_learn.png"
    plot_panels([{"x": X, "curves": {"f": u.goal(X), f"constructed ({hidden // 2} pairs)": output(built, X[:, None]),
                                      f"trained ({hidden} hidden)": output(model, X[:, None])},
                  "title": "the same f: set by hand vs learned"},
                 {"x": history["epoch"], "curves": {"training cost": history["cost"]}, "xlabel": "epoch",
                  "ylabel": "cross-entropy", "logy": True, "title": "learning it through the loop"}], path=path)
    return {"figure": str(path), "trained": trained_dev, "constructed": built_dev, "hidden": hidden,
            "epochs": epochs, "samples": samples, "seed": seed}
