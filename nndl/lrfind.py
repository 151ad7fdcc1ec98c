"""The learning-rate range test (L. Smith 2017; lecture 2): how large may η be?

Train for a short run, multiplying η by a constant factor after every mini-batch so that it
grows exponentially from ``start`` to ``end``; record each mini-batch's loss (measured before its
update) and stop once the loss explodes. Plotted against η on a log axis the curve is flat
(η too small to matter), then falls (η useful), then turns up and explodes (η too large).

The suggested range:

* upper end η_max — where the (smoothed) loss is lowest: beyond it the steps overshoot;
* lower end η_min — η_max / 10, the usual rule (Smith; fast.ai: "one order of magnitude
  below the minimum"). The point of steepest descent is reported too, for information.

The model's weights, its optimiser's state and η, and the RNG are restored afterwards, so the
test can be run before training without changing the run.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .backend import rng_state, set_rng_state, to_host


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


def lr_find(model, X, y, start: float = 1e-4, end: float = 100.0, steps: int = 1000, batch_size: int = 10,
            smooth: float = 0.98, diverge: float = 4.0, optimizer=None, seed: int | None = None) -> LRFindResult:
    """Run the range test on a compiled (or to-be-compiled with ``optimizer``) model.

    ``steps`` mini-batches of ``batch_size`` (cycling through shuffled data), η from ``start``
    to ``end`` exponentially; stop when the smoothed loss exceeds ``diverge`` × its minimum or
    is not finite. ``smooth`` is the EMA factor for the smoothed curve (0: none)."""
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
    Xd, Yd = model.as_inputs(X), model.as_targets(y)
    n = Xd.shape[0]
    if n == 0:
        raise ValueError("no training data")

    opt = model.optimizer
    saved_weights = model.get_weights()
    saved_opt = opt.state_dict()
    saved_opt = (saved_opt[0], {k: v.copy() for k, v in saved_opt[1].items()})
    saved_lr, saved_rng = opt.lr, rng_state(model.rng)
    saved_norms = list(getattr(opt, "_norms", []))
    rng = np.random.default_rng(seed) if seed is not None else model.rng

    factor = (end / start) ** (1.0 / (steps - 1))
    out = model.layers[-1]
    from .core.activations import Linear

    act = getattr(out, "activation", Linear())
    lrs, losses, smoothed = [], [], []
    avg, best, stopped = 0.0, math.inf, False
    perm, pos = rng.permutation(n), 0
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            for i in range(steps):
                if pos + batch_size > n:
                    perm, pos = rng.permutation(n), 0
                idx = model.xp.asarray(perm[pos:pos + batch_size])
                pos += batch_size
                xb, yb = model.xp.take(Xd, idx, axis=0), model.xp.take(Yd, idx, axis=0)
                lr = start * factor ** i
                opt.lr = lr
                a = model.forward(xb, training=True)
                loss = float(model.cost.value(getattr(out, "z", a), a, yb, act))
                model._last_output = a
                model.backward(yb)
                opt.step(model.parameters(), model.regularizer, n)
                lrs.append(lr)
                losses.append(loss)
                if not math.isfinite(loss):
                    stopped = True
                    smoothed.append(math.inf)
                    break
                avg = smooth * avg + (1 - smooth) * loss
                s = avg / (1 - smooth ** (i + 1)) if smooth else loss
                smoothed.append(s)
                best = min(best, s)
                if s > diverge * best and i > 10:
                    stopped = True
                    break
    finally:
        model.set_weights(saved_weights)
        opt.load_state_dict(saved_opt[0], saved_opt[1], model.xp)
        opt.lr = saved_lr
        if hasattr(opt, "_norms"):
            opt._norms = saved_norms
        set_rng_state(model.rng, saved_rng) if seed is None else None
    lo, hi, best_lr, steep_lr = suggest_range(lrs, smoothed)
    return LRFindResult(lrs, losses, smoothed, (lo, hi), best_lr, steep_lr, stopped,
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


def plot_lr_find(result: LRFindResult, path, title: str | None = None) -> str:
    """Loss against η (log axis), raw and smoothed, with the suggested range shaded."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    lrs = np.asarray(result.lrs)
    ax.plot(lrs, result.losses, color="0.75", lw=0.8, label="mini-batch loss")
    sm = np.asarray(result.smoothed, dtype=float)
    ok = np.isfinite(sm)
    ax.plot(lrs[ok], sm[ok], color="C0", lw=1.8, label="smoothed")
    lo, hi = result.suggestion
    ax.axvspan(lo, hi, color="C2", alpha=0.15, label=f"suggested η: {lo:.3g} – {hi:.3g}")
    ax.set_xscale("log")
    finite = sm[ok]
    if len(finite):
        top = max(finite[0] * 1.5, np.percentile(finite, 95))
        ax.set_ylim(max(0.0, finite.min() * 0.8) if finite.min() > 0 else None, top)
    ax.set_xlabel("learning rate η (log scale)")
    ax.set_ylabel("loss")
    ax.set_title(title or "learning-rate range test")
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    from nndl.atomic import atomic_savefig  # the one atomic writer
    atomic_savefig(fig, path, dpi=100)
    plt.close(fig)
    return str(path)
