"""Where the MNIST files live, and how to fetch them when they are not there.

:func:`find_mnist_dir` looks, in this order, in

1. the folder passed explicitly (never downloads into it: a wrong path should
   be reported, not filled);
2. the folder named by the environment variable ``NNDL_DATA_DIR`` (also never
   downloaded into: a typo in a CI setting must fail loudly, not hit the network);
3. the user cache, ``$XDG_CACHE_HOME/nndl/mnist`` or ``~/.cache/nndl/mnist``,
   downloading the four files there if they are missing and ``download=True``.

:func:`download_mnist` does the downloading: it tries each mirror in turn,
checks every file's MD5 before accepting it, and writes atomically (to a
temporary file in the destination folder, then ``os.replace``), so an
interrupted or corrupted download never leaves a half file behind under the
real name.
"""

from __future__ import annotations

import hashlib
import os
import urllib.request
from pathlib import Path
from typing import NamedTuple, Sequence

from nndl.atomic import atomic_write
from nndl.errors import DataError

__all__ = [
    "DataDirError",
    "MnistFile",
    "MNIST_FILES",
    "MIRRORS",
    "ENV_VAR",
    "MIRRORS_ENV_VAR",
    "cache_dir",
    "mnist_file_path",
    "missing_mnist_files",
    "find_mnist_dir",
    "download_mnist",
]

ENV_VAR = "NNDL_DATA_DIR"
#: Comma-separated mirror URLs replacing :data:`MIRRORS` (e.g. an internal mirror, or a
#: file:// URL in tests that must never reach the network).
MIRRORS_ENV_VAR = "NNDL_MNIST_MIRRORS"


class DataDirError(DataError):
    """The MNIST folder the user named (``--data-dir``, ``$NNDL_DATA_DIR``) is missing or
    incomplete. Unlike MNIST being simply unavailable, this never falls back to other data:
    results on the 8×8 digits must not pass for MNIST's because of a typo."""


class MnistFile(NamedTuple):
    """One of the four MNIST files, with the checksums that identify it."""

    name: str  #: file name as published, e.g. ``train-images-idx3-ubyte.gz``
    payload_md5: str  #: MD5 of the *uncompressed* IDX payload
    gz_md5s: tuple[str, ...]  #: accepted MD5s of the .gz (official + known recompressions)
    payload_size: int  #: bytes of the uncompressed payload


# Payload MD5s are those of the official release. The training-images .gz in the
# shared data folder was recompressed with `gzip -9 -n`, so its .gz MD5 differs
# from the official archive while its payload is identical; both are accepted.
MNIST_FILES: dict[str, MnistFile] = {
    f.name: f
    for f in (
        MnistFile(
            "train-images-idx3-ubyte.gz",
            "6bbc9ace898e44ae57da46a324031adb",
            ("f68b3c2dcbeaaa9fbdd348bbdeb94873", "c7dfcf1bfd3481a40f7b3aedbdbd083c"),
            47040016,
        ),
        MnistFile(
            "train-labels-idx1-ubyte.gz",
            "a25bea736e30d166cdddb491f175f624",
            ("d53e105ee54ea40749a09fcbcd1e9432",),
            60008,
        ),
        MnistFile(
            "t10k-images-idx3-ubyte.gz",
            "2646ac647ad5339dbf082846283269ea",
            ("9fb629c4189551a2d022fa330f9573f3",),
            7840016,
        ),
        MnistFile(
            "t10k-labels-idx1-ubyte.gz",
            "27ae3e4e09519cfbb04c329615203637",
            ("ec29112dd5afa0611ce80d1b7f02629c",),
            10008,
        ),
    )
}

# Public mirrors, tried in order. The original site is last: it is slow and
# often refuses automated downloads. Integrity comes from the MD5 check, not from
# the transport, so the plain-http mirror is acceptable.
MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)

# No MNIST file is anywhere near this; it bounds what a misbehaving server can make us write.
_MAX_DOWNLOAD_BYTES = 64 * 2**20
_CHUNK = 1 << 16


def cache_dir() -> Path:
    """The per-user cache folder for MNIST: ``$XDG_CACHE_HOME/nndl/mnist`` or ``~/.cache/nndl/mnist``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "nndl" / "mnist"


def mnist_file_path(directory: str | os.PathLike, name: str) -> Path | None:
    """Path of MNIST file ``name`` in ``directory``, or None if absent.

    Accepts the published ``.gz`` name or the same name without ``.gz`` (people
    often keep the files uncompressed; :func:`~nndl.data.idx.read_idx` reads both).
    """
    directory = Path(directory)
    for candidate in (directory / name, directory / name.removesuffix(".gz")):
        if candidate.is_file():
            return candidate
    return None


def missing_mnist_files(directory: str | os.PathLike) -> list[str]:
    """Names of the MNIST files not present in ``directory`` (empty list = complete)."""
    return [name for name in MNIST_FILES if mnist_file_path(directory, name) is None]


def _where_to_put_them() -> str:
    return f"put {', '.join(MNIST_FILES)} in {cache_dir()} or in a folder named by ${ENV_VAR}"


def find_mnist_dir(path: str | os.PathLike | None = None, download: bool = True) -> Path:
    """Return the folder holding the four MNIST files, downloading them if allowed.

    Args:
        path: a folder to use. If given, it must hold the files; nothing is
            downloaded into it.
        download: if the files are in neither ``path``, ``$NNDL_DATA_DIR`` nor
            the user cache, fetch them into the user cache.

    Raises:
        DataError: with a one-line message saying which files are missing and
            where to put them.
    """
    if path is not None:
        return _require_complete(Path(path).expanduser(), "folder")

    env = os.environ.get(ENV_VAR)
    if env:  # the user named a folder, so it must hold MNIST (no download, no fallback)
        return _require_complete(Path(env).expanduser(), f"${ENV_VAR}")

    cache = cache_dir()
    if not missing_mnist_files(cache):
        return cache
    if not download:
        raise DataError(f"MNIST not found and download=False: {_where_to_put_them()}")
    try:
        return download_mnist(cache)
    except DataError as e:
        raise DataError(f"MNIST not found and download failed ({e}): {_where_to_put_them()}") from None


def _require_complete(directory: Path, what: str) -> Path:
    """A folder the user named (``--data-dir`` or ``$NNDL_DATA_DIR``) must hold MNIST: a wrong
    path is a :class:`DataDirError`, which no caller may answer by falling back to other data."""
    if not directory.is_dir():
        raise DataDirError(f"MNIST {what} {directory} does not exist; it should hold {', '.join(MNIST_FILES)}")
    missing = missing_mnist_files(directory)
    if missing:
        raise DataDirError(f"MNIST {what} {directory} is missing {', '.join(missing)}")
    return directory


def download_mnist(
    dest: str | os.PathLike | None = None,
    mirrors: Sequence[str] | None = None,
    *,
    progress: bool = True,
    timeout: float = 30.0,
) -> Path:
    """Download the four MNIST ``.gz`` files into ``dest`` (default: the user cache).

    Files already present are kept. For each missing file the mirrors are tried
    in order (default :data:`MIRRORS`; any URL scheme urllib understands, so tests can use ``file://`` or a
    local ``http://127.0.0.1`` server); the download streams into a temporary file
    in ``dest`` while its MD5 is computed, and is moved into place with
    ``os.replace`` only if the MD5 is one of the accepted ones. A bad or
    interrupted download is deleted and the next mirror is tried.

    Returns:
        ``dest`` as a Path.

    Raises:
        DataError: some file could not be fetched from any mirror (one line,
            naming the file and the last failure).
    """
    from tqdm.auto import tqdm  # imported here: only needed when downloading

    dest = Path(dest).expanduser() if dest is not None else cache_dir()
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DataError(f"cannot create MNIST folder {dest}: {e.strerror or e}") from None
    if mirrors is None:
        env = os.environ.get(MIRRORS_ENV_VAR)
        # looked up at call time so it can be overridden (tests do; $NNDL_MNIST_MIRRORS too)
        mirrors = tuple(m.strip() for m in env.split(",") if m.strip()) if env else MIRRORS
    if isinstance(mirrors, str):
        mirrors = (mirrors,)
    if not mirrors:
        raise DataError("no MNIST mirrors to download from")

    for info in MNIST_FILES.values():
        if mnist_file_path(dest, info.name) is not None:
            continue
        errors = []
        for mirror in mirrors:
            url = mirror.rstrip("/") + "/" + info.name
            try:
                _fetch_verified(url, dest / info.name, info, tqdm, progress, timeout)
                break
            except DataError as e:
                errors.append(str(e))
        else:
            raise DataError(f"could not download {info.name} from any of {len(mirrors)} mirror(s); "
                            f"last error: {errors[-1]}")
    return dest


def _fetch_verified(url: str, target: Path, info: MnistFile, tqdm, progress: bool, timeout: float) -> None:
    """Download ``url`` to ``target`` atomically, accepting it only if its MD5 is known."""
    # atomic_write keeps the download in a temporary file and renames it into place only if
    # the block ends cleanly: a failed or unverified download leaves nothing behind.
    with atomic_write(target, "wb") as out:
        h = hashlib.md5()
        received = 0
        try:
            with urllib.request.urlopen(url, timeout=timeout) as resp:
                total = resp.headers.get("Content-Length")
                total = int(total) if total and total.isdigit() else None
                with tqdm(
                    total=total, unit="B", unit_scale=True, unit_divisor=1024,
                    desc=info.name, disable=not progress, leave=False,
                ) as bar:
                    while chunk := resp.read(_CHUNK):
                        received += len(chunk)
                        if received > _MAX_DOWNLOAD_BYTES:
                            raise DataError(f"{url}: more than {_MAX_DOWNLOAD_BYTES} bytes, not an MNIST file")
                        h.update(chunk)
                        out.write(chunk)
                        bar.update(len(chunk))
        except DataError:
            raise
        except Exception as e:  # URLError, HTTPError, timeouts, resets: all mean "try the next mirror"
            reason = str(getattr(e, "reason", e)).replace("\n", " ")  # keep the message on one line
            raise DataError(f"{url}: {type(e).__name__}: {reason}") from None
        digest = h.hexdigest()
        if digest not in info.gz_md5s:
            raise DataError(f"{url}: MD5 {digest} is not a known checksum of {info.name} (corrupt or wrong file)")
