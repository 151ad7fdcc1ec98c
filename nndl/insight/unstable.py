"""Chapter 5: the vanishing and exploding gradient problem, measured.

The book's experiment: the first 1,000 MNIST training images, its ``network2`` defaults
(sigmoid, cross-entropy, weights N(0, 1/n_in), biases N(0, 1)), full-batch gradient descent
with η = 0.1 and λ = 5.0 (L2) for 500 epochs, on [784,30,30,10], [784,30,30,30,10] and
[784,30,30,30,30,10]. The speed of hidden layer l is ‖∂C/∂bˡ‖
(:func:`nndl.train.diagnostics.layer_stats`). Beside it, the cures the lectures give: ReLU
units, batch norm, He initialisation (``VARIANTS``).

Why the early layers are slow (BP2 unrolled): in a chain of one neuron per layer,

    ∂C/∂b¹ = σ′(z¹) · w² σ′(z²) · w³ σ′(z³) · … · wᴸ σ′(zᴸ) · ∂C/∂aᴸ,

and |w σ′(z)| < ¼ for |w| < 1, so each layer further back is slower. Make every factor 25
instead (w = 100, biases making z = 0) and the gradient *explodes* 25× per layer:
:func:`exploding_chain`. The band of inputs where |wσ′(wa + b)| ≥ 1 is narrow at best:
:func:`band_width` (the chapter's problem) — widest, ≈ 0.45, at |w| ≈ 6.9.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..layers import Activation, BatchNorm, Dense
from ..model import Sequential
from ..optim import SGD
from ..train.diagnostics import Diagnostics, layer_stats

NETS = {2: [784, 30, 30, 10], 3: [784, 30, 30, 30, 10], 4: [784, 30, 30, 30, 30, 10]}
BOOK_SPEEDS = {2: (0.07, 0.31), 3: (0.012, 0.060, 0.283), 4: (0.003, 0.017, 0.070, 0.285)}
VARIANTS = {"sigmoid": "sigmoid, N(0,1/n_in) weights (the book)",
            "relu": "ReLU, N(0,1/n_in) weights",
            "batchnorm": "sigmoid + batch norm",
            "he": "ReLU, He init N(0,2/n_in)"}
ETA, LMBDA, EPOCHS, N_IMAGES = 0.1, 5.0, 500, 1000


def first_images(n: int = N_IMAGES, data_dir=None):
    """The book's training set's first n images (pixels uint8/256, as mnist.pkl.gz)."""
    from ..data import first_n, load_mnist

    return first_n(load_mnist(data_dir, scale="book").train, n)


def build_network(sizes, variant: str = "sigmoid", seed: int = 0, eta: float = ETA, lmbda: float = LMBDA,
                  clip_norm: float | None = None, dtype="float32") -> Sequential:
    """The chapter's network in one of ``VARIANTS``; sigmoid output, cross-entropy, SGD, L2."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}: choose one of {', '.join(VARIANTS)}")
    act = "relu" if variant in ("relu", "he") else "sigmoid"
    init = "he" if variant == "he" else "default"
    layers = []
    for i, units in enumerate(sizes[1:-1]):
        kw = {"input_dim": sizes[0]} if i == 0 else {}
        if variant == "batchnorm":   # Dense(linear) → BN → σ: β plays the bias
            layers += [Dense(units, "linear", init=init, **kw), BatchNorm(), Activation(act)]
        else:
            layers.append(Dense(units, act, init=init, **kw))
    layers.append(Dense(sizes[-1], "sigmoid", init=init))
    model = Sequential(layers, cost="cross_entropy", seed=seed, dtype=dtype)
    return model.compile(SGD(lr=eta, clip_norm=clip_norm), regularizer="l2" if lmbda else None, lmbda=lmbda)


def initial_speeds(sizes, X, y, variant: str = "sigmoid", seeds=range(5)) -> np.ndarray:
    """Speeds at initialisation, one row per seed, one column per hidden layer."""
    return np.array([layer_stats(build_network(sizes, variant, s), X, y)["speed"] for s in seeds])


@dataclass
class SpeedCurves:
    """Per-layer diagnostics over training: ``epochs[k]`` and ``speeds[k, l]`` (epoch 0 = init)."""

    sizes: list
    variant: str
    seed: int
    epochs: np.ndarray
    speeds: np.ndarray
    records: list = field(repr=False, default_factory=list)
    history: dict = field(repr=False, default_factory=dict)
    diagnostics: object = field(repr=False, default=None)   # the Diagnostics callback

    @property
    def final_accuracy(self):
        acc = self.history.get("accuracy")
        return acc[-1] if acc else None


def speed_curves(sizes, X, y, variant: str = "sigmoid", epochs: int = EPOCHS, seed: int = 0,
                 every: int = 1, callbacks=()) -> SpeedCurves:
    """Train with full-batch gradient descent (one mini-batch of all of X, through ``fit``)
    and record the speeds every ``every`` epochs."""
    model = build_network(sizes, variant, seed)
    diag = Diagnostics(X, y, every=every, batch_size=len(X))
    history = model.fit(X, y, epochs=epochs, batch_size=len(X), shuffle=False,
                        callbacks=[diag, *callbacks])
    return SpeedCurves(list(sizes), variant, seed, np.array([r["epoch"] for r in diag.records]),
                       np.array([r["speed"] for r in diag.records], dtype=float), diag.records,
                       history.to_dict(), diag)


# ------------------------------------------------------------------ exploding gradients


def exploding_chain(depth: int = 5, w: float = 100.0, x: float = 1.0, cost: str = "quadratic",
                    lr: float = 0.1, clip_norm: float | None = None) -> Sequential:
    """The book's construction: a chain of one sigmoid neuron per layer, every weight w, the
    biases chosen so every z = 0: b¹ = −w·x, bˡ = −w·σ(0) = −w/2. Then σ′(z) = ¼ and
    wσ′(z) = w/4 (25 for w = 100) at every layer, so ∂C/∂bˡ = (w/4)·∂C/∂bˡ⁺¹. float64."""
    layers = [Dense(1, "sigmoid", input_dim=1)] + [Dense(1, "sigmoid") for _ in range(depth - 1)]
    model = Sequential(layers, cost=cost, dtype="float64", seed=0)
    weights = {}
    for i in range(depth):
        weights[f"{i}.W"] = np.array([[w]])
        weights[f"{i}.b"] = np.array([-w * x if i == 0 else -w / 2])
    model.set_weights(weights)
    return model.compile(SGD(lr=lr, clip_norm=clip_norm))


def chain_gradients(model, x: float = 1.0, y: float = 0.75) -> np.ndarray:
    """|∂C/∂bˡ| for every layer of a chain (output included), first to last."""
    return np.array(layer_stats(model, np.array([[x]]), np.array([[y]]), include_output=True)["speed"])


def clipping_demo(depth: int = 5, epochs: int = 50, clip_norm: float = 3e-6, lr: float = 0.1,
                  x: float = 1.0, y: float = 0.75) -> dict:
    """Train the exploding chain on one example (x → y) with and without clipping by norm.

    Without clipping the first step moves b¹ by η·|∂C/∂b¹| (thousands): every layer saturates,
    the gradient collapses to ~0 and the cost stays where it was. Clipped, each step moves the
    parameters by at most η·K and the cost falls. Returns, per case, the cost per epoch, the
    global gradient norm before each step (the optimiser's ``grad_norm`` when clipping; the
    diagnostics' ‖∂C/∂θ‖ otherwise) and the saturated fraction of the first layer."""
    out = {}
    X, Y = np.array([[x]]), np.array([[y]])
    for name, clip in (("unclipped", None), ("clipped", clip_norm)):
        model = exploding_chain(depth, lr=lr, clip_norm=clip, x=x)
        diag = Diagnostics(X, Y, every=1, batch_size=1)
        h = model.fit(X, Y, epochs=epochs, batch_size=1, shuffle=False, callbacks=[diag],
                      stop_on_divergence=False)
        grad = [r["grad_norm"] for r in diag.records[:-1]]     # before each step
        out[name] = {"cost": list(h["cost"]), "grad_norm": list(h["grad_norm"]) if "grad_norm" in h else grad,
                     "saturated_first": [r["saturated"][0] for r in diag.records], "clip_norm": clip}
    return out


# ------------------------------------------------------------------ the chapter's problem


def band_width_closed(w) -> np.ndarray:
    """Width of {a : |w σ′(wa + b)| ≥ 1}: (2/|w|) ln(|w|(1 + √(1 − 4/|w|))/2 − 1), 0 for |w| < 4.

    From σ′ = s(1 − s) ≥ 1/|w| ⇔ s ∈ [(1 − r)/2, (1 + r)/2], r = √(1 − 4/|w|); z = ln(s/(1 − s))
    spans 2 ln((1 + r)/(1 − r)) = 2 ln(|w|(1 + r)/2 − 1), and a = (z − b)/w."""
    w = np.abs(np.asarray(w, dtype=float))
    r = np.sqrt(np.clip(1.0 - 4.0 / np.maximum(w, 4.0), 0.0, None))
    return np.where(w >= 4.0, 2.0 / np.maximum(w, 4.0) * np.log(np.maximum(w, 4.0) * (1 + r) / 2 - 1), 0.0)


def band_width_numeric(w: float, b: float = 0.0) -> float:
    """The same width found without the formula: the two roots of |w|σ′(wa + b) = 1 around the
    peak at a = −b/w, by bracketing and bisection (scipy's brentq)."""
    from scipy.optimize import brentq
    from scipy.special import expit

    w = float(w)
    if abs(w) < 4.0:
        return 0.0

    def g(a):
        s = expit(w * a + b)
        return abs(w) * s * (1 - s) - 1.0

    peak = -b / w
    reach = 60.0 / abs(w)          # σ′ < e⁻⁵⁹ beyond: certainly below 1/|w|
    if g(peak) < 0:                # |w| = 4 exactly: a single point
        return 0.0
    lo = brentq(g, peak - reach, peak, xtol=1e-14)
    hi = brentq(g, peak, peak + reach, xtol=1e-14)
    return hi - lo


def widest_band(width_fn=band_width_numeric, bounds=(4.0, 40.0)) -> tuple[float, float]:
    """(|w|, width) where the band is widest, by bounded scalar maximisation."""
    from scipy.optimize import minimize_scalar

    res = minimize_scalar(lambda w: -float(width_fn(w)), bounds=bounds, method="bounded",
                          options={"xatol": 1e-9})
    return float(res.x), float(-res.fun)


__all__ = [
    "BOOK_SPEEDS",
    "NETS",
    "VARIANTS",
    "SpeedCurves",
    "band_width_closed",
    "band_width_numeric",
    "build_network",
    "chain_gradients",
    "clipping_demo",
    "exploding_chain",
    "first_images",
    "initial_speeds",
    "speed_curves",
    "widest_band",
]
