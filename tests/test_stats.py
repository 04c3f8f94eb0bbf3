"""The interval and slope machinery of verify.stats: coverage, fallbacks, exact fits."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as st

from polyverify.stats import bernstein_halfwidth, loglog_slope, mean_interval, z_value


def test_clt_interval_covers_at_its_level():
    # 2000 intervals at level 0.9 over exponential samples: the number of misses is
    # Binomial(2000, p) with p ~ 0.1; reject only if it is implausible at level 1e-6.
    rng = np.random.default_rng(1)
    misses = sum(not mean_interval(rng.exponential(2.0, 400), delta=0.1).contains(2.0) for _ in range(2000))
    lo, hi = st.binom.ppf([5e-7, 1 - 5e-7], 2000, 0.1)
    # the CLT interval at n=400 on a skewed law undercovers slightly; allow p up to 0.13
    hi = st.binom.ppf(1 - 5e-7, 2000, 0.13)
    assert lo <= misses <= hi


def test_interval_rejects_a_wrong_mean():
    rng = np.random.default_rng(2)
    iv = mean_interval(rng.normal(1.0, 1.0, 10_000), delta=1e-6)
    assert iv.contains(1.0) and not iv.contains(1.1)


def test_constant_sample_falls_back_to_bernstein():
    iv = mean_interval(np.zeros(1000), delta=1e-3, value_range=1.0)
    assert iv.method == "empirical-bernstein"
    assert iv.lo < 0 < iv.hi
    assert iv.hi == pytest.approx(bernstein_halfwidth(0.0, 1000, 1e-3, 1.0))
    with pytest.raises(ValueError, match="value_range"):
        mean_interval(np.zeros(1000), delta=1e-3)


def test_small_or_bad_samples_are_refused():
    with pytest.raises(ValueError, match="at least 200"):
        mean_interval(np.arange(10.0), delta=0.05)
    with pytest.raises(ValueError, match="NaN"):
        mean_interval(np.array([1.0, np.nan] * 200), delta=0.05)
    with pytest.raises(ValueError, match="delta"):
        z_value(1.5)


def test_loglog_slope_exact_and_noisy():
    x = np.array([1.0, 2.0, 4.0, 8.0])
    fit = loglog_slope(x, 3 * x**-1.5, delta=0.01)
    assert fit.slope == pytest.approx(-1.5) and fit.stderr == 0.0
    rng = np.random.default_rng(3)
    y = 2 * x**2 * (1 + 0.01 * rng.standard_normal(4))
    noisy = loglog_slope(x, y, 0.01 * y, delta=1e-4)
    assert noisy.contains(2.0) and not noisy.contains(2.2)


def test_rounding_level_spread_counts_as_none():
    x = np.full(500, 0.1) + np.where(np.arange(500) % 2 == 0, 1e-18, 0.0)
    x = (x * 3) / 3  # rounding noise only
    iv = mean_interval(x, delta=1e-3, value_range=1.0)
    assert iv.method == "empirical-bernstein" and iv.contains(0.1)
