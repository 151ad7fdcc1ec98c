"""Building: settings → data, model, optimiser and callbacks. The straight line from a CLI
option (or a TOML key) down to the engine.

    from nndl.app.settings import RunConfig
    from nndl.app.build import setup_run
    cfg, prepared, model = setup_run(RunConfig(sizes=[784, 30, 10], cost="quadratic", eta=3.0))
    model.fit(prepared.data.train.X, prepared.data.train.y, epochs=cfg.epochs)

Everything that can fail on bad input fails here, before any file is written.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..data import first_n, load_digits8x8, load_mnist
from ..data.location import DataDirError
from ..data.preprocess import get_preprocessor
from ..errors import ConfigError, DataError
from ..layers import build_mlp
from ..model import Sequential
from ..optim import get_optimizer
from ..train.schedules import parse_early_stopping, parse_schedule
from .settings import OPTIMIZER_KEYS, RunConfig

DEFAULT_HIDDEN = 100


def output_activation(cfg: RunConfig) -> str:
    """The output activation; "auto" is sigmoid for quadratic/cross-entropy, softmax for
    log-likelihood (the book's pairings)."""
    if cfg.output_activation != "auto":
        return cfg.output_activation
    return "softmax" if cfg.cost == "log_likelihood" else "sigmoid"


def load_dataset(cfg: RunConfig, data_dir=None, allow_fallback: bool = False):
    """The dataset a config names, as an :class:`~nndl.data.MNIST` of splits, and a notice
    (a string, or None) when it fell back to the 8x8 digits because MNIST was unavailable.

    ``subset`` keeps the first N training images. With ``allow_fallback`` (the default run),
    a missing MNIST falls back to scikit-learn's 8x8 digits."""
    notice = None
    dtype = np.dtype(cfg.dtype)
    if cfg.dataset == "mnist":
        try:
            data = load_mnist(data_dir, scale=cfg.scale, dtype=dtype)
        except DataError as e:
            if not allow_fallback or isinstance(e, DataDirError):  # a folder the user named: never
                raise
            notice = (f"MNIST is not available ({e}). Falling back to scikit-learn's bundled 8x8 digits "
                      f"so this first run works offline; its accuracy is not comparable to MNIST's.")
            data = load_digits8x8(dtype=dtype)
    else:
        data = load_digits8x8(dtype=dtype)
    if cfg.subset:
        if cfg.subset > data.train.n:
            raise ConfigError(f"subset {cfg.subset} is larger than the training set ({data.train.n} images)")
        data = data._replace(train=first_n(data.train, cfg.subset))
    return data, notice


def resolve(cfg: RunConfig, n_inputs: int, n_classes: int, dataset: str | None = None) -> RunConfig:
    """The config with defaults filled in for this data: sizes and the output activation."""
    changes = {} if dataset is None else {"dataset": dataset}
    if not cfg.sizes:
        changes["sizes"] = [n_inputs, DEFAULT_HIDDEN, n_classes]
    sizes = changes.get("sizes", cfg.sizes)
    if sizes[0] != n_inputs:
        raise ConfigError(f"sizes start with {sizes[0]} inputs but the {dataset or cfg.dataset} images have "
                          f"{n_inputs} pixels; use --sizes {n_inputs},...,{n_classes}")
    if sizes[-1] != n_classes:
        raise ConfigError(f"sizes end with {sizes[-1]} outputs but there are {n_classes} classes")
    changes["output_activation"] = output_activation(cfg)
    return cfg.replace(**changes)


def build_model(cfg: RunConfig) -> Sequential:
    """A compiled :class:`~nndl.Sequential` for a resolved config (sizes filled in)."""
    if not cfg.sizes:
        raise ConfigError("build_model needs a resolved config (sizes set); call resolve() first")
    layers = build_mlp(cfg.sizes, cfg.activation, output_activation(cfg), cfg.batch_norm, cfg.dropout, cfg.init)
    model = Sequential(layers, cost=cfg.cost, dtype=cfg.dtype, seed=cfg.seed)
    model.compile(optimizer=build_optimizer(cfg), regularizer=cfg.regularizer if cfg.lmbda else None,
                  lmbda=cfg.lmbda)
    return model


def optimizer_kwargs(cfg: RunConfig) -> dict:
    """The optimiser settings that are set (``get_optimizer`` rejects one its optimiser does
    not take, naming those it does)."""
    return {k: getattr(cfg, k) for k in OPTIMIZER_KEYS if getattr(cfg, k) is not None}


def build_optimizer(cfg: RunConfig):
    try:
        return get_optimizer(cfg.optimizer, lr=cfg.eta, **optimizer_kwargs(cfg))
    except ValueError as e:
        raise ConfigError(str(e)) from None


def resolved_optimizer_settings(cfg: RunConfig, optimizer) -> RunConfig:
    """Fill unset optimiser settings with the values the optimiser actually uses."""
    conf = optimizer.get_config()
    changes = {k: float(conf[k]) for k in OPTIMIZER_KEYS if getattr(cfg, k) is None
               and isinstance(conf.get(k), (int, float)) and not isinstance(conf.get(k), bool)}
    if cfg.optimizer == "sgd" and changes.get("momentum") == 0.0:
        changes.pop("momentum")  # plain SGD: leave unset rather than write momentum = 0
    return cfg.replace(**changes) if changes else cfg


def build_preprocessor(cfg: RunConfig):
    """The (unfitted) input transformer ``cfg.preprocess`` names, or None."""
    return get_preprocessor(cfg.preprocess)


def build_callbacks(cfg: RunConfig) -> list:
    """The stateful training callbacks a config asks for: η schedule, then early stopping."""
    return [cb for cb in (parse_schedule(cfg.schedule), parse_early_stopping(cfg.early_stopping))
            if cb is not None]


@dataclass
class PreparedData:
    """The dataset of a run, preprocessed as the run's model sees it."""

    data: object           # nndl.data.MNIST (train, validation, test)
    notice: str | None     # set when the default run fell back to the 8x8 digits
    dataset: str           # the dataset actually used
    preprocessor: object | None = None

    def split(self, name: str):
        return {"training": self.data.train, "train": self.data.train, "validation": self.data.validation,
                "test": self.data.test}[name]


def prepare_data(cfg: RunConfig, data_dir=None, allow_fallback: bool = False) -> PreparedData:
    """Load the dataset a config names (with the offline fallback if allowed) and apply its
    preprocessing (fitted on the training split, so refitting gives the same transform)."""
    data, notice = load_dataset(cfg, data_dir, allow_fallback)
    dataset = "digits8x8" if notice else cfg.dataset
    pre = build_preprocessor(cfg)
    if pre is not None:
        pre.fit(data.train.X)
        data = type(data)(*(s._replace(X=np.asarray(pre.transform(s.X), dtype=s.X.dtype)) for s in data))
    return PreparedData(data, notice, dataset, pre)


def setup_run(cfg: RunConfig, data_dir=None, allow_fallback: bool = False):
    """Validate, load data, resolve and build — everything that can fail on bad input,
    before any file is written. Returns (resolved config, PreparedData, compiled model)."""
    cfg.validate()
    prepared = prepare_data(cfg, data_dir, allow_fallback)
    X = prepared.data.train.X
    cfg = resolve(cfg, int(np.prod(X.shape[1:])), 10, dataset=prepared.dataset).validate()
    model = build_model(cfg)
    return resolved_optimizer_settings(cfg, model.optimizer), prepared, model
