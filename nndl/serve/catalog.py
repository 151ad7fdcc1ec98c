"""What the server offers: the runs under the runs folder and the model files named on the
command line, found by *name* — a request never supplies a path.

A run name is one folder name directly under the runs folder (``[A-Za-z0-9._-]``, no ``..``),
checked again after resolving symlinks, so no request reaches a file outside it. Models are
loaded with :func:`nndl.app.evaluation.model_and_config` (the safe npz + JSON format, never pickle)
and cached until their file changes.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path

from ..errors import NNDLError

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
MODEL_FILES = ("model.npz", "best.npz")  # a run's final model, else its best so far (still training)


class NotFound(NNDLError):
    """An unknown run or model name (HTTP 404)."""


class BadName(NNDLError):
    """A name that could never be valid: a path, '..', odd characters (HTTP 400)."""


def check_name(name: str, what: str = "name") -> str:
    if not isinstance(name, str) or not NAME.match(name) or ".." in name:
        raise BadName(f"invalid {what} {name!r}: use the name shown in the list (letters, digits, '.', '_', '-')")
    return name


@dataclass
class Loaded:
    """A model ready to use: the model (applying its preprocessing), metadata and RunConfig."""

    model: object
    meta: dict
    config: object
    path: Path
    lock: threading.Lock
    name: str = ""


class Catalog:
    """Runs under ``runs_root`` plus explicitly named run folders and model files."""

    def __init__(self, runs_root="runs", paths=()):
        self.runs_root = Path(runs_root).resolve()
        self.extra_runs, self.extra_models = {}, {}
        for p in paths:
            p = Path(p)
            if p.is_dir():
                if not (p / "config.toml").is_file() and not any((p / f).is_file() for f in MODEL_FILES):
                    raise NNDLError(f"{p}: not a run folder (no config.toml or model.npz)")
                self._add(self.extra_runs, p.resolve().name, p.resolve())
            elif p.is_file():
                self._add(self.extra_models, p.stem, p.resolve())
            else:
                raise NNDLError(f"{p}: no such run folder or model file")
        self._cache: dict = {}
        self._cache_lock = threading.Lock()

    @staticmethod
    def _add(table, name, path):
        name = re.sub(r"[^A-Za-z0-9._-]", "_", name).lstrip("._-") or "model"
        base, k = name, 1
        while name in table:
            k += 1
            name = f"{base}-{k}"
        table[name] = path

    # -- runs -------------------------------------------------------------------------------
    def run_names(self) -> list:
        """Run folders (newest first by name, which starts with a timestamp), then extra runs."""
        found = []
        if self.runs_root.is_dir():
            found = sorted((p.name for p in self.runs_root.iterdir()
                            if NAME.match(p.name) and p.resolve().parent == self.runs_root and p.is_dir()
                            and (p / "config.toml").is_file()), reverse=True)
        return [n for n in self.extra_runs if n not in found] + found

    def run_dir(self, name: str) -> Path:
        check_name(name, "run name")
        if name in self.extra_runs:
            return self.extra_runs[name]
        p = (self.runs_root / name).resolve()
        if p.parent != self.runs_root or not p.is_dir():
            raise NotFound(f"no run named {name!r} under {self.runs_root}")
        return p

    # -- models -----------------------------------------------------------------------------
    def models(self) -> list:
        """[{'name', 'kind', 'path'}] for every model file the picker offers."""
        out = [{"name": n, "kind": "file", "path": str(p)} for n, p in self.extra_models.items()]
        for name in self.run_names():
            f = self._run_model_file(name)
            if f is not None:
                out.append({"name": name, "kind": "run" if f.name == MODEL_FILES[0] else "run (best so far)",
                            "path": str(f)})
        return out

    def _run_model_file(self, name):
        try:
            d = self.run_dir(name)
        except NNDLError:
            return None
        return next((d / f for f in MODEL_FILES if (d / f).is_file()), None)

    def model_path(self, name: str) -> Path:
        check_name(name, "model name")
        if name in self.extra_models:
            return self.extra_models[name]
        f = self._run_model_file(name)
        if f is None:
            raise NotFound(f"no model named {name!r}: see /api/models for the list")
        return f

    def default_model(self):
        models = self.models()
        return models[0]["name"] if models else None

    def load(self, name: str | None) -> Loaded:
        """The named model (default: the first listed), loaded once per version of its file."""
        from ..app.evaluation import model_and_config

        name = name or self.default_model()
        if name is None:
            raise NotFound("no models: train one with 'nndl train' or name a model file on the command line")
        path = self.model_path(name)
        st = path.stat()
        key = (str(path), st.st_mtime_ns, st.st_size)
        with self._cache_lock:
            hit = self._cache.get(name)
            if hit is not None and hit[0] == key:
                return hit[1]
        model, meta, cfg = model_and_config(path)
        loaded = Loaded(model, meta, cfg, path, threading.Lock(), name)
        with self._cache_lock:
            self._cache[name] = (key, loaded)
        return loaded


__all__ = ["Catalog", "Loaded", "NotFound", "BadName", "check_name"]
