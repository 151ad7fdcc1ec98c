"""Time one 50,000-example training epoch of the book's chapter 6 network, nndl vs PyTorch (CPU).

The network (network3's best single net without expanded data):

    conv 20@5×5 (ReLU) → max-pool 2×2 → conv 40@5×5 (ReLU) → max-pool 2×2 → FC 100 (ReLU)
    → softmax 10, log-likelihood cost, SGD η=0.03 with L2 weight decay λ=0.1

on 28×28 inputs, at mini-batch 10 (the book's) and 64. Both libraries run the same number of
threads (``--threads``, default 2: this machine's cores) and are measured back to back, A B A B,
in the same process; the reported figure for each is the median over ``--repeats`` rounds.
By default both 1 and 2 threads are measured: on this shared 2-core machine OpenBLAS (NumPy's
BLAS) with 2 threads collapses whenever other jobs hold a core (its worker threads spin-wait),
while 1 thread is unaffected; nndl's training loop uses 1 BLAS thread for small steps.
Random inputs stand in for MNIST (speed does not depend on pixel values). By default a
``--steps`` slice of the epoch is timed and scaled to 50,000 examples; ``--full`` times it all.

    python benchmarks/bench_conv.py                 # nndl and (if installed) torch
    python benchmarks/bench_conv.py --batch 10 64 --steps 1000 --repeats 3

Runs without PyTorch (prints nndl figures only).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

EPOCH = 50_000


def _set_threads(n: int) -> None:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(n))


def nndl_runner(batch: int, n_examples: int, seed: int = 0):
    import numpy as np

    import nndl
    from nndl.layers import Conv2D, Dense, Flatten, MaxPool2D

    model = nndl.Sequential([Conv2D(20, 5, activation="relu"), MaxPool2D(2),
                             Conv2D(40, 5, activation="relu"), MaxPool2D(2), Flatten(),
                             Dense(100, "relu"), Dense(10, "softmax")],
                            cost="log_likelihood", input_shape=(1, 28, 28), seed=seed)
    model.compile(nndl.SGD(lr=0.03), lmbda=0.1)
    rng = np.random.default_rng(seed)
    X = rng.random((n_examples, 1, 28, 28), dtype=np.float32)
    Y = model.as_targets(rng.integers(0, 10, n_examples))

    def run():
        t = time.perf_counter()
        for k in range(0, n_examples, batch):
            model.train_step(X[k:k + batch], Y[k:k + batch], EPOCH)
        return time.perf_counter() - t

    return run


def torch_runner(batch: int, n_examples: int, threads: int, seed: int = 0):
    import torch
    from torch import nn

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Conv2d(1, 20, 5), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(20, 40, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(640, 100), nn.ReLU(), nn.Linear(100, 10))
    # λ/n weight decay on the weights as nndl does (biases too here: same cost, simpler).
    opt = torch.optim.SGD(model.parameters(), lr=0.03, weight_decay=0.1 / EPOCH)
    loss_fn = nn.CrossEntropyLoss()
    X = torch.rand(n_examples, 1, 28, 28)
    y = torch.randint(0, 10, (n_examples,))

    def run():
        t = time.perf_counter()
        for k in range(0, n_examples, batch):
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(X[k:k + batch]), y[k:k + batch])
            loss.backward()
            opt.step()
        return time.perf_counter() - t

    return run


def _scipy_blas_1():
    """Keep SciPy's bundled OpenBLAS (the optimiser's axpy; NumPy has its own) at one thread,
    as nndl does, inside a thread limit that set every BLAS to N threads."""
    import contextlib
    import os.path

    from threadpoolctl import ThreadpoolController

    ctl = ThreadpoolController()
    libs = [lib for lib in ctl.lib_controllers
            if os.path.basename(os.path.dirname(lib.filepath)) == "scipy.libs"]

    @contextlib.contextmanager
    def pinned():
        old = [lib.num_threads for lib in libs]
        for lib in libs:
            lib.set_num_threads(1)
        try:
            yield
        finally:
            for lib, n in zip(libs, old):
                lib.set_num_threads(n)

    return pinned()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, nargs="+", default=[10, 64])
    ap.add_argument("--steps", type=int, default=10_000,
                    help="examples timed per round (scaled to a 50,000-example epoch)")
    ap.add_argument("--full", action="store_true", help="time whole 50,000-example epochs")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2],
                    help="thread counts to compare at (default: 1 2; each is used by both libraries)")
    ap.add_argument("--no-torch", action="store_true")
    args = ap.parse_args(argv)
    _set_threads(max(args.threads))
    n = EPOCH if args.full else min(args.steps, EPOCH)
    scale = EPOCH / n
    try:
        if args.no_torch:
            raise ImportError
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
    from threadpoolctl import threadpool_limits

    import nndl  # noqa: F401  (loads NumPy's and SciPy's BLAS before the thread limits apply)

    print(f"one {EPOCH:,}-example epoch of conv20-pool-conv40-pool-fc100-softmax10 "
          f"({'full epochs' if args.full else f'{n:,} examples timed, scaled'}; median of {args.repeats})")
    header = f"{'threads':>7}  {'batch':>5}  {'nndl s':>8}  " + \
        (f"{'torch s':>8}  {'nndl/torch':>10}" if have_torch else "")
    print(header)
    for threads in args.threads:
        # SciPy's own OpenBLAS runs only the optimiser's axpy: nndl keeps it at one thread.
        with threadpool_limits(threads), _scipy_blas_1():
            for batch in args.batch:
                runs = {"nndl": nndl_runner(batch, n)}
                if have_torch:
                    runs["torch"] = torch_runner(batch, n, threads)
                for r in runs.values():   # warm-up: first-touch allocation, thread start-up
                    r()
                times = {k: [] for k in runs}
                for _ in range(args.repeats):
                    for k, r in runs.items():
                        times[k].append(r() * scale)
                med = {k: statistics.median(v) for k, v in times.items()}
                line = f"{threads:>7}  {batch:>5}  {med['nndl']:>8.2f}  "
                if have_torch:
                    line += f"{med['torch']:>8.2f}  {med['nndl'] / med['torch']:>10.2f}"
                print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
