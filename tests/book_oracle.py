"""An oracle for the book's chapters 1–3, written from the book's equations and independent of
nndl's engine: per-example backpropagation (BP1–BP4) in float64, the book's update rule and
order, mini-batches cut from ``random.shuffle`` of the training list, weights and biases from
``np.random.randn`` (all biases first, then all weights).

    z = w·a + b,  a = σ(z)
    BP1  δᴸ = (aᴸ − y) ⊙ σ'(zᴸ)   (quadratic cost)   or   δᴸ = aᴸ − y   (cross-entropy)
    BP2  δˡ = ((wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ σ'(zˡ)
    BP3  ∂Cₓ/∂bˡ = δˡ          BP4  ∂Cₓ/∂wˡ = δˡ (aˡ⁻¹)ᵀ
    update  w → (1 − ηλ/n) w − (η/m) Σₓ ∂Cₓ/∂w,   b → b − (η/m) Σₓ ∂Cₓ/∂b
"""
import random

import numpy as np


def sigma(z):
    return 1.0 / (1.0 + np.exp(-z))


class Oracle:
    def __init__(self, sizes, scaled_init: bool):
        pairs = list(zip(sizes[:-1], sizes[1:]))
        self.b = [np.random.randn(n_out, 1) for _, n_out in pairs]
        self.w = [np.random.randn(n_out, n_in) / np.sqrt(n_in) if scaled_init
                  else np.random.randn(n_out, n_in) for n_in, n_out in pairs]

    def output(self, x):
        a = np.asarray(x, dtype=np.float64)
        for w, b in zip(self.w, self.b):
            a = sigma(w @ a + b)
        return a

    def gradient(self, x, y, cross_entropy: bool):
        a = [np.asarray(x, dtype=np.float64)]
        for w, b in zip(self.w, self.b):
            a.append(sigma(w @ a[-1] + b))
        out = a[-1]
        delta = out - y if cross_entropy else (out - y) * out * (1 - out)     # BP1
        grads_b, grads_w = [], []
        for layer in range(len(self.w) - 1, -1, -1):
            grads_b.insert(0, delta)                                        # BP3
            grads_w.insert(0, delta @ a[layer].T)                           # BP4
            if layer:
                delta = (self.w[layer].T @ delta) * a[layer] * (1 - a[layer])  # BP2
        return grads_b, grads_w

    def train(self, data, epochs, m, eta, lmbda=0.0, cross_entropy=False, after_epoch=None):
        data = list(data)  # one copy, shuffled again each epoch
        n = len(data)
        for _ in range(epochs):
            random.shuffle(data)
            for start in range(0, n, m):
                batch = data[start:start + m]
                sum_b = [np.zeros_like(b) for b in self.b]
                sum_w = [np.zeros_like(w) for w in self.w]
                for x, y in batch:
                    gb, gw = self.gradient(x, y, cross_entropy)
                    sum_b = [s + g for s, g in zip(sum_b, gb)]
                    sum_w = [s + g for s, g in zip(sum_w, gw)]
                k = eta / len(batch)
                self.w = [(1 - eta * lmbda / n) * w - k * s for w, s in zip(self.w, sum_w)]
                self.b = [b - k * s for b, s in zip(self.b, sum_b)]
            if after_epoch is not None:
                after_epoch()

    def correct(self, data):
        return sum(int(np.argmax(self.output(x)) == y) for x, y in data)


def assert_same_parameters(net, oracle, atol=1e-5):
    for got, want in zip(list(net.weights) + list(net.biases), oracle.w + oracle.b):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=0, atol=atol)
