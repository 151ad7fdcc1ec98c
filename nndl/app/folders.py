"""Output folders with one owner: claiming a folder atomically, holding it while a command
writes into it, and removing it again when the command fails before writing anything useful.

    with claim_folder("runs/try") as folder:   # ConfigError if another command holds it
        ...                                    # write files into folder.path

A folder is *claimed* by creating its marker file ``.nndl-claim`` with ``O_CREAT | O_EXCL``:
the operating system lets exactly one process create it, so of two ``nndl train --out X``
started together one gets the folder and the other stops with one line (an exists-then-create
check, as before, let both through and interleaved their files). The claim also holds an
advisory lock (``flock``) while the command runs, so a ``--resume`` of a run that is still
training is refused rather than racing it.
"""
from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

from ..errors import ConfigError

try:  # POSIX; elsewhere folders are still claimed, only the in-use lock is skipped
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None

CLAIM = ".nndl-claim"


class ClaimedFolder:
    """A folder this process owns (``path``) and the open, locked marker file."""

    def __init__(self, path: Path, fd: int, created: bool):
        self.path, self._fd, self.created = path, fd, created

    def release(self) -> None:
        """Unlock (the marker file stays: the folder still belongs to its run)."""
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None

    def remove(self) -> None:
        """Undo the claim: delete what was written (and the folder, if this claim made it)."""
        self.release()
        if self.created:
            shutil.rmtree(self.path, ignore_errors=True)
        else:
            for child in self.path.iterdir():
                shutil.rmtree(child, ignore_errors=True) if child.is_dir() else child.unlink(missing_ok=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()


def _lock(fd: int, path: Path, what: str) -> None:
    if fcntl is None:  # pragma: no cover
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise ConfigError(f"{what} {path} is in use by another nndl command; wait for it to finish") from None


def claim_folder(path, what: str = "output folder", hint: str = "choose another --out") -> ClaimedFolder:
    """Create ``path`` (or take it if it exists and is empty) for this process alone.

    ConfigError, naming the folder, if it is not empty or another process claimed it first."""
    path = Path(path)
    existed = path.is_dir()
    path.mkdir(parents=True, exist_ok=True)  # OSError (a file in the way, read-only) is the caller's one line
    try:
        fd = os.open(path / CLAIM, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o666)
    except FileExistsError:
        raise ConfigError(f"{what} {path} already belongs to another run; {hint}") from None
    _lock(fd, path, what)
    os.write(fd, f"pid {os.getpid()}\n".encode())
    folder = ClaimedFolder(path, fd, created=not existed)
    if any(child.name != CLAIM for child in path.iterdir()):
        os.close(fd)
        (path / CLAIM).unlink(missing_ok=True)
        raise ConfigError(f"{what} {path} already exists and is not empty; {hint}")
    return folder


def hold_folder(path, what: str = "run folder") -> ClaimedFolder:
    """Lock an existing folder (a run being resumed) against a second command writing into it.
    Run folders made before claims existed get their marker file now."""
    path = Path(path)
    fd = os.open(path / CLAIM, os.O_CREAT | os.O_RDWR, 0o666)
    _lock(fd, path, what)
    return ClaimedFolder(path, fd, created=False)


def is_held(path) -> bool:
    """Whether a command is writing into the folder now (its claim is locked)."""
    if fcntl is None or not (Path(path) / CLAIM).is_file():  # pragma: no cover
        return False
    try:
        fd = os.open(Path(path) / CLAIM, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


@contextlib.contextmanager
def removed_on_failure(folder: ClaimedFolder, keep):
    """Run the block; if it raises while ``keep()`` is false (nothing worth keeping was
    written), remove the folder's files, so that bad input leaves nothing behind."""
    try:
        yield folder
    except BaseException:
        if not keep():
            folder.remove()
        raise
    finally:
        folder.release()


__all__ = ["CLAIM", "ClaimedFolder", "claim_folder", "hold_folder", "is_held", "removed_on_failure"]
