"""The one file container nndl writes: a NumPy ``.npz`` holding named arrays plus one JSON
document (stored as a uint8 array under ``__meta__``).

Reading goes through :func:`nndl.data.npz.read_npz`: it never executes code and never trusts
a size it has not checked against the bytes the file holds. Then the metadata is parsed with
depth checks and every float array must be finite. Writes are atomic (a reader, or a crash,
never sees a half-written file).
"""
from __future__ import annotations

import json

import numpy as np

from ..atomic import atomic_write
from ..data.npz import read_npz
from ..errors import ModelFileError
from .schema import check_arrays_finite, parse_json

META_KEY = "__meta__"


def write_container(path, meta: dict, arrays: dict) -> None:
    payload = {META_KEY: np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)}
    for k, v in arrays.items():
        if k == META_KEY:
            raise ValueError(f"array name {META_KEY!r} is reserved")
        payload[k] = np.asarray(v)
    with atomic_write(path, "wb") as f:
        np.savez(f, **payload)


def read_container(path, expected_format: str) -> tuple[dict, dict]:
    """(meta, arrays) from a container, or ModelFileError with a one-line reason.

    Float arrays are checked to be finite."""
    what = f"nndl {expected_format} file"
    arrays = read_npz(path, what, ModelFileError)
    if META_KEY not in arrays:
        raise ModelFileError(f"{path}: not an {what} (no metadata)")
    meta_bytes = arrays.pop(META_KEY)
    if meta_bytes.dtype != np.uint8 or meta_bytes.ndim != 1:
        raise ModelFileError(f"{path}: not an {what} (metadata is not JSON bytes)")
    meta = parse_json(meta_bytes.tobytes(), str(path))
    if not isinstance(meta, dict) or meta.get("format") != expected_format:
        found = meta.get("format") if isinstance(meta, dict) else None
        raise ModelFileError(f"{path}: expected an {what}, found format {found!r}")
    check_arrays_finite(arrays, str(path))
    return meta, arrays
