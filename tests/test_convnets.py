"""Chapter 6 on the engine (nndl.app.convnets): the architectures, network3's initialisation and
training rules, and the reproduce rows that use them."""
import numpy as np
import pytest

import nndl
from nndl.app.convnets import ARCHITECTURES, chapter6_model, train_chapter6
from nndl.app.reproduce import RECIPES, Context, Recipe, run_recipe
from nndl.app.reproduce.chapter6 import run_ensemble, run_network3


def test_chapter6_recipes_registered():
    rows = {r.name: r for r in RECIPES.values() if r.chapter == 6}
    assert {"ch6-fc100", "ch6-conv1", "ch6-conv2", "ch6-relu", "ch6-expanded", "ch6-extra-fc",
            "ch6-dropout", "ch6-ensemble"} <= set(rows)
    assert rows["ch6-relu"].book_value == 99.23 and rows["ch6-ensemble"].book_value == 99.67
    assert all(r.estimate() > 0 for r in rows.values())


def test_chapter6_architectures_build_with_network3s_initialisation():
    for arch in ARCHITECTURES:
        model = chapter6_model(arch, seed=0)
        assert model.output_shape == (10,) and model.cost.name == "log_likelihood"
        assert not model.layers[-1].W.value.any() and not model.layers[-1].b.value.any()  # softmax starts at 0
    m = chapter6_model("conv2-relu", seed=3)
    conv = m.layers[0]
    # W ~ N(0, 1/n_out) with n_out = 20 maps · 25 / 4 (pool area): std ≈ 0.089; biases N(0, 1)
    assert conv.W.value.std() == pytest.approx(np.sqrt(4 / 500), rel=0.15)
    assert 0.5 < m.layers[3].b.value.std() < 1.5  # the second conv layer's 40 biases
    drops = [layer for layer in chapter6_model("dropout", 0).layers if isinstance(layer, nndl.Dropout)]
    assert [d.scale for d in drops] == ["book"] * 3   # network3's dropout: no rescaling in training
    w1, w2 = chapter6_model("fc100", 7).get_weights(), chapter6_model("fc100", 7).get_weights()
    assert all(np.array_equal(w1[k], w2[k]) for k in w1)
    with pytest.raises(nndl.ConfigError, match="did you mean 'fc100'"):
        chapter6_model("fc10")


def test_train_chapter6_reports_test_accuracy_at_best_validation(mnist):
    model = chapter6_model("fc100", seed=0)
    best = train_chapter6(model, mnist, epochs=2, eta=0.1, lmbda=0.1, subset=1005)
    assert model.regularizer.lmbda == pytest.approx(1.0)   # the book's λ · mini-batch size
    assert 1 <= best.best_epoch <= 2 and 0.5 < best.best_validation <= 1
    assert 0.5 < best.test_accuracy <= 1


def test_chapter6_runners_end_to_end(mnist, tmp_path):
    """The custom runners of the ch6 rows (single network and ensemble), on a 1-epoch FC100."""
    single = Recipe("t-fc100", 6, "test", 97.8, settings=dict(arch="fc100", epochs=1, eta=0.1), run=run_network3)
    o = run_recipe(single, Context(root=tmp_path))
    assert 85 < o.value <= 100 and (o.run_dir / "model.npz").is_file() and (o.run_dir / "history.json").is_file()
    ens = Recipe("t-ens", 6, "test", 97.8, settings=dict(arch="fc100", epochs=1, eta=0.1, k=2), run=run_ensemble)
    o = run_recipe(ens, Context(root=tmp_path))
    assert 85 < o.value <= 100 and len(o.details["members"]) == 2
    assert (o.run_dir / "ensemble" / "ensemble.json").is_file()
