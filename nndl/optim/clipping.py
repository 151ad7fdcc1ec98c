"""Gradient clipping (lecture 2): keep one bad mini-batch from throwing the weights away.

* by global norm: if ‖g‖ = √(Σ over all parameters of Σ g²) exceeds K, scale every gradient
  by K/‖g‖ — the direction is kept, only the step length is bounded;
* by value: clamp every gradient entry to [−K, K].

The norm *before* clipping is returned so the training history can show exploding gradients.
"""
from __future__ import annotations

import math

from ..backend import get_array_module


def global_norm(params) -> float:
    """‖g‖ over every parameter's gradient."""
    total = 0.0
    for p in params:
        g = p.grad.reshape(-1)
        total += float(get_array_module(g).dot(g, g))
    return math.sqrt(total)


def clip_gradients(params, clip_norm: float | None = None, clip_value: float | None = None) -> float:
    """Clip the ``grad`` of each parameter in place; return the global norm before clipping.

    Clipping by value happens first, then by global norm (if both are given)."""
    params = list(params)
    norm = global_norm(params)
    if clip_value is not None:
        for p in params:
            xp = get_array_module(p.grad)
            xp.clip(p.grad, -clip_value, clip_value, out=p.grad)
    if clip_norm is not None:
        current = global_norm(params) if clip_value is not None else norm
        if current > clip_norm:
            scale = clip_norm / (current + 1e-12)
            for p in params:
                p.grad *= scale
    return norm
