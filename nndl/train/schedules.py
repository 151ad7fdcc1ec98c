"""Learning-rate schedules, as callbacks that set ``model.optimizer.lr``.

* :class:`HalveOnPlateau` — the book's chapter 3 rule (exercise in "How to choose a neural
  network's hyper-parameters?"): halve η whenever validation accuracy has not improved for
  ``patience`` epochs, and stop once η has fallen to η₀/128.
* :class:`LearningRateScheduler` — any function of the epoch, ``fn(epoch) -> η``
  (chapter 6, problem 6). Epochs count from 0.
"""
from __future__ import annotations

from .callbacks import Callback, _mode_for


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
