"""The lecture's comparison as one call: grid vs random vs TPE on the same space and budget.

    nndl tune --compare examples/tune/ch3-compare.toml

Three studies, one per sampler, in ``TUNE_DIR/{grid,random,tpe}/`` (each a normal tune folder,
resumable), the same number of trials (the grid's size unless ``trials`` is smaller), no
pruning unless asked (a pruned trial has no final value to compare). Writes
``TUNE_DIR/compare.png`` (best so far vs trial, the three on one figure), ``compare.md`` and
``compare.json``.
"""
from __future__ import annotations

import json
from pathlib import Path

from ..app.settings import write_text as atomic_write_text
from ..viz.tuning import plot_best_so_far
from .plots import _axis, curve
from .results import format_value
from .run import resolve_options, tune
from .space import load_space

SAMPLER_ORDER = ("grid", "random", "tpe")


def compare(space_path, tune_dir=None, *, data_dir=None, on_trial=None, **overrides) -> dict:
    space = load_space(space_path)
    grid_opts = resolve_options(space, {**overrides, "sampler": "grid"})  # the grid fixes the budget
    n = grid_opts["trials"]
    overrides = {**overrides, "trials": n, "pruner": overrides.get("pruner") or space.tune.get("pruner") or "none"}
    tune_dir = Path(tune_dir) if tune_dir is not None else Path("tunes") / f"{Path(space_path).stem}-compare"
    results = {}
    for sampler in SAMPLER_ORDER:
        results[sampler] = tune(space, tune_dir / sampler, study=f"{Path(space_path).stem}-{sampler}",
                                data_dir=data_dir, on_trial=on_trial, plots=False,
                                **{**overrides, "sampler": sampler})
    metric = grid_opts["metric"]
    scale, label = _axis(metric)
    maximize = metric == "val_accuracy"
    png = plot_best_so_far({s: curve(r.study) for s, r in results.items()}, tune_dir / "compare.png",
                           xlabel="trials", ylabel=label, maximize=maximize, scale=scale,
                           title=f"grid vs random vs TPE, {n} trials each ({Path(space_path).name})")
    rows = []
    for s, r in results.items():
        best = r.summary.get("best", {})
        x, values = curve(r.study)
        target = best.get("value")
        first = next((i + 1 for i, v in enumerate(values) if v is not None and v == target), None)
        finished = r.summary["states"].get("complete", 0) + r.summary["states"].get("pruned", 0)
        rows.append({"sampler": s, "trials": finished, "best": target, "trials_to_best": first,
                     "params": best.get("params"), "minutes": r.summary["wall_minutes"]})
    md = ["| sampler | trials | best " + ("validation accuracy" if maximize else "validation cost") +
          " | trials to reach it | best settings | minutes |", "|---|---|---|---|---|---|"]
    for r in rows:
        params = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                           for k, v in (r["params"] or {}).items())
        md.append(f"| {r['sampler']} | {r['trials']} | {format_value(r['best'], metric)} | {r['trials_to_best']} | "
                  f"{params} | {r['minutes']:.1f} |")
    markdown = "\n".join(md) + "\n"
    atomic_write_text(tune_dir / "compare.md", markdown)
    out = {"png": str(png), "trials": n, "metric": metric, "rows": rows, "markdown": markdown}
    atomic_write_text(tune_dir / "compare.json", json.dumps({k: v for k, v in out.items() if k != "markdown"},
                                                            indent=1) + "\n")
    return out


__all__ = ["compare"]
