r"""Statistics of the comparison rules, each interval derived from the sample.

Family-wise error control
-------------------------
A verification run makes ``K`` Monte Carlo comparisons (every Hypothesis example of every
claim, for the printed and the derived form). Each one is tested at level ``alpha / K``
(Bonferroni), so the probability that *any* true formula is flagged in a run is at most
``alpha`` (:data:`FAMILY_ALPHA`, 1e-3 by default). Tests in ``tests/`` budget theirs the same way.

Intervals
---------
* :func:`mean_interval` — a two-sided interval for a mean. The default is the CLT (normal)
  interval :math:`\bar x \pm z_{1-\delta/2}\, s/\sqrt N`, valid for the sample sizes used
  here (``N >= 200``; every simulated statistic has finite variance). When the sample has no
  spread (all values equal) the CLT interval collapses to a point and says nothing; the rule
  then falls back to the empirical Bernstein bound (Maurer & Pontil 2009, Thm 4), which holds
  for any ``N`` given the statistic's range ``R``:
  :math:`|\bar x-\mu| \le \sqrt{2V\log(4/\delta)/N} + 7R\log(4/\delta)/(3(N-1))`.
* :func:`loglog_slope` — weighted least squares of ``log y`` on ``log x`` with the slope's
  standard error propagated from the per-point Monte Carlo errors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as _st

__all__ = [
    "FAMILY_ALPHA",
    "Interval",
    "mean_interval",
    "bernstein_halfwidth",
    "z_value",
    "SlopeFit",
    "loglog_slope",
]

FAMILY_ALPHA: float = 1e-3
"""Default family-wise false-alarm rate of one verification run (all claims, all examples)."""

MIN_CLT_SAMPLES = 200


@dataclass(frozen=True)
class Interval:
    """A confidence interval for a mean at level ``1 - delta``."""

    mean: float
    lo: float
    hi: float
    n: int
    delta: float
    method: str

    def contains(self, x: float) -> bool:
        return bool(self.lo <= x <= self.hi)

    @property
    def halfwidth(self) -> float:
        return (self.hi - self.lo) / 2


def z_value(delta: float) -> float:
    """Two-sided normal quantile ``z_{1-delta/2}``."""
    if not 0 < delta < 1:
        raise ValueError(f"delta must satisfy 0 < delta < 1; got {delta}")
    return float(_st.norm.isf(delta / 2))


def bernstein_halfwidth(var: float, n: int, delta: float, value_range: float) -> float:
    """Empirical Bernstein half-width (Maurer & Pontil 2009, Thm 4), two-sided at level ``delta``."""
    if n < 2:
        raise ValueError(f"n must satisfy n >= 2 for an empirical Bernstein bound; got {n}")
    log_term = math.log(4.0 / delta)
    return math.sqrt(2.0 * var * log_term / n) + 7.0 * value_range * log_term / (3.0 * (n - 1))


def mean_interval(
    sample: np.ndarray, *, delta: float, value_range: float | None = None
) -> Interval:
    """Two-sided interval for the mean of ``sample`` at level ``1 - delta``.

    >>> iv = mean_interval(np.array([0.0, 1.0] * 500), delta=0.05)
    >>> round(iv.mean, 3), iv.contains(0.5), iv.method
    (0.5, True, 'clt')
    """
    x = np.asarray(sample, dtype=float).ravel()
    if x.size < 2:
        raise ValueError(f"sample must hold at least 2 values; got {x.size}")
    if not np.all(np.isfinite(x)):
        raise ValueError("sample holds NaN or infinite values")
    mean = float(x.mean())
    var = float(x.var(ddof=1))
    # a sample of equal values can show a variance at rounding level (~ (eps |x|)^2); that is
    # no spread, and a CLT interval of width ~1e-17 would wrongly exclude the exact mean.
    rounding = 64 * np.finfo(float).eps * float(np.max(np.abs(x)))
    if var <= rounding**2:
        var = 0.0
    if var > 0:
        if x.size < MIN_CLT_SAMPLES:
            raise ValueError(
                f"the CLT interval needs at least {MIN_CLT_SAMPLES} samples; got {x.size}"
            )
        hw = z_value(delta) * math.sqrt(var / x.size)
        return Interval(mean, mean - hw, mean + hw, x.size, delta, "clt")
    if value_range is None:
        raise ValueError(
            "sample has no spread; an interval then needs the statistic's range (value_range)"
        )
    hw = bernstein_halfwidth(var, x.size, delta, value_range)
    return Interval(mean, mean - hw, mean + hw, x.size, delta, "empirical-bernstein")


@dataclass(frozen=True)
class SlopeFit:
    """A fitted log–log slope with its standard error and a two-sided interval."""

    slope: float
    intercept: float
    stderr: float
    lo: float
    hi: float
    delta: float

    def contains(self, x: float) -> bool:
        return bool(self.lo <= x <= self.hi)


def loglog_slope(
    x: np.ndarray, y: np.ndarray, y_se: np.ndarray | None = None, *, delta: float
) -> SlopeFit:
    r"""Slope of ``log y`` against ``log x`` by weighted least squares.

    The per-point error of ``log y`` is ``y_se / y`` (delta method); the slope's standard error
    is the WLS formula :math:`\sqrt{1/\sum w (u-\bar u)^2}` with ``w = 1/\mathrm{se}^2``. With no
    errors given (exact values) the slope is exact and its interval a point.
    """
    u = np.log(np.asarray(x, dtype=float))
    v = np.log(np.asarray(y, dtype=float))
    if u.size < 2:
        raise ValueError("a slope needs at least two scales")
    if y_se is None:
        coef = np.polyfit(u, v, 1)
        return SlopeFit(float(coef[0]), float(coef[1]), 0.0, float(coef[0]), float(coef[0]), delta)
    se = np.asarray(y_se, dtype=float) / np.asarray(y, dtype=float)
    if np.any(se <= 0):
        raise ValueError("every point needs a positive standard error")
    w = 1.0 / se**2
    ubar = np.sum(w * u) / np.sum(w)
    vbar = np.sum(w * v) / np.sum(w)
    sxx = np.sum(w * (u - ubar) ** 2)
    slope = float(np.sum(w * (u - ubar) * (v - vbar)) / sxx)
    intercept = float(vbar - slope * ubar)
    stderr = float(math.sqrt(1.0 / sxx))
    z = z_value(delta)
    return SlopeFit(slope, intercept, stderr, slope - z * stderr, slope + z * stderr, delta)
