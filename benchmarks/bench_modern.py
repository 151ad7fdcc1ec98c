"""Seconds per 50,000-example epoch of the lecture's modern model, nndl vs PyTorch (CPU).

    python benchmarks/bench_modern.py [--epochs 3] [--threads 1] [--no-torch]

The model (lecture 2's Keras example): Dense(200) → BatchNorm → ReLU → Dropout(0.5) →
Dense(100) → BatchNorm → ReLU → Dropout(0.5) → Dense(10, softmax), categorical
cross-entropy, Adam (η = 0.001, β = 0.9/0.999, ε = 1e-7), mini-batches of 64.

Both frameworks train the same architecture on the same data in the same process; epochs are
interleaved (nndl, torch, nndl, torch, ...) so background load hits both alike, and the
figure is the median over ``--epochs`` epochs of the training loop alone (shuffle + mini-batch
steps, no evaluation). ``--threads`` limits the BLAS threads of NumPy and PyTorch's intra-op
threads to the same number (default 1, fair on a shared machine). PyTorch is optional
(``pip install torch==2.13.0`` gives the CPU build). Uses real MNIST from $NNDL_DATA_DIR when
present, else random data of the same shape.
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

N, BATCH = 50_000, 64


def load_data():
    try:
        from nndl.data import load_mnist

        train = load_mnist(download=False).train
        return train.X[:N], train.y[:N], "MNIST"
    except Exception:
        rng = np.random.default_rng(0)
        return rng.random((N, 784), dtype=np.float32), rng.integers(0, 10, N), "random"


def nndl_model():
    layers = [nndl.Dense(200, "linear", init="xavier", input_dim=784), nndl.BatchNorm(), nndl.Activation("relu"),
              nndl.Dropout(0.5),
              nndl.Dense(100, "linear", init="xavier"), nndl.BatchNorm(), nndl.Activation("relu"),
              nndl.Dropout(0.5),
              nndl.Dense(10, "softmax", init="xavier")]
    return nndl.Sequential(layers, cost="log_likelihood", seed=0).compile(nndl.Adam())


def nndl_epoch(model, X, y):
    h = model.fit(X, y, epochs=1, batch_size=BATCH, monitor_training=False)
    return h["train_time"][0]


def torch_setup(X, y):
    import torch

    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(784, 200), torch.nn.BatchNorm1d(200, eps=1e-3, momentum=0.01), torch.nn.ReLU(),
        torch.nn.Dropout(0.5),
        torch.nn.Linear(200, 100), torch.nn.BatchNorm1d(100, eps=1e-3, momentum=0.01), torch.nn.ReLU(),
        torch.nn.Dropout(0.5),
        torch.nn.Linear(100, 10))
    net.train()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    return net, opt, torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))


def torch_epoch(state):
    import torch

    net, opt, Xt, yt = state
    start = time.perf_counter()
    perm = torch.randperm(N)
    Xs, ys = Xt[perm], yt[perm]
    loss_fn = torch.nn.functional.cross_entropy   # softmax + categorical cross-entropy
    for k in range(0, N, BATCH):
        loss = loss_fn(net(Xs[k:k + BATCH]), ys[k:k + BATCH])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return time.perf_counter() - start


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=3, help="epochs per framework (median reported)")
    ap.add_argument("--threads", type=int, default=1, help="BLAS / torch threads for both (default 1)")
    ap.add_argument("--no-torch", action="store_true", help="skip the PyTorch reference")
    args = ap.parse_args(argv)
    try:
        from threadpoolctl import threadpool_limits

        limiter = threadpool_limits(args.threads)
    except ImportError:  # pragma: no cover
        limiter = None
        print("(threadpoolctl missing: NumPy's BLAS threads not limited; set OPENBLAS_NUM_THREADS)")
    X, y, source = load_data()
    try:
        import torch

        have_torch = not args.no_torch
        if have_torch:
            torch.set_num_threads(args.threads)
    except ImportError:
        have_torch = False
    model = nndl_model()
    state = torch_setup(X, y) if have_torch else None
    t_nndl, t_torch = [], []
    for _ in range(args.epochs):
        t_nndl.append(nndl_epoch(model, X, y))
        if have_torch:
            t_torch.append(torch_epoch(state))
    a = statistics.median(t_nndl)
    print(f"data: {source}, {N} examples, batch {BATCH}, Adam; numpy {np.__version__}; "
          f"{args.threads} thread(s); median of {args.epochs} epochs (interleaved)")
    print(f"nndl : {a:.3f} s/epoch   ({a / (N / BATCH) * 1e6:.0f} µs/step)  epochs: "
          + ", ".join(f"{t:.2f}" for t in t_nndl))
    if have_torch:
        b = statistics.median(t_torch)
        print(f"torch: {b:.3f} s/epoch   ({b / (N / BATCH) * 1e6:.0f} µs/step)  epochs: "
              + ", ".join(f"{t:.2f}" for t in t_torch) + f"   (torch {torch.__version__})")
        print(f"torch/nndl time ratio: {b / a:.2f}  (> 1: nndl faster)")
    del limiter


if __name__ == "__main__":
    main()
