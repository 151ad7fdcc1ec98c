"""The search space: a TOML file whose keys are ``nndl train``'s settings.

    sizes = [784, 100, 10]                                 # a fixed value
    eta = {low = 0.01, high = 1.0, log = true, points = 5}  # a float range (5 grid points, log-spaced)
    lmbda = {low = 0.1, high = 10.0, log = true, grid = [0.1, 1.0, 10.0]}  # grid points listed
    epochs = {low = 10, high = 60, step = 10}               # an integer range (ints: every step is a grid point)
    batch_size = {choices = [10, 20, 50]}                   # choices

    [tune]                    # the budget and the search (command-line options override it)
    trials = 40               # number of trials (the whole study, over all workers)
    minutes = 30              # time limit per `nndl tune` invocation (each worker)
    metric = "val_accuracy"   # val_accuracy (maximised) or val_cost (minimised): its best epoch
    sampler = "tpe"           # grid, random or tpe
    pruner = "median"         # median, halving (successive halving) or none
    seed = 0                  # the sampler's seed
    heartbeat = 10            # seconds between a worker's heartbeats; a trial silent for 2x is failed and retried

A range's endpoints and every choice are checked as settings (a negative η is refused here,
not three trials later). The trial's value is its best epoch's metric: the peak validation
accuracy, as the book reports it, or the lowest validation cost.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from pathlib import Path

from ..app.settings import RunConfig, tomllib
from ..errors import ConfigError

SAMPLERS = ("grid", "random", "tpe")
PRUNERS = ("median", "halving", "none")
METRICS = {"val_accuracy": "maximize", "val_cost": "minimize"}
TUNE_KEYS = {"trials": int, "minutes": float, "metric": str, "sampler": str, "pruner": str, "seed": int,
             "heartbeat": int, "study": str}
_RANGE_KEYS = {"low", "high", "log", "step", "points", "grid"}


@dataclass
class Param:
    """One searched setting: a range (``low``/``high``, ``log``, ``step``) or ``choices``."""

    name: str
    kind: str                  # "float", "int" or "choice"
    low: float | None = None
    high: float | None = None
    log: bool = False
    step: float | None = None
    choices: list = field(default_factory=list)
    grid: list | None = None   # the grid sampler's points (None: a float range without points)

    def suggest(self, trial):
        """The value Optuna's sampler picks for this trial (choices of lists travel as text)."""
        if self.kind == "float":
            return trial.suggest_float(self.name, self.low, self.high, log=self.log, step=self.step)
        if self.kind == "int":
            return trial.suggest_int(self.name, int(self.low), int(self.high), log=self.log,
                                     step=int(self.step or 1))
        return from_choice(trial.suggest_categorical(self.name, [to_choice(c) for c in self.choices]))


@dataclass
class Space:
    """Fixed settings, searched parameters and the ``[tune]`` table of a space file."""

    fixed: dict
    params: list
    tune: dict
    source: str = "space"

    def settings(self, trial) -> dict:
        """Every setting of one trial: the fixed ones and the sampler's picks."""
        return {**self.fixed, **{p.name: p.suggest(trial) for p in self.params}}

    def grid(self) -> dict:
        """The grid sampler's points per parameter; ConfigError for a range without points."""
        missing = [p.name for p in self.params if p.grid is None]
        if missing:
            raise ConfigError(f"{self.source}: the grid sampler needs points for {', '.join(missing)}: "
                              f"add points = N or grid = [...] to the range")
        return {p.name: [to_choice(v) for v in p.grid] for p in self.params}

    def grid_size(self) -> int:
        return math.prod(len(v) for v in self.grid().values())

    def to_json(self) -> dict:
        """A plain description (stored in the study, to refuse resuming it with another space)."""
        return {"fixed": self.fixed, "params": {p.name: {k: getattr(p, k) for k in
                                                          ("kind", "low", "high", "log", "step", "choices", "grid")}
                                                 for p in self.params}}


def load_space(path) -> Space:
    """Read and check a space file; every problem is one ConfigError line."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"space file {path} does not exist")
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML ({e})") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read space file {path}: {e}") from None
    return parse_space(data, source=str(path))


def parse_space(data: dict, source: str = "space") -> Space:
    data = dict(data)
    tune = _parse_tune(data.pop("tune", {}), source)
    known = {f.name: f for f in fields(RunConfig)}
    fixed, params = {}, []
    for key, value in data.items():
        if key not in known:
            RunConfig.from_dict({key: value}, source=source)  # raises: unknown setting, with a suggestion
        if isinstance(value, dict):
            params.append(_parse_param(key, value, known[key], source))
        else:
            fixed[key] = value
    if not params:
        raise ConfigError(f"{source}: nothing to search: give at least one setting a range or choices")
    base = RunConfig.from_dict(fixed, source=source)
    if base.evaluation_data != "validation":
        raise ConfigError(f"{source}: trials are scored on the validation data; tuning on the test set "
                          f"would make its accuracy meaningless (drop evaluation_data)")
    for p in params:  # each endpoint and each choice must be a valid setting on its own
        values = p.choices if p.kind == "choice" else [p.low, p.high, *(p.grid or [])]
        for v in values:
            _check_setting(base, p.name, v, source)
    return Space(fixed, params, tune, source)


def _check_setting(base, name, value, source):
    try:
        base.replace(**{name: value}).validate()
    except ConfigError as e:
        raise ConfigError(f"{source}: {name}: {e}") from None


def _parse_tune(table, source) -> dict:
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: tune must be a table ([tune])")
    out = {}
    for key, value in table.items():
        typ = TUNE_KEYS.get(key)
        if typ is None:
            raise ConfigError(f"{source}: [tune] has no setting {key!r} (have: {', '.join(TUNE_KEYS)})")
        if typ is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, typ) or isinstance(value, bool):
            raise ConfigError(f"{source}: [tune] {key} must be {'text' if typ is str else 'a number'}, got {value!r}")
        out[key] = value
    check_tune(out, source)
    return out


def check_tune(tune: dict, source: str = "tune") -> None:
    """Check the budget and search settings (after command-line overrides, too)."""
    for key in ("trials", "heartbeat"):
        if tune.get(key) is not None and tune[key] < 1:
            raise ConfigError(f"{source}: {key} must be >= 1, got {tune[key]}")
    if tune.get("minutes") is not None and not tune["minutes"] > 0:
        raise ConfigError(f"{source}: minutes must be > 0, got {tune['minutes']}")
    for key, allowed in (("sampler", SAMPLERS), ("pruner", PRUNERS), ("metric", tuple(METRICS))):
        if tune.get(key) is not None and tune[key] not in allowed:
            raise ConfigError(f"{source}: {key} must be one of {', '.join(allowed)}; got {tune[key]!r}")
    if tune.get("seed") is not None and tune["seed"] < 0:
        raise ConfigError(f"{source}: seed must be >= 0, got {tune['seed']}")


def _parse_param(name, spec, f, source) -> Param:
    where = f"{source}: {name}"
    unknown = set(spec) - _RANGE_KEYS - {"choices"}
    if unknown:
        raise ConfigError(f"{where}: unknown key {sorted(unknown)[0]!r} (a range has low, high, log, step, "
                          f"points, grid; a list of options is choices = [...])")
    if "choices" in spec:
        if set(spec) != {"choices"}:
            raise ConfigError(f"{where}: give either choices or a range (low, high), not both")
        choices = spec["choices"]
        if not isinstance(choices, list) or not choices:
            raise ConfigError(f"{where}: choices must be a non-empty list")
        return Param(name, "choice", choices=list(choices), grid=list(choices))
    if "low" not in spec or "high" not in spec:
        raise ConfigError(f"{where}: a range needs both low and high (or give choices = [...])")
    typ = str(f.type).replace(" | None", "")
    if typ not in ("int", "float"):
        raise ConfigError(f"{where}: a {typ} setting cannot be a range; give choices = [...]")
    low, high = spec["low"], spec["high"]
    for v in (low, high):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ConfigError(f"{where}: low and high must be numbers, got {v!r}")
        if typ == "int" and not isinstance(v, int):
            raise ConfigError(f"{where}: {name} is an integer setting; low and high must be integers, got {v!r}")
    if low > high:
        raise ConfigError(f"{where}: low ({low}) is greater than high ({high})")
    log, step = spec.get("log", False), spec.get("step")
    if not isinstance(log, bool):
        raise ConfigError(f"{where}: log must be true or false, got {log!r}")
    if log and low <= 0:
        raise ConfigError(f"{where}: a log range needs low > 0, got low = {low}")
    if step is not None and (isinstance(step, bool) or not isinstance(step, (int, float)) or not step > 0
                             or (typ == "int" and not isinstance(step, int))):
        raise ConfigError(f"{where}: step must be a positive {'integer' if typ == 'int' else 'number'}, got {step!r}")
    if step is not None and log:
        raise ConfigError(f"{where}: a range is either log or stepped, not both")
    grid = _grid_points(where, typ, low, high, log, step, spec)
    if typ == "float":
        low, high = float(low), float(high)
    return Param(name, typ, low, high, log, step, grid=grid)


def _grid_points(where, typ, low, high, log, step, spec):
    """The grid points of a range: listed (``grid``), spaced (``points``) or, for integers,
    every ``step``; None for a float range that names none."""
    if "grid" in spec and "points" in spec:
        raise ConfigError(f"{where}: give either points = N or grid = [...], not both")
    if "grid" in spec:
        grid = spec["grid"]
        if not isinstance(grid, list) or not grid:
            raise ConfigError(f"{where}: grid must be a non-empty list of values")
        for v in grid:
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not low <= v <= high:
                raise ConfigError(f"{where}: grid point {v!r} is not a number in [{low}, {high}]")
        return [int(v) if typ == "int" else float(v) for v in grid]
    if "points" in spec:
        n = spec["points"]
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ConfigError(f"{where}: points must be an integer >= 1, got {n!r}")
        if n == 1:
            pts = [low]
        elif log:  # equal ratios: the lecture's logarithmic grid
            pts = [low * (high / low) ** (i / (n - 1)) for i in range(n)]
        else:
            pts = [low + (high - low) * i / (n - 1) for i in range(n)]
        pts = [float(f"{v:.6g}") for v in pts]
        pts[0], pts[-1] = low, high
        return sorted({int(round(v)) for v in pts}) if typ == "int" else [float(v) for v in pts]
    if typ == "int":
        return list(range(int(low), int(high) + 1, int(step or 1)))
    if step is not None:
        k = int(math.floor((high - low) / step + 1e-9))
        return [float(f"{low + i * step:.12g}") for i in range(k + 1)]
    return None


def to_choice(v):
    """Optuna's categorical values are str/int/float/bool/None: a list (sizes) travels as '784,30,10'."""
    return ",".join(map(str, v)) if isinstance(v, list) else v


def from_choice(v):
    if isinstance(v, str) and v.replace(",", "").isdigit() and "," in v:
        return [int(s) for s in v.split(",")]
    return v


__all__ = ["Space", "Param", "load_space", "parse_space", "check_tune", "to_choice", "from_choice", "SAMPLERS",
           "PRUNERS", "METRICS"]
