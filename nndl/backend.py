"""The array backend: one handle for array math, so layers run on NumPy now and CuPy later.

Layer code never imports numpy for arithmetic on data; it asks for the module that owns its
arrays, Chainer-style::

    xp = get_array_module(x)
    z = xp.matmul(x, W)

Host-side work (initialisation, RNG, file I/O) uses NumPy and moves arrays with `to_device`
and `to_host`. Default dtype is float32; float64 on request (gradient checks).
"""
from __future__ import annotations

import threading

import numpy as np
import scipy.linalg.blas
import scipy.special

try:  # optional GPU backend
    import cupy as _cupy  # type: ignore
except Exception:  # pragma: no cover - cupy is optional
    _cupy = None

DEFAULT_DTYPE = np.float32
_VALID_DTYPES = {"float32": np.float32, "float64": np.float64}


def get_array_module(*arrays):
    """Return `cupy` if any argument is a CuPy array, else `numpy`."""
    if _cupy is not None:
        return _cupy.get_array_module(*arrays)
    return np


def special(xp):
    """scipy.special for NumPy, cupyx.scipy.special for CuPy (expit, logsumexp live there)."""
    if xp is np:
        return scipy.special
    import cupyx.scipy.special  # type: ignore  # pragma: no cover

    return cupyx.scipy.special  # pragma: no cover


_AXPY = {np.dtype(np.float32): scipy.linalg.blas.saxpy, np.dtype(np.float64): scipy.linalg.blas.daxpy}


def axpy(a: float, x, y) -> None:
    """y += a·x in place — one pass over memory (BLAS axpy) instead of two plus a temporary.

    The update w ← w − η∇C is the hottest line of training small networks; for the book's
    [784,100,10] at batch 10 this halves the optimiser's cost."""
    f = _AXPY.get(y.dtype) if isinstance(y, np.ndarray) else None
    if f is not None and x.dtype == y.dtype and y.flags.c_contiguous and x.flags.c_contiguous:
        if not _SCIPY_BLAS_PINNED:
            _pin_scipy_blas()
        f(x.reshape(-1), y.reshape(-1), a=a)
    else:
        y += a * x


_SCIPY_BLAS_PINNED = False


def _pin_scipy_blas() -> None:
    """SciPy bundles its own OpenBLAS, apart from NumPy's, and axpy is all it runs for us:
    one thread. Two thread pools spinning side by side (NumPy's for the matrix products,
    SciPy's for axpy) made a conv net's step 10x slower on a 2-core machine."""
    global _SCIPY_BLAS_PINNED
    _SCIPY_BLAS_PINNED = True
    try:
        import os.path

        from threadpoolctl import ThreadpoolController

        for lib in ThreadpoolController().lib_controllers:
            if os.path.basename(os.path.dirname(lib.filepath)) == "scipy.libs":
                lib.set_num_threads(1)
    except Exception:  # pragma: no cover - threadpoolctl missing or an unusual BLAS
        pass


def blas_threads(n: int | None):
    """Context manager limiting the BLAS thread pool to n threads (None: leave it alone).

    Multi-threaded BLAS pays a synchronisation cost on every call. For the book's small
    networks at mini-batch 10 each matrix product is a few microseconds of work, so two
    threads are slower than one — and far slower when the cores are busy."""
    import contextlib

    if n is None:
        return contextlib.nullcontext()
    return _blas_libraries().limit(limits=n)


_BLAS = []


def _blas_libraries():
    """threadpoolctl's handle on the loaded BLAS libraries, found once (finding them takes
    ~1 ms; setting their thread count through the handle ~10 µs)."""
    if not _BLAS:
        from threadpoolctl import ThreadpoolController

        _BLAS.append(ThreadpoolController().select(user_api="blas"))
    return _BLAS[0]


# -- two cores without spinning pools -------------------------------------------------------
SPLIT_MACS = 16_000_000  # smaller products run whole: a hand-off costs 20 µs quiet, ms when loaded
_split = {"pool": None, "workers": 0}
_split_threads = threading.local()   # per calling thread: a server may predict on several
_POOL_LOCK = threading.Lock()


def _threads_now() -> int:
    return getattr(_split_threads, "n", 1)


def available_threads() -> int:
    """The threads BLAS may use now (OPENBLAS_NUM_THREADS, threadpoolctl limits): the most
    any loaded BLAS allows (SciPy's, pinned to one, does not count against it)."""
    return max([lib.num_threads for lib in _blas_libraries().lib_controllers] or [1])


def matmul(a, b, out=None):
    """a @ b; when :func:`compute_threads` allows t > 1 and the product is large, b's (and
    the result's) columns are cut into t blocks computed at once, each by single-threaded
    BLAS in its own thread (NumPy releases the GIL inside BLAS).

    Speed: OpenBLAS's own pool spin-waits between calls; on a shared machine, when another
    process holds a core, a conv net's products at two OpenBLAS threads ran about 10x
    slower than at one. Threads that block in the OS instead degrade to one core's speed, and when
    both cores are free each computes half the columns."""
    t = _threads_now()
    m, k = a.shape
    cols = b.shape[1]
    if t <= 1 or m * k * cols < SPLIT_MACS or cols < 2 * t or not isinstance(a, np.ndarray):
        return get_array_module(a).matmul(a, b, out=out)
    if out is None:
        out = np.empty((m, cols), dtype=np.result_type(a, b))
    edges = [cols * i // t for i in range(t + 1)]
    jobs = [_split["pool"].submit(np.matmul, a, b[:, lo:hi], out=out[:, lo:hi])
            for lo, hi in zip(edges[1:-1], edges[2:])]
    np.matmul(a, b[:, :edges[1]], out=out[:, :edges[1]])
    for j in jobs:
        j.result()
    return out


def compute_threads(n: int | None):
    """Context manager: BLAS at one thread and large :func:`matmul` products split over n
    threads of our own (n=None: :func:`available_threads`). The training loop and
    evaluation use it."""
    import contextlib
    from concurrent.futures import ThreadPoolExecutor

    n = available_threads() if n is None else max(1, int(n))

    @contextlib.contextmanager
    def ctx():
        old = _threads_now()
        with _POOL_LOCK:
            if n - 1 > _split["workers"]:
                _split["pool"] = ThreadPoolExecutor(max_workers=n - 1, thread_name_prefix="nndl-matmul")
                _split["workers"] = n - 1
        _split_threads.n = n
        try:
            with blas_threads(1):
                yield
        finally:
            _split_threads.n = old

    return ctx()


def resolve_dtype(dtype) -> np.dtype:
    """Accept 'float32'/'float64' or a NumPy float dtype; anything else is a ValueError."""
    if isinstance(dtype, str):
        if dtype not in _VALID_DTYPES:
            raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
        return np.dtype(_VALID_DTYPES[dtype])
    dt = np.dtype(dtype)
    if dt not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dt}")
    return dt


def to_host(x):
    """A NumPy copy-or-view of x, wherever it lives."""
    if _cupy is not None and isinstance(x, _cupy.ndarray):  # pragma: no cover
        return _cupy.asnumpy(x)
    return np.asarray(x)


def to_device(x, xp=np, dtype=None):
    """Move a host array to the backend `xp` (and cast, if dtype is given)."""
    arr = xp.asarray(x)
    if dtype is not None and arr.dtype != dtype:
        arr = arr.astype(dtype)
    return arr


def backend_module(name: str = "numpy"):
    """The array module for a backend name: 'numpy' or 'cupy'."""
    if name == "numpy":
        return np
    if name == "cupy":
        if _cupy is None:
            raise ValueError("backend 'cupy' requested but CuPy is not installed (pip install cupy)")
        return _cupy  # pragma: no cover
    raise ValueError(f"unknown backend {name!r}: use 'numpy' or 'cupy'")


def make_rng(seed=None) -> np.random.Generator:
    """A NumPy Generator (PCG64). Its state is plain ints, so checkpoints can store it as JSON."""
    return np.random.default_rng(seed)


def rng_state(rng: np.random.Generator) -> dict:
    return rng.bit_generator.state


def set_rng_state(rng: np.random.Generator, state: dict) -> None:
    rng.bit_generator.state = state
