"""Fuzzing (Hypothesis) the three ways input reaches nndl: model-file and checkpoint metadata,
TOML configs, and command-line arguments. Whatever is thrown at it, only nndl's own errors
escape (and argparse usage errors, which are exit status 2), and no example makes the process
allocate more than a bound (measured with tracemalloc, which NumPy reports its arrays to).
Example counts are kept small so the whole file takes a few seconds."""
from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import math
import os
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nndl
from nndl.app.build import build_model, resolve
from nndl.app.settings import RunConfig, load_config
from nndl.errors import NNDLError
from nndl.io import load_checkpoint, load_model, save_checkpoint
from nndl.io.container import read_container, write_container

MEMORY_BOUND = 200 * 2**20  # bytes; a valid tiny model needs well under 1 MB
FUZZ = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats() | st.text(max_size=8)
    | st.sampled_from(["Dense", "BatchNorm", "Residual", "softmax", "sgd", "float64", "nndl.model"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=10)


@contextlib.contextmanager
def bounded_memory():
    tracemalloc.start()
    try:
        yield
        peak = tracemalloc.get_traced_memory()[1]
        assert peak < MEMORY_BOUND, f"allocated {peak / 2**20:.0f} MiB"
    finally:
        tracemalloc.stop()


def paths(tree, prefix=()):
    """Every (container, key) location in a JSON tree."""
    items = tree.items() if isinstance(tree, dict) else enumerate(tree) if isinstance(tree, list) else ()
    for k, v in items:
        yield tree, k
        yield from paths(v, prefix + (k,))


def mutate(data, meta):
    """Replace, delete or add one value somewhere in ``meta``."""
    locations = list(paths(meta))
    parent, key = data.draw(st.sampled_from(locations))
    action = data.draw(st.sampled_from(["replace", "delete", "add"]))
    if action == "delete" and isinstance(parent, dict):
        del parent[key]
    elif action == "add" and isinstance(parent, dict):
        parent[data.draw(st.sampled_from(["units", "type", "layers", "input_dim", "alpha", "extra"]))] = \
            data.draw(json_values)
    else:
        parent[key] = data.draw(json_values)


def only_nndl_errors(load):
    with bounded_memory():
        try:
            load()
        except NNDLError:
            pass


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("fuzz")
    model = nndl.Sequential([nndl.Dense(6, "relu", input_dim=5), nndl.BatchNorm(),
                             nndl.Residual([nndl.Dense(6, "tanh")]), nndl.Dense(3, "softmax")],
                            cost="log_likelihood", seed=0)
    nndl.save_model(model, d / "model.npz")
    model.compile(nndl.Adam(lr=0.01))
    history = model.fit(np.random.default_rng(0).normal(size=(6, 5)), np.arange(6) % 3, epochs=1)
    save_checkpoint(d / "checkpoint.npz", model, 1, history, callback_states=[{"best": 0.5}])
    return d


@pytest.mark.parametrize("kind, fmt, load", [
    ("model", "nndl.model", lambda p: load_model(p, with_metadata=True)),
    ("checkpoint", "nndl.checkpoint", load_checkpoint)])
@FUZZ
@given(data=st.data())
def test_fuzzed_file_metadata_gives_only_nndl_errors(files, data, kind, fmt, load):
    meta, arrays = read_container(files / f"{kind}.npz", fmt)
    mutate(data, meta)
    path = files / f"fuzzed-{kind}.npz"
    write_container(path, meta, arrays)
    only_nndl_errors(lambda: load(path))


@FUZZ
@given(blob=st.binary(max_size=64), dims=st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=4))
def test_fuzzed_idx_files_give_only_nndl_errors(files, blob, dims):
    from nndl.data import read_idx

    path = files / "fuzzed.idx"
    path.write_bytes(bytes([0, 0, 8, len(dims)]) + np.asarray(dims, ">u4").tobytes() + blob)
    only_nndl_errors(lambda: read_idx(path))


toml_values = st.recursive(
    st.booleans() | st.integers(-2**70, 2**70) | st.floats() | st.text(max_size=10)
    | st.sampled_from(["relu", "adam", "halve:3", "no-improvement:0", "zca", "784,30,10", "warmup:2+cosine"]),
    lambda inner: st.lists(inner, max_size=4), max_leaves=6)


def toml_literal(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, list):
        return "[" + ", ".join(map(toml_literal, v)) + "]"
    if isinstance(v, str):
        return json.dumps(v)  # a TOML basic string for everything json.dumps escapes
    return str(v)


@FUZZ
@given(entries=st.dictionaries(
    st.sampled_from([f.name for f in dataclasses.fields(RunConfig)]
                    + ["etta", "sizes.x", "[table]"]), toml_values, max_size=6),
       raw=st.text(max_size=20))
def test_fuzzed_toml_configs_give_only_nndl_errors(files, entries, raw):
    path = files / "fuzzed.toml"
    path.write_text("\n".join(f"{k} = {toml_literal(v)}" for k, v in entries.items()) + "\n" + raw)

    def load_and_build():
        cfg = load_config(path).validate()
        if cfg.dataset == "mnist":
            build_model(resolve(cfg, 784, 10, "mnist"))

    only_nndl_errors(load_and_build)


def _cli_vocabulary():
    import argparse

    from nndl.cli.main import build_parser

    commands = {}
    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                if name == "serve":  # starts a web server and waits: tested by tests/test_serve_*.py
                    continue
                # never --help (prints and exits 0) nor --dataset (digits8x8 would really train)
                commands[name] = sorted({o for a in sub._actions for o in a.option_strings}
                                        - {"-h", "--help", "--dataset"})
    return commands


CLI = _cli_vocabulary()
VALUES = ["-1", "0", "1", "3", "1e400", "nan", "-inf", "0.5", "abc", "784,30,10", "64,1000000000,10",
          "784,-3,10", "", "-", "none", "halve:x", "warmup:2+cosine", "adam", "relu", "test", "train", "evaluate",
          "darkness", "ch1-30", "model.npz", "digit.png", "bad.toml", "out", "missing/file.npz", "mnist"]


@FUZZ
@given(data=st.data())
def test_fuzzed_command_lines_exit_0_or_2(files, data):
    from nndl.cli.main import main

    command = data.draw(st.sampled_from(sorted(CLI)))
    tokens = data.draw(st.lists(st.sampled_from(CLI[command] or ["x"]) | st.sampled_from(VALUES), max_size=6))
    argv = [command, *tokens]
    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    os.chdir(files)
    try:
        with bounded_memory(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(argv)
    finally:
        os.chdir(old)
    assert status in (0, 2), (argv, status, err.getvalue())
    if status == 2:
        lines = err.getvalue().strip().splitlines()
        assert lines and lines[-1].startswith("nndl: error: "), (argv, err.getvalue())


@pytest.fixture(scope="module", autouse=True)
def cli_inputs(files):
    """What the CLI fuzz may name: a model, an image, a bad TOML; and no MNIST anywhere, so
    no command can start a long run (every data load fails fast with one line)."""
    from PIL import Image

    nndl.save_model(nndl.Sequential([nndl.Dense(10, "sigmoid", input_dim=784)], seed=0), files / "model.npz")
    img = np.zeros((40, 30), np.uint8)
    img[8:32, 12:18] = 255
    Image.fromarray(img).save(files / "digit.png")
    (files / "bad.toml").write_text("eta = -1\nsizes = [784, 0, 10]\n")
    saved = {k: os.environ.get(k) for k in ("NNDL_DATA_DIR", "XDG_CACHE_HOME", "NNDL_MNIST_MIRRORS")}
    os.environ.update(NNDL_DATA_DIR=str(files / "no-mnist"), XDG_CACHE_HOME=str(files / "cache"),
                      NNDL_MNIST_MIRRORS=(files / "nowhere").as_uri() + "/")
    yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
