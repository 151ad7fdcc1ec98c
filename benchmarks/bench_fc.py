"""Seconds per 50,000-example epoch for the book's fully-connected networks, nndl vs PyTorch.

    python benchmarks/bench_fc.py [--epochs 3] [--no-torch]

Networks (mini-batch 10, as in the book):
  ch1  [784,30,10]  sigmoid, quadratic cost, η=3.0
  ch3  [784,100,10] sigmoid, cross-entropy cost, L2 λ=5.0, η=0.5

Each framework trains the same network on the same data in the same process; the figure is
the median over ``--epochs`` epochs of the training loop alone (shuffle + mini-batch steps,
no evaluation). PyTorch is optional (``pip install torch==2.13.0`` gives the CPU build).
Uses real MNIST from $NNDL_DATA_DIR when present, else random data of the same shape.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import nndl  # noqa: E402

N = 50_000
CASES = {
    "ch1 [784,30,10] sigmoid+quadratic": dict(hidden=30, cost="quadratic", eta=3.0, lmbda=0.0),
    "ch3 [784,100,10] cross-entropy+L2": dict(hidden=100, cost="cross_entropy", eta=0.5, lmbda=5.0),
}


def load_data():
    try:
        from nndl.data import load_mnist

        train = load_mnist(download=False).train
        return train.X, train.y, "MNIST"
    except Exception:
        rng = np.random.default_rng(0)
        return rng.random((N, 784), dtype=np.float32), rng.integers(0, 10, N), "random"


def bench_nndl(X, y, case, epochs, batch=10):
    model = nndl.Sequential([nndl.Dense(case["hidden"], "sigmoid", input_dim=784, init="large"),
                             nndl.Dense(10, "sigmoid", init="large")], cost=case["cost"], seed=0)
    model.compile(nndl.SGD(lr=case["eta"]), lmbda=case["lmbda"])
    h = model.fit(X, y, epochs=epochs, batch_size=batch, monitor_training=False)
    return statistics.median(h["train_time"])


def bench_torch(X, y, case, epochs, batch=10, threads=None):
    import torch

    default_threads = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    Xt = torch.from_numpy(X)
    Yt = torch.nn.functional.one_hot(torch.from_numpy(y), 10).float()
    net = torch.nn.Sequential(torch.nn.Linear(784, case["hidden"]), torch.nn.Sigmoid(),
                              torch.nn.Linear(case["hidden"], 10))
    decay = [p for n_, p in net.named_parameters() if n_.endswith("weight")]
    rest = [p for n_, p in net.named_parameters() if n_.endswith("bias")]
    opt = torch.optim.SGD([{"params": decay, "weight_decay": case["lmbda"] / N},
                           {"params": rest, "weight_decay": 0.0}], lr=case["eta"])
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        perm = torch.randperm(N)
        Xs, Ys = Xt[perm], Yt[perm]
        for k in range(0, N, batch):
            xb, yb = Xs[k:k + batch], Ys[k:k + batch]
            z = net(xb)
            if case["cost"] == "quadratic":
                loss = 0.5 * ((torch.sigmoid(z) - yb) ** 2).sum() / xb.shape[0]
            else:
                loss = torch.nn.functional.binary_cross_entropy_with_logits(z, yb, reduction="sum") / xb.shape[0]
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - start)
    torch.set_num_threads(default_threads)
    return statistics.median(times)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=3, help="epochs per measurement (median reported)")
    ap.add_argument("--no-torch", action="store_true", help="skip the PyTorch reference")
    ap.add_argument("--only", choices=["nndl", "torch"],
                    help="train with one framework only (for timing whole processes from outside)")
    ap.add_argument("--case", choices=["ch1", "ch3"], help="one network only")
    ap.add_argument("--torch-threads", type=int, default=None, help="with --only torch: thread count")
    args = ap.parse_args(argv)
    cases = {k: v for k, v in CASES.items() if args.case is None or k.startswith(args.case)}
    X, y, source = load_data()
    X, y = X[:N], y[:N]
    if args.only:
        for name, case in cases.items():
            t = bench_nndl(X, y, case, args.epochs) if args.only == "nndl" else \
                bench_torch(X, y, case, args.epochs, threads=args.torch_threads)
            print(f"{args.only} {name}: {t:.3f} s/epoch")
        return
    try:
        import torch  # noqa: F401

        have_torch = not args.no_torch
    except ImportError:
        have_torch = False
    from threadpoolctl import threadpool_info

    blas = next((i for i in threadpool_info() if i.get("user_api") == "blas"), {})
    print(f"data: {source}, {N} examples, batch 10; numpy {np.__version__} with "
          f"{blas.get('internal_api', '?')} {blas.get('version', '')} ({blas.get('architecture', '?')} kernels); "
          f"median of {args.epochs} epochs")
    if have_torch:
        import torch

        t_threads = torch.get_num_threads()
        print(f"torch {torch.__version__}, timed with its default {t_threads} threads and with 1 thread")
    print(f"{'network':<38}{'nndl s':>8}{'torch s':>10}{'torch-1t s':>12}{'ratio':>8}")
    for name, case in cases.items():
        t_nndl = bench_nndl(X, y, case, args.epochs)
        if have_torch:
            t_torch = bench_torch(X, y, case, args.epochs)
            t_torch1 = bench_torch(X, y, case, args.epochs, threads=1)
            ratio = min(t_torch, t_torch1) / t_nndl
            print(f"{name:<38}{t_nndl:>8.3f}{t_torch:>10.3f}{t_torch1:>12.3f}{ratio:>7.2f}x")
        else:
            print(f"{name:<38}{t_nndl:>8.3f}{'-':>10}{'-':>12}{'-':>8}")
    if have_torch:
        print("ratio = faster PyTorch setting / nndl (above 1: nndl is faster)")


if __name__ == "__main__":
    main()
