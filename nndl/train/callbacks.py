"""Callbacks: small objects the training loop notifies at the start and end of epochs.

Every callback that keeps counters (early stopping, schedules) exposes them through
``get_state``/``set_state`` so a checkpoint can save them and a resumed run behaves exactly
like an uninterrupted one.
"""
from __future__ import annotations

import json
import math
import sys

import numpy as np


class Callback:
    model = None

    def set_model(self, model):
        self.model = model

    def on_train_begin(self, info: dict): ...
    def on_epoch_begin(self, epoch: int): ...
    def on_epoch_end(self, epoch: int, logs: dict): ...
    def on_train_end(self): ...

    # Only callbacks that define on_batch_end(batch, loss) are called per mini-batch (a hot
    # path); ``loss`` is the mini-batch's mean cost before its update (Sequential.train_step).
    on_batch_end = None

    def get_state(self) -> dict:
        return {}

    def set_state(self, state: dict) -> None:
        pass


class CallbackList:
    def __init__(self, callbacks, model):
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            cb.set_model(model)
            cb.peers = self.callbacks  # lets a checkpoint save the others' state

    def batch_hooks(self):
        return [cb.on_batch_end for cb in self.callbacks if cb.on_batch_end is not None]

    def on_train_begin(self, info):
        for cb in self.callbacks:
            cb.on_train_begin(info)

    def on_epoch_begin(self, epoch):
        for cb in self.callbacks:
            cb.on_epoch_begin(epoch)

    def on_epoch_end(self, epoch, logs):
        for cb in self.callbacks:
            cb.on_epoch_end(epoch, logs)

    def on_train_end(self):
        for cb in self.callbacks:
            cb.on_train_end()


class History(Callback):
    """Per-epoch records: ``history['val_accuracy'][k]`` is the value after epoch k+1.

    Keys: epoch, lr, train_time, time, and whichever of cost, accuracy, val_cost,
    val_accuracy were monitored."""

    def __init__(self, records: dict | None = None):
        self.history: dict[str, list] = {k: list(v) for k, v in (records or {}).items()}

    def on_epoch_end(self, epoch, logs):
        for k, v in logs.items():
            self.history.setdefault(k, []).append(v)

    def __getitem__(self, key):
        return self.history[key]

    def __contains__(self, key):
        return key in self.history

    def keys(self):
        return self.history.keys()

    def __len__(self):
        return len(self.history.get("epoch", []))

    def best(self, key: str = "val_accuracy", mode: str = "max"):
        """(epoch, value) of the best record of ``key``."""
        vals = self.history[key]
        pick = max if mode == "max" else min
        i = pick(range(len(vals)), key=vals.__getitem__)
        return self.history["epoch"][i], vals[i]

    def to_dict(self) -> dict:
        return {k: list(v) for k, v in self.history.items()}

    def __repr__(self):
        return f"History({len(self)} epochs, keys={sorted(self.history)})"


def _mode_for(monitor: str) -> str:
    return "min" if monitor.endswith("cost") or monitor.endswith("loss") else "max"


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved (by more than ``min_delta``) for ``patience``
    epochs: the book's "no-improvement-in-n" rule (chapter 3, problem 12). With
    ``restore_best=True`` the best weights are put back at the end."""

    def __init__(self, monitor: str = "val_accuracy", patience: int = 10, min_delta: float = 0.0,
                 restore_best: bool = False):
        if int(patience) < 1:
            raise ValueError(f"early-stopping patience must be >= 1, got {patience}")
        self.monitor, self.patience, self.min_delta = monitor, int(patience), float(min_delta)
        self.mode = _mode_for(monitor)
        self.restore_best = restore_best
        self.best, self.wait, self.stopped_epoch = None, 0, None
        self._best_weights = None

    def _improved(self, value):
        if self.best is None:
            return True
        if self.mode == "max":
            return value > self.best + self.min_delta
        return value < self.best - self.min_delta

    def on_epoch_end(self, epoch, logs):
        if self.monitor not in logs:
            raise KeyError(f"early stopping monitors {self.monitor!r}, which is not measured "
                           f"(have: {', '.join(sorted(logs))})")
        value = logs[self.monitor]
        if self._improved(value):
            self.best, self.wait = value, 0
            if self.restore_best:
                self._best_weights = self.model.get_weights()
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.stopped_epoch = epoch + 1
                self.model.stop_training = True

    def on_train_end(self):
        if self.restore_best and self._best_weights is not None:
            self.model.set_weights(self._best_weights)

    def get_state(self):
        return {"best": self.best, "wait": self.wait}

    def set_state(self, state):
        self.best, self.wait = state.get("best"), int(state.get("wait", 0))


class AverageImprovementStopping(Callback):
    """A second rule (chapter 3, problem 13): stop when the *average* improvement of
    ``monitor`` per epoch over the last ``window`` epochs falls below ``threshold``. Less
    jumpy than no-improvement-in-n, since one lucky epoch does not reset it."""

    def __init__(self, monitor: str = "val_accuracy", window: int = 10, threshold: float = 1e-4):
        if int(window) < 1:
            raise ValueError(f"window must be >= 1, got {window}")
        self.monitor, self.window, self.threshold = monitor, int(window), float(threshold)
        self.sign = 1.0 if _mode_for(monitor) == "max" else -1.0
        self.values: list[float] = []

    def on_epoch_end(self, epoch, logs):
        self.values.append(float(logs[self.monitor]))
        if len(self.values) > self.window:
            gain = self.sign * (self.values[-1] - self.values[-1 - self.window]) / self.window
            if gain < self.threshold:
                self.model.stop_training = True

    def get_state(self):
        return {"values": self.values}

    def set_state(self, state):
        self.values = list(state.get("values", []))


class ProgressBar(Callback):
    """A tqdm bar over the mini-batches of each epoch."""

    def __init__(self, file=None, leave: bool = False):
        self.file, self.leave, self.bar = file, leave, None

    def on_train_begin(self, info):
        self.total = math.ceil(info["n"] / info["batch_size"])
        self.epochs = info["epochs"]

    def on_epoch_begin(self, epoch):
        from tqdm.auto import tqdm

        self.bar = tqdm(total=self.total, desc=f"epoch {epoch + 1}/{self.epochs}", unit="batch",
                        leave=self.leave, file=self.file or sys.stderr, mininterval=0.25,
                        dynamic_ncols=True)
        self._pending = 0

    def on_batch_end(self, batch, loss):
        # tqdm.update per batch costs ~1 µs; batch updates keep the hot loop lean anyway.
        self._pending += 1
        if self._pending == 200:
            self.bar.update(200)
            self._pending = 0

    def on_epoch_end(self, epoch, logs):
        if self.bar is not None:
            self.bar.update(self._pending)
            self.bar.close()
            self.bar = None


def format_epoch(logs: dict, epochs: int | None = None, eval_label: str = "validation") -> str:
    """One human line per epoch — the one epoch line nndl prints everywhere:
    'epoch  3/30  cost 0.1234  acc 95.10%  val_cost 0.1100  val_acc 95.40%  eta 0.5  1.2s'."""
    width = len(str(epochs)) if epochs else 3
    parts = [f"epoch {logs['epoch']:>{width}}" + (f"/{epochs}" if epochs else "")]
    short = "val" if eval_label == "validation" else "test"
    for key, label in (("cost", "cost"), ("accuracy", "acc"), ("val_cost", f"{short}_cost"),
                       ("val_accuracy", f"{short}_acc")):
        if key in logs:
            v = logs[key]
            parts.append(f"{label} {v * 100:6.2f}%" if "acc" in key else f"{label} {v:.4f}")
    parts.append(f"eta {logs['lr']:g}")
    parts.append(f"{logs['time']:.1f}s")
    return "  ".join(parts)


def _finite_or_none(v):
    return None if isinstance(v, float) and not math.isfinite(v) else v


class EpochLogger(Callback):
    """Prints :func:`format_epoch`'s line after each epoch, or (``json_lines=True``) one JSON
    object per line, ``{"event": "epoch", ...logs}`` (NaN/inf as null). ``every=k`` prints only
    every k-th epoch (and the first and last); ``prefix`` starts each human line."""

    def __init__(self, file=None, json_lines: bool = False, eval_label: str = "validation", every: int = 1,
                 prefix: str = ""):
        self.file, self.json_lines, self.eval_label = file, json_lines, eval_label
        self.every, self.prefix, self.epochs = max(1, int(every)), prefix, None

    def on_train_begin(self, info):
        self.epochs = info["epochs"]

    def on_epoch_end(self, epoch, logs):
        e = logs["epoch"]
        if self.every > 1 and not (e % self.every == 0 or e == 1 or e == self.epochs):
            return
        if self.json_lines:
            line = json.dumps({"event": "epoch", **{k: _finite_or_none(v) for k, v in logs.items()}})
        else:
            line = self.prefix + format_epoch(logs, self.epochs, self.eval_label)
        print(line, file=self.file or sys.stdout, flush=True)


class LambdaCallback(Callback):
    """Run ``fn(epoch, logs)`` after each epoch."""

    def __init__(self, on_epoch_end):
        self._fn = on_epoch_end

    def on_epoch_end(self, epoch, logs):
        self._fn(epoch, logs)


class BatchLosses(Callback):
    """Records the loss of every mini-batch (``losses``) and their mean per epoch
    (``epoch_cost``); stops training at the first loss that is not finite (``diverged``)."""

    def __init__(self):
        self.losses, self.epoch_cost, self.diverged, self._first = [], [], False, 0

    def on_epoch_begin(self, epoch):
        self._first = len(self.losses)

    def on_batch_end(self, batch, loss):
        self.losses.append(loss)
        if not math.isfinite(loss):
            self.diverged = self.model.stop_training = True

    def on_epoch_end(self, epoch, logs):
        self.epoch_cost.append(float(np.mean(self.losses[self._first:])))
