"""Chapter 6, problem 7: on-the-fly augmentation (random rotation, skew, translation per
mini-batch) on a 5,000-image subset, the book's ReLU conv net, 20 epochs, with and without.

    python examples/chapter6_augment.py
"""
import time

from nndl.app.convnets import chapter6_model, train_chapter6
from nndl.data import load_mnist
from nndl.data.augment import RandomAffine

data = load_mnist(scale="book")
for name, aug in (("no augmentation", None), ("RandomAffine(rotation=10, shear=0.15, shift=2)", RandomAffine(seed=0))):
    model = chapter6_model("conv2-relu", seed=1)
    t = time.time()
    best = train_chapter6(model, data, 20, 0.03, lmbda=0.1, subset=5000, shuffle=True, transform=aug)
    print(f"{name}: best validation {best.best_validation:.2%}, test {best.test_accuracy:.2%}, "
          f"{time.time() - t:.0f} s")
