"""The first lecture's demos with their numbers: each function computes, writes one PNG into
``out`` and returns the numbers (the CLI prints them)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..viz.insight import plot_bars, plot_maps, plot_panels
from . import depth
from . import regions as rg
from . import xor as xr
from .handset import n_params, output
from .perceptron import GATES, INPUTS, half_adder, learn_gate, nand_gate


def perceptron(out, epochs: int = 30) -> dict:
    """The perceptron rule on AND, OR, NAND and XOR; the NAND gate and the half adder."""
    runs = [learn_gate(g, epochs, stop_on_cycle=False) for g in GATES]  # XOR runs all epochs
    path = Path(out) / "lecture1_perceptron.png"
    plot_panels([{"x": None, "curves": {r["gate"]: (np.arange(1, r["epochs"] + 1), r["correct"]) for r in runs},
                  "styles": dict(zip(GATES, ("o-", "s-", "^--", "x-"))), "xlabel": "epoch",
                  "ylabel": "examples correct (of 4)",
                  "title": "perceptron rule through the loop (batch 1, η = 1, zero start)"}], path=path)
    adder = output(half_adder(), INPUTS)
    return {"figure": str(path), "runs": runs, "nand": output(nand_gate(), INPUTS).tolist(),
            "adder_sum": adder[:, 0].tolist(), "adder_carry": adder[:, 1].tolist()}


def xor(out, seeds: int = 100, epochs: int = 100, eta: float = 0.5) -> dict:
    """The hand-set XOR net's outputs and the success rate of training from ``seeds`` starts."""
    rows = xr.xor_success(range(seeds), epochs=epochs, lr=eta)
    path = Path(out) / "lecture1_xor.png"
    plot_bars([f"{r['activation']}\n{r['hidden']} hidden" for r in rows], [r["rate"] for r in rows], path=path,
              title=f"XOR learned from {seeds} random starts (SGD η = {eta}, {epochs} epochs of 25 batches)",
              ylabel="runs reaching 4/4")
    return {"figure": str(path), "handset": output(xr.xor_handset(), INPUTS).tolist(), "rows": rows,
            "seeds": seeds, "epochs": epochs, "eta": eta}


def steps(out, n: int = 4, folds: int = 2) -> dict:
    """An n-step function from one hidden layer, a symmetric 2ᵏn-step one from k folds, and
    the parameter table."""
    x = (np.arange(4000) + 0.5)[:, None] / 4000
    e, h, b = depth.symmetric_target(n, folds)
    deep = depth.folded_net(e, h, b, folds)
    edges = depth.unfolded_edges(e, folds)
    y = output(deep, x)
    jumps = np.diff(np.concatenate([[y[0]], y[np.searchsorted(x[:, 0], edges)]]))
    shallow = depth.staircase_net(edges, jumps, y[0])
    table = depth.parameter_table()
    path = Path(out) / "lecture1_steps.png"
    plot_panels([
        {"x": x[:, 0], "curves": {f"one hidden layer ({edges.size} step nodes, {n_params(shallow)} params)":
                                  output(shallow, x),
                                  f"{folds} fold layers + {n} step nodes ({n_params(deep)} params)": y + 0.03},
         "title": f"the same {edges.size}-step function (second curve lifted 0.03)"},
        {"x": None, "curves": {f"{k} fold(s)": ([r["steps"] for r in table if r["folds"] == k],
                                                 [r["deep_params"] for r in table if r["folds"] == k])
                               for k in (1, 2, 3)} | {"one hidden layer": (
                                   sorted({r["steps"] for r in table}),
                                   [3 * s + 1 for s in sorted({r["steps"] for r in table})])},
         "styles": {"one hidden layer": "k--"}, "logx": True, "logy": True, "xlabel": "steps",
         "ylabel": "parameters", "title": "parameters needed for s steps"}], path=path)
    return {"figure": str(path), "table": table, "max_difference": float(np.abs(output(shallow, x) - y).max()),
            "steps": int(edges.size)}


def samples(out, sizes=(8, 16, 32, 64, 128, 256, 512), n: int = 3, draws: int = 5, train_steps: int = 6000) -> dict:
    """Test error vs training-set size: 1-NN, RBF SVM, the shallow and the deep net."""
    r = depth.sample_curve(sizes, n, draws, train_steps)
    path = Path(out) / "lecture1_samples.png"
    plot_panels([{"x": r["sizes"], "curves": r["errors"], "logx": True, "xlabel": "training samples",
                  "ylabel": "test error", "styles": {k: "o-" for k in r["errors"]},
                  "title": f"learning a symmetric {r['steps_in_x']}-step label (mean of {draws} draws)"}], path=path)
    return {"figure": str(path), **r, "draws": draws, "train_steps": train_steps}


def regions(out, budget: int = 200, seeds: int = 5, resolution: int = 1000, p: int = 3, lines: int = 8) -> dict:
    """Linear regions by depth: random ReLU nets of about ``budget`` parameters on [−2, 2]²,
    Montúfar's construction (width 2p) on [0, 1]², and the same with p = 2 and a last layer
    of ``lines`` lines in general position (depths 1–3)."""
    random_rows = rg.regions_by_depth(budget, seeds=range(seeds), resolution=resolution)
    construction = rg.montufar_table(p=p, resolution=10 * p ** 4)  # 10 grid points per region side
    with_lines = rg.montufar_table((1, 2, 3), 2, 2000, lines) if lines else []
    maps = []
    for r in random_rows:
        count, ids = rg.region_map(rg.random_net(r["depth"], r["width"], 0), resolution=min(400, resolution))
        maps.append((f"random, depth {r['depth']}, width {r['width']}: {count}", ids))
    for d in (2, 3):
        count, ids = rg.region_map(rg.montufar_net(d, p), 0.0, 1.0, resolution=min(400, resolution))
        maps.append((f"Montúfar, depth {d}, width {2 * p}: {count}", ids, (0, 1, 0, 1)))
    if lines:
        count, ids = rg.region_map(rg.montufar_net(2, 2, lines), 0.0, 1.0, resolution=max(400, min(1000, resolution)))
        maps.append((f"one fold (p = 2) + {lines} lines: {count}", ids, (0, 1, 0, 1)))
    path = Path(out) / "lecture1_regions.png"
    plot_maps(maps, path=path, regions=True, extent=(-2, 2, -2, 2), columns=4,
              title="distinct activation patterns (random nets: seed 0 on [−2, 2]²; Montúfar's on [0, 1]²)")
    return {"figure": str(path), "random": random_rows, "montufar": construction, "montufar_lines": with_lines,
            "budget": budget,
            "seeds": seeds, "resolution": resolution}
