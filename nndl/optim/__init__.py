"""Optimisers (explicit, checkpointable state) and learning-rate schedules."""
import inspect

from ..errors import unknown_name
from .adaptive import Adagrad, Adam, AdamW, RMSprop
from .base import Optimizer
from .clipping import clip_gradients, global_norm
from .sgd import SGD, Momentum, Nesterov

OPTIMIZERS = {cls.name: cls for cls in (SGD, Momentum, Nesterov, Adagrad, RMSprop, Adam, AdamW)}


def register_optimizer(cls):
    OPTIMIZERS[cls.name] = cls
    return cls


def get_optimizer(spec, **kwargs) -> Optimizer:
    """An optimiser from an instance, a name ('sgd', 'momentum', 'adam', ...) with keyword
    settings, or a config dict ({'name': 'sgd', 'lr': 3.0}). Keywords given as None are
    dropped (so callers can pass every CLI option and let each optimiser keep its default);
    a keyword the optimiser does not take is a ValueError naming the ones it does."""
    if isinstance(spec, Optimizer):
        return spec
    if isinstance(spec, dict):
        spec = dict(spec)
        name = spec.pop("name")
        return get_optimizer(name, **spec, **kwargs)
    key = str(spec).lower()
    if key not in OPTIMIZERS:
        raise ValueError(unknown_name("optimizer", spec, OPTIMIZERS))
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    takes = accepted_settings(key)
    bad = sorted(set(kwargs) - takes)
    if bad:
        raise ValueError(f"optimizer {key!r} does not take {', '.join(bad)} (it takes {', '.join(sorted(takes))})")
    return OPTIMIZERS[key](**kwargs)


def accepted_settings(name: str) -> set:
    """The keyword settings (lr, momentum, beta1, clip_norm, ...) the named optimiser takes."""
    return {n for c in OPTIMIZERS[name].__mro__ if "__init__" in vars(c)
            for n, p in inspect.signature(c.__init__).parameters.items()
            if n != "self" and p.kind is p.POSITIONAL_OR_KEYWORD}
