"""Optimisers (explicit, checkpointable state) and learning-rate schedules."""
from .base import Optimizer
from .sgd import SGD, Momentum, Nesterov

OPTIMIZERS = {cls.name: cls for cls in (SGD, Momentum, Nesterov)}


def register_optimizer(cls):
    OPTIMIZERS[cls.name] = cls
    return cls


def get_optimizer(spec, **kwargs) -> Optimizer:
    """An optimiser from an instance, a name ('sgd', 'momentum', ...) with keyword settings,
    or a config dict ({'name': 'sgd', 'lr': 3.0})."""
    if isinstance(spec, Optimizer):
        return spec
    if isinstance(spec, dict):
        spec = dict(spec)
        name = spec.pop("name")
        return get_optimizer(name, **spec, **kwargs)
    key = str(spec).lower()
    if key not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {spec!r}: choose one of {', '.join(sorted(OPTIMIZERS))}")
    return OPTIMIZERS[key](**kwargs)
