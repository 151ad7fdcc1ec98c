"""The model file: ``.npz`` of weights + JSON describing the architecture. Versioned.

Format ``nndl.model`` version 1::

    meta  = {"format": "nndl.model", "version": 1, "model": <Sequential.get_config()>,
             "metadata": {...anything JSON the caller adds: preprocessing, classes, history}}
    arrays = {"0.W": ..., "0.b": ..., "1.W": ...}       # 'layer_index.name'

A fitted input preprocessor (:mod:`nndl.data.preprocess`) travels in the same file: its
config in ``metadata["preprocessing"]``, its arrays as ``extra/preprocess/...``;
:func:`load_predictor` gives back a model that applies it.

Files of a newer version, or damaged files, raise ModelFileError. The book's network2 JSON
files are read here too (and by ``nndl.book.network2.load``).
"""
from __future__ import annotations

from pathlib import Path

from ..data.preprocess import PreprocessedModel, preprocessor_from_state, preprocessor_state
from ..errors import ModelFileError, NNDLError
from ..model import Sequential
from .bookjson import is_book_json, model_from_book_json
from .container import read_container, write_container
from .schema import check_model_config, require

#: What building a model from a damaged description can raise (the schema check catches the
#: structure; the layers' own constructors check values such as a negative unit count).
BUILD_ERRORS = (KeyError, ValueError, TypeError, AttributeError, IndexError, OverflowError)

FORMAT = "nndl.model"
VERSION = 1
PREPROCESSING = "preprocessing"


def save_model(model, path, metadata: dict | None = None, extra_arrays: dict | None = None,
               preprocessor=None) -> None:
    """Write ``model`` (and its fitted input ``preprocessor``, if any) atomically."""
    if not model.built:
        raise ValueError("cannot save a model that has not been built (no input shape yet)")
    metadata = dict(metadata or {})
    pre_config, pre_arrays = preprocessor_state(preprocessor)
    if pre_config is not None:
        metadata[PREPROCESSING] = pre_config
    meta = {"format": FORMAT, "version": VERSION, "model": model.get_config(), "metadata": metadata}
    arrays = model.get_weights()
    for k, v in {**(extra_arrays or {}), **pre_arrays}.items():
        arrays[f"extra/{k}"] = v
    write_container(path, meta, arrays)


def load_model(path, with_metadata: bool = False, backend: str = "numpy"):
    """Rebuild a model from its file. ``with_metadata=True`` returns (model, metadata, extra)."""
    if is_book_json(path):  # the book's network2.save format
        model = model_from_book_json(path)
        return (model, {}, {}) if with_metadata else model
    meta, arrays = read_container(path, FORMAT)
    version = meta.get("version")
    if not isinstance(version, int) or version > VERSION or version < 1:
        raise ModelFileError(f"{path}: model file version {version!r} is not supported "
                             f"(this nndl reads version {VERSION}); upgrade nndl")
    where = str(Path(path))
    metadata = require(meta.get("metadata", {}), dict, where, "'metadata'")
    model = build_model_from(meta.get("model"), {k: v for k, v in arrays.items() if not k.startswith("extra/")},
                             where, backend)
    if with_metadata:
        extra = {k[len("extra/"):]: v for k, v in arrays.items() if k.startswith("extra/")}
        return model, metadata, extra
    return model


def build_model_from(config, weights: dict, where: str, backend: str = "numpy"):
    """A Sequential from a file's (validated) model description and its weights."""
    check_model_config(config, where)
    try:
        model = Sequential.from_config(config, backend=backend)
        model.set_weights(weights)
        unused = sorted(set(weights) - set(model.get_weights()))
        if unused:  # arrays the description has no place for: not the model that was saved
            raise ValueError(f"arrays {', '.join(unused[:3])} belong to no layer of the model")
    except NNDLError as e:  # e.g. the size limits: say which file
        raise ModelFileError(f"{where}: {e}") from None
    except BUILD_ERRORS as e:
        raise ModelFileError(f"{where}: damaged model file ({type(e).__name__}: {e})") from None
    return model


def load_predictor(path, backend: str = "numpy"):
    """(model that applies its saved input preprocessing, metadata) from a model file."""
    model, meta, extra = load_model(path, with_metadata=True, backend=backend)
    if meta.get(PREPROCESSING):
        model = PreprocessedModel(model, preprocessor_from_state(meta[PREPROCESSING], extra))
    return model, meta
