"""The model file: ``.npz`` of weights + JSON describing the architecture. Versioned.

Format ``nndl.model`` version 1::

    meta  = {"format": "nndl.model", "version": 1, "model": <Sequential.get_config()>,
             "metadata": {...anything JSON the caller adds: preprocessing, classes, history}}
    arrays = {"0.W": ..., "0.b": ..., "1.W": ...}       # 'layer_index.name'

Files of a newer version, or damaged files, raise ModelFileError. The book's network2 JSON
files are read by ``nndl.book.network2.load``.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import ModelFileError
from .container import read_container, write_container
from .schema import check_model_config, require

#: What building a model from a damaged description can raise (the schema check catches the
#: structure; the layers' own constructors check values such as a negative unit count).
BUILD_ERRORS = (KeyError, ValueError, TypeError, AttributeError, IndexError, OverflowError)

FORMAT = "nndl.model"
VERSION = 1


def save_model(model, path, metadata: dict | None = None, extra_arrays: dict | None = None) -> None:
    if not model.built:
        raise ValueError("cannot save a model that has not been built (no input shape yet)")
    meta = {"format": FORMAT, "version": VERSION, "model": model.get_config(),
            "metadata": metadata or {}}
    arrays = model.get_weights()
    for k, v in (extra_arrays or {}).items():
        arrays[f"extra/{k}"] = v
    write_container(path, meta, arrays)


def load_model(path, with_metadata: bool = False, backend: str = "numpy"):
    """Rebuild a model from its file. ``with_metadata=True`` returns (model, metadata, extra)."""
    from .bookjson import is_book_json, model_from_book_json

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
    from ..errors import NNDLError
    from ..model import Sequential

    check_model_config(config, where)
    try:
        model = Sequential.from_config(config, backend=backend)
        model.set_weights(weights)
    except NNDLError as e:  # e.g. the size limits: say which file
        raise ModelFileError(f"{where}: {e}") from None
    except BUILD_ERRORS as e:
        raise ModelFileError(f"{where}: damaged model file ({type(e).__name__}: {e})") from None
    return model
