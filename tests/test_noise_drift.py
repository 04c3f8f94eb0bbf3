"""The drift of the direction's fourth norm under one noisy step (issue 17 items 5, 6)."""

import numpy as np
import pytest
import sympy as sp
from polyverify.numerics import noisy_step as ns
from polyverify.theory import noise as th


def test_drift_derivation_steps_are_identities():
    for label, lhs, rhs in th._fourth_norm_drift_derivation():
        assert sp.simplify(lhs - rhs) == 0, label


def _q(W):
    return np.sum(W**4, axis=-1) / np.sum(W**2, axis=-1) ** 2


@pytest.mark.parametrize("m", [3, 5])
def test_drift_coefficient_against_exact_enumeration(m):
    rng = np.random.default_rng(m)
    W = ns.interference_free_weights(2, m, 0, rng)
    sigma, eta = 0.8 / np.sqrt(m), 1e-5
    exact = ns.bipolar_step_expectation(W, 0, sigma, eta, lambda r: _q(r.W_next[:, 0, :])) - _q(W[0])
    c = float(th.FOURTH_NORM_DRIFT_BIPOLAR.subs({th.q4: np.sum(W[0] ** 4), th.p6: np.sum(W[0] ** 6), th.m: m,
                                                 th.sigma: sigma}))
    # the remainder is O(eta^3): (exact / eta^2) - c is O(eta) times sigma^4-sized coefficients of order 10-100
    assert exact / eta**2 == pytest.approx(c, rel=1e-2, abs=1e-2 * sigma**4)


def test_stationary_value_and_trajectory():
    from polyverify.claims.training import drift_trajectory, regulariser_trajectory

    q_inf = float(th.FOURTH_NORM_STATIONARY.subs({th.m: 4, th.mu4: th.sigma**4}))
    assert q_inf == pytest.approx(0.5 - 0.05)  # 3/6 + 6(-2)(4)(3)/(36 * 8 * 10)
    assert drift_trajectory(q_inf, 10**6, 4, 0.2, 0.05, -2.0) == pytest.approx(q_inf)
    assert drift_trajectory(0.3, 10**9, 4, 0.2, 0.05, -2.0) == pytest.approx(q_inf)
    assert drift_trajectory(0.3, 10**9, 4, 0.2, 0.05, 0.0) == pytest.approx(0.5)  # Gaussian: the uniform value
    assert regulariser_trajectory(0.3, 100, 4, 0.2, 0.05, 0.0) == pytest.approx(0.3)  # no regulariser at kappa = 0
    assert regulariser_trajectory(0.3, 100, 4, 0.2, 0.05, -2.0) > 0.3


def test_turning_sigma():
    s2 = float(th.PUSH_TURNING_SIGMA2.subs({th.eta: 0.02, th.m: 16}))
    assert np.sqrt(s2) == pytest.approx(0.7360, abs=1e-4)
    push = lambda s: s**4 * (1 - 2 * 0.02 * (12 + 16 * s**2))
    grid = np.linspace(0.05, 1.0, 2000)
    assert grid[np.argmax(push(grid))] == pytest.approx(np.sqrt(s2), abs=1e-3)


def test_new_rules_are_registered():
    from polyverify.rules import HorizonTrend, TrajectoryPrediction, registered_rules

    assert {"HorizonTrend", "TrajectoryPrediction"} <= set(registered_rules())
    assert TrajectoryPrediction and HorizonTrend
