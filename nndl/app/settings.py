"""The settings of a training run: one flat, validated record (:class:`RunConfig`) and its TOML.

A :class:`RunConfig` is what ``nndl train`` builds from its options or from a TOML file, and
what every run writes back (fully resolved) as ``config.toml``, so that

    nndl train --config runs/<run>/config.toml

replays the run exactly (same seed → bit-identical weights on the same machine). Turning
settings into data, a model and callbacks is :mod:`nndl.app.build`'s job.

Settings use the book's vocabulary where it has one (``sizes``, ``eta``, ``lmbda``,
``epochs``, ``batch_size``). Optional optimiser settings (``momentum``, ``beta1``...) are
``None`` when unset, meaning "the optimiser's own default". Names of activations, costs,
initialisers, regularisers, optimisers and preprocessors are checked against the registries
that define them (``nndl.core``, ``nndl.optim``, ``nndl.data.preprocess``): there is no
second list here.
"""
from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field, fields
from pathlib import Path

from ..atomic import atomic_write
from ..core import ACTIVATIONS, COSTS, INITIALIZERS
from ..core.regularizers import REGULARIZERS
from ..data.preprocess import PREPROCESSORS
from ..layers import ACTIVATION_LAYERS
from ..errors import ConfigError, unknown_name
from ..optim import OPTIMIZERS
from ..train.schedules import EARLY_STOPPING_HELP, SCHEDULE_HELP, parse_early_stopping, parse_schedule

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore

#: Optimiser settings passed to ``get_optimizer`` when set.
OPTIMIZER_KEYS = ("momentum", "beta1", "beta2", "rho", "eps", "weight_decay", "clip_norm", "clip_value")


def _s(default, help: str, group: str):
    """A setting: its default, its one-line help (the CLI's and config.toml's) and its group."""
    if isinstance(default, list):
        return field(default_factory=list, metadata={"help": help, "group": group})
    return field(default=default, metadata={"help": help, "group": group})


def choices(name: str) -> tuple:
    """The allowed values of a named-choice setting, read from the registries."""
    return {
        "dataset": ("mnist", "digits8x8"),
        "scale": ("unit", "book"),
        "evaluation_data": ("validation", "test"),
        "preprocess": ("none", *PREPROCESSORS),
        "activation": (*ACTIVATIONS, *ACTIVATION_LAYERS),   # the latter learn parameters (prelu)
        "output_activation": ("auto", *ACTIVATIONS),
        "cost": tuple(COSTS),
        "init": tuple(INITIALIZERS),
        "regularizer": tuple(k for k in REGULARIZERS if k != "none"),
        "optimizer": tuple(OPTIMIZERS),
        "dtype": ("float32", "float64"),
    }.get(name, ())


@dataclass
class RunConfig:
    """Every setting of a training run (``help`` metadata: the ``--help`` and TOML comments)."""

    # -- data --------------------------------------------------------------------------------
    dataset: str = _s("mnist", "the images (mnist: the book's 50k/10k/10k split; digits8x8: scikit-learn's, "
                      "offline)", "data")
    subset: int = _s(0, "train on the first N training images only (0 = all)", "data")
    scale: str = _s("unit", "pixel scaling (unit: /255; book: /256, as the book's mnist.pkl.gz)", "data")
    evaluation_data: str = _s("validation", "split measured after every epoch (the book's evaluation_data)", "data")
    preprocess: str = _s("none", "input preprocessing, fitted on the training images", "data")
    # -- network -----------------------------------------------------------------------------
    sizes: list = _s([], "layer sizes, input to output, e.g. 784,100,10 (empty = input,100,output)", "network")
    activation: str = _s("sigmoid", "hidden-layer activation", "network")
    output_activation: str = _s("auto", "output activation; auto = sigmoid for quadratic/cross_entropy, softmax "
                                "for log_likelihood", "network")
    cost: str = _s("cross_entropy", "cost function", "network")
    init: str = _s("default", "weight initialiser (large: N(0,1), ch1; default: N(0,1/n_in), ch3)", "network")
    dropout: float = _s(0.0, "dropout probability p on hidden layers (0 = off)", "network")
    batch_norm: bool = _s(False, "batch normalisation after each hidden affine map", "network")
    # -- training ----------------------------------------------------------------------------
    epochs: int = _s(30, "number of epochs", "training")
    batch_size: int = _s(10, "mini-batch size", "training")
    eta: float = _s(0.5, "learning rate η", "training")
    lmbda: float = _s(5.0, "regularisation parameter λ (0 = none)", "training")
    regularizer: str = _s("l2", "regulariser (l2: weight decay)", "training")
    optimizer: str = _s("sgd", "optimiser", "training")
    momentum: float | None = _s(None, "momentum coefficient μ (momentum, nesterov, sgd)", "training")
    beta1: float | None = _s(None, "Adam's β₁", "training")
    beta2: float | None = _s(None, "Adam's β₂", "training")
    rho: float | None = _s(None, "RMSprop's decay ρ", "training")
    eps: float | None = _s(None, "ε of adaptive optimisers", "training")
    weight_decay: float | None = _s(None, "decoupled weight decay (adamw)", "training")
    clip_norm: float | None = _s(None, "clip the gradient's global norm to K", "training")
    clip_value: float | None = _s(None, "clip each gradient entry to [-K, K]", "training")
    schedule: str = _s("none", f"η schedule: {SCHEDULE_HELP}", "training")
    early_stopping: str = _s("none", f"when to stop early: {EARLY_STOPPING_HELP}", "training")
    monitor_training: bool = _s(True, "also measure cost and accuracy on the training set each epoch", "training")
    seed: int = _s(0, "random seed: initial weights, shuffles, dropout", "training")
    dtype: str = _s("float32", "floating-point type of weights and data", "training")
    threads: int = _s(0, "threads for training's matrix products (BLAS runs on one; large products are split "
                      "over N); 0 = auto: one when a mini-batch step is too small to share (the book's networks), "
                      "else all BLAS may use. Results are bit-identical only with the same BLAS kernels and "
                      "thread count", "training")

    # -- conversion --------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: dict, source: str = "config") -> "RunConfig":
        """A config from a plain dict; unknown keys and wrong types are ConfigErrors."""
        known = {f.name: f for f in fields(cls)}
        values = {}
        for key, value in data.items():
            if key not in known:
                raise ConfigError(f"{source}: {unknown_name('setting', key, known)}")
            values[key] = _coerce(key, value, known[key].type, source)
        return cls(**values)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def replace(self, **changes) -> "RunConfig":
        return RunConfig.from_dict({**self.to_dict(), **changes})

    # -- validation --------------------------------------------------------------------------
    def validate(self, name=str) -> "RunConfig":
        """Check every value; raise ConfigError with one line naming the setting as ``name(key)``
        gives it (the command line passes its flag spelling: ``batch_size`` → ``--batch-size``)."""
        for f in fields(self):
            allowed = choices(f.name)
            value = getattr(self, f.name)
            if allowed and value not in allowed:
                raise ConfigError(f"{name(f.name)}: {unknown_name(f.name.replace('_', ' '), value, allowed)}")
        if self.sizes and len(self.sizes) < 2:
            raise ConfigError(f"{name('sizes')} needs at least an input and an output size, got {self.sizes}")
        if any(s < 1 for s in self.sizes):
            raise ConfigError(f"layer sizes must be >= 1, got {name('sizes')} {','.join(map(str, self.sizes))}")
        problems = [
            ("subset", self.subset >= 0, "must be >= 0 (0 = all training images)"),
            ("dropout", 0.0 <= self.dropout < 1.0, "must be in [0, 1)"),
            ("epochs", self.epochs >= 1, "must be >= 1"),
            ("batch_size", self.batch_size >= 1, "must be >= 1"),
            ("eta", self.eta > 0 and math.isfinite(self.eta), "(learning rate) must be a positive number"),
            ("lmbda", self.lmbda >= 0 and math.isfinite(self.lmbda), "must be >= 0"),
            ("clip_norm", self.clip_norm is None or self.clip_norm > 0 and math.isfinite(self.clip_norm),
             "must be a positive number"),
            ("clip_value", self.clip_value is None or self.clip_value > 0 and math.isfinite(self.clip_value),
             "must be a positive number"),
            ("seed", self.seed >= 0, "must be >= 0"),
            ("threads", self.threads >= 0, "must be >= 0 (0 = auto)"),
        ]
        for key, ok, rule in problems:
            if not ok:
                raise ConfigError(f"{name(key)} {rule}, got {getattr(self, key)}")
        for key, parse in (("schedule", parse_schedule), ("early_stopping", parse_early_stopping)):
            try:
                parse(getattr(self, key))
            except ConfigError as e:
                raise ConfigError(f"{name(key)}: {e}") from None
        return self

    def to_toml(self, header: str | None = None) -> str:
        return dumps_toml(self.to_dict(), header=header, comments=field_help())


def field_help() -> dict:
    """The one-line description of each setting; a named choice lists what the registries hold."""
    return {f.name: f.metadata["help"] + (f": {', '.join(choices(f.name))}" if choices(f.name) else "")
            for f in fields(RunConfig)}


_NORMALISED = {name for name in RunConfig.__dataclass_fields__ if choices(name)}


def _coerce(key, value, typ: str, source):
    """Check a TOML/CLI value against the field's type; ints are accepted for floats."""
    optional = typ.endswith(" | None")
    base = typ.removesuffix(" | None")

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
    if isinstance(value, str):  # list: sizes
        value = parse_sizes(value)
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, int) and not isinstance(v, bool)
                                                       for v in value):
        raise bad("a list of integers")
    return list(value)


def parse_sizes(text: str) -> list:
    """'784,30,10' → [784, 30, 10]."""
    try:
        return [int(s) for s in str(text).replace(" ", "").split(",") if s != ""]
    except ValueError:
        raise ConfigError(f"sizes must be comma-separated integers like 784,30,10, got {text!r}") from None


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


def write_text(path, text: str) -> Path:
    """Write a text file atomically (temporary file + rename)."""
    with atomic_write(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    return Path(path)


def write_config(cfg: RunConfig, path, header: str | None = None) -> None:
    write_text(path, cfg.to_toml(header))
