"""The book's experiments as named recipes: ``nndl reproduce`` and, from Python,

    from nndl.reproduce import RECIPES, run_recipe, Context
    outcome = run_recipe(RECIPES["ch1-30"], Context(root="runs"))
    outcome.value          # accuracy in percent, beside RECIPES["ch1-30"].book_value

Recipes live in one module per chapter, registered through :mod:`nndl.reproduce.registry`.
"""
from .registry import RECIPES, Context, Outcome, Recipe, register, select
from .runner import estimate_training, recipe_config, run_recipe, train_recipe
from . import chapter1, chapter3, chapter5  # noqa: E402,F401  (registers the recipes)

import importlib.util as _util  # noqa: E402

if _util.find_spec(f"{__name__}.chapter6") is not None:  # chapter 6 arrives with the conv-net work
    from . import chapter6  # noqa: F401

__all__ = ["RECIPES", "Recipe", "Outcome", "Context", "register", "select", "run_recipe", "train_recipe",
           "recipe_config", "estimate_training"]
