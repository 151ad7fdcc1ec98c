"""Chapter 5 end to end: every number and figure of docs/unstable-gradients.md from one call.

    from nndl.insight.chapter5 import run_all
    report = run_all("out/", seeds=range(5), epochs=500)   # ~2 min on one core

Writes (atomically) into ``out``: ``speeds.png`` (the book's three figures), ``cures.png`` (the
four-hidden-layer net: sigmoid, ReLU, batch norm, He init), ``exploding.png``,
``band_width.png`` and ``chapter5.json`` (every number behind them).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..atomic import atomic_write
from ..viz.gradients import plot_band_width, plot_exploding, plot_layer_grid, plot_speed_panels
from . import unstable as U


def initial_speed_table(X, y, seeds=range(5), variants=("sigmoid",)) -> dict:
    """{variant: {hidden layers: {"speeds": [[per layer] per seed], "min", "max", "book",
    "within_2x", "first_over_last"}}} at initialisation."""
    out = {}
    for variant in variants:
        out[variant] = {}
        for depth, sizes in U.NETS.items():
            s = U.initial_speeds(sizes, X, y, variant, seeds)
            book = np.array(U.BOOK_SPEEDS[depth])
            out[variant][depth] = {"seeds": list(seeds), "speeds": s.tolist(), "min": s.min(0).tolist(),
                                   "max": s.max(0).tolist(), "book": book.tolist(),
                                   "within_2x": bool(((s >= book / 2) & (s <= book * 2)).all()),
                                   "first_over_last": (s[:, 0] / s[:, -1]).tolist()}
    return out


def curves(X, y, epochs=U.EPOCHS, seed=0, variants=tuple(U.VARIANTS), depths=(2, 3, 4)) -> dict:
    """{(variant, depth): SpeedCurves} trained through ``fit`` (full batch, η=0.1, λ=5.0)."""
    return {(v, d): U.speed_curves(U.NETS[d], X, y, v, epochs=epochs, seed=seed)
            for v in variants for d in depths if v == "sigmoid" or d == max(depths)}


def band_width_summary(ws=None) -> dict:
    """Widths on a grid of |w| in [4, 30] (numeric and closed form) and both maxima."""
    ws = np.linspace(4.0, 30.0, 261) if ws is None else np.asarray(ws, dtype=float)
    numeric = [U.band_width_numeric(w) for w in ws]
    closed = U.band_width_closed(ws)
    w_num, max_num = U.widest_band(U.band_width_numeric)
    w_cf, max_cf = U.widest_band(U.band_width_closed)
    return {"w": ws.tolist(), "numeric": numeric, "closed": closed.tolist(),
            "max_numeric": max_num, "argmax_numeric": w_num, "max_closed": max_cf, "argmax_closed": w_cf,
            "max_abs_difference_on_grid": float(np.max(np.abs(np.array(numeric) - closed)))}


def run_all(out_dir, seeds=range(5), epochs=U.EPOCHS, data_dir=None, seed=0) -> dict:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data = U.first_images(data_dir=data_dir)
    X, y = data.X, data.y
    report = {"initial": initial_speed_table(X, y, seeds, variants=tuple(U.VARIANTS))}
    cs = curves(X, y, epochs, seed)
    report["curves"] = {f"{v}-{d}": {"epochs": c.epochs.tolist(), "speeds": c.speeds.tolist(),
                                     "grad_w": [r["grad_w"] for r in c.records],
                                     "final_training_accuracy": c.final_accuracy}
                        for (v, d), c in cs.items()}
    plot_speed_panels([(f"[{','.join(map(str, U.NETS[d]))}]", cs["sigmoid", d].epochs, cs["sigmoid", d].speeds)
                       for d in (2, 3, 4)], path=out / "speeds.png",
                      title=f"Sigmoid nets as in the book: first 1,000 images, full batch, η=0.1, λ=5.0, seed {seed}")
    plot_layer_grid([(U.VARIANTS[v], cs[v, 4].records) for v in U.VARIANTS],
                    [("speed", "speed ‖∂C/∂b‖"), ("grad_w", "‖∂C/∂w‖")], path=out / "cures.png",
                    title=f"[784,30,30,30,30,10]: the book's net and three cures (seed {seed})")
    chain = U.exploding_chain()
    grads = U.chain_gradients(chain)
    clip = U.clipping_demo()
    plot_exploding(grads, clip, path=out / "exploding.png", factor=float(grads[0] / grads[1]))
    report["exploding"] = {"grads": grads.tolist(), "ratios": (grads[:-1] / grads[1:]).tolist(), "clipping": clip}
    band = band_width_summary()
    plot_band_width(band["w"], band["numeric"], band["closed"], (band["argmax_closed"], band["max_closed"]),
                    path=out / "band_width.png")
    report["band_width"] = {k: v for k, v in band.items() if k not in ("w", "numeric", "closed")}
    with atomic_write(out / "chapter5.json", "w", encoding="utf-8") as f:
        json.dump(report, f, indent=1)
    return report


__all__ = ["band_width_summary", "curves", "initial_speed_table", "run_all"]
