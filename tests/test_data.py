"""Tests of the data layer (nndl.data). Never touch the network: downloads go to
file:// URLs or to an http.server on 127.0.0.1, and the default mirror list is
replaced for every test."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import os
import pickle
import shutil
import threading
from functools import partial
from pathlib import Path

import numpy as np
import pytest

import nndl.data.location as location
import nndl.data.mnist as mnist_mod
from nndl.data import (
    MNIST,
    MNIST_FILES,
    Split,
    balanced,
    digits_only,
    download_mnist,
    find_mnist_dir,
    first_n,
    load_digits8x8,
    load_mnist,
    load_mnist_pkl,
    one_hot,
    read_idx,
    write_idx,
)
from nndl.errors import DataError

REPO = Path(__file__).resolve().parents[1]
NAMES = list(MNIST_FILES)
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


# --------------------------------------------------------------------------- fixtures


# mnist_dir: tests/conftest.py (the suite's one data policy)


@pytest.fixture(scope="session")
def mnist_book(mnist_dir) -> MNIST:
    return load_mnist(mnist_dir, scale="book", download=False)


@pytest.fixture(autouse=True)
def no_network(monkeypatch, tmp_path_factory):
    """Point the default mirrors at an empty local folder, so nothing can reach the internet."""
    empty = tmp_path_factory.mktemp("no-mirror")
    monkeypatch.setattr(location, "MIRRORS", (empty.as_uri() + "/",))


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No NNDL_DATA_DIR and an empty private cache folder."""
    monkeypatch.delenv("NNDL_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "nndl" / "mnist"


def _fake_complete_dir(d: Path) -> Path:
    """A folder that *looks* complete (right names, tiny content): enough for find_mnist_dir."""
    d.mkdir(parents=True, exist_ok=True)
    for name in NAMES:
        (d / name).write_bytes(b"x")
    return d


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass


@pytest.fixture(scope="module")
def http_mirror(tmp_path_factory, mnist_dir):
    """An HTTP server on 127.0.0.1 serving good/ (copies of the real files) and bad/
    (same, but t10k-labels corrupted). Shut down at the end of the module."""
    real = mnist_dir
    root = tmp_path_factory.mktemp("mirror")
    for sub in ("good", "bad"):
        (root / sub).mkdir()
        for name in NAMES:
            shutil.copyfile(real / name, root / sub / name)
    bad = root / "bad" / "t10k-labels-idx1-ubyte.gz"
    data = bytearray(bad.read_bytes())
    data[-20] ^= 0xFF  # one flipped byte: still looks like a file, MD5 differs
    bad.write_bytes(bytes(data))

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(root)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --------------------------------------------------------------------------- real MNIST


def test_real_files_payload_md5_match_readme(mnist_dir):
    for info in MNIST_FILES.values():
        payload = gzip.decompress((mnist_dir / info.name).read_bytes())
        assert len(payload) == info.payload_size
        assert hashlib.md5(payload).hexdigest() == info.payload_md5, info.name
        gz_md5 = hashlib.md5((mnist_dir / info.name).read_bytes()).hexdigest()
        assert gz_md5 in info.gz_md5s, info.name


def test_load_mnist_shapes_dtypes_ranges(mnist_dir):
    data = load_mnist(mnist_dir, download=False)
    assert isinstance(data, MNIST) and isinstance(data.train, Split)
    train, validation, test = data  # unpacks like the book's load_data()
    for split, n in ((train, 50_000), (validation, 10_000), (test, 10_000)):
        assert split.X.shape == (n, 784) and split.X.dtype == np.float32
        assert split.y.shape == (n,) and split.y.dtype == np.int64
        assert split.X.min() == 0.0 and split.X.max() == 1.0  # unit scale: 255 -> 1
        assert split.n == n
    conv = load_mnist(mnist_dir, download=False, flatten=False, dtype=np.float64)
    assert conv.train.X.shape == (50_000, 1, 28, 28) and conv.train.X.dtype == np.float64
    np.testing.assert_allclose(conv.test.X.reshape(10_000, 784), test.X, rtol=1e-6)


def test_book_split_and_scale_match_idx(mnist_dir, mnist_book):
    tr_x = read_idx(mnist_dir / "train-images-idx3-ubyte.gz")
    tr_y = read_idx(mnist_dir / "train-labels-idx1-ubyte.gz")
    te_x = read_idx(mnist_dir / "t10k-images-idx3-ubyte.gz")
    te_y = read_idx(mnist_dir / "t10k-labels-idx1-ubyte.gz")
    assert tr_x.shape == (60_000, 28, 28) and tr_x.dtype == np.uint8
    b = mnist_book
    # book values are exactly uint8 / 256 in float32
    np.testing.assert_array_equal(b.train.X, tr_x[:50_000].reshape(-1, 784).astype(np.float32) / 256)
    np.testing.assert_array_equal(b.validation.X, tr_x[50_000:].reshape(-1, 784).astype(np.float32) / 256)
    np.testing.assert_array_equal(b.test.X, te_x.reshape(-1, 784).astype(np.float32) / 256)
    np.testing.assert_array_equal(b.train.y, tr_y[:50_000])
    np.testing.assert_array_equal(b.validation.y, tr_y[50_000:])
    np.testing.assert_array_equal(b.test.y, te_y)
    assert b.train.X.max() == np.float32(255 / 256) and b.train.X.dtype == np.float32
    np.testing.assert_array_equal(np.unique(b.train.X * 256), np.arange(256))  # every value is k/256


def test_label_counts(mnist_book):
    train_all = np.concatenate([mnist_book.train.y, mnist_book.validation.y])
    assert np.bincount(train_all, minlength=10).tolist() == TRAIN_COUNTS
    assert np.bincount(mnist_book.test.y, minlength=10).tolist() == TEST_COUNTS


def test_raw_scale_and_in_process_cache(mnist_dir):
    mnist_mod._load_raw.cache_clear()
    a = load_mnist(mnist_dir, download=False, scale="raw")
    b = load_mnist(mnist_dir, download=False, scale="raw")
    assert mnist_mod._load_raw.cache_info().hits >= 1  # decoded once
    assert a.train.X.dtype == np.uint8 and a.train.X.max() == 255
    a.train.X[:] = 0  # callers get copies: mutating one load cannot affect another
    assert b.train.X.max() == 255
    assert load_mnist(mnist_dir, download=False, scale="raw").train.X.max() == 255


def test_load_mnist_bad_options(mnist_dir):
    with pytest.raises(ValueError, match="scale"):
        load_mnist(mnist_dir, scale="percent")
    with pytest.raises(ValueError, match="floating"):
        load_mnist(mnist_dir, dtype=np.int32)


# --------------------------------------------------------------------------- IDX files


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_idx_round_trip(tmp_path, dtype, suffix):
    a = (np.arange(2 * 3 * 4) - 5).astype(dtype).reshape(2, 3, 4)
    if dtype == np.uint8:
        a = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    p = write_idx(tmp_path / f"a.idx{suffix}", a)
    b = read_idx(p)
    assert b.dtype == a.dtype and b.shape == a.shape
    np.testing.assert_array_equal(a, b)
    b[0, 0, 0] = 1  # writable


def test_idx_truncated_gz(tmp_path):
    p = write_idx(tmp_path / "train-images-idx3-ubyte.gz", np.zeros((50, 28, 28), np.uint8) + 7)
    p.write_bytes(p.read_bytes()[:-30])
    with pytest.raises(DataError, match="train-images-idx3-ubyte.gz") as e:
        read_idx(p)
    assert "\n" not in str(e.value)


def test_idx_garbage_gz(tmp_path):
    p = tmp_path / "t10k-labels-idx1-ubyte.gz"
    p.write_bytes(b"\x1f\x8b" + b"not really gzip" * 10)
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte.gz"):
        read_idx(p)


def test_idx_wrong_magic(tmp_path):
    p = tmp_path / "labels.gz"
    p.write_bytes(gzip.compress(b"\x00\x00\x00\x08\x00\x00\x00\x02\x01\x02"))  # ndim 0x08 with code 0x00
    with pytest.raises(DataError, match=r"labels.gz: not an IDX file"):
        read_idx(p)
    p2 = tmp_path / "image.png"
    p2.write_bytes(b"\x89PNG\r\n\x1a\n....")
    with pytest.raises(DataError, match=r"image.png: not an IDX file"):
        read_idx(p2)


def test_idx_size_mismatch(tmp_path):
    p = write_idx(tmp_path / "x.idx", np.arange(10, dtype=np.uint8))
    p.write_bytes(p.read_bytes() + b"\x00")  # one byte too many
    with pytest.raises(DataError, match=r"x.idx: size does not match header"):
        read_idx(p)
    p.write_bytes(p.read_bytes()[:-3])  # too few
    with pytest.raises(DataError, match=r"x.idx: size does not match header"):
        read_idx(p)


def test_idx_missing_and_empty(tmp_path):
    with pytest.raises(DataError, match="nope.gz"):
        read_idx(tmp_path / "nope.gz")
    (tmp_path / "empty").write_bytes(b"")
    with pytest.raises(DataError, match="empty: too short"):
        read_idx(tmp_path / "empty")


def test_load_mnist_wrong_counts_names_file(tmp_path):
    d = tmp_path / "small"
    d.mkdir()
    write_idx(d / "train-images-idx3-ubyte.gz", np.zeros((60, 28, 28), np.uint8))
    write_idx(d / "train-labels-idx1-ubyte.gz", np.zeros(60, np.uint8))
    write_idx(d / "t10k-images-idx3-ubyte.gz", np.zeros((10, 28, 28), np.uint8))
    write_idx(d / "t10k-labels-idx1-ubyte.gz", np.zeros(10, np.uint8))
    with pytest.raises(DataError, match="train-images-idx3-ubyte.gz: expected 60000"):
        load_mnist(d)


# --------------------------------------------------------------------------- locating files


def test_explicit_missing_dir_names_files(clean_env, tmp_path):
    with pytest.raises(DataError, match="does not exist") as e:
        find_mnist_dir(tmp_path / "nowhere")
    assert all(n in str(e.value) for n in NAMES)
    partial_dir = tmp_path / "partial"
    partial_dir.mkdir()
    (partial_dir / NAMES[0]).write_bytes(b"x")
    with pytest.raises(DataError, match="is missing") as e:
        load_mnist(partial_dir)  # explicit path: error, no download
    assert NAMES[1] in str(e.value) and NAMES[0] not in str(e.value)
    assert not clean_env.exists()


def test_location_precedence(clean_env, tmp_path, monkeypatch):
    a = _fake_complete_dir(tmp_path / "a")
    b = _fake_complete_dir(tmp_path / "b")
    cache = _fake_complete_dir(clean_env)
    assert find_mnist_dir() == cache  # only the cache
    monkeypatch.setenv("NNDL_DATA_DIR", str(b))
    assert find_mnist_dir() == b  # env beats cache
    assert find_mnist_dir(a) == a  # explicit beats env
    monkeypatch.setenv("NNDL_DATA_DIR", str(tmp_path / "typo"))
    with pytest.raises(DataError, match=r"\$NNDL_DATA_DIR"):
        find_mnist_dir()  # a wrong env var is an error, not a silent fallback/download


def test_uncompressed_names_accepted(clean_env, tmp_path):
    d = tmp_path / "raw"
    d.mkdir()
    for n in NAMES:
        (d / n.removesuffix(".gz")).write_bytes(b"x")
    assert find_mnist_dir(d) == d


def test_nothing_found_one_line_message(clean_env):
    with pytest.raises(DataError) as e:
        find_mnist_dir(download=False)
    msg = str(e.value)
    assert "\n" not in msg and "NNDL_DATA_DIR" in msg and str(clean_env) in msg
    assert all(n in msg for n in NAMES)
    # download=True, but the (patched, local, empty) mirror has nothing
    with pytest.raises(DataError) as e:
        find_mnist_dir()
    msg = str(e.value)
    assert "\n" not in msg and "download failed" in msg and "NNDL_DATA_DIR" in msg
    assert all(n in msg for n in NAMES)
    assert not any(clean_env.glob("*"))  # no partial files in the cache


# --------------------------------------------------------------------------- downloading


def test_download_from_local_http(http_mirror, tmp_path, mnist_dir):
    dest = tmp_path / "dl"
    # first mirror serves a corrupted t10k-labels: it must be rejected and the next mirror used
    out = download_mnist(dest, [http_mirror + "/bad/", http_mirror + "/good"], progress=False, timeout=10)
    assert out == dest
    assert sorted(p.name for p in dest.iterdir()) == sorted(NAMES)  # no leftover .part files
    for n in NAMES:
        assert (dest / n).read_bytes() == (mnist_dir / n).read_bytes()
    data = load_mnist(dest, download=False)
    assert data.test.X.shape == (10_000, 784)


def test_download_corrupt_rejected_no_partial(http_mirror, tmp_path):
    dest = tmp_path / "dl"
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte.gz.*MD5") as e:
        download_mnist(dest, [http_mirror + "/bad/"], progress=False, timeout=10)
    assert "\n" not in str(e.value)
    left = sorted(p.name for p in dest.iterdir())
    assert "t10k-labels-idx1-ubyte.gz" not in left
    assert not [n for n in left if n.endswith(".part")]
    # the good files that did arrive are kept; a retry only fetches the missing one
    assert len(left) == 3
    download_mnist(dest, [http_mirror + "/good/"], progress=False, timeout=10)
    assert sorted(p.name for p in dest.iterdir()) == sorted(NAMES)


def test_download_file_url_and_cache(mnist_dir, clean_env, monkeypatch):
    monkeypatch.setattr(location, "MIRRORS", (mnist_dir.as_uri(),))
    assert find_mnist_dir() == clean_env  # downloaded into the (private) cache
    assert sorted(p.name for p in clean_env.iterdir()) == sorted(NAMES)


def test_download_unreachable(tmp_path):
    with pytest.raises(DataError, match="could not download train-images"):
        download_mnist(tmp_path / "d", ["http://127.0.0.1:9/"], progress=False, timeout=2)
    assert not any((tmp_path / "d").iterdir())


# --------------------------------------------------------------------------- the book's pickle


def _write_pkl(path: Path, obj, protocol: int) -> Path:
    with gzip.open(path, "wb") as f:
        pickle.dump(obj, f, protocol=protocol)
    return path


def _fake_book_data():
    rng = np.random.default_rng(0)
    parts = []
    for n in (5, 3, 2):
        X = (rng.integers(0, 256, (n, 784)) / 256).astype(np.float32)
        parts.append((X, rng.integers(0, 10, n).astype(np.int64)))
    return tuple(parts)


@pytest.mark.parametrize("protocol", [2, pickle.HIGHEST_PROTOCOL])
def test_pkl_round_trip(tmp_path, protocol):
    parts = _fake_book_data()
    p = _write_pkl(tmp_path / "mnist.pkl.gz", parts, protocol)
    data = load_mnist_pkl(p)
    for split, (X, y) in zip(data, parts):
        np.testing.assert_array_equal(split.X, X)
        np.testing.assert_array_equal(split.y, y)
        assert split.X.dtype == np.float32 and split.y.dtype == np.int64
    assert load_mnist_pkl(p, flatten=False).train.X.shape == (5, 1, 28, 28)


class _Evil:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_pkl_refuses_malicious(tmp_path):
    marker = tmp_path / "pwned"
    p = _write_pkl(tmp_path / "mnist.pkl.gz", (_Evil(marker), None, None), 2)
    with pytest.raises(DataError, match=r"mnist.pkl.gz: not a safe MNIST pickle.*(posix|os|nt)\.system"):
        load_mnist_pkl(p)
    assert not marker.exists()  # the payload did not run
    # hidden inside an object array, too
    arr = np.empty(1, dtype=object)
    arr[0] = _Evil(marker)
    p2 = _write_pkl(tmp_path / "obj.pkl.gz", ((arr, arr), (arr, arr), (arr, arr)), 2)
    with pytest.raises(DataError, match="not a safe MNIST pickle"):
        load_mnist_pkl(p2)
    assert not marker.exists()


def test_pkl_bad_structure_and_damage(tmp_path):
    p = _write_pkl(tmp_path / "a.pkl.gz", (1, 2), 2)
    with pytest.raises(DataError, match="a.pkl.gz: expected a tuple of 3"):
        load_mnist_pkl(p)
    good = _write_pkl(tmp_path / "b.pkl.gz", _fake_book_data(), 2)
    good.write_bytes(good.read_bytes()[:-40])
    with pytest.raises(DataError, match="b.pkl.gz"):
        load_mnist_pkl(good)
    with pytest.raises(DataError, match="missing.pkl.gz"):
        load_mnist_pkl(tmp_path / "missing.pkl.gz")


# --------------------------------------------------------------------------- subsets


@pytest.fixture
def toy() -> Split:
    y = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 3, 3, 3], dtype=np.int64)
    X = np.arange(len(y) * 2, dtype=np.float32).reshape(len(y), 2)
    return Split(X, y)


def test_first_n(toy):
    s = first_n(toy, 4)
    np.testing.assert_array_equal(s.y, [0, 1, 2, 0])
    assert s.X.shape == (4, 2)
    for bad in (0, -1, 14, 2.5):
        with pytest.raises(ValueError):
            first_n(toy, bad)


def test_balanced(toy):
    s = balanced(toy, 2)
    np.testing.assert_array_equal(s.y, [0, 1, 2, 0, 1, 2, 3, 3])  # first 2 of each, original order
    r1, r2 = balanced(toy, 3, rng=7), balanced(toy, 3, rng=7)
    np.testing.assert_array_equal(r1.X, r2.X)  # deterministic given a seed
    assert np.bincount(r1.y).tolist() == [3, 3, 3, 3]
    rows = r1.X[:, 0] / 2
    assert np.all(np.diff(rows) > 0)  # original order kept
    with pytest.raises(ValueError, match="class 1 has only 3"):
        balanced(toy, 4)
    with pytest.raises(ValueError):
        balanced(toy, 0)


def test_digits_only(toy):
    s = digits_only(toy, [0, 1])
    assert set(s.y.tolist()) == {0, 1} and s.n == 7
    r = digits_only(toy, [3, 2], relabel=True)
    np.testing.assert_array_equal(r.y, [1, 1, 1, 0, 0, 0])
    for bad in ([10], [-1], [], [1, 1], ["1"]):
        with pytest.raises(ValueError):
            digits_only(toy, bad)


def test_one_hot(toy):
    Y = one_hot(toy.y, 4)
    assert Y.shape == (13, 4) and Y.dtype == np.float32
    np.testing.assert_array_equal(Y.argmax(1), toy.y)
    assert Y.sum() == 13
    assert one_hot(toy).y.shape == (13, 10)
    with pytest.raises(ValueError, match="0..2"):
        one_hot(toy.y, 3)
    with pytest.raises(ValueError):
        one_hot(np.array([0.5, 1.0]))


def test_subsets_on_real_mnist(mnist_book):
    s = balanced(first_n(mnist_book.train, 5000), 100, rng=0)
    assert s.n == 1000 and np.bincount(s.y).tolist() == [100] * 10
    zo = digits_only(mnist_book.test, [0, 1])
    assert zo.n == TEST_COUNTS[0] + TEST_COUNTS[1]


# --------------------------------------------------------------------------- 8x8 digits


def test_digits8x8_offline():
    d = load_digits8x8()
    assert [s.n for s in d] == [1197, 300, 300]
    assert d.train.X.shape == (1197, 64) and d.train.X.dtype == np.float32
    assert d.train.y.dtype == np.int64
    assert 0.0 <= d.train.X.min() and d.train.X.max() == 1.0
    all_y = np.concatenate([s.y for s in d])
    assert np.bincount(all_y).sum() == 1797
    # stratified: every digit appears in each part
    assert all(len(np.unique(s.y)) == 10 for s in d)
    again = load_digits8x8()
    np.testing.assert_array_equal(again.test.X, d.test.X)  # deterministic
    other = load_digits8x8(seed=1)
    assert not np.array_equal(other.test.y, d.test.y)
    conv = load_digits8x8(flatten=False, test_size=100, validation_size=200)
    assert conv.train.X.shape == (1497, 1, 8, 8) and conv.validation.n == 200
    with pytest.raises(ValueError):
        load_digits8x8(test_size=0)
