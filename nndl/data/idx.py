"""Reading and writing IDX files, the simple binary format MNIST is distributed in.

An IDX file is a tiny header followed by raw big-endian numbers::

    bytes 0-1   always zero
    byte  2     type code of the numbers (0x08 = uint8, 0x0D = float32, ...)
    byte  3     number of dimensions d
    then d big-endian uint32 sizes, then prod(sizes) numbers, row-major.

MNIST's image files are ``(n, 28, 28)`` uint8 arrays and its label files ``(n,)``
uint8 arrays. The files are usually gzip-compressed; :func:`read_idx` detects this
from the file's first bytes rather than trusting the file name.

Every problem with a file (missing, truncated, not IDX, wrong size) becomes a
:class:`~nndl.errors.DataError` with a one-line message that names the file, so a
damaged download never shows up as a deep traceback.
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import numpy as np

from nndl.core.limits import MAX_ARRAY_BYTES, n_values
from nndl.errors import DataError

__all__ = ["read_idx", "write_idx", "IDX_DTYPES"]

# IDX type code -> big-endian NumPy dtype. IDX stores multi-byte numbers big-endian.
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20


def _open_stream(path: Path, f):
    """The file's byte stream: decompressed on the fly if it is gzip (detected from its magic)."""
    head = f.read(2)
    f.seek(0)
    return gzip.GzipFile(fileobj=f) if head == _GZIP_MAGIC else f


def _read_exactly(stream, n: int, name: str, what: str) -> bytes:
    """``n`` bytes from ``stream``, read in bounded chunks so nothing is allocated on the strength
    of a header alone; DataError if the stream ends first."""
    parts, got = [], 0
    while got < n:
        chunk = stream.read(min(_CHUNK, n - got))
        if not chunk:
            raise DataError(f"{name}: truncated {what}: {got} of {n} bytes (incomplete download?); "
                            f"delete it and fetch it again")
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def _parse_header(head: bytes, name: str) -> tuple[np.dtype, int]:
    zero0, zero1, code, ndim = head[0], head[1], head[2], head[3]
    if zero0 != 0 or zero1 != 0 or code not in IDX_DTYPES:
        raise DataError(
            f"{name}: not an IDX file (bad magic number 0x{head[:4].hex()}; "
            f"expected 0x0000 followed by a type code such as 08)"
        )
    if ndim == 0:
        raise DataError(f"{name}: IDX header declares 0 dimensions")
    return IDX_DTYPES[code], ndim


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (gzip-compressed or raw) into a NumPy array.

    The array has the dimensions stored in the header and the native-endian
    version of the stored dtype (``uint8`` for MNIST). The header is never
    trusted on its own: the size it declares is computed exactly (no overflow),
    checked against :data:`~nndl.core.limits.MAX_ARRAY_BYTES` and, for a raw
    file, against the file's size before anything is read; the data are then
    read in chunks, and the file must end exactly there. A truncated or padded
    file, or a gzip bomb that inflates beyond its header, is reported instead of
    being reshaped or filling memory.

    Raises:
        DataError: the file is missing, not valid gzip, not IDX, or its size
            does not match its header. The message names the file.
    """
    path = Path(path)
    name = path.name
    try:
        with open(path, "rb") as f:
            stream = _open_stream(path, f)
            head = stream.read(4)
            if len(head) < 4:
                raise DataError(f"{name}: too short to be an IDX file ({len(head)} bytes)")
            dtype, ndim = _parse_header(head, name)
            dims = tuple(int(d) for d in np.frombuffer(_read_exactly(stream, 4 * ndim, name, "IDX header"), ">u4"))
            expected = n_values(dims) * dtype.itemsize  # Python ints: no overflow
            if expected > MAX_ARRAY_BYTES:
                raise DataError(f"{name}: IDX header declares dims {dims} ({expected:,} bytes), beyond "
                                f"nndl's limit of {MAX_ARRAY_BYTES:,} bytes (corrupt file?)")
            if stream is f and os.fstat(f.fileno()).st_size - 4 - 4 * ndim != expected:
                actual = os.fstat(f.fileno()).st_size - 4 - 4 * ndim
                raise DataError(f"{name}: size does not match header: dims {dims} need {expected} data "
                                f"bytes, file has {actual} (truncated or corrupt)")
            data = _read_exactly(stream, expected, name, "IDX data")
            if stream.read(1):
                raise DataError(f"{name}: size does not match header: more data than dims {dims} "
                                f"need ({expected} bytes; corrupt file, or not what it claims)")
    except DataError:
        raise
    except FileNotFoundError:
        raise DataError(f"{name}: file not found at {path}") from None
    except EOFError:
        # gzip raises EOFError when the stream stops before its end marker.
        raise DataError(f"{name}: gzip data is truncated (incomplete download?); "
                        f"delete it and fetch it again") from None
    except (OSError, zlib.error) as e:  # gzip.BadGzipFile is an OSError
        raise DataError(f"{name}: cannot be read ({e}); delete it and fetch it again") from None

    arr = np.frombuffer(data, dtype=dtype).reshape(dims)
    # Convert to native byte order; this also copies out of the immutable bytes
    # object, so the caller gets an ordinary writable array.
    return arr.astype(dtype.newbyteorder("="))


def write_idx(path: str | os.PathLike, array: np.ndarray) -> Path:
    """Write ``array`` as an IDX file; gzip-compress it if ``path`` ends in ``.gz``.

    Mainly used to create small (or deliberately broken) MNIST-like files in
    tests. The dtype must be one IDX can store (uint8, int8, int16, int32,
    float32, float64). The gzip header carries no timestamp, so identical
    arrays give byte-identical files.

    Returns the path written.
    """
    path = Path(path)
    array = np.asarray(array)
    if array.ndim == 0 or array.ndim > 255:
        raise DataError(f"{path.name}: IDX needs 1 to 255 dimensions, got {array.ndim}")
    code = next((c for c, dt in IDX_DTYPES.items() if dt.newbyteorder("=") == array.dtype.newbyteorder("=")), None)
    if code is None:
        raise DataError(f"{path.name}: IDX cannot store dtype {array.dtype}")
    if any(s >= 2**32 for s in array.shape):
        raise DataError(f"{path.name}: dimension too large for IDX: {array.shape}")

    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    payload = np.ascontiguousarray(array, dtype=IDX_DTYPES[code]).tobytes()
    if path.suffix == ".gz":
        with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as f:
            f.write(header)
            f.write(payload)
    else:
        path.write_bytes(header + payload)
    return path
