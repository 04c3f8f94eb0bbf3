r"""Sparsification under l1 regularisation (paper 1, §2.3–2.4 and Appendix B).

Each closed form below is derived here in SymPy and registered with :func:`theory.formulas.formula`;
the ``*_derivation`` functions return the steps ``(label, lhs, rhs)`` that the claims in
:mod:`verify.claims.sparsity` check one by one.

Loss and forces (§2.3)
    :math:`\mathcal L = \sum_i (1-\|W_i\|^2)^2 + \sum_{j\ne i}\mathrm{ReLU}(W_i\cdot W_j)^2 + \lambda\|W_i\|_1`;
    differentiating on a symbolic ``3 × 2`` instance gives the printed flow with the factors 4
    (feature benefit 4, interference 4 — each pair appears twice in the double sum —, l1 term 1).
    Dropping the 4s equals the true flow with :math:`\lambda \to 4\lambda` slowed down four
    times (footnote 5, as printed).
Sparsity force (§2.4)
    :math:`d|w_k|/dt = (1-\|w\|^2)|w_k| - \lambda = (1-\|w\|^2)(|w_k|-\theta)`,
    :math:`\theta = \lambda/(1-\|w\|^2)`. Balance: :math:`d\|w\|^2/dt = 2((1-\|w\|^2)\|w\|^2 - \lambda\|w\|_1)`.
Appendix B
    :math:`-d\|w\|_1/dt = \lambda m' - (1-\|w\|^2)\|w\|_1`, and with the balance condition
    :math:`= \lambda m'^2\,\mathrm{Var}[X]/\|w\|^2`; the :math:`\gamma_k` ODE
    :math:`\dot\gamma_k = \lambda\gamma_k/w_1`, its solution :math:`\gamma = \exp(\lambda\int_0^t dt'/w_1)`,
    and the affine form :math:`w_k(t) = w_1(t)(1-\gamma) + \gamma\,w_1(t)\,w_k(0)/w_1(0)`.
Exact reduction
    :math:`|w_k(t)| = e^{S(t)}(|w_k(0)| - B(t))` with :math:`\dot S = 1-\|w\|^2`,
    :math:`\dot B = \lambda e^{-S}`: a two-dimensional ODE.
Large-m limit (Gaussian init, std :math:`c/\sqrt m`)
    With :math:`b = B\sqrt m/c`, :math:`N(b) = \mathrm{erfc}(b/\sqrt2)`,
    :math:`h(b) = 2\varphi(b) - b N(b)`, :math:`g(b) = (1+b^2)N(b) - 2b\varphi(b)`
    (partial moments of the half-normal law): :math:`m'/m \to N`, :math:`\|w\|_1/\sqrt m \to e^S c\,h`,
    :math:`\|w\|^2 \to e^{2S}c^2 g`, relative variance :math:`\to N g/h^2 - 1`. In the
    quasi-static limit (:math:`\lambda\sqrt m \to 0`, :math:`\|w\| = 1`) and time
    :math:`\tau = \lambda\sqrt m\,t`: :math:`db/d\tau = \sqrt{g}`. Constants: as :math:`b\to\infty`
    (deep in the middle regime) the relative variance :math:`\to 1`, :math:`m'/\|w\|_1^2 \to 2`
    (not 1), :math:`\lambda t\|w\|_1 \to 1`; at :math:`t=0^+` they are :math:`\pi/2-1`, :math:`\pi/2`, 0.

>>> round(threshold(0.01, 0.9), 6)
0.1
>>> lc = limit_constants()
>>> round(lc["rel_var_start"], 4), lc["rel_var_limit"], lc["mprime_ratio_limit"], lc["lam_t_l1_limit"]
(0.5708, 1.0, 2.0, 1.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from scipy import special
from scipy.integrate import quad, solve_ivp

from .formulas import formula
from .symbols import lam, t
from .validation import (
    interval_array,
    nonnegative_array,
    positive_array,
    require_positive,
    scalar_or_array,
)

__all__ = [
    "THRESHOLD",
    "MAGNITUDE_FLOW",
    "BALANCE",
    "APPENDIX_B_IDENTITY",
    "GAMMA_ODE",
    "GAMMA_SOLUTION",
    "REDUCED_MAGNITUDE",
    "HALFNORMAL_TAIL",
    "HALFNORMAL_H",
    "HALFNORMAL_G",
    "LIMIT_REL_VAR",
    "LIMIT_MPRIME_RATIO",
    "LIMIT_LAM_T_L1",
    "REGIME_LAW_PRINTED",
    "loss_instance",
    "gradient_derivation",
    "footnote_derivation",
    "threshold_derivation",
    "balance_derivation",
    "appendix_b_derivation",
    "gamma_derivation",
    "reduction_derivation",
    "halfnormal_derivation",
    "limit_derivation",
    "threshold",
    "limit_functions",
    "limit_constants",
    "LimitCurve",
    "large_m_curve",
    "quasi_static_curve",
    "regime_law_printed",
    "REGIME1_PLATEAU",
    "regime1_plateau_derivation",
    "EXTINCTION_SHIFT",
    "extinction_derivation",
    "critical_ell",
    "critical_ell_asymptotic",
    "halfnormal_max_mean",
    "HALFNORMAL_MAX_MEAN",
    "BALANCE_RELAXATION",
    "balance_transient_derivation",
    "balance_rel_error_lower",
    "balance_rel_error_first_order",
    "balance_times",
]
# EXTINCTION_SHIFT, extinction_derivation, critical_ell, critical_ell_asymptotic, halfnormal_max_mean (issue 17, item 1) and
# BALANCE_RELAXATION, balance_transient_derivation, balance_rel_error_lower, balance_rel_error_first_order, balance_times (item 2)
# join __all__ with their entries in theory.formulas.CATALOGUE (tests/test_formulas.py checks the two agree)

_S23 = "paper 1 §2.3"
_S24 = "paper 1 §2.4"
_APB = "paper 1 Appendix B"

# symbols of this topic ------------------------------------------------------------------
N2 = sp.Symbol("N_2", positive=True)  # ||W_i||^2 (0 < N2 < 1 in the regime of §2.4)
L1 = sp.Symbol("L_1", positive=True)  # ||W_i||_1
mp = sp.Symbol("m'", positive=True)  # number of nonzero coordinates
x = sp.Symbol("x", positive=True)  # a magnitude |W_ik| > 0
b = sp.Symbol("b", positive=True)  # scaled shift B sqrt(m)/c
u = sp.Symbol("u", positive=True)  # 1/b (asymptotics)
eps = sp.Symbol("epsilon", real=True)  # bounded remainder coefficient
theta = sp.Symbol("theta", positive=True)


def _relu(e: sp.Expr) -> sp.Expr:
    return sp.Piecewise((e, e > 0), (0, True))


# --- §2.3: loss, gradient, footnote ------------------------------------------------------

def loss_instance(
    n_rows: int = 3, m_cols: int = 2, lam_: sp.Expr = lam, pattern: dict[tuple[int, int], bool] | None = None
) -> tuple[sp.Matrix, sp.Expr]:
    r"""A symbolic instance of the §2.3 loss: ``W`` with generic real entries and
    :math:`\mathcal L = \sum_i (1-\|W_i\|^2)^2 + \sum_{j\ne i}\mathrm{ReLU}(W_i\cdot W_j)^2 + \lambda\|W_i\|_1`.

    ``pattern`` maps each pair ``(i, j)``, ``i < j``, to whether :math:`W_i\cdot W_j > 0`: on that
    open region ``ReLU(e)`` is ``e`` or ``0`` (``ReLU^2`` is :math:`C^1`, so the gradient is the
    region's gradient everywhere); without it ``ReLU`` is the ``Piecewise`` ``(e, e > 0), (0, True)``.
    """
    W = sp.Matrix(n_rows, m_cols, lambda r, c: sp.Symbol(f"W_{r + 1}{c + 1}", real=True))
    loss = sp.Integer(0)
    for r in range(n_rows):
        nr = (W.row(r) * W.row(r).T)[0]
        loss += (1 - nr) ** 2 + lam_ * sum(sp.Abs(v) for v in W.row(r))
        for s in range(n_rows):
            if s != r:
                loss += _relu_of(W, r, s, pattern) ** 2
    return W, loss


def _relu_of(W: sp.Matrix, r: int, s: int, pattern: dict[tuple[int, int], bool] | None) -> sp.Expr:
    e = (W.row(r) * W.row(s).T)[0]
    if pattern is None:
        return _relu(e)
    return e if pattern[(min(r, s), max(r, s))] else sp.Integer(0)


def _forces(
    W: sp.Matrix, r: int, lam_: sp.Expr, c_fb: sp.Expr, c_int: sp.Expr, pattern: dict[tuple[int, int], bool] | None = None
) -> list[sp.Expr]:
    row = W.row(r)
    nr = (row * row.T)[0]
    out = []
    for c in range(W.cols):
        fb = c_fb * (1 - nr) * W[r, c]
        inter = c_int * sum(_relu_of(W, r, s, pattern) * W[s, c] for s in range(W.rows) if s != r)
        out.append(fb - inter - lam_ * sp.sign(W[r, c]))
    return out


_W, _LOSS = loss_instance()
GRADIENT_DERIVED = formula(
    "sparsity.gradient",
    -sp.diff(_LOSS, _W[0, 0]),
    source=_S23,
    printed=True,
    doc="-dL/dW_11 on the 3x2 instance: 4(1-|W_1|^2)W_11 - 4 sum_j ReLU(W_1.W_j) W_j1 - lam sign(W_11)",
)
GRADIENT_PRINTED = _forces(_W, 0, lam, 4, 4)[0]
_PAIRS = ((0, 1), (0, 2), (1, 2))


def gradient_derivation() -> list[tuple[str, sp.Expr, sp.Expr]]:
    """Every entry of :math:`-\\partial\\mathcal L/\\partial W` on the 3×2 instance against the
    printed three-force flow (factors 4, 4, 1), on each of the 8 sign patterns of the three
    inner products (where ``ReLU`` is polynomial, so each step is proved exactly); then each
    force from its own loss term."""
    import itertools

    steps = []
    for signs in itertools.product((True, False), repeat=3):
        pattern = dict(zip(_PAIRS, signs))
        W, loss = loss_instance(pattern=pattern)
        tag = "".join("+" if v else "-" for v in signs)
        for r in range(W.rows):
            printed = _forces(W, r, lam, 4, 4, pattern)
            for c in range(W.cols):
                steps.append((f"[{tag}] -dL/dW_{r + 1}{c + 1} = printed flow", -sp.diff(loss, W[r, c]), printed[c]))
    W = _W
    row = W.row(0)
    nr = (row * row.T)[0]
    steps.append(("feature benefit: -d(1-|W_1|^2)^2/dW_11 = 4(1-|W_1|^2)W_11", -sp.diff((1 - nr) ** 2, W[0, 0]), 4 * (1 - nr) * W[0, 0]))
    pat = dict(zip(_PAIRS, (True, True, False)))
    inter = sum(_relu_of(W, r, s, pat) ** 2 for r in range(3) for s in range(3) if r != s)
    steps.append((
        "[++-] interference: -d/dW_11 sum_i sum_{j!=i} ReLU(W_i.W_j)^2 = -4 sum_j ReLU(W_1.W_j) W_j1 (each pair twice)",
        -sp.diff(inter, W[0, 0]),
        -4 * sum(_relu_of(W, 0, s, pat) * W[s, 0] for s in (1, 2)),
    ))
    xn = sp.Symbol("e_neg", negative=True)
    steps.append(("d ReLU(e)^2/de = 2 ReLU(e) for e > 0", sp.diff(_relu(x) ** 2, x), 2 * _relu(x)))
    steps.append(("d ReLU(e)^2/de = 2 ReLU(e) = 0 for e < 0", sp.diff(_relu(xn) ** 2, xn), 2 * _relu(xn)))
    steps.append(("regularisation: -d(lam|W_11|)/dW_11 = -lam sign(W_11)", -sp.diff(lam * sp.Abs(W[0, 0]), W[0, 0]), -lam * sp.sign(W[0, 0])))
    return steps


SIMPLIFIED_FLOW = formula(
    "sparsity.footnote_simplified_flow",
    _forces(_W, 0, lam, 1, 1)[0],
    source=_S23 + " footnote 5",
    printed=False,
    doc="The flow with the constants 4 dropped (first entry of the 3x2 instance)",
)
FOOTNOTE_PRINTED = sp.Rational(1, 4) * _forces(_W, 0, 4 * lam, 4, 4)[0]


def footnote_derivation() -> list[tuple[str, sp.Expr, sp.Expr]]:
    r"""Footnote 5: the flow without the 4s equals :math:`\tfrac14\times` the true flow at
    :math:`4\lambda`, i.e. λ four times larger and time running four times slower
    (:math:`d/d\tau = \tfrac14\,d/dt`)."""
    simp = _forces(_W, 0, lam, 1, 1)
    true4 = _forces(_W, 0, 4 * lam, 4, 4)
    steps = [(f"dropped-4 flow, entry 1{c + 1} = (1/4) true flow at 4*lam", simp[c], true4[c] / 4) for c in range(2)]
    steps.append(("true flow at lam = 4 * (dropped-4 flow at lam/4)", _forces(_W, 0, lam, 4, 4)[0], 4 * _forces(_W, 0, lam / 4, 1, 1)[0]))
    return steps


# --- §2.4: threshold, magnitude flow, balance ------------------------------------------------

THRESHOLD = formula(
    "sparsity.threshold",
    lam / (1 - N2),
    source=_S24,
    printed=True,
    doc="theta = lam / (1 - ||W_i||^2): weights above grow, below shrink",
)

MAGNITUDE_FLOW = formula(
    "sparsity.magnitude_flow",
    (1 - N2) * (x - THRESHOLD),
    source=_S24,
    printed=True,
    doc="d|W_ik|/dt = (1-||W_i||^2)(|W_ik| - theta) for W_ik != 0 (no interference, 4s dropped)",
)


def threshold_derivation() -> list[tuple[str, sp.Expr, sp.Expr]]:
    r""":math:`d|w|/dt = \mathrm{sign}(w)\,dw/dt = (1-N_2)|w| - \lambda = (1-N_2)(|w|-\theta)`,
    the root of :math:`(1-N_2)|w| = \lambda` is θ, and the sign of the rate is that of :math:`|w|-\theta`."""
    wr = sp.Symbol("w", real=True)
    flow = (1 - N2) * wr - lam * sp.sign(wr)
    return [
        ("d|w|/dt = sign(w) dw/dt = (1-N2)|w| - lam (w != 0)", sp.sign(wr) * flow, ((1 - N2) * sp.Abs(wr) - lam) * sp.Abs(sp.sign(wr))),
        ("(1-N2)|w| - lam = (1-N2)(|w| - theta)", (1 - N2) * x - lam, MAGNITUDE_FLOW),
        ("root of (1-N2)|w| = lam", sp.solve(sp.Eq((1 - N2) * x, lam), x)[0], THRESHOLD),
        ("d rate / d|w| = 1 - N2 (> 0 for N2 < 1: sign of rate = sign(|w| - theta))", sp.diff(MAGNITUDE_FLOW, x), 1 - N2),
    ]


def threshold(lam: Any, norm_sq: Any) -> Any:
    r"""Sparsity threshold :math:`\theta = \lambda/(1-\|W_i\|^2)` (paper 1, §2.4).

    ``lam > 0`` and ``0 <= norm_sq < 1`` (§2.4 assumes :math:`\|W_i\| < 1`). Numbers or
    arrays (broadcast); a ``float`` when both are numbers. SymPy form: :data:`THRESHOLD`.

    >>> threshold(0.02, 0.5)
    0.04
    >>> threshold(0.02, 1.0)
    Traceback (most recent call last):
    ...
    ValueError: norm_sq must satisfy 0 <= norm_sq < 1; got 1.0
    """
    lam_a = positive_array("lam", lam)
    ns = interval_array("norm_sq", norm_sq, 0.0, 1.0, closed_hi=False)
    return scalar_or_array(lam_a / (1.0 - ns), lam_a, ns)


BALANCE = formula(
    "sparsity.balance",
    lam * L1 / N2,
    source=_S24,
    printed=True,
    doc="balance condition d||W_i||^2/dt ~ 0  =>  1 - ||W_i||^2 ~ lam ||W_i||_1 / ||W_i||^2",
)


def _instance(m_: int = 3) -> tuple[list[sp.Symbol], list[int]]:
    mags = [sp.Symbol(f"a_{k + 1}", positive=True) for k in range(m_)]
    signs = [1 if k % 2 == 0 else -1 for k in range(m_)]
    return mags, signs


def balance_derivation() -> list[tuple[str, sp.Expr, sp.Expr]]:
    r"""On ``w = (a1, -a2, a3)``: :math:`d\|w\|^2/dt = 2\dot w\cdot w = 2((1-\|w\|^2)\|w\|^2 - \lambda\|w\|_1)`,
    and setting it to zero gives :math:`1-\|w\|^2 = \lambda\|w\|_1/\|w\|^2`."""
    mags, signs = _instance()
    w = [s * a for s, a in zip(signs, mags)]
    n2 = sum(v**2 for v in w)
    l1 = sum(mags)
    dw = [(1 - n2) * v - lam * sp.sign(v) for v in w]
    lhs = 2 * sum(d * v for d, v in zip(dw, w))
    return [
        ("d||w||^2/dt = 2 dw/dt . w = 2((1-||w||^2)||w||^2 - lam ||w||_1)", lhs, 2 * ((1 - n2) * n2 - lam * l1)),
        ("d||w||^2/dt = 0  <=>  1 - N2 = lam L1 / N2", sp.solve(sp.Eq((1 - N2) * N2, lam * L1), lam)[0], (1 - N2) * N2 / L1),
        ("hence 1 - N2 = lam L1/N2 (balance)", (1 - N2).subs(lam, (1 - N2) * N2 / L1), BALANCE.subs(lam, (1 - N2) * N2 / L1)),
    ]


# --- Appendix B ----------------------------------------------------------------------------

APPENDIX_B_IDENTITY = formula(
    "sparsity.appendix_b_identity",
    lam * mp**2 / N2 * (N2 / mp - (L1 / mp) ** 2),
    source=_APB,
    printed=True,
    doc="-d||W_i||_1/dt = lam m' - (1-||W_i||^2)||W_i||_1 = (lam m'^2/||W_i||^2) Var[X] under the balance condition",
)


def appendix_b_derivation() -> list[tuple[str, sp.Expr, sp.Expr]]:
    r"""The chain of Appendix B, each step checked; the first on a 3-coordinate instance,
    the rest with the balance condition substituted, the last against the sample variance of
    the magnitudes (``X`` uniform over the nonzero :math:`|w_k|`)."""
    mags, signs = _instance()
    w = [s * a for s, a in zip(signs, mags)]
    n2 = sum(v**2 for v in w)
    dmag = [(1 - n2) * a - lam for a in mags]  # d|w_k|/dt for each nonzero k
    m3 = len(mags)
    sv = sp.Symbol("s", real=True)  # 1 - ||w||^2
    step2 = lam / N2 * (mp * N2 - L1**2)
    step3 = lam * mp**2 / N2 * (N2 / mp - (L1 / mp) ** 2)
    mean = sum(mags) / m3
    var = sum((a - mean) ** 2 for a in mags) / m3
    return [
        ("-d||w||_1/dt = -sum_k d|w_k|/dt = lam m' - (1-N2) L1 (instance m'=3)", -sum(dmag), (lam * mp - (1 - N2) * L1).subs({mp: m3, N2: n2, L1: sum(mags)})),
        ("by the balance condition 1-N2 = lam L1/N2", (lam * mp - sv * L1).subs(sv, BALANCE), lam * mp - lam * L1**2 / N2),
        ("= lam/N2 (m' N2 - L1^2)", lam * mp - lam * L1**2 / N2, step2),
        ("= lam m'^2/N2 (N2/m' - (L1/m')^2)", step2, step3),
        ("N2/m' - (L1/m')^2 = (1/m') sum_k (|w_k| - L1/m')^2 = Var[X] (instance m'=3)", (N2 / mp - (L1 / mp) ** 2).subs({mp: m3, N2: n2, L1: sum(mags)}), var),
        ("lam m'^2 E[X]^2 / N2 = lam L1^2 / N2 (so -dL1/dt = Theta(lam L1^2) when RV = Theta(1))", lam * mp**2 * (L1 / mp) ** 2 / N2, lam * L1**2 / N2),
        ("w := 1/L1: dw/dt = -(1/L1^2) dL1/dt = lam RV / N2", (step3 / L1**2), lam / N2 * (mp * N2 / L1**2 - 1)),
        ("w ~ theta under balance: lam/(1-N2) = N2/L1", THRESHOLD.subs(N2, N2).subs(lam, (1 - N2) * N2 / L1), N2 / L1),
    ]


gamma = sp.Function("gamma")
w1f = sp.Function("w_1")
wkf = sp.Function("w_k")
sfun = sp.Function("s")

GAMMA_ODE = formula(
    "sparsity.gamma_ode",
    lam / w1f(t) * gamma(t),
    source=_APB,
    printed=True,
    doc="d gamma_k/dt = lam gamma_k / W_i1 (independent of k)",
)
GAMMA_SOLUTION = formula(
    "sparsity.gamma_solution",
    sp.exp(lam * sp.Integral(1 / w1f(sp.Symbol("t'", nonnegative=True)), (sp.Symbol("t'", nonnegative=True), 0, t))),
    source=_APB,
    printed=False,
    doc="gamma(t) = exp(lam int_0^t dt'/W_i1(t')), gamma(0) = 1",
)
AFFINE_FORM = formula(
    "sparsity.affine_form",
    w1f(t) * (1 - gamma(t)) + gamma(t) * w1f(t) / w1f(0) * wkf(0),
    source=_APB,
    printed=True,
    doc="W_ik(t) = W_i1(t)(1-gamma(t)) + gamma(t) W_i1(t)/W_i1(0) W_ik(0) while W_ik(t) > 0",
)


def gamma_derivation() -> list[tuple[str, sp.Expr, sp.Expr]]:
    r"""With :math:`\dot w = s(t) w - \lambda` for both :math:`w_1` and :math:`w_k`:
    :math:`\dot\gamma_k = \lambda\gamma_k/w_1`; :math:`\gamma = \exp(\lambda\int 1/w_1)` solves it
    with :math:`\gamma(0)=1`; the affine form solves :math:`\dot w_k = s w_k - \lambda`."""
    s_ = sfun(t)
    w1, wk = w1f(t), wkf(t)
    rule = {sp.Derivative(w1, t): s_ * w1 - lam, sp.Derivative(wk, t): s_ * wk - lam}
    gk = 1 - wk / w1
    dg = sp.diff(gk, t).subs(rule)
    log_form = -(wk / w1) * ((s_ * wk - lam) / wk - (s_ * w1 - lam) / w1)
    sol = GAMMA_SOLUTION.doit()
    # the affine form: w_k(t) = w1(t) (1 - G) + G w1(t) w_k(0)/w1(0), with G = exp(lam int 1/w1)
    G = sp.Function("G")(t)
    wk_aff = w1 * (1 - G) + G * w1 / w1f(0) * wkf(0)
    dwk = sp.diff(wk_aff, t).subs({sp.Derivative(w1, t): s_ * w1 - lam, sp.Derivative(G, t): lam * G / w1})
    return [
        ("d gamma_k/dt = -(w_k/w_1)(w_k'/w_k - w_1'/w_1) (logarithmic derivatives)", dg, log_form),
        ("feature benefit cancels: = lam gamma_k / w_1", log_form, GAMMA_ODE.subs(gamma(t), gk)),
        ("gamma(t) = exp(lam int 1/w_1) solves gamma' = lam gamma/w_1", sp.diff(sol, t), (lam / w1f(t)) * sol),
        ("gamma(0) = 1", sol.subs(t, 0).doit(), sp.Integer(1)),
        ("affine form solves w_k' = s w_k - lam", dwk, s_ * wk_aff - lam),
        ("affine form at t = 0 is w_k(0)", wk_aff.subs(t, 0).subs(G.subs(t, 0), 1), wkf(0)),
        ("1 - w_k(t)/w_1(t) = gamma(t)(1 - w_k(0)/w_1(0)) for the affine form", 1 - wk_aff / w1, G * (1 - wkf(0) / w1f(0))),
    ]


# --- exact reduction -----------------------------------------------------------------------

Sf = sp.Function("S")
Bf = sp.Function("B")
x0 = sp.Symbol("x_0", positive=True)
REDUCED_MAGNITUDE = formula(
    "sparsity.reduced_magnitude",
    sp.exp(Sf(t)) * (x0 - Bf(t)),
    source=_S24 + " / Appendix B (exact reduction, derived)",
    printed=False,
    doc="|w_k(t)| = e^{S(t)} (|w_k(0)| - B(t)), S' = 1-||w||^2, B' = lam e^{-S}; alive iff |w_k(0)| > B(t)",
)


def reduction_derivation() -> list[tuple[str, sp.Expr, sp.Expr]]:
    r"""The exact two-dimensional reduction: :math:`e^S(x_0-B)` solves :math:`\dot x = s x - \lambda`
    for every ``k`` given :math:`\dot S = s`, :math:`\dot B = \lambda e^{-S}`; it starts at :math:`x_0`;
    it vanishes exactly when :math:`B = x_0` and ``B`` is increasing (a dead weight stays dead);
    and the norms are sums over the survivors, which the sorted :math:`x_0` and their prefix
    sums give (:math:`\sum (x-B)^2 = Q - 2BP + B^2N`)."""
    s_ = sfun(t)
    S, B = Sf(t), Bf(t)
    xk = REDUCED_MAGNITUDE
    dx = sp.diff(xk, t).subs({sp.Derivative(S, t): s_, sp.Derivative(B, t): lam * sp.exp(-S)})
    xs = [sp.Symbol(f"x_{k}", positive=True) for k in range(1, 4)]
    Bs = sp.Symbol("B", nonnegative=True)
    direct = sum((v - Bs) ** 2 for v in xs)
    prefix = sum(v**2 for v in xs) - 2 * Bs * sum(xs) + Bs**2 * 3
    return [
        ("d/dt e^S (x0 - B) = s e^S (x0 - B) - lam", dx, s_ * xk - lam),
        ("at t = 0 (S = B = 0): x0", xk.subs({S: 0, B: 0}), x0),
        ("B' = lam e^{-S} > 0 (B increasing: a weight dead at B = x0 stays dead)", sp.diff(lam * sp.exp(-S), lam) * lam, lam * sp.exp(-S)),
        ("sum over survivors of (x - B)^2 = Q - 2 B P + B^2 N (prefix sums)", direct, prefix),
    ]


# --- large-m limit -------------------------------------------------------------------------

_z = sp.Symbol("z", positive=True)
_phi = lambda v: sp.exp(-(v**2) / 2) / sp.sqrt(2 * sp.pi)  # noqa: E731
HALFNORMAL_TAIL = formula(
    "sparsity.halfnormal_tail",
    sp.erfc(b / sp.sqrt(2)),
    source="derived (large-m limit of the reduced ODE)",
    printed=False,
    doc="N(b) = P(|Z| > b) = m'/m in the limit",
)
HALFNORMAL_H = formula(
    "sparsity.halfnormal_h",
    2 * _phi(b) - b * sp.erfc(b / sp.sqrt(2)),
    source="derived (large-m limit of the reduced ODE)",
    printed=False,
    doc="h(b) = E[(|Z|-b)^+]: ||w||_1 / (e^S c sqrt(m)) in the limit",
)
HALFNORMAL_G = formula(
    "sparsity.halfnormal_g",
    (1 + b**2) * sp.erfc(b / sp.sqrt(2)) - 2 * b * _phi(b),
    source="derived (large-m limit of the reduced ODE)",
    printed=False,
    doc="g(b) = E[((|Z|-b)^+)^2]: ||w||^2 / (e^S c)^2 in the limit",
)


def halfnormal_derivation() -> list[tuple[str, sp.Expr, sp.Expr]]:
    r"""Partial moments of the half-normal density :math:`2\varphi` on :math:`(b,\infty)` and
    the limits of the reduced sums: :math:`N(B)/m \to N(b)`, :math:`\sum (x-B)/(\sigma m) \to h`,
    :math:`\sum (x-B)^2/(\sigma^2 m) \to g`; also :math:`h' = -N`, :math:`g' = -2h`.

    Each moment :math:`M_j(b) = \int_b^\infty z^j\,2\varphi(z)\,dz` is established by the
    fundamental theorem of calculus: its closed form has derivative :math:`-b^j 2\varphi(b)`
    and tends to 0 as :math:`b\to\infty`.
    """
    dens = 2 * _phi(b)
    m0 = HALFNORMAL_TAIL
    m1 = 2 * _phi(b)
    m2 = 2 * b * _phi(b) + HALFNORMAL_TAIL
    steps = []
    for j, (name, mj) in enumerate((("erfc(b/sqrt2)", m0), ("2 phi(b)", m1), ("2(b phi(b) + Phibar(b))", m2))):
        steps.append((f"M_{j} = {name}: d/db M_{j} = -b^{j} 2 phi(b)", sp.diff(mj, b), -(b**j) * dens))
        steps.append((f"M_{j} = {name}: M_{j} -> 0 as b -> oo", sp.limit(mj, b, sp.oo), sp.Integer(0)))
    steps += [
        ("h = M1 - b M0", m1 - b * m0, HALFNORMAL_H),
        ("g = M2 - 2 b M1 + b^2 M0", m2 - 2 * b * m1 + b**2 * m0, HALFNORMAL_G),
        ("h' = -N", sp.diff(HALFNORMAL_H, b), -HALFNORMAL_TAIL),
        ("g' = -2h", sp.diff(HALFNORMAL_G, b), -2 * HALFNORMAL_H),
        ("h(0) = sqrt(2/pi) = E|Z|", HALFNORMAL_H.subs(b, 0), sp.sqrt(2 / sp.pi)),
        ("g(0) = 1 = E[Z^2]", HALFNORMAL_G.subs(b, 0), sp.Integer(1)),
    ]
    return steps


_RV = HALFNORMAL_TAIL * HALFNORMAL_G / HALFNORMAL_H**2 - 1
LIMIT_REL_VAR = formula(
    "sparsity.limit_rel_var",
    sp.Integer(1),
    source=_APB + " (Fig 6: 'a constant not too far from 1')",
    printed=False,
    doc="lim_{b->oo} N g / h^2 - 1 = 1 (relative variance deep in the middle regime); pi/2 - 1 at b = 0",
)
LIMIT_MPRIME_RATIO = formula(
    "sparsity.limit_mprime_ratio",
    sp.Integer(2),
    source=_S24 + " ('approximate m' as ||W_i||_1^2')",
    printed=False,
    doc="lim m'/||w||_1^2 = lim (1 + RV)/||w||^2 = 2, not 1",
)
LIMIT_LAM_T_L1 = formula(
    "sparsity.limit_lam_t_l1",
    sp.Integer(1),
    source=_S24 + " (Theta(1/(lam t)) with constant 1, Fig 2)",
    printed=False,
    doc="lim lam t ||w||_1 = lim 1/RV = 1 (L'Hopital on tau(b) h/sqrt(g))",
)


def limit_derivation() -> list[tuple[str, sp.Expr, sp.Expr]]:
    r"""The constants of the large-m limit.

    With the Mills ratio :math:`R = \mathrm{erfc}(b/\sqrt2)/(2\varphi(b))` the density cancels:
    :math:`N g/h^2 = R((1+b^2)R - b)/(1-bR)^2`. Its expansion
    :math:`R = u - u^3 + 3u^5 - 15u^7 + 105u^9 + \epsilon u^{11}` (``u = 1/b``; the partial sums of
    this alternating asymptotic series bound ``R`` on both sides, so ``ε`` is bounded) gives
    the limits with ``ε`` free: relative variance → 1, :math:`m'/\|w\|_1^2 \to 2`.
    For :math:`\lambda t\|w\|_1 = \tau(b)\,h/\sqrt g` with :math:`\tau = \int_0^b d\beta/\sqrt{g}`,
    L'Hôpital's ratio is :math:`(1/\sqrt g)/(\sqrt g/h)' = 1/\mathrm{RV}(b) \to 1`.
    """
    R = sp.Symbol("R", positive=True)
    phi_b = _phi(b)
    ratio_R = R * ((1 + b**2) * R - b) / (1 - b * R) ** 2
    ratio_direct = (HALFNORMAL_TAIL * HALFNORMAL_G / HALFNORMAL_H**2).subs(sp.erfc(b / sp.sqrt(2)), 2 * phi_b * R)
    mills = u - u**3 + 3 * u**5 - 15 * u**7 + 105 * u**9 + eps * u**11
    ratio_u = ratio_R.subs(b, 1 / u).subs(R, mills)
    lim_ratio = sp.limit(sp.simplify(ratio_u), u, 0)
    q = sp.sqrt(HALFNORMAL_G) / HALFNORMAL_H
    lhop = (1 / sp.sqrt(HALFNORMAL_G)) / sp.diff(q, b)
    return [
        ("N g/h^2 with erfc = 2 phi R: the density cancels", ratio_direct, ratio_R),
        ("lim_{u->0} (1 + RV) with the Mills expansion (epsilon free) = 2", lim_ratio, 2 * sp.Integer(1)),
        ("relative variance limit = 2 - 1", lim_ratio - 1, LIMIT_REL_VAR),
        ("m'/||w||_1^2 = (1+RV)/||w||^2 -> 2 (||w|| = 1)", lim_ratio, LIMIT_MPRIME_RATIO),
        ("L'Hopital ratio (1/sqrt g)/(sqrt g/h)' = 1/RV(b)", lhop, 1 / _RV),
        ("lim 1/RV = 1", 1 / (lim_ratio - 1), LIMIT_LAM_T_L1),
        ("RV at b = 0 (t = 0+): pi/2 - 1", sp.limit(_RV, b, 0), sp.pi / 2 - 1),
        (
            "sqrt(g)/h -> oo (L'Hopital applies): h^2/g = 2 phi (1-bR)^2/((1+b^2)R-b), the last factor -> 0",
            sp.limit(sp.simplify(((1 - b * R) ** 2 / ((1 + b**2) * R - b)).subs(b, 1 / u).subs(R, mills)), u, 0),
            sp.Integer(0),
        ),
    ]


def limit_functions(bv: Any) -> tuple[Any, Any, Any]:
    r"""Numeric :math:`(N(b), h(b), g(b))`, using ``erfcx`` for large ``b`` (``b >= 0``).

    A number gives three floats, an array three arrays of its shape. SymPy forms:
    :data:`HALFNORMAL_TAIL`, :data:`HALFNORMAL_H`, :data:`HALFNORMAL_G`.

    >>> tail, h, g = limit_functions(0.0)   # N(0) = 1, h(0) = E|Z| = sqrt(2/pi), g(0) = E[Z^2] = 1
    >>> tail, round(h, 12) == round(math.sqrt(2 / math.pi), 12), g
    (1.0, True, 1.0)
    """
    bb = nonnegative_array("b", bv)
    phi = np.exp(-bb**2 / 2) / math.sqrt(2 * math.pi)
    tail = special.erfc(bb / math.sqrt(2))
    # h = 2 phi (1 - b R), g = 2 phi ((1+b^2) R - b), R = Mills ratio = erfcx(b/sqrt2) sqrt(pi/2)
    R = special.erfcx(bb / math.sqrt(2)) * math.sqrt(math.pi / 2)
    h = 2 * phi * (1 - bb * R)
    g = 2 * phi * ((1 + bb**2) * R - bb)
    return scalar_or_array(tail, bb), scalar_or_array(h, bb), scalar_or_array(g, bb)


def limit_constants() -> dict[str, float]:
    """The large-m constants as floats (see :func:`limit_derivation`).

    >>> limit_constants()["mprime_ratio_limit"], round(limit_constants()["mprime_ratio_start"], 6)
    (2.0, 1.570796)
    """
    return {
        "rel_var_start": math.pi / 2 - 1,
        "mprime_ratio_start": math.pi / 2,
        "rel_var_limit": float(LIMIT_REL_VAR),
        "mprime_ratio_limit": float(LIMIT_MPRIME_RATIO),
        "lam_t_l1_limit": float(LIMIT_LAM_T_L1),
    }


@dataclass(frozen=True, kw_only=True)
class LimitCurve:
    r"""Observables of the m → ∞ limit at scaled times :math:`\tau = \lambda\sqrt m\,t`:
    ``l1_over_sqrt_m`` :math:`= \|w\|_1/\sqrt m`, ``norm_sq``, ``mprime_frac`` :math:`= m'/m`,
    ``rel_var``, ``lam_t_l1`` :math:`= \lambda t\|w\|_1`, ``mprime_ratio`` :math:`= m'/\|w\|_1^2\times m^0`
    (the latter two need ``m`` only through ``tau``: :math:`m'/\|w\|_1^2 = N/(e^{S}c\,h)^2`), and ``b``."""

    tau: np.ndarray
    b: np.ndarray
    l1_over_sqrt_m: np.ndarray
    norm_sq: np.ndarray
    mprime_frac: np.ndarray
    rel_var: np.ndarray
    lam_t_l1: np.ndarray
    mprime_ratio: np.ndarray


def _curve(tau: np.ndarray, bv: np.ndarray, scale: np.ndarray) -> LimitCurve:
    tail, h, g = limit_functions(bv)
    l1 = scale * h
    nsq = scale**2 * g
    with np.errstate(divide="ignore", invalid="ignore"):
        rv = tail * g / h**2 - 1
        ratio = tail / l1**2
    return LimitCurve(tau=tau, b=bv, l1_over_sqrt_m=l1, norm_sq=nsq, mprime_frac=tail, rel_var=rv, lam_t_l1=tau * l1, mprime_ratio=ratio)


def large_m_curve(tau: Any, *, ell: float, c: float = 0.9, rtol: float = 1e-10) -> LimitCurve:
    r"""The m → ∞ limit at fixed :math:`\ell = \lambda\sqrt m` and init std :math:`c/\sqrt m`.

    In :math:`\tau = \ell t`: :math:`db/d\tau = e^{-S}/c`, :math:`dS/d\tau = (1 - e^{2S}c^2 g(b))/\ell`,
    :math:`S(0) = b(0) = 0` (solved with ``rtol``).

    >>> cur = large_m_curve([0.0, 1.0, 100.0], ell=0.1)
    >>> cur.rel_var.round(4)   # from pi/2 - 1 towards its limit 1
    array([0.5708, 0.688 , 0.9069])
    """
    ell_f = require_positive("ell", ell)
    c_f = require_positive("c", c)
    taus = np.atleast_1d(np.asarray(tau, dtype=float))
    if np.any(taus < 0) or np.any(np.diff(taus) < 0):
        raise ValueError("tau must satisfy tau >= 0 and be sorted")

    def rhs(_tt: float, y: np.ndarray) -> list[float]:
        s_, b_ = y
        _, _, g = limit_functions(max(b_, 0.0))
        return [(1.0 - math.exp(2 * s_) * c_f**2 * float(g)) / ell_f, math.exp(-s_) / c_f]

    y = np.zeros((2, taus.size))
    pos = taus > 0
    if np.any(pos):
        sol = solve_ivp(rhs, (0.0, float(taus[-1])), [0.0, 0.0], method="LSODA", t_eval=taus[pos], rtol=rtol, atol=1e-12)
        if not sol.success:  # pragma: no cover
            raise RuntimeError(sol.message)
        y[:, pos] = sol.y
    return _curve(taus, y[1], c_f * np.exp(y[0]))


def quasi_static_curve(bv: Any) -> LimitCurve:
    r"""The quasi-static limit (:math:`\ell\to 0`, :math:`\|w\|=1`) parametrised by ``b``:
    :math:`\tau(b) = \int_0^b d\beta/\sqrt{g(\beta)}`.

    >>> qs = quasi_static_curve([0.0, 5.0])
    >>> qs.rel_var.round(4), qs.mprime_ratio.round(4)
    (array([0.5708, 0.94  ]), array([1.5708, 1.94  ]))
    """
    bb = np.atleast_1d(np.asarray(bv, dtype=float))
    if np.any(bb < 0) or np.any(np.diff(bb) < 0):
        raise ValueError("b must satisfy b >= 0 and be sorted")
    taus = np.zeros_like(bb)
    prev, acc = 0.0, 0.0
    for idx, bi in enumerate(bb):
        acc += quad(lambda v: 1.0 / math.sqrt(float(limit_functions(v)[2])), prev, bi, epsabs=1e-13, epsrel=1e-11)[0]
        taus[idx], prev = acc, bi
    _, _, g = limit_functions(bb)
    return _curve(taus, bb, 1.0 / np.sqrt(g))


# --- the printed three-regime law --------------------------------------------------------

REGIME_LAW_PRINTED = formula(
    "sparsity.regime_law",
    sp.Piecewise(
        (sp.sqrt(sp.Symbol("m", positive=True)), t <= 1 / (lam * sp.sqrt(sp.Symbol("m", positive=True)))),
        (1 / (lam * t), t <= 1 / lam),
        (sp.Integer(1), True),
    ),
    source=_S24,
    printed=True,
    doc="||W_i(t)||_1 = Theta(sqrt m), Theta(1/(lam t)), Theta(1) (constants 1 as in Fig 2)",
)


def regime_law_printed(*, m: Any, lam: Any, t: Any) -> Any:
    r"""The printed law with the constants 1 (Fig 2): :math:`\sqrt m`, :math:`1/(\lambda t)`, 1.

    ``m > 0``, ``lam > 0``, ``t >= 0``; numbers or arrays (broadcast), a ``float`` when all are
    numbers. SymPy form: :data:`REGIME_LAW_PRINTED`.

    >>> regime_law_printed(m=100, lam=0.01, t=[5.0, 50.0, 500.0])
    array([10.,  2.,  1.])
    """
    m_a = positive_array("m", m)
    lam_a = positive_array("lam", lam)
    t_a = nonnegative_array("t", t)
    sqrt_m = np.sqrt(m_a)
    with np.errstate(divide="ignore"):  # 1/(lam t) at t = 0 lies in the first regime, never taken
        out = np.where(t_a <= 1 / (lam_a * sqrt_m), sqrt_m, np.where(t_a <= 1 / lam_a, 1.0 / (lam_a * t_a), 1.0))
    return scalar_or_array(out, m_a, lam_a, t_a)


# --- the regime-1 plateau constant (issue 17, item 3) --------------------------------------

REGIME1_PLATEAU = formula(
    "sparsity.regime1_plateau",
    sp.sqrt(2 / sp.pi) * sp.sqrt(N2),
    source=_S24 + " (derived: the constant of Theta(sqrt m) for t <= 1/(lam sqrt m))",
    printed=False,
    doc="||W_i||_1 / sqrt(m) -> sqrt(2/pi) ||W_i|| as b -> 0: c sqrt(2/pi) at t = 0 (std c/sqrt m), sqrt(2/pi) once ||W_i|| = 1",
)


def regime1_plateau_derivation() -> list[tuple[str, sp.Expr, sp.Expr]]:
    r"""The constant of the first regime :math:`\|W_i\|_1 = \Theta(\sqrt m)`.

    In the large-m limit :math:`\|w\|_1/\sqrt m = e^S c\,h(b)` and :math:`\|w\|^2 = e^{2S}c^2 g(b)`, so
    :math:`\|w\|_1/(\sqrt m\,\|w\|) = h(b)/\sqrt{g(b)}` whatever :math:`S`:

    1. at :math:`b = 0` (no weight has died) it is :math:`h(0)/\sqrt{g(0)} = \sqrt{2/\pi} = \mathbb E|Z|`,
       hence the plateau :math:`\sqrt{2/\pi}\,\|W_i\|` (:data:`REGIME1_PLATEAU`): :math:`c\sqrt{2/\pi}`
       at initialisation (std :math:`c/\sqrt m`), :math:`\sqrt{2/\pi}\approx0.80` once the norm has
       relaxed to 1 (the quasi-static limit);
    2. :math:`\tfrac{d}{db}\,h/\sqrt g = (h^2 - Ng)/g^{3/2}`, which is :math:`2/\pi - 1 < 0` at
       :math:`b = 0`: the plateau is where :math:`\|w\|_1/(\sqrt m\|w\|)` is largest, and it falls as
       soon as weights die (:math:`b` grows with :math:`\tau`), so no constant 1 is reached.
    """
    ratio = HALFNORMAL_H / sp.sqrt(HALFNORMAL_G)
    return [
        ("h(0)/sqrt(g(0)) = sqrt(2/pi)", ratio.subs(b, 0), sp.sqrt(2 / sp.pi)),
        ("plateau: sqrt(N_2) h(0)/sqrt(g(0)) = sqrt(2/pi) ||W_i||", sp.sqrt(N2) * ratio.subs(b, 0), REGIME1_PLATEAU),
        ("d/db [h/sqrt(g)] = (h^2 - N g)/g^(3/2)", sp.diff(ratio, b),
         (HALFNORMAL_H**2 - HALFNORMAL_TAIL * HALFNORMAL_G) / HALFNORMAL_G ** sp.Rational(3, 2)),
        ("d/db [h/sqrt(g)] at b = 0 = 2/pi - 1", sp.diff(ratio, b).subs(b, 0), 2 / sp.pi - 1),
    ]


# --- extinction: the lambda bound of §2.1 (issue 17, item 1) -------------------------------

_ell = sp.Symbol("ell", positive=True)  # lam sqrt(m)
_c = sp.Symbol("c", positive=True)  # init std c/sqrt(m)
_uu = sp.Symbol("u", positive=True)  # the largest magnitude
_ss = sp.Symbol("s", positive=True)  # 1 - ||w||^2 (0 < s <= 1)

EXTINCTION_SHIFT = formula(
    "sparsity.extinction_shift",
    sp.Rational(2, 3) * sp.sqrt(2 / sp.pi) * _c**3,
    source="paper 1 §2.1 (lambda <= 1/sqrt(m)) / §2.4 (derived)",
    printed=False,
    doc="lam_c sqrt(m) = sqrt(m) max_k |w_k(0)| - (2/3) sqrt(2/pi) c^3 + O(1/(c M)) as m -> oo (init std c/sqrt m)",
)
"""``lam_c sqrt(m) = sqrt(m) max_k |w_k(0)| - (2/3) sqrt(2/pi) c^3 + O(1/(c M))`` as m -> oo (init std c/sqrt m);
derived, paper 1 §2.1/§2.4."""


def extinction_derivation() -> list[tuple[str, sp.Expr, sp.Expr]]:
    r"""When does every weight die (paper 1 §2.1: ":math:`\lambda\le 1/\sqrt m` so that the
    :math:`l_1` regularization doesn't kill all weights immediately")?

    With ``u`` the largest magnitude and :math:`s = 1-\|w\|^2 \in (0, 1]`, :math:`\dot u = s u - \lambda`.

    1. *Every weight dies if* :math:`\lambda \ge u(0)`: :math:`\tfrac{d}{dt}[(u-\lambda)e^{-t}] = (s-1)u\,e^{-t} \le 0`,
       so :math:`u - \lambda \le (u(0)-\lambda)e^{t} \le 0` and ``u`` decreases to 0.
    2. *Some weight survives if* :math:`\lambda < s(0)\,u(0)`: where :math:`s u = \lambda`,
       :math:`d\|w\|^2/dt = 2(s\|w\|^2 - \lambda\|w\|_1) = (2\lambda/u)\sum_k x_k(x_k - u) \le 0`
       (each :math:`x_k \le u`), so :math:`\dot s \ge 0` and :math:`\tfrac{d}{dt}(su-\lambda) = \dot s u \ge 0`:
       :math:`\{su > \lambda\}` is forward-invariant. Hence :math:`(1-\|w(0)\|^2)\max|w_k(0)| \le \lambda_c \le \max|w_k(0)|`.
    3. *Sharp value.* With :math:`|w_k(t)| = e^{S}(x_k - B)`, the top dies iff :math:`x_1 \le B(\infty) =
       \lambda\int_0^\infty e^{-S}dt`. For large ``m`` the critical :math:`\ell = \lambda\sqrt m` grows like
       :math:`c\sqrt{2\ln 2m}`, the bulk dies within :math:`t \sim c/\ell`, and
       :math:`S = t - A(t)`, :math:`A(\infty) = \int_0^\infty\|w\|^2dt = (c^3/\ell)\int_0^\infty g(b)\,db`
       (:math:`b = \ell t/c`, :math:`S \approx 0` meanwhile), so :math:`\int e^{-S} = e^{A(\infty)} + O(\ell^{-2})` and
       :math:`\ell e^{A(\infty)} = \sqrt m\,x_1` gives
       :math:`\ell_c = \sqrt m\,x_1 - \tfrac23\sqrt{2/\pi}\,c^3 + O(1/\ell)` (:data:`EXTINCTION_SHIFT`);
       :func:`critical_ell` solves :math:`\ell J(\ell) = \sqrt m x_1` without the expansion.
    """
    xs = [sp.Symbol(f"x_{k}", positive=True) for k in range(1, 4)]
    lam_s = _ss * _uu  # at the boundary s u = lam
    n2 = sum(v**2 for v in xs)
    l1 = sum(xs)
    g_int = sp.integrate(HALFNORMAL_G, (b, 0, sp.oo))
    tt = sp.Symbol("t", positive=True)
    ufun = sp.Function("u")(tt)
    decay = sp.diff((ufun - lam) * sp.exp(-tt), tt).subs(sp.Derivative(ufun, tt), _ss * ufun - lam)
    return [
        ("d/dt[(u - lam) e^{-t}] = (s - 1) u e^{-t} (<= 0 for s <= 1)", decay, (_ss - 1) * ufun * sp.exp(-tt)),
        ("at s u = lam: s N2 - lam L1 = (lam/u) sum_k x_k (x_k - u) (instance, u = x_1 the largest)",
         ((1 - n2) * n2 - lam_s * l1).subs(_ss, (1 - n2)).subs(_uu, xs[0]),
         ((lam_s / _uu) * sum(v * (v - _uu) for v in xs)).subs(_ss, 1 - n2).subs(_uu, xs[0])),
        ("... whose terms are x_k (x_k - u) <= 0: x_1 (x_1 - u) = 0 at u = x_1", xs[0] * (xs[0] - _uu).subs(_uu, xs[0]), sp.Integer(0)),
        ("d(s u - lam)/dt at u' = 0 is s' u", sp.diff(sfun(t) * ufun.subs(tt, t), t).subs(sp.Derivative(ufun.subs(tt, t), t), 0),
         sp.Derivative(sfun(t), t) * ufun.subs(tt, t)),
        ("int_0^oo g(b) db = E|Z|^3/3 = (2/3) sqrt(2/pi)", g_int, sp.Rational(2, 3) * sp.sqrt(2 / sp.pi)),
        ("A(oo) = (c^3/ell) int g: lim_{ell->oo} (ell e^{A} - ell) = c^3 int g, the shift",
         sp.limit(_ell * sp.exp(_c**3 * g_int / _ell) - _ell, _ell, sp.oo), EXTINCTION_SHIFT),
    ]


_GL_X, _GL_W = np.polynomial.legendre.leggauss(40)


def _g_truncated(bv: float, top: float) -> float:
    r""":math:`\int_b^{M} (z-b)^2\,2\varphi(z)\,dz` by 40-point Gauss–Legendre (the difference of
    closed forms cancels catastrophically as :math:`b \to M`)."""
    if bv >= top:
        return 0.0
    half = 0.5 * (top - bv)
    z = bv + half * (_GL_X + 1.0)
    return float(half * np.dot(_GL_W, (z - bv) ** 2 * 2.0 * np.exp(-z * z / 2) / math.sqrt(2 * math.pi)))


def _extinction_integral(ell: float, c: float, top: float, rtol: float = 1e-9) -> float:
    r""":math:`J = \int_0^\infty e^{-S}dt` for the m → ∞ bulk (half-normal truncated at the scaled
    top ``M``): :math:`\dot S = 1 - c^2 e^{2S} g_M(b)`, :math:`\dot b = (\ell/c)e^{-S}`; after the
    bulk is gone (``b = M``) :math:`\dot S = 1` and the rest of ``J`` is :math:`e^{-S}`."""

    def rhs(_t: float, y: np.ndarray) -> list[float]:
        s_, b_, _ = y
        return [1.0 - c * c * math.exp(2 * s_) * _g_truncated(min(b_, top), top), ell / c * math.exp(-s_), math.exp(-s_)]

    def gone(_t: float, y: np.ndarray) -> float:
        return float(y[1] - top)

    gone.terminal = True  # type: ignore[attr-defined]
    gone.direction = 1  # type: ignore[attr-defined]
    sol = solve_ivp(rhs, (0.0, 40.0), [0.0, 0.0, 0.0], method="LSODA", rtol=rtol, atol=1e-12, events=gone)
    if not sol.success:  # pragma: no cover
        raise RuntimeError(sol.message)
    return float(sol.y[2, -1] + math.exp(-sol.y[0, -1]))


def critical_ell(scaled_top: Any, c: Any) -> float:
    r"""The critical :math:`\ell_c = \lambda_c\sqrt m` of an init whose largest magnitude is
    ``scaled_top`` :math:`= \sqrt m\max_k|w_k(0)|/c` (std :math:`c/\sqrt m`), in the m → ∞ limit of
    the bulk: the root of :math:`\ell\,J(\ell) = c M` (:func:`extinction_derivation`, step 3).

    >>> round(critical_ell(3.9, 0.9), 3)
    3.044
    """
    from scipy.optimize import brentq

    top = require_positive("scaled_top", scaled_top)
    c_f = require_positive("c", c)
    target = c_f * top
    return float(brentq(lambda e: e * _extinction_integral(e, c_f, top) - target, 1e-3 * target, target, xtol=1e-9 * target))


def critical_ell_asymptotic(scaled_top: Any, c: Any) -> Any:
    r""":math:`\ell_c \approx c M - \tfrac23\sqrt{2/\pi}\,c^3` (:data:`EXTINCTION_SHIFT`).

    >>> round(float(critical_ell_asymptotic(3.9, 0.9)), 3)
    3.122
    """
    top = positive_array("scaled_top", scaled_top)
    c_a = positive_array("c", c)
    return scalar_or_array(c_a * top - 2.0 / 3.0 * math.sqrt(2 / math.pi) * c_a**3, top, c_a)


_xv = sp.Symbol("x", positive=True)
_mm = sp.Symbol("m", positive=True, integer=True)
HALFNORMAL_MAX_MEAN = formula(
    "sparsity.halfnormal_max_mean",
    sp.Integral(1 - sp.erf(_xv / sp.sqrt(2)) ** _mm, (_xv, 0, sp.oo)),
    source="paper 1 §2.1 (extreme value of the Gaussian init, derived)",
    printed=False,
    doc="E max_{k <= m} |Z_k| = int_0^oo (1 - erf(x/sqrt 2)^m) dx ~ sqrt(2 ln 2m)",
)


def halfnormal_max_mean(m: Any) -> float:
    r""":math:`E\max_{k\le m}|Z_k| = \int_0^\infty (1 - \mathrm{erf}(x/\sqrt2)^m)\,dx` (extreme values of the
    half-normal init; :math:`\sim\sqrt{2\ln 2m}` as :math:`m\to\infty`).

    >>> round(halfnormal_max_mean(1), 6) == round(math.sqrt(2 / math.pi), 6)
    True
    """
    mm = require_positive("m", m)
    val, _ = quad(lambda v: -math.expm1(mm * math.log1p(-math.erfc(v / math.sqrt(2)))) if v > 0 else 1.0,
                  0.0, 40.0, limit=200, epsabs=1e-12)
    return float(val)


# --- the balance transient (issue 17, item 2) ----------------------------------------------

BALANCE_RELAXATION = formula(
    "sparsity.balance_relaxation",
    -2 * N2 * ((1 - N2) - lam * L1 / N2),
    source=_S24 + " (approach to the balance condition, derived)",
    printed=False,
    doc="d(1-||w||^2)/dt = -2||w||^2 (s - s_b), s_b = lam||w||_1/||w||^2: s relaxes to the balance value at rate 2||w||^2",
)
"""d(1-||w||^2)/dt = -2||w||^2 (s - s_b), s_b = lam||w||_1/||w||^2: s relaxes to the balance value at rate
2||w||^2; derived, paper 1 §2.4."""


def balance_transient_derivation() -> list[tuple[str, sp.Expr, sp.Expr]]:
    r"""How :math:`s = 1-\|w\|^2` approaches the balance value :math:`s_b = \lambda\|w\|_1/\|w\|^2`.

    1. Exactly, :math:`\dot s = -d\|w\|^2/dt = -2\|w\|^2(s - s_b)` (:data:`BALANCE_RELAXATION`), and with
       :math:`\|w\|^2 = 1 - s`, :math:`x = s - s_b` obeys :math:`\dot x = -2(1-s_b-x)x - \dot s_b`.
    2. *Transient.* For constant :math:`s_b` (:math:`K = 1-s_b`) the Riccati equation is solved by
       :math:`x = Kx_0/((K-x_0)e^{2Kt} + x_0)`; :math:`K - x_0 = \|w(0)\|^2 = c^2`.
    3. *Lag.* Where :math:`s = s_b`, :math:`d\ln\|w\|_1/dt = s - \lambda m'/\|w\|_1 = -s_b\,\mathrm{RV}`
       (:math:`\mathrm{RV} = m'\|w\|^2/\|w\|_1^2 - 1`), so :math:`\dot s_b \approx -s_b^2\mathrm{RV}` and the
       adiabatic solution of 1 is :math:`x = s_b^2\mathrm{RV}/(2\|w\|^2)`: relative error :math:`s_b\mathrm{RV}/(2\|w\|^2)`.
    4. *Lower bound.* :math:`x(t) = x_0e^{-2\int_0^t\|w\|^2} - \int_0^t e^{-2\int_{t'}^t\|w\|^2}\dot s_b\,dt'`
       solves 1; with :math:`\dot s_b \le 0` and :math:`\|w\|^2 \le 1`, :math:`x \ge x_0 e^{-2t}`.

    In the large-m limit at :math:`\tau = \ell t \ll 1`: :math:`s_b = \ell\sqrt{2/\pi}/\|w\|`, from
    :math:`\ell\sqrt{2/\pi}/c` at ``t = 0`` to :math:`\ell\sqrt{2/\pi}` once :math:`\|w\| = 1`, and
    :math:`\mathrm{RV} = \pi/2 - 1` (:func:`balance_times`).
    """
    sb = sp.Symbol("s_b", positive=True)
    K = sp.Symbol("K", positive=True)
    xo = sp.Symbol("x_0", positive=True)
    tt = sp.Symbol("t", positive=True)
    sv = sp.Symbol("s", positive=True)
    xs = K * xo / ((K - xo) * sp.exp(2 * K * tt) + xo)
    mags, signs = _instance()
    w = [sg * a for sg, a in zip(signs, mags)]
    n2 = sum(v**2 for v in w)
    l1 = sum(mags)
    dw = [(1 - n2) * v - lam * sp.sign(v) for v in w]
    ds = -2 * sum(d * v for d, v in zip(dw, w))
    sb_inst = lam * l1 / n2
    rv_inst = 3 * n2 / l1**2 - 1
    return [
        ("ds/dt = -2 dw/dt . w = -2 N2 (s - s_b) (instance w = (a1, -a2, a3))", ds, BALANCE_RELAXATION.subs({N2: n2, L1: l1})),
        ("with N2 = 1 - s: ds/dt = -2 (1 - s)(s - s_b)", BALANCE_RELAXATION.subs({N2: 1 - sv, L1: sb * (1 - sv) / lam}), -2 * (1 - sv) * (sv - sb)),
        ("Riccati: x = K x0/((K - x0) e^{2Kt} + x0) solves x' = -2 (K - x) x", sp.diff(xs, tt), -2 * (K - xs) * xs),
        ("... with x(0) = x0", xs.subs(tt, 0), xo),
        ("at s = s_b: d ln L1/dt = s - lam m'/L1 = -s_b RV (instance m' = 3)", sb_inst - 3 * lam / l1, -sb_inst * rv_inst),
        ("lag: x = -s_b'/(2 N2) with s_b' = -s_b^2 RV: relative error s_b RV/(2 N2)",
         (sb**2 * sp.Symbol("RV", positive=True) / (2 * N2)) / sb, sb * sp.Symbol("RV", positive=True) / (2 * N2)),
    ]


def _sb_limits(ell: float, c: float) -> tuple[float, float]:
    """Balance value s_b at t = 0 (||w|| = c) and once ||w|| = 1, in the large-m limit at tau << 1."""
    k = ell * math.sqrt(2 / math.pi)
    return k / c, k


def balance_rel_error_lower(t: Any, *, ell: float, c: float) -> Any:
    r"""Rigorous lower bound (m → ∞, :math:`\tau \ll 1`) on the relative error
    :math:`r = (1-\|w\|^2)\|w\|^2/(\lambda\|w\|_1) - 1 = x/s_b`: :math:`r \ge x_0e^{-2t}/s_{b}(0)`,
    :math:`x_0 = 1 - c^2 - s_b(0)` (:func:`balance_transient_derivation`, step 4; :math:`s_b \le s_b(0)`).

    >>> round(float(balance_rel_error_lower(0.0, ell=0.05, c=0.9)), 4)
    3.2863
    """
    t_a = nonnegative_array("t", t)
    sb0, _ = _sb_limits(require_positive("ell", ell), require_positive("c", c))
    x0 = 1.0 - c * c - sb0
    return scalar_or_array(x0 * np.exp(-2.0 * t_a) / sb0, t_a)


def balance_rel_error_first_order(t: Any, *, ell: float, c: float, rel_var: float = math.pi / 2 - 1) -> Any:
    r"""First-order relative error (m → ∞, :math:`\tau\ll 1`): the Riccati transient with
    :math:`s_b = \ell\sqrt{2/\pi}` plus the adiabatic lag :math:`s_b\mathrm{RV}/2`:
    :math:`r \approx Kx_0/(s_b(c^2e^{2Kt} + x_0)) + s_b\mathrm{RV}/2`, :math:`K = 1 - s_b`,
    :math:`x_0 = 1 - c^2 - \ell\sqrt{2/\pi}/c`.

    >>> round(float(balance_rel_error_first_order(10.0, ell=0.05, c=0.9)), 5)   # the lag, 0.228 ell
    0.01139
    """
    t_a = nonnegative_array("t", t)
    sb0, sb = _sb_limits(require_positive("ell", ell), require_positive("c", c))
    k_ = 1.0 - sb
    x0 = 1.0 - c * c - sb0
    decay = np.exp(-2 * k_ * t_a)  # written with e^{-2Kt}: no overflow at late times
    return scalar_or_array(k_ * x0 * decay / (sb * (c * c + x0 * decay)) + sb * rel_var / 2, t_a)


def balance_times(eps: float, *, ell: float, c: float) -> tuple[float, float]:
    r"""Flow times ``(t_lo, t_hi)`` bracketing when the balance condition starts to hold to
    relative accuracy ``eps`` (m → ∞): :math:`r > \varepsilon` for :math:`t < t_{lo} =
    \tfrac12\ln(x_0/(s_b(0)\varepsilon))` (rigorous, :func:`balance_rel_error_lower`), and, to first
    order with the lag bounded by :math:`\mathrm{RV} \le 1`, :math:`r \le \varepsilon` from
    :math:`t_{hi} = \ln((Kx_0/(s_b\varepsilon') - x_0)/c^2)/(2K)`, :math:`\varepsilon' = \varepsilon - s_b/2`.
    Leading order: :math:`t \approx \tfrac12\ln\frac{1-c^2}{c^2\ell\sqrt{2/\pi}\,\varepsilon}`, i.e.
    :math:`\tau = \ell t = O(\ell\ln(1/\ell)) \ll 1`: well before the regime boundary :math:`\tau = 1`.

    >>> [round(v, 3) for v in balance_times(0.05, ell=0.05, c=0.9)]
    [2.093, 2.588]
    """
    e = require_positive("eps", eps)
    sb0, sb = _sb_limits(require_positive("ell", ell), require_positive("c", c))
    x0 = 1.0 - c * c - sb0
    k_ = 1.0 - sb
    e_rest = e - sb / 2
    if x0 <= 0 or e_rest <= 0:
        raise ValueError(f"no transient to {e:g}: need 1 - c^2 > s_b(0) and eps > s_b/2 = {sb / 2:.3g} (the lag)")
    t_lo = 0.5 * math.log(x0 / (sb0 * e)) if x0 > sb0 * e else 0.0
    t_hi = math.log(max((k_ * x0 / (sb * e_rest) - x0) / (c * c), 1.0)) / (2 * k_)
    return t_lo, t_hi
