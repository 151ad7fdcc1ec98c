"""Chapter 6's networks (network3.py's architectures) as engine models, initialised and trained
with network3's settings: what ``nndl reproduce ch6-*`` and ``nndl ensemble`` run.

network3's conventions, kept here so the figures compare with the book's:

* weights of conv and fully-connected layers ~ N(0, 1/n_out) (n_out of a conv-pool layer:
  maps · filter area / pool area), biases ~ N(0, 1); the softmax layer starts at zero;
* the cost is the log-likelihood plus ½λΣw²/(number of mini-batches), which is the engine's L2
  term λ'/2n Σw² with λ' = λ · mini-batch size;
* dropout as network3 drops: kept units are not rescaled in training, inputs are multiplied by
  (1 − p) at inference (``Dropout(p, scale="book")``);
* plain SGD at mini-batch 10, the training set in the same order every epoch (no reshuffle),
  one BLAS thread; the figure is the test accuracy at the epoch of best validation accuracy.
"""
from __future__ import annotations

import numpy as np

from ..errors import ConfigError, unknown_name
from ..layers import Activation, Conv2D, Dense, Dropout, Flatten, MaxPool2D
from ..model import Sequential
from ..optim import SGD
from ..train import Callback

MB = 10  # the book's mini-batch size throughout chapter 6

ARCHITECTURES = {
    "fc100": "FC100 sigmoid + softmax",
    "conv1": "conv-pool 20@5×5 + FC100 + softmax, sigmoid",
    "conv2": "two conv-pool (20, 40 maps) + FC100 + softmax, sigmoid",
    "conv2-relu": "two conv-pool + FC100 + softmax, ReLU",
    "conv2-relu-fc2": "two conv-pool + two FC100 + softmax, ReLU",
    "dropout": "two conv-pool + two FC1000 ReLU with dropout 0.5 (and on the softmax)",
}

# Each architecture as blocks: ("conv", maps, activation) or ("fc", units, activation, p_dropout).
_BLOCKS = {
    "fc100": [("fc", 100, "sigmoid", 0.0)],
    "conv1": [("conv", 20, "sigmoid"), ("fc", 100, "sigmoid", 0.0)],
    "conv2": [("conv", 20, "sigmoid"), ("conv", 40, "sigmoid"), ("fc", 100, "sigmoid", 0.0)],
    "conv2-relu": [("conv", 20, "relu"), ("conv", 40, "relu"), ("fc", 100, "relu", 0.0)],
    "conv2-relu-fc2": [("conv", 20, "relu"), ("conv", 40, "relu"), ("fc", 100, "relu", 0.0),
                       ("fc", 100, "relu", 0.0)],
    "dropout": [("conv", 20, "relu"), ("conv", 40, "relu"), ("fc", 1000, "relu", 0.5), ("fc", 1000, "relu", 0.5)],
}
_SOFTMAX_DROPOUT = {"dropout": 0.5}


def chapter6_model(arch: str, seed: int = 0) -> Sequential:
    """The named architecture as a :class:`Sequential` with network3's initial weights."""
    if arch not in _BLOCKS:
        raise ConfigError(unknown_name("chapter 6 architecture", arch, ARCHITECTURES))
    conv = arch != "fc100"
    layers, drawn = [], []   # drawn: (layer, std of W) in the order network3 draws them
    for block in _BLOCKS[arch]:
        if block[0] == "conv":
            layer = Conv2D(block[1], (5, 5), activation="linear")
            layers += [layer, MaxPool2D((2, 2)), Activation(block[2])]
            drawn.append((layer, np.sqrt(4.0 / (block[1] * 25))))
            continue
        if layers and isinstance(layers[-1], Activation):
            layers.append(Flatten())
        if block[3]:
            layers.append(Dropout(block[3], scale="book"))
        layer = Dense(block[1], block[2])
        layers.append(layer)
        drawn.append((layer, np.sqrt(1.0 / block[1])))
    if _SOFTMAX_DROPOUT.get(arch):
        layers.append(Dropout(_SOFTMAX_DROPOUT[arch], scale="book"))
    layers.append(Dense(10, "softmax"))
    model = Sequential(layers, cost="log_likelihood", input_shape=(1, 28, 28) if conv else (784,), seed=seed)
    for layer, std in drawn:
        layer.W.value[...] = model.rng.normal(0.0, std, layer.W.value.shape)
        layer.b.value[...] = model.rng.normal(0.0, 1.0, layer.b.value.shape)
    layers[-1].W.value[...] = 0.0
    layers[-1].b.value[...] = 0.0
    return model


class BestValidationTest(Callback):
    """network3's report: the best validation accuracy so far (ties count as better, as in the
    book), its epoch, and the test accuracy measured at that epoch."""

    def __init__(self, test_X, test_y):
        self.test_X, self.test_y = test_X, test_y
        self.best_validation, self.best_epoch, self.test_accuracy = 0.0, 0, 0.0

    def on_epoch_end(self, epoch, logs):
        if logs["val_accuracy"] >= self.best_validation:
            self.best_validation, self.best_epoch = logs["val_accuracy"], epoch + 1
            self.test_accuracy = self.model.evaluate(self.test_X, self.test_y)["accuracy"]


def train_chapter6(model: Sequential, data, epochs: int, eta: float, lmbda: float = 0.0, callbacks=(),
                   subset: int = 0, **fit_options) -> BestValidationTest:
    """Train as network3's ``SGD`` does on ``data`` (an :class:`~nndl.data.MNIST` with the book's
    scaling), on the first ``subset`` training images if given; returns the
    :class:`BestValidationTest` record. ``fit_options`` change the loop's (e.g. ``shuffle=True``,
    ``transform=RandomAffine(...)`` for on-the-fly augmentation)."""
    shape = model.input_shape

    def inputs(split):
        return split.X.reshape(split.n, *shape)

    train = data.train
    n = (subset or train.n) // MB * MB   # network3 drops the last partial mini-batch
    model.compile(SGD(lr=float(eta)), regularizer="l2" if lmbda else None, lmbda=float(lmbda) * MB)
    best = BestValidationTest(inputs(data.test), data.test.y)
    model.fit(inputs(train)[:n], train.y[:n], epochs=int(epochs), batch_size=MB,
              validation_data=(inputs(data.validation), data.validation.y), callbacks=[best, *callbacks],
              **{"shuffle": False, "monitor_training": False, "threads": 1, **fit_options})
    return best
