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


def _read_bytes(path: Path) -> bytes:
    """Return the (decompressed) contents of ``path``; any I/O or gzip failure -> DataError."""
    try:
        with open(path, "rb") as f:
            head = f.read(2)
            f.seek(0)
            if head == _GZIP_MAGIC:
                with gzip.GzipFile(fileobj=f) as g:
                    return g.read()
            return f.read()
    except FileNotFoundError:
        raise DataError(f"{path.name}: file not found at {path}") from None
    except EOFError:
        # gzip raises EOFError when the stream stops before its end marker.
        raise DataError(f"{path.name}: gzip data is truncated (incomplete download?); "
                        f"delete it and fetch it again") from None
    except (OSError, zlib.error) as e:  # gzip.BadGzipFile is an OSError
        raise DataError(f"{path.name}: cannot be read ({e}); delete it and fetch it again") from None


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (gzip-compressed or raw) into a NumPy array.

    The array has the dimensions stored in the header and the native-endian
    version of the stored dtype (``uint8`` for MNIST). The header is checked
    against the file size, so a truncated or padded file is reported instead of
    being silently reshaped.

    Raises:
        DataError: the file is missing, not valid gzip, not IDX, or its size
            does not match its header. The message names the file.
    """
    path = Path(path)
    data = _read_bytes(path)
    name = path.name

    if len(data) < 4:
        raise DataError(f"{name}: too short to be an IDX file ({len(data)} bytes)")
    zero0, zero1, code, ndim = data[0], data[1], data[2], data[3]
    if zero0 != 0 or zero1 != 0 or code not in IDX_DTYPES:
        raise DataError(
            f"{name}: not an IDX file (bad magic number 0x{data[:4].hex()}; "
            f"expected 0x0000 followed by a type code such as 08)"
        )
    if ndim == 0:
        raise DataError(f"{name}: IDX header declares 0 dimensions")

    header_len = 4 + 4 * ndim
    if len(data) < header_len:
        raise DataError(f"{name}: truncated IDX header ({len(data)} bytes, need {header_len})")
    dims = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))

    dtype = IDX_DTYPES[code]
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    actual = len(data) - header_len
    if actual != expected:
        raise DataError(
            f"{name}: size does not match header: dims {dims} need {expected} data bytes, "
            f"file has {actual} (truncated or corrupt)"
        )

    arr = np.frombuffer(data, dtype=dtype, offset=header_len).reshape(dims)
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
