"""Chapter 5 (nndl.insight.unstable): the exploding chain, the band-width problem, clipping,
and the book's speeds on real MNIST; the plots and the reproduce rows."""

import numpy as np
import pytest

from nndl.insight import unstable as U


def test_exploding_chain_grows_25x_per_layer():
    grads = U.chain_gradients(U.exploding_chain(depth=6))
    np.testing.assert_allclose(grads[:-1] / grads[1:], 25.0, rtol=1e-12)
    # |∂C/∂bᴸ| = |a − y| σ′(0) = 0.25 · 0.25 (quadratic cost, y = 0.75, a = ½)
    assert grads[-1] == pytest.approx(0.0625) and grads[0] == pytest.approx(0.0625 * 25 ** 5)
    grads = U.chain_gradients(U.exploding_chain(depth=4, w=8.0))
    np.testing.assert_allclose(grads[:-1] / grads[1:], 2.0, rtol=1e-12)


def test_band_width_numeric_matches_closed_form():
    w_num, best_num = U.widest_band(U.band_width_numeric)
    w_cf, best_cf = U.widest_band(U.band_width_closed)
    assert abs(best_num - best_cf) < 1e-3 and abs(w_num - w_cf) < 1e-3
    assert best_cf == pytest.approx(0.45, abs=0.005) and w_cf == pytest.approx(6.9, abs=0.05)
    for w in (4.5, 6.9, 12.0, -8.0):
        assert U.band_width_numeric(w, b=1.3) == pytest.approx(float(U.band_width_closed(w)), abs=1e-9)
    assert U.band_width_numeric(3.9) == 0.0 and float(U.band_width_closed(2.0)) == 0.0


def test_clipping_keeps_the_exploding_chain_alive():
    runs = U.clipping_demo(epochs=12)
    free, clipped = runs["unclipped"], runs["clipped"]
    assert free["grad_norm"][0] > 1e4 and free["grad_norm"][1] == 0.0     # one step, then all saturated
    assert free["cost"][-1] == pytest.approx(free["cost"][0])               # and stuck
    assert min(clipped["grad_norm"]) > 100                                  # pre-clip norms stay huge
    assert clipped["cost"][-1] < clipped["cost"][0] / 10                    # yet the cost falls


needs_mnist = pytest.mark.usefixtures("mnist_dir")


@pytest.fixture(scope="module")
def first1000():
    return U.first_images()


@needs_mnist
@pytest.mark.parametrize("depth", [2, 3, 4])
def test_initial_speeds_close_to_the_book(first1000, depth):
    s = U.initial_speeds(U.NETS[depth], first1000.X, first1000.y, seeds=[0, 1])
    book = np.array(U.BOOK_SPEEDS[depth])
    assert ((s > book / 2) & (s < book * 2)).all(), s
    assert (np.diff(s, axis=1) > 0).all()                 # each layer slower than the next
    if depth == 4:
        assert (s[:, 0] / s[:, -1] <= 1 / 30).all()


@needs_mnist
def test_curves_and_cures_through_fit(first1000, tmp_path):
    from nndl.viz.gradients import plot_speed_panels

    X, y = first1000.X[:300], first1000.y[:300]
    sig = U.speed_curves(U.NETS[3], X, y, "sigmoid", epochs=6, every=2)
    assert list(sig.epochs) == [0, 2, 4, 6] and sig.speeds.shape == (4, 3)
    assert (sig.speeds[-1] < sig.speeds[0]).all()         # the book's curves fall from the start
    he = U.initial_speeds(U.NETS[3], X, y, "he", seeds=[0])[0]
    assert he[0] / he[-1] > 0.3                           # ReLU + He: no 25x gap between layers
    bn = U.build_network(U.NETS[3], "batchnorm")
    assert sum(type(layer).__name__ == "BatchNorm" for layer in bn.layers) == 3
    path = plot_speed_panels([("sigmoid", sig.epochs, sig.speeds)], path=tmp_path / "s.png")
    assert path is not None and (tmp_path / "s.png").read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="unknown variant"):
        U.build_network(U.NETS[2], "tanh")


def test_chapter5_rows_registered():
    from nndl.app.reproduce import RECIPES, recipe_config

    for k, acc in {1: 96.48, 2: 96.90, 3: 96.57, 4: 96.53}.items():
        r = RECIPES[f"ch5-depth-{k}"]
        cfg = recipe_config(r)
        assert r.book_value == acc and r.book_split == "validation"
        assert cfg.sizes == [784] + [30] * k + [10] and (cfg.eta, cfg.lmbda, cfg.epochs, cfg.batch_size) == \
            (0.1, 5.0, 30, 10) and cfg.cost == "cross_entropy" and cfg.init == "default"
    r = RECIPES["ch5-speed-4"]
    assert r.matches(0.0059) and not r.matches(0.0061) and r.show(0.00306) == "0.00306"
