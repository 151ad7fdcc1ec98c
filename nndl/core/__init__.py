"""The book's equations, one concept a file: activations (σ, σ'), costs (C, BP1),
initialisers and regularisers."""
from .activations import (ACTIVATIONS, ELU, ActivationFunction, LeakyReLU, Linear, ReLU, ShiftedSigmoid,
                          Sigmoid, Softmax, Step, Tanh, get_activation)
from .costs import COSTS, Cost, CrossEntropyCost, LogLikelihoodCost, QuadraticCost, get_cost
from .initializers import (INITIALIZERS, DefaultInit, HeInit, Initializer, LargeInit, XavierInit,
                           get_initializer)
from .regularizers import L1, L2, Regularizer, get_regularizer
