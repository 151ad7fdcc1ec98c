"""Resuming is not restarting: after a checkpoint only the remaining epochs run, from the
saved optimiser state (momentum velocities, Adam moments and step count) and the saved RNG
state (the next shuffle and dropout mask). With a seed, restarting from epoch 0 can end on
the same weights as resuming, so these tests look at what ran and what was restored."""
import numpy as np
import pytest

import nndl
from nndl.backend import rng_state
from nndl.train import Callback
from nndl.io import load_checkpoint, restore_training, save_checkpoint


class Steps(Callback):
    """Counts the epochs begun and the mini-batch steps taken."""

    def __init__(self):
        self.epochs, self.steps = [], 0

    def on_epoch_begin(self, epoch):
        self.epochs.append(epoch)

    def on_batch_end(self, batch, loss):
        self.steps += 1


def _data(n=48, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6))
    return X, (X[:, 0] - X[:, 2] > 0).astype(int)


def _model(optimizer):
    model = nndl.Sequential([nndl.Dense(8, "relu", input_dim=6), nndl.Dropout(0.3), nndl.Dense(2, "softmax")],
                            cost="log_likelihood", seed=11, dtype="float64")
    return model.compile(optimizer, regularizer="l2", lmbda=0.1)


@pytest.mark.parametrize("make_opt", [lambda: nndl.SGD(lr=0.3, momentum=0.9), lambda: nndl.Adam(lr=0.01)],
                         ids=["momentum", "adam"])
def test_resume_runs_only_the_remaining_epochs_from_the_saved_state(tmp_path, make_opt):
    X, y = _data()
    full = _model(make_opt())
    full.fit(X, y, epochs=5, batch_size=8)

    part = _model(make_opt())
    part.fit(X, y, epochs=2, batch_size=8, callbacks=[nndl.Checkpoint(tmp_path / "ck.npz")])
    ck = load_checkpoint(tmp_path / "ck.npz")
    resumed = ck["model"]
    # the optimiser state and RNG state are those at the end of epoch 2, not fresh ones
    opt_part, opt_ck = part.optimizer.state_dict(), resumed.optimizer.state_dict()
    assert opt_ck[1], "optimiser state (velocities / moments) was not saved"
    assert opt_part[0] == opt_ck[0]
    for k, v in opt_part[1].items():
        assert np.array_equal(v, opt_ck[1][k]), k
    assert rng_state(resumed.rng) == rng_state(part.rng)
    assert rng_state(resumed.rng) != rng_state(_model(make_opt()).rng)

    steps = Steps()
    h = resumed.fit(X, y, epochs=5, batch_size=8, callbacks=[steps], initial_epoch=ck["epoch"],
                    history=ck["history"])
    assert steps.epochs == [2, 3, 4]                  # only the remaining epochs ran ...
    assert steps.steps == 3 * 6                       # ... with 6 mini-batches each
    assert h["epoch"] == [1, 2, 3, 4, 5] and len(h) == 5
    for k, v in full.get_weights().items():
        assert np.array_equal(v, resumed.get_weights()[k]), k


def test_a_changed_rng_state_in_the_checkpoint_changes_the_result(tmp_path):
    """The RNG state really is used on resume: a checkpoint whose RNG state differs (here
    advanced by one draw) continues with other shuffles and masks, hence other weights."""
    X, y = _data()
    part = _model(nndl.SGD(lr=0.3, momentum=0.9))
    part.fit(X, y, epochs=2, batch_size=8)
    save_checkpoint(tmp_path / "a.npz", part, 2)
    part.rng.random()
    save_checkpoint(tmp_path / "b.npz", part, 2)
    a, b = load_checkpoint(tmp_path / "a.npz"), load_checkpoint(tmp_path / "b.npz")
    assert rng_state(a["model"].rng) != rng_state(b["model"].rng)
    for ck in (a, b):
        ck["model"].fit(X, y, epochs=3, batch_size=8, initial_epoch=2)
    wa, wb = a["model"].get_weights(), b["model"].get_weights()
    assert any(not np.array_equal(wa[k], wb[k]) for k in wa)


def test_resumed_callback_state_continues(tmp_path):
    """Early stopping's counter survives the checkpoint: a resumed run stops where the
    uninterrupted one stopped."""
    X, y = _data()
    Xv, yv = _data(20, seed=4)

    def cbs():
        return [nndl.EarlyStopping(monitor="val_accuracy", patience=2), nndl.Checkpoint(tmp_path / "ck.npz")]

    full = _model(nndl.SGD(lr=0.3))
    hf = full.fit(X, y, epochs=12, batch_size=8, validation_data=(Xv, yv), callbacks=cbs())
    part = _model(nndl.SGD(lr=0.3))
    part.fit(X, y, epochs=3, batch_size=8, validation_data=(Xv, yv), callbacks=cbs())
    ck = load_checkpoint(tmp_path / "ck.npz")
    c = cbs()
    restore_training(ck, c)
    hr = ck["model"].fit(X, y, epochs=12, batch_size=8, validation_data=(Xv, yv), callbacks=c,
                         initial_epoch=ck["epoch"], history=ck["history"])
    assert hr["epoch"] == hf["epoch"] and hr["val_accuracy"] == hf["val_accuracy"]
