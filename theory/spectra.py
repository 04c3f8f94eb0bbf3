r"""Eigenspectra, random projections and the zeta–action identity (paper 2, §2 "Codes produce
eigenspectra…", "Random projections reflect smoothness of code", eq. 4; Supplementary §2.5).

Setting (Supplementary §2.5). Activations :math:`A_t\in\mathbb R^m` (one row per frame
:math:`t=1..n`) with covariance :math:`\Sigma` (eigenvalues :math:`\lambda_i`), a random
projection :math:`r\in\mathbb R^{m\times k}` with i.i.d. entries :math:`r_{ij}\sim\mathcal N(0,1/m)`
(the paper takes :math:`k=3`) and :math:`z_t = A_t r\in\mathbb R^k`.

Derived here, each step a checked identity (:func:`energy_derivation`, :func:`action_derivation`):

* the trace trick: :math:`\mathbb E[rr^\top] = \sum_{j=1}^k \tfrac1m I = \tfrac km I`, hence the
  expected *energy* of one projected point is
  :math:`\mathbb E\,\tfrac12\|A r\|^2 = \tfrac{k}{2m}\operatorname{tr}\Sigma` (:data:`ENERGY_DERIVED`).
  The Supplement prints :math:`\tfrac12\langle\operatorname{tr}(r^\top r)\rangle
  \operatorname{tr}\langle A^\top A\rangle = \tfrac12\operatorname{tr}\Sigma`: the middle
  expression factorises a trace of a product into a product of traces and equals
  :math:`\tfrac k2\operatorname{tr}\Sigma` (since :math:`\langle\operatorname{tr} r^\top r\rangle = k`),
  and the right-hand side :math:`\tfrac12\operatorname{tr}\Sigma` (:data:`ENERGY_PRINTED`) drops the
  factor :math:`k/m` altogether.
* the *action* the text defines, :math:`\tfrac12\int\|\dot z\|^2dt`, discretised over the frames
  as :math:`\tfrac12\sum_t\|z_{t+1}-z_t\|^2`, has expectation
  :math:`\tfrac{k}{2m}\sum_t\|A_{t+1}-A_t\|^2` (:data:`ACTION_DERIVED`): a property of the
  *increments* of the trajectory, not of :math:`\operatorname{tr}\Sigma`. Only for frames that are
  independent over time is :math:`\mathbb E\sum_t\|\Delta A_t\|^2 = 2(n-1)\operatorname{tr}\Sigma`;
  for a smooth trajectory it is much smaller. Main-text eq. 4 prints
  :math:`\langle E[z]\rangle = \sum_{k=1}^m\lambda_k` (:data:`EQ4_ACTION_PRINTED`), the
  Supplement :math:`\tfrac12\sum_i\lambda_i`.
* with :math:`\lambda_i = i^\alpha` (normalised :math:`\lambda_1=1`) the finite sum is exactly
  :math:`\sum_{i=1}^m i^\alpha = \zeta(-\alpha)-\zeta(-\alpha, m+1)` for every
  :math:`\alpha\ne-1` (Hurwitz zeta, :data:`POWER_SUM_HURWITZ`), and by Euler–Maclaurin
  :math:`\sum_{i=1}^m i^\alpha = \zeta(-\alpha) + \frac{m^{1+\alpha}}{1+\alpha} + \frac{m^\alpha}2
  + \frac{\alpha m^{\alpha-1}}{12} + R` (:data:`POWER_SUM_ASYMPTOTIC`), with
  :math:`|R|\le |\alpha(\alpha-1)(\alpha-2)|\,m^{\alpha-3}/720` because :math:`x^\alpha` is
  completely monotone for :math:`\alpha<0`. For :math:`\alpha<-1` the series converges to
  :math:`\zeta(-\alpha)` (:data:`ZETA_LIMIT`) and the dropped tail is
  :math:`\zeta(-\alpha,m+1)\approx m^{1+\alpha}/(-1-\alpha)`, which decays slowly near
  :math:`\alpha=-1`; for :math:`\alpha>-1` the sum grows like :math:`m^{1+\alpha}/(1+\alpha)`, at
  :math:`\alpha=-1` like :math:`\log m+\gamma`. Main-text eq. 4 prints the limit as
  :math:`\tfrac12\zeta(-\alpha)` (:data:`EQ4_ZETA_PRINTED`) after equating it with
  :math:`\sum_k\lambda_k` (no ½): the two sides of the printed line differ by a factor 2.

Eq. 3 (:math:`C_\alpha\approx C-|\alpha|m\log(m/e)`) belongs to :mod:`theory.coding`
(``power_law_capacity``); it is re-exported here when that module provides it.

>>> round(power_sum(-2.0), 12) == round(float(mpmath.pi**2 / 6), 12)
True
>>> abs(power_sum(-0.5, 4) - (1 + 2**-0.5 + 3**-0.5 + 4**-0.5)) < 1e-14
True
>>> power_sum(-0.5)
Traceback (most recent call last):
...
ValueError: alpha must satisfy alpha < -1 for convergence of the infinite series sum_i i**alpha; got -0.5 (pass m for a finite sum)
"""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np
import sympy as sp

from .formulas import formula
from .symbols import alpha, i, j, k, m
from .validation import real_array, require_int, require_real

__all__ = [
    "trace_sigma",
    "increment_energy",
    "ENERGY_DERIVED",
    "ENERGY_PRINTED",
    "ENERGY_PRINTED_STEP",
    "ACTION_DERIVED",
    "EQ4_ACTION_PRINTED",
    "POWER_SUM_HURWITZ",
    "POWER_SUM_ASYMPTOTIC",
    "POWER_SUM_REMAINDER_BOUND",
    "ZETA_LIMIT",
    "EQ4_ZETA_PRINTED",
    "energy_derivation",
    "action_derivation",
    "zeta_derivation",
    "n_frames",
    "rho",
    "c_prop",
    "ACTION_AR1",
    "ACTION_PROPORTIONAL_PRINTED",
    "ACTION_ALPHA_ELASTICITY",
    "action_alpha_derivation",
    "power_sum",
    "power_sum_direct",
    "power_sum_asymptotic",
    "power_sum_remainder_bound",
    "zeta_tail",
    "expected_energy",
    "expected_action",
    "printed_energy",
    "printed_eq4_action",
]

trace_sigma = sp.Symbol("T_Sigma", positive=True)
r""":math:`\operatorname{tr}\Sigma = \sum_i \lambda_i`, the total variance of the activations."""
increment_energy = sp.Symbol("Q_Delta", positive=True)
r""":math:`\sum_t \|A_{t+1}-A_t\|^2`, the summed squared increments of the activation trajectory."""

_SUPP = "paper 2, Supplementary §2.5"
_EQ4 = "paper 2, §2 'Random projections reflect smoothness of code', eq. 4"

# --- energy of one projected point (the Supplement's computation) ------------------------

ENERGY_DERIVED = formula(
    "spectra.energy_derived",
    k * trace_sigma / (2 * m),
    source=_SUPP,
    printed=False,
    doc="E 1/2 ||A r||^2 = 1/2 tr(Sigma E[r r^T]) = k/(2m) tr Sigma for r_ij ~ N(0, 1/m), k columns",
)

ENERGY_PRINTED = formula(
    "spectra.energy_printed",
    trace_sigma / 2,
    source=_SUPP,
    printed=True,
    doc="Printed: <E[z]> = 1/2 <tr(r^T r)> tr(<A^T A>) = 1/2 tr(Sigma)",
)

ENERGY_PRINTED_STEP = formula(
    "spectra.energy_printed_step",
    sp.Rational(1, 2) * sp.Sum(sp.Sum(1 / m, (i, 1, m)), (j, 1, k)).doit() * trace_sigma,
    source=_SUPP,
    printed=True,
    doc="The printed middle step 1/2 <tr(r^T r)> tr(Sigma) evaluated: <tr r^T r> = m k / m = k, so k/2 tr Sigma",
)

# --- the action over a trajectory of frames -----------------------------------------------

ACTION_DERIVED = formula(
    "spectra.action_derived",
    k * increment_energy / (2 * m),
    source=_EQ4,
    printed=False,
    doc="E 1/2 sum_t ||z_{t+1} - z_t||^2 = k/(2m) sum_t ||A_{t+1} - A_t||^2",
)

EQ4_ACTION_PRINTED = formula(
    "spectra.eq4_action_printed",
    trace_sigma,
    source=_EQ4,
    printed=True,
    doc="Printed (main text eq. 4): <E[z]> = sum_{k=1}^m lambda_k = tr Sigma",
)

# --- power sums and zeta --------------------------------------------------------------------

POWER_SUM_HURWITZ = formula(
    "spectra.power_sum_hurwitz",
    sp.zeta(-alpha) - sp.zeta(-alpha, m + 1),
    source=_SUPP,
    printed=False,
    doc="sum_{i=1}^m i^alpha = zeta(-alpha) - zeta(-alpha, m+1) (Hurwitz), alpha != -1",
)

POWER_SUM_ASYMPTOTIC = formula(
    "spectra.power_sum_asymptotic",
    sp.zeta(-alpha) + m ** (1 + alpha) / (1 + alpha) + m**alpha / 2 + alpha * m ** (alpha - 1) / 12,
    source=_SUPP,
    printed=False,
    doc="Euler-Maclaurin: sum_{i<=m} i^alpha = zeta(-alpha) + m^(1+alpha)/(1+alpha) + m^alpha/2 + alpha m^(alpha-1)/12 + R",
)

POWER_SUM_REMAINDER_BOUND = sp.Abs(alpha * (alpha - 1) * (alpha - 2)) * m ** (alpha - 3) / 720
r""":math:`|R| \le |\alpha(\alpha-1)(\alpha-2)|\,m^{\alpha-3}/720`: the first omitted Euler–Maclaurin term
(:math:`B_4/4!\,f'''(m)`), a bound on the remainder since :math:`x^\alpha` (:math:`\alpha<0`) is completely monotone."""

ZETA_LIMIT = formula(
    "spectra.zeta_limit",
    sp.zeta(-alpha),
    source=_SUPP,
    printed=True,
    doc="Supplement: sum_{i=1}^infty i^alpha = zeta(-alpha), converging iff alpha < -1",
)

EQ4_ZETA_PRINTED = formula(
    "spectra.eq4_zeta_printed",
    sp.zeta(-alpha) / 2,
    source=_EQ4,
    printed=True,
    doc="Printed (main text eq. 4): sum_{k=1}^m lambda_k ~ 1/2 zeta(-alpha)",
)


def energy_derivation() -> list[tuple[str, sp.Expr, sp.Expr]]:
    r"""The Supplement's trace trick, step by step.

    1. :math:`\mathbb E[rr^\top]_{aa} = \sum_{j=1}^k \mathbb E r_{aj}^2 = k/m` (off-diagonal 0);
    2. at a concrete size (``m=3``, ``k=2``, generic symmetric :math:`\Sigma`), expanding
       :math:`\operatorname{tr}(r^\top\Sigma r)` and taking Gaussian second moments gives
       :math:`\tfrac km\operatorname{tr}\Sigma` — the general case is linearity of the trace;
    3. hence :math:`\tfrac12\mathbb E\operatorname{tr}(r^\top\Sigma r) = \tfrac{k}{2m}\operatorname{tr}\Sigma`;
    4. the printed middle step :math:`\tfrac12\langle\operatorname{tr}r^\top r\rangle\operatorname{tr}\Sigma`
       equals :math:`\tfrac k2\operatorname{tr}\Sigma` (it is *not* the printed :math:`\tfrac12\operatorname{tr}\Sigma`).
    """
    diag = sp.Sum(1 / m, (j, 1, k)).doit()
    m0, k0 = 3, 2
    sig = sp.Matrix(m0, m0, lambda a, b: sp.Symbol(f"s_{min(a, b)}{max(a, b)}", real=True))
    r = sp.Matrix(m0, k0, lambda a, b: sp.Symbol(f"r_{a}{b}", real=True))
    quad = sp.expand((r.T * sig * r).trace())
    expect = _gaussian_second_moments(quad, list(r), variance=sp.Rational(1, m0))
    return [
        ("E[r r^T]_aa = sum_{j<=k} 1/m", diag, k / m),
        (
            "E tr(r^T Sigma r) = (k/m) tr Sigma at m=3, k=2 (explicit second moments)",
            expect,
            sp.Rational(k0, m0) * sig.trace(),
        ),
        ("1/2 E tr(r^T Sigma r) = k/(2m) tr Sigma", sp.Rational(1, 2) * diag * trace_sigma, ENERGY_DERIVED),
        ("printed step 1/2 <tr r^T r> tr Sigma = k/2 tr Sigma", ENERGY_PRINTED_STEP, k * trace_sigma / 2),
    ]


def _gaussian_second_moments(poly: sp.Expr, variables: list[sp.Symbol], variance: sp.Expr) -> sp.Expr:
    """Expectation of a polynomial of degree <= 2 in independent N(0, variance) variables."""
    p = sp.Poly(poly, *variables)
    total = sp.Integer(0)
    for monom, coeff in p.terms():
        if sum(monom) == 0:
            total += coeff
        elif sum(monom) == 2 and max(monom) == 2:
            total += coeff * variance
        elif sum(monom) > 2:
            raise ValueError("only polynomials of degree <= 2 are supported")
    return sp.expand(total)


def action_derivation() -> list[tuple[str, sp.Expr, sp.Expr]]:
    r"""The expected discrete action :math:`\tfrac12\sum_t\|\Delta A_t r\|^2`.

    Each increment :math:`\Delta A_t = A_{t+1}-A_t` is projected by the same :math:`r`, so by the
    trace trick of :func:`energy_derivation` each term contributes
    :math:`\tfrac{k}{2m}\|\Delta A_t\|^2`; checked at three frames with ``m=2``, ``k=2``.
    For frames independent over time with covariance :math:`\Sigma`,
    :math:`\mathbb E\|\Delta A_t\|^2 = 2\operatorname{tr}\Sigma`, so then (and only then)
    the action is :math:`\tfrac{k(n-1)}{m}\operatorname{tr}\Sigma`.
    """
    m0, k0, n0 = 2, 2, 3
    a = sp.Matrix(n0, m0, lambda t_, b: sp.Symbol(f"a_{t_}{b}", real=True))
    r = sp.Matrix(m0, k0, lambda a_, b: sp.Symbol(f"r_{a_}{b}", real=True))
    z = a * r
    action = sp.Rational(1, 2) * sum(
        ((z[t_ + 1, c] - z[t_, c]) ** 2 for t_ in range(n0 - 1) for c in range(k0)), sp.Integer(0)
    )
    expect = _gaussian_second_moments(sp.expand(action), list(r), variance=sp.Rational(1, m0))
    q = sum(((a[t_ + 1, b] - a[t_, b]) ** 2 for t_ in range(n0 - 1) for b in range(m0)), sp.Integer(0))
    return [
        (
            "E 1/2 sum_t ||z_{t+1}-z_t||^2 = k/(2m) sum_t ||A_{t+1}-A_t||^2 at n=3, m=2, k=2",
            expect,
            ACTION_DERIVED.subs({k: k0, m: m0, increment_energy: q}),
        ),
        (
            "independent frames: E sum_t ||dA_t||^2 = 2(n-1) tr Sigma gives k(n-1)/m tr Sigma",
            ACTION_DERIVED.subs(increment_energy, 2 * (sp.Symbol("n", positive=True, integer=True) - 1) * trace_sigma),
            k * (sp.Symbol("n", positive=True, integer=True) - 1) * trace_sigma / m,
        ),
    ]


def zeta_derivation() -> list[tuple[str, sp.Expr, sp.Expr]]:
    r"""The finite power sum through the Hurwitz zeta function.

    :math:`\zeta(s,a)-\zeta(s,a+1) = a^{-s}` (the defining recurrence, true for all
    :math:`s\ne1` by analytic continuation), telescoped from :math:`a=1` to :math:`m`, gives
    :math:`\sum_{i=1}^m i^{\alpha} = \zeta(-\alpha,1)-\zeta(-\alpha,m+1)`, and
    :math:`\zeta(s,1)=\zeta(s)`. Checked at concrete ``a`` and ``m`` with ``alpha`` at random
    high-precision points (a fully symbolic ``a`` makes ``simplify`` stall).
    """
    steps: list[tuple[str, sp.Expr, sp.Expr]] = [
        (f"zeta(-alpha, {q}) - zeta(-alpha, {q + 1}) = {q}^alpha", sp.zeta(-alpha, q) - sp.zeta(-alpha, q + 1), sp.Integer(q) ** alpha)
        for q in (1, 3)
    ]
    steps.append(("zeta(-alpha, 1) = zeta(-alpha)", sp.zeta(-alpha, 1), sp.zeta(-alpha)))
    for m_ in (4, 9):
        steps.append(
            (
                f"sum_{{i<={m_}}} i^alpha = zeta(-alpha) - zeta(-alpha, {m_ + 1})",
                sum((sp.Integer(q) ** alpha for q in range(1, m_ + 1)), sp.Integer(0)),
                POWER_SUM_HURWITZ.subs(m, m_),
            )
        )
    return steps


# --- numeric API ---------------------------------------------------------------------------


def power_sum(alpha: Any, m: Any = None, *, dps: int = 40) -> float:
    r""":math:`\sum_{i=1}^m i^\alpha`; with ``m=None`` the infinite series :math:`\zeta(-\alpha)`.

    Finite ``m``: :math:`\zeta(-\alpha)-\zeta(-\alpha,m+1)` with mpmath's Hurwitz zeta at ``dps``
    digits (harmonic number at :math:`\alpha=-1`). Infinite: refused unless :math:`\alpha<-1` — for
    :math:`\alpha\ge-1` the series diverges and :math:`\zeta(-\alpha)` is only its analytic continuation
    (e.g. :math:`\zeta(1/2)\approx-1.46`, a negative "sum" of positive eigenvalues).

    >>> round(power_sum(-2.0, 3), 12) == round(1 + 1/4 + 1/9, 12)
    True
    """
    a = require_real("alpha", alpha)
    if m is None:
        if a >= -1:
            raise ValueError(
                f"alpha must satisfy alpha < -1 for convergence of the infinite series sum_i i**alpha; "
                f"got {a} (pass m for a finite sum)"
            )
        with mpmath.workdps(dps):
            return float(mpmath.zeta(-mpmath.mpf(a)))
    m_ = require_int("m", m, minimum=1)
    with mpmath.workdps(dps):
        if a == -1:
            return float(mpmath.harmonic(m_))
        s = -mpmath.mpf(a)
        return float(mpmath.zeta(s) - mpmath.zeta(s, m_ + 1))


def power_sum_direct(alpha: Any, m: Any, *, dps: int = 50) -> float:
    """:math:`\\sum_{i=1}^m i^\\alpha` by direct summation in ``dps``-digit arithmetic (reference).

    >>> round(power_sum_direct(-2.0, 3), 12) == round(1 + 1/4 + 1/9, 12)
    True
    """
    a = require_real("alpha", alpha)
    m_ = require_int("m", m, minimum=1)
    with mpmath.workdps(dps):
        aa = mpmath.mpf(a)
        return float(mpmath.fsum(mpmath.mpf(q) ** aa for q in range(1, m_ + 1)))


_ASYM = sp.lambdify((alpha, m), POWER_SUM_ASYMPTOTIC - sp.zeta(-alpha), "mpmath")
_BOUND = sp.lambdify((alpha, m), POWER_SUM_REMAINDER_BOUND, "mpmath")


def power_sum_asymptotic(alpha: Any, m: Any) -> float:
    """The four-term Euler–Maclaurin form :data:`POWER_SUM_ASYMPTOTIC` (``alpha < 0``, ``alpha != -1``).

    >>> abs(power_sum_asymptotic(-2.0, 100) - power_sum(-2.0, 100)) <= power_sum_remainder_bound(-2.0, 100)
    True
    """
    a = require_real("alpha", alpha)
    m_ = require_int("m", m, minimum=1)
    if a >= 0 or a == -1:
        raise ValueError(f"alpha must satisfy alpha < 0 and alpha != -1 (Euler-Maclaurin form); got {a}")
    with mpmath.workdps(40):
        return float(mpmath.zeta(-mpmath.mpf(a)) + _ASYM(mpmath.mpf(a), mpmath.mpf(m_)))


def power_sum_remainder_bound(alpha: Any, m: Any) -> float:
    """Bound on the remainder of :func:`power_sum_asymptotic` (:data:`POWER_SUM_REMAINDER_BOUND`).

    >>> power_sum_remainder_bound(-2.0, 100)   # |(-2)(-3)(-4)| 100^-5 / 720
    3.333333333333333e-12
    """
    a = require_real("alpha", alpha)
    m_ = require_int("m", m, minimum=1)
    with mpmath.workdps(40):
        return float(_BOUND(mpmath.mpf(a), mpmath.mpf(m_)))


def zeta_tail(alpha: Any, m: Any) -> float:
    r"""The tail the Supplement drops, :math:`\sum_{i>m} i^\alpha = \zeta(-\alpha, m+1)` (``alpha < -1``).

    >>> round(zeta_tail(-2.0, 1000), 10)   # about 1/m for alpha = -2
    0.0009995002
    """
    a = require_real("alpha", alpha)
    m_ = require_int("m", m, minimum=1)
    if a >= -1:
        raise ValueError(f"alpha must satisfy alpha < -1 for convergence of the tail; got {a}")
    with mpmath.workdps(40):
        return float(mpmath.zeta(-mpmath.mpf(a), m_ + 1))


def _acts(acts: Any) -> np.ndarray:
    x = real_array("acts", acts, finite=False, allow_nan=True)  # NaN and inf: one message below
    if x.ndim != 2:
        raise ValueError(f"acts must be a 2-D array (frames x units); got shape {x.shape}")
    if x.shape[0] < 2 or x.shape[1] < 1:
        raise ValueError(f"acts must hold at least 2 frames and 1 unit; got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("acts must be finite (no NaN or infinite values)")
    return x


def _k(kk: Any) -> int:
    return require_int("k", kk, minimum=1)


_ENERGY = sp.lambdify((k, m, trace_sigma), ENERGY_DERIVED, "numpy")
_ACTION = sp.lambdify((k, m, increment_energy), ACTION_DERIVED, "numpy")
_ENERGY_P = sp.lambdify((trace_sigma,), ENERGY_PRINTED, "numpy")
_EQ4_P = sp.lambdify((trace_sigma,), EQ4_ACTION_PRINTED, "numpy")


def _trace_cov(x: np.ndarray) -> float:
    """tr of the (ddof=0) covariance of the rows: the sum of its eigenvalues."""
    return float(np.sum((x - x.mean(axis=0)) ** 2) / x.shape[0])


def expected_energy(acts: Any, k: Any = 3) -> float:
    r""":math:`\mathbb E_r\,\overline{\tfrac12\|(A_t-\bar A)r\|^2} = \tfrac{k}{2m}\operatorname{tr}\hat\Sigma`
    (:data:`ENERGY_DERIVED`), :math:`\hat\Sigma` the (``ddof=0``) covariance of the rows of ``acts``.

    NumPy only: pass torch activations as ``A.detach().cpu().numpy()``.

    >>> acts = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 2.0]])   # tr Sigma = 10/9
    >>> round(expected_energy(acts, k=3), 12)   # 3/(2*2) * 10/9
    0.833333333333
    """
    x = _acts(acts)
    return float(_ENERGY(_k(k), x.shape[1], _trace_cov(x)))


def expected_action(acts: Any, k: Any = 3) -> float:
    r""":math:`\mathbb E_r\,\tfrac12\sum_t\|z_{t+1}-z_t\|^2 = \tfrac{k}{2m}\sum_t\|A_{t+1}-A_t\|^2`
    (:data:`ACTION_DERIVED`), rows of ``acts`` the frames in time order.

    NumPy only: pass torch activations as ``A.detach().cpu().numpy()``.

    >>> acts = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 2.0]])   # increments (1, 0), (0, 2)
    >>> expected_action(acts, k=3)   # 3/(2*2) * (1 + 4)
    3.75
    """
    x = _acts(acts)
    q = float(np.sum(np.diff(x, axis=0) ** 2))
    return float(_ACTION(_k(k), x.shape[1], q))


def printed_energy(acts: Any, k: Any = 3) -> float:
    r"""The Supplement's printed :math:`\langle E[z]\rangle = \tfrac12\operatorname{tr}\Sigma` (:data:`ENERGY_PRINTED`).

    >>> acts = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 2.0]])
    >>> round(printed_energy(acts), 12)   # 1/2 * 10/9
    0.555555555556
    """
    x = _acts(acts)
    _k(k)
    return float(_ENERGY_P(_trace_cov(x)))


def printed_eq4_action(acts: Any, k: Any = 3) -> float:
    r"""Main-text eq. 4 as printed: :math:`\langle E[z]\rangle = \sum_k\lambda_k = \operatorname{tr}\Sigma` (:data:`EQ4_ACTION_PRINTED`).

    >>> acts = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 2.0]])
    >>> round(printed_eq4_action(acts), 12)   # tr Sigma
    1.111111111111
    """
    x = _acts(acts)
    _k(k)
    return float(_EQ4_P(_trace_cov(x)))


# --- how the action depends on alpha ("proportional to the decay factor alpha") ----------------

n_frames = sp.Symbol("n_frames", positive=True, integer=True)
"""Number of frames of the activation trajectory."""
rho = sp.Symbol("rho", nonnegative=True)
r"""Lag-one correlation of a stationary AR(1) trajectory, :math:`x_{t+1} = \rho x_t + \sqrt{1-\rho^2}\,\varepsilon_t` (``0 <= rho < 1``)."""
c_prop = sp.Symbol("c", positive=True)
"""The unstated constant of a proportionality."""

ACTION_AR1 = formula(
    "spectra.action_ar1",
    k * (n_frames - 1) * (1 - rho) * POWER_SUM_HURWITZ / m,
    source=_EQ4 + " (derived: the action of a stationary AR(1) trajectory with eigenvalues i^alpha)",
    printed=False,
    doc="E[1/2 sum_t ||z_{t+1} - z_t||^2] = k (n-1)(1-rho)/m * sum_{i<=m} i^alpha: alpha enters only through tr Sigma",
)

ACTION_PROPORTIONAL_PRINTED = formula(
    "spectra.action_proportional_printed",
    c_prop * (-alpha),
    source=_EQ4 + " ('their average action ... is proportional to the decay factor alpha')",
    printed=True,
    doc="<E[z]> = c |alpha| (c > 0; alpha < 0, the action positive): log-log slope 1 in |alpha|",
)

ACTION_ALPHA_ELASTICITY = formula(
    "spectra.action_alpha_elasticity",
    alpha * sp.Sum(i**alpha * sp.log(i), (i, 1, m)) / sp.Sum(i**alpha, (i, 1, m)),
    source=_EQ4 + " (derived: d ln<E> / d ln|alpha| for lambda_i = i^alpha)",
    printed=False,
    doc="alpha sum i^alpha ln i / sum i^alpha: negative for alpha < 0 (the action falls as |alpha| grows); 1 if proportional",
)


def action_alpha_derivation() -> list[tuple[str, sp.Expr, sp.Expr]]:
    r"""How the expected action depends on the exponent :math:`\alpha` of :math:`\lambda_i = i^\alpha`.

    1. For a stationary AR(1) trajectory (unit variance per white coordinate), one increment has
       :math:`\mathbb E(x_{t+1}-x_t)^2 = (1-\rho)^2 + (1-\rho^2) = 2(1-\rho)`, so
       :math:`\mathbb E\sum_t\|\Delta A_t\|^2 = 2(n-1)(1-\rho)\operatorname{tr}\Sigma`;
    2. with :data:`ACTION_DERIVED` the expected action is
       :math:`\tfrac km(n-1)(1-\rho)\sum_{i\le m}i^\alpha` (:data:`ACTION_AR1`): every factor but the
       eigenvalue sum is free of :math:`\alpha`;
    3. its log-log slope in :math:`|\alpha|` is therefore
       :math:`\alpha\,\partial_\alpha\ln\sum_i i^\alpha = \alpha\sum_i i^\alpha\ln i/\sum_i i^\alpha`
       (:data:`ACTION_ALPHA_ELASTICITY`; checked at ``m = 4``), negative for :math:`\alpha<0`;
    4. "proportional to :math:`\alpha`" (:data:`ACTION_PROPORTIONAL_PRINTED`, :math:`c|\alpha|`) has
       log-log slope 1 whatever :math:`c`.
    """
    x0, e0 = sp.symbols("x_0 varepsilon_0", real=True)
    inc = sp.expand(((rho - 1) * x0 + sp.sqrt(1 - rho**2) * e0) ** 2)
    m0 = 4
    finite = k * (n_frames - 1) * (1 - rho) * sum((sp.Integer(q) ** alpha for q in range(1, m0 + 1)), sp.Integer(0)) / m0
    return [
        ("E(x_{t+1} - x_t)^2 = 2(1 - rho) per unit-variance AR(1) coordinate",
         _gaussian_second_moments(inc, [x0, e0], variance=sp.Integer(1)), 2 * (1 - rho)),
        ("E action = k/(2m) * 2(n-1)(1-rho) sum_{i<=m} i^alpha",
         ACTION_DERIVED.subs(increment_energy, 2 * (n_frames - 1) * (1 - rho) * POWER_SUM_HURWITZ), ACTION_AR1),
        ("d ln E / d ln|alpha| = alpha sum i^alpha ln i / sum i^alpha at m = 4",
         alpha * sp.diff(finite, alpha) / finite, ACTION_ALPHA_ELASTICITY.subs(m, m0).doit()),
        ("printed: d ln(c |alpha|) / d ln|alpha| = 1", alpha * sp.diff(sp.log(ACTION_PROPORTIONAL_PRINTED), alpha), sp.Integer(1)),
    ]


try:  # eq. 3 is owned by theory.coding (Theorem 4); re-export it when present
    from .coding import power_law_capacity  # type: ignore[attr-defined]  # noqa: F401

    __all__.append("power_law_capacity")
except ImportError:  # pragma: no cover - depends on the coding topic having landed
    pass
