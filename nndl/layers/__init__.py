"""Layers: each a small class with an explicit forward and backward pass."""
from .activation import Activation
from .base import ACTIVATION_LAYERS, LAYER_TYPES, Layer, Parameter, layer_from_config, register_layer
from .dense import Dense
from .dropout import Dropout
from .flatten import Flatten
from .conv import Conv2D
from .pooling import AvgPool2D, L2Pool2D, MaxPool2D
from .batchnorm import BatchNorm
from .prelu import PReLU
from .residual import Residual
from .blocks import activation_layer, build_mlp, dense_block
