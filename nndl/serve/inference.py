"""A drawing (or 784 values) through a model: the prepared 28×28 input, the probabilities, and
every layer's activations — with the same code as ``nndl predict``:
:func:`nndl.data.imageprep.mnist_like` prepares the picture, :func:`nndl.app.evaluation.network_inputs`
scales and shapes it, :func:`nndl.app.evaluation.output_probabilities` normalises the output.
"""
from __future__ import annotations

import io

import numpy as np

from ..errors import DataError
from ..app.evaluation import network_inputs, output_probabilities
from ..data.imageprep import decode_grayscale, mnist_like

TOP_UNITS = 8  # first-layer weight pictures shown: those of the most active hidden units
MAX_PIXELS = 4_000_000  # a drawing or photo of one digit needs far fewer; bounds the work per request


def prepared_from_image(data: bytes) -> np.ndarray:
    """Encoded image bytes (PNG, JPEG, ...; any size, either polarity) → (784,) in [0, 1]."""
    return mnist_like(decode_grayscale(io.BytesIO(data), "the uploaded image", MAX_PIXELS)).reshape(784)


def prepared_from_pixels(pixels) -> np.ndarray:
    """784 numbers (an MNIST-style image already: light digit on black, in [0, 1]) → (784,)."""
    if not isinstance(pixels, list) or len(pixels) != 784:
        n = len(pixels) if isinstance(pixels, list) else type(pixels).__name__
        raise DataError(f"'pixels' must be a list of 784 numbers (28x28, row by row), got {n}")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in pixels):
        raise DataError("'pixels' must hold numbers only")
    x = np.asarray(pixels, dtype=np.float64)
    if not np.all(np.isfinite(x)) or x.min() < 0 or x.max() > 1:
        raise DataError("'pixels' must be finite numbers in [0, 1] (0 = background, 1 = ink)")
    return x.astype(np.float32)


def predict(loaded, x: np.ndarray) -> dict:
    """The digit and the ten probabilities for one prepared input (784,)."""
    X = network_inputs(loaded.model, loaded.config, [x])
    with loaded.lock, np.errstate(over="ignore", invalid="ignore"):
        probs = output_probabilities(loaded.model.predict_proba(X))[0]
    return {"digit": int(probs.argmax()), "probabilities": [round(float(p), 6) for p in probs],
            "input": [round(float(v), 4) for v in x]}


def _round(a, digits=4):
    return np.round(np.asarray(a, dtype=np.float64), digits).tolist()


def activations(loaded, x: np.ndarray, top: int = TOP_UNITS) -> dict:
    """:func:`predict` plus each layer's output for the input: fully-connected layers as a
    vector of unit activations, conv/pool layers as feature maps (K, H, W); for a first layer
    that is fully connected on 784 pixels, the weights of its ``top`` most active units."""
    model = loaded.model
    net = getattr(model, "model", model)          # a PreprocessedModel wraps the network
    X = network_inputs(model, loaded.config, [x])
    pre = getattr(model, "preprocessor", None)
    with loaded.lock, np.errstate(over="ignore", invalid="ignore"):
        Xn = model._prep(X) if pre is not None else X
        outs = net.layer_outputs(Xn)
        probs = output_probabilities(outs[-1])[0]
    layers = []
    for layer, a in zip(net.layers, outs):
        a = a[0]
        entry = {"type": type(layer).__name__, "shape": list(a.shape),
                 "activation": getattr(getattr(layer, "activation", None), "name", None)}
        entry["values"] = _round(a)
        layers.append(entry)
    result = {"digit": int(probs.argmax()), "probabilities": [round(float(p), 6) for p in probs],
              "input": [round(float(v), 4) for v in x], "layers": layers}
    first = net.layers[0]
    if pre is None and type(first).__name__ == "Dense" and first.W.value.shape[0] == 784 and len(net.layers) > 1:
        a = outs[0][0]
        units = np.argsort(-a, kind="stable")[:top]
        W = np.asarray(first.W.value)
        result["first_layer_weights"] = [{"unit": int(j), "activation": round(float(a[j]), 4),
                                          "weights": _round(W[:, j], 3)} for j in units]
    return result


__all__ = ["prepared_from_image", "prepared_from_pixels", "predict", "activations"]
