"""The learning-rate range test (L. Smith 2017; lecture 2): how large may η be?

Train for a short run, multiplying η by a constant factor after every mini-batch so that it
grows exponentially from ``start`` to ``end``; record each mini-batch's loss (measured before its
update) and stop once the loss explodes. Plotted against η on a log axis the curve is flat
(η too small to matter), then falls (η useful), then turns up and explodes (η too large).

The suggested range:

* upper end η_max — where the (smoothed) loss is lowest: beyond it the steps overshoot;
* lower end η_min — η_max / 10, the usual rule (Smith; fast.ai: "one order of magnitude
  below the minimum"). The point of steepest descent is reported too, for information.

The test is a callback, :class:`LRRangeTest`, on the one training loop (:func:`nndl.train.fit`):
it sets η before each mini-batch and reads the loss :meth:`Sequential.train_step` returns.
:func:`lr_find` runs it and then restores the model's weights, its optimiser's state and η, and
the RNG, so the test can be run before training without changing the run.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..backend import make_rng, rng_state, set_rng_state
from .callbacks import Callback


@dataclass
class LRFindResult:
    lrs: list                     # η of each mini-batch
    losses: list                  # the mini-batch's loss before its update
    smoothed: list                # exponentially smoothed (bias-corrected) losses
    suggestion: tuple             # (η_min, η_max)
    best_lr: float                # η at the lowest smoothed loss
    steepest_lr: float            # η where the smoothed loss fell fastest
    stopped_early: bool = False   # the loss exploded before η reached ``end``
    info: dict = field(default_factory=dict)

    def summary(self) -> str:
        lo, hi = self.suggestion
        why = "loss exploded" if self.stopped_early else "reached the end of the range"
        return (f"lr range test: {len(self.lrs)} mini-batches, eta {self.lrs[0]:.3g} .. {self.lrs[-1]:.3g} ({why}); "
                f"lowest loss at eta={self.best_lr:.3g}, steepest fall at eta={self.steepest_lr:.3g}\n"
                f"suggested learning-rate range: {lo:.3g} .. {hi:.3g}")


class LRRangeTest(Callback):
    """Grow η exponentially, ηᵢ = start · (end/start)^(i/(steps−1)), one mini-batch at a time;
    record each mini-batch's loss and stop training after ``steps`` mini-batches or once the
    smoothed loss exceeds ``diverge`` × its minimum (or is not finite)."""

    def __init__(self, start: float, end: float, steps: int, smooth: float = 0.98, diverge: float = 4.0):
        self.start, self.steps, self.smooth, self.diverge = start, steps, smooth, diverge
        self.factor = (end / start) ** (1.0 / (steps - 1))
        self.lrs, self.losses, self.smoothed = [], [], []
        self.avg, self.best, self.stopped = 0.0, math.inf, False

    def on_train_begin(self, info):
        self.model.optimizer.lr = self.start

    def on_batch_end(self, batch, loss):
        i = len(self.lrs)
        self.lrs.append(self.model.optimizer.lr)
        self.losses.append(loss)
        if not math.isfinite(loss):
            self.smoothed.append(math.inf)
            self.stopped = self.model.stop_training = True
            return
        self.avg = self.smooth * self.avg + (1 - self.smooth) * loss
        s = self.avg / (1 - self.smooth ** (i + 1)) if self.smooth else loss
        self.smoothed.append(s)
        self.best = min(self.best, s)
        if s > self.diverge * self.best and i > 10:
            self.stopped = self.model.stop_training = True
        elif i + 1 == self.steps:
            self.model.stop_training = True
        else:
            self.model.optimizer.lr = self.start * self.factor ** (i + 1)


def lr_find(model, X, y, start: float = 1e-4, end: float = 100.0, steps: int = 1000, batch_size: int = 10,
            smooth: float = 0.98, diverge: float = 4.0, optimizer=None, seed: int | None = None) -> LRFindResult:
    """Run the range test on a compiled (or to-be-compiled with ``optimizer``) model.

    ``steps`` mini-batches of ``batch_size`` (epochs of shuffled data, as many as needed), η from
    ``start`` to ``end`` exponentially; stop when the smoothed loss exceeds ``diverge`` × its
    minimum or is not finite. ``smooth`` is the EMA factor for the smoothed curve (0: none);
    ``seed`` draws the shuffles from a fresh RNG instead of the model's."""
    start, end, steps, batch_size = float(start), float(end), int(steps), int(batch_size)
    if not (0 < start < end and math.isfinite(end)):
        raise ValueError(f"lr range needs 0 < start < end, got start={start:g}, end={end:g}")
    if steps < 10:
        raise ValueError(f"lr range test needs at least 10 steps, got {steps}")
    if batch_size < 1:
        raise ValueError(f"batch size must be positive, got {batch_size}")
    if not 0 <= float(smooth) < 1:
        raise ValueError(f"smooth must be in [0, 1), got {smooth}")
    if not float(diverge) > 1:
        raise ValueError(f"diverge must be > 1, got {diverge}")
    if optimizer is not None:
        model.compile(optimizer=optimizer, regularizer=model.regularizer)
    elif model.optimizer is None:
        model.compile()
    n = len(X)
    if n == 0:
        raise ValueError("no training data")
    opt = model.optimizer
    saved_weights, (saved_scalars, saved_arrays) = model.get_weights(), opt.state_dict()
    saved_arrays = {k: v.copy() for k, v in saved_arrays.items()}
    saved_lr, saved_rng = opt.lr, rng_state(model.rng)
    if seed is not None:
        set_rng_state(model.rng, rng_state(make_rng(seed)))
    test = LRRangeTest(start, end, steps, float(smooth), float(diverge))
    try:
        model.fit(X, y, epochs=-(-steps // -(-n // batch_size)), batch_size=batch_size, callbacks=[test],
                  monitor_training=False, stop_on_divergence=False)
    finally:
        model.set_weights(saved_weights)
        opt.load_state_dict(saved_scalars, saved_arrays, model.xp)
        opt.lr = saved_lr
        set_rng_state(model.rng, saved_rng)
    lo, hi, best_lr, steep_lr = suggest_range(test.lrs, test.smoothed)
    return LRFindResult(test.lrs, test.losses, test.smoothed, (lo, hi), best_lr, steep_lr, test.stopped,
                        {"start": start, "end": end, "steps": steps, "batch_size": batch_size,
                         "smooth": smooth, "optimizer": opt.get_config()})


def suggest_range(lrs, smoothed):
    """(η_min, η_max, η at the lowest loss, η at the steepest fall) from a smoothed curve."""
    lrs = np.asarray(lrs, dtype=float)
    s = np.asarray(smoothed, dtype=float)
    ok = np.isfinite(s)
    lrs, s = lrs[ok], s[ok]
    if len(s) < 3:
        raise ValueError("the loss exploded at once: lower the start of the range")
    i_best = int(np.argmin(s))
    best_lr = float(lrs[i_best])
    slope = np.gradient(s, np.log(lrs))
    # steepest fall within the two decades below η* (earlier drops are often a plateau being
    # reached, e.g. all outputs going to 0, not learning), after the smoother's warm-up
    lo_i = max(len(s) // 10, int(np.searchsorted(lrs, best_lr / 100)))
    i_steep = lo_i + int(np.argmin(slope[lo_i: i_best + 1])) if i_best > lo_i else i_best
    steep_lr = float(lrs[i_steep])
    return best_lr / 10, best_lr, best_lr, steep_lr
