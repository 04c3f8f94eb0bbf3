r"""A finite-size theory of the trained polysemantic count: collisions with displacement.

Paper 1 (§1.1, §2.5) predicts :math:`\binom n2\frac1{2m}\sim\frac{n^2}{4m}` polysemantic neurons
from benign collisions at initialisation. The exact expectation of that initialisation-only
argument (each feature keeps its initial argmax neuron and sign; :mod:`theory.collisions`) is

.. math:: \mathbb E[P_0] = m\Big(1 - 2\big(1-\tfrac1{2m}\big)^n + \big(1-\tfrac1m\big)^n\Big),

about 40 at ``n = m = 256``, while trained networks reach about 64. This module models what
§2.5 leaves out: the loser of a malign collision is not lost, it moves on.

The displacement model
----------------------
A *cell* is a pair (neuron ``k``, sign ``s``): ``2m`` cells. Assumptions:

* **A1 (initialisation, §1.1).** Each feature's initial argmax cell is uniform on the ``2m``
  cells, independently across features (i.i.d. Gaussian weights: uniform neuron, fair sign).
* **A2 (capacity, §2.5).** Training ends with at most one feature per cell: a same-sign
  collision pushes one feature out (malign); opposite signs coexist (benign). Every feature
  ends on some cell (``m >= n`` leaves room). Trained networks show exactly this.
* **A3 (displacement is uniform).** A pushed-out feature lands on a uniformly random free cell.
  Equivalently, in arrival order feature ``j`` keeps its initial cell if it is free and
  otherwise goes to a uniformly random free cell.

A3 is the idealisation. In the Gaussian process (:mod:`numerics.assignment`) a displaced
feature goes to its next-largest weight, which is a uniform neuron with a fair sign — except
that it can never take the opposite-sign cell of a neuron it was pushed off, and contests are
decided by strength rather than arrival. To second order in ``1/m`` that process has
:math:`\mathbb E[P] = n(n-1)/(4m) + O(n^4/m^3)` — the paper's :math:`\binom n2\frac1{2m}`, now
as a count *with* displacement (:func:`gaussian_second_order_derivation`) — and the closed form
below exceeds it by :math:`n(n-1)/(8m^2)`, under 0.13 neuron for every ``m >= n``.

Derivation (checked step by step in :func:`displacement_derivation`)
--------------------------------------------------------------------
1. Given ``j-1`` occupied cells, feature ``j`` lands on a given free cell with probability
   :math:`\frac1{2m} + \frac{j-1}{2m}\cdot\frac1{2m-j+1} = \frac1{2m-j+1}`: uniform on the free cells.
2. So every ordered sequence of ``n`` distinct cells has probability
   :math:`\prod_{j=1}^n\frac1{2m-j+1} = \frac{(2m-n)!}{(2m)!}`, independent of the cells: the
   final occupied set is a uniformly random ``n``-subset of the ``2m`` cells.
3. Neuron ``k`` is polysemantic iff both its cells are occupied:
   :math:`\binom{2m-2}{n-2}/\binom{2m}{n} = \frac{n(n-1)}{2m(2m-1)}`.
4. Summing over the ``m`` neurons:

   .. math:: \mathbb E[P] = \frac{n(n-1)}{2(2m-1)} .

5. Two given neurons both polysemantic: :math:`\frac{n(n-1)(n-2)(n-3)}{2m(2m-1)(2m-2)(2m-3)}`, so
   :math:`\mathbb E[P(P-1)] = m(m-1)\cdot` that, and
   :math:`\mathrm{Var}[P] = \mathbb E[P] + \mathbb E[P(P-1)] - \mathbb E[P]^2` (:data:`TRAINED_VARIANCE`).

Large-``m`` expansion, term by term (:func:`expansion_table`)::

    displacement        n(n-1)/(4m) + n(n-1)/(8m^2)        + O(n^2/m^3)
    initialisation only n(n-1)/(4m) - n(n-1)(n-2)/(8m^2)   + O(n^4/m^3)
    paper               n^2/(4m)

All three share the leading :math:`n^2/(4m)` (up to :math:`-n/(4m)`). They part at order
:math:`1/m^2`, by :math:`n(n-1)^2/(8m^2)`: the initialisation-only count loses about
:math:`n^3/(8m^2)` (a neuron hit by several features counts once), which is of order ``n`` at
``m ~ n``; displacement restores it. In fact
:math:`\mathbb E[P]\big/\frac{n^2}{4m} = \frac{1-1/n}{1-1/(2m)} \in [1-\frac1n, 1]` for every
``m >= n``: under displacement the paper's :math:`n^2/(4m)` is accurate to a relative
:math:`1/n` at every width, which is why Fig 3's constant 1/4 "seems fairly accurate" even at
``m = n``, where the initialisation-only argument it rests on is 38% low.
Trained networks (plain GD + l1, ``n = 256``; ``verify/claims/assignment.py``) follow this
count at ``m <= 2n`` and fall below it, and below the initialisation-only count too, from
``m = 4n`` on: there the training dynamics, not the collision picture, set the count.

Staying on the initial argmax (:data:`STAY_BOUND`): a feature keeps its initial neuron only
if it wins the contest on its initial cell, where :math:`K\sim\mathrm{Bin}(n-1, \frac1{2m})`
rivals start; with exchangeable strengths it wins with probability :math:`1/(K+1)`, so

.. math:: P(\text{stay}) \le \mathbb E\Big[\frac1{K+1}\Big] = \frac{2m}{n}\Big(1-\big(1-\tfrac1{2m}\big)^n\Big)
   = 1 - \frac{n-1}{4m} + O(n^2/m^2),

an upper bound because a later arrival (a displaced, stronger feature) can still push it off.

>>> round(expected_polysemantic_trained(256, 256), 3)
63.875
>>> round(expected_polysemantic_trained(256, 512), 3)
31.906
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from .formulas import formula
from .symbols import j, m, n
from .validation import m_ge_n_arrays, scalar_or_array

__all__ = [
    "TRAINED_POLYSEMANTIC",
    "TRAINED_FACTORIAL_MOMENT",
    "TRAINED_VARIANCE",
    "STAY_BOUND",
    "GAUSSIAN_SECOND_ORDER",
    "displacement_derivation",
    "gaussian_second_order_derivation",
    "variance_derivation",
    "expansion_derivation",
    "stay_derivation",
    "expansion_table",
    "expected_polysemantic_trained",
    "polysemantic_trained_variance",
    "stay_probability_bound",
    "gaussian_second_order",
]

_SRC = "paper 1 §1.1, §2.5 (displacement model, derived; not in the paper)"

_p = sp.Symbol("p", positive=True)  # per-cell probability 1/(2m)
_r = sp.Symbol("r", integer=True, nonnegative=True)  # number of rivals
_x = sp.Symbol("x", positive=True)  # 1/m for expansions


def _ff(a: sp.Expr, r: int) -> sp.Expr:
    """Falling factorial a (a-1) ... (a-r+1), written out."""
    return sp.Mul(*[a - q for q in range(r)])


# step 3: P(both cells of one neuron occupied) under a uniform n-subset of 2m cells
_P_NEURON = sp.factor(_ff(n, 2) / _ff(2 * m, 2))
# step 5: P(all four cells of two given neurons occupied)
_P_TWO = _ff(n, 4) / _ff(2 * m, 4)

TRAINED_POLYSEMANTIC = formula(
    "assignment.expected_polysemantic",
    sp.factor(m * _P_NEURON),
    source=_SRC,
    printed=False,
    doc="E[#polysemantic] after displacement = n(n-1)/(2(2m-1)) (uniform n-subset of the 2m cells)",
)

TRAINED_FACTORIAL_MOMENT = formula(
    "assignment.factorial_moment",
    sp.factor(m * (m - 1) * _P_TWO),
    source=_SRC,
    printed=False,
    doc="E[P(P-1)] = m(m-1) n(n-1)(n-2)(n-3) / ((2m)(2m-1)(2m-2)(2m-3))",
)

TRAINED_VARIANCE = formula(
    "assignment.variance",
    sp.factor(TRAINED_POLYSEMANTIC + TRAINED_FACTORIAL_MOMENT - TRAINED_POLYSEMANTIC**2),
    source=_SRC,
    printed=False,
    doc="Var[P] = E[P] + E[P(P-1)] - E[P]^2",
)

STAY_BOUND = formula(
    "assignment.stay_bound",
    2 * m / n * (1 - (1 - 1 / (2 * m)) ** n),
    source="paper 1 §2.5 ('the larger of the two wins out'; derived)",
    printed=False,
    doc="P(feature ends on its initial argmax) <= E[1/(K+1)], K ~ Bin(n-1, 1/(2m)): (2m/n)(1-(1-1/(2m))^n)",
)

GAUSSIAN_SECOND_ORDER = formula(
    "assignment.gaussian_second_order",
    n * (n - 1) / (4 * m),
    source="paper 1 §2.5 (Gaussian displacement process to second order in 1/m; derived)",
    printed=False,
    doc="Gaussian displacement process: E[P] = n(n-1)/(4m) + O(n^4/m^3), no 1/m^2 term",
)

_INIT_ONLY = m * (1 - 2 * (1 - 1 / (2 * m)) ** n + (1 - 1 / m) ** n)
_PAPER = n**2 / (4 * m)


def displacement_derivation() -> list[tuple[str, sp.Expr, sp.Expr]]:
    """Steps 1–4 of the module docstring, as (label, lhs, rhs) identities."""
    jj = j
    seq = sp.Product(1 / (2 * m - jj + 1), (jj, 1, n)).doit()
    return [
        (
            "A3: P(feature j lands on a given free cell) = 1/(2m) + (j-1)/(2m) * 1/(2m-j+1)",
            1 / (2 * m) + (jj - 1) / (2 * m) / (2 * m - jj + 1),
            1 / (2 * m - jj + 1),
        ),
        (
            "an ordered sequence of n distinct cells has probability (2m-n)!/(2m)!, whatever the cells",
            seq,
            sp.factorial(2 * m - n) / sp.factorial(2 * m),
        ),
        (
            "P(both cells of a neuron occupied) = C(2m-2, n-2) / C(2m, n)",
            sp.combsimp(sp.binomial(2 * m - 2, n - 2) / sp.binomial(2 * m, n)),
            _P_NEURON,
        ),
        ("E[P] = m * n(n-1)/(2m(2m-1))", m * _P_NEURON, TRAINED_POLYSEMANTIC),
        ("equals n(n-1)/(2(2m-1))", TRAINED_POLYSEMANTIC, n * (n - 1) / (2 * (2 * m - 1))),
    ]


def variance_derivation() -> list[tuple[str, sp.Expr, sp.Expr]]:
    """Step 5: the factorial moment from four occupied cells, and the variance."""
    return [
        (
            "P(four given cells occupied) = C(2m-4, n-4) / C(2m, n)",
            sp.combsimp(sp.binomial(2 * m - 4, n - 4) / sp.binomial(2 * m, n)),
            _P_TWO,
        ),
        ("E[P(P-1)] = m(m-1) P(four cells)", m * (m - 1) * _P_TWO, TRAINED_FACTORIAL_MOMENT),
        (
            "Var = E[P] + E[P(P-1)] - E[P]^2",
            TRAINED_VARIANCE,
            TRAINED_POLYSEMANTIC + TRAINED_FACTORIAL_MOMENT - TRAINED_POLYSEMANTIC**2,
        ),
    ]


def _series(expr: sp.Expr, order: int = 3) -> sp.Expr:
    """Expansion in x = 1/m up to x^(order-1), as a polynomial in 1/m."""
    s = sp.series(sp.expand_power_base(expr.subs(m, 1 / _x)), _x, 0, order).removeO()
    return sp.expand(s.subs(_x, 1 / m))


def expansion_table(order: int = 3) -> list[dict[str, sp.Expr]]:
    """Coefficients of 1/m^q (q = 1, 2) for the three forms: displacement, initialisation only, paper.

    >>> [row["displacement"] for row in expansion_table()]
    [n*(n - 1)/4, n*(n - 1)/8]
    """
    forms = {"displacement": TRAINED_POLYSEMANTIC, "initialisation_only": _INIT_ONLY, "paper": _PAPER}
    series = {k: _series(v, order) for k, v in forms.items()}
    return [{"power": sp.Integer(q), **{k: sp.factor(s.coeff(m, -q)) for k, s in series.items()}} for q in range(1, order)]


def expansion_derivation() -> list[tuple[str, sp.Expr, sp.Expr]]:
    """The large-m expansion compared term by term with n^2/(4m) and the initialisation-only count."""
    disp = _series(TRAINED_POLYSEMANTIC)
    init = _series(_INIT_ONLY)
    ratio_paper = sp.simplify(TRAINED_POLYSEMANTIC / _PAPER)
    c = sp.Symbol("c", positive=True)  # fixed width ratio m = c n
    return [
        ("displacement: n(n-1)/(4m) + n(n-1)/(8m^2) + O(1/m^3)", disp, n * (n - 1) / (4 * m) + n * (n - 1) / (8 * m**2)),
        ("initialisation only: n(n-1)/(4m) - n(n-1)(n-2)/(8m^2) + O(1/m^3)", init, n * (n - 1) / (4 * m) - n * (n - 1) * (n - 2) / (8 * m**2)),
        ("same leading term as the initialisation-only count", disp.coeff(m, -1), init.coeff(m, -1)),
        ("leading term = paper's n^2/(4m) - n/(4m)", disp.coeff(m, -1), n**2 / 4 - n / 4),
        ("the 1/m^2 terms differ by n(n-1)^2/8: displacement restores what multiple hits lose", disp.coeff(m, -2) - init.coeff(m, -2), n * (n - 1) ** 2 / 8),
        ("E[P] / (n^2/(4m)) = (1 - 1/n)/(1 - 1/(2m)) exactly", ratio_paper, (1 - 1 / n) / (1 - 1 / (2 * m))),
        ("at m = c n the ratio to n^2/(4m) tends to 1 as n -> oo, for every c", sp.limit(ratio_paper.subs(m, c * n), n, sp.oo), sp.Integer(1)),
    ]


def gaussian_second_order_derivation() -> list[tuple[str, sp.Expr, sp.Expr]]:
    """The Gaussian displacement process to order 1/m^2 (module docstring, last section).

    Occupied cells stay occupied (an evicted holder is replaced), so every initially
    polysemantic neuron stays so: E[P] = E[P_0] + (neurons completed by displaced features).
    To order 1/m^2 the completions are single moves: a loser (expected number ``D``) moves to
    its next-largest weight, a uniform neuron other than the one it lost with a fair sign, and
    completes a neuron when that cell is the free partner of one of the ``n - 2`` other
    features' cells: probability (n-2)/(2m) to leading order. In the free-cell model the loser
    may also take the partner on the neuron it lost (``n - 1`` partners): the two differ by
    D/(2m) = n(n-1)/(8m^2).
    """
    losers = n - 2 * m * (1 - (1 - 1 / (2 * m)) ** n)  # n - E[#distinct initial cells]
    d1 = _series(losers, 2)
    e0 = _series(_INIT_ONLY)
    completed = sp.expand(d1 * (n - 2) / (2 * m))
    return [
        ("expected losers D = n - E[#distinct initial cells] = n(n-1)/(4m) + O(1/m^2)", d1, n * (n - 1) / (4 * m)),
        ("completions D (n-2)/(2m) = n(n-1)(n-2)/(8m^2) + O(1/m^3)", completed, n * (n - 1) * (n - 2) / (8 * m**2)),
        ("E[P] = E[P_0] + completions = n(n-1)/(4m) + O(1/m^3)", sp.expand(e0 + completed), GAUSSIAN_SECOND_ORDER),
        ("free-cell form minus this, at order 1/m^2: D/(2m) = n(n-1)/(8m^2)", sp.expand(_series(TRAINED_POLYSEMANTIC) - GAUSSIAN_SECOND_ORDER), n * (n - 1) / (8 * m**2)),
        ("this is the paper's binom(n,2)/(2m), now as a displacement count", GAUSSIAN_SECOND_ORDER, sp.binomial(n, 2).expand(func=True) / (2 * m)),
    ]


def stay_derivation() -> list[tuple[str, sp.Expr, sp.Expr]]:
    """E[1/(K+1)] for K ~ Bin(n-1, p): C(n-1, r)/(r+1) = C(n, r+1)/n turns the sum into
    (1/(np)) sum_{q>=1} C(n,q) p^q (1-p)^(n-q) = (1 - (1-p)^n)/(np) by the binomial theorem; the
    whole sum is also checked exactly at several n."""
    return [
        ("C(n-1, r)/(r+1) = C(n, r+1)/n", sp.combsimp(sp.binomial(n - 1, _r) / (_r + 1)), sp.combsimp(sp.binomial(n, _r + 1) / n)),
        *[
            (
                f"n = {nv}: sum_r C(n-1,r) p^r (1-p)^(n-1-r) / (r+1) = (1-(1-p)^n)/(n p)",
                sum(sp.binomial(nv - 1, rv) * _p**rv * (1 - _p) ** (nv - 1 - rv) / (rv + 1) for rv in range(nv)),
                (1 - (1 - _p) ** nv) / (nv * _p),
            )
            for nv in (1, 2, 3, 7, 16)
        ],
        ("so E[1/(K+1)] = (1-(1-p)^n)/(n p), with p = 1/(2m)", ((1 - (1 - _p) ** n) / (n * _p)).subs(_p, 1 / (2 * m)), STAY_BOUND),
        ("first order: 1 - (n-1)/(4m)", _series(STAY_BOUND, 2), 1 - (n - 1) / (4 * m)),
    ]


# --- numeric functions -------------------------------------------------------------------


def _nm(n_: object, m_: object) -> tuple[np.ndarray, np.ndarray]:
    """``n`` and ``m`` as float arrays, checked on the whole array at once (integers, ``1 <= n <= m``)."""
    return m_ge_n_arrays(n_, m_)




def expected_polysemantic_trained(n: object, m: object):
    r"""Expected polysemantic neurons after training, displacement model: :math:`\frac{n(n-1)}{2(2m-1)}`.

    Requires integers ``1 <= n <= m`` (paper 1 §2.1). SymPy form: :data:`TRAINED_POLYSEMANTIC`.

    >>> expected_polysemantic_trained(2, 2)
    0.3333333333333333
    """
    nn, mm = _nm(n, m)
    return scalar_or_array(nn * (nn - 1) / (2 * (2 * mm - 1)), nn, mm)


def polysemantic_trained_variance(n: object, m: object):
    """Variance of the count under the displacement model (:data:`TRAINED_VARIANCE`).

    Integers ``1 <= n <= m``, numbers or arrays (broadcast).

    >>> round(polysemantic_trained_variance(4, 4), 6)
    0.293878
    """
    nn, mm = _nm(n, m)
    mean = nn * (nn - 1) / (2 * (2 * mm - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        fact = (mm * (mm - 1) * nn * (nn - 1) * (nn - 2) * (nn - 3)) / (2 * mm * (2 * mm - 1) * (2 * mm - 2) * (2 * mm - 3))
    fact = np.where(mm * (mm - 1) == 0, 0.0, fact)  # m = 1 (so n = 1): no pair of neurons
    return scalar_or_array(mean + fact - mean**2, nn, mm)


def gaussian_second_order(n: object, m: object):
    r"""The Gaussian displacement process's count to second order: :math:`n(n-1)/(4m)` (:data:`GAUSSIAN_SECOND_ORDER`).

    Integers ``1 <= n <= m``, numbers or arrays (broadcast).

    >>> gaussian_second_order(256, 256)
    63.75
    """
    nn, mm = _nm(n, m)
    return scalar_or_array(nn * (nn - 1) / (4 * mm), nn, mm)


def stay_probability_bound(n: object, m: object):
    r"""Upper bound on P(a feature ends on its initial argmax): :math:`\frac{2m}{n}(1-(1-\frac1{2m})^n)`.

    Integers ``1 <= n <= m``, numbers or arrays (broadcast). SymPy form: :data:`STAY_BOUND`.

    >>> round(stay_probability_bound(32, 32), 4)
    0.7917
    """
    nn, mm = _nm(n, m)
    return scalar_or_array(2 * mm / nn * -np.expm1(nn * np.log1p(-1 / (2 * mm))), nn, mm)
