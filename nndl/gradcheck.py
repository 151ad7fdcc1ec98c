"""Gradient checking: compare backpropagation with finite differences, in float64.

Chapter 2 notes that ∂C/∂w could be estimated as (C(w + ε) − C(w − ε)) / 2ε for each weight
separately — hopelessly slow for training, perfect for testing that backprop is right.

    >>> import numpy as np, nndl
    >>> model = nndl.Sequential([nndl.Dense(5, "tanh", input_dim=4), nndl.Dense(3, "softmax")],
    ...                         cost="log_likelihood", seed=0)
    >>> X = np.random.default_rng(0).normal(size=(6, 4)); y = np.array([0, 1, 2, 0, 1, 2])
    >>> nndl.gradcheck(model, X, y).max_error < 1e-6
    True

Each checked entry is judged as mature gradient checkers (``numpy.allclose``,
``torch.autograd.gradcheck``) judge it, by a combined absolute/relative criterion:

    |g_backprop − g_numeric| ≤ atol + rtol · max(|g_backprop|, |g_numeric|)

A purely relative comparison fails wrongly where the true gradient is exactly zero (a bias
before batch norm: the numeric estimate is ~1e-10 of rounding noise, "relative error" 1.0);
the absolute term covers that. Reported per parameter (and for the input, in
:func:`gradcheck_layer`) is the worst entry's error, scaled so it compares with rtol:

    e = |g_backprop − g_numeric| / (atol / rtol + max(|g_backprop|, |g_numeric|)),

so ``e ≤ rtol`` exactly when the criterion holds, and ``result.passed`` says whether every
entry passed. For gradients larger than ``atol / rtol`` (1e-3 by default) ``e`` is the plain
relative error.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .backend import make_rng, to_host
from .model import Sequential


RTOL, ATOL = 1e-5, 1e-8


@dataclass
class GradCheckResult:
    errors: dict = field(default_factory=dict)  # name -> worst entry's error (see the module doc)
    worst: dict = field(default_factory=dict)   # name -> (flat index, backprop value, numeric value)
    rtol: float = RTOL
    atol: float = ATOL

    @property
    def max_error(self) -> float:
        return max(self.errors.values()) if self.errors else 0.0

    @property
    def passed(self) -> bool:
        """Every checked entry within atol + rtol · max(|backprop|, |numeric|)."""
        return self.max_error <= self.rtol

    def record(self, name: str, analytic, numeric, idx) -> None:
        err = np.abs(analytic - numeric) / (self.atol / self.rtol + np.maximum(np.abs(analytic), np.abs(numeric)))
        j = int(np.argmax(err)) if err.size else 0
        self.errors[name] = float(err[j]) if err.size else 0.0
        if err.size:
            self.worst[name] = (int(idx[j]), float(analytic[j]), float(numeric[j]))

    def __repr__(self):
        rows = ", ".join(f"{k}: {v:.2e}" for k, v in self.errors.items())
        name = max(self.errors, key=self.errors.get) if self.errors else None
        worst = ""
        if name in self.worst:
            i, a, b = self.worst[name]
            worst = f"; worst {name}[{i}]: backprop {a:.6g} vs numeric {b:.6g}"
        return (f"GradCheckResult(passed={self.passed}, max_error={self.max_error:.2e} "
                f"(rtol={self.rtol:g}, atol={self.atol:g}){worst}; {rows})")


def _indices(size: int, max_entries: int, rng):
    if size <= max_entries:
        return np.arange(size)
    return np.sort(rng.choice(size, max_entries, replace=False))


def _freeze_randomness(layers):
    """Dropout and friends: reuse the mask of the first forward pass for every evaluation."""
    for layer in layers:
        if hasattr(layer, "fixed_mask") and getattr(layer, "mask", None) is not None:
            layer.fixed_mask = layer.mask
        for sub in getattr(layer, "sublayers", lambda: [])():
            _freeze_randomness([sub])


def _numeric(f, arr, idx, eps):
    flat = arr.reshape(-1)
    out = np.empty(len(idx))
    for j, i in enumerate(idx):
        old = flat[i].copy()
        flat[i] = old + eps
        fp = f()
        flat[i] = old - eps
        fm = f()
        flat[i] = old
        out[j] = (fp - fm) / (2 * eps)
    return out


def as_float64(model):
    """A float64 copy of a model (same config and weights)."""
    if model.dtype == np.float64:
        return model
    clone = Sequential.from_config({**model.get_config(), "dtype": "float64"}, seed=0)
    clone.set_weights(model.get_weights())
    return clone


def gradcheck(model, X, y, eps: float = 1e-6, max_entries: int = 200, training: bool = True,
              seed: int = 0, rtol: float = RTOL, atol: float = ATOL,
              n_train: int | None = None) -> GradCheckResult:
    """Check every parameter gradient of ``model`` (cost included: BP1–BP4) on (X, y).

    The checked cost is the one training minimises, C = C₀ + penalty: with an L2 regulariser
    C₀ + (λ/2n)Σw², with L1 C₀ + (λ/n)Σ|w|, where n is ``n_train`` (default: len(X)); the
    backprop side is ∂C₀/∂w plus the regulariser's own gradient, as the optimiser adds it.

    The model is copied to float64 first if needed. Up to ``max_entries`` entries of each
    parameter are checked (a random, seeded sample for larger ones)."""
    model = as_float64(model)
    X = model.as_inputs(np.asarray(X, dtype=np.float64))
    Y = model.as_targets(y)
    rng = make_rng(seed)
    n = int(n_train) if n_train is not None else int(X.shape[0])

    def cost():
        return model.loss(X, Y, training) + model.penalty(n)

    cost()  # a first pass draws the dropout masks that are then frozen
    _freeze_randomness(model.layers)
    cost()
    _backward_with_penalty(model, Y, n)
    result = GradCheckResult(rtol=rtol, atol=atol)
    for li, layer in enumerate(model.layers):
        for p in layer.all_params():
            analytic = to_host(p.grad).reshape(-1).copy()
            idx = _indices(analytic.size, max_entries, rng)
            result.record(f"{li}.{p.name}", analytic[idx], _numeric(cost, p.value, idx, eps), idx)
    return result


def _backward_with_penalty(model, Y, n: int) -> None:
    """BP1–BP4, then ∂penalty/∂w added to each regularised weight (what the optimiser adds)."""
    model.backward(Y)
    for p in model.parameters():
        if p.regularize:
            model.regularizer.add_grad(p.value, p.grad, n)


def gradcheck_layer(layer, input_shape, batch: int = 4, eps: float = 1e-6, max_entries: int = 200,
                    training: bool = True, seed: int = 0, x=None, rtol: float = RTOL,
                    atol: float = ATOL) -> GradCheckResult:
    """Check one layer on its own: parameters and the gradient it passes to its input (BP2).

    Uses the scalar J = Σ (output ⊙ R) for a fixed random R, so ∂J/∂output = R."""
    rng = make_rng(seed)
    if not layer.built:
        layer.build(tuple(input_shape), rng, np.float64, np)
        layer.set_rng(rng)
    if x is None:
        x = rng.standard_normal((batch, *input_shape))
    x = np.asarray(x, dtype=np.float64)
    out = layer.forward(x, training=training)
    _freeze_randomness([layer])
    R = rng.standard_normal(out.shape)

    def J():
        return float((layer.forward(x, training=training) * R).sum())

    layer.forward(x, training=training)
    layer.needs_input_grad = True
    dx = layer.backward(R)
    result = GradCheckResult(rtol=rtol, atol=atol)
    for p in layer.all_params():
        analytic = to_host(p.grad).reshape(-1).copy()
        idx = _indices(analytic.size, max_entries, rng)
        result.record(p.name, analytic[idx], _numeric(J, p.value, idx, eps), idx)
    analytic = np.asarray(dx).reshape(-1)
    idx = _indices(analytic.size, max_entries, rng)
    result.record("input", analytic[idx], _numeric(J, x, idx, eps), idx)
    return result
