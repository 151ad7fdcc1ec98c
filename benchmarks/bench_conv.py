"""The book's chapter 6 network, nndl vs PyTorch (CPU): training steps, `fit`, evaluation, memory.

The network (network3's best single net without expanded data):

    conv 20@5×5 (ReLU) → max-pool 2×2 → conv 40@5×5 (ReLU) → max-pool 2×2 → FC 100 (ReLU)
    → softmax 10, log-likelihood cost, SGD η=0.03 with L2 weight decay λ=0.1

on 28×28 inputs, at mini-batch 10 (the book's) and 64, with 1 and 2 threads (``--threads``).
Both libraries get the same number of threads — PyTorch through ``torch.set_num_threads``,
nndl through the BLAS limit, inside which its training loop's policy (``_threads_for``)
decides — and run back to back, A B A B, in one process: a round times each library once,
and the figures are the median over ``--repeats`` rounds, with the spread (lowest–highest)
of the per-round ratio nndl/PyTorch. Speed does not depend on pixel values: random inputs.

* ``steps``: a ``--steps`` slice of an epoch of bare training steps (nndl ``train_step``;
  PyTorch zero_grad/forward/backward/step), scaled to 50,000 examples;
* ``fit``: the same slice as a user runs an epoch: nndl ``Sequential.fit`` with default
  options (shuffling, running training cost/accuracy), PyTorch the usual loop (a shuffled
  index, and the loss and accuracy summed from each batch's output);
* ``evaluate``: nndl's ``model.evaluate`` on N images against its own ``fit`` on N images;
* ``--rss``: peak resident memory of a child process per library running one full
  50,000-example epoch at batch 64 (data included).

    python benchmarks/bench_conv.py                       # everything (a few minutes)
    python benchmarks/bench_conv.py --only steps --batch 64 --threads 1 --repeats 3

This workplace pins OpenBLAS to its Haswell kernels (``OPENBLAS_CORETYPE=Haswell``); the
header prints the kernel NumPy's OpenBLAS uses, and the machine's load before and after.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
EPOCH = 50_000
SEED = 0


def nndl_model(seed=SEED):
    import nndl
    from nndl.layers import Conv2D, Dense, Flatten, MaxPool2D

    model = nndl.Sequential([Conv2D(20, 5, activation="relu"), MaxPool2D(2),
                             Conv2D(40, 5, activation="relu"), MaxPool2D(2), Flatten(),
                             Dense(100, "relu"), Dense(10, "softmax")],
                            cost="log_likelihood", input_shape=(1, 28, 28), seed=seed)
    return model.compile(nndl.SGD(lr=0.03), lmbda=0.1)


def data(n, seed=SEED):
    import numpy as np

    rng = np.random.default_rng(seed)
    return rng.random((n, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, n)


def nndl_runner(kind, batch, n):
    from nndl.backend import compute_threads
    from nndl.train.loop import _threads_for

    model = nndl_model()
    X, y = data(n)
    Y = model.as_targets(y)

    def steps():
        t = time.perf_counter()
        with compute_threads(_threads_for(model, batch, "auto")):   # as fit runs its steps
            for k in range(0, n, batch):
                model.train_step(X[k:k + batch], Y[k:k + batch], EPOCH)
        return time.perf_counter() - t

    def fit():
        t = time.perf_counter()
        model.fit(X, y, epochs=1, batch_size=batch)
        return time.perf_counter() - t

    return {"steps": steps, "fit": fit}[kind]


def torch_runner(kind, batch, n, threads):
    import torch
    from torch import nn

    torch.set_num_threads(threads)
    torch.manual_seed(SEED)
    model = nn.Sequential(nn.Conv2d(1, 20, 5), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(20, 40, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(640, 100), nn.ReLU(), nn.Linear(100, 10))
    # λ/n weight decay on the weights as nndl does (biases too here: same cost, simpler).
    opt = torch.optim.SGD(model.parameters(), lr=0.03, weight_decay=0.1 / EPOCH)
    loss_fn = nn.CrossEntropyLoss()
    X = torch.rand(n, 1, 28, 28)
    y = torch.randint(0, 10, (n,))

    def step(xb, yb):
        opt.zero_grad(set_to_none=True)
        out = model(xb)
        loss = loss_fn(out, yb)
        loss.backward()
        opt.step()
        return out, loss

    def steps():
        t = time.perf_counter()
        for k in range(0, n, batch):
            step(X[k:k + batch], y[k:k + batch])
        return time.perf_counter() - t

    def fit():
        t = time.perf_counter()
        perm = torch.randperm(n)
        total, correct = 0.0, 0
        for k in range(0, n, batch):
            idx = perm[k:k + batch]
            xb, yb = X[idx], y[idx]
            out, loss = step(xb, yb)
            total += loss.item() * len(idx)
            correct += int((out.argmax(1) == yb).sum())
        _ = (total / n, correct / n)
        return time.perf_counter() - t

    return {"steps": steps, "fit": fit}[kind]


def compare(kind, threads, batch, n, repeats, have_torch):
    """Rounds of nndl then PyTorch; per library the median time scaled to an epoch, and the
    median and range of the per-round ratio."""
    runs = {"nndl": nndl_runner(kind, batch, n)}
    if have_torch:
        runs["torch"] = torch_runner(kind, batch, n, threads)
    for r in runs.values():   # warm-up: first-touch allocation, thread start-up
        r()
    times = {k: [] for k in runs}
    for _ in range(repeats):
        for k, r in runs.items():
            times[k].append(r() * EPOCH / n)
    line = f"{kind:>6}  {threads:>7}  {batch:>5}  {statistics.median(times['nndl']):>8.2f}"
    if have_torch:
        ratios = [a / b for a, b in zip(times["nndl"], times["torch"])]
        line += (f"  {statistics.median(times['torch']):>8.2f}  {statistics.median(ratios):>10.2f}"
                 f"  {min(ratios):.2f}–{max(ratios):.2f}")
    print(line, flush=True)


def evaluate_vs_train(n, batch, threads, repeats):
    """Seconds to evaluate N images over seconds to train one epoch on the same N (fit's
    default options), median of rounds."""
    model = nndl_model()
    X, y = data(n)
    model.fit(X[:batch * 4], y[:batch * 4], epochs=1, batch_size=batch)   # warm-up
    ratios = []
    for _ in range(repeats):
        train = model.fit(X, y, epochs=1, batch_size=batch).history["train_time"][0]
        t = time.perf_counter()
        model.evaluate(X, y)
        ratios.append((time.perf_counter() - t) / train)
    print(f"evaluate {n:,} images / train on them ({threads} thread(s), batch {batch}, {repeats} rounds): "
          f"{statistics.median(ratios):.2f} (range {min(ratios):.2f}–{max(ratios):.2f})", flush=True)


def rss_child(lib, batch):
    """One full epoch in this process; print the peak resident set size in MiB."""
    run = nndl_runner("fit", batch, EPOCH) if lib == "nndl" else torch_runner("fit", batch, EPOCH, 1)
    seconds = run()
    print(f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} {seconds:.1f}")


def peak_rss(have_torch, batch=64):
    for lib in ["nndl"] + (["torch"] if have_torch else []):
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
        out = subprocess.run([sys.executable, __file__, "--rss-child", lib, "--batch", str(batch)],
                             capture_output=True, text=True, env=env, check=True).stdout.split()
        print(f"peak RSS, one {EPOCH:,}-example epoch at batch {batch}, 1 thread: {lib:>5} "
              f"{out[0]} MiB ({out[1]} s)", flush=True)


def describe_machine():
    from threadpoolctl import threadpool_info

    blas = next((i for i in threadpool_info() if "numpy" in i.get("filepath", "")), {})
    print(f"NumPy BLAS: {blas.get('internal_api', '?')} {blas.get('version', '')}, "
          f"{blas.get('architecture', '?')} kernels (OPENBLAS_CORETYPE="
          f"{os.environ.get('OPENBLAS_CORETYPE', 'unset')}); {os.cpu_count()} CPUs; "
          f"load average {os.getloadavg()[0]:.1f}; seed {SEED}", flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, nargs="+", default=[10, 64])
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--steps", type=int, default=2560, help="examples timed per round (scaled to 50,000)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--only", nargs="+", choices=["steps", "fit", "evaluate", "rss"],
                    default=["steps", "fit", "evaluate", "rss"])
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--rss-child", choices=["nndl", "torch"], help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.rss_child:
        rss_child(args.rss_child, args.batch[0])
        return 0
    try:
        if args.no_torch:
            raise ImportError
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
    from threadpoolctl import threadpool_limits

    import nndl  # noqa: F401  (loads NumPy's and SciPy's BLAS before the thread limits apply)

    describe_machine()
    kinds = [k for k in ("steps", "fit") if k in args.only]
    if kinds:
        print(f"seconds per {EPOCH:,}-example epoch ({args.steps:,} examples timed per round, scaled; "
              f"median of {args.repeats} rounds)")
        print(f"{'':>6}  {'threads':>7}  {'batch':>5}  {'nndl s':>8}" +
              (f"  {'torch s':>8}  {'nndl/torch':>10}  range" if have_torch else ""))
    for kind in kinds:
        for threads in args.threads:
            with threadpool_limits(threads):
                for batch in args.batch:
                    compare(kind, threads, batch, args.steps, args.repeats, have_torch)
    if "evaluate" in args.only:
        for threads in args.threads:
            with threadpool_limits(threads):
                for batch in args.batch:
                    evaluate_vs_train(10_000, batch, threads, max(1, args.repeats // 2))
    if "rss" in args.only:
        peak_rss(have_torch)
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
