"""Spectra numerics: eigenspectrum, power-law fit, synthetic spectra, projections, stimuli, training."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polyverify.numerics import spectra as ns
from polyverify.numerics import spectra_training as ntr
from polyverify.numerics.stimuli import moving_dot_frames, random_dot_images
from polyverify.stats import mean_interval
from polyverify.theory import spectra as th

from .conftest import TEST_FAMILY_ALPHA


def test_fit_recovers_an_exact_power_law():
    for a in (-2.5, -1.0, -0.3):
        lam = 3.0 * np.arange(1, 200, dtype=float) ** a
        f = ns.fit_power_law(lam)
        assert f.alpha == pytest.approx(a, abs=1e-6)
        assert f.intercept == pytest.approx(np.log(3.0), abs=1e-5)
        assert f.contains(a)


def test_fit_ignores_an_outlier_in_the_window():
    lam = np.arange(1, 100, dtype=float) ** -1.2
    lam[29] *= 50.0  # one wild component: Huber keeps the slope
    assert ns.fit_power_law(lam).alpha == pytest.approx(-1.2, abs=0.02)


@pytest.mark.parametrize(
    "kwargs, msg",
    [
        ({"lo": 10, "hi": 10}, "lo < hi - 1"),
        ({"lo": 10, "hi": 11}, "lo < hi - 1"),
        ({"lo": 98, "hi": 120}, "fit window within the spectrum"),
        ({"lo": 20, "hi": 10}, "lo < hi - 1"),
        ({"lo": 10, "hi": 500}, "fit window within the spectrum"),
        ({"lo": 0, "hi": 50}, "lo must satisfy lo >= 1"),
        ({"lo": 10, "hi": 50, "level": 1.5}, "level"),
    ],
)
def test_fit_bad_windows(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        ns.fit_power_law(np.arange(1, 100, dtype=float) ** -1.0, **kwargs)


def test_fit_bad_values():
    lam = np.arange(1, 100, dtype=float) ** -1.0
    lam[20] = np.nan
    with pytest.raises(ValueError, match="finite"):
        ns.fit_power_law(lam)
    lam[20] = 0.0
    with pytest.raises(ValueError, match="positive"):
        ns.fit_power_law(lam)
    with pytest.raises(ValueError, match="1-D"):
        ns.fit_power_law(np.ones((10, 10)))
    with pytest.raises(ValueError, match="fit window within the spectrum"):
        ns.fit_power_law(np.zeros(0))


def test_constant_and_rank_deficient_activations_are_refused_end_to_end():
    """Constant activations stop at the PCA; rank-deficient ones (rank 5 < hi) at the fit."""
    with pytest.raises(ValueError, match="constant"):
        ns.eigenspectrum(np.full((100, 60), 0.3))
    rng = np.random.default_rng(5)
    x = rng.standard_normal((200, 5)) @ rng.standard_normal((5, 60))
    ev = ns.eigenspectrum(x)
    with pytest.raises(ValueError, match="rounding level|positive over the fit window"):
        ns.fit_power_law(ev)  # components 6..60 are rounding noise
    assert not ns.window_resolved(ev)
    steep = np.arange(1, 61, dtype=float) ** -6.0
    assert ns.window_resolved(steep)
    ns.fit_power_law(steep)  # a steep but resolved spectrum is accepted


def test_eigenspectrum_matches_exact_pca():
    rng = np.random.default_rng(0)
    x = ns.synthetic_activations(-1.5, 80, 800, rng=rng)
    ev = ns.eigenspectrum(x)
    exact = np.linalg.eigvalsh(np.cov(x.T))[::-1]
    # randomized SVD with sklearn's power iterations: near machine precision at full rank
    np.testing.assert_allclose(ev, exact, rtol=1e-6)


@pytest.mark.parametrize(
    "acts, kwargs, msg",
    [
        (np.full((50, 20), np.nan), {}, "finite"),
        (np.ones((50, 20)), {}, "constant"),
        (np.random.default_rng(0).standard_normal((10, 20)), {}, "n_samples >= n_components"),
        (np.random.default_rng(0).standard_normal((20, 30)), {"n_components": 25}, "n_samples >= n_components"),
        (np.where(np.eye(30, 8) > 0, np.inf, 0.0), {}, "finite"),
        (np.tile(np.arange(8.0), (30, 1)), {}, "constant"),  # varies across units, not across samples
        (np.ones((1, 8)), {}, "at least 2 samples"),
        (np.random.default_rng(0).standard_normal((10, 20)), {"n_components": 30}, "n_components <= min"),
        (np.ones(20), {}, "2-D"),
    ],
)
def test_eigenspectrum_bad_input(acts, kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        ns.eigenspectrum(acts, **kwargs)


def test_subsample_stride_keeps_dimension_below_cap():
    for d in (1, 7999, 8000, 8001, 16000, 123457):
        s = ns.subsample_stride(d)
        assert len(range(0, d, s)) < 8000
        assert s == 1 or len(range(0, d, s - 1)) >= 8000


def test_subsampling_is_applied():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((30, 50))
    ev = ns.eigenspectrum(x, max_dim=20, n_components=15)
    assert ev.size == 15
    exact = np.linalg.eigvalsh(np.cov(x[:, :: ns.subsample_stride(50, 20)].T))[::-1][:15]
    np.testing.assert_allclose(ev, exact, rtol=1e-6)


def test_synthetic_spectrum_is_prescribed():
    rng = np.random.default_rng(2)
    x = ns.synthetic_activations(-1.0, 30, 40_000, rng=rng, noise=0.1)
    ev = np.linalg.eigvalsh(np.cov(x.T))[::-1]
    want = np.arange(1, 31, dtype=float) ** -1.0 + 0.01
    # sample eigenvalues of 40000 Gaussian rows: relative sd ~ sqrt(2/40000) = 0.007; 5 sd
    np.testing.assert_allclose(ev, want, rtol=0.05)


_MC_EXAMPLES = 6


@settings(max_examples=_MC_EXAMPLES)
@given(st.floats(-2.5, -0.3), st.integers(8, 60), st.sampled_from([0.0, 0.9]), st.integers(0, 1000))
def test_projection_means_match_closed_forms(a, m_, rho, seed):
    rng = np.random.default_rng(seed)
    x = ns.smooth_trajectory(a, m_, 40, rho=rho, rng=rng)
    delta = TEST_FAMILY_ALPHA / (2 * _MC_EXAMPLES)
    act = mean_interval(ns.projection_action(x, k=3, trials=600, rng=rng), delta=delta)
    en = mean_interval(ns.projection_energy(x, k=3, trials=600, rng=rng), delta=delta)
    assert act.contains(th.expected_action(x, 3))
    assert en.contains(th.expected_energy(x, 3))


def test_projection_power_check():
    # a formula 5% off is rejected by the same interval at the same level
    rng = np.random.default_rng(3)
    x = ns.smooth_trajectory(-1.0, 40, 60, rho=0.5, rng=rng)
    iv = mean_interval(ns.projection_action(x, k=3, trials=20_000, rng=rng), delta=TEST_FAMILY_ALPHA)
    exact = th.expected_action(x, 3)
    assert iv.contains(exact)
    assert not iv.contains(1.05 * exact) and not iv.contains(0.95 * exact)


def test_projections_are_seeded_and_scaled():
    r1 = ns.random_projections(50, 3, 4, rng=np.random.default_rng(0))
    r2 = ns.random_projections(50, 3, 4, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(r1, r2)
    big = ns.random_projections(100, 3, 400, rng=np.random.default_rng(1))
    assert big.var() == pytest.approx(1 / 100, rel=0.02)  # 120000 draws: sd of var ~ 0.4%


@pytest.mark.parametrize("bad", [{"rho": 1.0}, {"rho": -0.1}])
def test_trajectory_bad_rho(bad):
    with pytest.raises(ValueError, match="rho"):
        ns.smooth_trajectory(-1.0, 10, 10, rng=np.random.default_rng(0), **bad)


def test_moving_dot_frames():
    f = moving_dot_frames(40, size=16)
    assert f.shape == (40, 16, 16) and f.dtype == np.float32
    assert 0.0 <= f.min() and f.max() <= 1.0
    # the dot's centre of mass follows the circle: its distance to the centre is constant
    yy, xx = np.mgrid[:16, :16]
    cy = (f * yy).sum((1, 2)) / f.sum((1, 2))
    cx = (f * xx).sum((1, 2)) / f.sum((1, 2))
    rad = np.hypot(cy - 7.5, cx - 7.5)
    assert rad.std() < 0.05 * rad.mean()
    with pytest.raises(ValueError, match="n_frames"):
        moving_dot_frames(1)
    with pytest.raises(ValueError, match="radius"):
        moving_dot_frames(5, radius=-1)


def test_random_dot_images_seeded():
    a = random_dot_images(5, rng=np.random.default_rng(4), size=8)
    b = random_dot_images(5, rng=np.random.default_rng(4), size=8)
    np.testing.assert_array_equal(a, b)


def test_training_is_deterministic_and_hooks_capture_every_layer():
    cfg = ntr.TrainConfig(size=8, widths=(16, 12), steps=15, batch=8, dropout=0.2, seed=3, device="cpu")
    frames = moving_dot_frames(20, size=8)
    a1 = ntr.layer_activations(ntr.train_autoencoder(cfg), frames, "cpu")
    a2 = ntr.layer_activations(ntr.train_autoencoder(cfg), frames, "cpu")
    assert [x.shape for x in a1] == [(20, 16), (20, 12)]
    for x, y in zip(a1, a2):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize(
    "kwargs, msg",
    [({"dropout": 1.0}, "dropout"), ({"widths": ()}, "widths"), ({"device": "tpu"}, "device"), ({"steps": 0}, "steps")],
)
def test_train_config_bad_input(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        ntr.TrainConfig(**kwargs)


def test_device_resolution():
    import torch

    assert ntr.resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            ntr.resolve_device("cuda")


def test_analyze_network_tiny():
    cfg = ntr.TrainConfig(size=10, widths=(64, 64), steps=30, batch=16, seed=0, device="cpu")
    res = ntr.analyze_network(cfg, n_probe=128, n_frames=32, projections=50, rng=np.random.default_rng(0))
    assert [r.layer for r in res] == [1, 2]
    for r in res:
        assert r.action.shape == (50,)
        assert r.acts.shape == (32, 64)


# --- the convolutional autoencoder (issue 17, item 9) -------------------------------------------


def test_conv_network_shapes_and_parameter_count():
    """Default channels (8, 16) at 16x16: ReLU layers of 8*8*8, 16*4*4 and 8*8*8 units; the weights
    and biases are 1*8*9+8 + 8*16*9+16 + 16*8*16+8 + 8*1*16+1 = 3,433 (a few thousand)."""
    cfg = ntr.ConvConfig(steps=1, device="cpu")
    assert cfg.widths == (512, 256, 512)
    assert ntr.parameter_count(cfg) == 80 + 1168 + 2056 + 129 == 3433
    assert ntr.parameter_count(ntr.ConvConfig(channels=(12, 24))) == 7549
    for q in (cfg, ntr.ConvConfig(channels=(12, 24)), ntr.ConvConfig(channels=(3, 5))):  # the shape count is the model's
        assert ntr.parameter_count(q) == sum(p.numel() for p in q.model().parameters())
    model = ntr.train_autoencoder(cfg)
    frames = moving_dot_frames(7, size=16)
    acts = ntr.layer_activations(model, frames, "cpu")
    assert [a.shape for a in acts] == [(7, 512), (7, 256), (7, 512)]
    assert all(a.min() >= 0 for a in acts)  # every hooked module is a ReLU
    import torch

    with torch.no_grad():
        out = model(torch.from_numpy(frames.reshape(7, -1)))
    assert tuple(out.shape) == (7, 256)  # flat images in and out, like the MLP


def test_conv_dropout_follows_every_relu():
    from torch import nn

    mods = list(ntr.ConvConfig(dropout=0.4).model())
    relus = [k for k, m in enumerate(mods) if isinstance(m, nn.ReLU)]
    assert len(relus) == 3
    assert all(isinstance(mods[k + 1], nn.Dropout) and mods[k + 1].p == 0.4 for k in relus)


def test_conv_training_is_deterministic_and_seeded():
    cfg = ntr.ConvConfig(size=8, channels=(4, 8), steps=12, batch=8, dropout=0.4, seed=5, device="cpu")
    frames = moving_dot_frames(10, size=8)
    a1 = ntr.layer_activations(ntr.train_autoencoder(cfg), frames, "cpu")
    a2 = ntr.layer_activations(ntr.train_autoencoder(cfg), frames, "cpu")
    for x, y in zip(a1, a2):
        np.testing.assert_array_equal(x, y)
    other = ntr.layer_activations(ntr.train_autoencoder(ntr.ConvConfig(**{**cfg.__dict__, "seed": 6})), frames, "cpu")
    assert not np.array_equal(a1[0], other[0])


@pytest.mark.parametrize(
    "kwargs, msg",
    [({"size": 18}, "divisible by 4"), ({"size": 4}, "size"), ({"channels": (8,)}, "two channel counts"),
     ({"channels": (8, 0)}, "channels"), ({"dropout": 1.0}, "dropout"), ({"device": "tpu"}, "device"),
     ({"lr": 0.0}, "lr")],
)
def test_conv_config_bad_input(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        ntr.ConvConfig(**kwargs)


def test_conv_rates_are_the_issues():
    assert ntr.CONV_DROPOUT_RATES == (0.0, 0.2, 0.4, 0.6, 0.8)


def test_a_pca_of_twice_the_window_returns_the_windows_eigenvalues():
    """analyze_network(components=100) for the fit window 10..50: the randomized PCA of 100 components
    gives the first 50 explained variances of the exact PCA to 1e-8 relative (measured: ~1e-10) on a
    trained convolutional layer, so the fitted alpha is the same to round-off."""
    cfg = ntr.ConvConfig(channels=(12, 24), steps=40, dropout=0.2, seed=1, device="cpu")
    probe = random_dot_images(300, rng=np.random.default_rng(7), size=16)
    acts = ntr.layer_activations(ntr.train_autoencoder(cfg), probe, "cpu")[1]
    live = acts[:, np.ptp(acts, axis=0) > 0]
    x = live - live.mean(axis=0)
    exact = np.linalg.svd(x, compute_uv=False) ** 2 / (x.shape[0] - 1)
    ev = ns.eigenspectrum(live, n_components=100, seed=1)
    np.testing.assert_allclose(ev[:50], exact[:50], rtol=1e-8)
    assert ns.fit_power_law(ev).alpha == pytest.approx(ns.fit_power_law(exact).alpha, abs=1e-8)


def test_analyze_network_conv_with_capped_components():
    cfg = ntr.ConvConfig(size=16, channels=(12, 24), steps=20, seed=0, device="cpu")
    res = ntr.analyze_network(cfg, n_probe=128, n_frames=24, projections=30, components=60,
                              rng=np.random.default_rng(0))
    assert [r.layer for r in res] == [1, 2, 3]
    for r, w in zip(res, cfg.widths):
        assert r.acts.shape == (24, w) and r.action.shape == (30,)
        assert r.eigvals.size <= 60
    with pytest.raises(ValueError, match="components"):
        ntr.analyze_network(cfg, n_probe=128, components=10, rng=np.random.default_rng(0))
