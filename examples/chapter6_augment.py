"""Chapter 6, problem 7: on-the-fly augmentation (random rotation, skew, translation per
mini-batch) on a 5,000-image subset, the book's ReLU conv net, 20 epochs, with and without.

    python examples/chapter6_augment.py
"""
import io
import time

from nndl.book import network3
from nndl.data.augment import RandomAffine
from nndl.reproduce.chapter6 import book_network

tr, va, te = network3.load_data_shared()
subset = (tr[0][:5000], tr[1][:5000])
for name, aug in (("no augmentation", None), ("RandomAffine(rotation=10, shear=0.15, shift=2)", RandomAffine(seed=0))):
    net = book_network("conv2-relu", seed=1)
    t = time.time()
    best_val, _, test = net.SGD(subset, 20, 10, 0.03, va, te, lmbda=0.1, shuffle=True, transform=aug,
                                file=io.StringIO())
    print(f"{name}: best validation {best_val:.2%}, test {test:.2%}, {time.time() - t:.0f} s")
