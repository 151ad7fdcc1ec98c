"""Insight: the book's explanatory chapters and the first lecture, built and measured.

Constructions here are real :class:`nndl.Sequential` models whose weights are *set* with
``set_weights`` rather than learned, so the forward pass that trains MNIST computes them; what
is learned goes through the one training loop (``Sequential.fit``).

Chapter 4 and lecture 1:

* :mod:`.universality` — chapter 4: steps, bumps, N-pair approximation of any f, towers.
* :mod:`.perceptron`   — perceptrons, NAND circuits and the perceptron learning rule.
* :mod:`.xor`          — XOR with one hidden layer: set by hand and trained from many seeds.
* :mod:`.depth`        — n-step functions from one hidden layer vs symmetric 2n-step
  functions from two; how many samples kNN, an RBF SVM and the networks need.
* :mod:`.regions`      — Montúfar: linear regions of ReLU networks by depth.
* :mod:`.handset`      — the builder they share: Dense layers from (activation, W, b).
* :mod:`.ch4_figures`, :mod:`.lecture1_figures` — each figure with its numbers (for the CLI).

Chapter 5 (unstable gradients): :mod:`.unstable`, :mod:`.chapter5`, :mod:`.diagnostics_files`.
"""
