"""Chapter 6: convolutional networks, ReLU, expanded data, dropout, ensembles.

Every row trains an engine model with network3's settings (:mod:`nndl.app.convnets`: the
book's initialisation and L2 term, mini-batch 10, no reshuffling between epochs) through the
one training loop; the reported figure is the test accuracy at the epoch of best validation
accuracy, as the book reports it.

Time estimates are per-epoch seconds measured on this 2-core machine (shared, so ±50%),
times the book's epochs (``NNDL_CH6_EPOCHS`` caps the epochs of every chapter 6 row, for
trying them out).
"""
from __future__ import annotations

import json
import os
import time

from ...data import load_mnist
from ...data.expand import load_expanded_mnist
from ...train import History
from ..convnets import chapter6_model, train_chapter6
from ..ensemble import Ensemble
from ...io import save_model
from ..runs import write_history
from ..settings import write_text
from .registry import Outcome, Recipe, register
from .runner import run_folder

def _data(ctx, expanded: bool):
    return load_expanded_mnist(ctx.data_dir, scale="book") if expanded else load_mnist(ctx.data_dir, scale="book")


def _epochs(recipe) -> int:
    cap = os.environ.get("NNDL_CH6_EPOCHS")
    e = int(recipe.settings["epochs"])
    return min(e, int(cap)) if cap else e


def _train_one(recipe, ctx, seed, data, folder, name):
    """One network of the recipe; its history goes to ``folder/<name>-history.json``."""
    s = recipe.settings
    model = chapter6_model(s["arch"], seed)
    history = History()
    best = train_chapter6(model, data, _epochs(recipe), s["eta"], s.get("lmbda", 0.0),
                          callbacks=[history, *ctx.callbacks])
    write_history(folder, history, stem=name)
    return model, best


def run_network3(recipe: Recipe, ctx) -> Outcome:
    t = time.perf_counter()
    data = _data(ctx, recipe.settings.get("expanded", False))
    folder = run_folder(recipe, ctx)
    folder.mkdir(parents=True, exist_ok=True)
    seed = 0 if ctx.seed is None else ctx.seed
    model, best = _train_one(recipe, ctx, seed, data, folder, "history")
    save_model(model, folder / "model.npz", metadata={"source": f"nndl reproduce {recipe.name}", "seed": seed})
    details = {"best_validation": 100.0 * best.best_validation, "best_epoch": best.best_epoch}
    write_text(folder / "result.json", json.dumps({"test_accuracy_at_best_validation": best.test_accuracy,
                                                   **details}, indent=1) + "\n")
    return Outcome(100.0 * best.test_accuracy, folder, time.perf_counter() - t, details)


def run_ensemble(recipe: Recipe, ctx) -> Outcome:
    t = time.perf_counter()
    data = _data(ctx, recipe.settings.get("expanded", False))
    folder = run_folder(recipe, ctx)
    folder.mkdir(parents=True, exist_ok=True)
    k = int(recipe.settings.get("k", 5))
    base = 0 if ctx.seed is None else ctx.seed
    models, members = [], []
    for i in range(k):
        model, best = _train_one(recipe, ctx, base + i, data, folder, f"history_member_{i}")
        models.append(model)
        members.append(100.0 * best.test_accuracy)
    ens = Ensemble(models, [base + i for i in range(k)])
    ens.save(folder / "ensemble")
    r = ens.evaluate(data.test.X.reshape(-1, *models[0].input_shape), data.test.y)
    return Outcome(100.0 * r["vote"], folder, time.perf_counter() - t,
                   {"average": 100.0 * r["average"], "members": members, "vote_errors": r["vote_errors"]})


# Seconds per epoch on this machine: 50,000 images at mini-batch 10 plus the validation/test
# evaluation, timed at load average ≈ 2 (others' jobs on the 2 cores) with a 1.3× margin. Under
# heavier load the ReLU net's epochs took 13–67 s (27 s on average over 40 epochs).
_EPOCH_SECONDS = {"fc100": 2.0, "conv1": 9.0, "conv2": 15.0, "conv2-relu": 15.0, "conv2-relu-fc2": 15.0,
                  "dropout": 36.0}


def _estimate(recipe: Recipe) -> float:
    s = recipe.settings
    per = _EPOCH_SECONDS[s["arch"]] * (5 if s.get("expanded") else 1)
    return per * _epochs(recipe) * int(s.get("k", 1))


def _reg(name, description, book, arch, epochs, eta, lmbda=0.0, expanded=False, run=run_network3, k=None,
         note="test accuracy at the best validation epoch"):
    settings = dict(arch=arch, epochs=epochs, eta=eta, lmbda=lmbda, expanded=expanded)
    if k:
        settings["k"] = k
    register(Recipe(name, 6, description, book, book_split="test", settings=settings, run=run,
                    estimate_seconds=_estimate, book_note=note))


_reg("ch6-fc100", "FC100 sigmoid + softmax, 60 epochs, eta=0.1", 97.80, "fc100", 60, 0.1)
_reg("ch6-conv1", "conv-pool 20@5x5 + FC100 + softmax, sigmoid, 60 epochs, eta=0.1", 98.78, "conv1", 60, 0.1)
_reg("ch6-conv2", "two conv-pool (20, 40 maps) + FC100 + softmax, sigmoid, 60 epochs, eta=0.1", 99.06,
     "conv2", 60, 0.1)
_reg("ch6-relu", "same with ReLU, L2 lmbda=0.1, 60 epochs, eta=0.03", 99.23, "conv2-relu", 60, 0.03, 0.1)
_reg("ch6-expanded", "ReLU net on the x5 expanded data (1-pixel shifts), 60 epochs, eta=0.03, lmbda=0.1",
     99.37, "conv2-relu", 60, 0.03, 0.1, expanded=True)
_reg("ch6-extra-fc", "expanded data, two FC100 ReLU layers, 60 epochs, eta=0.03, lmbda=0.1", 99.43,
     "conv2-relu-fc2", 60, 0.03, 0.1, expanded=True)
_reg("ch6-dropout", "expanded data, two FC1000 ReLU layers with dropout 0.5, 40 epochs, eta=0.03", 99.60,
     "dropout", 40, 0.03, 0.0, expanded=True)
_reg("ch6-ensemble", "ensemble of 5 dropout nets (seeds 0-4), majority vote", 99.67, "dropout", 40, 0.03, 0.0,
     expanded=True, run=run_ensemble, k=5, note="majority vote of 5 networks")
