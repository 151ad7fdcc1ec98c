"""The optimiser contract: explicit state, one update rule per class.

``step(params, regularizer, n)`` does, for every parameter:

1. add the regulariser's gradient to the weights' gradients (λ/n·w for L2, λ/n·sgn w for L1);
2. optionally clip the gradients (by global norm or by value, :mod:`nndl.optim.clipping`),
   recording the global norm *before* clipping in ``last_grad_norm``;
3. optionally apply decoupled weight decay (AdamW style): w → w − η·wd·w on the weights;
4. apply the update rule of the subclass (``update``).

State (velocities, moment estimates, step counts) lives in ``self.state`` as arrays keyed by
the parameter's position, so a checkpoint can save it and a resumed run continues exactly.

When neither clipping nor weight decay is asked for, ``step`` is the plain loop of the book:
no extra work per mini-batch.
"""
from __future__ import annotations

import math

from ..backend import to_device, to_host
from .clipping import clip_gradients


class Optimizer:
    name = "optimizer"

    def __init__(self, lr: float, clip_norm: float | None = None, clip_value: float | None = None,
                 weight_decay: float = 0.0):
        self.lr = _positive("learning rate", lr)
        self.clip_norm = None if clip_norm is None else _positive("clip_norm", clip_norm)
        self.clip_value = None if clip_value is None else _positive("clip_value", clip_value)
        weight_decay = float(weight_decay)
        if not (weight_decay >= 0 and math.isfinite(weight_decay)):
            raise ValueError(f"weight_decay must be >= 0, got {weight_decay}")
        self.weight_decay = weight_decay
        self.state: dict[str, object] = {}
        self.iterations = 0
        self.last_grad_norm = None   # global gradient norm before clipping, last step
        self._norms: list[float] = []  # pre-clip norms since the last consume_grad_norms()

    def step(self, params, regularizer=None, n: int = 1) -> None:
        reg = regularizer if regularizer is not None and regularizer.lmbda else None
        if not (self.clip_norm is not None or self.clip_value is not None or self.weight_decay):
            for i, p in enumerate(params):           # the hot path: nothing extra per step
                if reg is not None and p.regularize:
                    reg.add_grad(p.value, p.grad, n)
                self.update(i, p)
            self.iterations += 1
            return
        if reg is not None:
            for p in params:
                if p.regularize:
                    reg.add_grad(p.value, p.grad, n)
        if self.clip_norm is not None or self.clip_value is not None:
            norm = clip_gradients(params, self.clip_norm, self.clip_value)
            self.last_grad_norm = norm
            self._norms.append(norm)
        if self.weight_decay:
            decay = 1.0 - self.lr * self.weight_decay  # decoupled: w → (1 − η·wd) w
            for p in params:
                if p.regularize:
                    p.value *= decay
        for i, p in enumerate(params):
            self.update(i, p)
        self.iterations += 1

    def consume_grad_norms(self) -> dict:
        """Summary of the pre-clip global gradient norms since the last call (for the epoch
        logs): {'grad_norm': mean, 'grad_norm_max': max}, or {} when clipping is off."""
        if not self._norms:
            return {}
        norms, self._norms = self._norms, []
        return {"grad_norm": sum(norms) / len(norms), "grad_norm_max": max(norms)}

    def update(self, i: int, p) -> None:
        raise NotImplementedError

    def _slot(self, key: str, like):
        """A state array (zeros like the parameter), created on first use."""
        buf = self.state.get(key)
        if buf is None:
            buf = self.state[key] = like * 0
        return buf

    # -- checkpointing ----------------------------------------------------------------------
    def _common_config(self) -> dict:
        cfg = {}
        if self.clip_norm is not None:
            cfg["clip_norm"] = self.clip_norm
        if self.clip_value is not None:
            cfg["clip_value"] = self.clip_value
        if self.weight_decay:
            cfg["weight_decay"] = self.weight_decay
        return cfg

    def get_config(self) -> dict:
        return {"name": self.name, "lr": self.lr, **self._common_config()}

    def state_dict(self) -> tuple[dict, dict]:
        """(JSON-able scalars, arrays) describing the optimiser completely."""
        return ({"config": self.get_config(), "iterations": self.iterations},
                {k: to_host(v) for k, v in self.state.items()})

    def load_state_dict(self, scalars: dict, arrays: dict, xp=None) -> None:
        self.iterations = int(scalars.get("iterations", 0))
        self.lr = float(scalars.get("config", {}).get("lr", self.lr))
        self.state = {k: to_device(v, xp) if xp is not None else v for k, v in arrays.items()}

    def __repr__(self):
        args = ", ".join(f"{k}={v}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"


def _positive(what: str, value) -> float:
    value = float(value)
    if not value > 0 or value == float("inf"):
        raise ValueError(f"{what} must be a positive number, got {value}")
    return value


def _fraction(what: str, value) -> float:
    """A number in [0, 1)."""
    value = float(value)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{what} must be in [0, 1), got {value}")
    return value
