"""Run the book's chapter 1 and chapter 3 listings on the full MNIST data, through the
book's own API (``nndl.book``), and print the accuracies beside the book's.

    python benchmarks/book_listings.py [ch1] [ch3]

ch1: network.Network([784, 30, 10]).SGD(training_data, 30, 10, 3.0, test_data=test_data)
     book: 95.42% test (peak epoch)
ch3: network2.Network([784, 100, 10], cost=CrossEntropyCost), large weights,
     SGD(training_data, 30, 10, 0.5, lmbda=5.0, evaluation_data=validation_data, ...)
     book: 97.92% validation
Seeds: ``random.seed(1)`` and ``np.random.seed(1)``, as a reader of the book seeds (the
veneers draw weights with np.random and order mini-batches with random.shuffle, in float64,
as the book's code does). Not part of CI (about a minute each on two cores).
"""
from __future__ import annotations

import contextlib
import io
import os
import random
import re
import sys
import time

import numpy as np

from nndl.book import mnist_loader, network, network2


def ch1(data):
    training_data, validation_data, test_data = data
    random.seed(1)
    np.random.seed(1)
    net = network.Network([784, 30, 10])
    out = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out):
        net.SGD(training_data, 30, 10, 3.0, test_data=test_data)
    secs = time.perf_counter() - start
    acc = [int(m) / 100 for m in re.findall(r"Epoch \d+: (\d+) / 10000", out.getvalue())]
    return {"name": "ch1 [784,30,10] quadratic, eta=3.0, 30 epochs", "book": 95.42, "split": "test",
            "final": acc[-1], "peak": max(acc), "seconds": secs}


def ch3(data):
    training_data, validation_data, test_data = data
    random.seed(1)
    np.random.seed(1)
    net = network2.Network([784, 100, 10], cost=network2.CrossEntropyCost)
    net.large_weight_initializer()
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        _, ev_acc, _, _ = net.SGD(training_data, 30, 10, 0.5, lmbda=5.0, evaluation_data=validation_data,
                                  monitor_evaluation_accuracy=True)
    secs = time.perf_counter() - start
    acc = [a / 100 for a in ev_acc]
    return {"name": "ch3 [784,100,10] cross-entropy, lambda=5.0, eta=0.5, 30 epochs", "book": 97.92,
            "split": "validation", "final": acc[-1], "peak": max(acc), "seconds": secs,
            "test": net.accuracy(test_data) / 100}


def main(argv=None):
    which = (argv if argv is not None else sys.argv[1:]) or ["ch1", "ch3"]
    from threadpoolctl import threadpool_info

    blas = next((i for i in threadpool_info() if i.get("user_api") == "blas"), {})
    print(f"float64; BLAS {blas.get('internal_api', '?')} {blas.get('version', '')} "
          f"({blas.get('architecture', '?')} kernels), 1 thread while training (nndl's policy for "
          f"small steps); load average at start {os.getloadavg()[0]:.1f}", flush=True)
    data = mnist_loader.load_data_wrapper()
    for name in which:
        r = {"ch1": ch1, "ch3": ch3}[name](data)
        extra = f", test {r['test']:.2f}%" if "test" in r else ""
        print(f"{r['name']}: final {r['final']:.2f}%, peak {r['peak']:.2f}% {r['split']}{extra} "
              f"(book {r['book']:.2f}%), {r['seconds']:.0f} s", flush=True)


if __name__ == "__main__":
    main()
