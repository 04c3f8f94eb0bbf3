r"""Coding theory of polysemanticity: sparse-code entropy, dropout capacity, power-law entropy
(paper 2, main text eqs. 1–3; Supplementary §2.1, §2.3, §2.4).

**Logarithms are base 2 (bits) throughout**, except where a name says ``_nats``. ``log2(x)``
below is ``sp.log(x, 2)``; Stirling's constant appears as :math:`\log_2 e`.

Lemma 2 (§2.1) — entropy of an S-sparsified i.i.d. vector of ``n`` elements
    :math:`H(X^S) = -nS\log S - n(1-S)\log(1-S) + n(1-S)H_{elem}` (:data:`SPARSE_ENTROPY_PRINTED`).
    It is exact when :math:`q = P(X_0=0) = 0`. For :math:`q>0` the zero written by sparsification
    and a zero of :math:`X` itself are one symbol; the exact entropy (:data:`SPARSE_ENTROPY_EXACT`)
    is smaller by :math:`n\Delta(S,q)` with the merge loss
    :math:`\Delta = (a+b)\,h_2\!\big(\tfrac{a}{a+b}\big)`, :math:`a=S`, :math:`b=(1-S)q`
    (:data:`ZERO_MERGE_LOSS`). :math:`\Delta` increases with ``q``, and for :math:`q\le\varepsilon`

    .. math:: 0 \le n\Delta \le n(1-S)\varepsilon\Big[\log_2\frac{S+(1-S)\varepsilon}{(1-S)\varepsilon} + \log_2 e\Big]

    (:data:`SPARSE_ENTROPY_ERROR_BOUND`): of order :math:`\varepsilon\log(1/\varepsilon)` per element,
    not the "additive ε" the Supplement states. Two printed proof lines carry sign slips
    (:func:`lemma2_printed_steps`): :math:`-\sum P\log P = -\sum_{\ne0}P\log P \mathbf{+} P_0\log P_0`
    and :math:`\ldots = \mathbf{-}(1-S)H(X_0) - \ldots`; the lemma's statement itself is right.
Eq. 1 — compression rate (dimensions per feature, Fig. 1c)
    :math:`R = H(X^S)/(nH) = 1-S+\tfrac1H(-S\log S-(1-S)\log(1-S))` (:data:`COMPRESSION_RATE`),
    :math:`\lim_{H\to\infty}R = 1-S` (:data:`COMPRESSION_RATE_LIMIT`) with error
    :math:`h_2(S)/H\le 1/H`. The main text defines :math:`H=\langle\log p_x\rangle`, which is
    :math:`-H`: entropy is :math:`-\langle\log p_x\rangle`.
    Relative to :math:`R` the error of :math:`R\approx1-S` is
    :math:`h_2(S)/(H(1-S)+h_2(S))` (:data:`COMPRESSION_RATE_RELATIVE_ERROR`), increasing in
    :math:`S` (to 1 as :math:`S\to1`) and falling like :math:`h_2(S)/((1-S)H)`; it is at most
    :math:`\rho` exactly when :math:`H\ge\tfrac{1-\rho}{\rho}\,h_2(S)/(1-S)`
    (:data:`COMPRESSION_RATE_MIN_ENTROPY`; :func:`compression_rate_error_steps`).
Theorem 3 (§2.3) — ``m`` neurons of :math:`C_{base}` bits behind dropout ``D``
    with :math:`\varepsilon = -\log_2(1-2^{-C_{base}})`: printed lower bound
    :math:`(1-\varepsilon)(1-D)C_{base}m` (:data:`DROPOUT_LOWER_PRINTED`), the bound the proof's
    construction (uniform on the nonzero symbols) actually gives, :math:`(1-D)(C_{base}-\varepsilon)m
    = (1-D)m\log_2(2^{C_{base}}-1)` (:data:`DROPOUT_LOWER_CONSTRUCTION`), upper bound
    :math:`(1-D)C_{base}m` (:data:`DROPOUT_UPPER`). Construction − printed
    :math:`= (1-D)\,m\,\varepsilon\,(C_{base}-1)`, so the construction implies the printed bound
    exactly on :math:`C_{base}\ge1` (for :math:`C_{base}<1`, :math:`\varepsilon>1` and both bounds
    are negative, hence vacuous). The exact capacity of one neuron with :math:`K=2^{C_{base}}`
    symbols (:data:`DROPOUT_CAPACITY_EXACT`, derived from the KKT conditions):

    .. math:: C_1 = \begin{cases}(1-D)\log_2(K-1), & D(K-1)^{1-D}\ge1 \text{ (the construction is optimal)}\\
              \log_2\!\big(1+(K-1)\,2^{-h_2(D)/(1-D)}\big), & \text{otherwise.}\end{cases}

    The upper-bound proof prints :math:`I(X;Y) = H(X) \mathbf{+} H(X|Y)` (should be ``−``).
Depth (main text, eq. 2)
    ``N`` dropout layers in series are one dropout layer of rate :math:`1-(1-D)^N`
    (:func:`dropout_composition_steps`), so the naive capacity is
    :math:`m\,C_1(1-(1-D)^N)`, sandwiched by :math:`(1-D)^N(C-m\varepsilon)` and the printed
    :math:`C(1-D)^N` (:data:`NAIVE_DEPTH_PRINTED`, :data:`NAIVE_DEPTH_EXACT`). With re-encoding
    between layers the capacity is that of one layer, :math:`mC_1(D)`, at every depth
    (:data:`REENCODED_DEPTH_EXACT`; printed eq. 2 :math:`C(1-D)`, :data:`ECC_DEPTH_PRINTED`).
    Explicit codes: repetition over ``r`` neurons delivers :math:`\lfloor m/r\rfloor(1-D^r)^N\log_2(K-1)`
    (:data:`REPETITION_CASCADE_INFORMATION`); an ``[m, k]`` MDS (Reed–Solomon) code over
    GF(:math:`K-1`) delivers :math:`k\log_2(K-1)\,P(\mathrm{Bin}(m,1-D)\ge k)^N`
    (:data:`MDS_CASCADE_INFORMATION`); choosing :math:`k=\lfloor m(1-D)-t\rfloor`,
    :math:`t=\sqrt{m\ln(Nm)/2}`, Hoeffding gives at least
    :math:`(m(1-D)-t-1)\log_2(K-1)(1-\tfrac1{Nm})^N` (:data:`MDS_RATE_LOWER`), which per neuron
    tends to :math:`(1-D)\log_2(K-1)` at every depth: eq. 2 is achieved by an explicit code.
Theorem 4 and eq. 3 (§2.4) — ``m`` neurons of ``b`` bits (the paper's ``n``) with power-law scales
    With scales :math:`s_i = i^{\beta}`, :math:`\sum_i\log_2(2^b s_i) = mb + \beta\log_2 m!`
    (the printed line has :math:`-\alpha\log\prod i`), and Stirling
    :math:`\log_2 m! = m\log_2(m/e) + \tfrac12\log_2(2\pi m) + \theta/(12m\ln2)`, :math:`0<\theta<1`.
    If the *standard deviations* follow :math:`i^\alpha` (:math:`\beta=\alpha`) the entropy is
    :math:`\approx mb + \alpha m\log_2(m/e) = mb-|\alpha|m\log_2(m/e)` for :math:`\alpha<0`
    (:data:`POWER_LAW_ENTROPY_STD`): Theorem 4's printed :math:`mb-\alpha m\log(m/e)`
    (:data:`POWER_LAW_ENTROPY_PRINTED`) has the wrong sign. If the *variances* follow
    :math:`i^\alpha` — as the Supplement says and as covariance eigenvalues do — then
    :math:`\beta=\alpha/2` and :data:`power_law_capacity` :math:`= C - \tfrac{|\alpha|}{2}m\log_2(m/e)`;
    eq. 3's :math:`C-|\alpha|m\log(m/e)` (:data:`power_law_capacity_printed`) doubles the loss.
    Gaussian neurons of the same variance add exactly :math:`\tfrac m2\log_2(2\pi e/12)`
    (:data:`GAUSSIAN_TERM_MATCHED`), within the remark's "at most :math:`\tfrac m2\log(2\pi e)`".

Public API (SymPy forms beside fast numeric functions; every numeric function validates its input):
:func:`sparse_entropy` ``(n, S, h_elem, *, p_zero=0)``, :func:`compression_rate` ``(S, H)``,
:func:`dropout_capacity_bounds` ``(c_base, D, m) -> (lower, upper)`` (printed bounds),
:func:`dropout_construction_bound`, :func:`dropout_capacity_exact` ``(bits, D, m=1)``,
:func:`naive_depth_capacity`, :func:`power_law_entropy_approx`,
:data:`power_law_capacity` (SymPy, shared with :mod:`theory.spectra`).

>>> round(compression_rate(0.9, 32), 4)
0.1147
>>> dropout_capacity_bounds(8, 0.5, 2)[1]
8.0
>>> compression_rate(1.5, 8)
Traceback (most recent call last):
...
ValueError: S must satisfy 0 < S < 1; got 1.5
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

from .formulas import formula
from .symbols import D, H, N, S, alpha, m, n
from .validation import (
    int_array,
    interval_array,
    positive_array,
    real_array,
    require_in_interval,
    require_int,
    scalar_or_array,
)

__all__ = [
    # symbols
    "H_elem",
    "q",
    "epsilon",
    "C_base",
    "C",
    "b",
    "log2",
    "binary_entropy",
    # §2.1, eq. 1
    "SPARSE_ENTROPY_PRINTED",
    "ZERO_MERGE_LOSS",
    "SPARSE_ENTROPY_EXACT",
    "SPARSE_ENTROPY_ERROR_BOUND",
    "COMPRESSION_RATE",
    "COMPRESSION_RATE_LIMIT",
    "lemma2_printed_steps",
    "lemma2_derived_steps",
    "lemma2_error_steps",
    "compression_rate_steps",
    "rho",
    "COMPRESSION_RATE_RELATIVE_ERROR",
    "COMPRESSION_RATE_MIN_ENTROPY",
    "compression_rate_error_steps",
    # §2.3, eq. 2
    "EPSILON",
    "DROPOUT_LOWER_PRINTED",
    "DROPOUT_LOWER_CONSTRUCTION",
    "DROPOUT_UPPER",
    "DROPOUT_BOUND_DIFFERENCE",
    "DROPOUT_CAPACITY_EXACT",
    "NAIVE_DEPTH_PRINTED",
    "NAIVE_DEPTH_EXACT",
    "ECC_DEPTH_PRINTED",
    "REENCODED_DEPTH_EXACT",
    "REPETITION_CASCADE_INFORMATION",
    "MDS_CASCADE_INFORMATION",
    "MDS_RATE_LOWER",
    "mds_rate_steps",
    "theorem3_lower_steps",
    "dropout_capacity_steps",
    "erasure_printed_steps",
    "erasure_derived_steps",
    "dropout_composition_steps",
    # §2.4, eq. 3
    "POWER_LAW_ENTROPY_PRINTED",
    "POWER_LAW_ENTROPY_STD",
    "POWER_LAW_ENTROPY_VARIANCE",
    "STIRLING_REMAINDER",
    "power_law_capacity",
    "power_law_capacity_printed",
    "theorem4_printed_steps",
    "theorem4_derived_steps",
    "GAUSSIAN_TERM_PRINTED",
    "GAUSSIAN_TERM_MATCHED",
    "gaussian_term_steps",
    # numeric
    "sparse_entropy",
    "sparse_entropy_error_bound",
    "compression_rate",
    "dropout_capacity_bounds",
    "dropout_construction_bound",
    "dropout_capacity_exact",
    "naive_depth_capacity",
    "repetition_cascade_information",
    "mds_cascade_information",
    "power_law_entropy_approx",
    "stirling_bounds",
]

# --- symbols -----------------------------------------------------------------------------

H_elem = sp.Symbol("H_elem", positive=True)
"""Entropy (bits) of one element of the un-sparsified law (Lemma 2's :math:`H_{elem}(X)`)."""
q = sp.Symbol("q", positive=True)
"""P(X_0 = 0): the mass the un-sparsified law itself puts on the symbol 0."""
epsilon = sp.Symbol("epsilon", positive=True)
"""An upper bound on ``q`` (the Supplement's 'P(X_0 = 0) < ε')."""
C_base = sp.Symbol("C_base", positive=True)
"""Capacity (bits) of one dropout-free neuron: :math:`\\log_2` of its number of symbols."""
C = sp.Symbol("C", positive=True)
"""Capacity (bits) of the dropout-free layer (main text eqs. 2, 3); :math:`C = mC_{base}` or :math:`mb`."""
b = sp.Symbol("b", positive=True, integer=True)
"""Bits of precision per neuron (Theorem 4's ``n``, renamed: ``n`` counts features elsewhere)."""

_K = sp.Symbol("K", positive=True)  # number of symbols of a neuron (2**C_base)


def log2(x: sp.Expr) -> sp.Expr:
    """:math:`\\log_2 x` as a SymPy expression."""
    return sp.log(x, 2)


def binary_entropy(x: sp.Expr) -> sp.Expr:
    """:math:`h_2(x) = -x\\log_2 x - (1-x)\\log_2(1-x)` (bits)."""
    return -x * log2(x) - (1 - x) * log2(1 - x)


_S21 = "paper 2 Supp. §2.1 (Lemma 2)"
_EQ1 = "paper 2 main text eq. 1; Supp. §2.1"
_S23 = "paper 2 Supp. §2.3 (Theorem 3)"
_S24 = "paper 2 Supp. §2.4 (Theorem 4)"

# --- §2.1 Lemma 2 ------------------------------------------------------------------------

SPARSE_ENTROPY_PRINTED = formula(
    "coding.sparse_entropy_printed",
    -n * S * log2(S) - n * (1 - S) * log2(1 - S) + n * (1 - S) * H_elem,
    source=_S21,
    printed=True,
    doc="H(X^S) = -nS log S - n(1-S) log(1-S) + n(1-S) H_elem (bits); exact when P(X_0=0)=0",
)

ZERO_MERGE_LOSS = formula(
    "coding.zero_merge_loss",
    -S * log2(S) - (1 - S) * q * log2((1 - S) * q) + (S + (1 - S) * q) * log2(S + (1 - S) * q),
    source=_S21 + " (derived: the approximation P(X_0=0)=0 made explicit)",
    printed=False,
    doc="Per-element entropy lost when the sparsification zero (mass S) and X's own zero "
    "(mass (1-S)q) are one symbol: (a+b) h2(a/(a+b)), a=S, b=(1-S)q",
)

SPARSE_ENTROPY_EXACT = formula(
    "coding.sparse_entropy_exact",
    SPARSE_ENTROPY_PRINTED - n * ZERO_MERGE_LOSS,
    source=_S21 + " (derived, any q = P(X_0=0))",
    printed=False,
    doc="Exact H(X^S) = Lemma 2 - n Delta(S, q), H_elem the full element entropy (including 0)",
)

SPARSE_ENTROPY_ERROR_BOUND = formula(
    "coding.sparse_entropy_error_bound",
    n * (1 - S) * epsilon * (log2((S + (1 - S) * epsilon) / ((1 - S) * epsilon)) + log2(sp.E)),
    source=_S21 + " (derived; the Supplement states 'within additive epsilon')",
    printed=False,
    doc="0 <= Lemma 2 - exact <= n(1-S) eps [log2((S+(1-S)eps)/((1-S)eps)) + log2 e] when q <= eps",
)

COMPRESSION_RATE = formula(
    "coding.compression_rate",
    1 - S + (1 / H) * (-S * log2(S) - (1 - S) * log2(1 - S)),
    source=_EQ1,
    printed=True,
    doc="R = 1 - S + (1/H)(-S log S - (1-S) log(1-S)): hidden dimensions per input feature",
)

COMPRESSION_RATE_LIMIT = formula(
    "coding.compression_rate_limit",
    1 - S,
    source=_EQ1 + " (large-H limit)",
    printed=True,
    doc="R -> 1 - S as H -> oo; error h2(S)/H <= 1/H",
)


def _lemma2_instance() -> tuple[list[sp.Symbol], list[sp.Expr], sp.Expr, sp.Expr]:
    """A concrete finite law for the proof lines: three nonzero symbols with probabilities
    ``p1, p2, 1 - p1 - p2`` and no mass on 0 (the lemma's P(X_0 = 0) = 0)."""
    p1, p2 = sp.symbols("p1 p2", positive=True)
    probs = [p1, p2, 1 - p1 - p2]
    h_x0 = -sum(p * log2(p) for p in probs)
    law_s = [(1 - S) * p for p in probs]  # P(X_0^S = y), y != 0
    return [p1, p2], probs, h_x0, law_s


def lemma2_printed_steps() -> list[tuple[str, sp.Expr, sp.Expr]]:
    """The proof lines of Lemma 2 exactly as printed, on a concrete three-symbol law.

    Lines 1 and 4 are refuted: line 1 writes ``+ P(X_0^S=0) log P(X_0^S=0)`` and line 4
    ``-(1-S)H(X_0)``; both signs should be the opposite.
    """
    _, probs, h_x0, law_s = _lemma2_instance()
    full = -sum(p * log2(p) for p in law_s) - S * log2(S)
    nz = -sum(p * log2(p) for p in law_s)
    line2 = -sum((1 - S) * p * log2((1 - S) * p) for p in probs) - S * log2(S)
    line3 = -(1 - S) * sum(p * log2(p) for p in probs) - (1 - S) * sum(p * log2(1 - S) for p in probs) - S * log2(S)
    line4 = -(1 - S) * h_x0 - (1 - S) * log2(1 - S) - S * log2(S)
    return [
        ("line 1: -sum P log P = -sum_{!=0} P log P + P(0) log P(0)", full, nz + S * log2(S)),
        ("line 2 (P(X_0=0)=0): = -sum (1-S)P log((1-S)P) - S log S", full, line2),
        ("line 3: = -(1-S) sum P log P - (1-S) sum P log(1-S) - S log S", line2, line3),
        ("line 4: = -(1-S) H(X_0) - (1-S) log(1-S) - S log S", line3, line4),
    ]


def lemma2_derived_steps() -> list[tuple[str, sp.Expr, sp.Expr]]:
    """Lemma 2 derived line by line (same three-symbol law), including the i.i.d. step for a
    pair of elements: the joint entropy of two independent copies is twice one."""
    _, probs, h_x0, law_s = _lemma2_instance()
    full = -sum(p * log2(p) for p in law_s) - S * log2(S)
    nz = -sum(p * log2(p) for p in law_s)
    line2 = -sum((1 - S) * p * log2((1 - S) * p) for p in probs) - S * log2(S)
    line3 = -(1 - S) * sum(p * log2(p) for p in probs) - (1 - S) * sum(p * log2(1 - S) for p in probs) - S * log2(S)
    line4 = (1 - S) * h_x0 - (1 - S) * log2(1 - S) - S * log2(S)
    element = [S] + law_s
    pair = -sum(x * y * log2(x * y) for x in element for y in element)
    return [
        ("i.i.d.: H(X_0^S, X_1^S) = 2 H(X_0^S)", pair, 2 * full),
        ("line 1: -sum P log P = -sum_{!=0} P log P - P(0) log P(0)", full, nz - S * log2(S)),
        ("line 2: = -sum (1-S)P log((1-S)P) - S log S", full, line2),
        ("line 3: split the logarithm", line2, line3),
        ("line 4: = +(1-S) H(X_0) - (1-S) log(1-S) - S log S", line3, line4),
        ("n elements: n x line 4 = Lemma 2 with H_elem = H(X_0)", n * line4, SPARSE_ENTROPY_PRINTED.subs(H_elem, h_x0)),
    ]


def lemma2_error_steps() -> list[tuple[str, sp.Expr, sp.Expr]]:
    """The approximation P(X_0=0)=0 made explicit (generic law with a zero mass ``q``):

    exact per-element entropy = Lemma 2 per element − Δ; Δ → 0 as q → 0; Δ = (a+b)h2(a/(a+b));
    dΔ/dq = (1−S)log2((S+(1−S)q)/((1−S)q)) > 0 (so q ≤ ε ⇒ Δ ≤ Δ(ε)); and
    Δ = b log2((a+b)/b) + a log2(1+b/a), whose second term is ≤ b log2 e (ln(1+x) ≤ x).
    """
    # per-element exact: zero cell S + (1-S)q, nonzero cells (1-S)P(y); H_elem includes -q log q
    hz = sp.Symbol("h_nz", positive=True)  # -sum_{y!=0} P(y) log2 P(y)
    h_elem = hz - q * log2(q)
    exact = -(S + (1 - S) * q) * log2(S + (1 - S) * q) + (1 - S) * hz - (1 - S) * (1 - q) * log2(1 - S)
    lemma = SPARSE_ENTROPY_PRINTED.subs({n: 1, H_elem: h_elem})
    aa, bq = S, (1 - S) * q
    split = bq * log2((aa + bq) / bq) + aa * log2(1 + bq / aa)
    return [
        ("exact = Lemma 2 - Delta (one element)", exact, lemma - ZERO_MERGE_LOSS),
        ("Delta = (a+b) h2(a/(a+b)), a=S, b=(1-S)q", ZERO_MERGE_LOSS, (aa + bq) * binary_entropy(aa / (aa + bq))),
        ("Delta = b log2((a+b)/b) + a log2(1+b/a)", ZERO_MERGE_LOSS, split),
        ("dDelta/dq = (1-S) log2((S+(1-S)q)/((1-S)q))", sp.diff(ZERO_MERGE_LOSS, q), (1 - S) * log2((S + (1 - S) * q) / ((1 - S) * q))),
        ("Delta -> 0 as q -> 0", sp.limit(ZERO_MERGE_LOSS, q, 0, "+"), sp.Integer(0)),
        (
            "bound at q = eps with a log2(1+b/a) <= b log2 e",
            split.subs(q, epsilon) + (1 - S) * epsilon * log2(sp.E) - S * log2(1 + (1 - S) * epsilon / S),
            SPARSE_ENTROPY_ERROR_BOUND.subs(n, 1),
        ),
    ]


def compression_rate_steps() -> list[tuple[str, sp.Expr, sp.Expr]]:
    """Eq. 1 from Lemma 2 (m hidden units of H bits each must hold H(X^S): m/n = H(X^S)/(nH)),
    and its large-H limit with the error h2(S)/H."""
    ratio = SPARSE_ENTROPY_PRINTED.subs(H_elem, H) / (n * H)
    return [
        ("R = H(X^S) / (n H) with H_elem = H", ratio, COMPRESSION_RATE),
        ("lim_{H->oo} R", sp.limit(COMPRESSION_RATE, H, sp.oo), COMPRESSION_RATE_LIMIT),
        ("R - (1 - S) = h2(S) / H", COMPRESSION_RATE - COMPRESSION_RATE_LIMIT, binary_entropy(S) / H),
        ("max_S h2(S) = h2(1/2) = 1 bit", binary_entropy(sp.Rational(1, 2)), sp.Integer(1)),
        ("h2'(1/2) = 0 (the maximum)", sp.diff(binary_entropy(S), S).subs(S, sp.Rational(1, 2)), sp.Integer(0)),
    ]


rho = sp.Symbol("rho", positive=True)
"""A relative error a reader accepts for the approximation :math:`R\\approx 1-S` (``0 < rho < 1``)."""

COMPRESSION_RATE_RELATIVE_ERROR = formula(
    "coding.compression_rate_relative_error",
    binary_entropy(S) / (H * (1 - S) + binary_entropy(S)),
    source=_EQ1 + " (derived: the error of 'R can be approximated as R = 1 - S' relative to R)",
    printed=False,
    doc="(R - (1 - S))/R = h2(S)/(H(1-S) + h2(S)): increasing in S (-> 1 as S -> 1), ~ h2(S)/((1-S)H) as H -> oo",
)

COMPRESSION_RATE_MIN_ENTROPY = formula(
    "coding.compression_rate_min_entropy",
    (1 - rho) / rho * binary_entropy(S) / (1 - S),
    source=_EQ1 + " (derived: how large 'sufficiently large H' must be)",
    printed=False,
    doc="The relative error of R = 1 - S is <= rho iff H >= (1-rho)/rho * h2(S)/(1-S)",
)


def compression_rate_error_steps() -> list[tuple[str, sp.Expr, sp.Expr]]:
    r"""The relative error of eq. 1's large-H approximation :math:`R\approx1-S`, from eq. 1 itself.

    1. :math:`(R-(1-S))/R = h_2(S)/(H(1-S)+h_2(S))` (:data:`COMPRESSION_RATE_RELATIVE_ERROR`);
    2. it equals :math:`\rho` at :math:`H = \tfrac{1-\rho}{\rho}h_2(S)/(1-S)`
       (:data:`COMPRESSION_RATE_MIN_ENTROPY`), and since it falls with :math:`H` (step 3) it is
       at most :math:`\rho` exactly above that :math:`H`;
    3. :math:`\partial_H` of the error is :math:`-(1-S)h_2/(H(1-S)+h_2)^2 < 0`;
    4. :math:`\tfrac{d}{dS}\,h_2(S)/(1-S) = -\log_2 S/(1-S)^2 > 0`: at fixed :math:`H` the error
       grows with the sparsity, so the flagged points are :math:`S > S^*(H)`;
    5. :math:`\lim_{S\to1}` of the error is 1 at every :math:`H` (the approximation keeps nothing of
       :math:`R` in the sparse limit the toy models study);
    6. :math:`H\cdot` error :math:`\to h_2(S)/(1-S)` as :math:`H\to\infty` (the error is
       :math:`O(1/H)`, with a constant that diverges like :math:`-\log_2(1-S)`).
    """
    h2 = binary_entropy(S)
    err = COMPRESSION_RATE_RELATIVE_ERROR
    return [
        ("(R - (1 - S)) / R = h2(S) / (H(1-S) + h2(S))",
         (COMPRESSION_RATE - COMPRESSION_RATE_LIMIT) / COMPRESSION_RATE, err),
        ("error = rho at H = (1-rho)/rho h2(S)/(1-S)", err.subs(H, COMPRESSION_RATE_MIN_ENTROPY), rho),
        ("d(error)/dH = -(1-S) h2 / (H(1-S) + h2)^2", sp.diff(err, H), -(1 - S) * h2 / (H * (1 - S) + h2) ** 2),
        ("d/dS [h2(S)/(1-S)] = -log2(S)/(1-S)^2", sp.diff(h2 / (1 - S), S), -log2(S) / (1 - S) ** 2),
        ("lim_{S->1} error = 1", sp.limit(err, S, 1, "-"), sp.Integer(1)),
        ("lim_{H->oo} H error = h2(S)/(1-S)", sp.limit(H * err, H, sp.oo), h2 / (1 - S)),
    ]


# --- §2.3 Theorem 3 ----------------------------------------------------------------------

EPSILON = -log2(1 - 2 ** (-C_base))
"""Theorem 3's :math:`\\varepsilon = -\\log_2(1-2^{-C_{base}})` (bits)."""

DROPOUT_LOWER_PRINTED = formula(
    "coding.dropout_lower_printed",
    (1 - EPSILON) * (1 - D) * C_base * m,
    source=_S23,
    printed=True,
    doc="(1 - eps)(1 - D) C_base m <= C^m_dropout",
)

DROPOUT_LOWER_CONSTRUCTION = formula(
    "coding.dropout_lower_construction",
    (1 - D) * (C_base - EPSILON) * m,
    source=_S23 + " (the bound the proof's construction gives)",
    printed=False,
    doc="(1-D)(C_base - eps) m = (1-D) m log2(2^C_base - 1): uniform law on the nonzero symbols",
)

DROPOUT_UPPER = formula(
    "coding.dropout_upper",
    (1 - D) * C_base * m,
    source=_S23,
    printed=True,
    doc="C^m_dropout <= (1 - D) C_base m (data processing through the erasure channel)",
)

DROPOUT_BOUND_DIFFERENCE = formula(
    "coding.dropout_bound_difference",
    (1 - D) * m * EPSILON * (C_base - 1),
    source=_S23 + " (derived)",
    printed=False,
    doc="construction - printed lower bound = (1-D) m eps (C_base - 1) >= 0 iff C_base >= 1",
)

_h_D = binary_entropy(D)
_r_D = 2 ** (-_h_D / (1 - D))
_Kc = 2**C_base
DROPOUT_CAPACITY_EXACT = formula(
    "coding.dropout_capacity_exact",
    m
    * sp.Piecewise(
        ((1 - D) * log2(_Kc - 1), D * (_Kc - 1) ** (1 - D) >= 1),
        (log2(1 + (_Kc - 1) * _r_D), True),
    ),
    source=_S23 + " (derived, KKT conditions of the capacity)",
    printed=False,
    doc="m C_1, C_1 = (1-D) log2(K-1) if D (K-1)^(1-D) >= 1 else log2(1 + (K-1) 2^(-h2(D)/(1-D))), K = 2^C_base",
)

NAIVE_DEPTH_PRINTED = formula(
    "coding.naive_depth_printed",
    C * (1 - D) ** N,
    source="paper 2 main text §2 (before eq. 2)",
    printed=True,
    doc="C~_dropout ~ C (1 - D)^N after N dropout layers without re-encoding",
)

NAIVE_DEPTH_EXACT = formula(
    "coding.naive_depth_exact",
    DROPOUT_CAPACITY_EXACT.subs(D, 1 - (1 - D) ** N),
    source="paper 2 main text §2 (derived: N layers compose to one of rate 1-(1-D)^N)",
    printed=False,
    doc="exact capacity of N dropout layers in series, m neurons of C_base bits",
)

ECC_DEPTH_PRINTED = formula(
    "coding.ecc_depth_printed",
    C * (1 - D),
    source="paper 2 main text eq. 2; Supp. §2.3",
    printed=True,
    doc="C_dropout ~ C (1 - D) at every depth with error correction",
)

REENCODED_DEPTH_EXACT = formula(
    "coding.reencoded_depth_exact",
    DROPOUT_CAPACITY_EXACT,
    source="paper 2 main text eq. 2 (derived: cut-set bound and decode-and-forward)",
    printed=False,
    doc="capacity of N re-encoded dropout layers = capacity of one layer, m C_1(D), for every N >= 1",
)

_r = sp.Symbol("r", positive=True, integer=True)
_k = sp.Symbol("k", positive=True, integer=True)
_j = sp.Symbol("j", nonnegative=True, integer=True)

REPETITION_CASCADE_INFORMATION = formula(
    "coding.repetition_cascade_information",
    sp.floor(m / _r) * (1 - D**_r) ** N * log2(_Kc - 1),
    source="paper 2 main text eq. 2, Fig. 2c (derived: repetition over r neurons, re-encoded)",
    printed=False,
    doc="floor(m/r) (1 - D^r)^N log2(2^C_base - 1) bits with the uniform law on nonzero symbols",
)

MDS_CASCADE_INFORMATION = formula(
    "coding.mds_cascade_information",
    _k
    * log2(_Kc - 1)
    * sp.Sum(sp.binomial(m, _j) * (1 - D) ** _j * D ** (m - _j), (_j, _k, m)) ** N,
    source="paper 2 main text eq. 2, Fig. 2c (derived: [m, k] MDS code over GF(2^C_base - 1), re-encoded)",
    printed=False,
    doc="k log2(K-1) P(Bin(m, 1-D) >= k)^N bits: a layer decodes iff at least k neurons survive",
)

MDS_RATE_LOWER = formula(
    "coding.mds_rate_lower",
    (m * (1 - D) - sp.sqrt(m * sp.log(N * m) / 2) - 1) * log2(_Kc - 1) * (1 - 1 / (N * m)) ** N,
    source="paper 2 main text eq. 2 (derived: Hoeffding bound for the re-encoded Reed-Solomon code)",
    printed=False,
    doc="best [m,k] MDS code re-encoded over N layers delivers >= (m(1-D) - sqrt(m ln(Nm)/2) - 1) "
    "log2(K-1) (1 - 1/(Nm))^N bits: k = floor(m(1-D) - t), t = sqrt(m ln(Nm)/2), P(layer fails) <= exp(-2t^2/m)",
)


def mds_rate_steps() -> list[tuple[str, sp.Expr, sp.Expr]]:
    """The Hoeffding step and the limit: per neuron the explicit code reaches (1-D) log2(K-1)."""
    t = sp.sqrt(m * sp.log(N * m) / 2)
    return [
        ("Hoeffding: exp(-2 t^2 / m) = 1/(N m)", sp.exp(-2 * t**2 / m), 1 / (N * m)),
        ("lim_{m->oo} lower bound / m = (1-D) log2(K-1)", sp.limit(MDS_RATE_LOWER / m, m, sp.oo), (1 - D) * log2(_Kc - 1)),
    ]


def theorem3_lower_steps() -> list[tuple[str, sp.Expr, sp.Expr]]:
    """The lower-bound construction step by step, and where it implies the printed bound."""
    hx = log2(2**C_base - 1)
    return [
        ("H(X) = log(2^C - 1) = log(1 - 2^-C) + C (as printed)", hx, log2(1 - 2 ** (-C_base)) + C_base),
        ("= C_base - eps", hx, C_base - EPSILON),
        ("m (1-D) H(X) = construction bound", m * (1 - D) * hx, DROPOUT_LOWER_CONSTRUCTION),
        ("construction - printed = (1-D) m eps (C_base - 1)", DROPOUT_LOWER_CONSTRUCTION - DROPOUT_LOWER_PRINTED, DROPOUT_BOUND_DIFFERENCE),
    ]


def dropout_capacity_steps() -> list[tuple[str, sp.Expr, sp.Expr]]:
    """KKT verification of :data:`DROPOUT_CAPACITY_EXACT` for one neuron (``K`` symbols).

    Interior branch: with output law ``q_0 = 2^{-C}``, ``q_y = (1 - q_0)/(K-1)``, every input is
    at divergence ``C`` from the output law, ``D(W_0||q) = -log q_0`` and
    ``D(W_x||q) = (1-D)log((1-D)/q_x) + D log(D/q_0)``. Boundary branch: ``p_0 = 0`` gives
    ``q_0 = D`` and ``I = (1-D)log(K-1)``; ``D(W_0||q) = -log D <= I`` iff ``D (K-1)^(1-D) >= 1``.
    The branches agree on the switching curve.
    """
    # powers written as exp(y log x): a rational point then never asks SymPy for an exact
    # Rational**Rational (which can exhaust memory for 16-digit denominators)
    def pw(x: sp.Expr, y: sp.Expr) -> sp.Expr:
        return sp.exp(y * sp.log(x))

    r = pw(2, -binary_entropy(D) / (1 - D))
    c_int = log2(1 + (_K - 1) * r)
    q0 = 1 / (1 + (_K - 1) * r)  # 2^(-C)
    qx = (1 - q0) / (_K - 1)
    kl_nonzero = (1 - D) * log2((1 - D) / qx) + D * log2(D / q0)
    c_bd = (1 - D) * log2(_K - 1)
    k_switch = 1 + pw(D, -1 / (1 - D))  # D (K-1)^(1-D) = 1
    return [
        ("interior: D(W_x || q) = C for x != 0", kl_nonzero, c_int),
        ("interior: D(W_0 || q) = -log2 q_0 = C", -log2(q0), c_int),
        ("boundary: I(uniform nonzero) = (1-D) log2(K-1) (Theorem 3's construction)", (1 - D) * log2(_K - 1), c_bd),
        ("boundary KKT: -log2 D <= (1-D)log2(K-1)  <=>  D (K-1)^(1-D) >= 1", log2(D * pw(_K - 1, 1 - D)), c_bd + log2(D)),
        ("continuity on the switching curve D (K-1)^(1-D) = 1", c_int.subs(_K, k_switch), c_bd.subs(_K, k_switch)),
    ]


def erasure_printed_steps() -> list[tuple[str, sp.Expr, sp.Expr]]:
    """The upper-bound proof's erasure-channel line as printed, on an explicit 2-bit channel:
    ``I(X;Y) = H(X) + H(X|Y) = (1-alpha) H(X)`` (the first ``+`` is a slip)."""
    return _erasure_steps(sign=+1)


def erasure_derived_steps() -> list[tuple[str, sp.Expr, sp.Expr]]:
    """The same line derived: ``I(X;Y) = H(X) - H(X|Y) = (1-alpha) H(X)``."""
    return _erasure_steps(sign=-1)


def _erasure_steps(sign: int) -> list[tuple[str, sp.Expr, sp.Expr]]:
    a = sp.Symbol("alpha_e", positive=True)  # erasure probability (the proof's alpha, not eq. 3's)
    p1, p2, p3 = sp.symbols("p1 p2 p3", positive=True)
    px = [p1, p2, p3, 1 - p1 - p2 - p3]
    hx = -sum(p * log2(p) for p in px)
    # joint P(x, y): y = x w.p. 1 - a, y = e w.p. a; H(X|Y=x) = 0, H(X|Y=e) = H(X)
    h_x_given_y = a * hx
    hy = -sum((1 - a) * p * log2((1 - a) * p) for p in px) - a * log2(a)
    mi = hx + hy - (-sum(p * (1 - a) * log2(p * (1 - a)) for p in px) - sum(p * a * log2(p * a) for p in px))
    return [
        ("I(X;Y) = H(X) %s H(X|Y)" % ("+" if sign > 0 else "-"), mi, hx + sign * h_x_given_y),
        ("= (1 - alpha) H(X)", hx - h_x_given_y, (1 - a) * hx),
    ]


def dropout_composition_steps() -> list[tuple[str, sp.Expr, sp.Expr]]:
    """Two dropout layers (rates D1, D2) on a 3-symbol neuron equal one of rate 1-(1-D1)(1-D2),
    entry by entry, and by induction N layers are one of rate 1-(1-D)^N."""
    d1, d2 = sp.symbols("D_1 D_2", positive=True)

    def W(d: sp.Expr) -> sp.Matrix:
        M = (1 - d) * sp.eye(3)
        M[:, 0] += sp.Matrix([d, d, d])
        return M

    prod = W(d1) * W(d2)
    one = W(1 - (1 - d1) * (1 - d2))
    steps = [(f"W(D1)W(D2)[{r},{c}]", prod[r, c], one[r, c]) for r in range(3) for c in range(3)]
    steps.append(("1 - (1 - D_eff(N)) (1 - D) = D_eff(N+1)", 1 - (1 - (1 - (1 - D) ** N)) * (1 - D), 1 - (1 - D) ** (N + 1)))
    return steps


# --- §2.4 Theorem 4, eq. 3 ---------------------------------------------------------------

POWER_LAW_ENTROPY_PRINTED = formula(
    "coding.power_law_entropy_printed",
    m * b - alpha * m * log2(m / sp.E),
    source=_S24,
    printed=True,
    doc="Theorem 4 as printed: H(X) <~ m n - alpha m log(m/e) (n -> b bits of precision)",
)

POWER_LAW_ENTROPY_STD = formula(
    "coding.power_law_entropy_std",
    m * b + alpha * m * log2(m / sp.E),
    source=_S24 + " (derived, standard deviations sigma_i = i^alpha)",
    printed=False,
    doc="sum_i log2(2^b i^alpha) = m b + alpha log2 m! ~ m b + alpha m log2(m/e)",
)

POWER_LAW_ENTROPY_VARIANCE = formula(
    "coding.power_law_entropy_variance",
    m * b + alpha / 2 * m * log2(m / sp.E),
    source=_S24 + " (derived, variances sigma_i^2 = i^alpha)",
    printed=False,
    doc="sum_i log2(2^b i^(alpha/2)) = m b + (alpha/2) log2 m! ~ m b + (alpha/2) m log2(m/e)",
)

STIRLING_REMAINDER = formula(
    "coding.stirling_remainder",
    log2(2 * sp.pi * m) / 2,
    source=_S24 + " (derived: the Stirling step's leading error)",
    printed=False,
    doc="log2 m! - m log2(m/e) = (1/2) log2(2 pi m) + theta/(12 m ln 2), 0 < theta < 1",
)

power_law_capacity = formula(
    "coding.power_law_capacity",
    C - sp.Abs(alpha) / 2 * m * log2(m / sp.E),
    source="paper 2 main text eq. 3; " + _S24 + " (derived, eigenvalues = variances follow i^alpha, alpha <= 0)",
    printed=False,
    doc="C_alpha ~ C - (|alpha|/2) m log2(m/e): the eigenvalue (variance) exponent halves the printed loss",
)
"""Eq. 3 as derived (bits, :math:`\\alpha\\le0` the exponent of the covariance *eigenvalues*):
:math:`C_\\alpha \\approx C - \\tfrac{|\\alpha|}{2} m\\log_2(m/e)`. Symbols ``C`` (this module),
``alpha`` and ``m`` (:mod:`theory.symbols`). The printed eq. 3 is :data:`power_law_capacity_printed`."""

power_law_capacity_printed = formula(
    "coding.power_law_capacity_printed",
    C - sp.Abs(alpha) * m * log2(m / sp.E),
    source="paper 2 main text eq. 3",
    printed=True,
    doc="C_alpha ~ C - |alpha| m log(m/e) as printed (exact for a standard-deviation exponent)",
)

GAUSSIAN_TERM_PRINTED = formula(
    "coding.gaussian_term_printed",
    m / 2 * log2(2 * sp.pi * sp.E),
    source=_S24 + " (remark after Theorem 4)",
    printed=True,
    doc="Gaussian neurons instead: 'an additive term of at most (m/2) log(2 pi e)'",
)

GAUSSIAN_TERM_MATCHED = formula(
    "coding.gaussian_term_matched",
    m / 2 * log2(2 * sp.pi * sp.E / 12),
    source=_S24 + " (derived: Gaussian and uniform neurons of equal variance)",
    printed=False,
    doc="h(N(0, w^2/12)) - log2 w = (1/2) log2(2 pi e / 12) per neuron (about 0.254 bits)",
)


def gaussian_term_steps() -> list[tuple[str, sp.Expr, sp.Expr]]:
    """Per neuron of width ``w`` (uniform) or standard deviation ``w/sqrt(12)`` (Gaussian, same variance)."""
    w = sp.Symbol("w", positive=True)
    h_gauss = log2(2 * sp.pi * sp.E * w**2 / 12) / 2
    return [
        ("h(N(0, w^2/12)) - log2(w) = (1/2) log2(2 pi e/12)", m * (h_gauss - log2(w)), GAUSSIAN_TERM_MATCHED),
        ("printed bound - matched term = (m/2) log2(12) >= 0", GAUSSIAN_TERM_PRINTED - GAUSSIAN_TERM_MATCHED, m / 2 * log2(12)),
    ]


def theorem4_printed_steps() -> list[tuple[str, sp.Expr, sp.Expr]]:
    """Theorem 4's identity line as printed (``sigma_i = i^alpha``, ``m`` neurons of ``b`` bits); the
    following Stirling line is an approximation and inherits this line's sign."""
    ii = sp.Symbol("i", integer=True, positive=True)
    total = sp.Sum(log2(2**b * ii**alpha), (ii, 1, m))
    return [
        ("sum_i log(2^n i^alpha) = m n - alpha log(prod_i i)", total, m * b - alpha * log2(sp.factorial(m))),
    ]


def theorem4_derived_steps() -> list[tuple[str, sp.Expr, sp.Expr]]:
    """Theorem 4 derived: the sum is ``m b + alpha log2 m!`` and Stirling adds
    ``(1/2)log2(2 pi m)`` plus a remainder in ``(0, 1/(12 m ln 2))``; the variance reading
    (``sigma_i^2 = i^alpha``) halves alpha."""
    ii = sp.Symbol("i", integer=True, positive=True)
    total = sp.Sum(log2(2**b * ii**alpha), (ii, 1, m))
    total_var = sp.Sum(log2(2**b * sp.sqrt(ii**alpha)), (ii, 1, m))
    stir = m * log2(m / sp.E) + STIRLING_REMAINDER
    return [
        ("sum_i log2(2^b i^alpha) = m b + alpha log2(m!)", total, m * b + alpha * log2(sp.factorial(m))),
        ("variances: sum_i log2(2^b i^(alpha/2)) = m b + (alpha/2) log2(m!)", total_var, m * b + alpha / 2 * log2(sp.factorial(m))),
        (
            "Stirling: lim (ln m! - m ln(m/e) - (1/2) ln(2 pi m)) = 0",
            sp.limit(sp.loggamma(m + 1) - m * sp.log(m / sp.E) - sp.log(2 * sp.pi * m) / 2, m, sp.oo),
            sp.Integer(0),
        ),
        ("std reading after Stirling = m b + alpha m log2(m/e) + alpha (1/2)log2(2 pi m)", m * b + alpha * stir, POWER_LAW_ENTROPY_STD + alpha * STIRLING_REMAINDER),
        ("for alpha < 0: alpha = -|alpha| (eq. 3's form, C = m b)", POWER_LAW_ENTROPY_VARIANCE.subs(alpha, -sp.Symbol("abs_alpha", positive=True)), power_law_capacity.subs({C: m * b, alpha: -sp.Symbol("abs_alpha", positive=True)})),
    ]


# --- fast numeric functions --------------------------------------------------------------
#
# Each takes numbers or arrays (broadcast against each other) and returns a ``float`` when every
# argument is a number, checking the whole array at once (:mod:`theory.validation`). Logarithms
# of 2**bits - 1 are taken as bits + log2(1 - 2**-bits), the same number written so that it
# does not overflow for bits >= 1024.

_LN2 = math.log(2.0)


def _S(S_: object) -> np.ndarray:
    return interval_array("S", S_, 0.0, 1.0, closed_lo=False, closed_hi=False)


def _D(D_: object) -> np.ndarray:
    return interval_array("D", D_, 0.0, 1.0)


def _h2(x: np.ndarray) -> np.ndarray:
    """Binary entropy in bits, 0 at the ends (x <= 0 or x >= 1)."""
    inside = (x > 0.0) & (x < 1.0)
    xs = np.where(inside, x, 0.5)  # a point where both logarithms are finite; masked below
    return np.where(inside, -xs * np.log2(xs) - (1 - xs) * np.log2(1 - xs), 0.0)


def _log2_k_minus_1(bits: np.ndarray) -> np.ndarray:
    """log2(2**bits - 1) for bits > 0, without forming 2**bits."""
    return bits + np.log1p(-np.exp2(-bits)) / _LN2


def _bits(bits: object) -> np.ndarray:
    bb = positive_array("bits", bits)
    if bb.size and bb.min() < 1:
        raise ValueError(f"bits must satisfy bits >= 1 (at least two symbols); got {float(bb[bb < 1].flat[0])}")
    return bb


def sparse_entropy(n: object, S: object, h_elem: object, *, p_zero: object = 0.0):
    """Entropy (bits) of ``n`` i.i.d. S-sparsified elements: Lemma 2, minus the exact merge loss
    ``n Δ(S, p_zero)`` when the law puts mass ``p_zero`` on 0 (``h_elem`` includes that mass).

    Integers ``n >= 1``, ``0 < S < 1``, ``h_elem >= 0``, ``0 <= p_zero <= 1``. SymPy forms:
    :data:`SPARSE_ENTROPY_PRINTED` (``p_zero = 0``), :data:`SPARSE_ENTROPY_EXACT`.

    >>> round(sparse_entropy(4, 0.5, 3.0), 12)
    10.0
    >>> sparse_entropy(4, [0.5, 0.5], 3.0, p_zero=[0.0, 0.5]).round(6)
    array([10.      ,  7.245112])
    """
    n_ = int_array("n", n, minimum=1)
    s = _S(S)
    h = real_array("h_elem", h_elem)
    if h.size and h.min() < 0:
        raise ValueError(f"h_elem must satisfy h_elem >= 0 (an entropy); got {float(h[h < 0].flat[0])}")
    qz = interval_array("p_zero", p_zero, 0.0, 1.0)
    lemma = n_ * (_h2(s) + (1 - s) * h)
    a, bq = s, (1 - s) * qz
    loss = np.where(bq == 0, 0.0, (a + bq) * _h2(a / (a + bq)))
    return scalar_or_array(lemma - n_ * loss, n_, s, h, qz)


def sparse_entropy_error_bound(n: object, S: object, eps: object):
    """Bound (bits) on Lemma 2 minus the exact entropy when ``P(X_0 = 0) <= eps``.

    Integers ``n >= 1``, ``0 < S < 1``, ``0 < eps <= 1``. SymPy form: :data:`SPARSE_ENTROPY_ERROR_BOUND`.

    >>> round(sparse_entropy_error_bound(1, 0.5, 0.01), 6)
    0.040505
    """
    n_ = int_array("n", n, minimum=1)
    s = _S(S)
    e = interval_array("eps", eps, 0.0, 1.0, closed_lo=False)
    bq = (1 - s) * e
    return scalar_or_array(n_ * (bq * (np.log2((s + bq) / bq) + math.log2(math.e))), n_, s, e)


def compression_rate(S: object, H: object):
    """Eq. 1: :math:`R(S,H) = 1-S+(h_2(S))/H`, ``H`` the element entropy in bits (> 0).

    ``0 < S < 1``, ``H > 0``. SymPy form: :data:`COMPRESSION_RATE`.

    >>> compression_rate(0.5, [1.0, 2.0])
    array([1.5, 1. ])
    """
    s = _S(S)
    h = positive_array("H", H)
    return scalar_or_array(1 - s + _h2(s) / h, s, h)


def _eps(c: np.ndarray) -> np.ndarray:
    return -np.log2(1 - np.exp2(-c))


def dropout_capacity_bounds(c_base: object, D: object, m: object):
    """Theorem 3 as printed: ``((1-eps)(1-D) c_base m, (1-D) c_base m)`` in bits.

    ``c_base > 0``, ``0 <= D <= 1``, integers ``m >= 1``. SymPy forms:
    :data:`DROPOUT_LOWER_PRINTED`, :data:`DROPOUT_UPPER`.

    >>> dropout_capacity_bounds(1, 0.5, 2)
    (0.0, 1.0)
    """
    c = positive_array("c_base", c_base)
    d = _D(D)
    m_ = int_array("m", m, minimum=1)
    lower = (1 - _eps(c)) * (1 - d) * c * m_
    upper = (1 - d) * c * m_
    return scalar_or_array(lower, c, d, m_), scalar_or_array(upper, c, d, m_)


def dropout_construction_bound(c_base: object, D: object, m: object):
    """The lower bound the proof's construction gives: ``(1-D) m log2(2^c_base - 1)`` bits.

    ``c_base > 0``, ``0 <= D <= 1``, integers ``m >= 1``. SymPy form: :data:`DROPOUT_LOWER_CONSTRUCTION`.

    >>> dropout_construction_bound(2, 0.5, 4)   # 2 * log2(3)
    3.169925001442312
    """
    c = positive_array("c_base", c_base)
    d = _D(D)
    m_ = int_array("m", m, minimum=1)
    return scalar_or_array((1 - d) * m_ * (c - _eps(c)), c, d, m_)


def dropout_capacity_exact(bits: object, D: object, m: object = 1):
    """Exact capacity (bits) of ``m`` neurons of ``2**bits`` symbols behind dropout ``D``.

    ``bits >= 1``, ``0 <= D <= 1``, integers ``m >= 1``. The branch test ``D (K-1)^(1-D) >= 1``
    and the interior value ``log2(1 + (K-1) 2^(-h2(D)/(1-D)))`` are evaluated in logarithms of
    ``K - 1 = 2**bits - 1`` (no overflow for large ``bits``). SymPy form: :data:`DROPOUT_CAPACITY_EXACT`.

    >>> dropout_capacity_exact(1, 0.0)   # a noiseless bit
    1.0
    >>> dropout_capacity_exact(2, [0.5, 1.0], 3)
    array([2.42206477, 0.        ])
    """
    bb = _bits(bits)
    d = _D(D)
    m_ = int_array("m", m, minimum=1)
    return scalar_or_array(m_ * _one_neuron_capacity(bb, d, 1 - d), bb, d, m_)


def _one_neuron_capacity(bb: np.ndarray, d: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """C_1 of :data:`DROPOUT_CAPACITY_EXACT` with the survival probability ``keep = 1 - D`` passed
    as its own number: after ``N`` layers ``keep = (1-D)**N`` can be far below the float spacing
    near 1, where ``1 - D_eff`` would round to 0 (and the capacity with it)."""
    lk = _log2_k_minus_1(bb)  # log2(K - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        inside = (d > 0.0) & (keep > 0.0)
        ds, ks = np.where(inside, d, 0.5), np.where(inside, keep, 0.5)
        # log2 D from whichever of D and keep is exact: D itself below 1/2, log1p(-keep) above
        # (where D = 1 - keep may have lost keep's digits)
        log2_d = np.where(ds < 0.5, np.log2(ds), np.log1p(-ks) / _LN2)
        h2 = np.where(inside, -ds * log2_d - ks * np.log2(ks), 0.0)  # binary entropy of D, 0 at the ends
        boundary = inside & (log2_d + keep * lk >= 0)
        interior = np.logaddexp2(0.0, lk - h2 / np.where(keep > 0, keep, 1.0))
        return np.where(keep == 0.0, 0.0, np.where(boundary, keep * lk, interior))


def naive_depth_capacity(bits: object, D: object, N: object, m: object = 1):
    """Exact capacity of ``N`` dropout layers in series (no re-encoding): rate ``1-(1-D)^N``.

    Integers ``N >= 0``; the rest as :func:`dropout_capacity_exact`. SymPy form: :data:`NAIVE_DEPTH_EXACT`.

    >>> naive_depth_capacity(1, 0.0, 3)
    1.0
    """
    bb = _bits(bits)
    d = _D(D)
    n_ = int_array("N", N, minimum=0)
    m_ = int_array("m", m, minimum=1)
    keep = (1 - d) ** n_  # survival through N layers; D_eff = 1 - keep
    return scalar_or_array(m_ * _one_neuron_capacity(bb, 1 - keep, keep), bb, d, n_, m_)


def repetition_cascade_information(bits: object, D: object, N: object, m: object, r: object):
    """:data:`REPETITION_CASCADE_INFORMATION` numerically (bits).

    Integers ``bits >= 1``, ``N >= 0``, ``1 <= r <= m``; ``0 <= D <= 1``.

    >>> repetition_cascade_information(2, 0.5, 1, 4, 2)   # 2 blocks of log2(3) bits, each erased w.p. 1/4
    2.377443751081734
    """
    bb = int_array("bits", bits, minimum=1)
    d = _D(D)
    n_ = int_array("N", N, minimum=0)
    m_ = int_array("m", m, minimum=1)
    r_ = int_array("r", r, minimum=1)
    over = r_ > m_
    if over.any():
        a, b = np.broadcast_arrays(r_, m_)
        idx = np.unravel_index(int(np.argmax(over)), over.shape) if over.ndim else ()
        raise ValueError(f"r must satisfy r <= m; got r={int(a[idx])}, m={int(b[idx])}")
    out = np.floor_divide(m_, r_) * (1 - d**r_) ** n_ * _log2_k_minus_1(bb)
    return scalar_or_array(out, bb, d, n_, m_, r_)


def mds_cascade_information(bits: object, D: object, N: object, m: object, k: object) -> float:
    """:data:`MDS_CASCADE_INFORMATION` numerically (bits), the binomial tail summed exactly.

    Numbers only (the tail is a sum of ``m - k + 1`` terms with exact binomial coefficients,
    one evaluation per call): integers ``bits >= 1``, ``N >= 0``, ``1 <= k <= m``; ``0 <= D <= 1``.

    >>> mds_cascade_information(2, 0.0, 5, 4, 2)   # nothing erased: k log2(3)
    3.169925001442312
    """
    bb = require_int("bits", bits, minimum=1)
    d = require_in_interval("D", D, 0.0, 1.0)
    n_ = require_int("N", N, minimum=0)
    m_ = require_int("m", m, minimum=1)
    k_ = require_int("k", k, minimum=1)
    if k_ > m_:
        raise ValueError(f"k must satisfy k <= m; got k={k_}, m={m_}")
    tail = math.fsum(math.comb(m_, j) * (1 - d) ** j * d ** (m_ - j) for j in range(k_, m_ + 1))
    return k_ * math.log2(2**bb - 1) * tail**n_


def stirling_bounds(m: object):
    """``(lo, hi)`` with ``lo < log2 m! - m log2(m/e) < hi`` (Robbins 1955): ``lo = (1/2)log2(2 pi m)``,
    ``hi = lo + 1/(12 m ln 2)``. Integers ``m >= 1``. SymPy form: :data:`STIRLING_REMAINDER` (``lo``).

    >>> lo, hi = stirling_bounds(10)
    >>> lo < math.log2(math.factorial(10)) - 10 * math.log2(10 / math.e) < hi
    True
    """
    m_ = int_array("m", m, minimum=1)
    lo = 0.5 * np.log2(2 * math.pi * m_)
    return scalar_or_array(lo, m_), scalar_or_array(lo + 1.0 / (12 * m_ * _LN2), m_)


def power_law_entropy_approx(m: object, bits: object, alpha: object, *, exponent_of: str = "variance"):
    """The derived Theorem 4 / eq. 3 value ``m b + beta m log2(m/e)``, ``beta = alpha/2`` (variances)
    or ``alpha`` (standard deviations); integers ``m >= 1``, ``bits >= 1``, ``alpha <= 0``.
    SymPy forms: :data:`POWER_LAW_ENTROPY_VARIANCE`, :data:`POWER_LAW_ENTROPY_STD`.

    >>> power_law_entropy_approx(1, 8, -1.0, exponent_of="std")   # 8 + (-1) log2(1/e)
    9.442695040888964
    """
    m_ = int_array("m", m, minimum=1)
    bb = int_array("bits", bits, minimum=1)
    a = real_array("alpha", alpha)
    if a.size and a.max() > 0:
        raise ValueError(f"alpha must satisfy alpha <= 0 (a decaying power law); got {float(a[a > 0].flat[0])}")
    if not isinstance(exponent_of, str) or exponent_of not in ("variance", "std"):
        raise ValueError(f"exponent_of must be 'variance' or 'std'; got {exponent_of!r}")
    beta = a / 2 if exponent_of == "variance" else a
    return scalar_or_array(m_ * bb + beta * m_ * np.log2(m_ / math.e), m_, bb, a)
