"""Chapter 5: why deep networks are hard to train.

* ``ch5-depth-1`` … ``ch5-depth-4`` — the book's table: adding hidden layers of 30 sigmoid units
  to [784,30,10] does not help (validation accuracy, 30 epochs, mini-batch 10, η = 0.1, λ = 5.0,
  cross-entropy, N(0, 1/n_in) weights).
* ``ch5-speed-2/3/4`` — the learning speed ‖∂C/∂b¹‖ of the *first* hidden layer at
  initialisation (the slowest; every layer's speed and the 500-epoch curves go to the run
  folder), on the first 1,000 training images (:mod:`nndl.insight.unstable`). A speed matches
  the book within a factor of 2: one random initialisation is compared with another.
"""
from __future__ import annotations

import json
import time

from .registry import Outcome, Recipe, register
from .runner import estimate_training, run_folder

_DEPTH = dict(cost="cross_entropy", init="default", eta=0.1, lmbda=5.0, epochs=30, batch_size=10,
              activation="sigmoid", scale="book", seed=0)
_BOOK_DEPTH = {1: 96.48, 2: 96.90, 3: 96.57, 4: 96.53}

for _k, _acc in _BOOK_DEPTH.items():
    _sizes = [784] + [30] * _k + [10]
    register(Recipe(f"ch5-depth-{_k}", 5, f"[{','.join(map(str, _sizes))}] sigmoid, cross-entropy, 30 epochs, "
                    "mini-batch 10, eta=0.1, lmbda=5.0", _acc, book_split="validation",
                    settings=dict(_DEPTH, sizes=_sizes), estimate_seconds=estimate_training, book_note="peak epoch"))


def run_speeds(recipe: Recipe, ctx) -> Outcome:
    """Speeds at initialisation, then 500 epochs of full-batch training with the speeds
    recorded every epoch: diagnostics.json/csv, gradients.png and speeds.json in the run folder."""
    from ...insight import unstable as U
    from ...insight.diagnostics_files import write_diagnostics
    from ...viz.gradients import plot_speed_panels

    depth = int(recipe.name.rsplit("-", 1)[1])
    seed = 0 if ctx.seed is None else ctx.seed
    t = time.perf_counter()
    data = U.first_images(data_dir=ctx.data_dir)
    curves = U.speed_curves(U.NETS[depth], data.X, data.y, "sigmoid", epochs=U.EPOCHS, seed=seed)
    folder = run_folder(recipe, ctx)
    folder.mkdir(parents=True, exist_ok=True)
    write_diagnostics(folder, curves.diagnostics)
    plot_speed_panels([(f"[{','.join(map(str, U.NETS[depth]))}], seed {seed}", curves.epochs, curves.speeds)],
                      path=folder / "speeds.png")
    initial, final = curves.speeds[0].tolist(), curves.speeds[-1].tolist()
    details = {"seed": seed, "initial_speeds": initial, "book_speeds": list(U.BOOK_SPEEDS[depth]),
               "first_over_last": initial[0] / initial[-1], "final_speeds": final,
               "final_training_accuracy": curves.final_accuracy}
    from ...atomic import atomic_write

    with atomic_write(folder / "speeds.json", "w", encoding="utf-8") as f:
        json.dump(details, f, indent=1)
    return Outcome(initial[0], folder, time.perf_counter() - t, details)


_BOOK = {2: "0.07, 0.31", 3: "0.012, 0.060, 0.283", 4: "0.003, 0.017, 0.070, 0.285"}
for _k, _first in ((2, 0.07), (3, 0.012), (4, 0.003)):
    register(Recipe(f"ch5-speed-{_k}", 5, f"speed of hidden layer 1 at init, {_k} hidden layers of 30 sigmoid units, "
                    f"first 1,000 images (book, layers 1..{_k}: {_BOOK[_k]}); 500 epochs of full-batch GD, eta=0.1, "
                    "lmbda=5.0, curves in the run folder", _first, book_split="training", run=run_speeds,
                    estimate_seconds=4.0 * _k, book_note="at initialisation", unit="", factor=2.0))
