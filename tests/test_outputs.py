"""Writing files: atomic writes respect the umask, every plot goes through the one atomic
writer, filesystem errors are one line (exit 2) and leave nothing half-written; the data
folder the user named is never replaced by the 8×8 digits (that a fallback is said in the
summary is checked by tests/test_cli.py's offline-fallback test)."""
from __future__ import annotations

import os
import re
import resource
import signal
import subprocess
from pathlib import Path

import numpy as np
import pytest

import nndl
from nndl.atomic import atomic_write
from nndl.errors import OutputError

from cli_util import assert_usage_error, cli_env, nndl_executable
from cli_util import nndl as run_nndl

PACKAGE = Path(nndl.__file__).parent


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_atomic_writes_respect_the_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        with atomic_write(tmp_path / "f.txt", "w") as f:
            f.write("x")
        nndl.save_model(nndl.Sequential([nndl.Dense(2, input_dim=2)]), tmp_path / "m.npz")
    finally:
        os.umask(old)
    for name in ("f.txt", "m.npz"):
        assert (tmp_path / name).stat().st_mode & 0o777 == mode, name


def test_a_path_under_a_file_is_an_output_error(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(OutputError, match="cannot write .*file/sub/m.npz: .*file is a file, not a folder") as e:
        nndl.save_model(nndl.Sequential([nndl.Dense(2, input_dim=2)]), tmp_path / "file" / "sub" / "m.npz")
    assert isinstance(e.value, OSError)  # callers catching OSError keep working


def test_output_paths_under_a_file_are_one_line_on_the_command_line(tmp_path):
    (tmp_path / "file").write_text("")
    r = run_nndl("train", "--dataset", "digits8x8", "--epochs", "1", "--hidden", "5", "--out", "file/run",
                 cwd=tmp_path)
    assert_usage_error(r, "file/run", "file is a file, not a folder")
    from PIL import Image

    nndl.save_model(nndl.Sequential([nndl.Dense(10, "sigmoid", input_dim=784)], seed=0), tmp_path / "m.npz")
    img = np.zeros((40, 30), np.uint8)
    img[8:32, 12:18] = 255
    Image.fromarray(img).save(tmp_path / "one.png")
    r = run_nndl("predict", "m.npz", "one.png", "--save-input", "file/inputs", cwd=tmp_path)
    assert_usage_error(r, "cannot write file/inputs", "file is a file, not a folder")


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with pytest.raises(OutputError, match="out.bin"):
        with atomic_write(target, "wb") as f:
            f.write(b"new")
            os.close(f.fileno())  # the descriptor goes away mid-write: flush/fsync fail (EBADF)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_every_plot_goes_through_the_one_atomic_writer():
    """matplotlib's savefig is called in one place, nndl.viz.figure.save_figure (atomic)."""
    roots = [PACKAGE, PACKAGE.parent / "examples", PACKAGE.parent / "benchmarks"]
    offenders = [f"{p}:{i}" for root in roots if root.is_dir() for p in root.rglob("*.py")
                 if p != PACKAGE / "viz" / "figure.py"
                 for i, line in enumerate(p.read_text().splitlines(), 1) if re.search(r"\.savefig\(", line)]
    assert offenders == [], f"plots written without nndl.viz.save_figure: {offenders}"


def test_a_plot_written_into_a_missing_folder_under_a_file(tmp_path):
    from nndl.viz import plot_history

    (tmp_path / "file").write_text("")
    with pytest.raises(OutputError, match="cannot write"):
        plot_history({"epoch": [1, 2], "accuracy": [0.5, 0.6]}, path=tmp_path / "file" / "acc.png")


def nndl_on_a_full_disk(*args, cwd, limit=12_000):
    """RLIMIT_FSIZE makes the kernel refuse writes past ``limit`` bytes (EFBIG), as a full disk
    refuses them (ENOSPC)."""
    def small_files():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run([nndl_executable(), *map(str, args)], cwd=cwd, env=cli_env(), capture_output=True,
                          text=True, timeout=120, preexec_fn=small_files)


def test_a_full_disk_during_training_and_evaluation_is_one_line(tmp_path):
    r = nndl_on_a_full_disk("train", "--dataset", "digits8x8", "--hidden", "100", "--epochs", "2", "--no-plots",
                            cwd=tmp_path)
    assert_usage_error(r, "cannot write", ".npz", "too large")
    # the run failed before its first epoch ended (its first checkpoint did not fit): nothing is kept
    assert list((tmp_path / "runs").iterdir()) == []
    run_nndl("train", "--dataset", "digits8x8", "--hidden", "10", "--epochs", "1", "--no-plots", "--out", "ok",
             "-q", cwd=tmp_path, check=0)
    before = sorted(p.name for p in (tmp_path / "ok").iterdir())
    r = nndl_on_a_full_disk("evaluate", "ok", cwd=tmp_path, limit=2_000)  # the PNGs do not fit
    assert_usage_error(r, "cannot write", ".png", "too large")
    assert sorted(p.name for p in (tmp_path / "ok").iterdir()) == before


def test_nndl_data_dir_naming_a_missing_folder_is_an_error_not_a_fallback(tmp_path):
    env = cli_env(NNDL_DATA_DIR=str(tmp_path / "no-such-folder"), XDG_CACHE_HOME=str(tmp_path / "cache"),
                  NNDL_MNIST_MIRRORS=(tmp_path / "nowhere").as_uri() + "/")
    r = run_nndl("train", cwd=tmp_path, env=env)
    assert_usage_error(r, "NNDL_DATA_DIR", "no-such-folder", "does not exist")
    assert not (tmp_path / "runs").exists()
    (tmp_path / "empty").mkdir()
    r = run_nndl("train", cwd=tmp_path, env=dict(env, NNDL_DATA_DIR=str(tmp_path / "empty")))
    assert_usage_error(r, "is missing", "train-images-idx3-ubyte.gz")
