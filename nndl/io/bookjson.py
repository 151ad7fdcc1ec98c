"""The book's network2 JSON format, read and written on top of nndl's engine.

network2.save writes ``{"sizes": [...], "weights": [...], "biases": [...], "cost": "CrossEntropyCost"}``
with weights as (n_out, n_in) nested lists and biases as (n, 1) columns. Reading it is plain
JSON parsing: no code runs.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..atomic import atomic_write
from ..core.limits import MAX_VALUES_PER_EXAMPLE
from ..errors import ModelFileError
from .schema import check_arrays_finite, parse_json, require

BOOK_COST_NAMES = {"QuadraticCost": "quadratic", "CrossEntropyCost": "cross_entropy"}


def is_book_json(path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(1).strip() in (b"{",)
    except OSError:
        return False


def read_book_json(path) -> dict:
    """{'sizes', 'weights' (book shapes), 'biases', 'cost' (nndl name)}, validated: the sizes
    must be positive integers within nndl's limits, every array must have the shape they
    imply, and every number must be finite."""
    path = Path(path)
    where = str(path)
    try:
        text = path.read_bytes()
    except OSError as e:
        raise ModelFileError(f"{path}: cannot be read ({e.strerror or e})") from None
    data = require(parse_json(text, where), dict, where, "a network2 JSON file")
    sizes = require(data.get("sizes"), list, where, "'sizes'")
    for s in sizes:
        require(s, int, where, "each entry of 'sizes'")
        if not 1 <= s <= MAX_VALUES_PER_EXAMPLE:
            raise ModelFileError(f"{where}: layer size {s} is out of range")
    cost = require(data.get("cost"), str, where, "'cost'")
    cost = BOOK_COST_NAMES.get(cost, cost)
    weights = require(data.get("weights"), list, where, "'weights'")
    biases = require(data.get("biases"), list, where, "'biases'")
    if len(sizes) < 2 or len(weights) != len(sizes) - 1 or len(biases) != len(sizes) - 1:
        raise ModelFileError(f"{path}: network2 JSON has inconsistent sizes/weights/biases")
    try:
        weights = [np.asarray(w, dtype=np.float64) for w in weights]
        biases = [np.asarray(b, dtype=np.float64).reshape(-1) for b in biases]
    except (ValueError, TypeError) as e:  # ragged lists, strings among the numbers
        raise ModelFileError(f"{path}: network2 JSON weights are not arrays of numbers ({e})") from None
    for i, (w, b) in enumerate(zip(weights, biases)):
        if w.shape != (sizes[i + 1], sizes[i]) or b.shape != (sizes[i + 1],):
            raise ModelFileError(f"{path}: layer {i} weights have shape {w.shape}, expected "
                                 f"{(sizes[i + 1], sizes[i])}")
    check_arrays_finite({**{f"weights[{i}]": w for i, w in enumerate(weights)},
                         **{f"biases[{i}]": b for i, b in enumerate(biases)}}, where)
    return {"sizes": sizes, "weights": weights, "biases": biases, "cost": cost}


def model_from_book_json(path, dtype="float32"):
    """A Sequential of sigmoid Dense layers with the file's weights."""
    from ..layers.dense import Dense
    from ..model import Sequential

    d = read_book_json(path)
    sizes = d["sizes"]
    layers = [Dense(n, "sigmoid", input_dim=sizes[0] if i == 0 else None) for i, n in enumerate(sizes[1:])]
    try:
        model = Sequential(layers, cost=d["cost"], dtype=dtype)
    except ValueError as e:  # an unknown cost name; also nndl's size limits (a ConfigError)
        raise ModelFileError(f"{path}: {e}") from None
    model.set_weights({k: v for i, (w, b) in enumerate(zip(d["weights"], d["biases"]))
                       for k, v in ((f"{i}.W", w.T), (f"{i}.b", b))})
    return model


def write_book_json(path, sizes, weights, biases, cost_name: str) -> None:
    """Write network2's format (atomically). weights/biases in the book's shapes."""
    data = {"sizes": list(sizes), "weights": [np.asarray(w).tolist() for w in weights],
            "biases": [np.asarray(b).reshape(-1, 1).tolist() for b in biases], "cost": cost_name}
    with atomic_write(path, "w") as f:
        json.dump(data, f)
