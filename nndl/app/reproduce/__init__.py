"""The book's experiments as named recipes: ``nndl reproduce`` and, from Python,

    from nndl.app.reproduce import RECIPES, run_recipe, Context
    outcome = run_recipe(RECIPES["ch1-30"], Context(root="runs"))
    outcome.value          # accuracy in percent, beside RECIPES["ch1-30"].book_value

Recipes live in one module per chapter, registered through :mod:`nndl.app.reproduce.registry`.
"""
from .registry import RECIPES, Context, Outcome, Recipe, register, select
from .runner import estimate_training, recipe_config, run_recipe, train_recipe
from . import chapter1, chapter3, chapter5, chapter6  # noqa: F401  (each registers its chapter's recipes)

__all__ = ["RECIPES", "Recipe", "Outcome", "Context", "register", "select", "run_recipe", "train_recipe",
           "recipe_config", "estimate_training"]
