import numpy as np
import pytest

import nndl
from nndl.data.preprocess import PCAWhitener, Standardizer, ZCAWhitener, get_preprocessor
from nndl.io import load_predictor, save_model
from nndl.viz import plot_whitening


def correlated(n=500, d=6, seed=0):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(d, d))
    return (rng.normal(size=(n, d)) @ A + rng.normal(size=d) * 3).astype(np.float32)


def test_standardizer_fits_training_data_only():
    X = correlated()
    X[:, 2] = 4.0                                   # a constant feature: only centred
    pre = Standardizer().fit(X)
    Z = pre.transform(X)
    np.testing.assert_allclose(Z.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(np.delete(Z.std(0), 2), 1, rtol=1e-4)
    assert np.all(Z[:, 2] == 0)
    Xv = correlated(seed=1)
    np.testing.assert_allclose(pre.transform(Xv), (Xv - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1),
                               rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(pre.inverse_transform(pre.transform(Xv)), Xv, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("cls", [PCAWhitener, ZCAWhitener])
def test_whitening_gives_identity_covariance(cls):
    X = correlated(n=2000)
    pre = cls(eps=1e-6).fit(X)
    Z = pre.transform(X).astype(np.float64)
    np.testing.assert_allclose(np.cov(Z.T, bias=True), np.eye(6), atol=1e-3)
    np.testing.assert_allclose(pre.inverse_transform(pre.transform(X)), X, rtol=1e-3, atol=1e-3)


def test_zca_stays_close_to_the_input_pca_rotates():
    X = correlated(n=2000)
    zca, pca = ZCAWhitener(eps=1e-6).fit(X), PCAWhitener(eps=1e-6).fit(X)
    # ZCA = PCA rotated back by Uᵀ: same whiteness, and its matrix is symmetric
    np.testing.assert_allclose(zca.W, zca.W.T, atol=1e-4)
    # ZCA is the whitening closest to the centred input (Kessy et al. 2018): it still looks like it
    Xc = X - X.mean(0)
    assert ((zca.transform(X) - Xc) ** 2).sum() < ((pca.transform(X) - Xc) ** 2).sum()


def test_pca_components_and_errors():
    X = correlated()
    assert PCAWhitener(n_components=3).fit(X).transform(X).shape == (500, 3)
    with pytest.raises(ValueError, match="fitted"):
        ZCAWhitener().transform(X)
    with pytest.raises(ValueError, match="eps"):
        ZCAWhitener(eps=0)
    with pytest.raises(ValueError, match="unknown preprocessing"):
        get_preprocessor("sphere")
    assert get_preprocessor("none") is None and isinstance(get_preprocessor("zca"), ZCAWhitener)


@pytest.mark.parametrize("name", ["standardize", "pca", "zca"])
def test_saved_in_the_model_file_and_applied_by_predict(tmp_path, name):
    X = correlated()
    y = (X[:, 0] > np.median(X[:, 0])).astype(int)
    pre = get_preprocessor(name).fit(X)
    model = nndl.Sequential([nndl.Dense(4, "relu", input_dim=6), nndl.Dense(2, "softmax")],
                            cost="log_likelihood", seed=0).compile(nndl.Adam(lr=0.01))
    model.fit(pre.transform(X), y, epochs=2, batch_size=50)
    save_model(model, tmp_path / "m.npz", metadata={"note": "x"}, preprocessor=pre)
    wrapped, meta = load_predictor(tmp_path / "m.npz")
    pre2 = wrapped.preprocessor
    assert meta["note"] == "x" and type(pre2) is type(pre) and pre2.get_config() == pre.get_config()
    np.testing.assert_array_equal(pre2.transform(X), pre.transform(X))
    np.testing.assert_array_equal(wrapped.predict(X), model.predict(pre.transform(X)))
    # a plain model file loads with no transformer
    save_model(model, tmp_path / "plain.npz")
    assert not hasattr(load_predictor(tmp_path / "plain.npz")[0], "preprocessor")


def test_plot_whitening(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.random((60, 64)).astype(np.float32)
    fig = plot_whitening(X, tmp_path / "w.png", n=4, image_shape=(8, 8))
    shown = [ax.images[0].get_array() for ax in fig.axes if ax.images]
    assert len(shown) == 4 * 4                                     # original, standardised, PCA, ZCA rows
    np.testing.assert_allclose(shown[0], X[0].reshape(8, 8))
    z = np.stack([np.asarray(s).ravel() for s in shown[4:8]])       # standardised row: the fitted transform
    np.testing.assert_allclose(z, Standardizer().fit(X).transform(X[:4]), rtol=1e-5, atol=1e-5)
    assert (tmp_path / "w.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
