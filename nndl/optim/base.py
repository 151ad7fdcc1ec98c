"""The optimiser contract: explicit state, one update rule per class.

``step(params, regularizer, n)`` does, for every parameter:

1. add the regulariser's gradient to the weights' gradients (λ/n·w for L2, λ/n·sgn w for L1);
2. apply the update rule of the subclass (``update``).

State (velocities, moment estimates, step counts) lives in ``self.state`` as arrays keyed by
the parameter's position, so a checkpoint can save it and a resumed run continues exactly.
"""
from __future__ import annotations

from ..backend import to_device, to_host


class Optimizer:
    name = "optimizer"

    def __init__(self, lr: float):
        self.lr = _positive("learning rate", lr)
        self.state: dict[str, object] = {}
        self.iterations = 0

    def step(self, params, regularizer=None, n: int = 1) -> None:
        reg = regularizer if regularizer is not None and regularizer.lmbda else None
        for i, p in enumerate(params):
            if reg is not None and p.regularize:
                reg.add_grad(p.value, p.grad, n)
            self.update(i, p)
        self.iterations += 1

    def update(self, i: int, p) -> None:
        raise NotImplementedError

    def _slot(self, key: str, like):
        """A state array (zeros like the parameter), created on first use."""
        buf = self.state.get(key)
        if buf is None:
            buf = self.state[key] = like * 0
        return buf

    # -- checkpointing ----------------------------------------------------------------------
    def get_config(self) -> dict:
        return {"name": self.name, "lr": self.lr}

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
