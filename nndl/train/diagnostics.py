"""Per-layer diagnostics (chapter 5): how fast each hidden layer learns, and why.

The book measures the *learning speed* of hidden layer l as the length of the vector

    ‖δˡ‖ = ‖∂C/∂bˡ‖,   ∂C/∂bˡⱼ = (1/n) Σₓ δˡₓ,ⱼ    (BP3, averaged over n training images)

and finds, in a sigmoid network with four hidden layers, the first layer learning ~100× more
slowly than the last: by BP2, δˡ = ((wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ σ′(zˡ), so each layer further from the
output multiplies in one more factor wσ′(z), which is usually below ¼ (vanishing) and can be
far above 1 (exploding).

:func:`layer_stats` measures, for each hidden layer (or every layer with ``include_output``):

* ``speed``        ‖∂C/∂b‖ — the book's learning speed (a batch-norm layer's β is the bias);
* ``grad_w``       ‖∂C/∂w‖ of the data term of the cost (the L2 term is not included);
* ``weight_norm``  ‖w‖;
* ``saturated``    the fraction of sigmoid/tanh outputs whose derivative is below a tenth of its
                   maximum (σ′ < 0.025, i.e. σ outside [0.026, 0.974]; tanh′ < 0.1) — the units
                   that pass almost no gradient back;
* ``dead``         the fraction of ReLU units that output 0 on every image of the set.

It uses only the model's forward and backward passes and its parameters. It runs the forward
pass in training mode (batch norm uses the set's statistics, as training does) and then puts
back what that changes — the RNG (dropout masks) and the batch-norm running averages — so a
run with diagnostics trains exactly as one without.

:class:`Diagnostics` is the callback: at the start, and every ``every`` epochs (or every
``every_batches`` mini-batches), it appends one record to ``records`` and the speeds to the
History as ``speed_1`` … ``speed_L`` (None in epochs it does not measure). When not given to
``fit``, nothing runs: the loop calls no hook of it.
"""
from __future__ import annotations

import math

import numpy as np

from ..backend import to_host
from .callbacks import Callback, History

STATS = ("speed", "grad_w", "weight_norm", "saturated", "dead")

# derivative of the activation from its output, divided by the derivative's maximum
_SLOPE = {"sigmoid": lambda a: 4.0 * a * (1.0 - a),
          "shifted_sigmoid": lambda a: 4.0 * (0.5 + a) * (0.5 - a),
          "tanh": lambda a: 1.0 - a * a}
SATURATION = 0.1  # a unit is saturated where its slope is below this fraction of the maximum


def _sublayers(layer):
    return list(layer.sublayers()) if hasattr(layer, "sublayers") else []


def _walk(layers):
    for layer in layers:
        yield layer
        yield from _walk(_sublayers(layer))


class LayerGroup:
    """One layer of the book's picture: an affine map (a layer with a weight ``W``) with the
    layers that follow it up to the next one (batch norm, activation, dropout, pooling)."""

    def __init__(self, first_index: int):
        self.indices: list[int] = [first_index]
        self.layers: list = []

    def params(self):
        return [p for layer in self.layers for p in layer.all_params()]

    @property
    def bias(self):
        """The parameter whose gradient is δ: the last bias (b, or batch norm's β)."""
        biases = [p for p in self.params() if p.name in ("b", "beta")]
        return biases[-1] if biases else None

    @property
    def weights(self):
        return [p for p in self.params() if p.name == "W"]

    @property
    def nonlinear(self):
        """The last layer of the group whose output is a sigmoid/tanh/ReLU activation."""
        found = None
        for layer in self.layers:
            act = getattr(layer, "activation", None)
            if act is not None and (act.name in _SLOPE or act.name == "relu"):
                found = layer
        return found

    @property
    def name(self) -> str:
        units = getattr(self.layers[0], "units", None) or getattr(self.layers[0], "filters", None)
        return f"{type(self.layers[0]).__name__.lower()}{'' if units is None else f'({units})'}"


def layer_groups(model) -> list[LayerGroup]:
    """The model's layers grouped as the book counts them; the last group is the output layer.

    A group starts at every layer with a weight ``W`` (Dense, Conv2D) or sub-layers (Residual);
    parameter-free layers, batch norm and PReLU join the group before them."""
    groups: list[LayerGroup] = []
    for i, layer in enumerate(model.layers):
        starts = any(p.name == "W" for p in layer.params) or bool(_sublayers(layer))
        if starts or not groups:
            groups.append(LayerGroup(i))
        elif i not in groups[-1].indices:
            groups[-1].indices.append(i)
        groups[-1].layers.append(layer)
    return groups


class _Preserved:
    """Saves the RNG state and every buffer (batch-norm running averages) on entry and puts
    them back on exit, so measuring leaves training untouched."""

    def __init__(self, model):
        self.model = model

    def __enter__(self):
        self.rng = self.model.rng.bit_generator.state
        self.buffers = [(buf, buf.copy()) for layer in _walk(self.model.layers)
                        for buf in layer.buffers.values()]

    def __exit__(self, *exc):
        self.model.rng.bit_generator.state = self.rng
        for buf, saved in self.buffers:
            buf[...] = saved


def _norm(arrays) -> float:
    return math.sqrt(sum(float((a.astype(np.float64) ** 2).sum()) for a in arrays))


def layer_stats(model, X, y, batch_size: int = 1000, include_output: bool = False) -> dict:
    """Per-layer speed, ‖∂C/∂w‖, ‖w‖, saturated and dead fractions on (X, y); see the module
    docstring. Gradients are of the mean cost over all of X, computed ``batch_size`` images at
    a time (weighted by chunk size, so the result does not depend on it without batch norm).

    Returns {"layers": [names], "speed": [...], "grad_w": [...], "weight_norm": [...],
    "saturated": [... or None], "dead": [... or None], "grad_norm": ‖∂C/∂θ‖ over all layers}."""
    Xd, Y = model.as_inputs(X), model.as_targets(y)
    n = Xd.shape[0]
    if n == 0:
        raise ValueError("diagnostics need at least one image")
    groups = layer_groups(model)
    keep = groups if include_output else groups[:-1]
    params = [p for g in groups for p in g.params()]
    sums = [np.zeros(p.value.shape, np.float64) for p in params]
    sat = [0.0] * len(keep)
    alive = [None] * len(keep)
    with _Preserved(model), np.errstate(over="ignore", under="ignore"):
        for k in range(0, n, int(batch_size)):
            xb, yb = Xd[k:k + batch_size], Y[k:k + batch_size]
            m = xb.shape[0]
            model.forward(xb, training=True)
            model.backward(yb)                          # BP1–BP4: every p.grad is ∂C/∂p
            for s, p in zip(sums, params):
                s += to_host(p.grad).astype(np.float64) * (m / n)   # mean over all n images
            for j, g in enumerate(keep):
                layer = g.nonlinear
                if layer is None:
                    continue
                a = to_host(layer.a).astype(np.float64).reshape(m, -1)
                if layer.activation.name == "relu":
                    fired = (a > 0).any(axis=0)
                    alive[j] = fired if alive[j] is None else alive[j] | fired
                else:
                    sat[j] += float((_SLOPE[layer.activation.name](a) < SATURATION).sum())
    grad = {id(p): s for p, s in zip(params, sums)}
    out = {"layers": [g.name for g in keep], **{k: [] for k in STATS}}
    for j, g in enumerate(keep):
        bias = g.bias
        out["speed"].append(_norm([grad[id(bias)]]) if bias is not None else None)
        out["grad_w"].append(_norm([grad[id(p)] for p in g.weights]))
        out["weight_norm"].append(_norm([to_host(p.value) for p in g.weights]))
        act = g.nonlinear
        relu = act is not None and act.activation.name == "relu"
        out["saturated"].append(None if act is None or relu else sat[j] / (n * int(np.prod(act.a.shape[1:]))))
        out["dead"].append(float(1.0 - alive[j].mean()) if relu else None)
    out["grad_norm"] = _norm(sums)
    return out


def layer_speeds(model, X, y, batch_size: int = 1000) -> list[float]:
    """The book's learning speed ‖∂C/∂bˡ‖ of each hidden layer, first to last."""
    return layer_stats(model, X, y, batch_size)["speed"]


class Diagnostics(Callback):
    """Record :func:`layer_stats` on (X, y) at the start of training and every ``every``
    epochs — or every ``every_batches`` mini-batches — into ``records`` and the History.

    Each record: {"epoch", "step", "layers", "speed", "grad_w", "weight_norm", "saturated",
    "dead", "grad_norm"}; epoch 0 is the initialisation. ``X`` may be set later
    (:meth:`set_data`), before training starts."""

    def __init__(self, X=None, y=None, every: int = 1, every_batches: int | None = None,
                 batch_size: int = 1000, at_start: bool = True):
        if int(every) < 1:
            raise ValueError(f"diagnostics every N epochs needs N >= 1, got {every}")
        if every_batches is not None and int(every_batches) < 1:
            raise ValueError(f"diagnostics every N mini-batches needs N >= 1, got {every_batches}")
        self.X, self.y = X, y
        self.every, self.batch_size, self.at_start = int(every), int(batch_size), at_start
        self.every_batches = None if every_batches is None else int(every_batches)
        self.records: list[dict] = []
        self.listeners: list = []   # fn(record), called after each measurement
        self._steps = 0
        if self.every_batches is not None:
            self.on_batch_end = self._batch_end   # only then is the loop's per-batch hook set

    def set_data(self, X, y):
        self.X, self.y = X, y

    def measure(self, epoch: int) -> dict:
        if self.X is None:
            raise ValueError("Diagnostics has no data: give X, y (or call set_data) before training")
        record = {"epoch": epoch, "step": self._steps,
                  **layer_stats(self.model, self.X, self.y, self.batch_size)}
        self.records.append(record)
        for fn in self.listeners:
            fn(record)
        return record

    def on_train_begin(self, info):
        self._per_epoch = -(-info["n"] // info["batch_size"])   # mini-batches per epoch
        self._steps = info.get("initial_epoch", 0) * self._per_epoch
        self._latest = None
        # resuming: forget measurements of epochs the checkpoint does not hold
        self.records = [r for r in self.records if r["epoch"] <= info.get("initial_epoch", 0)]
        if self.at_start and not self.records and info.get("initial_epoch", 0) == 0:
            self.measure(0)

    def _batch_end(self, batch, loss=None):
        self._steps += 1
        if self._steps % self.every_batches == 0:
            self._latest = self.measure(round(self._steps / self._per_epoch, 4))

    def on_epoch_end(self, epoch, logs):
        if self.every_batches is None:
            self._steps += self._per_epoch
            if (epoch + 1) % self.every == 0:
                self._latest = self.measure(epoch + 1)
        latest, self._latest = self._latest, None
        self._to_history(latest)
        if latest is not None:
            logs.update({f"speed_{i + 1}": v for i, v in enumerate(latest["speed"])})

    def _to_history(self, record):
        """Speeds into the History, one value per epoch (None where not measured)."""
        history = next((cb for cb in getattr(self, "peers", ()) if isinstance(cb, History)), None)
        if history is None:
            return
        width = len(self.records[-1]["speed"]) if self.records else 0
        done = len(history)
        for i in range(width):
            col = history.history.setdefault(f"speed_{i + 1}", [])
            col.extend([None] * (done - 1 - len(col)))
            col.append(None if record is None else record["speed"][i])


__all__ = ["SATURATION", "STATS", "Diagnostics", "layer_groups", "layer_speeds", "layer_stats"]
