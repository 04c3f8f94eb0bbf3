r"""Feature collisions at initialisation (paper 1, §1.1 and the end of §2.5).

The model (paper 1, §1.1): each of ``n`` features is "initially most correlated" with one of
``m`` neurons — its neuron of largest absolute weight — and with the sign of that weight. With i.i.d.
Gaussian weights both are uniform and independent across features: the neuron is uniform on
``m`` and the sign is ±1 with probability ½ each.

Derived here, each from that model:

* pair collision probability :math:`P(\text{same neuron}) = \sum_{k=1}^m m^{-2} = 1/m`;
* expected colliding pairs :math:`\binom n2 / m = n(n-1)/(2m)`, which is :math:`\Theta(n^2/m)`;
* benign collision probability (same neuron, opposite signs) :math:`1/(2m)`;
* the exact expected number of polysemantic neurons (a neuron holding features of both
  signs), by inclusion–exclusion on "no positive feature" and "no negative feature":

  .. math:: \mathbb E[P] = m\Big(1 - 2\big(1-\tfrac{1}{2m}\big)^n + \big(1-\tfrac1m\big)^n\Big),

  and its variance from the joint law of two neurons (:data:`POLYSEMANTIC_VARIANCE`).
* with displacement (a loser of a same-sign collision moves to a free cell; derived in
  :mod:`theory.assignment`, re-exported here as :func:`expected_polysemantic_trained`) the count
  is :math:`n(n-1)/(2(2m-1))`, the finite-size theory of the trained count (issue: Fig 3);
* the paper's :math:`\binom n2 \frac{1}{2m} \sim \frac{n^2}{4m}` is the leading term:
  :math:`\lim_{m\to\infty} m\,\mathbb E[P] = n(n-1)/4`. At ``m`` close to ``n`` the exact
  expectation is markedly smaller (about :math:`0.62\,n^2/(4m)` at ``m = n``), because a
  neuron hit by several features counts once.

>>> expected_collisions(2, 4)
0.25
>>> round(expected_polysemantic(256, 256), 2), expected_polysemantic(256, 256, exact=False)
(39.6, 64.0)
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from .assignment import TRAINED_POLYSEMANTIC as POLYSEMANTIC_TRAINED
from .assignment import expected_polysemantic_trained
from .formulas import formula
from .symbols import k, m, n
from .validation import m_ge_n_arrays, scalar_or_array, require_bool

__all__ = [
    "PAIR_PROBABILITY",
    "EXPECTED_PAIRS",
    "PAIRS_ORDER",
    "BENIGN_PROBABILITY",
    "EXPECTED_BENIGN_PAIRS",
    "POLYSEMANTIC_PRINTED",
    "POLYSEMANTIC_EXACT",
    "POLYSEMANTIC_SECOND_MOMENT",
    "POLYSEMANTIC_VARIANCE",
    "pair_probability_derivation",
    "benign_probability_derivation",
    "polysemantic_derivation",
    "pair_probability",
    "expected_collisions",
    "benign_probability",
    "expected_benign",
    "expected_polysemantic",
    "polysemantic_variance",
    "POLYSEMANTIC_TRAINED",
    "expected_polysemantic_trained",
]

_P1 = "paper 1 §1.1"
_P25 = "paper 1 §2.5 (Benign and malign collisions)"

# --- pairs -------------------------------------------------------------------------------

PAIR_PROBABILITY = formula(
    "collisions.pair_probability",
    sp.Sum(1 / m**2, (k, 1, m)).doit(),
    source=_P1,
    printed=True,
    doc="P(features i and j share their initial argmax neuron) = sum_k (1/m)(1/m) = 1/m",
)

EXPECTED_PAIRS = formula(
    "collisions.expected_pairs",
    sp.factor(sp.binomial(n, 2).expand(func=True) * PAIR_PROBABILITY),
    source=_P1,
    printed=True,
    doc="Expected colliding pairs: binom(n, 2) / m = n(n-1)/(2m)",
)

PAIRS_ORDER = formula(
    "collisions.pairs_order",
    n**2 / m,
    source=_P1,
    printed=True,
    doc="Order of the expected number of collisions: Theta(n^2/m)",
)

# --- benign collisions -------------------------------------------------------------------

_s = sp.Symbol("s", integer=True)  # sign index 0 (+) or 1 (-)
_s2 = sp.Symbol("s2", integer=True)
_cell = 1 / (2 * m)  # probability that a feature lands on a given (neuron, sign) cell

BENIGN_PROBABILITY = formula(
    "collisions.benign_probability",
    sp.simplify(sp.Sum(2 * _cell * _cell, (k, 1, m)).doit()),
    source=_P25,
    printed=True,
    doc="P(i and j share a neuron with opposite signs) = sum_k 2 (1/(2m))^2 = 1/(2m)",
)

EXPECTED_BENIGN_PAIRS = formula(
    "collisions.expected_benign_pairs",
    sp.factor(sp.binomial(n, 2).expand(func=True) * BENIGN_PROBABILITY),
    source=_P25,
    printed=True,
    doc="Expected benign pairs: binom(n, 2)/(2m) = n(n-1)/(4m)",
)

# --- polysemantic neurons ----------------------------------------------------------------

POLYSEMANTIC_PRINTED = formula(
    "collisions.polysemantic_printed",
    n**2 / (4 * m),
    source=_P25,
    printed=True,
    doc="The paper's expected number of polysemantic neurons, binom(n,2)/(2m) ~ n^2/(4m)",
)


def _absent(cells: int) -> sp.Expr:
    """P(no feature lands in a given set of ``cells`` (neuron, sign) cells) = (1 - cells/(2m))^n."""
    return (1 - sp.Integer(cells) * _cell) ** n


# one neuron: events A+ = "no positive feature", A- = "no negative feature";
# P(polysemantic) = 1 - P(A+ or A-) = 1 - 2 P(A+) + P(A+ and A-)
_P_POLY = 1 - 2 * _absent(1) + _absent(2)

POLYSEMANTIC_EXACT = formula(
    "collisions.polysemantic_exact",
    m * _P_POLY,
    source=_P25 + " (exact finite-size expectation, derived)",
    printed=False,
    doc="Exact E[#polysemantic neurons] = m (1 - 2(1 - 1/(2m))^n + (1 - 1/m)^n)",
)

# two distinct neurons: four 'absent' events; inclusion-exclusion over subsets of size j
# gives sum_j (-1)^j C(4, j) (1 - j/(2m))^n.
_P_BOTH = sum((-1) ** jj * sp.binomial(4, jj) * _absent(jj) for jj in range(5))

POLYSEMANTIC_SECOND_MOMENT = formula(
    "collisions.polysemantic_second_moment",
    m * _P_POLY + m * (m - 1) * _P_BOTH,
    source=_P25 + " (derived)",
    printed=False,
    doc="E[P^2] = m p1 + m(m-1) p2 with p2 = P(two given neurons both polysemantic)",
)

POLYSEMANTIC_VARIANCE = formula(
    "collisions.polysemantic_variance",
    POLYSEMANTIC_SECOND_MOMENT - POLYSEMANTIC_EXACT**2,
    source=_P25 + " (derived)",
    printed=False,
    doc="Var[P] = E[P^2] - E[P]^2",
)


def pair_probability_derivation() -> list[tuple[str, sp.Expr, sp.Expr]]:
    """Steps from the model to 1/m (checked by :mod:`verify.identity`)."""
    return [
        ("sum over the shared neuron of (1/m)(1/m)", sp.Sum(1 / m**2, (k, 1, m)).doit(), PAIR_PROBABILITY),
        ("equals 1/m", PAIR_PROBABILITY, 1 / m),
        ("binom(n,2) pairs times 1/m", sp.binomial(n, 2).expand(func=True) / m, EXPECTED_PAIRS),
        ("equals n(n-1)/(2m)", EXPECTED_PAIRS, n * (n - 1) / (2 * m)),
    ]


def benign_probability_derivation() -> list[tuple[str, sp.Expr, sp.Expr]]:
    """Steps to 1/(2m): two sign orders, each a pair of cells of probability 1/(2m)."""
    cell_sum = sp.Sum(sp.Sum(sp.KroneckerDelta(_s, 1 - _s2) * _cell**2, (_s, 0, 1)), (_s2, 0, 1))
    return [
        ("opposite-sign cell pairs on one neuron", cell_sum.doit(), 2 * _cell**2),
        ("summed over the m neurons", m * 2 * _cell**2, BENIGN_PROBABILITY),
        ("equals 1/m x 1/2", BENIGN_PROBABILITY, sp.Rational(1, 2) / m),
        ("binom(n,2) pairs times 1/(2m)", sp.binomial(n, 2).expand(func=True) / (2 * m), EXPECTED_BENIGN_PAIRS),
    ]


def polysemantic_derivation() -> list[tuple[str, sp.Expr, sp.Expr]]:
    """Leading order of the exact expectation, symbolically: m E[P] -> n(n-1)/4 as m -> oo,
    and the ratio to the paper's n^2/(4m) tends to 1 as m -> oo then n -> oo."""
    lead = sp.limit(m * POLYSEMANTIC_EXACT, m, sp.oo)
    ratio = sp.limit(sp.limit(POLYSEMANTIC_EXACT / POLYSEMANTIC_PRINTED, m, sp.oo), n, sp.oo)
    return [
        ("lim_{m->oo} m E[P] (leading term)", lead, n * (n - 1) / 4),
        ("the leading term is the expected number of benign pairs", lead / m, EXPECTED_BENIGN_PAIRS),
        ("lim_{n->oo} lim_{m->oo} E[P] / (n^2/(4m))", ratio, sp.Integer(1)),
    ]


# --- fast numeric functions (float or array) ---------------------------------------------


def _nm(n_: object, m_: object) -> tuple[np.ndarray, np.ndarray]:
    """``n`` and ``m`` as float arrays, checked on the whole array at once (integers, ``1 <= n <= m``)."""
    return m_ge_n_arrays(n_, m_)




def pair_probability(n: object, m: object):
    """P(two given features collide) = 1/m (requires ``m >= n >= 1``).

    Integers ``1 <= n <= m``, numbers or arrays (broadcast). SymPy form: :data:`PAIR_PROBABILITY`.

    >>> pair_probability(2, 4), pair_probability(2, [4, 8])
    (0.25, array([0.25 , 0.125]))
    """
    nn, mm = _nm(n, m)
    return scalar_or_array(1.0 / mm, nn, mm)


def expected_collisions(n: object, m: object):
    r"""Expected colliding pairs :math:`n(n-1)/(2m)` (paper 1 §1.1).

    Integers ``1 <= n <= m``, numbers or arrays (broadcast). SymPy form: :data:`EXPECTED_PAIRS`.

    >>> expected_collisions([2, 4], 8)
    array([0.125, 0.75 ])
    """
    nn, mm = _nm(n, m)
    return scalar_or_array(nn * (nn - 1) / (2 * mm), nn, mm)


def benign_probability(n: object, m: object):
    """P(two given features collide with opposite signs) = 1/(2m) (paper 1 §2.5).

    Integers ``1 <= n <= m``, numbers or arrays (broadcast). SymPy form: :data:`BENIGN_PROBABILITY`.

    >>> benign_probability(2, 4)
    0.125
    """
    nn, mm = _nm(n, m)
    return scalar_or_array(1.0 / (2 * mm), nn, mm)


def expected_benign(n: object, m: object):
    r"""Expected benign pairs :math:`n(n-1)/(4m)` (paper 1 §2.5).

    Integers ``1 <= n <= m``, numbers or arrays (broadcast). SymPy form: :data:`EXPECTED_BENIGN_PAIRS`.

    >>> expected_benign(4, 8)
    0.375
    """
    nn, mm = _nm(n, m)
    return scalar_or_array(nn * (nn - 1) / (4 * mm), nn, mm)


def expected_polysemantic(n: object, m: object, exact: bool = True):
    r"""Expected number of polysemantic neurons at initialisation.

    ``exact=True``: :math:`m(1 - 2(1-\frac{1}{2m})^n + (1-\frac1m)^n)` (derived here);
    ``exact=False``: the paper's :math:`n^2/(4m)` (§2.5).

    Integers ``1 <= n <= m``, numbers or arrays (broadcast); ``exact`` must be ``True`` or
    ``False``. SymPy forms: :data:`POLYSEMANTIC_EXACT`, :data:`POLYSEMANTIC_PRINTED`.

    >>> round(expected_polysemantic(256, 256), 4)
    39.601
    >>> expected_polysemantic([2, 256], 256, exact=False)
    array([3.90625e-03, 6.40000e+01])
    >>> expected_polysemantic(10**400, 10**401)
    Traceback (most recent call last):
    ...
    ValueError: n must be within the float range (|n| < 1.8e+308); got an integer of 401 digits
    """
    nn, mm = _nm(n, m)
    if not require_bool("exact", exact):
        return scalar_or_array(nn**2 / (4 * mm), nn, mm)
    # 1 - 2a + b with a = (1-1/(2m))^n, b = (1-1/m)^n, computed as (1-a)^2 - (a^2 - b)
    # to avoid cancellation when n/m is small: a^2 - b = (1-1/(2m))^{2n} - (1-1/m)^n.
    # m = 1 forces n = 1: a single feature cannot make a neuron polysemantic (b = 0 there).
    with np.errstate(divide="ignore", invalid="ignore"):
        one_minus_a = -np.expm1(nn * np.log1p(-1 / (2 * mm)))
        log_b = nn * np.log1p(-1 / mm)
        a2_minus_b = np.exp(log_b) * np.expm1(nn * 2 * np.log1p(-1 / (2 * mm)) - log_b)
    a2_minus_b = np.where(mm == 1, 0.25, a2_minus_b)
    return scalar_or_array(mm * (one_minus_a**2 - a2_minus_b), nn, mm)


def polysemantic_variance(n: object, m: object):
    """Variance of the number of polysemantic neurons at initialisation (derived).

    ``m p1 (1 - p1) + m (m - 1)(p2 - p1^2)`` cancels badly in floating point when ``m >> n``,
    so it is evaluated with mpmath at 50 significant digits.

    Integers ``1 <= n <= m``; arrays are evaluated element by element. SymPy form:
    :data:`POLYSEMANTIC_VARIANCE`.

    >>> polysemantic_variance(2, 2)   # P is 0 or 1: p (1 - p) with p = 1/4
    0.1875
    """
    nn, mm = _nm(n, m)

    def one(a: float, b: float) -> float:
        with mpmath.workdps(50):
            a_, b_ = mpmath.mpf(a), mpmath.mpf(b)
            absent = [(1 - mpmath.mpf(c) / (2 * b_)) ** a_ for c in range(5)]
            p1 = 1 - 2 * absent[1] + absent[2]
            p2 = sum((-1) ** c * mpmath.binomial(4, c) * absent[c] for c in range(5))
            return float(b_ * p1 + b_ * (b_ - 1) * p2 - (b_ * p1) ** 2)

    return scalar_or_array(np.vectorize(one, otypes=[float])(nn, mm), nn, mm)
