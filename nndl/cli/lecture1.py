"""``nndl lecture1 perceptron|xor|steps|samples|regions|all``: the first lecture's demos —
perceptrons and XOR, why depth saves parameters, sample sizes, linear regions."""
from __future__ import annotations

from ._insight import add_group, positive, positive_list, run_group


def _perceptron(p):
    p.add_argument("--epochs", type=positive(int), default=30, help="most epochs per gate (default: 30)")


def _xor(p):
    p.add_argument("--seeds", type=positive(int), default=100, help="random starts per setting (default: 100)")
    p.add_argument("--epochs", type=positive(int), default=100, help="epochs of 25 mini-batches (default: 100)")
    p.add_argument("--lr", type=positive(float), default=0.5, help="SGD learning rate (default: 0.5)")


def _steps(p):
    p.add_argument("--n", type=positive(int), default=4, help="step nodes after the folds (default: 4)")
    p.add_argument("--folds", type=positive(int), default=2, help="fold layers (default: 2)")


def _samples(p):
    p.add_argument("--sizes", type=positive_list(int), default=(8, 16, 32, 64, 128, 256, 512), metavar="N,...",
                   help="training-set sizes (default: 8,16,32,64,128,256,512)")
    p.add_argument("--n", type=positive(int), default=3, help="steps per half: the label has 2n (default: 3)")
    p.add_argument("--draws", type=positive(int), default=5, help="training sets per size (default: 5)")
    p.add_argument("--train-steps", type=positive(int), default=6000, help="mini-batch steps per net (default: 6000)")


def _regions(p):
    p.add_argument("--budget", type=positive(int), default=200, help="parameters per random net (default: 200)")
    p.add_argument("--seeds", type=positive(int), default=5, help="random nets per depth (default: 5)")
    p.add_argument("--resolution", type=positive(int), default=1000, help="grid points per axis (default: 1000)")
    p.add_argument("--p", type=positive(int), default=3, help="Montúfar: folds per coordinate and layer (default: 3)")


SUBCOMMANDS = {
    "perceptron": ("the perceptron rule on AND, OR, NAND and XOR (it cycles), NAND gates, the half adder", _perceptron),
    "xor": ("XOR: the hand-set two-ReLU net, and the success rate of training from many seeds", _xor),
    "steps": ("n steps need n hidden nodes; folds give 2^k n steps from O(n + k) parameters", _steps),
    "samples": ("test error vs training-set size: 1-NN, RBF SVM, a shallow and a deep net", _samples),
    "regions": ("Montúfar: linear regions of ReLU nets by depth at equal parameter count", _regions),
}


def add_parser(subparsers):
    return add_group(subparsers, "lecture1", "lecture 1: perceptrons, XOR, depth vs steps, sample sizes, regions",
                     "The first lecture's demos, each a real network (set or trained through the one loop): "
                     "each WHAT writes one PNG into --out and prints what it measured.", SUBCOMMANDS)


def _perceptron_lines(r):
    lines = []
    for x in r["runs"]:
        what = (f"learned in {x['epochs']} epochs, (w, b) = {x['weights']}" if x["converged"] else
                f"never learns it: the state after epoch {x['cycle'][0]} recurs every {x['cycle'][1]} epoch(s)"
                if x["cycle"] else f"not learned in {x['epochs']} epochs")
        lines.append(f"{x['gate']:>4}: correct per epoch {x['correct']}; {what}")
    lines.append(f"NAND(−2, −2, b = 3) on 00, 01, 10, 11: {r['nand']}; half adder sum {r['adder_sum']}, "
                 f"carry {r['adder_carry']}")
    return lines


PRINTERS = {
    "perceptron": _perceptron_lines,
    "xor": lambda r: [f"hand-set XOR net on 00, 01, 10, 11: {r['handset']}"]
    + [f"{x['activation']:>7}, {x['hidden']} hidden: {x['successes']}/{x['runs']} seeds reach 4/4" for x in r["rows"]],
    "steps": lambda r: [f"the {r['steps']}-step function from one hidden layer and from folds: max difference "
                        f"{r['max_difference']:g}", "  n  folds  steps  one layer: hidden/params  folded: hidden/params"]
    + [f"{x['n']:>3}  {x['folds']:>5}  {x['steps']:>5}  {x['shallow_hidden']:>14}/{x['shallow_params']:<6}"
       f"{x['deep_hidden']:>14}/{x['deep_params']}" for x in r["table"]],
    "samples": lambda r: [f"test error on the {r['steps_in_x']}-step label (mean of {r['draws']} draws)",
                          "  size  " + "  ".join(f"{k:>11}" for k in r["errors"])]
    + [f"{s:>6}  " + "  ".join(f"{r['errors'][k][i]:>11.3f}" for k in r["errors"]) for i, s in enumerate(r["sizes"])],
    "regions": lambda r: [f"random ReLU nets, ≤ {r['budget']} parameters, {r['seeds']} seeds, "
                          f"{r['resolution']}² grid on [−2, 2]²:"]
    + [f"  depth {x['depth']} × width {x['width']:>2} ({x['params']} params): regions mean {x['mean']:.0f} "
       f"(min {x['min']}, max {x['max']})" for x in r["random"]]
    + ["Montúfar's construction on [0, 1]² vs one hidden layer of equal parameters (its maximum):"]
    + [f"  depth {x['depth']} ({x['params']} params): {x['regions']} regions (p^(2L) = {x['formula']}); "
       f"{x['shallow_units']} units: ≤ {x['shallow_bound']}" for x in r["montufar"]],
}


def run(args) -> int:
    from ..insight import lecture1_figures as F

    functions = {"perceptron": (F.perceptron, {"max_epochs": "epochs"}),
                 "xor": (F.xor, {"seeds": "seeds", "epochs": "epochs", "lr": "lr"}),
                 "steps": (F.steps, {"n": "n", "folds": "folds"}),
                 "samples": (F.samples, {"sizes": "sizes", "n": "n", "draws": "draws", "steps": "train_steps"}),
                 "regions": (F.regions, {"budget": "budget", "seeds": "seeds", "resolution": "resolution", "p": "p"})}
    return run_group(args, functions, PRINTERS)
