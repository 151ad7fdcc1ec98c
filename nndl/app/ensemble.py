"""Ensembles of networks (chapter 6): train k networks that differ only in their random seed
and let them vote. The book's five dropout nets vote their way from 99.60% to 99.67%.

    >>> from nndl.app.ensemble import Ensemble, train_ensemble
    >>> ens = train_ensemble(build_fn, k=5, X=X, y=y, epochs=10, batch_size=10)  # doctest: +SKIP
    >>> ens.evaluate(X_test, y_test)                                             # doctest: +SKIP
    {'vote': 0.9967, 'average': 0.9968, 'members': [0.9958, ...]}

Two ways to combine:

* ``vote`` — each member predicts a digit, the most common digit wins (ties go to the
  smallest digit among those tied, deterministically): the book's method;
* ``average`` — average the members' output probabilities, then take the argmax.

An ensemble saves as a folder: one safe model file per member plus ``ensemble.json``.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..backend import to_host
from ..errors import ConfigError
from ..io import load_model, save_model
from ..model import Sequential
from .settings import write_text

INDEX = "ensemble.json"


class Ensemble:
    def __init__(self, models, seeds=None):
        self.models = list(models)
        if not self.models:
            raise ConfigError("an ensemble needs at least one model")
        self.seeds = list(seeds) if seeds is not None else [getattr(m, "seed", None) for m in self.models]

    def __len__(self):
        return len(self.models)

    def member_predictions(self, X, batch_size: int = 2000):
        """(k, n) integer predictions of every member."""
        return np.stack([m.predict(X, batch_size) for m in self.models])

    def predict_proba(self, X, batch_size: int = 2000):
        """The members' output activations averaged."""
        probs = [np.asarray(to_host(m.predict_proba(X, batch_size)), dtype=np.float64) for m in self.models]
        return np.mean(probs, axis=0)

    @staticmethod
    def _vote(preds, n_classes):
        k, n = preds.shape
        counts = np.zeros((n, n_classes), dtype=np.int64)
        np.add.at(counts, (np.broadcast_to(np.arange(n), (k, n)), preds), 1)
        return counts.argmax(axis=1)  # argmax breaks ties towards the smallest class

    def predict(self, X, method: str = "vote", batch_size: int = 2000):
        if method == "vote":
            return self._vote(self.member_predictions(X, batch_size), self._n_classes())
        if method in ("average", "mean", "proba"):
            return self.predict_proba(X, batch_size).argmax(axis=1)
        raise ConfigError(f"unknown ensemble method {method!r}: use 'vote' or 'average'")

    def _n_classes(self):
        return int(self.models[0].output_shape[-1])

    def evaluate(self, X, y, batch_size: int = 2000) -> dict:
        """Accuracy of the vote, of the averaged probabilities, and of each member."""
        labels = Sequential.labels(y)
        preds = self.member_predictions(X, batch_size)
        vote = self._vote(preds, self._n_classes())
        avg = self.predict_proba(X, batch_size).argmax(axis=1)
        return {"vote": float(np.mean(vote == labels)), "average": float(np.mean(avg == labels)),
                "members": [float(np.mean(p == labels)) for p in preds],
                "vote_errors": int(np.sum(vote != labels)), "n": int(labels.shape[0])}

    # -- files ------------------------------------------------------------------------------
    def save(self, folder) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        names = []
        for i, m in enumerate(self.models):
            name = f"member_{i:02d}.npz"
            save_model(m, folder / name, metadata={"ensemble_member": i, "seed": self.seeds[i]})
            names.append(name)
        index = {"format": "nndl-ensemble", "version": 1, "members": names,
                 "seeds": [None if s is None else int(s) for s in self.seeds]}
        write_text(folder / INDEX, json.dumps(index, indent=2))

    @classmethod
    def load(cls, folder) -> "Ensemble":
        folder = Path(folder)
        index_path = folder / INDEX
        if not index_path.is_file():
            raise ConfigError(f"{folder} is not an ensemble folder (no {INDEX})")
        from nndl.io.schema import read_json_object

        index = read_json_object(index_path, "ensemble index")
        if index.get("format") != "nndl-ensemble":
            raise ConfigError(f"{index_path}: not an nndl ensemble index")
        members = index.get("members") or []
        if not isinstance(members, list):
            raise ConfigError(f"{index_path}: 'members' must be a list of file names")
        for name in members:  # names come from a file: keep them inside the folder
            if not isinstance(name, str) or not name or Path(name).name != name:
                raise ConfigError(f"{index_path}: bad member name {name!r}")
        return cls([load_model(folder / name) for name in members], index.get("seeds"))


def train_ensemble(build_fn, k: int = 5, seeds=None, X=None, y=None, *, epochs: int = 1,
                   batch_size: int = 10, validation_data=None, verbose: bool = False,
                   **fit_kwargs) -> Ensemble:
    """Train ``k`` models, ``build_fn(seed)`` → a compiled Sequential, each with its own
    seed (initial weights, shuffles and dropout masks all differ). Extra keyword arguments
    go to ``model.fit``."""
    if seeds is None:
        seeds = list(range(int(k)))
    seeds = [int(s) for s in seeds]
    if int(k) != len(seeds):
        raise ConfigError(f"k={k} but {len(seeds)} seeds given")
    if k < 1:
        raise ConfigError("an ensemble needs k >= 1 members")
    if X is None or y is None:
        raise ConfigError("train_ensemble needs training data X, y")
    models = []
    for i, seed in enumerate(seeds):
        model = build_fn(seed)
        if model.optimizer is None:
            model.compile()
        model.fit(X, y, epochs=epochs, batch_size=batch_size, validation_data=validation_data,
                  **fit_kwargs)
        if verbose:
            msg = f"member {i + 1}/{len(seeds)} (seed {seed}) trained"
            if validation_data is not None:
                acc = model.evaluate(*validation_data)["accuracy"]
                msg += f": validation accuracy {acc:.2%}"
            print(msg, flush=True)
        models.append(model)
    return Ensemble(models, seeds)


__all__ = ["Ensemble", "train_ensemble"]
