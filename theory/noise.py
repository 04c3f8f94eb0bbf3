r"""Noise in the hidden layer as a push toward sparsity (paper 1, §3.2 and Appendix C).

Model (§3.1): :math:`y = \mathrm{ReLU}(W(W^\top x + \xi))`, loss :math:`\|y - x\|^2`, noise
coordinates :math:`\xi_j` i.i.d., symmetric about 0, variance :math:`\sigma^2`, fourth moment
:math:`\mu_4`. On input :math:`e_i` with a unit row :math:`\|W_i\|_2 = 1` and no interference
(§3.2 (a), (b)), write :math:`a = W_i\cdot\xi` and :math:`s = \|\xi\|^2`.

Derivations (each registered with :func:`theory.formulas.formula` and checked in
``verify/claims/noise.py``):

* gradient (App. C.1): encoder part :math:`2a\,W_i`, decoder part :math:`2a\,(W_i+\xi)`, total
  :math:`\partial\mathcal L/\partial W_i = 2a(2W_i+\xi)`; for a row of any norm the factor
  :math:`a` is the error :math:`\|W_i\|^2 - 1 + a`.
* update :math:`W_i' = W_i - 2\eta a(2W_i+\xi)` and, exactly (a polynomial of degree 2 in η),
  :math:`\|W_i'\|^2 = w - 4\eta a(2w + a) + 4\eta^2 a^2(4w + 4a + s)` with :math:`w=\|W_i\|^2`.
* :math:`E[a^2 s] = \|W_i\|^2(\mu_4 + (m-1)\sigma^4)` and
  :math:`E\|W_i'\|^2 = 1 - 4\eta(1-4\eta)\sigma^2 + 4\eta^2(\mu_4 + (m-1)\sigma^4)` (exact).
* :math:`\|W_i'\|^2 - 1 = -4\eta(2a + a^2) + O(\eta^2)` and
  :math:`E[(\|W_i'\|^2-1)^2] = 16\eta^2(4\sigma^2 + E[a^4]) - 32\eta^3(12E[a^4] + E[a^4 s]) + O(\eta^4)`.
* :math:`E[a^4] = \mu_4\|W_i\|_4^4 + 3\sigma^4\sum_{j\ne j'}W_{ij}^2W_{ij'}^2
  = 3\sigma^4\|W_i\|_2^4 + \|W_i\|_4^4(\mu_4 - 3\sigma^4)` (sum over *ordered* pairs).
* the η³ term (App. C.2 leaves it as :math:`\pm O(\eta^3)`): with the sixth moment
  :math:`\mu_6 = E\xi_j^6`, :math:`E[a^4 s] = m\sigma^2E[a^4] + (\mu_6 - \sigma^2\mu_4)\|W_i\|_4^4
  + 6\sigma^2(\mu_4 - \sigma^4)(\|W_i\|_2^4 - \|W_i\|_4^4)`, so on a unit row the η³ coefficient
  :math:`-32(12E[a^4] + E[a^4 s])` is
  :math:`-32\big((12 + m\sigma^2)E[a^4] + (\mu_6 - \sigma^2\mu_4)q_4 + 6\sigma^2(\mu_4-\sigma^4)(1-q_4)\big)`,
  :math:`q_4 = \|W_i\|_4^4`; for bipolar noise (:math:`\mu_4 = \sigma^4`, :math:`\mu_6 = \sigma^6`,
  :math:`\|\xi\|^2 = m\sigma^2` surely) it is :math:`-32\sigma^4(12 + m\sigma^2)(3 - 2q_4)`.
* the implicit regulariser :math:`16\eta^2\sigma^4\|W_i\|_4^4(\mu_4/\sigma^4 - 3)`.
* the drift of the direction's fourth norm :math:`q = \|W_i\|_4^4/\|W_i\|_2^4` under one real
  noisy step (Figs 4, 5; issue 17): on a unit row without interference
  :math:`E[q(W_i')] - q(W_i) = 2\eta^2\sigma^4\big(12 - 4(m+2)q + \kappa(8q + 24q^2 - 32p_6)\big) + O(\eta^3)`,
  :math:`\kappa = \mu_4/\sigma^4 - 3`, :math:`p_6 = \|W_i\|_6^6` (the η term vanishes: the mean
  gradient :math:`(4(\|W_i\|^2-1) + 2\sigma^2)W_i` is radial). Over uniformly random directions its
  mean is :math:`48\eta^2\sigma^4\kappa\,m(m-1)/((m+2)(m+4)(m+6))`: *negative* for bipolar noise.
  With :math:`E[8q + 24q^2 - 32p_6]` closed at its uniform-sphere value, :math:`E q` relaxes at the
  rate :math:`8(m+2)\eta^2\sigma^4` per step to
  :math:`q_\infty = 3/(m+2) + 6\kappa m(m-1)/((m+2)^2(m+4)(m+6))`, below 3/(m+2) when κ < 0.
  The printed regulariser descended as a loss moves q by
  :math:`-\eta\nabla R\cdot\nabla q = -256\eta^3\sigma^4\kappa(p_6 - q^2)` per step: nothing at η².
* the η³-weakened push :math:`\sigma^4(1 - 2\eta(12 + m\sigma^2))` (bipolar) peaks over σ at
  :math:`\sigma_*^2 = (1 - 24\eta)/(3\eta m)`.
* the mean fourth power norm of a uniform random unit vector in :math:`\mathbb R^m`,
  :math:`E\|u\|_4^4 = 3/(m+2)` (→ 3/m, the reference line of Figs 4, 5).

Printed lines that disagree with these are kept as ``PRINTED_*`` constants (not registered as
formulas of the library) so the claims can show them beside the derived forms.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import sympy as sp

from . import symbols as S
from .formulas import formula
from .noise_laws import excess_kurtosis
from .validation import int_array, positive_array, real_array, scalar_or_array

__all__ = [
    # symbols
    "a", "s", "w2", "q4", "E4", "E4S", "mu6", "M3_W", "M3_XI",
    # helpers
    "expect_symmetric", "dot", "norm_sq",
    # closed forms
    "LOSS_UNTIED", "GRAD_ENCODER", "GRAD_DECODER", "GRADIENT_ANY_NORM", "GRADIENT", "UPDATE",
    "ENCODER_JACOBIAN_TRACE", "NORM_SQ_NEXT", "NORM_SQ_NEXT_UNIT", "EXPECTED_NORM_SQ_NEXT_MOMENTS",
    "A2_NORM_XI", "EXPECTED_NORM_SQ_NEXT", "XI_PRIME_PART", "NORM_SQ_FIRST_ORDER",
    "XI_ONLY_LEADING_PATHWISE", "XI_ONLY_LEADING", "XI_ONLY_ETA3", "FOURTH_MOMENT_INDEX",
    "FOURTH_MOMENT", "A4_NORM_XI", "XI_ONLY_ETA3_COEFFICIENT", "XI_ONLY_ETA3_BIPOLAR",
    "MAIN_TEXT_TERM", "IMPLICIT_REGULARISER", "EXCESS_KURTOSIS",
    "UNIT_FOURTH_NORM", "p6", "FOURTH_NORM_DRIFT", "FOURTH_NORM_DRIFT_BIPOLAR", "FOURTH_NORM_DRIFT_SPHERE_MEAN",
    "FOURTH_NORM_RELAXATION_RATE", "FOURTH_NORM_STATIONARY", "REGULARISER_STEP_DRIFT", "PUSH_TURNING_SIGMA2",
    # printed forms that disagree
    "PRINTED_ENCODER_JACOBIAN_TRACE", "PRINTED_XI_PRIME_PART_MINUS", "PRINTED_NORM_SQ_FIRST_ORDER",
    "PRINTED_FOURTH_MOMENT_INDEX", "PRINTED_MAIN_TEXT_TERM",
    "fourth_moment_explicit",
    # numeric API
    "fourth_moment", "a2_norm_xi_moment", "expected_norm_sq_next", "unit_fourth_norm_mean",
    "excess_kurtosis",
]

SRC = "paper 1"
sigma, mu4, eta, m = S.sigma, S.mu4, S.eta, S.m

a = sp.Symbol("a", real=True)
""":math:`a = W_i\\cdot\\xi`."""
s = sp.Symbol("s", nonnegative=True)
""":math:`s = \\|\\xi\\|_2^2`."""
w2 = sp.Symbol("w_2", positive=True)
""":math:`\\|W_i\\|_2^2`."""
q4 = sp.Symbol("q_4", positive=True)
""":math:`\\|W_i\\|_4^4`."""
E4 = sp.Symbol("E_4", positive=True)
""":math:`E[(W_i\\cdot\\xi)^4]`."""
E4S = sp.Symbol("E_4s", positive=True)
""":math:`E[(W_i\\cdot\\xi)^4\\|\\xi\\|^2]` (needs the sixth moment; closed form :data:`A4_NORM_XI`)."""
mu6 = sp.Symbol("mu_6", positive=True)
""":math:`\\mu_6 = E[\\xi_j^6]`, the sixth moment (the symbol :func:`expect_symmetric` uses for it)."""

# explicit coordinates for the vector derivations of App. C.1 (m = 3 suffices: every step is
# coordinate-wise, and the identities below are polynomial identities in the coordinates)
M3_W = sp.symbols("W_1:4", real=True)
M3_XI = sp.symbols("xi_1:4", real=True)
_WE = sp.symbols("We_1:4", real=True)
_WD = sp.symbols("Wd_1:4", real=True)


def dot(u: Sequence[sp.Expr], v: Sequence[sp.Expr]) -> sp.Expr:
    return sp.Add(*[p * q for p, q in zip(u, v)])


def norm_sq(u: Sequence[sp.Expr]) -> sp.Expr:
    return dot(u, u)


def expect_symmetric(expr: sp.Expr, xis: Sequence[sp.Symbol], moments: dict[int, sp.Expr] | None = None) -> sp.Expr:
    r"""Expectation of a polynomial in independent coordinates ``xis``, each symmetric about 0.

    Odd moments vanish; :math:`E\xi^2=\sigma^2`, :math:`E\xi^4=\mu_4`, and higher even moments
    are the symbols :math:`\mu_6, \mu_8, \dots` unless ``moments`` gives them.

    >>> x1, x2 = sp.symbols("x1 x2", real=True)
    >>> expect_symmetric((x1 + x2)**4, [x1, x2])
    2*mu_4 + 6*sigma**4
    """
    mom = {0: sp.Integer(1), 2: sigma**2, 4: mu4}
    mom.update(moments or {})
    poly = sp.Poly(sp.expand(expr), *xis)
    total = sp.Integer(0)
    for powers, coeff in poly.terms():
        term = coeff
        for p in powers:
            if p % 2:
                term = 0
                break
            term *= mom.get(p, sp.Symbol(f"mu_{p}", positive=True))
        total += term
    return sp.expand(total)


# ---------------------------------------------------------------- App. C.1: the gradient
LOSS_UNTIED = (dot(_WD, [we + x for we, x in zip(_WE, M3_XI)]) - 1) ** 2
"""Loss on :math:`e_i` with the encoder row :math:`W^e_i` and decoder row :math:`W^d_i` renamed
(App. C.1): :math:`(W^d_i\\cdot(W^e_i+\\xi) - 1)^2` (ReLU on at output i, off elsewhere)."""
_TIE = dict(zip(_WE, M3_W)) | dict(zip(_WD, M3_W))
GRAD_ENCODER = sp.expand(sp.diff(LOSS_UNTIED, _WE[0]).xreplace(_TIE))
GRAD_DECODER = sp.expand(sp.diff(LOSS_UNTIED, _WD[0]).xreplace(_TIE))
GRADIENT_ANY_NORM = formula(
    "noise.gradient_any_norm",
    2 * (norm_sq(M3_W) - 1 + dot(M3_W, M3_XI)) * (2 * M3_W[0] + M3_XI[0]),
    source=f"{SRC}, App. C.1", printed=False,
    doc="coordinate 1 of dL/dW_i for a row of any norm (m=3 coordinates): 2(|W|^2-1+W.xi)(2W+xi)",
)
GRADIENT = formula(
    "noise.gradient",
    2 * dot(M3_W, M3_XI) * (2 * M3_W[0] + M3_XI[0]),
    source=f"{SRC}, §3.2 and App. C.1", printed=True,
    doc="coordinate 1 of dL/dW_i = 2(W_i.xi)(2W_i+xi) on a unit row",
)
UPDATE = formula(
    "noise.update",
    M3_W[0] - 2 * eta * dot(M3_W, M3_XI) * (2 * M3_W[0] + M3_XI[0]),
    source=f"{SRC}, §3.2 and App. C.1", printed=True,
    doc="coordinate 1 of W_i^(t+1) = W_i - 2 eta (W_i.xi)(2W_i+xi)",
)
ENCODER_JACOBIAN_TRACE = formula(
    "noise.encoder_jacobian_trace", m, source=f"{SRC}, App. C.1", printed=False,
    doc="trace of dh/dW_i^e: h = W_i^e + xi lives in R^m, so the Jacobian is I_m",
)
PRINTED_ENCODER_JACOBIAN_TRACE = S.n
"""App. C.1 prints :math:`\\partial h/\\partial W_i^e = I_n` (trace n)."""

# ---------------------------------------------------------------- App. C.2: ||W'||^2
NORM_SQ_NEXT = formula(
    "noise.norm_sq_next",
    w2 - 4 * eta * a * (2 * w2 + a) + 4 * eta**2 * a**2 * (4 * w2 + 4 * a + s),
    source=f"{SRC}, App. C.2", printed=True,
    doc="||W_i - 2 eta a (2W_i+xi)||^2, exact (degree 2 in eta)",
)
NORM_SQ_NEXT_UNIT = formula(
    "noise.norm_sq_next_unit",
    1 - 4 * eta * a * (2 + a) + 4 * eta**2 * a**2 * (4 + 4 * a + s),
    source=f"{SRC}, App. C.2", printed=True, doc="the same at ||W_i|| = 1",
)
_A2S = sp.Symbol("E_a2s", positive=True)
EXPECTED_NORM_SQ_NEXT_MOMENTS = formula(
    "noise.expected_norm_sq_next_moments",
    1 - 4 * eta * (1 - 4 * eta) * sigma**2 + 4 * eta**2 * _A2S,
    source=f"{SRC}, App. C.2", printed=True,
    doc="E||W'||^2 = 1 - 4 eta(1-4eta) E[a^2] + 4 eta^2 E[a^2 s], E[a^2] = sigma^2 (E_a2s = E[a^2 s])",
)
A2_NORM_XI = formula(
    "noise.a2_norm_xi", w2 * (mu4 + (m - 1) * sigma**4), source=f"{SRC}, App. C.2", printed=True,
    doc="E[(W.xi)^2 ||xi||^2] = ||W||^2 (mu_4 + (m-1) sigma^4)",
)
EXPECTED_NORM_SQ_NEXT = formula(
    "noise.expected_norm_sq_next",
    1 - 4 * eta * (1 - 4 * eta) * sigma**2 + 4 * eta**2 * (mu4 + (m - 1) * sigma**4),
    source=f"{SRC}, App. C.2", printed=False, doc="E||W_i^(t+1)||^2 at a unit row (exact)",
)
XI_PRIME_PART = formula(
    "noise.xi_prime_part", sigma**2 * EXPECTED_NORM_SQ_NEXT, source=f"{SRC}, App. C.2", printed=False,
    doc="E[(W'.xi')^2] = sigma^2 E||W'||^2 (the part of the next loss with the new noise)",
)
PRINTED_XI_PRIME_PART_MINUS = sigma**2 * (
    1 - 4 * eta * (1 - 4 * eta) * sigma**2 - 4 * eta**2 * (mu4 + (m - 1) * sigma**4)
)
"""The '−' reading of the printed :math:`\\sigma^2(1 - 4\\eta(1-4\\eta)\\sigma^2 \\pm 4\\eta^2(\\mu_4+(m-1)\\sigma^4))`."""

NORM_SQ_FIRST_ORDER = formula(
    "noise.norm_sq_first_order", -4 * eta * (2 * a + a**2), source=f"{SRC}, App. C.2", printed=False,
    doc="||W'||^2 - 1 = -4 eta (2a + a^2) + O(eta^2)",
)
PRINTED_NORM_SQ_FIRST_ORDER = -4 * eta * (2 * a + eta * a**2)
"""App. C.2 prints :math:`-4\\eta(2(W_i\\cdot\\xi) + \\eta(W_i\\cdot\\xi)^2) \\pm O(\\eta^2)`: a stray η."""

XI_ONLY_LEADING_PATHWISE = formula(
    "noise.xi_only_leading_pathwise", 16 * eta**2 * (4 * a**2 + 4 * a**3 + a**4), source=f"{SRC}, App. C.2",
    printed=True, doc="(||W'||^2-1)^2 = 16 eta^2 (4a^2 + 4a^3 + a^4) + O(eta^3), inside the expectation",
)
XI_ONLY_LEADING = formula(
    "noise.xi_only_leading", 16 * eta**2 * (4 * sigma**2 + E4), source=f"{SRC}, App. C.2", printed=True,
    doc="E[(||W'||^2-1)^2] = 16 eta^2 (4 sigma^2 + E[a^4]) + O(eta^3)",
)
XI_ONLY_ETA3 = formula(
    "noise.xi_only_eta3", -32 * eta**3 * (12 * E4 + E4S), source=f"{SRC}, App. C.2", printed=False,
    doc="the eta^3 term of E[(||W'||^2-1)^2] (unit row): -32 eta^3 (12 E[a^4] + E[a^4 s])",
)

FOURTH_MOMENT_INDEX = formula(
    "noise.fourth_moment_index", mu4 * q4 + 3 * sigma**4 * (w2**2 - q4), source=f"{SRC}, App. C.2",
    printed=False,
    doc="E[a^4] = mu_4 sum_j W_j^4 + 3 sigma^4 sum_{j != j'} W_j^2 W_j'^2 (ordered pairs: sum = w2^2 - q4)",
)
PRINTED_FOURTH_MOMENT_INDEX = mu4 * q4 + 6 * sigma**4 * (w2**2 - q4)
"""App. C.2 prints :math:`\\sum_j W_{ij}^4\\mu_4 + 6\\sum_{j\\ne j'}W_{ij}^2W_{ij'}^2\\sigma^4`."""
FOURTH_MOMENT = formula(
    "noise.fourth_moment", 3 * sigma**4 * w2**2 + q4 * (mu4 - 3 * sigma**4), source=f"{SRC}, App. C.2",
    printed=True, doc="E[(W.xi)^4] = 3 sigma^4 ||W||_2^4 + ||W||_4^4 (mu_4 - 3 sigma^4)",
)
# ---------------------------------------------------------------- App. C.2: the eta^3 term
A4_NORM_XI = formula(
    "noise.a4_norm_xi",
    m * sigma**2 * FOURTH_MOMENT + (mu6 - sigma**2 * mu4) * q4 + 6 * sigma**2 * (mu4 - sigma**4) * (w2**2 - q4),
    source=f"{SRC}, App. C.2", printed=False,
    doc=("E[(W.xi)^4 ||xi||^2] = m sigma^2 E[a^4] + (mu_6 - sigma^2 mu_4) ||W||_4^4 "
         "+ 6 sigma^2 (mu_4 - sigma^4)(||W||_2^4 - ||W||_4^4), any row, finite sixth moment"),
)
r"""App. C.2's :math:`E[(W_i\cdot\xi)^4\|\xi\|^2]` in closed form (the η³ term needs it).

Split :math:`a = W_k\xi_k + b_k` with :math:`b_k = \sum_{j\ne k}W_j\xi_j` independent of
:math:`\xi_k`; odd powers of :math:`\xi_k` vanish, so
:math:`E[a^4\xi_k^2] = W_k^4\mu_6 + 6W_k^2\mu_4E[b_k^2] + \sigma^2E[b_k^4]` while
:math:`\sigma^2E[a^4] = W_k^4\sigma^2\mu_4 + 6W_k^2\sigma^4E[b_k^2] + \sigma^2E[b_k^4]`. The
difference is :math:`W_k^4(\mu_6-\sigma^2\mu_4) + 6\sigma^2(\mu_4-\sigma^4)W_k^2(\|W\|^2-W_k^2)`
(:math:`E[b_k^2] = \sigma^2(\|W\|^2 - W_k^2)`); summing over k gives the formula. Checked by
:func:`_a4_norm_xi_derivation`."""

XI_ONLY_ETA3_COEFFICIENT = formula(
    "noise.xi_only_eta3_coefficient",
    -32 * ((12 + m * sigma**2) * FOURTH_MOMENT.subs(w2, 1) + (mu6 - sigma**2 * mu4) * q4
           + 6 * sigma**2 * (mu4 - sigma**4) * (1 - q4)),
    source=f"{SRC}, App. C.2", printed=False,
    doc="eta^3 coefficient of E[(||W'||^2-1)^2] on a unit row: -32(12 E[a^4] + E[a^4 s]) in closed form",
)
r"""The η³ coefficient of :math:`E[(\|W_i'\|^2-1)^2]` on a unit row, closed form in
:math:`q_4 = \|W_i\|_4^4`, m, σ, μ₄, μ₆. The expectation is exactly a polynomial of degree 4 in
η (:data:`NORM_SQ_NEXT_UNIT` is of degree 2), so the remainder after the η² term of
:data:`XI_ONLY_LEADING` is this coefficient times η³ plus an η⁴ term. Checked by
:func:`_eta3_coefficient_derivation`."""

XI_ONLY_ETA3_BIPOLAR = formula(
    "noise.xi_only_eta3_bipolar", -32 * sigma**4 * (12 + m * sigma**2) * (3 - 2 * q4),
    source=f"{SRC}, App. C.2", printed=False,
    doc="the same for bipolar noise +-sigma (mu_4 = sigma^4, mu_6 = sigma^6): -32 sigma^4 (12 + m sigma^2)(3 - 2 q_4)",
)


MAIN_TEXT_TERM = formula(
    "noise.main_text_term", 16 * eta**2 * FOURTH_MOMENT, source=f"{SRC}, §3.2", printed=False,
    doc="16 eta^2 E[(W.xi)^4] = 16 eta^2 (3 sigma^4 ||W||_2^4 + ||W||_4^4 (mu_4 - 3 sigma^4))",
)
PRINTED_MAIN_TEXT_TERM = 3 * sigma**4 * 16 * eta**2 * (w2**2 + q4 * (mu4 - 3 * sigma**4))
"""§3.2 prints :math:`3\\sigma^4 16\\eta^2(\\|W_i\\|_2^4 + \\|W_i\\|_4^4(\\mu_4 - 3\\sigma^4))`."""
IMPLICIT_REGULARISER = formula(
    "noise.implicit_regulariser", 16 * eta**2 * sigma**4 * q4 * (mu4 / sigma**4 - 3), source=f"{SRC}, §3.2",
    printed=True, doc="the direction-dependent part of 16 eta^2 E[a^4]",
)
EXCESS_KURTOSIS = formula(
    "noise.excess_kurtosis", mu4 / sigma**4 - 3, source=f"{SRC}, §3.2", printed=True,
    doc="excess kurtosis of the noise law",
)
UNIT_FOURTH_NORM = formula(
    "noise.unit_fourth_norm", 3 / (m + 2), source=f"{SRC}, Figs 4, 5 captions", printed=False,
    doc="E||u||_4^4 for u uniform on the unit sphere of R^m (asymptotic to the printed 3/m)",
)


# ---------------------------------------------------------------- the drift of ||W_i||_4^4 (Figs 4, 5)
p6 = sp.Symbol("p_6", positive=True)
""":math:`\\|W_i\\|_6^6` (of the direction; on a unit row the row's own)."""
_KAPPA = mu4 / sigma**4 - 3
FOURTH_NORM_DRIFT = formula(
    "noise.fourth_norm_drift",
    2 * sigma**4 * (12 - 4 * (m + 2) * q4 + _KAPPA * (8 * q4 + 24 * q4**2 - 32 * p6)),
    source=f"{SRC}, §3.2 and App. D (Figs 4, 5)", printed=False,
    doc=("eta^2 coefficient of E[q(W')] - q(W), q = ||W||_4^4/||W||_2^4, one real noisy step on a unit row "
         "without interference: 2 sigma^4 (12 - 4(m+2) q + kappa (8q + 24q^2 - 32 p_6)), kappa = mu_4/sigma^4 - 3"),
)
r"""The η² coefficient of the expected change of the direction's fourth norm in one noisy step.

With :math:`g = 2a(2W+\xi)` (unit row, :data:`GRADIENT`), :math:`q(W - \eta g) - q(W) =
-\eta\nabla q\cdot g + \tfrac12\eta^2 g^\top\nabla^2 q\,g + O(\eta^3)`. The mean of the first
term vanishes: :math:`E g = 2\sigma^2 W` is radial and q is scale-invariant. The second, with
:math:`b_3 = \sum_j W_j^3\xi_j` and :math:`c_2 = \sum_j W_j^2\xi_j^2`, is
:math:`2a^2(12c_2 - 16b_3 + 16qa - 32ab_3 - 4qs + 24qa^2)`; its mean uses
:math:`E[a^2c_2] = \sigma^4 + (\mu_4-\sigma^4)q`, :math:`E[a^2s] = \mu_4 + (m-1)\sigma^4`,
:math:`E[a^3b_3] = 3\sigma^4q + (\mu_4-3\sigma^4)p_6` and :data:`FOURTH_MOMENT`. The κ-free part
:math:`12 - 4(m+2)q` is the isotropic diffusion on the sphere (it vanishes on average over uniform
directions); the κ part is not the regulariser's gradient alone (that would be :math:`\propto p_6 - q^2`).
Checked by :func:`_fourth_norm_drift_derivation` (m = 2, 3 by expansion)."""
FOURTH_NORM_DRIFT_BIPOLAR = formula(
    "noise.fourth_norm_drift_bipolar", 2 * sigma**4 * (12 - 4 * (m + 6) * q4 - 48 * q4**2 + 64 * p6),
    source=f"{SRC}, §3.2 and App. D (Figs 4, 5)", printed=False,
    doc="the same for bipolar noise (kappa = -2): 2 sigma^4 (12 - 4(m+6) q - 48 q^2 + 64 p_6)",
)
FOURTH_NORM_DRIFT_SPHERE_MEAN = formula(
    "noise.fourth_norm_drift_sphere_mean", 48 * sigma**4 * _KAPPA * m * (m - 1) / ((m + 2) * (m + 4) * (m + 6)),
    source=f"{SRC}, §3.2 and App. D (Figs 4, 5)", printed=False,
    doc="mean of the eta^2 drift coefficient over uniformly random unit rows: 48 sigma^4 kappa m(m-1)/((m+2)(m+4)(m+6))",
)
FOURTH_NORM_RELAXATION_RATE = formula(
    "noise.fourth_norm_relaxation_rate", 8 * (m + 2) * eta**2 * sigma**4, source=f"{SRC}, App. D (Figs 4, 5)",
    printed=False, doc="per-step relaxation rate of E q under the eta^2 drift (the coefficient of -q): 8(m+2) eta^2 sigma^4",
)
FOURTH_NORM_STATIONARY = formula(
    "noise.fourth_norm_stationary", 3 / (m + 2) + 6 * _KAPPA * m * (m - 1) / ((m + 2) ** 2 * (m + 4) * (m + 6)),
    source=f"{SRC}, App. D (Figs 4, 5)", printed=False,
    doc=("E q where the eta^2 drift vanishes, E[8q + 24q^2 - 32p_6] closed at its uniform-sphere value: "
         "3/(m+2) + 6 kappa m(m-1)/((m+2)^2 (m+4)(m+6)) (first order in kappa)"),
)
REGULARISER_STEP_DRIFT = formula(
    "noise.regulariser_step_drift", -256 * eta**3 * sigma**4 * _KAPPA * (p6 - q4**2), source=f"{SRC}, §3.2",
    printed=False,
    doc=("the change of q per step if the printed regulariser R = 16 eta^2 sigma^4 kappa q were descended as a loss: "
         "-eta grad_s R . grad_s q = -256 eta^3 sigma^4 kappa (p_6 - q^2) (no eta^2 term)"),
)
PUSH_TURNING_SIGMA2 = formula(
    "noise.push_turning_sigma2", (1 - 24 * eta) / (3 * eta * m), source=f"{SRC}, App. C.2 and App. D",
    printed=False,
    doc="sigma^2 where the bipolar push sigma^4 (1 - 2 eta (12 + m sigma^2)) is largest: (1 - 24 eta)/(3 eta m)",
)


def fourth_moment_explicit(mm: int) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """(E[a^4] by expansion, ||W||_2^2, ||W||_4^4) for explicit coordinates in R^mm."""
    W = sp.symbols(f"V_1:{mm + 1}", real=True)
    X = sp.symbols(f"z_1:{mm + 1}", real=True)
    return expect_symmetric(dot(W, X) ** 4, X), norm_sq(W), sp.Add(*[x**4 for x in W])


# ---------------------------------------------------------------- numeric API
_f_fourth = sp.lambdify((w2, q4, sigma, mu4), FOURTH_MOMENT, "numpy")


def _rows(w: Any) -> np.ndarray:
    arr = real_array("w", w, finite=False, allow_nan=True)  # NaN and inf: one message below
    if arr.ndim not in (1, 2) or arr.shape[-1] == 0:
        raise ValueError(f"w must be a non-empty 1-D row or a 2-D array of rows; got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("w must hold finite numbers")
    norms = np.linalg.norm(arr, axis=-1)
    if np.any(norms == 0):
        raise ValueError("w must have rows of nonzero norm (paper 1 §3.2 assumes ||W_i||_2 = 1)")
    return arr


def _moments(sigma2: Any, mu4_: Any) -> tuple[np.ndarray, np.ndarray]:
    s2 = positive_array("sigma2", sigma2)
    m4 = positive_array("mu4", mu4_)
    # relative slack 1e-12: mu4 == sigma2**2 exactly (bipolar noise) may round either way in floats
    low = m4 < s2**2 * (1 - 1e-12)
    if low.any():
        a, b = np.broadcast_arrays(m4, s2)
        idx = np.unravel_index(int(np.argmax(low)), low.shape) if low.ndim else ()
        raise ValueError(
            f"mu4 must satisfy mu4 >= sigma2**2 (Jensen's inequality); got mu4={float(a[idx])}, sigma2={float(b[idx])}"
        )
    return s2, m4


def _scalar_out(x: Any) -> Any:
    return float(x) if np.ndim(x) == 0 else np.asarray(x, dtype=float)


def fourth_moment(w: Any, sigma2: Any, mu4: Any) -> np.ndarray | float:
    r""":math:`E[(w\cdot\xi)^4] = 3\sigma^4\|w\|_2^4 + \|w\|_4^4(\mu_4 - 3\sigma^4)` per row (App. C.2).

    ``w`` is one row (→ a float) or a 2-D array of rows (→ one value per row); ``sigma2 > 0``
    and ``mu4 >= sigma2**2`` are numbers or arrays that broadcast against the rows. NumPy only:
    pass a torch weight matrix as ``W.detach().cpu().numpy()``. SymPy form: :data:`FOURTH_MOMENT`.

    >>> fourth_moment([1.0, 0.0], sigma2=1.0, mu4=1.0)   # bipolar noise on a one-hot row
    1.0
    >>> fourth_moment([[0.6, 0.8], [1.0, 0.0]], sigma2=1.0, mu4=3.0)  # normal: 3 sigma^4 ||w||^4
    array([3., 3.])
    """
    arr = _rows(w)
    s2, m4 = _moments(sigma2, mu4)
    out = _f_fourth(np.sum(arr**2, axis=-1), np.sum(arr**4, axis=-1), np.sqrt(s2), m4)
    return _scalar_out(out)


def a2_norm_xi_moment(w: Any, sigma2: Any, mu4: Any) -> np.ndarray | float:
    r""":math:`E[(w\cdot\xi)^2\|\xi\|^2] = \|w\|^2(\mu_4 + (m-1)\sigma^4)` per row (App. C.2),
    ``m`` the length of a row; inputs as for :func:`fourth_moment`. SymPy form: :data:`A2_NORM_XI`.

    >>> a2_norm_xi_moment([1.0, 0.0, 0.0], sigma2=1.0, mu4=1.0)   # bipolar: 1 + 2 * 1
    3.0
    """
    arr = _rows(w)
    s2, m4 = _moments(sigma2, mu4)
    out = np.sum(arr**2, axis=-1) * (m4 + (arr.shape[-1] - 1) * s2**2)
    return _scalar_out(out)


def expected_norm_sq_next(m: Any, sigma2: Any, mu4: Any, eta: Any) -> Any:
    r""":math:`E\|W_i^{(t+1)}\|^2 = 1 - 4\eta(1-4\eta)\sigma^2 + 4\eta^2(\mu_4+(m-1)\sigma^4)` (unit row).

    Integers ``m >= 1``, ``sigma2 > 0``, ``mu4 >= sigma2**2``, ``eta > 0``: numbers or arrays
    (broadcast); a ``float`` when all are numbers. SymPy form: :data:`EXPECTED_NORM_SQ_NEXT`.

    >>> round(expected_norm_sq_next(4, 0.01, 0.0001, 0.1), 10)   # bipolar noise, sigma = 0.1
    0.997616
    """
    mm = int_array("m", m, minimum=1)
    s2, m4 = _moments(sigma2, mu4)
    e = positive_array("eta", eta)
    out = 1 - 4 * e * (1 - 4 * e) * s2 + 4 * e**2 * (m4 + (mm - 1) * s2**2)
    return scalar_or_array(out, mm, s2, m4, e)


def unit_fourth_norm_mean(m: Any) -> float:
    r""":math:`E\|u\|_4^4 = 3/(m+2)` for u uniform on the unit sphere of :math:`\mathbb R^m`.

    Integers ``m >= 1``, a number or an array. SymPy form: :data:`UNIT_FOURTH_NORM`.

    >>> unit_fourth_norm_mean(1)
    1.0
    >>> unit_fourth_norm_mean([1, 4])
    array([1. , 0.5])
    """
    mm = int_array("m", m, minimum=1)
    return scalar_or_array(3.0 / (mm + 2), mm)


def _unit_fourth_norm_derivation() -> list[tuple[str, sp.Expr, sp.Expr]]:
    r"""u = g/|g| with g standard normal; |g| and u are independent, so
    E[g_1^4] = E[|g|^4] E[u_1^4], i.e. 3 = m(m+2) E[u_1^4]; E||u||_4^4 = m E[u_1^4]."""
    Eu14 = 3 / (m * (m + 2))
    chi_fourth = sp.gamma((m + 4) / sp.Integer(2)) * 4 / sp.gamma(m / sp.Integer(2))  # E|g|^4 = 2^2 G(m/2+2)/G(m/2)
    return [
        ("E|g|^4 = m(m+2) (chi moments)", sp.gammasimp(chi_fourth), m * (m + 2)),
        ("E[u_1^4] = E[g_1^4]/E|g|^4 = 3/(m(m+2))", 3 / (m * (m + 2)), Eu14),
        ("E||u||_4^4 = m E[u_1^4]", m * Eu14, UNIT_FOURTH_NORM),
    ]



def _a4_norm_xi_derivation() -> list[tuple[str, sp.Expr, sp.Expr]]:
    r"""Steps of :data:`A4_NORM_XI`: the split :math:`a = W_k\xi_k + b_k` at m = 3 (coordinate
    k = 1), then the closed form against the expectation by expansion at m = 2, 3, 4 (odd
    moments 0, :math:`\mu_6` symbolic)."""
    W, X = M3_W, M3_XI
    a_ = dot(W, X)
    b = dot(W[1:], X[1:])
    e_b2, e_b4 = expect_symmetric(b**2, X[1:]), expect_symmetric(b**4, X[1:])
    rest = norm_sq(W) - W[0] ** 2
    steps = [
        ("E[a^4 xi_1^2] = W_1^4 mu_6 + 6 W_1^2 mu_4 E[b^2] + sigma^2 E[b^4] (b = a - W_1 xi_1, m = 3)",
         expect_symmetric(a_**4 * X[0] ** 2, X), W[0] ** 4 * mu6 + 6 * W[0] ** 2 * mu4 * e_b2 + sigma**2 * e_b4),
        ("E[a^4 xi_1^2] - sigma^2 E[a^4] = W_1^4 (mu_6 - sigma^2 mu_4) + 6 sigma^2 (mu_4 - sigma^4) W_1^2 (|W|^2 - W_1^2)",
         expect_symmetric(a_**4 * X[0] ** 2, X) - sigma**2 * expect_symmetric(a_**4, X),
         W[0] ** 4 * (mu6 - sigma**2 * mu4) + 6 * sigma**2 * (mu4 - sigma**4) * W[0] ** 2 * rest),
    ]
    for mm in (2, 3, 4):
        V = sp.symbols(f"V_1:{mm + 1}", real=True)
        Z = sp.symbols(f"z_1:{mm + 1}", real=True)
        closed = A4_NORM_XI.subs({w2: norm_sq(V), q4: sp.Add(*[v**4 for v in V]), m: mm})
        label = (f"E[(W.xi)^4 ||xi||^2] = m sigma^2 E[a^4] + (mu_6 - sigma^2 mu_4) q_4 + 6 sigma^2 (mu_4 - sigma^4)"
                 f"(w_2^2 - q_4) (m={mm}, by expansion)")
        steps.append((label, expect_symmetric(dot(V, Z) ** 4 * norm_sq(Z), Z), closed))
    return steps


def _eta3_coefficient_derivation() -> list[tuple[str, sp.Expr, sp.Expr]]:
    r"""Steps of :data:`XI_ONLY_ETA3_COEFFICIENT` and :data:`XI_ONLY_ETA3_BIPOLAR`: the η³
    coefficient of :math:`(\|W'\|^2-1)^2` pathwise, its expectation by expansion over explicit
    coordinates (m = 2, 3, unit row) against the closed form, and the bipolar specialisation."""
    sq = sp.Poly(sp.expand((NORM_SQ_NEXT_UNIT - 1) ** 2), eta)
    c3_path = sq.coeff_monomial(eta**3)
    steps: list[tuple[str, sp.Expr, sp.Expr]] = [
        ("eta^3 coefficient of (||W'||^2-1)^2 = 2 (-4a(2+a)) (4a^2(4+4a+s)) = -32 a^3 (2 + a)(4 + 4a + s) (pathwise)",
         c3_path, -32 * a**3 * (2 + a) * (4 + 4 * a + s)),
        ("(||W'||^2-1)^2 has degree 4 in eta (the update is linear in eta)", sp.Integer(sq.degree()), 4),
        ("-32(12 E[a^4] + E[a^4 s]) with the closed forms of E[a^4] and E[a^4 s] (unit row)",
         (XI_ONLY_ETA3 / eta**3).xreplace({E4: FOURTH_MOMENT, E4S: A4_NORM_XI}).subs(w2, 1), XI_ONLY_ETA3_COEFFICIENT),
    ]
    for mm in (2, 3):
        V = sp.symbols(f"V_1:{mm + 1}", real=True)
        Z = sp.symbols(f"z_1:{mm + 1}", real=True)
        unit = {V[-1] ** 2: 1 - sum(v**2 for v in V[:-1])}
        lhs = expect_symmetric(c3_path.xreplace({a: dot(V, Z), s: norm_sq(Z)}), Z)
        rhs = XI_ONLY_ETA3_COEFFICIENT.subs({q4: sp.Add(*[v**4 for v in V]), m: mm})
        steps.append((f"E[eta^3 coefficient] by expansion = closed form (m={mm}, unit row)",
                      sp.expand(sp.expand(lhs).subs(unit)), sp.expand(sp.expand(rhs).subs(unit))))
    steps.append(("bipolar +-sigma: mu_4 = sigma^4, mu_6 = sigma^6 gives -32 sigma^4 (12 + m sigma^2)(3 - 2 q_4)",
                  XI_ONLY_ETA3_COEFFICIENT.subs({mu4: sigma**4, mu6: sigma**6}), XI_ONLY_ETA3_BIPOLAR))
    both = (XI_ONLY_LEADING.subs(E4, FOURTH_MOMENT.subs({w2: 1, mu4: sigma**4})) + eta**3 * XI_ONLY_ETA3_BIPOLAR)
    steps.append(("bipolar: the q_4-dependent part of the eta^2 and eta^3 terms is -32 eta^2 sigma^4 q_4 (1 - 2 eta (12 + m sigma^2))",
                  both - both.subs(q4, 0), -32 * eta**2 * sigma**4 * q4 * (1 - 2 * eta * (12 + m * sigma**2))))
    steps.append(("bipolar: E[a^4 s] = m sigma^2 E[a^4] (||xi||^2 = m sigma^2 surely)",
                  A4_NORM_XI.subs({mu4: sigma**4, mu6: sigma**6}), m * sigma**2 * FOURTH_MOMENT.subs(mu4, sigma**4)))
    return steps


def _fourth_norm_drift_derivation() -> list[tuple[str, sp.Expr, sp.Expr]]:
    r"""Steps of :data:`FOURTH_NORM_DRIFT` and its corollaries: the η² coefficient of
    :math:`q(W - 2\eta a(2W+\xi))` pathwise, its expectation by expansion over explicit coordinates
    (m = 2, 3; unit row; μ₄ symbolic) against the closed form; the η coefficient's mean is 0; the
    bipolar case; the uniform-sphere moments (from Gaussian moments, :func:`_unit_fourth_norm_derivation`'s
    argument) and the mean over the sphere; the relaxation rate, the stationary value and the
    regulariser read as a loss; the turning σ of the η³-weakened push."""
    steps: list[tuple[str, sp.Expr, sp.Expr]] = []
    for mm in (2, 3):
        V = sp.symbols(f"V_1:{mm + 1}", real=True)
        Z = sp.symbols(f"z_1:{mm + 1}", real=True)
        a_ = dot(V, Z)
        nxt = [v - 2 * eta * a_ * (2 * v + z) for v, z in zip(V, Z)]
        Q1, w1 = sp.Add(*[x**4 for x in nxt]), norm_sq(nxt)
        # d/d eta of Q/w^2 at eta = 0, times w^3 (resp. w^4 for the second derivative): polynomials in V, Z
        Q0, w0 = sp.Add(*[v**4 for v in V]), norm_sq(V)
        dQ, dw = [sp.diff(Q1, eta, k).subs(eta, 0) for k in (1, 2)], [sp.diff(w1, eta, k).subs(eta, 0) for k in (1, 2)]
        first = dQ[0] * w0 - 2 * Q0 * dw[0]  # (Q/w^2)' w^3
        second = (dQ[1] * w0**2 - 4 * dQ[0] * dw[0] * w0 - 2 * Q0 * dw[1] * w0 + 6 * Q0 * dw[0] ** 2) / 2  # (Q/w^2)''/2 w^4
        unit = {V[-1] ** 2: 1 - sum(v**2 for v in V[:-1])}
        e1 = sp.expand(sp.expand(expect_symmetric(first, Z)).subs(unit))
        e2 = sp.expand(sp.expand(expect_symmetric(second, Z)).subs(unit))
        closed = FOURTH_NORM_DRIFT.subs({q4: Q0, p6: sp.Add(*[v**6 for v in V]), m: mm})
        steps.append((f"E[eta coefficient of q(W')] = 0 (m={mm}, unit row: the mean gradient is radial)", e1, sp.Integer(0)))
        label = (f"E[eta^2 coefficient of q(W')] = 2 sigma^4 (12 - 4(m+2)q + kappa(8q + 24q^2 - 32p_6)) "
                 f"(m={mm}, unit row, by expansion)")
        steps.append((label, e2, sp.expand(sp.expand(closed).subs(unit))))
    steps.append(("bipolar (mu_4 = sigma^4, kappa = -2): 2 sigma^4 (12 - 4(m+6)q - 48q^2 + 64p_6)",
                  FOURTH_NORM_DRIFT.subs(mu4, sigma**4), FOURTH_NORM_DRIFT_BIPOLAR))
    # uniform-sphere moments: E[g^k] = E[r^k] E[u^k] with r = |g| independent of u = g/r
    r4, r6, r8 = m * (m + 2), m * (m + 2) * (m + 4), m * (m + 2) * (m + 4) * (m + 6)
    Eq, Ep6, Eq2 = m * 3 / r4, m * 15 / r6, (m * 105 + m * (m - 1) * 9) / r8
    steps.append(("E_u[q] = m E[g^4]/E[r^4] = 3/(m+2) (r = |g|, E r^4 = m(m+2))", Eq, 3 / (m + 2)))
    steps.append(("E_u[p_6] = m E[g^6]/E[r^6] = 15/((m+2)(m+4)) (E r^6 = m(m+2)(m+4))", Ep6, 15 / ((m + 2) * (m + 4))))
    steps.append(("E_u[q^2] = (105 m + 9 m(m-1))/E r^8 = (9m + 96)/((m+2)(m+4)(m+6))", Eq2,
                  (9 * m + 96) / ((m + 2) * (m + 4) * (m + 6))))
    sphere = sp.expand(FOURTH_NORM_DRIFT).xreplace({q4**2: Eq2}).xreplace({q4: Eq, p6: Ep6})  # E is linear in q, q^2, p_6
    steps.append(("mean over uniform directions: 48 sigma^4 kappa m(m-1)/((m+2)(m+4)(m+6)) (the isotropic part averages to 0)",
                  sphere, FOURTH_NORM_DRIFT_SPHERE_MEAN))
    closed_kappa = 8 * Eq + 24 * Eq2 - 32 * Ep6
    drift_closed = eta**2 * 2 * sigma**4 * (12 - 4 * (m + 2) * q4 + _KAPPA * closed_kappa)
    steps.append(("d E q / dk = -8(m+2) eta^2 sigma^4 (E q - q_inf) with E[8q+24q^2-32p_6] at its uniform value",
                  drift_closed, -FOURTH_NORM_RELAXATION_RATE * (q4 - FOURTH_NORM_STATIONARY)))
    grad_q = [4 * v**3 - 4 * sp.Add(*[x**4 for x in M3_W]) * v for v in M3_W]  # projected gradient of q on the unit sphere
    on_sphere = {M3_W[2] ** 2: 1 - M3_W[0] ** 2 - M3_W[1] ** 2}
    sq = sp.expand(sp.expand(sp.Add(*[g_**2 for g_ in grad_q])).subs(on_sphere))
    target = sp.expand(sp.expand(16 * (sp.Add(*[x**6 for x in M3_W]) - sp.Add(*[x**4 for x in M3_W]) ** 2)).subs(on_sphere))
    steps.append(("|grad_s q|^2 = 16(p_6 - q^2) on the unit sphere (m = 3)", sq, target))
    steps.append(("regulariser R = 16 eta^2 sigma^4 kappa q descended as a loss: -eta 16 eta^2 sigma^4 kappa 16 (p_6 - q^2)",
                  -eta * 16 * eta**2 * sigma**4 * _KAPPA * 16 * (p6 - q4**2), REGULARISER_STEP_DRIFT))
    push = sigma**4 * (1 - 2 * eta * (12 + m * sigma**2))
    x = sp.Symbol("x", positive=True)  # x = sigma^2
    steps.append(("d/d(sigma^2) of sigma^4 (1 - 2 eta (12 + m sigma^2)) vanishes at sigma^2 = (1 - 24 eta)/(3 eta m)",
                  sp.diff(push.subs(sigma, sp.sqrt(x)), x).subs(x, PUSH_TURNING_SIGMA2), sp.Integer(0)))
    return steps
