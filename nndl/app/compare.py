"""The lecture's optimiser comparison: the same network, from the same initial weights and on the
same mini-batches, trained with each optimiser through the one training loop; their per-batch
training losses (for one plot: :func:`nndl.viz.plot_comparison`).

    >>> from nndl.app.compare import compare_optimizers
    >>> curves = compare_optimizers(make_model, X, y, ["sgd", "momentum", "adam"])  # doctest: +SKIP

``make_model()`` must return a fresh, built model; it is called once and its weights and RNG
state are reset before each optimiser's run, so the runs differ in the optimiser only.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from ..backend import rng_state, set_rng_state
from ..optim import accepted_settings, get_optimizer
from ..train.callbacks import BatchLosses

DEFAULT_OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")


@dataclass
class Curve:
    name: str
    optimizer: dict                 # the optimiser's config
    losses: list                    # training loss of every mini-batch (before its update)
    epoch_cost: list = field(default_factory=list)   # mean mini-batch loss per epoch
    seconds: float = 0.0
    diverged: bool = False


def _optimizer(spec, lrs, shared):
    if not isinstance(spec, str):
        return get_optimizer(spec)
    name = spec.lower()
    get_optimizer(name)  # an unknown name fails here, with "did you mean"
    kw = {k: v for k, v in shared.items() if k in accepted_settings(name) and v is not None}
    if lrs and name in lrs:
        kw["lr"] = lrs[name]
    return get_optimizer(name, **kw)


def compare_optimizers(model_or_factory, X, y, optimizers=DEFAULT_OPTIMIZERS, *, epochs: int = 1,
                       batch_size: int = 64, lrs: dict | None = None, **optimizer_kwargs) -> list[Curve]:
    """Train one network with each optimiser (names, configs or instances) from the same start.

    ``lrs`` maps an optimiser name to its η (otherwise its own default, as in Keras);
    ``optimizer_kwargs`` are passed to every optimiser that takes them."""
    model = model_or_factory() if callable(model_or_factory) else model_or_factory
    if int(epochs) < 1 or int(batch_size) < 1:
        raise ValueError(f"epochs and batch size must be >= 1, got {epochs} and {batch_size}")
    opts = [_optimizer(spec, lrs, optimizer_kwargs) for spec in optimizers]
    if not opts:
        raise ValueError("no optimisers to compare")
    weights0, rng0, reg = model.get_weights(), rng_state(model.rng), model.regularizer
    curves = []
    for opt in opts:
        model.set_weights(weights0)
        set_rng_state(model.rng, rng0)
        model.compile(optimizer=opt, regularizer=reg)
        record = BatchLosses()
        start = time.perf_counter()
        model.fit(X, y, epochs=int(epochs), batch_size=int(batch_size), callbacks=[record],
                  monitor_training=False, stop_on_divergence=False)
        curves.append(Curve(opt.name, opt.get_config(), record.losses, record.epoch_cost,
                            time.perf_counter() - start, record.diverged))
    model.set_weights(weights0)
    set_rng_state(model.rng, rng0)
    return curves
