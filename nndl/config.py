"""The run configuration: every setting of a training run, in one flat, validated record.

A :class:`RunConfig` is what ``nndl train`` builds from its options or from a TOML file, and
what every run writes back (fully resolved) as ``config.toml``, so that

    nndl train --config runs/<run>/config.toml

replays the run exactly (same seed → bit-identical weights on the same machine).

From Python::

    from nndl.config import RunConfig, load_config, build_model, load_dataset
    cfg = RunConfig(sizes=[784, 30, 10], cost="quadratic", init="large", eta=3.0, lmbda=0.0)
    cfg.validate()
    data, notice = load_dataset(cfg)
    model = build_model(cfg, input_dim=784, n_classes=10)

Settings use the book's vocabulary where it has one (``sizes``, ``eta``, ``lmbda``,
``epochs``, ``batch_size``). Optional optimiser settings (``momentum``, ``beta1``...) are
``None`` when unset, meaning "the optimiser's own default"; a resolved config writes the value
the optimiser actually used.

Pieces that other parts of nndl provide (batch norm, PReLU, input preprocessing, gradient
clipping, optimisers beyond SGD/momentum/Nesterov) are looked up by name when the model is
built; a setting that needs a piece this version lacks fails with a :class:`ConfigError`
saying so, before anything is written.
"""
from __future__ import annotations

import dataclasses
import difflib
import importlib
import inspect
import json
import math
import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from .errors import ConfigError, DataError

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore

DATASETS = ("mnist", "digits8x8")
COSTS = ("quadratic", "cross_entropy", "log_likelihood")
INITS = ("large", "default", "xavier", "he")
REGULARIZERS = ("l2", "l1")
PREPROCESS = ("none", "standardize", "pca", "zca")
SCALES = ("unit", "book")
SPLITS = ("validation", "test")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")
DEFAULT_HIDDEN = 100

#: Optimiser settings passed to ``get_optimizer`` when set (and accepted by the optimiser).
OPTIMIZER_KEYS = ("momentum", "beta1", "beta2", "rho", "eps", "weight_decay", "clip_norm", "clip_value")


@dataclass
class RunConfig:
    """Every setting of a training run. Field comments are the ``--help`` texts."""

    # -- data --------------------------------------------------------------------------------
    dataset: str = "mnist"            # mnist (the book's 50k/10k/10k split) or digits8x8 (scikit-learn's 8x8 digits, offline)
    subset: int = 0                   # train on the first N training images only (0 = all)
    scale: str = "unit"               # pixel scaling: unit (/255) or book (/256, the book's mnist.pkl.gz)
    evaluation_data: str = "validation"  # split measured after every epoch (the book's evaluation_data): validation or test
    preprocess: str = "none"          # input preprocessing: none, standardize, pca, zca
    # -- network -----------------------------------------------------------------------------
    sizes: list = field(default_factory=list)  # layer sizes, input to output, e.g. 784,100,10 (empty = input,100,output)
    activation: str = "sigmoid"       # hidden-layer activation: sigmoid, tanh, relu, leaky_relu, elu, prelu, ...
    output_activation: str = "auto"   # output activation; auto = sigmoid for quadratic/cross_entropy, softmax for log_likelihood
    cost: str = "cross_entropy"       # quadratic, cross_entropy or log_likelihood
    init: str = "default"             # weight initialiser: large (N(0,1), ch1), default (N(0,1/n_in), ch3), xavier, he
    dropout: float = 0.0              # dropout probability p on hidden layers (0 = off)
    batch_norm: bool = False          # batch normalisation after each hidden affine map
    # -- training ----------------------------------------------------------------------------
    epochs: int = 30                  # number of epochs
    batch_size: int = 10              # mini-batch size
    eta: float = 0.5                  # learning rate η
    lmbda: float = 5.0                # regularisation parameter λ (0 = none)
    regularizer: str = "l2"           # l2 (weight decay) or l1
    optimizer: str = "sgd"            # sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw
    momentum: float | None = None     # momentum coefficient μ (momentum, nesterov, sgd)
    beta1: float | None = None        # Adam's β₁
    beta2: float | None = None        # Adam's β₂
    rho: float | None = None          # RMSprop's decay ρ
    eps: float | None = None          # ε of adaptive optimisers
    weight_decay: float | None = None  # decoupled weight decay (adamw)
    clip_norm: float | None = None    # clip the gradient's global norm to K
    clip_value: float | None = None   # clip each gradient entry to [-K, K]
    schedule: str = "none"            # η schedule: none, halve[:P] (the book's), step:N[:F], exponential[:G], cosine, warmup:N[+cosine]
    early_stopping: str = "none"      # none, no-improvement:N (the book's rule), average:N[:threshold]
    monitor_training: bool = True     # also measure cost and accuracy on the training set each epoch
    seed: int = 0                     # random seed: initial weights, shuffles, dropout
    dtype: str = "float32"            # float32 or float64

    # -- conversion --------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: dict, source: str = "config") -> "RunConfig":
        """A config from a plain dict; unknown keys and wrong types are ConfigErrors."""
        known = {f.name: f for f in fields(cls)}
        values = {}
        for key, value in data.items():
            if key not in known:
                hint = difflib.get_close_matches(key, known, n=1)
                more = f" (did you mean {hint[0]!r}?)" if hint else ""
                raise ConfigError(f"{source}: unknown setting {key!r}{more}")
            values[key] = _coerce(key, value, cls.__dataclass_fields__[key], source)
        return cls(**values)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def replace(self, **changes) -> "RunConfig":
        merged = self.to_dict()
        merged.update(changes)
        return RunConfig.from_dict(merged)

    # -- validation --------------------------------------------------------------------------
    def validate(self) -> "RunConfig":
        """Check every value; raise ConfigError with one line naming the setting."""
        _choice("dataset", self.dataset, DATASETS)
        _choice("scale", self.scale, SCALES)
        _choice("evaluation_data", self.evaluation_data, SPLITS)
        _choice("preprocess", self.preprocess, PREPROCESS)
        _choice("cost", self.cost, COSTS)
        _choice("init", self.init, INITS)
        _choice("regularizer", self.regularizer, REGULARIZERS)
        _choice("dtype", self.dtype, ("float32", "float64"))
        if self.optimizer not in _optimizer_names():
            raise ConfigError(f"optimizer {self.optimizer!r} is not available in this version "
                              f"(have: {', '.join(sorted(_optimizer_names()))})")
        if self.subset < 0:
            raise ConfigError(f"subset must be >= 0 (0 = all training images), got {self.subset}")
        if self.sizes:
            if len(self.sizes) < 2:
                raise ConfigError(f"sizes needs at least an input and an output size, got {self.sizes}")
            bad = [s for s in self.sizes if s < 1]
            if bad:
                raise ConfigError(f"layer sizes must be >= 1, got {','.join(map(str, self.sizes))}")
        _check_activation("activation", self.activation, allow_prelu=True)
        if self.output_activation != "auto":
            _check_activation("output_activation", self.output_activation)
        if not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"dropout must be in [0, 1), got {self.dropout}")
        if self.epochs < 1:
            raise ConfigError(f"epochs must be >= 1, got {self.epochs}")
        if self.batch_size < 1:
            raise ConfigError(f"batch_size must be >= 1, got {self.batch_size}")
        if not (self.eta > 0 and math.isfinite(self.eta)):
            raise ConfigError(f"eta (learning rate) must be a positive number, got {self.eta}")
        if not (self.lmbda >= 0 and math.isfinite(self.lmbda)):
            raise ConfigError(f"lmbda must be >= 0, got {self.lmbda}")
        for key in ("clip_norm", "clip_value"):
            v = getattr(self, key)
            if v is not None and not (v > 0 and math.isfinite(v)):
                raise ConfigError(f"{key} must be a positive number, got {v}")
        if self.seed < 0:
            raise ConfigError(f"seed must be >= 0, got {self.seed}")
        parse_schedule(self.schedule, self.eta, self.epochs)
        parse_early_stopping(self.early_stopping)
        return self

    # -- TOML ----------------------------------------------------------------------------------
    def to_toml(self, header: str | None = None) -> str:
        return dumps_toml(self.to_dict(), header=header, comments=field_help())


# ------------------------------------------------------------------------------ helpers


def field_help() -> dict:
    """The one-line description of each setting (taken from the comments in RunConfig)."""
    global _HELP
    if _HELP is None:
        _HELP = {}
        src = inspect.getsource(RunConfig).splitlines()
        for line in src:
            s = line.strip()
            if ":" in s and "#" in s and not s.startswith("#"):
                name = s.split(":", 1)[0].strip()
                if name in RunConfig.__dataclass_fields__ and name not in _HELP:
                    _HELP[name] = s.split("#", 1)[1].strip()
    return _HELP


_HELP = None


def _coerce(key, value, f, source):
    """Check a TOML/CLI value against the field's type; ints are accepted for floats."""
    typ = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
    optional = "None" in typ
    base = typ.replace(" | None", "")

    def bad(expected):
        return ConfigError(f"{source}: {key} must be {expected}, got {value!r}")

    if value is None:
        if optional:
            return None
        raise bad(base)
    if base == "bool":
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if base == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad("an integer")
        return value
    if base == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad("a number")
        return float(value)
    if base == "str":
        if not isinstance(value, str):
            raise bad("a string")
        return value.strip().lower().replace("-", "_") if key in _NORMALISED else value.strip()
    if base == "list":
        if isinstance(value, str):
            value = parse_sizes(value)
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, int) and not isinstance(v, bool)
                                                           for v in value):
            raise bad("a list of integers")
        return list(value)
    return value  # pragma: no cover


_NORMALISED = {"dataset", "scale", "evaluation_data", "preprocess", "activation", "output_activation",
               "cost", "init", "regularizer", "optimizer", "dtype"}


def parse_sizes(text: str) -> list:
    """'784,30,10' → [784, 30, 10]."""
    try:
        return [int(s) for s in str(text).replace(" ", "").split(",") if s != ""]
    except ValueError:
        raise ConfigError(f"sizes must be comma-separated integers like 784,30,10, got {text!r}") from None


def _choice(key, value, allowed):
    if value not in allowed:
        raise ConfigError(f"{key} must be one of {', '.join(allowed)}; got {value!r}")


def _check_activation(key, name, allow_prelu=False):
    from .core.activations import get_activation

    if allow_prelu and name == "prelu":
        return
    try:
        get_activation(name)
    except ValueError as e:
        raise ConfigError(f"{key}: {e}") from None


def _optimizer_names():
    from .optim import OPTIMIZERS as registered

    return set(registered)


# ------------------------------------------------------------------------------ schedules


def parse_schedule(spec: str, eta: float | None = None, epochs: int | None = None):
    """The η-schedule callback for a schedule string, or None — see
    :func:`nndl.train.schedules.parse_schedule`: ``none``, ``halve[:P]`` (the book's rule:
    halve η after P epochs without improvement, stop at η₀/128), ``step:N[:F]``,
    ``exponential[:G]``, ``cosine[:min]``, ``warmup:N`` and ``warmup:N+cosine``."""
    from .train.schedules import parse_schedule as library_parse

    try:
        return library_parse(spec)
    except ValueError as e:
        raise ConfigError(str(e)) from None


def parse_early_stopping(spec: str, monitor: str = "val_accuracy"):
    """The early-stopping callback for ``none``, ``no-improvement:N`` (alias ``patience:N``;
    the book's no-improvement-in-N rule) or ``average:N[:threshold]`` (stop when the mean
    improvement per epoch over the last N epochs is below threshold, default 1e-4)."""
    from .train import AverageImprovementStopping, EarlyStopping

    s = (spec or "none").strip().lower().replace("_", "-")
    name, *args = s.split(":")
    try:
        if name == "none" and not args:
            return None
        if name in ("no-improvement", "patience") and len(args) == 1:
            n = int(args[0])
            if n < 1:
                raise ValueError
            return EarlyStopping(monitor=monitor, patience=n)
        if name == "average" and 1 <= len(args) <= 2:
            n = int(args[0])
            t = float(args[1]) if len(args) == 2 else 1e-4
            if n < 1:
                raise ValueError
            return AverageImprovementStopping(monitor=monitor, window=n, threshold=t)
    except ValueError:
        pass
    raise ConfigError(f"early_stopping {spec!r} not understood: use none, no-improvement:N or average:N[:threshold]")


# ------------------------------------------------------------------------------ TOML


def load_config(path) -> RunConfig:
    """Read a TOML run config (flat keys, as ``RunConfig``); ConfigError on any problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read config file {path}: {e}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML ({e})") from None
    for key, value in data.items():
        if isinstance(value, dict):
            raise ConfigError(f"{path}: [{key}] tables are not used; write settings as top-level keys")
    return RunConfig.from_dict(data, source=str(path))


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        r = repr(v)
        return r if any(c in r for c in ".en") else r + ".0"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def dumps_toml(data: dict, header: str | None = None, comments: dict | None = None) -> str:
    """A flat TOML document. ``None`` values are written as comments (unset settings)."""
    lines = []
    if header:
        lines += [f"# {h}" if h else "#" for h in header.splitlines()]
        lines.append("")
    comments = comments or {}
    for key, value in data.items():
        if not key.replace("_", "").isalnum():
            raise ValueError(f"not a bare TOML key: {key!r}")
        note = f"  # {comments[key]}" if key in comments else ""
        if value is None:
            lines.append(f"# {key} = (unset){note}")
        else:
            lines.append(f"{key} = {_toml_value(value)}{note}")
    return "\n".join(lines) + "\n"


def write_config(cfg: RunConfig, path, header: str | None = None) -> None:
    from .runs import atomic_write_text

    atomic_write_text(path, cfg.to_toml(header))


# ------------------------------------------------------------------------------ building


def load_dataset(cfg: RunConfig, data_dir=None, allow_fallback: bool = False):
    """The dataset a config names, as an :class:`~nndl.data.MNIST` of splits, and a notice
    (a string, or None) when it fell back to the 8x8 digits because MNIST was unavailable.

    ``subset`` keeps the first N training images. With ``allow_fallback`` (the default run),
    a missing MNIST falls back to scikit-learn's 8x8 digits."""
    import numpy as np

    from .data import first_n, load_digits8x8, load_mnist
    from .data.location import DataDirError

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
    changes = {}
    if dataset is not None:
        changes["dataset"] = dataset
    if not cfg.sizes:
        changes["sizes"] = [n_inputs, DEFAULT_HIDDEN, n_classes]
    sizes = changes.get("sizes", cfg.sizes)
    if sizes[0] != n_inputs:
        raise ConfigError(f"sizes start with {sizes[0]} inputs but the {dataset or cfg.dataset} images have "
                          f"{n_inputs} pixels; use --sizes {n_inputs},...,{n_classes}")
    if sizes[-1] != n_classes:
        raise ConfigError(f"sizes end with {sizes[-1]} outputs but there are {n_classes} classes")
    if cfg.output_activation == "auto":
        changes["output_activation"] = "softmax" if cfg.cost == "log_likelihood" else "sigmoid"
    return cfg.replace(**changes) if changes else cfg


def _layer_class(name: str, what: str):
    from . import layers

    cls = getattr(layers, name, None)
    if cls is None:
        raise ConfigError(f"{what} is not available in this version (no nndl.layers.{name})")
    return cls


def build_model(cfg: RunConfig):
    """A compiled :class:`~nndl.Sequential` for a resolved config (sizes filled in)."""
    from . import layers as L
    from .model import Sequential

    if not cfg.sizes:
        raise ConfigError("build_model needs a resolved config (sizes set); call resolve() first")
    sizes = cfg.sizes
    out_act = cfg.output_activation if cfg.output_activation != "auto" else \
        ("softmax" if cfg.cost == "log_likelihood" else "sigmoid")
    stack = []
    for i, units in enumerate(sizes[1:-1]):
        kw = {"input_dim": sizes[0]} if i == 0 else {}
        separate = cfg.batch_norm or cfg.activation == "prelu"
        stack.append(L.Dense(units, "linear" if separate else cfg.activation, init=cfg.init, **kw))
        if cfg.batch_norm:
            stack.append(_layer_class("BatchNorm", "batch_norm")())
        if cfg.activation == "prelu":
            stack.append(_prelu())
        elif separate:
            stack.append(L.Activation(cfg.activation))
        if cfg.dropout:
            stack.append(L.Dropout(cfg.dropout))
    kw = {"input_dim": sizes[0]} if len(sizes) == 2 else {}
    stack.append(L.Dense(sizes[-1], out_act, init=cfg.init, **kw))
    model = Sequential(stack, cost=cfg.cost, dtype=cfg.dtype, seed=cfg.seed)
    model.compile(optimizer=build_optimizer(cfg), regularizer=cfg.regularizer if cfg.lmbda else None,
                  lmbda=cfg.lmbda)
    return model


def _prelu():
    from .core.activations import ACTIVATIONS

    from . import layers

    if hasattr(layers, "PReLU"):
        return layers.PReLU()
    if "prelu" in ACTIVATIONS:
        return layers.Activation("prelu")
    raise ConfigError("activation 'prelu' is not available in this version (no nndl.layers.PReLU)")


def optimizer_kwargs(cfg: RunConfig) -> dict:
    """The keyword settings ``get_optimizer(cfg.optimizer, lr=cfg.eta, **kwargs)`` receives:
    the optimiser settings that are set. A setting the optimiser does not take is a
    ConfigError (clipping: "not available in this version" if no optimiser takes it)."""
    from .optim import OPTIMIZERS as registered

    cls = registered[cfg.optimizer]
    params = inspect.signature(cls).parameters
    takes_any = any(p.kind == p.VAR_KEYWORD for p in params.values())
    kwargs = {}
    for key in OPTIMIZER_KEYS:
        value = getattr(cfg, key)
        if value is None:
            continue
        if key in params or takes_any:
            kwargs[key] = value
            continue
        if key.startswith("clip") and not any(key in inspect.signature(c).parameters for c in registered.values()):
            raise ConfigError(f"gradient clipping ({key}) is not available in this version")
        raise ConfigError(f"optimizer {cfg.optimizer!r} does not take {key} "
                          f"(it takes: {', '.join(k for k in params if k != 'lr') or 'only eta'})")
    return kwargs


def build_optimizer(cfg: RunConfig):
    from .optim import get_optimizer

    return get_optimizer(cfg.optimizer, lr=cfg.eta, **optimizer_kwargs(cfg))


def resolved_optimizer_settings(cfg: RunConfig, optimizer) -> RunConfig:
    """Fill unset optimiser settings with the values the optimiser actually uses."""
    conf = optimizer.get_config() if hasattr(optimizer, "get_config") else {}
    changes = {k: float(conf[k]) for k in OPTIMIZER_KEYS
               if getattr(cfg, k) is None and isinstance(conf.get(k), (int, float)) and not isinstance(conf.get(k), bool)}
    if cfg.optimizer == "sgd" and changes.get("momentum") == 0.0:
        changes.pop("momentum")  # plain SGD: leave unset rather than write momentum = 0
    return cfg.replace(**changes) if changes else cfg


def build_preprocessor(cfg: RunConfig):
    """The fitted-later preprocessing transformer for ``cfg.preprocess`` or None. Looked up in
    ``nndl.preprocess`` (``get_preprocessor(name)``); ConfigError if this version lacks it."""
    if cfg.preprocess == "none":
        return None
    try:
        mod = importlib.import_module("nndl.preprocess")
    except ModuleNotFoundError:
        mod = None
    getter = getattr(mod, "get_preprocessor", None) if mod is not None else None
    if getter is None:
        raise ConfigError(f"preprocess {cfg.preprocess!r} is not available in this version (no nndl.preprocess)")
    try:
        return getter(cfg.preprocess)
    except (KeyError, ValueError) as e:
        raise ConfigError(f"preprocess {cfg.preprocess!r} is not available in this version ({e})") from None


def build_callbacks(cfg: RunConfig) -> list:
    """The stateful training callbacks a config asks for: η schedule, then early stopping."""
    out = []
    sched = parse_schedule(cfg.schedule, cfg.eta, cfg.epochs)
    if sched is not None:
        out.append(sched)
    stop = parse_early_stopping(cfg.early_stopping)
    if stop is not None:
        out.append(stop)
    return out


def data_dir_from_env(explicit=None):
    """The MNIST folder from an explicit path or ``$NNDL_DATA_DIR`` (None: the user cache)."""
    return explicit or os.environ.get("NNDL_DATA_DIR") or None
