"""Input preprocessing as fitted transformers (lecture 2: "normalise your inputs").

Each transformer is *fitted on the training data only* and then applied, unchanged, to the
validation and test data and to anything ``predict`` sees later — so it is saved inside the
model file next to the weights.

* :class:`Standardizer` — per feature, x' = (x − μ) / σ (features with σ = 0, such as MNIST's
  always-black corner pixels, are only centred).
* :class:`PCAWhitener` — rotate onto the eigenvectors U of the covariance Σ = U S Uᵀ and divide
  by √(S + ε):  x' = (x − μ) U (S + ε)^(−½). Decorrelated features of unit variance (optionally
  only the first ``n_components``), but the images no longer look like images.
* :class:`ZCAWhitener` — PCA whitening rotated back:  x' = (x − μ) U (S + ε)^(−½) Uᵀ. The
  whitened data stays closest to the original (edges are enhanced), so it still looks like
  digits. ε keeps the tiny eigenvalues from blowing noise up.

    >>> pre = ZCAWhitener(eps=0.1).fit(train.X)          # doctest: +SKIP
    >>> Xw = pre.transform(test.X)                       # doctest: +SKIP

Saving: ``nndl.io.save_model(model, path, preprocessor=pre)`` writes the transformer's config
into the model file's metadata and its arrays as extra arrays (:func:`preprocessor_state`);
``nndl.io.load_predictor`` gives back a :class:`PreprocessedModel`, which applies it in
``predict``. Pictures: :func:`nndl.viz.plot_whitening`.
"""
from __future__ import annotations

import numpy as np

from ..backend import get_array_module, to_host
from ..errors import ConfigError, ModelFileError, unknown_name

__all__ = ["Standardizer", "PCAWhitener", "ZCAWhitener", "get_preprocessor", "preprocessor_state",
           "preprocessor_from_state", "PreprocessedModel", "PREPROCESSORS"]


class Preprocessor:
    name = "preprocessor"
    _arrays: tuple[str, ...] = ()

    def __init__(self):
        self.fitted = False

    def fit(self, X):
        raise NotImplementedError

    def transform(self, X):
        raise NotImplementedError

    def inverse_transform(self, X):
        raise NotImplementedError

    def fit_transform(self, X):
        return self.fit(X).transform(X)

    def __call__(self, X):
        return self.transform(X)

    def _check(self, X):
        if not self.fitted:
            raise ValueError(f"{type(self).__name__} must be fitted (fit on the training data) before use")
        if X.ndim < 2:
            raise ValueError(f"inputs need a batch axis, got shape {tuple(X.shape)}")
        n = int(np.prod(X.shape[1:]))
        if n != self.n_features:
            raise ValueError(f"{type(self).__name__} was fitted on {self.n_features} features, got {n}")

    @staticmethod
    def _flat64(X):
        X = np.asarray(to_host(X))
        return X.reshape(X.shape[0], -1).astype(np.float64)

    # -- saving ---------------------------------------------------------------------------
    def get_config(self) -> dict:
        return {"name": self.name}

    def get_arrays(self) -> dict:
        return {k: to_host(getattr(self, k)) for k in self._arrays}

    def set_arrays(self, arrays: dict) -> None:
        for k in self._arrays:
            if k not in arrays:
                raise ModelFileError(f"preprocessing {self.name!r}: missing array {k!r}")
            setattr(self, k, np.asarray(arrays[k]))
        self.n_features = int(self.mean.shape[0])
        self.fitted = True

    def __repr__(self):
        cfg = {k: v for k, v in self.get_config().items() if k != "name"}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in cfg.items())})"


class Standardizer(Preprocessor):
    """x' = (x − μ)/σ per feature, μ and σ from the training data."""

    name = "standardize"
    _arrays = ("mean", "std")

    def __init__(self, eps: float = 1e-8):
        super().__init__()
        self.eps = float(eps)
        if not self.eps > 0:
            raise ValueError(f"standardize eps must be > 0, got {eps}")

    def fit(self, X):
        X = self._flat64(X)
        if X.shape[0] < 2:
            raise ValueError("fitting a standardizer needs at least 2 examples")
        self.n_features = X.shape[1]
        self.mean = X.mean(axis=0).astype(np.float32)
        std = X.std(axis=0)
        self.std = np.where(std > self.eps, std, 1.0).astype(np.float32)  # constant features: centre only
        self.fitted = True
        return self

    def transform(self, X):
        self._check(X)
        xp = get_array_module(X)
        shape = X.shape
        Z = (X.reshape(shape[0], -1) - xp.asarray(self.mean)) / xp.asarray(self.std)
        return Z.astype(X.dtype if X.dtype.kind == "f" else np.float32, copy=False).reshape(shape)

    def inverse_transform(self, Z):
        self._check(Z)
        xp = get_array_module(Z)
        shape = Z.shape
        return (Z.reshape(shape[0], -1) * xp.asarray(self.std) + xp.asarray(self.mean)).reshape(shape)

    def get_config(self):
        return {"name": self.name, "eps": self.eps}


class _Whitener(Preprocessor):
    _arrays = ("mean", "W", "W_inv")

    def __init__(self, eps: float = 0.1, n_components: int | None = None):
        super().__init__()
        self.eps = float(eps)
        if not self.eps > 0:
            raise ValueError(f"{self.name} whitening eps must be > 0, got {eps}")
        if n_components is not None and int(n_components) < 1:
            raise ValueError(f"n_components must be >= 1, got {n_components}")
        self.n_components = None if n_components is None else int(n_components)

    def fit(self, X):
        X = self._flat64(X)
        n, d = X.shape
        if n < 2:
            raise ValueError("fitting a whitener needs at least 2 examples")
        mean = X.mean(axis=0)
        Xc = X - mean
        cov = Xc.T @ Xc / n                                   # Σ
        S, U = np.linalg.eigh(cov)                            # Σ = U S Uᵀ, S ascending
        S, U = S[::-1].clip(min=0), U[:, ::-1]                # largest variance first
        k = min(self.n_components or d, d)
        self.eigenvalues = S
        self.n_features = d
        self.mean = mean.astype(np.float32)
        self.W, self.W_inv = self._matrices(U[:, :k], S[:k])
        self.fitted = True
        return self

    def transform(self, X):
        self._check(X)
        xp = get_array_module(X)
        Xf = X.reshape(X.shape[0], -1)
        Z = xp.matmul(Xf - xp.asarray(self.mean), xp.asarray(self.W))
        Z = Z.astype(X.dtype if X.dtype.kind == "f" else np.float32, copy=False)
        return Z.reshape(X.shape) if Z.shape[1] == Xf.shape[1] else Z

    def inverse_transform(self, Z):
        if not self.fitted:
            raise ValueError(f"{type(self).__name__} must be fitted before use")
        xp = get_array_module(Z)
        Zf = Z.reshape(Z.shape[0], -1)
        return xp.matmul(Zf, xp.asarray(self.W_inv)) + xp.asarray(self.mean)

    def get_config(self):
        return {"name": self.name, "eps": self.eps, "n_components": self.n_components}


class PCAWhitener(_Whitener):
    """x' = (x − μ) U (S + ε)^(−½): decorrelated, unit-variance principal components."""

    name = "pca"

    def _matrices(self, U, S):
        scale = 1.0 / np.sqrt(S + self.eps)
        return (U * scale).astype(np.float32), ((U / scale).T).astype(np.float32)


class ZCAWhitener(_Whitener):
    """x' = (x − μ) U (S + ε)^(−½) Uᵀ: PCA whitening rotated back to pixel space."""

    name = "zca"

    def _matrices(self, U, S):
        scale = 1.0 / np.sqrt(S + self.eps)
        return ((U * scale) @ U.T).astype(np.float32), ((U / scale) @ U.T).astype(np.float32)


PREPROCESSORS = {"standardize": Standardizer, "pca": PCAWhitener, "zca": ZCAWhitener}
_ALIASES = {"standardise": "standardize", "standard": "standardize", "pca_whiten": "pca",
            "zca_whiten": "zca"}


def get_preprocessor(spec, **kwargs):
    """An unfitted transformer from 'standardize' | 'pca' | 'zca' (None for 'none'), a config
    dict, or an instance."""
    if spec is None or isinstance(spec, Preprocessor):
        return spec
    if isinstance(spec, dict):
        spec = dict(spec)
        return get_preprocessor(spec.pop("name"), **spec, **kwargs)
    key = str(spec).lower().replace("-", "_")
    key = _ALIASES.get(key, key)
    if key == "none":
        return None
    if key not in PREPROCESSORS:
        raise ConfigError(unknown_name("preprocessing", spec, ["none", *PREPROCESSORS]))
    return PREPROCESSORS[key](**kwargs)


# ------------------------------------------------------------------------------ model files

META_KEY = "preprocessing"
ARRAY_PREFIX = "preprocess/"


def preprocessor_state(pre) -> tuple[dict | None, dict]:
    """(config for the metadata, arrays for the file) of a fitted transformer."""
    if pre is None:
        return None, {}
    if not pre.fitted:
        raise ValueError("cannot save an unfitted preprocessor")
    return pre.get_config(), {ARRAY_PREFIX + k: v for k, v in pre.get_arrays().items()}


def preprocessor_from_state(config: dict | None, extra_arrays: dict):
    """Rebuild a fitted transformer from a model file's metadata config and extra arrays."""
    if not config:
        return None
    if not isinstance(config, (dict, str)):
        raise ModelFileError(f"model file's preprocessing must be a name or a JSON object, found {config!r:.40}")
    try:
        pre = get_preprocessor(config)
    except (ValueError, TypeError, AttributeError, KeyError) as e:
        raise ModelFileError(f"model file names an unknown preprocessing ({e})") from None
    try:  # the statistics come from the file: their shapes must fit together
        pre.set_arrays({k[len(ARRAY_PREFIX):]: v for k, v in extra_arrays.items() if k.startswith(ARRAY_PREFIX)})
        pre.transform(np.zeros((1, pre.n_features)))
    except ModelFileError:
        raise
    except (ValueError, TypeError, IndexError, AttributeError) as e:
        raise ModelFileError(f"model file holds damaged preprocessing statistics ({type(e).__name__}: {e})") from None
    return pre


class PreprocessedModel:
    """A model with its input transformer: ``predict``/``predict_proba``/``evaluate`` apply the
    transformer first; everything else is the model's."""

    def __init__(self, model, preprocessor=None):
        self.model, self.preprocessor = model, preprocessor

    def _prep(self, X):
        if self.preprocessor is None:
            return X
        X = np.asarray(to_host(X))
        if X.ndim == 1:
            X = X[None]
        return self.preprocessor.transform(X.astype(np.float32, copy=False))

    def predict(self, X, **kw):
        return self.model.predict(self._prep(X), **kw)

    def predict_proba(self, X, **kw):
        return self.model.predict_proba(self._prep(X), **kw)

    def evaluate(self, X, y, **kw):
        return self.model.evaluate(self._prep(X), y, **kw)

    def __getattr__(self, name):
        if name in ("model", "preprocessor"):   # not yet set (e.g. during copying): no recursion
            raise AttributeError(name)
        return getattr(self.model, name)
