"""Files saved by earlier versions of nndl still load and compute the same outputs.

The fixtures in tests/fixtures/ were written by tests/fixtures/make_fixtures.py with the code
of commit a26b4c6 (before the application layer moved into nndl/app)."""
import json
from pathlib import Path

import numpy as np
import pytest

import nndl
from nndl.io import load_checkpoint, load_model, restore_training

FIX = Path(__file__).parent / "fixtures"
EXPECTED = json.loads((FIX / "expected_v1.json").read_text())
PROBE = np.asarray(EXPECTED["probe"], dtype=np.float32)


def test_model_file_v1_loads_with_same_outputs():
    model, meta, _ = load_model(FIX / "model_v1.npz", with_metadata=True)
    assert meta["note"] == "fixture"
    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "BatchNorm", "PReLU", "Dropout", "Dense"]
    np.testing.assert_allclose(model.predict_proba(PROBE), EXPECTED["proba"], rtol=1e-6, atol=1e-7)


def test_model_file_with_preprocessing_v1_applies_it():
    from nndl.io import load_predictor

    model, meta = load_predictor(FIX / "model_preprocessed_v1.npz")
    assert meta["preprocessing"]["name"] == "standardize"
    np.testing.assert_allclose(model.predict_proba(PROBE), EXPECTED["proba_preprocessed"], rtol=1e-6, atol=1e-7)


def test_checkpoint_v1_resumes():
    ckpt = load_checkpoint(FIX / "checkpoint_v1.npz")
    assert ckpt["epoch"] == 2 and len(ckpt["history"]) == 2 and ckpt["metadata"]["note"] == "fixture"
    model = ckpt["model"]
    assert model.optimizer.name == "adam" and model.regularizer.get_config()["lmbda"] == 0.1
    np.testing.assert_allclose(model.predict_proba(PROBE), EXPECTED["proba"], rtol=1e-6, atol=1e-7)
    stop, halve = nndl.EarlyStopping(patience=5), nndl.HalveOnPlateau(patience=3)
    restore_training(ckpt, [stop, halve])
    assert stop.best == ckpt["callbacks"][0]["best"] == pytest.approx(0.18333333333333332)
    rng = np.random.default_rng(0)
    X, y = rng.random((60, 16), dtype=np.float32), rng.integers(0, 4, 60)
    h = model.fit(X, y, epochs=3, batch_size=10, validation_data=(X, y), callbacks=[stop, halve],
                  initial_epoch=ckpt["epoch"], history=ckpt["history"], monitor_training=False)
    assert h["epoch"] == [1, 2, 3]
