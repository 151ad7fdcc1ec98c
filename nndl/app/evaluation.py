"""Evaluating a saved model and classifying images with it (what ``nndl evaluate`` and
``nndl predict`` print).

    from nndl.app.evaluation import evaluate_model, predict_images
    r = evaluate_model("runs/<run>/model.npz", split="test")   # accuracy, confusion matrix, ...
    predict_images("runs/<run>", ["seven.png"])[0]["digit"]
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..backend import to_host
from ..data.imageprep import load_digit
from ..errors import ConfigError
from ..metrics import confusion_matrix, per_class_accuracy
from ..viz import plot_confusion, plot_gallery
from .build import load_dataset
from .runs import load_run_model
from .settings import RunConfig


def model_and_config(model_path):
    """(model applying its input preprocessing, metadata, RunConfig) of a model file or run folder."""
    model, meta = load_run_model(model_path)
    cfg = meta.get("config")
    if isinstance(cfg, dict):
        try:
            cfg = RunConfig.from_dict(cfg, source=f"{model_path} metadata")
        except ConfigError:
            cfg = None
    else:
        cfg = None
    if cfg is None:  # a model not written by nndl train: guess from its input size
        n_in = int(np.prod(model.input_shape or (784,)))
        cfg = RunConfig(dataset="digits8x8" if n_in == 64 else "mnist", scale=meta.get("scale", "unit"))
    return model, meta, cfg


def _split_name(split):
    if split not in ("test", "validation", "training"):
        raise ConfigError(f"split must be test, validation or training; got {split!r}")
    return split


def evaluate_model(model_path, split: str = "test", data_dir=None, out_dir="", gallery_size: int = 100) -> dict:
    """Accuracy, per-class accuracy and confusion matrix of a model file (or run folder) on a
    split of the data it was trained on (the training split is the one it was trained on,
    subset included). With ``out_dir`` (None: no plots; "": the model's folder) it also writes
    ``<model>-<split>-confusion.png`` and ``<model>-<split>-misclassified.png``."""
    split = _split_name(split)
    model, meta, cfg = model_and_config(model_path)
    data, _ = load_dataset(cfg.replace(preprocess="none"), data_dir)
    s = {"test": data.test, "validation": data.validation, "training": data.train}[split]
    X = s.X.reshape(s.n, *model.input_shape) if model.input_shape and int(np.prod(model.input_shape)) == \
        int(np.prod(s.X.shape[1:])) else s.X
    if model.input_shape and tuple(X.shape[1:]) != tuple(model.input_shape):
        raise ConfigError(f"{model_path}: the model takes inputs of shape {tuple(model.input_shape)}, but "
                          f"{cfg.dataset} images have {int(np.prod(s.X.shape[1:]))} pixels")
    k = int(model.output_shape[-1])
    with np.errstate(over="ignore", invalid="ignore"):
        pred = np.asarray(model.predict(X))
    m = confusion_matrix(s.y, pred, k)
    correct = int(np.trace(m))
    path = Path(model_path)
    if path.is_dir():
        path = path / "model.npz"
    wrong = np.nonzero(pred != s.y)[0][:gallery_size]
    result = {"model": str(path), "split": split, "dataset": cfg.dataset, "accuracy": correct / s.n,
              "correct": correct, "n": s.n, "per_class_accuracy": [float(a) for a in per_class_accuracy(m)],
              "confusion_matrix": m.tolist(), "predictions": pred, "labels": s.y,
              "misclassified": wrong, "misclassified_images": s.X[wrong]}
    if out_dir is not None:
        out = Path(out_dir) if out_dir else path.parent
        stem = f"{path.stem}-{split}"
        result["confusion_png"] = str(out / f"{stem}-confusion.png")
        plot_confusion(m, path=out / f"{stem}-confusion.png",
                       title=f"{path.name}, {split} set: {correct / s.n * 100:.2f}% correct")
        plot_gallery(s.X[wrong], s.y[wrong], pred[wrong], path=out / f"{stem}-misclassified.png",
                     title=f"{len(wrong)} of {s.n - correct} misclassified ({split} set), true→predicted")
        result["gallery_png"] = str(out / f"{stem}-misclassified.png")
    return result


def network_inputs(model, cfg, xs) -> np.ndarray:
    """MNIST-style 784-pixel images → the batch the model takes (its pixel scale and input shape)."""
    n_in = int(np.prod(model.input_shape or (784,)))
    if n_in != 784:
        raise ConfigError(f"predict needs a model of 28x28 MNIST inputs (this one takes {n_in})")
    X = np.stack([np.asarray(x, dtype=np.float32).reshape(784) for x in xs])
    if cfg.scale == "book":
        X *= 255.0 / 256.0
    return X.reshape(len(xs), *model.input_shape)


def output_probabilities(out) -> np.ndarray:
    """Output activations → probabilities: clipped at 0 and normalised to sum to 1 per row
    (softmax outputs are unchanged; sigmoid outputs become comparable)."""
    out = np.clip(np.asarray(to_host(out), dtype=np.float64), 0.0, None)
    total = out.sum(axis=1, keepdims=True)
    return np.where(total > 0, out / np.where(total > 0, total, 1), 1.0 / out.shape[1])


def predict_images(model_path, images, save_dir=None) -> list:
    """Classify image files: [{'image', 'digit', 'probabilities' (10 floats summing to 1)}].
    Every image is read and checked before any is classified."""
    model, meta, cfg = model_and_config(model_path)
    network_inputs(model, cfg, [np.zeros(784)])  # a model of the wrong input size fails before any image is read
    xs = [load_digit(p) for p in images]  # raises DataError naming an unreadable image
    if save_dir:
        from PIL import Image

        d = Path(save_dir)
        d.mkdir(parents=True, exist_ok=True)
        for p, x in zip(images, xs):
            Image.fromarray((x.reshape(28, 28) * 255).astype(np.uint8)).save(d / f"{Path(p).stem}-28x28.png")
    with np.errstate(over="ignore", invalid="ignore"):
        probs = output_probabilities(model.predict_proba(network_inputs(model, cfg, xs)))
    return [{"image": str(p), "digit": int(row.argmax()), "probabilities": [float(v) for v in row]}
            for p, row in zip(images, probs)]


__all__ = ["evaluate_model", "predict_images", "model_and_config", "network_inputs", "output_probabilities"]
