"""The docs are the truth: every ``nndl`` command in a ```bash block of README.md and
docs/cli.md runs, in this process through ``nndl.cli.main.main``, with the quick versions
docs/cli.md documents (``--subset 500 --epochs 1`` for what trains on the full data,
``--steps 50`` for lr-find, ``--epochs N`` to take a finished run on); and docs/cli.md has a
section for every command ``nndl --help`` lists."""
from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from cli_util import cli_env, nndl_executable

REPO = Path(__file__).resolve().parents[1]
DOCS = [REPO / "README.md", REPO / "docs" / "cli.md"]
SHORT = ["--subset", "500", "--epochs", "1"]
QUICK = {("train",): SHORT, ("compare-optimizers",): SHORT, ("ensemble", "train"): SHORT,
         ("lr-find",): ["--steps", "50"]}

#: commands shown but not run here, and why (each is tested where named)
NOT_RUN = {"tune": "a hyper-parameter search runs for minutes to hours and the examples name a space file, a "
                   "PostgreSQL server and a comparison that are templates (tests/test_tune*.py run it)"}

pytestmark = pytest.mark.skipif(not (os.environ.get("NNDL_DATA_DIR") and Path(os.environ["NNDL_DATA_DIR"]).is_dir()),
                                reason="real MNIST not available (set NNDL_DATA_DIR)")


def documented_commands() -> list:
    """(file, argv) for each ``nndl ...`` line of each ```bash block, in order."""
    out = []
    for path in DOCS:
        for block in re.findall(r"```bash\n(.*?)```", path.read_text(encoding="utf-8"), re.S):
            for line in block.splitlines():
                words = shlex.split(line, comments=True)
                if words and words[0] == "nndl":
                    out.append((path.name, words[1:]))
    return out


def quick(argv, runs_done) -> list:
    """The documented quick version of a command line."""
    if argv[0] == "train" and "--resume" in argv:
        return [*argv, "--epochs", str(runs_done.get(argv[argv.index("--resume") + 1], 1) + 1)]
    for prefix, extra in QUICK.items():
        if tuple(argv[:len(prefix)]) == prefix:
            return [*argv, *extra]
    return argv


def draw_digit(path):
    im = Image.new("L", (120, 160), 235)
    ImageDraw.Draw(im).line([(30, 30), (95, 30), (50, 135)], fill=25, width=10)
    im.save(path)


def serve_briefly(argv, cwd):
    """``nndl serve`` runs until stopped: start it on a free port, wait for its address, stop it."""
    p = subprocess.Popen([nndl_executable(), *argv, "--port", "0"], cwd=cwd, env=cli_env(), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        line = p.stdout.readline()
        assert line.startswith("nndl serve: http://"), (line, p.stderr.read() if p.poll() is not None else "")
    finally:
        p.terminate()
        p.wait(30)


def test_docs_cover_every_command():
    from nndl.cli.commands import COMMANDS
    from nndl.cli.main import build_parser

    build_parser()
    text = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    names = [m.__name__.rsplit(".", 1)[1].replace("_", "-") for m in COMMANDS]
    missing = [n for n in names if not re.search(rf"^## `nndl {re.escape(n)}\b", text, re.M)
               and not re.search(rf"^## .*`nndl {re.escape(n)}\b", text, re.M)]
    assert not missing, f"docs/cli.md has no section for: {missing}"
    documented = {argv[0] for _, argv in documented_commands()}
    assert set(names) <= documented | {"lecture1"}, set(names) - documented
    assert set(NOT_RUN) <= set(names)


def test_every_documented_command_runs(tmp_path, monkeypatch, capsys):
    from nndl.cli.main import main

    monkeypatch.chdir(tmp_path)
    draw_digit(tmp_path / "my_digit.png")
    commands = documented_commands()
    assert len(commands) >= 20
    last_run, epochs_of, seen = None, {}, set()
    for source, argv in commands:
        if tuple(argv) in seen and argv[0] != "train" or argv[0] in NOT_RUN:  # shown twice: once is enough
            continue
        seen.add(tuple(argv))
        argv = [a.replace("runs/<run>", str(last_run)) if last_run else a for a in argv]
        assert not any("<run>" in a for a in argv), f"{source}: {argv} needs a run before it"
        argv = quick(argv, epochs_of)
        if argv[0] == "serve":
            serve_briefly(argv, tmp_path)
            continue
        before = set(Path("runs").glob("*")) if Path("runs").is_dir() else set()
        rc = main(argv)
        out, err = capsys.readouterr()
        assert rc == 0, f"{source}: nndl {shlex.join(argv)} exited {rc}: {err[-2000:]}"
        assert "error" not in err, f"{source}: nndl {shlex.join(argv)}: {err[-2000:]}"
        if argv[0] == "train":
            new = sorted(set(Path("runs").glob("*")) - before)
            run = new[-1] if new else Path(argv[argv.index("--resume") + 1])
            last_run = last_run if "--out" in argv or "--run-dir" in argv else run
            epochs_of[str(run)] = int(re.search(r"^epochs = (\d+)", (run / "config.toml").read_text(), re.M)[1])
