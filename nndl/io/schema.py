"""Checking what a file says before anything acts on it.

Model files, checkpoints and run summaries carry JSON written by nndl — or by anyone. Parsed
JSON is only trusted after :func:`parse_json` (depth, size) and the shape checks here (right
types, finite numbers, known layer names): a number where a name should be, a list where a
dict should be, ``1e400`` or JSON nested 100,000 deep become one :class:`ModelFileError`
line, never a Python exception from deep inside the engine.
"""
from __future__ import annotations

import json
import math

import numpy as np

from ..core.limits import MAX_VALUES_PER_EXAMPLE
from ..errors import ModelFileError

#: Far deeper than anything nndl writes (a model config is ~5 levels; residual blocks add 2).
MAX_DEPTH = 32
_DTYPES = ("float32", "float64")


def parse_json(text, where: str, max_depth: int = MAX_DEPTH):
    """Parse JSON text (str or bytes) and check its nesting depth; ModelFileError otherwise."""
    try:
        if isinstance(text, (bytes, bytearray)):
            text = bytes(text).decode("utf-8")
        obj = json.loads(text)
    except RecursionError:
        raise ModelFileError(f"{where}: JSON nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as e:  # JSONDecodeError is a ValueError
        raise ModelFileError(f"{where}: not valid JSON ({e})") from None
    _check_depth(obj, where, max_depth)
    return obj


def _check_depth(obj, where, max_depth):
    stack = [(obj, 0)]
    while stack:  # iterative: the point is to survive hostile depth
        node, depth = stack.pop()
        if depth > max_depth:
            raise ModelFileError(f"{where}: JSON nested more than {max_depth} levels deep")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)


def require(value, kind, where: str, what: str):
    """``value`` if it is an instance of ``kind`` (bool is not an int here), else ModelFileError."""
    ok = isinstance(value, kind) and not (isinstance(value, bool) and kind in (int, (int, float)))
    if not ok:
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ModelFileError(f"{where}: {what} must be a {names}, found {type(value).__name__} {_short(value)}")
    return value


def require_finite(obj, where: str, what: str) -> None:
    """Every number in a JSON tree is finite (``1e400`` parses as inf; NaN is legal JSON for Python)."""
    stack = [obj]
    while stack:
        node = stack.pop()
        if isinstance(node, float) and not math.isfinite(node):
            raise ModelFileError(f"{where}: {what} holds the non-finite number {node}")
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def check_model_config(config, where: str) -> dict:
    """The ``model`` section of a model file or checkpoint: the structure Sequential.from_config reads."""
    from ..layers.base import LAYER_TYPES

    require(config, dict, where, "the model description")
    require_finite(config, where, "the model description")
    layers = require(config.get("layers"), list, where, "'layers'")
    if not layers:
        raise ModelFileError(f"{where}: the model has no layers")
    _check_layers(layers, where, LAYER_TYPES)
    cost = config.get("cost")
    if isinstance(cost, dict):
        cost = cost.get("name")
    require(cost, str, where, "the cost name")
    shape = require(config.get("input_shape"), list, where, "'input_shape'")
    if not shape:  # a saved model is always built: without a shape its weights would be ignored
        raise ModelFileError(f"{where}: the model has no input shape")
    for s in shape:
        require(s, int, where, "each input_shape entry")
        if not 1 <= s <= MAX_VALUES_PER_EXAMPLE:
            raise ModelFileError(f"{where}: input_shape entry {s} is out of range")
    dtype = config.get("dtype", "float32")
    if dtype not in _DTYPES:
        raise ModelFileError(f"{where}: dtype must be one of {', '.join(_DTYPES)}, found {_short(dtype)}")
    return config


def _check_layers(layers, where, types):
    for i, layer in enumerate(layers):
        require(layer, dict, where, f"layer {i}")
        name = layer.get("type")
        if not isinstance(name, str) or name not in types:
            raise ModelFileError(f"{where}: layer {i} has unknown type {_short(name)}")
        for key in ("layers",):  # composite layers (Residual) hold layer lists of their own
            if key in layer:
                _check_layers(require(layer[key], list, where, f"layer {i} '{key}'"), where, types)
        proj = layer.get("projection")
        if isinstance(proj, dict):
            _check_layers([proj], where, types)


def check_arrays_finite(arrays: dict, where: str) -> None:
    """Weights (and preprocessing statistics) are finite: NaN or inf means a damaged file or a
    model saved after it diverged, and would make every prediction meaningless."""
    for name, a in arrays.items():
        if np.issubdtype(a.dtype, np.inexact):
            bad = int(a.size - np.count_nonzero(np.isfinite(a)))
            if bad:
                raise ModelFileError(f"{where}: array {name!r} holds {bad} NaN or infinite value(s); "
                                     f"the file is damaged or was saved from a diverged run")


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def read_json_object(path, what: str = "JSON file") -> dict:
    """A JSON file that must hold an object (a run's summary.json, an ensemble's index), read
    with the same checks as a model file's metadata; ModelFileError otherwise."""
    from pathlib import Path

    try:
        text = Path(path).read_bytes()
    except OSError as e:
        raise ModelFileError(f"{path}: cannot read the {what} ({e.strerror or e})") from None
    return require(parse_json(text, str(path)), dict, str(path), f"the {what}")
