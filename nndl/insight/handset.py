"""Networks whose weights are set by hand: a real :class:`~nndl.Sequential` built from a list
of (activation, W, b), so the engine's forward pass computes the construction."""
from __future__ import annotations

import numpy as np

from ..layers import Dense
from ..model import Sequential


def handset(layers, *, cost="quadratic", dtype="float64") -> Sequential:
    """A Sequential of Dense layers with the given weights.

    ``layers`` is a list of ``(activation, W, b)`` with W of shape (n_in, n_out), the
    engine's convention z = x·W + b.
    """
    shapes = [np.asarray(W, dtype=float).shape for _, W, _ in layers]
    dense = [Dense(shape[1], act, input_dim=shape[0] if i == 0 else None)
             for i, ((act, _, _), shape) in enumerate(zip(layers, shapes))]
    model = Sequential(dense, cost=cost, dtype=dtype)
    model.set_weights({f"{i}.{name}": np.asarray(v, dtype=float).reshape(s)
                       for i, ((_, W, b), shape) in enumerate(zip(layers, shapes))
                       for name, v, s in (("W", W, shape), ("b", b, (shape[1],)))})
    return model


def output(model, X, *, weighted: bool = False):
    """The network's output on X (rows), as a float64 host array; ``weighted=True`` gives
    the output layer's weighted input z instead of σ(z) (the book's "weighted output")."""
    X = np.asarray(X, dtype=float)
    a = np.asarray(model.predict_proba(X, batch_size=max(1, len(X))), dtype=float)  # one pass: z is X's
    if weighted:
        a = np.asarray(model.layers[-1].z, dtype=float)
    return a[:, 0] if a.shape[1] == 1 else a


def hidden_patterns(model, X) -> np.ndarray:
    """Which hidden neurons are active (z > 0) for each row of X: one boolean row per
    example, the layers' patterns side by side (the last layer is the output, left out)."""
    X = np.asarray(X, dtype=float)
    model.predict_proba(X, batch_size=max(1, len(X)))
    return np.concatenate([np.asarray(layer.z) > 0 for layer in model.layers[:-1]], axis=1)


def at_most(what: str, value, most) -> None:
    """Sizes that would not fit in memory are bad input, said in one line."""
    if value > most:
        raise ValueError(f"{what} can be at most {most:,} here (memory), got {value:,}")


def n_params(model) -> int:
    return int(sum(np.prod(p.value.shape) for p in model.parameters()))
