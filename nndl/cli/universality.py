"""``nndl universality step|bump|approximate|windows|towers|learn|all``: chapter 4's
constructions as real networks with set weights, each drawn and measured."""
from __future__ import annotations

from ._insight import add_group, positive, positive_list, run_group


def _step(p):
    p.add_argument("--s", type=float, default=0.4, help="where the step is (default: 0.4)")
    p.add_argument("--w", type=positive_list(float), default=(5, 20, 100, 1000), metavar="W,...",
                   help="weights to draw (default: 5,20,100,1000)")


def _bump(p):
    p.add_argument("--s1", type=float, default=0.4, help="left edge (default: 0.4)")
    p.add_argument("--s2", type=float, default=0.6, help="right edge (default: 0.6)")
    p.add_argument("--h", type=float, default=0.8, help="height (default: 0.8)")
    _w(p)


def _w(p):
    p.add_argument("--w", type=positive(float), default=1000.0, help="step weight w (default: 1000)")


def _approximate(p):
    p.add_argument("--n", type=positive_list(int), default=(5, 10, 20, 50), metavar="N,...",
                   help="numbers of hidden pairs (default: 5,10,20,50)")
    _w(p)


def _windows(p):
    p.add_argument("--n", type=positive(int), default=5, help="pairs per approximation (default: 5)")
    p.add_argument("--m", type=positive_list(int), default=(1, 2, 4, 8), metavar="M,...",
                   help="numbers of shifted approximations (default: 1,2,4,8)")
    _w(p)


def _towers(p):
    p.add_argument("--n", type=positive(int), default=10, help="towers per axis (default: 10)")
    p.add_argument("--h", type=positive(float), default=30.0, help="tower height h (default: 30)")
    _w(p)


def _learn(p):
    p.add_argument("--hidden", type=positive(int), default=10, help="hidden sigmoid neurons (default: 10)")
    p.add_argument("--epochs", type=positive(int), default=1000, help="epochs (default: 1000)")
    p.add_argument("--samples", type=positive(int), default=1000, help="training points (default: 1000)")
    p.add_argument("--lr", type=positive(float), default=0.01, help="Adam learning rate (default: 0.01)")
    p.add_argument("--seed", type=int, default=0, help="seed for samples and weights (default: 0)")


SUBCOMMANDS = {
    "step": ("a step from one sigmoid neuron, b = -ws, sharpening as w grows", _step),
    "bump": ("a bump of height h from two step neurons (output weights +h, -h)", _bump),
    "approximate": ("the book's f from N pairs: weighted output = inverse sigmoid of f; deviation table", _approximate),
    "windows": ("the failure-window fix: M shifted approximations of f/M; max error before/after", _windows),
    "towers": ("a tower in 2-D (output bias -3h/2), the m-dimensional rule, f(x, y) from n*n towers", _towers),
    "learn": ("the same f learned by a one-hidden-layer net through the training loop", _learn),
}


def add_parser(subparsers):
    return add_group(subparsers, "universality", "chapter 4: steps, bumps, towers and the approximation of any f",
                     "Chapter 4's visual proof of universality, built from sigmoid neurons with set weights: "
                     "each WHAT writes one PNG into --out and prints what it measured.", SUBCOMMANDS)


def _dev(r):
    return (f"{r['mean_inv']:.3f} / {r['max_inv']:.3f} in σ⁻¹ space, "
            f"{r['mean_out']:.4f} / {r['max_out']:.4f} in output space")


PRINTERS = {
    "step": lambda r: [f"w = {x['w']:g} (b = {x['b']:g}): max |σ(w(x−s)) − H(x−s)| for |x − s| ≥ 0.01: "
                       f"{x['max_gap_beyond_0.01']:.2e}" for x in r["rows"]],
    "bump": lambda r: [f"bump h = {r['h']:g} on [{r['s1']:g}, {r['s2']:g}), w = {r['w']:g}: "
                       f"max gap to h·1[s₁ ≤ x < s₂] at ≥ 0.01 from the edges: {r['max_gap']:.2e}"],
    "approximate": lambda r: ["mean / max |deviation| of the N-pair approximation of the book's f "
                              "(book's challenge: ≤ 0.40 in σ⁻¹ space at N = 5):"]
    + [f"  N = {x['N']:>3} ({x['hidden']:>3} hidden): {_dev(x)}" for x in r["rows"]],
    "windows": lambda r: ["M shifted approximations, each σ⁻¹∘f / M:"]
    + [f"  M = {x['M']} ({x['hidden']} hidden): max |output − f| = {x['max_out']:.4f}, mean {x['mean_out']:.4f}"
       + (f" (in the windows {x['max_out_windows']:.4f}, elsewhere {x['max_out_elsewhere']:.4f})"
          if "max_out_windows" in x else "") for x in r["rows"]],
    "towers": lambda r: [f"one 2-D tower: max gap to the indicator ≥ 0.01 from the edges: {r['tower_max_gap']:.2e}",
                         f"one 3-D tower (bias (−m + ½)h): {r['tower3d_max_gap']:.2e}",
                         f"{r['n']}×{r['n']} towers vs f(x, y): mean |error| {r['towers_mean_error']:.4f}, "
                         f"max {r['towers_max_error']:.4f}"],
    "learn": lambda r: [f"trained [1, {r['hidden']}, 1], {r['samples']} samples, {r['epochs']} epochs, seed {r['seed']}: "
                        f"{_dev(r['trained'])}",
                        f"constructed, {r['hidden'] // 2} pairs: {_dev(r['constructed'])}"],
}


def run(args) -> int:
    from ..insight import ch4_figures as F

    functions = {"step": (F.step, {"s": "s", "ws": "w"}), "bump": (F.bump, {"s1": "s1", "s2": "s2", "h": "h", "w": "w"}),
                 "approximate": (F.approximate, {"ns": "n", "w": "w"}),
                 "windows": (F.windows, {"n": "n", "shifts": "m", "w": "w"}),
                 "towers": (F.towers, {"n": "n", "h": "h", "w": "w"}),
                 "learn": (F.learn, {k: k for k in ("hidden", "epochs", "samples", "seed", "lr")})}
    return run_group(args, functions, PRINTERS)
