"""Every name in a registry works everywhere names are used — so adding an activation, a cost,
an optimiser or an activation layer (CONTRIBUTING.md) is tested without writing a test: the
gradient check, a model-file round trip, the run settings and the CLI's help."""
import numpy as np
import pytest

import nndl
from nndl.app.build import build_model, resolve
from nndl.app.settings import RunConfig, choices
from nndl.cli.main import build_parser
from nndl.core import ACTIVATIONS, COSTS
from nndl.layers import ACTIVATION_LAYERS
from nndl.optim import OPTIMIZERS

RNG = np.random.default_rng(0)
X = RNG.normal(size=(7, 5))
Y = np.array([0, 1, 2, 0, 1, 2, 1])


@pytest.mark.parametrize("cost", sorted(COSTS))
def test_every_cost_backpropagates_correctly(cost):
    for out in ("sigmoid", "softmax"):
        model = nndl.Sequential([nndl.Dense(4, "tanh", input_dim=5), nndl.Dense(3, out)], cost=cost,
                                dtype="float64", seed=2)
        assert nndl.gradcheck(model, X, Y).max_error < 1e-6, (cost, out)


@pytest.mark.parametrize("name", sorted(ACTIVATION_LAYERS))
def test_every_activation_layer_backpropagates_and_round_trips(name, tmp_path):
    model = nndl.Sequential(nndl.build_mlp([5, 6, 3], activation=name, output_activation="softmax"),
                            cost="log_likelihood", dtype="float64", seed=1)
    assert nndl.gradcheck(model, X, Y).max_error < 1e-6
    nndl.save_model(model, tmp_path / "m.npz")
    np.testing.assert_array_equal(nndl.load_model(tmp_path / "m.npz").predict_proba(X), model.predict_proba(X))


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_trains_from_the_settings(name):
    cfg = resolve(RunConfig(optimizer=name, eta=0.05, lmbda=0.0, dtype="float64"), 5, 3).validate()
    model = build_model(cfg)
    before = model.evaluate(X, Y)["cost"]
    model.fit(X, Y, epochs=20, batch_size=7, monitor_training=False)
    assert model.evaluate(X, Y)["cost"] < before


def test_the_settings_and_the_cli_offer_every_registered_name():
    assert set(ACTIVATIONS) | set(ACTIVATION_LAYERS) == set(choices("activation"))
    assert set(COSTS) == set(choices("cost")) and set(OPTIMIZERS) == set(choices("optimizer"))
    train = build_parser()._subparsers._group_actions[0].choices["train"].format_help()
    for name in (*ACTIVATIONS, *ACTIVATION_LAYERS, *COSTS, *OPTIMIZERS):
        assert name in train, name
