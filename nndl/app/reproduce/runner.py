"""Running recipes: the default runner (a training run) and time estimates."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ..build import build_model
from ..runs import train_run
from ..settings import RunConfig
from .registry import Context, Outcome, Recipe

_STEP_CACHE: dict = {}


def run_recipe(recipe: Recipe, ctx: Context) -> Outcome:
    if recipe.run is not None:
        return recipe.run(recipe, ctx)
    return train_recipe(recipe, ctx)


def recipe_config(recipe: Recipe, seed: int | None = None):
    """The RunConfig of a training recipe (``seed`` overrides the recipe's)."""
    settings = dict(recipe.settings)
    settings.setdefault("evaluation_data", recipe.book_split)
    if seed is not None:
        settings["seed"] = seed
    return RunConfig(**settings)


def run_folder(recipe: Recipe, ctx: Context) -> Path:
    return Path(ctx.root) / (f"{ctx.stamp}-{recipe.name}" if ctx.stamp else recipe.name)


def train_recipe(recipe: Recipe, ctx: Context) -> Outcome:
    cfg = recipe_config(recipe, ctx.seed)
    t = time.perf_counter()
    result = train_run(cfg, run_folder(recipe, ctx), data_dir=ctx.data_dir, callbacks=ctx.callbacks)
    acc = result.history["val_accuracy"]
    value = max(acc) if recipe.metric == "peak" else acc[-1]
    peak_epoch = result.history["epoch"][acc.index(max(acc))]
    return Outcome(100.0 * value, result.run_dir, time.perf_counter() - t,
                   {"peak_epoch": peak_epoch, "epochs_run": len(acc),
                    "final": 100.0 * acc[-1], "peak": 100.0 * max(acc)})


def _per_step_seconds(sizes, batch_size, cost, activation="sigmoid"):
    """Seconds per mini-batch step and per evaluated example, timed on this machine."""
    key = (tuple(sizes), batch_size)
    if key not in _STEP_CACHE:
        cfg = RunConfig(sizes=list(sizes), batch_size=batch_size, cost=cost, activation=activation, lmbda=0.0)
        model = build_model(cfg)
        rng = np.random.default_rng(0)
        X = rng.random((2000, sizes[0]), dtype=np.float32)
        y = rng.integers(0, sizes[-1], 2000)
        # time whole epochs through fit, so the loop's own settings (BLAS threads...) apply
        model.fit(X[:200], y[:200], epochs=1, batch_size=batch_size, monitor_training=False)
        times = []
        for _ in range(2):
            t = time.perf_counter()
            model.fit(X, y, epochs=1, batch_size=batch_size, monitor_training=False)
            times.append((time.perf_counter() - t) / -(-2000 // batch_size))
        step = min(times)
        evals = []
        for _ in range(2):
            t = time.perf_counter()
            model.evaluate(X, y)
            evals.append((time.perf_counter() - t) / 2000)
        per_example = min(evals)
        _STEP_CACHE[key] = (step, per_example)
    return _STEP_CACHE[key]


def estimate_training(recipe: Recipe) -> float:
    """Seconds for a training recipe on this machine: a short timing of its network's
    mini-batch step and evaluation, scaled to its epochs (an upper bound when early stopping)."""
    cfg = recipe_config(recipe)
    n_train = cfg.subset or (50_000 if cfg.dataset == "mnist" else 1197)
    sizes = cfg.sizes or [784, 100, 10]
    step, per_example = _per_step_seconds(sizes, cfg.batch_size, cfg.cost, cfg.activation)
    n_eval = 10_000 + (n_train if cfg.monitor_training else 0)
    return cfg.epochs * (-(-n_train // cfg.batch_size) * step + n_eval * per_example) + 2.0
