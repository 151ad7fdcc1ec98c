"""The one file container nndl writes: a NumPy ``.npz`` holding named arrays plus one JSON
document (stored as a uint8 array under ``__meta__``).

Reading uses ``allow_pickle=False``, so opening a file can never execute code. Writes go to
a temporary file in the same folder and are moved into place with ``os.replace``: a reader
(or a crash) never sees a half-written file.
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

from ..errors import ModelFileError
from ..atomic import atomic_write

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
    """(meta, arrays) from a container, or ModelFileError with a one-line reason."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such file")
    try:
        with np.load(path, allow_pickle=False) as z:
            if META_KEY not in z.files:
                raise ModelFileError(f"{path}: not an nndl {expected_format} file (no metadata)")
            meta = json.loads(bytes(z[META_KEY]).decode("utf-8"))
            arrays = {k: z[k] for k in z.files if k != META_KEY}
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError, UnicodeDecodeError) as e:
        raise ModelFileError(f"{path}: not a readable nndl {expected_format} file ({type(e).__name__}: {e})") from None
    if not isinstance(meta, dict) or meta.get("format") != expected_format:
        found = meta.get("format") if isinstance(meta, dict) else None
        raise ModelFileError(f"{path}: expected an nndl {expected_format} file, found format {found!r}")
    return meta, arrays
