"""The registry of the book's experiments ("recipes") that ``nndl reproduce`` runs.

A :class:`Recipe` names one row of the book's results (see BOOK_RESULTS.md): the book's
figure, which split it was measured on, and how to reproduce it. Most recipes are just
training settings (a dict of :class:`~nndl.app.settings.RunConfig` fields) — the default runner
trains with them, measuring ``book_split`` after every epoch as the book did, and reports
the peak (``metric="peak"``) or the last epoch's (``metric="final"``) accuracy. A recipe
that is not a plain training run gives its own ``run`` callable.

To add recipes, write a module that calls :func:`register` and import it in
``nndl/app/reproduce/__init__.py``::

    from nndl.app.reproduce.registry import Recipe, register

    register(Recipe(name="ch6-fc100", chapter=6, book_value=97.80, book_split="test",
                    description="FC100 sigmoid + softmax, 60 epochs, eta=0.1",
                    settings=dict(sizes=[784, 100, 10], cost="log_likelihood", eta=0.1, epochs=60,
                                  lmbda=0.0)))

A custom ``run(recipe, ctx) -> Outcome`` gets a :class:`Context` (where to write, data
folder, extra callbacks) and returns the measured accuracy in percent.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ...errors import ConfigError, unknown_name


@dataclass
class Outcome:
    """What a recipe measured: accuracy in percent, its run folder, seconds taken."""

    value: float
    run_dir: Path | None = None
    seconds: float = 0.0
    details: dict = field(default_factory=dict)


@dataclass
class Context:
    root: Path = Path("runs")        # run folders go under here
    data_dir: str | None = None      # MNIST folder (None: $NNDL_DATA_DIR / cache)
    callbacks: tuple = ()            # extra training callbacks (progress printing)
    stamp: str = ""                  # prefix shared by the run folders of one invocation
    seed: int | None = None          # overrides the recipes' seeds (None: each recipe's own)


@dataclass
class Recipe:
    name: str                        # e.g. "ch1-30": what users type
    chapter: int
    description: str                 # one line: network and settings
    book_value: float                # the book's accuracy, percent
    book_split: str = "test"         # "test", "validation" (or "training"): where the book measured it
    settings: dict = field(default_factory=dict)  # RunConfig fields for the default runner
    metric: str = "peak"             # "peak" (best epoch) or "final" (last epoch)
    run: Callable | None = None      # custom runner run(recipe, ctx) -> Outcome
    estimate_seconds: float | Callable | None = None  # seconds on this machine (callable: computed)
    book_note: str = ""              # how the book reports it, e.g. "peak epoch", "≈"
    tolerance: float = 0.5           # points within which a reproduction counts as matching
    unit: str = "%"                  # "%" (accuracy); "" for other measures (chapter 5's speeds)
    factor: float | None = None      # set: matching means within this factor of the book (ratio)

    def show(self, value: float) -> str:
        return f"{value:.2f}%" if self.unit == "%" else f"{value:.3g}{self.unit}"

    def difference(self, value: float) -> str:
        return f"{value - self.book_value:+.2f}" if self.factor is None else f"×{value / self.book_value:.2f}"

    def matches(self, value: float) -> bool:
        if self.factor is None:
            return abs(value - self.book_value) <= self.tolerance
        return self.book_value / self.factor <= value <= self.book_value * self.factor

    def estimate(self) -> float | None:
        e = self.estimate_seconds
        if callable(e):
            return float(e(self))
        return None if e is None else float(e)


RECIPES: dict[str, Recipe] = {}


def register(recipe: Recipe) -> Recipe:
    """Add a recipe (names are unique)."""
    if recipe.name in RECIPES:
        raise ValueError(f"recipe {recipe.name!r} is already registered")
    if recipe.book_split not in ("test", "validation", "training"):
        raise ValueError(f"book_split must be 'test', 'validation' or 'training', got {recipe.book_split!r}")
    if recipe.metric not in ("peak", "final"):
        raise ValueError(f"metric must be 'peak' or 'final', got {recipe.metric!r}")
    RECIPES[recipe.name] = recipe
    return recipe


def select(names) -> list[Recipe]:
    """Recipes by name; 'all', or a chapter as 'ch1' / 'ch3', selects several."""
    if not names:
        return list(RECIPES.values())
    out = []
    for name in names:
        key = name.lower()
        if key == "all":
            picked = list(RECIPES.values())
        elif key in RECIPES:
            picked = [RECIPES[key]]
        elif key.startswith("ch") and key[2:].isdigit():
            picked = [r for r in RECIPES.values() if r.chapter == int(key[2:])]
            if not picked:
                raise ConfigError(f"no recipes for chapter {key[2:]} (yet)")
        else:
            raise ConfigError(unknown_name("experiment", name, RECIPES) + "; see 'nndl reproduce --list'")
        out += [r for r in picked if r not in out]
    return out
