"""A real, throw-away PostgreSQL server for the tests: Debian's ``initdb`` + ``pg_ctl`` in a
temporary folder, run as the ``postgres`` user when the tests run as root (PostgreSQL refuses
root), listening on a free loopback port only, with trust authentication (nothing else can
reach it). Stopped and removed afterwards.

Where it cannot be started the test fails with the reason when ``$CI`` is set (the CI script
installs Debian's ``postgresql``); elsewhere it is skipped with the reason.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest


def unavailable(reason: str):
    msg = f"cannot start a PostgreSQL server for the tests: {reason}"
    if os.environ.get("CI"):
        pytest.fail(msg + " (CI must run this test: .ci/run installs Debian's postgresql)", pytrace=False)
    pytest.skip(msg)


def _bindir():
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(Path(d).parent.name.split(".")[0]))
    dirs = [d for d in dirs if os.path.exists(os.path.join(d, "pg_ctl"))]
    return dirs[-1] if dirs else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def postgres_server(user: str = "nndl", database: str = "nndl"):
    """Yield a SQLAlchemy URL ``postgresql+psycopg://user@127.0.0.1:PORT/database``."""
    bindir = _bindir()
    if bindir is None:
        unavailable("no /usr/lib/postgresql/*/bin/pg_ctl (apt-get install postgresql)")
    as_user = []
    base = Path(tempfile.mkdtemp(prefix="nndl-pg-"))
    if os.geteuid() == 0:  # the server will not run as root
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(base, ignore_errors=True)
            unavailable("running as root and there is no 'postgres' user to run the server as")
        os.chown(base, pw.pw_uid, pw.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, log, port = base / "data", base / "server.log", _free_port()
    opts = f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off -c max_connections=50"

    def run(*cmd):
        return subprocess.run([*as_user, *cmd], capture_output=True, text=True, timeout=120)

    started = False
    try:
        r = run(f"{bindir}/initdb", "-D", str(data), "-U", user, "-A", "trust", "-E", "UTF8", "--no-locale")
        if r.returncode != 0:
            unavailable(f"initdb failed: {(r.stderr or r.stdout).strip()[-300:]}")
        r = run(f"{bindir}/pg_ctl", "-D", str(data), "-l", str(log), "-o", opts, "-w", "-t", "60", "start")
        if r.returncode != 0:
            tail = log.read_text()[-300:] if log.exists() else r.stderr
            unavailable(f"pg_ctl start failed: {tail.strip()}")
        started = True
        r = run(f"{bindir}/createdb", "-h", "127.0.0.1", "-p", str(port), "-U", user, database)
        if r.returncode != 0:
            unavailable(f"createdb failed: {r.stderr.strip()}")
        yield f"postgresql+psycopg://{user}@127.0.0.1:{port}/{database}"
    finally:
        if started:
            run(f"{bindir}/pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)
