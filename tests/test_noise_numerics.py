"""Noise topic, simulation side: samplers, enumeration, the real SGD step, projected descent."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polyverify.numerics import noisy_step as ns
from polyverify.theory import noise as th
from polyverify.stats import mean_interval

from .conftest import TEST_FAMILY_ALPHA


def test_sampler_validation():
    with pytest.raises(ValueError, match="kind must be one of"):
        ns.noise_sampler("cauchy", scale=1.0)
    with pytest.raises(ValueError, match="exactly the parameter 'halfwidth'"):
        ns.noise_sampler("uniform", std=1.0)
    with pytest.raises(ValueError, match="amplitude must satisfy amplitude > 0"):
        ns.noise_sampler("bipolar", amplitude=0.0)


def test_samplers_have_the_natural_scale():
    rng = np.random.default_rng(0)
    x = ns.noise_sampler("bipolar", amplitude=0.3)(rng, (1000,))
    assert set(np.round(np.unique(x), 12)) == {-0.3, 0.3}
    u = ns.noise_sampler("epanechnikov", halfwidth=2.0)(rng, (1000,))
    assert np.all(np.abs(u) <= 2.0)


def test_bipolar_enumeration_by_hand():
    # m = 2, w = (1, 2), amplitude 1: a in {3, -1, 1, -3}, E[a^4] = (81 + 1 + 1 + 81)/4 = 41
    assert ns.bipolar_expectation([1.0, 2.0], 1.0, lambda a, s: a**4) == pytest.approx(41.0)
    assert ns.bipolar_expectation([1.0, 2.0], 1.0, lambda a, s: s) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="m <= 20"):
        ns.bipolar_expectation(np.ones(21), 1.0, lambda a, s: a)


def test_real_step_gradient_and_update_match_appendix_c():
    rng = np.random.default_rng(1)
    W = ns.interference_free_weights(3, 6, 2, rng)
    np.testing.assert_allclose(np.linalg.norm(W, axis=1), 1.0)
    xi = ns.noise_sampler("uniform", halfwidth=0.2)(rng, (50, 6))
    res = ns.tied_sgd_step(W, 2, xi, 0.3)
    assert res.relu_on.all()
    a = xi @ W[2]
    expected = 2 * a[:, None] * (2 * W[2] + xi)
    np.testing.assert_allclose(res.grad[:, 2, :], expected, atol=1e-12)
    assert np.abs(res.grad[:, :2, :]).max() == 0.0
    np.testing.assert_allclose(res.W_next[:, 2, :], W[2] - 0.3 * expected, atol=1e-12)
    enc, dec = ns.untied_gradients(W, 2, xi)
    np.testing.assert_allclose(enc, 2 * a[:, None] * W[2], atol=1e-12)
    np.testing.assert_allclose(dec, 2 * a[:, None] * (W[2] + xi), atol=1e-12)
    assert np.allclose(ns.encoder_jacobian(W, 2, xi[0]), np.eye(6))


def test_real_step_flags_broken_assumptions():
    W = np.array([[1.0, 0.0]])
    res = ns.tied_sgd_step(W, 0, np.array([[-2.0, 0.0], [0.1, 0.0]]), 0.1)
    assert res.relu_on.tolist() == [False, True]
    with pytest.raises(ValueError, match="eta must satisfy eta > 0"):
        ns.tied_sgd_step(W, 0, np.zeros((1, 2)), 0.0)
    with pytest.raises(ValueError, match="i must satisfy"):
        ns.tied_sgd_step(W, 1, np.zeros((1, 2)), 0.1)
    with pytest.raises(ValueError, match=r"xi must have shape \(T, m=2\)"):
        ns.tied_sgd_step(W, 0, np.zeros((1, 3)), 0.1)


_MC_EXAMPLES = 8
_LAWS = {
    "uniform": lambda s: (ns.noise_sampler("uniform", halfwidth=np.sqrt(3) * s), s**2, 9 / 5 * s**4),
    "normal": lambda s: (ns.noise_sampler("normal", std=s), s**2, 3 * s**4),
    "laplace": lambda s: (ns.noise_sampler("laplace", scale=s / np.sqrt(2)), s**2, 6 * s**4),
    # Epanechnikov on [-c, c]: sigma^2 = c^2/5, mu_4 = 3c^4/35
    "user": lambda c: (ns.noise_sampler("epanechnikov", halfwidth=c), c**2 / 5, 3 * c**4 / 35),
}


@settings(max_examples=_MC_EXAMPLES, deadline=None)
@given(
    law=st.sampled_from(sorted(_LAWS)),
    scale=st.floats(0.2, 2.0),
    w=st.lists(st.floats(-1, 1, allow_nan=False), min_size=1, max_size=8).filter(lambda v: np.linalg.norm(v) > 0.05),
    seed=st.integers(0, 2**32 - 1),
)
def test_fourth_moment_monte_carlo(law, scale, w, seed):
    noise, s2, m4 = _LAWS[law](scale)
    sample = ns.power_samples(w, noise, trials=40000, rng=np.random.default_rng(seed))
    iv = mean_interval(sample, delta=TEST_FAMILY_ALPHA / _MC_EXAMPLES)
    assert iv.contains(th.fourth_moment(w, s2, m4))


def test_fourth_moment_monte_carlo_power():
    """The same interval rejects a prediction 5% off (uniform law, spread row, 400k trials)."""
    noise, s2, m4 = _LAWS["uniform"](1.0)
    w = np.array([0.8, -0.5, 0.3, 0.1])
    sample = ns.power_samples(w, noise, trials=400000, rng=np.random.default_rng(3))
    iv = mean_interval(sample, delta=TEST_FAMILY_ALPHA)
    good = th.fourth_moment(w, s2, m4)
    assert iv.contains(good)
    assert not iv.contains(1.05 * good) and not iv.contains(0.95 * good)


def test_unit_vector_fourth_norms():
    x = ns.unit_vector_fourth_norms(1, trials=10, rng=np.random.default_rng(0))
    np.testing.assert_allclose(x, 1.0)
    x = ns.unit_vector_fourth_norms(16, trials=200000, rng=np.random.default_rng(0))
    iv = mean_interval(x, delta=TEST_FAMILY_ALPHA)
    assert iv.contains(3 / 18) and not iv.contains(3 / 16)


def test_projected_descent_validation_and_unit_norm():
    rng = np.random.default_rng(0)
    q0, q1 = ns.projected_descent_fourth_moment(3, ns.noise_sampler("bipolar", amplitude=1.0), starts=5, steps=3,
                                                lr=0.01, batch=16, rng=rng)
    assert q0.shape == q1.shape == (5,)
    assert np.all((q1 >= 1 / 3 - 1e-12) & (q1 <= 1 + 1e-12))  # ||w||_4^4 of a unit vector in R^3
    with pytest.raises(ValueError, match="lr must satisfy lr > 0"):
        ns.projected_descent_fourth_moment(3, ns.noise_sampler("bipolar", amplitude=1.0), starts=5, steps=3,
                                           lr=0.0, batch=16, rng=rng)


def test_numerics_imports_no_closed_form():
    import ast
    from pathlib import Path

    src = Path(ns.__file__).read_text(encoding="utf-8")
    mods = {n.module for n in ast.walk(ast.parse(src)) if isinstance(n, ast.ImportFrom) and n.module}
    assert {m for m in mods if "theory" in m} == {"polyverify.theory.validation"}
