"""nndl — Michael Nielsen's *Neural Networks and Deep Learning*, from first principles.

One engine: layers with explicit forward and backward passes (the book's BP1–BP4), vectorised
over mini-batches, on an array backend that is NumPy today and CuPy tomorrow.

    >>> import nndl
    >>> model = nndl.Sequential([nndl.Dense(30, "sigmoid", input_dim=784),
    ...                          nndl.Dense(10, "sigmoid")], cost="quadratic", seed=0)
    >>> model.compile(optimizer=nndl.SGD(lr=3.0))  # doctest: +ELLIPSIS
    Sequential(...)

This face re-exports the engine (layers, model, optimisers, callbacks), the model files
(``save_model``/``load_model``) and the run settings (``RunConfig``, ``train_run``). The
book's own API lives in :mod:`nndl.book` (``network``, ``network2``, ``network3``,
``mnist_loader``); the package layout is described in CONTRIBUTING.md.
"""
from .core import (CrossEntropyCost, LogLikelihoodCost, QuadraticCost, get_activation, get_cost,
                   get_initializer, L1, L2)
from .errors import (ConfigError, DataError, InputError, ModelFileError, NNDLError, OutputError,
                     TrainingError)
from .gradcheck import gradcheck, gradcheck_layer
from .layers import (Activation, BatchNorm, Dense, Dropout, Flatten, Layer, Parameter, PReLU, Residual,
                     build_mlp, dense_block)
from .layers import AvgPool2D, Conv2D, L2Pool2D, MaxPool2D
from .model import Sequential
from .optim import SGD, Adagrad, Adam, AdamW, Momentum, Nesterov, RMSprop, get_optimizer
from .train import (AverageImprovementStopping, EarlyStopping, EpochLogger, HalveOnPlateau, History,
                    LearningRateScheduler, ProgressBar)
from .io import Checkpoint, load_model, save_model
from .app.settings import RunConfig, load_config
from .app.runs import resume_run, train_run

load = load_model
__version__ = "0.1.0"
