"""Reading ``.npz`` archives without trusting them: the one npz reader of nndl (model files,
checkpoints, the expanded-MNIST cache).

Each member's ``.npy`` header is read first; its declared shape must fit the bytes the member
really holds and stay under :data:`~nndl.core.limits.MAX_ARRAY_BYTES` (all members together
too) before any array is allocated, and only numeric dtypes are accepted. Nothing is unpickled
(``allow_pickle=False``). A ``.npy`` renamed ``.npz``, a damaged zip, an object array or a
member declaring 10¹² values is one error line.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from ..core.limits import MAX_ARRAY_BYTES, n_values
from ..errors import DataError

_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}


def read_npz(path, what: str = "npz file", error=DataError) -> dict:
    """{name: array} from an npz archive, or ``error`` (an NNDLError class) with one line."""
    path = Path(path)
    if not path.is_file():
        raise error(f"{path}: no such file")
    try:
        if not zipfile.is_zipfile(path):
            raise error(f"{path}: not a readable {what} (not an .npz archive)")
        with zipfile.ZipFile(path) as z:
            arrays = {}
            for key, info in _checked_members(z, path, what, error).items():
                with z.open(info) as f:
                    arrays[key] = np.lib.format.read_array(f, allow_pickle=False)
    except error:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, KeyError,
            NotImplementedError) as e:
        raise error(f"{path}: not a readable {what} ({type(e).__name__}: {e})") from None
    return arrays


def _checked_members(z: zipfile.ZipFile, path: Path, what: str, error) -> dict:
    """{array name: ZipInfo}, after checking every member's header against its real size."""
    members, total = {}, 0
    for info in z.infolist():
        if not info.filename.endswith(".npy"):
            raise error(f"{path}: not an {what} (unexpected member {info.filename!r})")
        with z.open(info) as f:
            try:
                version = np.lib.format.read_magic(f)
                reader = _HEADER_READERS.get(version)
                if reader is None:
                    raise ValueError(f".npy format version {version} is not supported")
                shape, _, dtype = reader(f)
            except ValueError as e:
                raise error(f"{path}: member {info.filename!r} is not a NumPy array ({e})") from None
            header_len = f.tell()
        if dtype.hasobject or dtype.kind not in "biuf":
            raise error(f"{path}: member {info.filename!r} has dtype {dtype}; only numbers are allowed")
        nbytes = n_values(shape) * dtype.itemsize
        total += nbytes
        if nbytes > MAX_ARRAY_BYTES or total > MAX_ARRAY_BYTES:
            raise error(f"{path}: member {info.filename!r} declares shape {tuple(shape)} ({nbytes:,} bytes), "
                        f"beyond nndl's limit of {MAX_ARRAY_BYTES:,} bytes")
        if info.file_size - header_len != nbytes:
            raise error(f"{path}: member {info.filename!r} declares shape {tuple(shape)} ({nbytes:,} bytes) "
                        f"but holds {max(info.file_size - header_len, 0):,} bytes (damaged file)")
        members[info.filename[:-len(".npy")]] = info
    return members
