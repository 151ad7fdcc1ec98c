"""Learning-rate schedules, as callbacks that set ``model.optimizer.lr``.

* :class:`HalveOnPlateau` — the book's chapter 3 rule (exercise in "How to choose a neural
  network's hyper-parameters?"): halve η whenever validation accuracy has not improved for
  ``patience`` epochs, and stop once η has fallen to η₀/128.
* :class:`LearningRateScheduler` — any function of the epoch, ``fn(epoch) -> η``
  (chapter 6, problem 6). Epochs count from 0.

From the lectures (each a function of the epoch t and the starting rate η₀, which is the
optimiser's lr when training begins; set before each epoch runs):

* :class:`StepDecay`         η = η₀ · factorᵏ with k = ⌊t / step⌋
* :class:`ExponentialDecay`  η = η₀ · rateᵗ
* :class:`CosineDecay`       η = η_min + (η₀ − η_min) · (1 + cos(π t / T)) / 2 over T epochs
* :class:`WarmUp`            η = η₀ (t + 1) / w for the first w epochs, then another schedule

:func:`parse_schedule` builds one from a short string ("step:10:0.5", "cosine", "warmup:5+cosine"),
and :func:`parse_early_stopping` an early-stopping rule ("no-improvement:10", "average:10").
"""
from __future__ import annotations

import math

from ..errors import ConfigError
from .callbacks import AverageImprovementStopping, Callback, EarlyStopping, _mode_for


class HalveOnPlateau(Callback):
    def __init__(self, monitor: str = "val_accuracy", patience: int = 10, factor: float = 0.5,
                 min_ratio: float = 1 / 128, stop: bool = True):
        if int(patience) < 1:
            raise ValueError(f"patience must be >= 1, got {patience}")
        if not 0 < float(factor) < 1:
            raise ValueError(f"factor must be in (0, 1), got {factor}")
        self.monitor, self.patience, self.factor = monitor, int(patience), float(factor)
        self.min_ratio, self.stop = float(min_ratio), stop
        self.mode = _mode_for(monitor)
        self.best, self.wait, self.lr0 = None, 0, None

    def on_train_begin(self, info):
        if self.lr0 is None:
            self.lr0 = self.model.optimizer.lr

    def on_epoch_end(self, epoch, logs):
        value = logs[self.monitor]
        better = self.best is None or (value > self.best if self.mode == "max" else value < self.best)
        if better:
            self.best, self.wait = value, 0
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.wait = 0
            self.model.optimizer.lr *= self.factor
            if self.stop and self.model.optimizer.lr < self.lr0 * self.min_ratio * (1 + 1e-9):
                self.model.stop_training = True

    def get_state(self):
        return {"best": self.best, "wait": self.wait, "lr0": self.lr0}

    def set_state(self, state):
        self.best, self.wait, self.lr0 = state.get("best"), int(state.get("wait", 0)), state.get("lr0")


class LearningRateScheduler(Callback):
    """η for each epoch from ``fn(epoch)`` (epoch counts from 0), set before the epoch runs."""

    def __init__(self, fn):
        self.fn = fn

    def on_epoch_begin(self, epoch):
        lr = float(self.fn(epoch))
        if not lr > 0:
            raise ValueError(f"schedule gave a non-positive learning rate {lr} for epoch {epoch}")
        self.model.optimizer.lr = lr


class EpochSchedule(Callback):
    """Base of the schedules that are a function of the epoch: subclasses define
    ``lr_at(epoch, lr0, total_epochs)``. η₀ is captured when training first begins and saved
    in checkpoints, so a resumed run follows the same curve."""

    def __init__(self):
        self.lr0, self.total = None, None

    def on_train_begin(self, info):
        if self.lr0 is None:
            self.lr0 = float(self.model.optimizer.lr)
        if self.total is None:
            self.total = int(info.get("epochs", 1))

    def on_epoch_begin(self, epoch):
        lr = float(self.lr_at(epoch, self.lr0, self.total))
        if not lr > 0:
            raise ValueError(f"schedule gave a non-positive learning rate {lr} for epoch {epoch}")
        self.model.optimizer.lr = lr

    def lr_at(self, epoch: int, lr0: float, total: int) -> float:
        raise NotImplementedError

    def get_state(self):
        return {"lr0": self.lr0, "total": self.total}

    def set_state(self, state):
        self.lr0, self.total = state.get("lr0"), state.get("total")


class StepDecay(EpochSchedule):
    """Multiply η by ``factor`` every ``step`` epochs."""

    def __init__(self, step: int = 10, factor: float = 0.5):
        super().__init__()
        if int(step) < 1:
            raise ValueError(f"step decay needs step >= 1 epoch, got {step}")
        if not 0 < float(factor) <= 1:
            raise ValueError(f"step decay factor must be in (0, 1], got {factor}")
        self.step, self.factor = int(step), float(factor)

    def lr_at(self, epoch, lr0, total):
        return lr0 * self.factor ** (epoch // self.step)


class ExponentialDecay(EpochSchedule):
    """η = η₀ · rateᵗ."""

    def __init__(self, rate: float = 0.95):
        super().__init__()
        if not 0 < float(rate) <= 1:
            raise ValueError(f"exponential decay rate must be in (0, 1], got {rate}")
        self.rate = float(rate)

    def lr_at(self, epoch, lr0, total):
        return lr0 * self.rate ** epoch


class CosineDecay(EpochSchedule):
    """Half a cosine from η₀ down to ``min_lr`` over ``epochs`` (default: the run's length)."""

    def __init__(self, epochs: int | None = None, min_lr: float = 0.0):
        super().__init__()
        if epochs is not None and int(epochs) < 1:
            raise ValueError(f"cosine decay needs epochs >= 1, got {epochs}")
        if not float(min_lr) >= 0:
            raise ValueError(f"cosine decay min_lr must be >= 0, got {min_lr}")
        self.epochs, self.min_lr = (None if epochs is None else int(epochs)), float(min_lr)

    def lr_at(self, epoch, lr0, total):
        T = self.epochs or total
        t = min(epoch, T)
        lr = self.min_lr + (lr0 - self.min_lr) * 0.5 * (1 + math.cos(math.pi * t / T))
        # the last epoch of a run would otherwise get exactly min_lr (0): keep it positive
        return lr if lr > 0 else lr0 * 1e-6


class WarmUp(EpochSchedule):
    """Ramp η linearly up to η₀ over ``epochs`` epochs, then hand over to ``after`` (another
    EpochSchedule, counted from the end of the warm-up), or keep η₀."""

    def __init__(self, epochs: int = 5, after: EpochSchedule | None = None):
        super().__init__()
        if int(epochs) < 1:
            raise ValueError(f"warm-up needs epochs >= 1, got {epochs}")
        self.epochs, self.after = int(epochs), after

    def lr_at(self, epoch, lr0, total):
        if epoch < self.epochs:
            return lr0 * (epoch + 1) / self.epochs
        if self.after is None:
            return lr0
        return self.after.lr_at(epoch - self.epochs, lr0, max(1, total - self.epochs))


EARLY_STOPPING_HELP = "none | no-improvement:N (the book's rule) | average:N[:THRESHOLD]"
SCHEDULE_HELP = ("none | halve:PATIENCE | step:EVERY[:FACTOR] | exponential:RATE | "
                 "cosine[:MIN_LR] | warmup:EPOCHS[+SCHEDULE]")


def parse_schedule(spec):
    """A schedule callback from a short string (None for 'none'/'constant'):

    ``halve:10`` (the book's halve-on-plateau, patience 10), ``step:10:0.5``,
    ``exponential:0.95``, ``cosine`` or ``cosine:1e-5`` (min η), ``warmup:5`` or
    ``warmup:5+cosine``. Bad strings raise ConfigError (a ValueError)."""
    if spec is None or isinstance(spec, Callback):
        return spec
    text = str(spec).strip().lower()
    if text in ("", "none", "constant"):
        return None
    try:
        if "+" in text:
            head, rest = text.split("+", 1)
            first = parse_schedule(head)
            if not isinstance(first, WarmUp) or first.after is not None:
                raise ValueError("only 'warmup:N+SCHEDULE' may combine schedules")
            after = parse_schedule(rest)
            if not isinstance(after, EpochSchedule):
                raise ValueError(f"cannot warm up into {rest!r}")
            first.after = after
            return first
        name, *args = text.split(":")
        if name in ("halve", "plateau", "halve_on_plateau"):
            _nargs(name, args, 0, 1)
            return HalveOnPlateau(patience=int(args[0]) if args else 10)
        if name == "step":
            _nargs(name, args, 1, 2)
            return StepDecay(int(args[0]), float(args[1]) if len(args) > 1 else 0.5)
        if name in ("exponential", "exp"):
            _nargs(name, args, 0, 1)
            return ExponentialDecay(float(args[0]) if args else 0.95)
        if name == "cosine":
            _nargs(name, args, 0, 1)
            return CosineDecay(min_lr=float(args[0]) if args else 0.0)
        if name == "warmup":
            _nargs(name, args, 0, 1)
            return WarmUp(int(args[0]) if args else 5)
        raise ValueError(f"unknown schedule {name!r}")
    except (ValueError, TypeError) as e:
        raise ConfigError(f"bad schedule {spec!r}: {e}; use {SCHEDULE_HELP}") from None


def _nargs(name, args, lo, hi):
    if not lo <= len(args) <= hi:
        raise ValueError(f"{name} takes {lo}..{hi} ':'-separated numbers, got {len(args)}")


def parse_early_stopping(spec, monitor: str = "val_accuracy"):
    """The early-stopping callback for ``none``, ``no-improvement:N`` (alias ``patience:N``;
    the book's no-improvement-in-N rule) or ``average:N[:threshold]`` (stop when the mean
    improvement per epoch over the last N epochs is below threshold, default 1e-4)."""
    name, *args = (spec or "none").strip().lower().replace("_", "-").split(":")
    try:
        if name == "none" and not args:
            return None
        if name in ("no-improvement", "patience") and len(args) == 1 and int(args[0]) >= 1:
            return EarlyStopping(monitor=monitor, patience=int(args[0]))
        if name == "average" and 1 <= len(args) <= 2 and int(args[0]) >= 1:
            return AverageImprovementStopping(monitor=monitor, window=int(args[0]),
                                              threshold=float(args[1]) if len(args) == 2 else 1e-4)
    except ValueError:
        pass
    raise ConfigError(f"early_stopping {spec!r} not understood: use {EARLY_STOPPING_HELP}")
