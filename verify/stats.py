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
from typing import Any

import numpy as np

from polyverify.numerics._lazy import lazy_module

_st = lazy_module("scipy.stats", globals())  # scipy.stats costs ~1 s to import; loaded on first use

__all__ = [
    "FAMILY_ALPHA",
    "Interval",
    "mean_interval",
    "bernstein_halfwidth",
    "z_value",
    "SlopeFit",
    "loglog_slope",
    "interval_resolution",
    "RankTrend",
    "rank_trend",
    "trend_resolution",
    "z_power",
    "trials_for_resolution",
    "clopper_pearson",
    "proportion_resolution",
    "SignTest",
    "sign_test",
    "sign_test_resolution",
    "Equivalence",
    "equivalence_test",
    "t_interval",
    "paired_t_pvalue",
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


# --- resolution, rank trends and sign tests -------------------------------------------------
# (the rules' helper statistics: kept here, at the end of the module, so that every rule of
# polyverify.rules computes an interval, a trend or a resolution the same way)


def interval_resolution(halfwidth: float, se: float, estimate: float, power: float = 0.9) -> float:
    r"""The relative error an interval check detects with probability ``power``:
    :math:`(h + z_{\mathrm{power}}\,\mathrm{se})/|\hat\theta|` (infinite at an estimate of 0)."""
    z_p = z_power(power)
    if estimate == 0:
        return float("inf")
    return float((halfwidth + z_p * se) / abs(estimate))


@dataclass(frozen=True)
class RankTrend:
    r"""A measured Spearman trend with a bootstrap interval and one-sided permutation p-values.

    ``rho`` is the mean over strata of the within-stratum Spearman correlation (one stratum:
    the plain Spearman correlation); ``p_pos``/``p_neg`` are one-sided permutation p-values for
    :math:`\rho^* \ge \rho` (resp. :math:`\le`) with ``y`` shuffled within each stratum, valid at
    any sample size (exchangeability under no association): :math:`(1 + \#)/(B + 1)` after ``B``
    permutations, or Besag–Clifford's :math:`h/L` when ``h = 20`` exceedances arrive after ``L``;
    ``ci`` is the 95% percentile bootstrap interval of ``rho`` (rows resampled within strata).
    """

    rho: float
    ci: tuple[float, float]
    p_pos: float
    p_neg: float
    n: int
    permutations: int


def _ranks(v: np.ndarray) -> np.ndarray:
    from scipy.stats import rankdata

    r = rankdata(v, axis=-1)
    r = r - r.mean(axis=-1, keepdims=True)
    nrm = np.sqrt(np.sum(r**2, axis=-1, keepdims=True))
    return np.divide(r, nrm, out=np.zeros_like(r), where=nrm > 0)


def rank_trend(x: Any, y: Any, *, strata: Any = None, rng: np.random.Generator, permutations: int,
               bootstrap: int = 2000) -> RankTrend:
    """Measured Spearman trend of ``y`` on ``x`` (see :class:`RankTrend`); NaN rows are dropped."""
    x_, y_ = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    g = np.zeros(x_.size, dtype=int) if strata is None else np.asarray(strata)
    keep = np.isfinite(x_) & np.isfinite(y_)
    x_, y_, g = x_[keep], y_[keep], g[keep]
    groups = [np.flatnonzero(g == k) for k in np.unique(g)]
    groups = [ix for ix in groups if ix.size >= 3]
    n = int(sum(ix.size for ix in groups))
    if not groups:
        nan = float("nan")
        return RankTrend(nan, (nan, nan), nan, nan, n, 0)

    def stat(xs: list[np.ndarray], ys: list[np.ndarray]) -> np.ndarray:
        return np.mean([np.sum(_ranks(a) * _ranks(b), axis=-1) for a, b in zip(xs, ys)], axis=0)

    xs = [x_[ix] for ix in groups]
    ys = [y_[ix] for ix in groups]
    rho = float(stat(xs, ys))
    rx, ry = [_ranks(v) for v in xs], [_ranks(v) for v in ys]  # ranks of a shuffle = shuffled ranks
    # Besag-Clifford (1991) sequential p-values: a direction stops once it has seen h exceedances,
    # with p = h / L (valid); otherwise p = (1 + count) / (B + 1) after all B permutations.
    h, ge, le, done = 20, 0, 0, 0
    stop_ge = stop_le = 0
    while done < permutations and not (stop_ge and stop_le):
        b = min(50_000, permutations - done)
        r = np.mean([rng.permuted(np.broadcast_to(v, (b, v.size)), axis=1) @ u for u, v in zip(rx, ry)], axis=0)
        for arr, which in ((r >= rho - 1e-12, "ge"), (r <= rho + 1e-12, "le")):  # ties count against the tested side
            if (stop_ge if which == "ge" else stop_le):
                continue
            cum = (ge if which == "ge" else le) + np.cumsum(arr)
            hit = np.flatnonzero(cum >= h)
            if hit.size:
                stop = done + int(hit[0]) + 1
                if which == "ge":
                    ge, stop_ge = h, stop
                else:
                    le, stop_le = h, stop
            elif which == "ge":
                ge = int(cum[-1])
            else:
                le = int(cum[-1])
        done += b
    p_pos = h / stop_ge if stop_ge else (1 + ge) / (permutations + 1)
    p_neg = h / stop_le if stop_le else (1 + le) / (permutations + 1)
    boots = []
    for _ in range(bootstrap):
        picks = [rng.integers(0, v.size, v.size) for v in xs]
        boots.append(stat([v[p] for v, p in zip(xs, picks)], [v[p] for v, p in zip(ys, picks)]))
    bt = np.asarray(boots, dtype=float)
    bt = bt[np.isfinite(bt)]
    ci = (float(np.quantile(bt, 0.025)), float(np.quantile(bt, 0.975))) if bt.size else (float("nan"),) * 2
    return RankTrend(rho, ci, p_pos, p_neg, n, permutations)



def trend_resolution(t: RankTrend, delta: float, power: float = 0.9) -> float | None:
    r"""Resolution of a rank trend: :func:`interval_resolution` of ``rho`` with the bootstrap
    standard error (read from the 95% percentile interval, :math:`(q_{97.5}-q_{2.5})/(2 z_{0.975})`)
    and the half-width :math:`z_{1-\delta/2}\,\mathrm{se}` at the run's level; ``None`` when no
    trend could be measured."""
    if not np.isfinite(t.rho) or not np.all(np.isfinite(t.ci)):
        return None
    se = (t.ci[1] - t.ci[0]) / (2 * z_value(0.05))
    return interval_resolution(z_value(delta) * se, se, t.rho, power)


# --- power, sample size, proportions, sign and equivalence tests ----------------------------


def z_power(power: float = 0.9) -> float:
    r"""One-sided normal quantile :math:`z_{\mathrm{power}}` (1.2816 at the default 0.9)."""
    if not 0 < power < 1:
        raise ValueError(f"power must satisfy 0 < power < 1; got {power}")
    return float(_st.norm.ppf(power))


def trials_for_resolution(*, sd: float, mean: float, margin: float, delta: float,
                          power: float = 0.9) -> int:
    r"""Sample size at which an interval check of a mean resolves ``margin``.

    The CLT check at level ``delta`` detects a relative error :math:`r` with probability
    ``power`` when :math:`(z_{1-\delta/2} + z_{\mathrm{power}})\,s/(\sqrt N\,|\mu|) \le r`
    (:func:`interval_resolution` with :math:`h = z_{1-\delta/2}\,s/\sqrt N`), so

    .. math:: N = \left\lceil \left(\frac{(z_{1-\delta/2}+z_{\mathrm{power}})\,s}{r\,|\mu|}\right)^2 \right\rceil .

    >>> trials_for_resolution(sd=1.0, mean=1.0, margin=0.05, delta=0.05)
    4203
    """
    if not margin > 0:
        raise ValueError(f"margin must be positive; got {margin}")
    if sd < 0 or not math.isfinite(sd):
        raise ValueError(f"sd must be finite and non-negative; got {sd}")
    if mean == 0:
        return MIN_CLT_SAMPLES if sd == 0 else 2**62
    k = (z_value(delta) + z_power(power)) * sd / (margin * abs(mean))
    return max(MIN_CLT_SAMPLES, int(math.ceil(k * k)))


def clopper_pearson(k: int, n: int, *, delta: float) -> Interval:
    r"""Exact two-sided Clopper–Pearson interval for a proportion ``k/n`` at level ``1 - delta``:
    :math:`[B(\delta/2; k, n-k+1),\ B(1-\delta/2; k+1, n-k)]` with :math:`B` the beta quantile.

    >>> iv = clopper_pearson(5, 10, delta=0.05)
    >>> round(iv.lo, 4), round(iv.hi, 4)
    (0.1871, 0.8129)
    """
    if n < 1 or not 0 <= k <= n:
        raise ValueError(f"a proportion needs 0 <= k <= n and n >= 1; got k={k}, n={n}")
    lo = 0.0 if k == 0 else float(_st.beta.ppf(delta / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(_st.beta.isf(delta / 2, k + 1, n - k))
    return Interval(k / n, lo, hi, n, delta, "clopper-pearson")


def proportion_resolution(iv: Interval, power: float = 0.9) -> float:
    r"""Resolution of a proportion check: :func:`interval_resolution` with the binomial standard
    error :math:`\sqrt{\hat p(1-\hat p)/n}` (at least that of one count, :math:`1/n`)."""
    p = iv.mean
    se = max(math.sqrt(p * (1 - p) / iv.n), 1.0 / iv.n)
    return interval_resolution(iv.halfwidth, se, p, power)


@dataclass(frozen=True)
class SignTest:
    r"""An exact sign test of paired differences: ``positive`` of ``n`` non-zero differences.

    ``p_pos`` is the one-sided p-value of :math:`P(d > 0) > 1/2`
    (:math:`P(\mathrm{Bin}(n, 1/2) \ge k)`), ``p_neg`` of :math:`P(d > 0) < 1/2`; ties are dropped.
    """

    positive: int
    n: int
    p_pos: float
    p_neg: float

    def direction(self, delta: float) -> int:
        """+1 or -1 when one side is significant at level ``delta``; 0 otherwise."""
        if self.p_pos <= delta:
            return 1
        if self.p_neg <= delta:
            return -1
        return 0


def sign_test(differences: Any) -> SignTest:
    """Exact binomial sign test of ``differences`` (zeros dropped).

    >>> t = sign_test([1.0] * 12)
    >>> t.positive, t.n, round(t.p_pos, 6), t.direction(0.001)
    (12, 12, 0.000244, 1)
    """
    d = np.asarray(differences, dtype=float).ravel()
    d = d[np.isfinite(d) & (d != 0)]
    n, k = int(d.size), int(np.sum(d > 0))
    if n == 0:
        return SignTest(0, 0, 1.0, 1.0)
    return SignTest(k, n, float(_st.binom.sf(k - 1, n, 0.5)), float(_st.binom.cdf(k, n, 0.5)))


def sign_test_resolution(n: int, delta: float, power: float = 0.9) -> float:
    r"""The smallest shift of :math:`P(d > 0)` away from 1/2 that an exact one-sided sign test of
    ``n`` pairs detects at level ``delta`` with probability ``power`` (normal approximation:
    :math:`(z_{1-\delta} + z_{\mathrm{power}})/(2\sqrt n)`); infinite with no pairs."""
    if n < 1:
        return float("inf")
    return float((_st.norm.isf(delta) + z_power(power)) / (2 * math.sqrt(n)))


@dataclass(frozen=True)
class Equivalence:
    r"""A two-one-sided-tests (TOST) equivalence test of a mean against :math:`\pm` ``bound``.

    The mean is *equivalent to zero* at level ``delta`` when the :math:`1-2\delta` interval
    :math:`\bar x \pm t_{1-\delta}\,s/\sqrt N` lies inside :math:`(-b, b)` (Schuirmann 1987);
    *different* when the two-sided :math:`1-\delta` interval lies wholly outside :math:`[-b, b]`;
    otherwise undecided. ``resolution`` is the smallest bound the test accepts with probability
    ``power`` at a true mean of 0: :math:`(t_{1-\delta} + z_{(1+\mathrm{power})/2})\,s/\sqrt N`.
    """

    mean: float
    lo: float
    hi: float
    bound: float
    resolution: float
    equivalent: bool
    different: bool


def equivalence_test(sample: Any, *, bound: float, delta: float, power: float = 0.9) -> Equivalence:
    """TOST of ``mean(sample) = 0`` within ``±bound`` (see :class:`Equivalence`).

    >>> rng = np.random.default_rng(0)
    >>> e = equivalence_test(rng.normal(0, 1, 10_000), bound=0.1, delta=0.01)
    >>> e.equivalent, e.different
    (True, False)
    """
    x = np.asarray(sample, dtype=float).ravel()
    if x.size < 2:
        raise ValueError(f"sample must hold at least 2 values; got {x.size}")
    if not bound > 0:
        raise ValueError(f"bound must be positive; got {bound}")
    mean = float(x.mean())
    se = float(x.std(ddof=1) / math.sqrt(x.size))
    t1 = float(_st.t.isf(delta, x.size - 1))
    lo, hi = mean - t1 * se, mean + t1 * se
    t2 = float(_st.t.isf(delta / 2, x.size - 1))
    different = bool(mean - t2 * se > bound or mean + t2 * se < -bound)
    res = (t1 + float(_st.norm.ppf((1 + power) / 2))) * se
    return Equivalence(mean, lo, hi, bound, float(res), bool(-bound < lo and hi < bound), different)


def t_interval(sample: Any, *, delta: float) -> Interval:
    r"""Student-t interval :math:`\bar x \pm t_{1-\delta/2, N-1}\,s/\sqrt N` for a small sample of
    independent replicates (seeds), where the CLT interval's ``N >= 200`` does not hold."""
    x = np.asarray(sample, dtype=float).ravel()
    if x.size < 2:
        raise ValueError(f"sample must hold at least 2 values; got {x.size}")
    mean = float(x.mean())
    hw = float(_st.t.isf(delta / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return Interval(mean, mean - hw, mean + hw, int(x.size), delta, "student-t")


def paired_t_pvalue(a: Any, b: Any) -> float:
    r"""Two-sided p-value of the paired t test of ``mean(a - b) = 0`` (``a``, ``b``: the same seeds
    under two setups), :math:`t = \bar d/(s_d/\sqrt N)` on ``N - 1`` degrees of freedom; 1 when the
    two samples are equal seed by seed (no difference to test).

    >>> round(paired_t_pvalue([1.0, 2.0, 3.0, 4.0], [0.5, 1.8, 2.1, 3.9]), 4)
    0.0989
    """
    x, y = np.asarray(a, dtype=float).ravel(), np.asarray(b, dtype=float).ravel()
    if x.shape != y.shape or x.size < 2:
        raise ValueError(f"a and b must be paired samples of equal size >= 2; got sizes {x.size} and {y.size}")
    if not np.any(x != y):
        return 1.0
    return float(_st.ttest_rel(x, y).pvalue)
