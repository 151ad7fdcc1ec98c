"""Hostile and damaged files: sizes from headers are checked before anything is allocated,
metadata is validated at the boundary, and non-finite weights are refused. The memory bombs
run the real command line in a subprocess under an address-space limit (``ulimit -v``), where
trusting a header would end in MemoryError (exit 1) instead of one clear line (exit 2)."""
from __future__ import annotations

import gzip
import io
import json
import resource
import struct
import subprocess
import sys
import zipfile
import zlib

import numpy as np
import pytest

import nndl
from nndl.data import read_idx
from nndl.errors import ConfigError, DataError, ModelFileError
from nndl.io import load_checkpoint, load_model, save_checkpoint
from nndl.io.container import read_container, write_container

from cli_util import assert_usage_error, cli_env, nndl_executable

LIMIT = 1 << 30  # 1 GiB of address space: nndl needs ~0.3 GiB; every bomb below wants more


def limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


def nndl_limited(*args, cwd, env=None):
    """The nndl console script under RLIMIT_AS = LIMIT (what ``ulimit -v`` sets)."""
    return subprocess.run([nndl_executable(), *map(str, args)], cwd=cwd, env=env or cli_env(),
                          capture_output=True, text=True, timeout=120, preexec_fn=limit_memory)


def tiny_model(n_in=784, seed=0):
    return nndl.Sequential([nndl.Dense(10, "sigmoid", input_dim=n_in)], cost="cross_entropy", seed=seed)


def saved_model(tmp_path, name="m.npz"):
    path = tmp_path / name
    nndl.save_model(tiny_model(), path)
    return path


# ----------------------------------------------------------------------------- memory bombs


def idx_header(code, dims):
    return bytes([0, 0, code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims)


def test_gzip_bomb_idx_file_is_one_line_under_a_memory_limit(tmp_path):
    """10 images declared, 1.5 GB inflated: reading stops at the header's size. (A gzip file may
    be several members in a row, read as one stream: 1,536 copies of one 1 MiB member.)"""
    d = tmp_path / "mnist"
    d.mkdir()
    mib_of_zeros = gzip.compress(bytes(1 << 20))
    with open(d / "train-images-idx3-ubyte.gz", "wb") as f:
        f.write(gzip.compress(idx_header(8, (10, 28, 28))))
        f.write(mib_of_zeros * 1536)
    for name in ("train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        (d / name).write_bytes(gzip.compress(idx_header(8, (1,)) + b"\0"))
    r = nndl_limited("train", "--data-dir", d, "--epochs", "1", cwd=tmp_path)
    assert_usage_error(r, "train-images-idx3-ubyte.gz", "more data than")
    assert not (tmp_path / "runs").exists()


def test_gzip_bomb_book_pickle_under_a_memory_limit(tmp_path):
    (tmp_path / "mnist.pkl.gz").write_bytes(gzip.compress(bytes(1 << 20)) * 1536)
    code = ("import sys\nfrom nndl.data import load_mnist_pkl\nfrom nndl.errors import DataError\n"
            "try:\n    load_mnist_pkl(sys.argv[1])\nexcept DataError as e:\n"
            "    print(f'nndl: error: {e}', file=sys.stderr)\n    sys.exit(2)")
    r = subprocess.run([sys.executable, "-c", code, tmp_path / "mnist.pkl.gz"], capture_output=True, text=True,
                       env=cli_env(), timeout=120, preexec_fn=limit_memory)
    assert_usage_error(r, "mnist.pkl.gz", "gzip bomb")


def test_idx_dimensions_whose_product_overflows(tmp_path):
    """2¹⁶·2¹⁶·2¹⁶·2¹⁶ = 2⁶⁴ wraps to 0 in int64: a header-only file must not pass as empty."""
    p = tmp_path / "x.idx"
    p.write_bytes(idx_header(8, (1 << 16,) * 4))
    with pytest.raises(DataError, match="limit"):
        read_idx(p)
    p.write_bytes(idx_header(8, (3, 2)) + bytes(7))  # one byte too many
    with pytest.raises(DataError, match="does not match"):
        read_idx(p)


def test_model_metadata_with_huge_layer_sizes(tmp_path):
    path = saved_model(tmp_path)
    meta, arrays = read_container(path, "nndl.model")
    meta["model"]["layers"][0]["units"] = 10**9
    write_container(path, meta, arrays)
    r = nndl_limited("evaluate", path, cwd=tmp_path)
    assert_usage_error(r, str(path), "parameters", "limit")


def with_member_header(path, name, shape, data_bytes=64):
    """Replace member ``name`` of an npz by a .npy header declaring ``shape`` and a few bytes."""
    with zipfile.ZipFile(path) as src:
        members = {n: src.read(n) for n in src.namelist()}
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "<f4", "fortran_order": False, "shape": shape})
    members[name] = buf.getvalue() + bytes(data_bytes)
    with zipfile.ZipFile(path, "w") as z:
        for n, b in members.items():
            z.writestr(n, b)
    return path


def test_npz_member_declaring_a_trillion_values(tmp_path):
    path = with_member_header(saved_model(tmp_path), "0.W.npy", (10**6, 10**6))
    r = nndl_limited("evaluate", path, cwd=tmp_path)
    assert_usage_error(r, "0.W.npy", "limit")
    with_member_header(path, "0.W.npy", (7, 10))  # within limits, but more than the member holds
    with pytest.raises(ModelFileError, match="holds 64 bytes"):
        load_model(path)
    from nndl.data.npz import read_npz  # the one npz reader (also of the expanded-MNIST cache)

    with pytest.raises(DataError, match="holds 64 bytes"):
        read_npz(path)


def test_sizes_beyond_the_parameter_limit(tmp_path):
    r = nndl_limited("train", "--dataset", "digits8x8", "--sizes", "64,1000000000,10", "--epochs", "1",
                     cwd=tmp_path)
    assert_usage_error(r, "65,000,000,000 parameters", "limit")
    assert not (tmp_path / "runs").exists()
    with pytest.raises(ConfigError, match="limit"):
        nndl.Sequential([nndl.Dense(10**5, input_dim=10**5)])


def png_declaring(width, height):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 100))
            + chunk(b"IEND", b""))


def test_image_declaring_100000_by_100000_pixels(tmp_path):
    model = saved_model(tmp_path)
    (tmp_path / "bomb.png").write_bytes(png_declaring(100_000, 100_000))
    r = nndl_limited("predict", model, tmp_path / "bomb.png", cwd=tmp_path)
    assert r.returncode == 2 and "internal error" not in r.stderr, r.stderr
    assert "bomb.png" in r.stderr and "too large" in r.stderr
    (tmp_path / "big.png").write_bytes(png_declaring(8000, 8000))  # 64 Mpx: under Pillow's limit, over ours
    from nndl.data.imageprep import read_grayscale

    with pytest.raises(DataError, match="8000×8000"):
        read_grayscale(tmp_path / "big.png")


# ----------------------------------------------------------------------------- hostile metadata


def model_meta(tmp_path):
    return read_container(saved_model(tmp_path), "nndl.model")[0]


HOSTILE_MODEL_META = {
    "units is a name": lambda m: m["model"]["layers"][0].update(units="many"),
    "layer type is a number": lambda m: m["model"]["layers"][0].update(type=7),
    "layers is a dict": lambda m: m["model"].update(layers={"0": m["model"]["layers"][0]}),
    "a layer is a list": lambda m: m["model"]["layers"].__setitem__(0, [1, 2]),
    "cost is a number": lambda m: m["model"].update(cost=3),
    "cost is a list": lambda m: m["model"].update(cost=["quadratic"]),
    "input shape of names": lambda m: m["model"].update(input_shape=["a"]),
    "input shape 1e400": lambda m: m["model"].update(input_shape=[1e400]),
    "activation is a list": lambda m: m["model"]["layers"][0].update(activation=[]),
    "dtype is a number": lambda m: m["model"].update(dtype=32),
    "metadata is a list": lambda m: m.update(metadata=[]),
    "model is a string": lambda m: m.update(model="Sequential"),
    "no input shape": lambda m: m["model"].update(input_shape=[]),
    "alpha is 1e400": lambda m: m["model"]["layers"][0].update(activation={"name": "elu", "alpha": 1e400}),
}


def test_json_nested_100000_deep_and_npy_renamed_npz(tmp_path):
    path = saved_model(tmp_path)
    deep = b'{"format": "nndl.model", "version": 1, "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    _, arrays = read_container(path, "nndl.model")
    payload = {"__meta__": np.frombuffer(deep, np.uint8), **arrays}
    with open(path, "wb") as f:
        np.savez(f, **payload)
    with pytest.raises(ModelFileError, match="nested"):
        load_model(path)
    npy = tmp_path / "weights.npz"
    np.save(tmp_path / "weights.npy", np.zeros(3))
    (tmp_path / "weights.npy").rename(npy)
    with pytest.raises(ModelFileError, match="not an .npz archive"):
        load_model(npy)
    assert_usage_error(nndl_limited("evaluate", npy, cwd=tmp_path), "weights.npz")


def checkpoint_file(tmp_path):
    model = tiny_model(n_in=4).compile(nndl.Adam(lr=0.01))
    X = np.random.default_rng(0).normal(size=(8, 4))
    history = model.fit(X, np.arange(8) % 10, epochs=1, batch_size=4)
    path = tmp_path / "checkpoint.npz"
    save_checkpoint(path, model, 1, history)
    return path


HOSTILE_CHECKPOINT_META = {
    "epoch is a name": lambda m: m.update(epoch="one"),
    "epoch is negative": lambda m: m.update(epoch=-3),
    "optimizer is a list": lambda m: m.update(optimizer=[]),
    "optimizer config is a number": lambda m: m["optimizer"].update(config=5),
    "lr is 1e400": lambda m: m["optimizer"]["config"].update(lr=1e400),
    "rng is a number": lambda m: m.update(rng=5),
    "rng state of names": lambda m: m["rng"].update(state="x"),
    "history is a list": lambda m: m.update(history=[1]),
    "callbacks of numbers": lambda m: m.update(callbacks=[1, 2]),
    "regularizer is a list": lambda m: m.update(regularizer=[None]),
}


def test_weights_that_belong_to_no_layer(tmp_path):
    path = saved_model(tmp_path)
    meta, arrays = read_container(path, "nndl.model")
    write_container(path, meta, {**arrays, "1.W": np.zeros((10, 10), np.float32)})
    with pytest.raises(ModelFileError, match="belong to no layer"):
        load_model(path)


def test_checkpoint_optimizer_state_of_the_wrong_shape(tmp_path):
    path = checkpoint_file(tmp_path)
    meta, arrays = read_container(path, "nndl.checkpoint")
    for key, value in (("opt/0.m", np.zeros((3, 3))), ("opt/9.m", np.zeros(1)), ("opt/x.m", np.zeros(1))):
        write_container(path, meta, {**arrays, key: value})
        with pytest.raises(ModelFileError, match="optimiser state"):
            load_checkpoint(path)


HOSTILE = {"model": ("nndl.model", saved_model, lambda p: load_model(p, with_metadata=True), HOSTILE_MODEL_META),
           "checkpoint": ("nndl.checkpoint", checkpoint_file, load_checkpoint, HOSTILE_CHECKPOINT_META)}


@pytest.mark.parametrize("kind, case", [(k, c) for k, v in HOSTILE.items() for c in sorted(v[3])])
def test_hostile_metadata_is_a_model_file_error(tmp_path, kind, case):
    fmt, make, load, edits = HOSTILE[kind]
    path = make(tmp_path)
    meta, arrays = read_container(path, fmt)
    edits[case](meta)
    write_container(path, meta, arrays)
    with pytest.raises(ModelFileError, match=path.name):
        load(path)


# ----------------------------------------------------------------------------- non-finite weights


def test_nan_or_inf_weights_are_refused_on_load(tmp_path):
    path = saved_model(tmp_path)
    _, arrays = read_container(path, "nndl.model")
    arrays["0.W"][3, 2] = np.nan
    arrays["0.b"][0] = np.inf
    write_container(path, read_container(path, "nndl.model")[0], arrays)
    with pytest.raises(ModelFileError, match="'0.W' holds 1 NaN or infinite"):
        load_model(path)
    assert_usage_error(nndl_limited("evaluate", path, cwd=tmp_path), "NaN or infinite")


def standardized_model(tmp_path, mean, std, name="m.npz"):
    path = tmp_path / name
    nndl.io.save_model(tiny_model(n_in=2), path, metadata={"preprocessing": {"name": "standardize"}},
                       extra_arrays={"preprocess/mean": mean, "preprocess/std": std})
    return path


def test_nan_preprocessing_statistics_are_refused(tmp_path):
    path = standardized_model(tmp_path, np.array([0.5, np.nan]), np.ones(2))
    with pytest.raises(ModelFileError, match="extra/preprocess/mean"):
        load_model(path, with_metadata=True)
    assert_usage_error(nndl_limited("evaluate", path, cwd=tmp_path), "NaN or infinite")


@pytest.mark.parametrize("mean, std", [(np.zeros(()), np.ones(())), (np.zeros(2), np.ones(3)),
                                       (np.zeros((2, 2)), np.ones(2))])
def test_preprocessing_statistics_of_the_wrong_shape(tmp_path, mean, std):
    path = standardized_model(tmp_path, mean, std)
    r = nndl_limited("predict", path, tmp_path / "none.png", cwd=tmp_path)
    assert_usage_error(r, "preprocessing")


def test_book_json_with_nan_weights_or_bad_types(tmp_path):
    from nndl.book import network2

    net = network2.Network([4, 3, 2])
    path = tmp_path / "net.json"
    net.save(str(path))
    data = json.loads(path.read_text())
    data["weights"][0][1][2] = float("nan")
    path.write_text(json.dumps(data))  # Python writes NaN, which its own json reads back
    with pytest.raises(ModelFileError, match="NaN or infinite"):
        network2.load(str(path))
    for bad in ({**data, "sizes": ["4", 3, 2]}, {**data, "cost": 7}, {**data, "weights": {"a": 1}}, [1, 2]):
        path.write_text(json.dumps(bad))
        with pytest.raises(ModelFileError):
            load_model(path)


@pytest.mark.parametrize("summary", ["[1, 2]", "[" * 100_000 + "]" * 100_000, '{"finished": 1e400', "7"])
def test_hostile_run_summary_on_resume(tmp_path, summary):
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.toml").write_text('dataset = "digits8x8"\n')
    (run / "checkpoint.npz").write_bytes(b"")
    (run / "summary.json").write_text(summary)
    assert_usage_error(nndl_limited("train", "--resume", run, cwd=tmp_path), "summary.json")


@pytest.mark.parametrize("doc", ["[" * 100_000 + "]" * 100_000,
                                 '{"records": [{"epoch": "x", "step": 1, "grad_norm": 1}]}',
                                 '{"records": {"a": 1}}'])
def test_hostile_diagnostics_file(tmp_path, doc):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "diagnostics.json").write_text(doc)
    assert_usage_error(nndl_limited("gradients", tmp_path / "run", cwd=tmp_path), "diagnostics")
