"""Atomic file writes: the one way nndl writes a file a user or a resumed run will read.

    with atomic_write(path, "wb") as f:
        f.write(...)

The data go to a temporary file in the same folder, are flushed to disk, and replace ``path``
with ``os.replace`` only when the block finishes without an exception. A crash, a kill or an
error therefore never leaves a half-written model, checkpoint, plot or download behind.

The file gets the permissions an ordinary ``open`` would give it (0666 less the umask: runs
and models are meant to be shared), not the temporary file's private 0600. A filesystem error
(a folder under a file, no permission, a full disk) is an :class:`~nndl.errors.OutputError`
naming the path, which the command line prints as one line.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from .errors import OutputError


def _umask() -> int:
    mask = os.umask(0o022)  # reading the umask means setting it; put it straight back
    os.umask(mask)
    return mask


def output_error(path, e: OSError) -> OutputError:
    """The one-line error for an OSError met while writing ``path``."""
    if isinstance(e, (FileExistsError, NotADirectoryError)):  # mkdir met a file on the way
        blocked = Path(e.filename) if e.filename else Path(path).parent
        blocking = next((p for p in (blocked, *blocked.parents) if p.exists()), None)
        if blocking is not None and not blocking.is_dir():
            return OutputError(f"cannot write {path}: {blocking} is a file, not a folder")
    return OutputError(f"cannot write {path}: {e.strerror or e}")


@contextlib.contextmanager
def atomic_write(path, mode: str = "wb", **open_kwargs):
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        raise output_error(path, e) from None
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, mode, **open_kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OutputError:
        raise
    except OSError as e:  # ENOSPC, EFBIG, EIO... while writing: the target is untouched
        raise output_error(path, e) from None
    finally:
        Path(tmp).unlink(missing_ok=True)  # gone already after a successful replace

