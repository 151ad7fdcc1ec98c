"""The basics a user meets first: ``python -m nndl``, the licence and changelog, an honest
``Sequential`` signature and summary, plots that survive an interrupted run, and the API
reference built from the docstrings."""
from __future__ import annotations

import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

import nndl
from nndl.app.runs import train_run
from nndl.app.settings import RunConfig
from nndl.train import Callback

REPO = Path(__file__).resolve().parents[1]


def test_python_dash_m_nndl_is_the_command_line():
    r = subprocess.run([sys.executable, "-m", "nndl", "--version"], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0 and r.stdout.startswith("nndl ")
    r = subprocess.run([sys.executable, "-m", "nndl", "train", "--epochs", "zero"], capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr.startswith("nndl: error: ")


def test_licence_and_changelog():
    text = (REPO / "LICENSE").read_text()
    assert text.startswith("MIT License") and "Copyright (c) 2026 nndl contributors" in text
    assert 'license = {text = "MIT"}' in (REPO / "pyproject.toml").read_text()
    log = (REPO / "CHANGELOG.md").read_text()
    assert "Keep a Changelog" in log and "## [Unreleased]" in log
    assert re.search(r"^## \[\d+\.\d+\.\d+\] - \d{4}-\d\d-\d\d$", log, re.M)


@pytest.mark.parametrize("method", [nndl.Sequential.__init__, nndl.Sequential.fit])
def test_sequential_documents_its_real_parameters(method):
    params = inspect.signature(method).parameters
    assert not any(p.kind is p.VAR_KEYWORD for p in params.values())
    doc = inspect.getdoc(method if method is not nndl.Sequential.__init__ else nndl.Sequential)
    for name in params:
        if name != "self":
            assert re.search(rf"^\s+{name}:", doc, re.M), f"{name} is not documented"


def test_fit_passes_every_parameter_to_the_loop():
    from nndl.train.loop import fit

    assert list(inspect.signature(fit).parameters)[1:] == list(inspect.signature(nndl.Sequential.fit).parameters)[1:]


def test_summary_shows_each_layer_in_full():
    model = nndl.Sequential([nndl.Dense(100, "leaky_relu", init="xavier", input_dim=784), nndl.BatchNorm(),
                             nndl.Dense(10, "softmax")], cost="log_likelihood")
    text = model.summary()
    for layer in model.layers:
        assert repr(layer) in text
    assert "78,500" in text and "total trainable parameters: 79,710" in text


class StopAfter(Callback):
    """Ctrl-C after epoch ``k``; records whether the plots existed while the run went on."""

    def __init__(self, run_dir, k):
        self.run_dir, self.k, self.seen = Path(run_dir), k, []

    def on_epoch_end(self, epoch, logs):
        self.seen.append((self.run_dir / "accuracy.png").is_file() and (self.run_dir / "cost.png").is_file())
        if epoch + 1 == self.k:
            raise KeyboardInterrupt


def test_plots_are_written_during_the_run_and_on_interrupt(tmp_path):
    stop = StopAfter(tmp_path / "run", 3)
    with pytest.raises(KeyboardInterrupt):
        train_run(RunConfig(dataset="digits8x8", sizes=[64, 10, 10], epochs=30, subset=200), tmp_path / "run",
                  callbacks=[stop])
    assert stop.seen[0]  # after the first epoch, before the run ended
    assert (tmp_path / "run" / "checkpoint.npz").is_file() and (tmp_path / "run" / "accuracy.png").is_file()


def test_api_reference_builds_strictly(tmp_path):
    pytest.importorskip("mkdocstrings", reason="the docs extra: pip install -e '.[docs]'")
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(REPO / "mkdocs.yml"),
                        "-d", str(tmp_path / "site")], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    page = (tmp_path / "site" / "model" / "index.html").read_text()
    assert "Sequential" in page and "validation_data" in page and "batch_size" in page


class ThreadProbe(Callback):
    """The threads the loop computes with, seen from inside training: nndl's own product
    threads and the BLAS pool (held at one while nndl splits products itself)."""

    def __init__(self):
        self.seen = []

    def on_batch_end(self, batch, loss):
        from threadpoolctl import threadpool_info

        from nndl.backend import _threads_now

        if self.seen:
            return
        blas = sorted({p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"})
        self.seen.append((_threads_now(), blas))


@pytest.mark.parametrize("threads", [1, 2])
def test_threads_setting_sets_the_training_threads(tmp_path, threads):
    probe = ThreadProbe()
    r = train_run(RunConfig(dataset="digits8x8", sizes=[64, 200, 10], epochs=1, batch_size=500, threads=threads),
                  tmp_path / "run", callbacks=[probe], plots=False)
    assert probe.seen == [(threads, [1])]
    assert f"threads = {threads}" in (r.run_dir / "config.toml").read_text()
