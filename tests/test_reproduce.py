"""The recipe registry of ``nndl reproduce``."""
from __future__ import annotations

import json

import pytest

from cli_util import assert_usage_error, nndl
from nndl.errors import ConfigError
from nndl.app.reproduce import RECIPES, Context, Recipe, recipe_config, register, run_recipe, select


def test_chapter_1_and_3_rows_are_registered_with_the_books_figures():
    book = {"ch1-darkness": 22.25, "ch1-svm": 94.35, "ch1-30": 95.42, "ch1-100": 96.59, "ch3-ce-30": 95.49,
            "ch3-ce-100": 96.82, "ch3-overfit": 82.27, "ch3-overfit-l2": 87.1, "ch3-l2-30": 96.49,
            "ch3-l2-100": 97.92, "ch3-init-large": 96.0, "ch3-init-new": 96.0}
    for name, value in book.items():
        assert RECIPES[name].book_value == value
    assert RECIPES["ch3-l2-100"].book_split == "validation"
    for r in RECIPES.values():  # every training recipe is a valid config
        if r.run is None:
            recipe_config(r).validate()
    assert recipe_config(RECIPES["ch3-overfit"]).subset == 1000
    assert recipe_config(RECIPES["ch3-overfit"], seed=9).seed == 9


def test_select():
    assert {r.chapter for r in select(["ch1"])} == {1}
    assert [r.name for r in select(["ch1-30", "ch1-30"])] == ["ch1-30"]
    assert len(select([])) == len(RECIPES)
    with pytest.raises(ConfigError, match="did you mean 'ch1-30'"):
        select(["ch1-3O"])


def test_register_and_run_a_custom_recipe(tmp_path):
    from nndl.app.reproduce.registry import Outcome

    r = Recipe("test-const", 99, "a constant", 50.0, run=lambda recipe, ctx: Outcome(50.5, ctx.root, 0.0))
    register(r)
    try:
        with pytest.raises(ValueError, match="already registered"):
            register(r)
        assert run_recipe(r, Context(root=tmp_path)).value == 50.5
    finally:
        del RECIPES["test-const"]


def test_training_recipe_end_to_end(tmp_path, mnist):
    r = Recipe("tiny", 3, "tiny", 80.0, settings=dict(sizes=[784, 10, 10], subset=500, epochs=2, seed=0))
    o = run_recipe(r, Context(root=tmp_path))
    # seeded and deterministic (one BLAS thread for a net this small): pinned, measured here
    assert o.value == pytest.approx(59.43, abs=1e-9) and (o.run_dir / "model.npz").is_file()
    assert o.details["epochs_run"] == 2


def test_cli_reproduce_prints_book_beside_measured(tmp_path, mnist):
    r = nndl("reproduce", "ch1-darkness", "--out", tmp_path, "--markdown", tmp_path / "t.md", check=0)
    assert "book 22.25%" in r.stdout and "nndl 22.25%" in r.stdout
    assert "| `ch1-darkness` |" in (tmp_path / "t.md").read_text()
    (folder,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert json.loads((folder / "result.json").read_text())["correct"] == 2225
    r = nndl("reproduce", "--list", "ch1-darkness", "ch3-overfit", check=0)
    assert "82.27%" in r.stdout and "estimate" in r.stdout
    assert_usage_error(nndl("reproduce", "ch9-nothing"), "unknown experiment")
