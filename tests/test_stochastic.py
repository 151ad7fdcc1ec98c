"""Statistical tests of every stochastic piece: dropout masks, shuffling, augmentation draws and
the initialisers' spreads. Bounds are 5 standard errors (or p < 1e-6 for the goodness-of-fit
tests) so a correct implementation fails about once in a million runs, while the bugs they
target (a missing 1/(1 − p), a non-permutation, a range off by a factor) miss by tens of σ.
All draws are seeded, so the tests are also reproducible."""
import numpy as np
import pytest
from scipy import stats

import nndl
from nndl.data.augment import RandomAffine
from nndl.layers import Conv2D, Dense, Dropout

N_SIGMA = 5.0


def _dropout(p, seed=0, scale="inverted"):
    layer = Dropout(p, scale=scale)
    layer.build((500,), np.random.default_rng(seed), np.float64, np)
    layer.set_rng(np.random.default_rng(seed))
    return layer


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_dropout_keeps_1_minus_p_and_preserves_the_mean(p):
    """Inverted dropout: each unit kept with probability 1 − p (a binomial count), kept units
    scaled by exactly 1/(1 − p), so E[output] = input."""
    layer = _dropout(p)
    x = np.ones((200, 500))
    out = layer.forward(x, training=True)
    N = x.size
    kept = out != 0
    rate = kept.mean()
    assert abs(rate - (1 - p)) <= N_SIGMA * np.sqrt(p * (1 - p) / N), rate
    np.testing.assert_allclose(out[kept], 1.0 / (1.0 - p), rtol=1e-12)
    # output is 1/(1-p) with probability 1-p, else 0: mean 1, variance p/(1-p)
    assert abs(out.mean() - 1.0) <= N_SIGMA * np.sqrt(p / (1 - p) / N), out.mean()
    # the mask is independent per unit: no unit (column) is always kept or always dropped
    per_unit = kept.mean(axis=0)
    assert 0 < per_unit.min() and per_unit.max() < 1
    # backward routes the gradient through the same mask and scale
    np.testing.assert_array_equal(layer.backward(np.ones_like(x)), out)


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_book_dropout_keeps_unscaled_and_scales_by_1_minus_p_at_inference(p):
    """scale="book" (network3): kept units pass unscaled in training (E[output] = (1 − p)·input)
    and inference multiplies by (1 − p), so both have the same expectation."""
    layer = _dropout(p, scale="book")
    x = np.full((200, 500), 2.0)
    out = layer.forward(x, training=True)
    kept = out != 0
    N = x.size
    assert abs(kept.mean() - (1 - p)) <= N_SIGMA * np.sqrt(p * (1 - p) / N)
    np.testing.assert_array_equal(out[kept], 2.0)                         # no 1/(1 − p) in training
    assert abs(out.mean() - 2.0 * (1 - p)) <= N_SIGMA * 2.0 * np.sqrt(p * (1 - p) / N)
    np.testing.assert_array_equal(layer.backward(np.ones_like(x)), kept.astype(float))
    np.testing.assert_allclose(layer.forward(x, training=False), 2.0 * (1 - p), rtol=1e-15)


def test_dropout_masks_differ_between_steps_and_inference_is_the_identity():
    layer = _dropout(0.5)
    x = np.random.default_rng(1).normal(size=(20, 500))
    a, b = layer.forward(x, training=True), layer.forward(x, training=True)
    assert not np.array_equal(a != 0, b != 0)
    assert layer.forward(x, training=False) is x


def test_dropout_in_a_model_preserves_the_expected_activation():
    """Through Sequential (the model's RNG feeds the layer): the mean over many training passes
    of a Dense → Dropout output equals the inference output."""
    model = nndl.Sequential([Dense(50, "sigmoid", input_dim=8), Dropout(0.4)], seed=3, dtype="float64")
    x = np.random.default_rng(0).normal(size=(1, 8))
    ref = model.forward(model.as_inputs(x), training=False)
    passes = np.stack([model.forward(model.as_inputs(x), training=True) for _ in range(4000)])
    se = passes.std(axis=0) / np.sqrt(len(passes))
    assert np.all(np.abs(passes.mean(axis=0) - ref) <= N_SIGMA * se + 1e-12)


def _shuffles(seed, n=10, epochs=200, batch_size=3):
    """The order fit presents the examples in, one row per epoch (input = example index)."""
    seen = []
    X = np.arange(n, dtype=np.float64)[:, None]
    model = nndl.Sequential([Dense(2, "sigmoid", input_dim=1)], seed=seed, dtype="float64")
    model.compile(nndl.SGD(lr=1e-9))

    def record(xb):
        seen.extend(np.asarray(xb)[:, 0].astype(int).tolist())
        return xb

    model.fit(X, np.arange(n) % 2, epochs=epochs, batch_size=batch_size, transform=record,
              monitor_training=False)
    return np.array(seen).reshape(epochs, n)


def test_shuffling_is_a_fresh_uniform_permutation_every_epoch():
    orders = _shuffles(seed=0)
    for row in orders:
        assert sorted(row) == list(range(10))          # every example exactly once an epoch
    assert len({tuple(r) for r in orders}) > 190       # 10! orders: repeats are rare
    # where example 0 lands is uniform over the 10 positions (chi-square, 9 dof)
    counts = np.bincount(np.argmax(orders == 0, axis=1), minlength=10)
    assert stats.chisquare(counts).pvalue > 1e-6, counts
    # seeded: the same seed gives the same orders, another seed others
    np.testing.assert_array_equal(_shuffles(seed=0, epochs=5), orders[:5])
    assert not np.array_equal(_shuffles(seed=1, epochs=5), orders[:5])


def test_no_shuffle_keeps_the_order():
    X = np.arange(7, dtype=np.float64)[:, None]
    seen = []
    model = nndl.Sequential([Dense(2, "sigmoid", input_dim=1)], seed=0, dtype="float64")
    model.fit(X, np.arange(7) % 2, epochs=2, batch_size=3, shuffle=False, monitor_training=False,
              transform=lambda xb: seen.extend(np.asarray(xb)[:, 0].tolist()) or xb)
    assert seen == list(range(7)) * 2


def test_random_affine_draws_uniformly_within_its_ranges():
    """θ ~ U(−rotation, rotation) degrees, shear s ~ U(−shear, shear), t ~ U(−shift, shift)²,
    recovered from the matrices A = R(θ)·S(s): A[0,1] = −sin θ, A[1,1] = cos θ,
    A[1,0] = sin θ + s cos θ."""
    aug = RandomAffine(rotation=12, shear=0.2, shift=3, seed=0)
    A, t = aug.matrices(4000)
    theta = np.rad2deg(np.arctan2(-A[:, 0, 1], A[:, 1, 1]))
    s = (A[:, 1, 0] + A[:, 0, 1]) / A[:, 1, 1]
    for values, half in ((theta, 12), (s, 0.2), (t[:, 0], 3), (t[:, 1], 3)):
        assert values.min() >= -half and values.max() <= half
        assert stats.kstest(values, stats.uniform(-half, 2 * half).cdf).pvalue > 1e-6
    assert abs(np.corrcoef(t[:, 0], t[:, 1])[0, 1]) < N_SIGMA / np.sqrt(len(t))  # independent axes


def test_random_affine_moves_each_image_by_its_drawn_shift():
    """Shift only: a blob's centre of mass moves by exactly the drawn t (bilinear resampling
    preserves the centroid of an interior blob), image by image."""
    img = np.zeros((28, 28))
    img[11:17, 12:16] = 1.0
    X = np.repeat(img[None], 50, axis=0)
    out = RandomAffine(rotation=0, shear=0, shift=4, seed=7)(X)
    _, t = RandomAffine(rotation=0, shear=0, shift=4, seed=7).matrices(50)
    rr, cc = np.mgrid[:28, :28]

    def centre(im):
        return np.array([(im * rr).sum(), (im * cc).sum()]) / im.sum()

    moved = np.array([centre(o) - centre(img) for o in out])
    np.testing.assert_allclose(moved, t, atol=1e-6)


@pytest.mark.parametrize("init,w_std,b_std", [
    ("large", lambda i, o: 1.0, 1.0),
    ("default", lambda i, o: 1 / np.sqrt(i), 1.0),
    ("xavier", lambda i, o: np.sqrt(2 / (i + o)), 0.0),
    ("he", lambda i, o: np.sqrt(2 / i), 0.0),
])
def test_initialisers_standard_deviations(init, w_std, b_std):
    """Sample std of N draws has standard error ≈ σ/√(2N); the mean ≈ 0 within 5σ/√N."""
    rng = np.random.default_rng(0)
    dense = Dense(300, init=init)
    dense.build((784,), rng, np.float64, np)
    conv = Conv2D(40, kernel_size=5, init=init)
    conv.build((20, 12, 12), rng, np.float64, np)
    for layer, fan_in, fan_out in ((dense, 784, 300), (conv, 20 * 25, 40 * 25)):
        W = layer.W.value
        sd = w_std(fan_in, fan_out)
        assert abs(W.std() / sd - 1) <= N_SIGMA / np.sqrt(2 * W.size), (W.std(), sd)
        assert abs(W.mean()) <= N_SIGMA * sd / np.sqrt(W.size)
    big = Dense(20000, init=init)
    big.build((1,), rng, np.float64, np)
    b = big.b.value
    if b_std == 0:
        assert not b.any() and not dense.b.value.any()
    else:
        assert abs(b.std() / b_std - 1) <= N_SIGMA / np.sqrt(2 * b.size)
