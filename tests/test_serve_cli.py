"""``nndl serve`` as a command: it prints its loopback address and serves; bad options are one
line and exit status 2."""
from __future__ import annotations

import signal
import socket
import subprocess

from cli_util import assert_usage_error, cli_env, nndl, nndl_executable
from serve_support import request

from nndl.cli.main import main


def test_serve_prints_its_address_serves_and_stops_on_ctrl_c(serve_root):
    proc = subprocess.Popen([nndl_executable(), "serve", "--port", "0", "--runs", str(serve_root / "runs"),
                             str(serve_root / "conv6.npz")], env=cli_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("nndl serve: http://127.0.0.1:"), line
        url = line.split()[2].rstrip("/")
        status, body = request(f"{url}/api/models")
        assert status == 200 and {"fc", "conv6"} <= {m["name"] for m in body["models"]}
        status, page = request(f"{url}/")
        assert status == 200 and "<canvas id=\"pad\"" in page
        proc.send_signal(signal.SIGINT)
        assert proc.wait(20) in (0, 130)  # a clean shutdown (uvicorn may re-raise the SIGINT: 130)
        assert "Traceback" not in proc.stderr.read()
    finally:
        proc.kill()
        proc.wait()


def _one_line_error(capsys, argv, *fragments):
    """In-process (no interpreter start-up): exit status 2 and one 'nndl: error:' line."""
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("nndl: error: "), err
    assert all(f in err[0] for f in fragments), err


def test_serve_bad_options(tmp_path, capsys):
    assert_usage_error(nndl("serve", tmp_path / "missing.npz"), "no such run folder or model file")  # as a process
    (tmp_path / "empty").mkdir()
    _one_line_error(capsys, ["serve", str(tmp_path / "empty")], "not a run folder")
    _one_line_error(capsys, ["serve", "--port", "70000"], "--port")
    _one_line_error(capsys, ["serve", "--port", "http"], "--port")
    _one_line_error(capsys, ["serve", "--max-body", "10"], "--max-body")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        _one_line_error(capsys, ["serve", "--port", str(taken.getsockname()[1])], "cannot listen")
