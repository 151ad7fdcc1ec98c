"""The book's network2 JSON format, read and written on top of nndl's engine.

network2.save writes ``{"sizes": [...], "weights": [...], "biases": [...], "cost": "CrossEntropyCost"}``
with weights as (n_out, n_in) nested lists and biases as (n, 1) columns. Reading it is plain
JSON parsing: no code runs.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..errors import ModelFileError
from ..atomic import atomic_write

BOOK_COST_NAMES = {"QuadraticCost": "quadratic", "CrossEntropyCost": "cross_entropy"}


def is_book_json(path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(1).strip() in (b"{",)
    except OSError:
        return False


def read_book_json(path) -> dict:
    """{'sizes', 'weights' (book shapes), 'biases', 'cost' (nndl name)}, validated."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
        sizes = [int(s) for s in data["sizes"]]
        weights = [np.asarray(w, dtype=np.float64) for w in data["weights"]]
        biases = [np.asarray(b, dtype=np.float64).reshape(-1) for b in data["biases"]]
        cost = BOOK_COST_NAMES[data["cost"]] if data["cost"] in BOOK_COST_NAMES else data["cost"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ModelFileError(f"{path}: not a readable network2 JSON file ({type(e).__name__}: {e})") from None
    if len(sizes) < 2 or len(weights) != len(sizes) - 1 or len(biases) != len(sizes) - 1:
        raise ModelFileError(f"{path}: network2 JSON has inconsistent sizes/weights/biases")
    for i, (w, b) in enumerate(zip(weights, biases)):
        if w.shape != (sizes[i + 1], sizes[i]) or b.shape != (sizes[i + 1],):
            raise ModelFileError(f"{path}: layer {i} weights have shape {w.shape}, expected "
                                 f"{(sizes[i + 1], sizes[i])}")
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
    except ValueError as e:
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
