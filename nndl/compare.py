"""The lecture's optimiser comparison: the same network, from the same initial weights and on
the same mini-batches, trained with each optimiser; their training-loss curves on one plot.

    >>> from nndl.compare import compare_optimizers, plot_comparison
    >>> curves = compare_optimizers(make_model, X, y, ["sgd", "momentum", "adam"])  # doctest: +SKIP
    >>> plot_comparison(curves, "optimizers.png")                                    # doctest: +SKIP

``make_model()`` must return a fresh, built model; it is called once and its weights and RNG
state are reset before each optimiser's run, so the runs differ in the optimiser only.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from .backend import rng_state, set_rng_state

DEFAULT_OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")


@dataclass
class Curve:
    name: str
    optimizer: dict                 # the optimiser's config
    losses: list                    # training loss of every mini-batch (before its update)
    epoch_cost: list = field(default_factory=list)   # mean mini-batch loss per epoch
    seconds: float = 0.0
    diverged: bool = False


def compare_optimizers(model_or_factory, X, y, optimizers=DEFAULT_OPTIMIZERS, *, epochs: int = 1,
                       batch_size: int = 64, lrs: dict | None = None, **optimizer_kwargs) -> list[Curve]:
    """Train one network with each optimiser (names, configs or instances) from the same start.

    ``lrs`` maps an optimiser name to its η (otherwise its own default, as in Keras);
    ``optimizer_kwargs`` are passed to every optimiser that takes them."""
    from .optim import get_optimizer
    from .core.activations import Linear

    model = model_or_factory() if callable(model_or_factory) else model_or_factory
    if int(epochs) < 1 or int(batch_size) < 1:
        raise ValueError(f"epochs and batch size must be >= 1, got {epochs} and {batch_size}")
    specs = list(optimizers)
    if not specs:
        raise ValueError("no optimisers to compare")
    opts = []
    for spec in specs:
        kw = {}
        name = spec if isinstance(spec, str) else None
        if name is not None and lrs and name in lrs:
            kw["lr"] = lrs[name]
        if name is not None and optimizer_kwargs:
            import inspect

            from .optim import OPTIMIZERS

            if name.lower() not in OPTIMIZERS:
                get_optimizer(name)  # raises the unknown-optimiser error
            accepted = set()
            for c in OPTIMIZERS[name.lower()].__mro__:
                if "__init__" in vars(c):
                    accepted |= set(inspect.signature(c.__init__).parameters)
            kw.update({k: v for k, v in optimizer_kwargs.items() if k in accepted and v is not None})
        opts.append(get_optimizer(spec, **kw))
    Xd, Yd = model.as_inputs(X), model.as_targets(y)
    n = Xd.shape[0]
    weights0, rng0 = model.get_weights(), rng_state(model.rng)
    reg = model.regularizer
    out = model.layers[-1]
    act = getattr(out, "activation", Linear())
    curves = []
    for opt in opts:
        model.set_weights(weights0)
        set_rng_state(model.rng, rng0)
        model.compile(optimizer=opt, regularizer=reg)
        losses, epoch_cost, diverged = [], [], False
        start = time.perf_counter()
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            for _ in range(int(epochs)):
                perm = model.xp.asarray(model.rng.permutation(n))
                Xs, Ys = model.xp.take(Xd, perm, axis=0), model.xp.take(Yd, perm, axis=0)
                first = len(losses)
                for k in range(0, n, batch_size):
                    yb = Ys[k:k + batch_size]
                    model.train_step(Xs[k:k + batch_size], yb, n)
                    a = model._last_output
                    loss = float(model.cost.value(getattr(out, "z", a), a, yb, act))
                    losses.append(loss)
                    if not math.isfinite(loss):
                        diverged = True
                        break
                epoch_cost.append(float(np.mean(losses[first:])))
                if diverged:
                    break
        curves.append(Curve(opt.name, opt.get_config(), losses, epoch_cost,
                            time.perf_counter() - start, diverged))
    model.set_weights(weights0)
    set_rng_state(model.rng, rng0)
    return curves


def smooth_curve(values, window: int = 20):
    """Exponential moving average with factor 1 − 1/window, bias-corrected (so the first
    points are not pulled towards 0): a readable curve through noisy mini-batch losses."""
    v = np.asarray(values, dtype=float)
    if len(v) < 2 or window <= 1:
        return v
    beta, avg = 1.0 - 1.0 / window, 0.0
    out = np.empty_like(v)
    for i, x in enumerate(v):
        avg = beta * avg + (1 - beta) * x
        out[i] = avg / (1 - beta ** (i + 1))
    return out


def plot_comparison(curves, path, title: str | None = None, window: int = 20, log_y: bool = True) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for c in curves:
        lr = c.optimizer.get("lr")
        label = f"{c.name} (η={lr:g})" + (" — diverged" if c.diverged else "")
        ax.plot(np.arange(1, len(c.losses) + 1), smooth_curve(c.losses, window), lw=1.5, label=label)
    ax.set_xlabel("mini-batch")
    ax.set_ylabel(f"training loss (smoothed over ~{window} mini-batches)")
    if log_y:
        ax.set_yscale("log")
    ax.set_title(title or "optimisers from the same initial weights")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    from nndl.atomic import atomic_savefig  # the one atomic writer
    atomic_savefig(fig, path, dpi=100)
    plt.close(fig)
    return str(path)
