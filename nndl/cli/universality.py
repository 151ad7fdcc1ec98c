"""``nndl universality step|bump|approximate|windows|towers|learn|all``: chapter 4's
constructions as real networks with set weights, each drawn and measured."""
from __future__ import annotations

from ._insight import FigureGroup

group = FigureGroup("universality", "nndl.insight.ch4_figures",
                    "chapter 4: steps, bumps, towers and the approximation of any f",
                    "Chapter 4's visual proof of universality, built from sigmoid neurons with set weights: "
                    "each WHAT writes one PNG into --out and prints what it measured.")
add_parser, run = group.add_parser, group.run
W = ("--w", float, 1000.0, "step weight w")


def _dev(r):
    return (f"{r['mean_inv']:.3f} / {r['max_inv']:.3f} in σ⁻¹ space, "
            f"{r['mean_out']:.4f} / {r['max_out']:.4f} in output space")


@group.command("step", "a step from one sigmoid neuron, b = -ws, sharpening as w grows",
               ("--s", "real", 0.4, "where the step is"), ("--w", "floats", (5, 20, 100, 1000), "weights to draw"))
def _step(r):
    return [f"w = {x['w']:g} (b = {x['b']:g}): max |σ(w(x−s)) − H(x−s)| for |x − s| ≥ 0.01: "
            f"{x['max_gap_beyond_0.01']:.2e}" for x in r["rows"]]


@group.command("bump", "a bump of height h from two step neurons (output weights +h, -h)",
               ("--s1", "real", 0.4, "left edge"), ("--s2", "real", 0.6, "right edge"),
               ("--h", "real", 0.8, "height"), W)
def _bump(r):
    return [(f"bump h = {r['h']:g} on [{r['s1']:g}, {r['s2']:g}), w = {r['w']:g}: "
             f"max gap to h·1[s₁ ≤ x < s₂] at ≥ 0.01 from the edges: {r['max_gap']:.2e}")]


@group.command("approximate", "the book's f from N pairs: weighted output = inverse sigmoid of f; deviation table",
               ("--n", "ints", (5, 10, 20, 50), "numbers of hidden pairs"), W)
def _approximate(r):
    return ([("mean / max |deviation| of the N-pair approximation of the book's f "
              "(book's challenge: ≤ 0.40 in σ⁻¹ space at N = 5):")]
            + [f"  N = {x['N']:>3} ({x['hidden']:>3} hidden): {_dev(x)}" for x in r["rows"]])


@group.command("windows", "the failure-window fix: M shifted approximations of f/M; max error before/after",
               ("--n", int, 5, "pairs per approximation"), ("--m", "ints", (1, 2, 4, 8), "numbers of shifted copies"),
               ("--w", float, 100.0, "step weight w (soft enough to show the windows)"))
def _windows(r):
    return ["M shifted approximations, each σ⁻¹∘f / M:"] + [
        f"  M = {x['M']} ({x['hidden']} hidden): max |output − f| = {x['max_out']:.4f}, mean {x['mean_out']:.4f}"
        + (f" (in the windows {x['max_out_windows']:.4f}, elsewhere {x['max_out_elsewhere']:.4f})"
           if "max_out_windows" in x else "") for x in r["rows"]]


@group.command("towers", "a tower in 2-D (output bias -3h/2), the m-dimensional rule, f(x, y) from n*n towers",
               ("--n", int, 10, "towers per axis"), ("--h", float, 30.0, "tower height h"), W)
def _towers(r):
    return [f"one 2-D tower: max gap to the indicator ≥ 0.01 from the edges: {r['tower_max_gap']:.2e}",
            f"one 3-D tower (bias (−m + ½)h): {r['tower3d_max_gap']:.2e}",
            (f"{r['n']}×{r['n']} towers vs f(x, y): mean |error| {r['towers_mean_error']:.4f}, "
             f"max {r['towers_max_error']:.4f}")]


@group.command("learn", "the same f learned by a one-hidden-layer net through the training loop",
               ("--neurons", int, 10, "hidden sigmoid neurons"), ("--epochs", int, 1000, "epochs"),
               ("--samples", int, 1000, "training points"), ("--eta", float, 0.01, "Adam learning rate"),
               ("--seed", "seed", 0, "seed for samples and weights"))
def _learn(r):
    return [(f"trained [1, {r['hidden']}, 1], {r['samples']} samples, {r['epochs']} epochs, seed {r['seed']}: "
             f"{_dev(r['trained'])}"), f"constructed, {r['hidden'] // 2} pairs: {_dev(r['constructed'])}"]
