"""Atomic file writes: the one way nndl writes a file a user or a resumed run will read.

    with atomic_write(path, "wb") as f:
        f.write(...)

The data go to a temporary file in the same folder, are flushed to disk, and replace ``path``
with ``os.replace`` only when the block finishes without an exception. A crash, a kill or an
error therefore never leaves a half-written model, checkpoint, plot or download behind.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


@contextlib.contextmanager
def atomic_write(path, mode: str = "wb", **open_kwargs):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **open_kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)  # gone already after a successful replace
