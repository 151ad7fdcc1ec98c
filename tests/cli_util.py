"""Helpers for the CLI tests: the real ``nndl`` console script in a subprocess (signals, exit
statuses end to end) or ``main(argv)`` in-process (arguments, errors, outputs)."""
from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_SHARED = REPO.parent / "shared" / "data" / "mnist"


def nndl_executable() -> str:
    exe = Path(sys.executable).parent / "nndl"
    if exe.exists():
        return str(exe)
    found = shutil.which("nndl")
    if found is None:  # pragma: no cover
        raise RuntimeError("the nndl console script is not installed (pip install -e .)")
    return found


def cli_env(**changes) -> dict:
    env = dict(os.environ)
    env.setdefault("NNDL_DATA_DIR", str(_SHARED))
    # small dense nets are overhead-bound: one BLAS thread is fastest, and fair to a shared machine
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONWARNINGS="ignore")
    for k, v in changes.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


def nndl(*args, cwd=None, env=None, timeout=300, check=None) -> subprocess.CompletedProcess:
    r = subprocess.run([nndl_executable(), *map(str, args)], cwd=cwd, env=env or cli_env(), capture_output=True,
                       text=True, timeout=timeout)
    if check is not None and r.returncode != check:
        raise AssertionError(f"nndl {' '.join(map(str, args))} exited {r.returncode}, expected {check}\n"
                             f"stdout:\n{r.stdout}\nstderr:\n{r.stderr}")
    return r


def run_main(*args, check=None) -> subprocess.CompletedProcess:
    """``nndl ARGS`` in this process through ``nndl.cli.main.main(argv)``: the same parsing,
    dispatch and exit statuses without a process start-up (stdout and stderr captured)."""
    from nndl.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as e:  # argparse's --help and --version exit, as the script would
            code = e.code
    r = subprocess.CompletedProcess(["nndl", *map(str, args)], code, out.getvalue(), err.getvalue())
    if check is not None and code != check:
        raise AssertionError(f"nndl {' '.join(map(str, args))} returned {code}, expected {check}\n"
                             f"stdout:\n{r.stdout}\nstderr:\n{r.stderr}")
    return r


def popen(*args, cwd=None, env=None) -> subprocess.Popen:
    return subprocess.Popen([nndl_executable(), *map(str, args)], cwd=cwd, env=env or cli_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def assert_usage_error(r, *fragments):
    """Exit status 2 and exactly one line on stderr, 'nndl: error: ...', containing fragments."""
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("nndl: error: "), lines[0]
    for f in fragments:
        assert f.lower() in lines[0].lower(), (f, lines[0])
    return lines[0]
