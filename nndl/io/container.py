"""The one file container nndl writes: a NumPy ``.npz`` holding named arrays plus one JSON
document (stored as a uint8 array under ``__meta__``).

Reading never executes code (``allow_pickle=False``) and never trusts a size it has not
checked: each member's ``.npy`` header is read first, and its declared shape must match the
bytes the member really holds and stay under :data:`~nndl.core.limits.MAX_ARRAY_BYTES` before
any array is allocated. A ``.npy`` renamed ``.npz``, a damaged zip, an object array or an
array declaring 10¹² values is one :class:`ModelFileError` line. Writes are atomic (a reader,
or a crash, never sees a half-written file).
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

from ..atomic import atomic_write
from ..core.limits import MAX_ARRAY_BYTES, n_values
from ..errors import ModelFileError
from .schema import check_arrays_finite, parse_json

META_KEY = "__meta__"
_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}


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
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such file")
    what = f"nndl {expected_format} file"
    try:
        if not zipfile.is_zipfile(path):
            raise ModelFileError(f"{path}: not a readable {what} (not an .npz archive)")
        with zipfile.ZipFile(path) as z:
            members = _checked_members(z, path, what)
            if META_KEY not in members:
                raise ModelFileError(f"{path}: not an {what} (no metadata)")
            arrays = {}
            for key, info in members.items():
                with z.open(info) as f:
                    arrays[key] = np.lib.format.read_array(f, allow_pickle=False)
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, KeyError,
            NotImplementedError) as e:
        raise ModelFileError(f"{path}: not a readable {what} ({type(e).__name__}: {e})") from None
    meta_bytes = arrays.pop(META_KEY)
    if meta_bytes.dtype != np.uint8 or meta_bytes.ndim != 1:
        raise ModelFileError(f"{path}: not an {what} (metadata is not JSON bytes)")
    meta = parse_json(meta_bytes.tobytes(), str(path))
    if not isinstance(meta, dict) or meta.get("format") != expected_format:
        found = meta.get("format") if isinstance(meta, dict) else None
        raise ModelFileError(f"{path}: expected an {what}, found format {found!r}")
    check_arrays_finite(arrays, str(path))
    return meta, arrays


def _checked_members(z: zipfile.ZipFile, path: Path, what: str) -> dict:
    """{array name: ZipInfo}, after checking every member's header against its real size."""
    members, total = {}, 0
    for info in z.infolist():
        if not info.filename.endswith(".npy"):
            raise ModelFileError(f"{path}: not an {what} (unexpected member {info.filename!r})")
        with z.open(info) as f:
            try:
                version = np.lib.format.read_magic(f)
                reader = _HEADER_READERS.get(version)
                if reader is None:
                    raise ValueError(f".npy format version {version} is not supported")
                shape, _, dtype = reader(f)
            except ValueError as e:
                raise ModelFileError(f"{path}: member {info.filename!r} is not a NumPy array ({e})") from None
            header_len = f.tell()
        if dtype.hasobject or dtype.kind not in "biuf":
            raise ModelFileError(f"{path}: member {info.filename!r} has dtype {dtype}; only numbers are allowed")
        nbytes = n_values(shape) * dtype.itemsize
        total += nbytes
        if nbytes > MAX_ARRAY_BYTES or total > MAX_ARRAY_BYTES:
            raise ModelFileError(f"{path}: member {info.filename!r} declares shape {tuple(shape)} "
                                 f"({nbytes:,} bytes), beyond nndl's limit of {MAX_ARRAY_BYTES:,} bytes")
        if info.file_size - header_len != nbytes:
            raise ModelFileError(f"{path}: member {info.filename!r} declares shape {tuple(shape)} ({nbytes:,} "
                                 f"bytes) but holds {max(info.file_size - header_len, 0):,} bytes (damaged file)")
        members[info.filename[:-len(".npy")]] = info
    return members
