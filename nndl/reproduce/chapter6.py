"""Chapter 6: network3.py — convolutional networks, ReLU, expanded data, dropout, ensembles.

Every row is run through the book's own API (:mod:`nndl.book.network3`), so the settings are
the book's: mini-batch 10, no reshuffling between epochs, the book's weight initialisation and
its L2 term, and the reported figure is the test accuracy at the epoch of best validation
accuracy. ``ARCHITECTURES`` names the networks (also used by ``nndl ensemble``).

Time estimates are per-epoch seconds measured on this 2-core machine (shared, so ±50%),
times the book's epochs; ``nndl reproduce --seed``/``--epochs`` style shortening is up to
the caller (``NNDL_CH6_EPOCHS`` caps the epochs of every chapter 6 row, for trying them out).
"""
from __future__ import annotations

import io
import sys
import os
import time

import numpy as np

from .registry import Outcome, Recipe, register
from .runner import run_folder

MB = 10  # the book's mini-batch size throughout chapter 6


def _layers(arch: str, mb: int = MB):
    from ..book.network3 import (ConvPoolLayer, FullyConnectedLayer, ReLU, SoftmaxLayer, sigmoid)

    conv1 = lambda act: ConvPoolLayer(image_shape=(mb, 1, 28, 28), filter_shape=(20, 1, 5, 5),  # noqa: E731
                                      poolsize=(2, 2), activation_fn=act)
    conv2 = lambda act: ConvPoolLayer(image_shape=(mb, 20, 12, 12), filter_shape=(40, 20, 5, 5),  # noqa: E731
                                      poolsize=(2, 2), activation_fn=act)
    if arch == "fc100":
        return [FullyConnectedLayer(n_in=784, n_out=100), SoftmaxLayer(n_in=100, n_out=10)]
    if arch == "conv1":
        return [conv1(sigmoid), FullyConnectedLayer(n_in=20 * 12 * 12, n_out=100),
                SoftmaxLayer(n_in=100, n_out=10)]
    if arch == "conv2":
        return [conv1(sigmoid), conv2(sigmoid), FullyConnectedLayer(n_in=40 * 4 * 4, n_out=100),
                SoftmaxLayer(n_in=100, n_out=10)]
    if arch == "conv2-relu":
        return [conv1(ReLU), conv2(ReLU), FullyConnectedLayer(n_in=640, n_out=100, activation_fn=ReLU),
                SoftmaxLayer(n_in=100, n_out=10)]
    if arch == "conv2-relu-fc2":
        return [conv1(ReLU), conv2(ReLU), FullyConnectedLayer(n_in=640, n_out=100, activation_fn=ReLU),
                FullyConnectedLayer(n_in=100, n_out=100, activation_fn=ReLU), SoftmaxLayer(n_in=100, n_out=10)]
    if arch == "dropout":
        return [conv1(ReLU), conv2(ReLU),
                FullyConnectedLayer(n_in=640, n_out=1000, activation_fn=ReLU, p_dropout=0.5),
                FullyConnectedLayer(n_in=1000, n_out=1000, activation_fn=ReLU, p_dropout=0.5),
                SoftmaxLayer(n_in=1000, n_out=10, p_dropout=0.5)]
    from ..errors import ConfigError

    raise ConfigError(f"unknown chapter 6 architecture {arch!r}: choose one of {', '.join(ARCHITECTURES)}")


ARCHITECTURES = {
    "fc100": "FC100 sigmoid + softmax",
    "conv1": "conv-pool 20@5×5 + FC100 + softmax, sigmoid",
    "conv2": "two conv-pool (20, 40 maps) + FC100 + softmax, sigmoid",
    "conv2-relu": "two conv-pool + FC100 + softmax, ReLU",
    "conv2-relu-fc2": "two conv-pool + two FC100 + softmax, ReLU",
    "dropout": "two conv-pool + two FC1000 ReLU with dropout 0.5 (and on the softmax)",
}


def book_network(arch: str, seed: int = 0, mb: int = MB):
    """A :class:`nndl.book.network3.Network` of a named chapter 6 architecture."""
    from ..book.network3 import Network

    return Network(_layers(arch, mb), mb, seed=seed)


def _data(ctx, expanded: bool):
    from ..data import load_mnist
    from ..data.expand import load_expanded_mnist

    d = load_expanded_mnist(ctx.data_dir, scale="book") if expanded else load_mnist(ctx.data_dir, scale="book")
    return [(s.X, s.y) for s in d]


def _epochs(recipe) -> int:
    cap = os.environ.get("NNDL_CH6_EPOCHS")
    e = int(recipe.settings["epochs"])
    return min(e, int(cap)) if cap else e


def _train_one(recipe, ctx, seed, data, out):
    s = recipe.settings
    net = book_network(s["arch"], seed)
    tr, va, te = data
    best_val, best_it, test_acc = net.SGD(tr, _epochs(recipe), MB, s["eta"], va, te, lmbda=s.get("lmbda", 0.0),
                                          print_every=0, file=out)
    return net, best_val, best_it, test_acc


def run_network3(recipe: Recipe, ctx) -> Outcome:
    t = time.perf_counter()
    data = _data(ctx, recipe.settings.get("expanded", False))
    folder = run_folder(recipe, ctx)
    folder.mkdir(parents=True, exist_ok=True)
    log = io.StringIO()
    out = _Tee(log)
    seed = 0 if ctx.seed is None else ctx.seed
    net, best_val, best_it, test_acc = _train_one(recipe, ctx, seed, data, out)
    (folder / "log.txt").write_text(log.getvalue())
    net.save(folder / "model.npz")
    return Outcome(100.0 * test_acc, folder, time.perf_counter() - t,
                   {"best_validation": 100.0 * best_val, "best_iteration": best_it,
                    "epochs_run": len(net.history_rows)})


def run_ensemble(recipe: Recipe, ctx) -> Outcome:
    from ..ensemble import Ensemble

    t = time.perf_counter()
    data = _data(ctx, recipe.settings.get("expanded", False))
    folder = run_folder(recipe, ctx)
    folder.mkdir(parents=True, exist_ok=True)
    k = int(recipe.settings.get("k", 5))
    base = 0 if ctx.seed is None else ctx.seed
    models, members = [], []
    for i in range(k):
        log = io.StringIO()
        net, best_val, _, test_acc = _train_one(recipe, ctx, base + i, data, _Tee(log))
        (folder / f"log_member_{i}.txt").write_text(log.getvalue())
        models.append(net.model)
        members.append(100.0 * test_acc)
        print(f"   member {i + 1}/{k}: test {100 * test_acc:.2f}%", file=sys.stderr, flush=True)
    ens = Ensemble(models, [base + i for i in range(k)])
    ens.save(folder / "ensemble")
    X, y = data[2]
    r = ens.evaluate(np.asarray(X).reshape(-1, *models[0].input_shape), y)
    return Outcome(100.0 * r["vote"], folder, time.perf_counter() - t,
                   {"average": 100.0 * r["average"], "members": members, "vote_errors": r["vote_errors"]})


class _Tee(io.TextIOBase):
    """Show the book's epoch lines (on stderr, so ``--json`` output stays clean) and keep
    them for the run folder's log."""

    def __init__(self, log):
        self.log = log

    def write(self, s):
        self.log.write(s)
        sys.stderr.write("   " + s if s.strip() else s)
        return len(s)

    def flush(self):
        sys.stderr.flush()


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
