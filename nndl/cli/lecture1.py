"""``nndl lecture1 perceptron|xor|steps|samples|regions|all``: the first lecture's demos —
perceptrons and XOR, why depth saves parameters, sample sizes, linear regions."""
from __future__ import annotations

from ._insight import FigureGroup

group = FigureGroup("lecture1", "nndl.insight.lecture1_figures",
                    "lecture 1: perceptrons, XOR, depth vs steps, sample sizes, regions",
                    "The first lecture's demos, each a real network (set, or trained through the one loop): "
                    "each WHAT writes one PNG into --out and prints what it measured.")
add_parser, run = group.add_parser, group.run


@group.command("perceptron", "the perceptron rule on AND, OR, NAND and XOR (it cycles), NAND gates, the half adder",
               ("--epochs", int, 30, "most epochs per gate"))
def _perceptron(r):
    lines = []
    for x in r["runs"]:
        what = (f"learned in {x['epochs']} epochs, (w, b) = {x['weights']}" if x["converged"] else
                (f"not learned in {x['epochs']} epochs, and never will: the state after epoch {x['cycle'][0]} "
                 f"recurs every {x['cycle'][1]} epoch(s)")
                if x["cycle"] else f"not learned in {x['epochs']} epochs")
        lines.append(f"{x['gate']:>4}: correct per epoch {x['correct']}; {what}")
    return lines + [(f"NAND(−2, −2, b = 3) on 00, 01, 10, 11: {r['nand']}; half adder sum {r['adder_sum']}, "
                     f"carry {r['adder_carry']}")]


@group.command("xor", "XOR: the hand-set two-ReLU net, and the success rate of training from many seeds",
               ("--seeds", int, 100, "random starts per setting"), ("--epochs", int, 100, "epochs of 25 mini-batches"),
               ("--eta", float, 0.5, "SGD learning rate"))
def _xor(r):
    return [f"hand-set XOR net on 00, 01, 10, 11: {r['handset']}"] + [
        f"{x['activation']:>7}, {x['hidden']} hidden: {x['successes']}/{x['runs']} seeds reach 4/4" for x in r["rows"]]


@group.command("steps", "n steps need n hidden nodes; folds give 2^k n steps from O(n + k) parameters",
               ("--n", int, 4, "step nodes after the folds"), ("--folds", int, 2, "fold layers"))
def _steps(r):
    return [(f"the {r['steps']}-step function from one hidden layer and from folds: max difference "
             f"{r['max_difference']:g}"), "  n  folds  steps  one layer: hidden/params  folded: hidden/params"] + [
        f"{x['n']:>3}  {x['folds']:>5}  {x['steps']:>5}  {x['shallow_hidden']:>14}/{x['shallow_params']:<6}"
        f"{x['deep_hidden']:>14}/{x['deep_params']}" for x in r["table"]]


@group.command("samples", "test error vs training-set size: 1-NN, RBF SVM, a shallow and a deep net",
               ("--train-sizes", "ints", (8, 16, 32, 64, 128, 256, 512), "training-set sizes"),
               ("--n", int, 3, "steps per half: the label has 2n"), ("--draws", int, 5, "training sets per size"),
               ("--train-steps", int, 6000, "mini-batch steps per net"))
def _samples(r):
    head = "  size  " + "  ".join(f"{k:>11}" for k in r["errors"])
    return [f"test error on the {r['steps_in_x']}-step label (mean of {r['draws']} draws)", head] + [
        f"{s:>6}  " + "  ".join(f"{r['errors'][k][i]:>11.3f}" for k in r["errors"]) for i, s in enumerate(r["sizes"])]


@group.command("regions", "Montúfar: linear regions of ReLU nets by depth at equal parameter count",
               ("--budget", int, 200, "parameters per random net"), ("--seeds", int, 5, "random nets per depth"),
               ("--resolution", int, 1000, "grid points per axis"), ("--p", int, 3, "Montúfar: folds per coordinate"),
               ("--lines", "count0", 8, "lines in the last layer of the p = 2 variant (0: leave it out)"))
def _regions(r):
    return ([f"random ReLU nets, ≤ {r['budget']} parameters, {r['seeds']} seeds, {r['resolution']}² grid on [−2, 2]²:"]
            + [f"  depth {x['depth']} × width {x['width']:>2} ({x['params']} params): regions mean {x['mean']:.0f} "
               f"(min {x['min']}, max {x['max']})" for x in r["random"]]
            + ["Montúfar's construction on [0, 1]² vs one hidden layer of equal parameters (its maximum):"]
            + [f"  depth {x['depth']} ({x['params']} params): {x['regions']} regions (p^(2L) = {x['formula']}); "
               f"{x['shallow_units']} units: ≤ {x['shallow_bound']}" for x in r["montufar"]]
            + [f"the same with p = 2 and a last layer of {x['lines']} lines:" for x in r["montufar_lines"][:1]]
            + [f"  depth {x['depth']} ({x['params']} params): {x['regions']} regions (formula {x['formula']}); "
               f"{x['shallow_units']} units: ≤ {x['shallow_bound']}" for x in r["montufar_lines"]])
