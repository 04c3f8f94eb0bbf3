r"""Claims on sparsification under l1 (paper 1, §2.3–2.4 and Appendix B).

Derivations come from :mod:`theory.sparsity`; simulations from :mod:`numerics.sparsify`
(brute-force event integration of all ``m`` coordinates, the exact two-dimensional reduction,
forward Euler). Parameters are drawn in the paper's domain: ``lam <= 1/sqrt(m)`` (drawn as
``lam = ell/sqrt(m)``, ``0 < ell <= 1``) and init std ``c/sqrt(m)`` with ``c < 1``.

Deterministic comparisons carry their tolerance and its reason; Θ laws are judged by
bounded ratios over scales of ``m`` and ``t`` (rule :class:`RegimeLaw`), the large-m limit
by convergence of the exact reduced ODE to the limit curve (rule :class:`LimitConvergence`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from hypothesis import strategies as st
from scipy import special
from scipy.integrate import simpson, solve_ivp

from polyverify.numerics.sparsify import (
    gaussian_init,
    integrate_full,
    integrate_reduced,
    magnitude_velocity,
)
from polyverify.theory import sparsity as th

from ..claim import Budget, Claim, Context, Domain, Evidence, Form, FormOutcome, Mode, Source
from ..registry import register
from ..rules import AllOf, DeterministicMatch, SymbolicRule
from ..stats import loglog_slope

__all__ = ["RegimeLaw", "LimitConvergence", "RelVarBounds", "Fig2Reproduction"]

_DOMAIN = Domain(
    assumptions=(
        "no interference force (§2.4: one encoding W_i alone)",
        "lam <= 1/sqrt(m) (§2.1)",
        "W_ik(0) ~ N(0, c^2/m) i.i.d., c < 1 (§2.1: std Theta(1/sqrt m))",
        "constants 4 dropped (§2.3)",
    )
)
_SRC24 = Source(paper="incidental", section="§2.4")
_SRCB = Source(paper="incidental", section="Appendix B")
_FP_TOL = "float64 rounding of terms bounded by 1 in magnitude (|w_k| <= 1, lam <= 1): a few ulps, 1e-12 absolute"


# --- shared parameter draws and states -----------------------------------------------------

@st.composite
def _state_params(draw, m_min: int = 2, m_max: int = 200) -> dict[str, Any]:
    m_ = draw(st.integers(m_min, m_max))
    return {
        "m": m_,
        "ell": draw(st.floats(0.05, 1.0)),
        "c": draw(st.floats(0.3, 0.95)),
        "k": draw(st.integers(0, m_ - 1)),
        "seed": draw(st.integers(0, 2**31 - 1)),
    }


_STATE_PINNED = (
    {"m": 2, "ell": 1.0, "c": 0.95, "k": 1, "seed": 1},  # m = n edge, lam at its bound
    {"m": 200, "ell": 0.05, "c": 0.3, "k": 0, "seed": 2},
)


@functools.lru_cache(maxsize=256)
def _state(m: int, c: float, seed: int) -> np.ndarray:
    """A random row with mixed signs and ||w|| < 1 (std c/sqrt(m), rescaled to ||w|| <= 0.98)."""
    w = gaussian_init(m, std=c / math.sqrt(m), rng=np.random.default_rng(seed))
    if m >= 2 and np.all(np.sign(w) == np.sign(w[0])):
        w[-1] = -w[-1]
    nrm = float(np.linalg.norm(w))
    if nrm > 0.98:
        w *= 0.98 / nrm
    return w


def _lam(m: int, ell: float) -> float:
    return ell / math.sqrt(m)


# --- §2.3: gradient, footnote --------------------------------------------------------------

_GRAD_SYMS = [th._W[r, c] for r in range(3) for c in range(2)]
_GRAD_PRINTED_FN = sp.lambdify([th.lam, *_GRAD_SYMS], th.GRADIENT_PRINTED, modules="numpy")
_GRAD_DERIVED_FN = sp.lambdify([th.lam, *_GRAD_SYMS], th.GRADIENT_DERIVED, modules="numpy")


def _grad_state(seed: int, scale: float) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, scale, size=(3, 2))


def _grad_autograd(lam: float, scale: float, seed: int) -> float:
    """-dL/dW_11 by torch autograd of the loss (numerics.gradient_flow.loss_gradient_autograd)."""
    from polyverify.numerics.gradient_flow import loss_gradient_autograd

    return -float(loss_gradient_autograd(_grad_state(seed, scale), lam)[0, 0])


def _grad_printed(lam: float, scale: float, seed: int) -> float:
    return float(_GRAD_PRINTED_FN(lam, *_grad_state(seed, scale).ravel()))


def _grad_derived(lam: float, scale: float, seed: int) -> float:
    return float(_GRAD_DERIVED_FN(lam, *_grad_state(seed, scale).ravel()))


_GRAD_STRATEGY = st.fixed_dictionaries(
    {"lam": st.floats(1e-3, 1.0), "scale": st.floats(0.1, 1.5), "seed": st.integers(0, 2**31 - 1)}
)

register(
    Claim(
        id="sparsity.loss_gradient",
        title="Gradient flow of the §2.3 loss: three forces with constants 4, 4, 1",
        statement="Differentiating the total squared error plus l1 term gives "
        "dW_i/dt = 4(1-|W_i|^2)W_i - 4 sum_{j!=i} ReLU(W_i.W_j) W_j - lam sign(W_i).",
        source=Source(paper="incidental", section="§2.3", equation="training dynamics"),
        printed=Form(
            text=r"\frac{\mathrm{d}W_i}{\mathrm{d}t} := -\frac{\partial \mathcal{L}}{\partial W_i} = "
            r"\underbrace{4(1-\|W_i\|^2)W_i}_{\text{feature benefit}} - \underbrace{4\sum_{j\neq i} "
            r"\mathrm{ReLU}(W_i \cdot W_j)W_j}_{\text{interference}} - \underbrace{\lambda \ "
            r"\mathrm{sign}(W_i)}_{\text{regularization}}",
            expr=th.GRADIENT_PRINTED,
            numeric=_grad_printed,
        ),
        derived=Form(
            text="-dL/dW_11 on a symbolic 3x2 instance (all 8 sign patterns of the inner products)",
            expr=th.GRADIENT_DERIVED,
            numeric=_grad_derived,
        ),
        domain=Domain(assumptions=("W real, n = 3 rows, m = 2 columns (generic entries)", "W_ik != 0 (sign is the subgradient at 0)")),
        rule=AllOf(
            (
                SymbolicRule(derivation=th.gradient_derivation),
                DeterministicMatch(
                    strategy=_GRAD_STRATEGY,
                    compute=_grad_autograd,
                    examples=Budget(quick=20, full=200),
                    rtol=1e-12,
                    atol=1e-12,
                    tolerance_reason="torch autograd (float64) of the printed loss vs the printed force formula "
                    "evaluated in float64: a few ulps of terms of size <= 4(1+|W|^2)|W| + lam",
                ),
            )
        ),
        formulas=("sparsity.gradient",),
        notes="The interference constant is 4 because each unordered pair {i, j} appears twice in the "
        "double sum and d ReLU(e)^2/de = 2 ReLU(e). The loss as printed is consistent with the squared "
        "error of ReLU(W W^T e_i) against e_i (ReLU(|W_i|^2) = |W_i|^2) plus the l1 penalty on the activations W_i.",
    )
)

register(
    Claim(
        id="sparsity.footnote_constants",
        title="Footnote 5: dropping the 4s = lambda four times larger, time four times slower",
        statement="The flow without the constants 4 at lam equals the true flow at 4 lam with time slowed "
        "down four times: F_dropped(W; lam) = (1/4) F_true(W; 4 lam).",
        source=Source(paper="incidental", section="§2.3", equation="footnote 5"),
        printed=Form(
            text=r"\text{It's equivalent to making } \lambda \text{ four times larger and making training time four times slower.}",
            expr=th.FOOTNOTE_PRINTED,
        ),
        derived=Form(text="the flow with the 4s dropped (entry 11 of the 3x2 instance)", expr=th.SIMPLIFIED_FLOW),
        domain=Domain(assumptions=("W real, generic 3x2 instance",)),
        rule=SymbolicRule(derivation=th.footnote_derivation),
        formulas=("sparsity.footnote_simplified_flow",),
        notes="Checked as printed: with lam -> 4 lam the true flow is 4x the dropped-4 flow, so the dropped-4 "
        "model is the lam-four-times-larger model run four times slower (tau = 4t). Read the other way "
        "round (the true model = dropped-4 model with 4x larger lam) it would be wrong: the true model at "
        "lam is the dropped-4 model at lam/4, sped up four times (third derivation step).",
    )
)


# --- §2.4: threshold -----------------------------------------------------------------------

def _mag_velocity(m: int, ell: float, c: float, k: int, seed: int) -> float:
    w = _state(m, c, seed)
    return float(magnitude_velocity(w, _lam(m, ell))[k])


def _mag_flow_form(m: int, ell: float, c: float, k: int, seed: int) -> float:
    w = _state(m, c, seed)
    n2 = float(w @ w)
    return (1.0 - n2) * (abs(float(w[k])) - th.threshold(_lam(m, ell), n2))


register(
    Claim(
        id="sparsity.threshold",
        title="Sparsity threshold theta = lam/(1-|W_i|^2): d|W_ik|/dt = (1-|W_i|^2)(|W_ik| - theta)",
        statement="Without interference each nonzero weight's magnitude moves at (1-|W_i|^2)(|W_ik|-theta): "
        "weights above theta grow, below shrink; the sign of d|W_ik|/dt is the sign of |W_ik| - theta.",
        source=Source(paper="incidental", section="§2.4", equation="sparsity force"),
        printed=Form(
            text=r"\frac{\mathrm{d}|W_{ik}|}{\mathrm{d}t} = (1 - \|W_i\|^2)|W_{ik}| - \lambda \mathbf{1}[W_{ik} \neq 0] "
            r"= (1 - \|W_i\|^2)(|W_{ik}| - \theta) \text{ if } W_{ik} \neq 0, \quad \theta := \frac{\lambda}{1 - \|W_i\|^2}",
            expr=th.MAGNITUDE_FLOW,
            numeric=_mag_flow_form,
        ),
        derived=Form(text="(1-N2)(|w_k| - theta), theta = lam/(1-N2)", expr=th.MAGNITUDE_FLOW, numeric=_mag_flow_form),
        domain=_DOMAIN,
        rule=AllOf(
            (
                SymbolicRule(derivation=th.threshold_derivation),
                DeterministicMatch(
                    strategy=_state_params(),
                    compute=_mag_velocity,
                    examples=Budget(quick=40, full=400),
                    rtol=0.0,
                    atol=1e-12,
                    tolerance_reason="d|w_k|/dt from numerics.sparsify.magnitude_velocity at random states; " + _FP_TOL,
                    pinned=_STATE_PINNED,
                ),
            )
        ),
        formulas=("sparsity.threshold", "sparsity.magnitude_flow"),
        notes="Matching values at random states (mixed signs, |w| < 1) implies matching signs: sign(d|w_k|/dt) = "
        "sign(|w_k| - theta) because 1 - |w|^2 > 0. The printed display's case layout is garbled in the source "
        "text (the 'constant in k' underbrace swallowed the factor); its content is the form above.",
    )
)


def _balance_state(m: int, ell: float, c: float, k: int, seed: int) -> tuple[np.ndarray, int]:
    """State where coordinate k balances, found by root-finding on the numerical velocity."""
    from scipy.optimize import brentq

    w = _state(m, c, seed).copy()
    lam_ = _lam(m, ell)
    r2 = float(w @ w - w[k] ** 2)
    sgn = 1.0 if w[k] >= 0 else -1.0
    # a balance point exists iff max_a (1 - r2 - a^2) a = 2((1-r2)/3)^{3/2} > lam: shrink the others if needed
    r2_max = min(0.5, 1.0 - (1.05 * lam_ * 1.5 * math.sqrt(3.0)) ** (2.0 / 3.0))
    if r2 > r2_max:
        w *= math.sqrt(r2_max / r2)
        r2 = r2_max

    def vel(a: float) -> float:
        v = w.copy()
        v[k] = sgn * a
        return float(magnitude_velocity(v, lam_)[k])

    a_peak = math.sqrt((1 - r2) / 3)
    if vel(a_peak) <= 0:  # pragma: no cover - excluded by r2_max above
        raise RuntimeError("no balance point: lam too large for this row")
    a_root = brentq(vel, 1e-300, a_peak, xtol=1e-300, rtol=1e-15)
    w[k] = sgn * a_root
    return w, k


def _balance_velocity(m: int, ell: float, c: float, k: int, seed: int) -> float:
    w, kk = _balance_state(m, ell, c, k, seed)
    return float(magnitude_velocity(w, _lam(m, ell))[kk])


def _threshold_eq_derived(m: int, ell: float, c: float, k: int, seed: int) -> float:
    w, kk = _balance_state(m, ell, c, k, seed)
    return float((1 - w @ w) * w[kk] - _lam(m, ell) * np.sign(w[kk]))


def _threshold_eq_printed(m: int, ell: float, c: float, k: int, seed: int) -> float:
    """Read literally, sign(W_i) is the vector of signs of the row: the residual is a vector;
    the equation holds iff all its components vanish; we return the largest one."""
    w, kk = _balance_state(m, ell, c, k, seed)
    res = (1 - w @ w) * w[kk] - _lam(m, ell) * np.sign(w)
    return float(res[np.argmax(np.abs(res))])


register(
    Claim(
        id="sparsity.threshold_equation",
        title="The printed threshold equation has sign(W_i) where sign(W_ik) is meant",
        statement="A nonzero weight is stationary, d|W_ik|/dt = 0, exactly where "
        "(1-|W_i|^2) W_ik = lam sign(W_ik), i.e. |W_ik| = lam/(1-|W_i|^2).",
        source=Source(paper="incidental", section="§2.4", equation="threshold equation"),
        printed=Form(
            text=r"(1 - ||W_i||^2)W_{ik} = \lambda \operatorname{sign}(W_i) \iff |W_{ik}| = \frac{\lambda}{1 - ||W_i||^2}",
            numeric=_threshold_eq_printed,
        ),
        derived=Form(text=r"(1-\|W_i\|^2)W_{ik} = \lambda\,\mathrm{sign}(W_{ik})", numeric=_threshold_eq_derived),
        domain=_DOMAIN,
        rule=DeterministicMatch(
            strategy=_state_params(m_min=10),
            compute=_balance_velocity,
            examples=Budget(quick=12, full=200),
            rtol=0.0,
            atol=1e-12,
            tolerance_reason="residual at the root of the numerical velocity (brentq to 1e-15 relative); " + _FP_TOL,
            pinned=({"m": 10, "ell": 1.0, "c": 0.95, "k": 1, "seed": 1}, {"m": 200, "ell": 0.05, "c": 0.3, "k": 0, "seed": 2}),
        ),
        formulas=("sparsity.threshold",),
        notes="Each state is built by root-finding on numerics.sparsify.magnitude_velocity in |W_ik| (the others "
        "fixed, rows with mixed signs): there the velocity vanishes and so does the residual of the equation "
        "with sign(W_ik), while the printed vector equation with sign(W_i) leaves residual 2 lam in every "
        "coordinate of the opposite sign. A typo (the right-hand side |W_ik| = theta is correct, see "
        "sparsity.threshold).",
    )
)


# --- trajectories (cached) -----------------------------------------------------------------

@functools.lru_cache(maxsize=64)
def _trajectory(m: int, ell: float, c: float, seed: int, taus: tuple[float, ...]):
    w0 = gaussian_init(m, std=c / math.sqrt(m), rng=np.random.default_rng(seed))
    lam_ = _lam(m, ell)
    t = np.array(taus) / ell  # tau = lam sqrt(m) t = ell t
    return w0, lam_, t, integrate_full(w0, lam_, t, return_states=True)


@st.composite
def _traj_params(draw, m_max: int = 80) -> dict[str, Any]:
    return {
        "m": draw(st.integers(20, m_max)),
        "ell": draw(st.floats(0.005, 0.04)),
        "c": draw(st.floats(0.5, 0.95)),
        "tau": draw(st.sampled_from((1.0, 2.0, 4.0))),
        "seed": draw(st.integers(0, 2**31 - 1)),
    }


_TAUS = (1.0, 2.0, 4.0)


def _at(m: int, ell: float, c: float, seed: int, tau: float):
    w0, lam_, t, (traj, states) = _trajectory(m, ell, c, seed, _TAUS)
    j = _TAUS.index(tau)
    return lam_, states[j], traj, j


def _balance_lhs(m, ell, c, tau, seed) -> float:
    _, w, _, _ = _at(m, ell, c, seed, tau)
    return 1.0 - float(w @ w)


def _balance_rhs(m, ell, c, tau, seed) -> float:
    lam_, w, _, _ = _at(m, ell, c, seed, tau)
    return lam_ * float(np.abs(w).sum()) / float(w @ w)


_BAL_RTOL = 0.03
_BAL_REASON = (
    "the exact relation is 1-|w|^2 = lam|w|_1/|w|^2 + (d|w|^2/dt)/(2|w|^2); the neglected term is, to first "
    "order, lam|w|_1 RV/2 relative (RV <= 1), and lam|w|_1 <= lam sqrt(m) c sqrt(2/pi) <= 0.03 for the drawn "
    "lam sqrt(m) <= 0.04, so <= 1.5%; 3% leaves a factor 2 for higher orders (brute-force trajectories, rtol 1e-10)"
)
register(
    Claim(
        id="sparsity.balance",
        title="Balance condition 1 - |W_i|^2 ~ lam |W_i|_1 / |W_i|^2",
        statement="d|W_i|^2/dt = 2((1-|W_i|^2)|W_i|^2 - lam |W_i|_1); where |W_i| changes slowly (after the "
        "initial transient, tau = lam sqrt(m) t >= 1) 1 - |W_i|^2 = lam |W_i|_1/|W_i|^2 up to a relative error "
        "~ lam |W_i|_1 RV/2 (here <= 3%).",
        source=Source(paper="incidental", section="§2.4", equation="balance"),
        printed=Form(
            text=r"0 \approx \frac{\mathrm{d} \|W_i\|^2}{\mathrm{d} t} = 2 \frac{\mathrm{d} W_i}{\mathrm{d} t} \cdot W_i = "
            r"2 \left( \left(1 - \|W_i\|^2\right) \|W_i\|^2 - \lambda \|W_i\|_1 \right), \text{ which means } "
            r"1 - \|W_i\|^2 \approx \frac{\lambda \|W_i\|_1}{\|W_i\|^2}",
            expr=th.BALANCE,
            numeric=_balance_rhs,
        ),
        derived=Form(text=r"\lambda\|W_i\|_1/\|W_i\|^2", expr=th.BALANCE, numeric=_balance_rhs),
        domain=_DOMAIN,
        rule=AllOf(
            (
                SymbolicRule(derivation=th.balance_derivation),
                DeterministicMatch(
                    strategy=_traj_params(),
                    compute=_balance_lhs,
                    examples=Budget(quick=4, full=60),
                    rtol=_BAL_RTOL,
                    atol=0.0,
                    tolerance_reason=_BAL_REASON,
                ),
            )
        ),
        formulas=("sparsity.balance",),
        notes="The paper's '≈' quantified: the relative error of the balance condition is about lam|W_i|_1 RV/2, "
        "small in the paper's regime (lam sqrt(m) = 3e-3 in Fig 2) and growing with lam sqrt(m).",
    )
)


# --- Appendix B identity -------------------------------------------------------------------

def _ab_compute(m, ell, c, tau, seed) -> float:
    lam_, w, _, _ = _at(m, ell, c, seed, tau)
    return -float(magnitude_velocity(w, lam_).sum())


def _ab_exact(m, ell, c, tau, seed) -> float:
    lam_, w, _, _ = _at(m, ell, c, seed, tau)
    return lam_ * np.count_nonzero(w) - (1 - float(w @ w)) * float(np.abs(w).sum())


def _ab_var(m, ell, c, tau, seed) -> float:
    lam_, w, _, _ = _at(m, ell, c, seed, tau)
    x = np.abs(w[w != 0])
    return lam_ * x.size**2 / float(w @ w) * float(x.var())


def _ab_random_compute(m, ell, c, k, seed) -> float:
    w = _state(m, c, seed)
    return -float(magnitude_velocity(w, _lam(m, ell)).sum())


def _ab_random_exact(m, ell, c, k, seed) -> float:
    w = _state(m, c, seed)
    return _lam(m, ell) * np.count_nonzero(w) - (1 - float(w @ w)) * float(np.abs(w).sum())


register(
    Claim(
        id="sparsity.appendix_b_identity",
        title="Appendix B: -d|W_i|_1/dt = lam m' - (1-|W_i|^2)|W_i|_1 = (lam m'^2/|W_i|^2) Var[X]",
        statement="The first equality is exact at every state; the second holds under the balance condition, "
        "with X = |W_ik| for k uniform over the nonzero coordinates.",
        source=Source(paper="incidental", section="Appendix B", equation="first display"),
        printed=Form(
            text=r"-\frac{\mathrm{d}\|W_i\|_1}{\mathrm{d}t} = \underbrace{\lambda m'}_{\text{regularization}} - "
            r"\underbrace{\left(1 - \|W_i\|^2\right) \|W_i\|_1}_{\text{feature benefit}} = \frac{\lambda}{\|W_i\|^2} "
            r"\left(m'\|W_i\|^2 - \|W_i\|_1^2\right) = \frac{\lambda(m')^2}{\|W_i\|^2} \left(\frac{\|W_i\|^2}{m'} - "
            r"\left(\frac{\|W_i\|_1}{m'}\right)^2\right) = \underbrace{\frac{\lambda(m')^2}{\|W_i\|^2}}_{\text{\"deviation "
            r"from mean\"}} \times \underbrace{\frac{\sum_{k:W_{ik}\neq 0} \left(\underbrace{\|W_i\|_1}{m'}\right)^2}"
            r"_{\text{\"deviation from mean\"}}}_{\text{\"sample variance over nonzero weights\"}}",
            expr=th.APPENDIX_B_IDENTITY,
            numeric=_ab_var,
        ),
        derived=Form(text="lam m' - (1-|w|^2)|w|_1 (exact); = lam m'^2 Var[X]/|w|^2 under balance", expr=th.APPENDIX_B_IDENTITY, numeric=_ab_exact),
        domain=_DOMAIN,
        rule=AllOf(
            (
                SymbolicRule(derivation=th.appendix_b_derivation),
                DeterministicMatch(
                    strategy=_traj_params(),
                    compute=_ab_compute,
                    examples=Budget(quick=4, full=60),
                    rtol=0.03,
                    atol=0.0,
                    tolerance_reason="the Var form uses the balance condition; its error s|w|_1 (see sparsity.balance) "
                    "relative to lam m' - s|w|_1 is amplified by at most (1+RV)/RV-1 = 1/RV <= 1.75, i.e. <= 2.6% here; "
                    "the exact form is within float rounding",
                ),
            )
        ),
        formulas=("sparsity.appendix_b_identity",),
        notes="The extracted last line is garbled (nested underbraces lost '|W_ik| -' and the 1/m'); it is read "
        "as the sample variance (1/m') sum_k (|W_ik| - |W_i|_1/m')^2, which the derivation checks on an "
        "instance. 'the last inequality' in the text is an equality. -d|W_i|_1/dt is measured from "
        "numerics.sparsify.magnitude_velocity on brute-force trajectories.",
    )
)

register(
    Claim(
        id="sparsity.appendix_b_exact",
        title="Appendix B, first equality at random states: -d|W_i|_1/dt = lam m' - (1-|W_i|^2)|W_i|_1",
        statement="At every state (no balance needed) the l1 norm decreases at lam m' - (1-|W_i|^2)|W_i|_1.",
        source=Source(paper="incidental", section="Appendix B", equation="first line"),
        printed=Form(
            text=r"-\frac{\mathrm{d}\|W_i\|_1}{\mathrm{d}t} = \underbrace{\lambda m'}_{\text{regularization}} - "
            r"\underbrace{\left(1 - \|W_i\|^2\right) \|W_i\|_1}_{\text{feature benefit}}",
            numeric=_ab_random_exact,
        ),
        derived=Form(text="lam m' - (1-|w|^2)|w|_1", numeric=_ab_random_exact),
        domain=_DOMAIN,
        rule=DeterministicMatch(
            strategy=_state_params(),
            compute=_ab_random_compute,
            examples=Budget(quick=30, full=300),
            rtol=1e-12,
            atol=1e-12,
            tolerance_reason="sums of m <= 200 velocities from numerics.sparsify.magnitude_velocity; " + _FP_TOL,
            pinned=_STATE_PINNED,
        ),
        formulas=("sparsity.appendix_b_identity",),
    )
)


# --- gamma_k --------------------------------------------------------------------------------

@st.composite
def _gamma_params(draw) -> dict[str, Any]:
    return {
        "m": draw(st.integers(5, 60)),
        "ell": draw(st.floats(0.1, 0.6)),
        "c": draw(st.floats(0.5, 0.95)),
        "which": draw(st.sampled_from(("second", "last"))),
        "seed": draw(st.integers(0, 2**31 - 1)),
    }


@functools.lru_cache(maxsize=64)
def _gamma_run(m: int, ell: float, c: float, seed: int):
    w0 = gaussian_init(m, std=c / math.sqrt(m), rng=np.random.default_rng(seed))
    lam_ = _lam(m, ell)
    # stop where the smallest initial magnitude still above the median is alive: t_stop from a
    # dense brute-force run (the reduced ODE is not used here)
    t_dense = np.linspace(0.0, 1.5 / ell, 3001)
    traj, states = integrate_full(w0, lam_, t_dense, return_states=True)
    return w0, lam_, t_dense, states


def _gamma_pick(m, ell, c, which, seed):
    w0, lam_, t, states = _gamma_run(m, ell, c, seed)
    x0 = np.abs(w0)
    order = np.argsort(-x0)
    top = order[0]
    alive_end = np.flatnonzero(states[-1] != 0)
    cand = [k for k in order[1:] if k in set(alive_end) and (1 - x0[k] / x0[top]) > 0.05]
    if not cand:
        return None
    k = cand[0] if which == "second" else cand[-1]
    return w0, lam_, t, states, top, k


def _gamma_measured(m, ell, c, which, seed) -> float:
    p = _gamma_pick(m, ell, c, which, seed)
    if p is None:
        return 1.0
    w0, lam_, t, states, top, k = p
    x0 = np.abs(w0)
    g0 = 1 - x0[k] / x0[top]
    gt = 1 - abs(states[-1, k]) / abs(states[-1, top])
    return float(gt / g0)


def _gamma_solution(m, ell, c, which, seed) -> float:
    """gamma(t) = exp(lam int_0^t dt'/W_i1(t')), Simpson's rule on the 3001-point trajectory."""
    p = _gamma_pick(m, ell, c, which, seed)
    if p is None:
        return 1.0
    w0, lam_, t, states, top, k = p
    return float(math.exp(lam_ * simpson(1.0 / np.abs(states[:, top]), x=t)))


def _gamma_printed_ode(m, ell, c, which, seed) -> float:
    """The printed system gamma(0) = 1, gamma' = lam gamma / W_i1(t) integrated by solve_ivp
    with W_i1 interpolated linearly on the trajectory."""
    p = _gamma_pick(m, ell, c, which, seed)
    if p is None:
        return 1.0
    w0, lam_, t, states, top, k = p
    w1 = np.abs(states[:, top])
    sol = solve_ivp(lambda tt, g: lam_ * g / np.interp(tt, t, w1), (0.0, float(t[-1])), [1.0], rtol=1e-10, atol=1e-12)
    return float(sol.y[0, -1])


register(
    Claim(
        id="sparsity.gamma",
        title="Appendix B: one common gamma(t) for all surviving k, gamma' = lam gamma/W_i1",
        statement="gamma_k = 1 - W_ik/W_i1 obeys gamma_k' = lam gamma_k / W_i1, independent of k, so "
        "gamma_k(t) = gamma(t) gamma_k(0) with gamma = exp(lam int dt/W_i1), and W_ik(t) is one affine "
        "function of W_ik(0) for all surviving k.",
        source=_SRCB,
        printed=Form(
            text=r"\begin{cases} \gamma(0) = 1\\ \frac{d\gamma}{dt}(t) = \frac{\lambda}{W_{i1}(t)} \gamma(t) \end{cases} "
            r"\quad 1 - \frac{W_{ik}(t)}{W_{i1}(t)} = \gamma(t) \left(1 - \frac{W_{ik}(0)}{W_{i1}(0)}\right)",
            expr=th.GAMMA_ODE,
            numeric=_gamma_printed_ode,
        ),
        derived=Form(text=r"\gamma(t) = \exp(\lambda\int_0^t dt'/W_{i1}(t'))", expr=th.GAMMA_ODE, numeric=_gamma_solution),
        domain=_DOMAIN,
        rule=AllOf(
            (
                SymbolicRule(derivation=th.gamma_derivation),
                DeterministicMatch(
                    strategy=_gamma_params(),
                    compute=_gamma_measured,
                    examples=Budget(quick=4, full=60),
                    rtol=1e-5,
                    atol=0.0,
                    tolerance_reason="gamma_k measured on brute-force trajectories (rtol 1e-10) with gamma_k(0) > 0.05; "
                    "Simpson's rule on 3001 points for int 1/W_i1 (W_i1 smooth, error ~ h^4 |f''''| < 1e-7 here) and "
                    "a linear interpolation of W_i1 in the printed ODE (error ~ h^2/8 |W_i1''|/W_i1 < 1e-6)",
                ),
            )
        ),
        formulas=("sparsity.gamma_ode", "sparsity.gamma_solution", "sparsity.affine_form"),
        notes="'second' checks the largest other survivor, 'last' the smallest survivor still alive at the end: "
        "both follow the same gamma(t), which is the affine-invariance corollary.",
    )
)


# --- exact reduction -----------------------------------------------------------------------

@st.composite
def _reduction_params(draw) -> dict[str, Any]:
    return {
        "m": draw(st.integers(2, 150)),
        "ell": draw(st.floats(0.05, 1.0)),
        "c": draw(st.floats(0.3, 0.99)),
        "tau": draw(st.floats(0.1, 20.0)),
        "obs": draw(st.sampled_from(("l1", "norm_sq", "m_prime", "rel_var"))),
        "seed": draw(st.integers(0, 2**31 - 1)),
    }


def _red(m, ell, c, tau, obs, seed, fn) -> float:
    w0 = gaussian_init(m, std=c / math.sqrt(m), rng=np.random.default_rng(seed))
    tr = fn(w0, _lam(m, ell), [tau / ell])
    v = float(getattr(tr, obs)[0])
    return 0.0 if math.isnan(v) else v


register(
    Claim(
        id="sparsity.reduction",
        title="Exact reduction of the m-dimensional flow to a 2-D ODE",
        statement="|w_k(t)| = e^{S(t)}(|w_k(0)| - B(t)) with S' = 1-|w|^2, B' = lam e^{-S}; a weight is alive iff "
        "|w_k(0)| > B(t). The 2-D ODE over the sorted magnitudes and prefix sums reproduces the brute-force flow.",
        source=Source(paper="incidental", section="§2.4 / Appendix B (derived)"),
        printed=None,
        derived=Form(
            text="numerics.sparsify.integrate_reduced",
            expr=th.REDUCED_MAGNITUDE,
            numeric=lambda **p: _red(**p, fn=integrate_reduced),
        ),
        domain=_DOMAIN,
        rule=AllOf(
            (
                SymbolicRule(derivation=th.reduction_derivation),
                DeterministicMatch(
                    strategy=_reduction_params(),
                    compute=lambda **p: _red(**p, fn=integrate_full),
                    examples=Budget(quick=12, full=60),
                    rtol=1e-6,
                    atol=1e-9,
                    tolerance_reason="both solvers at rtol 1e-10; the flow amplifies perturbations by at most "
                    "e^{S(t)} (S = int (1-|w|^2) <= lam t / min alive |w| + O(1)), below 1e3 on the drawn horizons "
                    "tau <= 20; m' is an integer and must match exactly unless a death falls within solver error",
                    pinned=({"m": 2, "ell": 1.0, "c": 0.99, "tau": 20.0, "obs": "l1", "seed": 0},),
                ),
            )
        ),
        formulas=("sparsity.reduced_magnitude",),
    )
)


# --- half-normal moments and the large-m limit ----------------------------------------------

register(
    Claim(
        id="sparsity.halfnormal_moments",
        title="Partial moments of the half-normal law: the large-m limits of the reduced sums",
        statement="With x_k = c|Z_k|/sqrt(m): #{x > B}/m -> erfc(b/sqrt2), sum (x-B)/(c sqrt m) -> h(b) = 2phi(b) - b erfc(b/sqrt2), "
        "sum (x-B)^2/c^2 -> g(b) = (1+b^2) erfc(b/sqrt2) - 2b phi(b), b = B sqrt(m)/c; h' = -erfc, g' = -2h.",
        source=Source(paper="incidental", section="Appendix B (derived)"),
        printed=None,
        derived=Form(text="half-normal partial moments", expr=th.HALFNORMAL_G),
        domain=Domain(assumptions=("b > 0",)),
        rule=SymbolicRule(derivation=th.halfnormal_derivation),
        formulas=("sparsity.halfnormal_tail", "sparsity.halfnormal_h", "sparsity.halfnormal_g"),
    )
)


def _quantile_init(m: int, c: float) -> np.ndarray:
    """The 'idealized W_i(0) that hits regular percentiles' (Fig 6): half-normal quantiles at (k-1/2)/m."""
    p = (np.arange(m) + 0.5) / m
    return c / math.sqrt(m) * math.sqrt(2.0) * special.erfinv(p)


@dataclass(frozen=True, kw_only=True)
class LimitConvergence:
    """The exact reduced ODE from the percentile initialisation converges to the m → ∞ curve.

    For each ``m`` of ``grid_m(mode)`` the observable is computed at the scaled times ``taus``
    (``tau = lam sqrt(m) t`` at fixed ``ell = lam sqrt(m)``) and compared with
    :func:`theory.sparsity.large_m_curve`; the worst relative error must shrink along the grid
    with a fitted log–log slope of at most ``max_slope`` (the percentile init is a midpoint rule,
    whose error is O(1/m) up to the tail), and be below ``final_rtol`` at the largest ``m``.
    Deterministic: no false-alarm budget used. The derived form's numeric is the curve.
    """

    observable: str
    taus: tuple[float, ...]
    grid_m: Callable[[Mode], Sequence[int]]
    ell: float = 0.05
    c: float = 0.9
    max_slope: float = -0.5
    final_rtol: float = 0.02
    limit_value: float | None = None
    """The b -> oo constant (drawn as a horizontal line)."""

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return 0

    def _sim(self, m: int) -> np.ndarray:
        w0 = _quantile_init(m, self.c)
        lam_ = self.ell / math.sqrt(m)
        t = np.array(self.taus) / self.ell
        tr = integrate_reduced(w0, lam_, t)
        if self.observable == "lam_t_l1":
            return lam_ * t * tr.l1
        if self.observable == "mprime_ratio":
            return tr.m_prime / tr.l1**2
        return np.asarray(getattr(tr, self.observable))

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        lim = getattr(th.large_m_curve(np.array(self.taus), ell=self.ell, c=self.c), self.observable)
        ms = list(self.grid_m(ctx.mode))
        rows, errs, sims = [], [], []
        for m_ in ms:
            sim = self._sim(m_)
            sims.append(sim)
            err = float(np.max(np.abs(sim - lim) / np.abs(lim)))
            errs.append(err)
            rows.append({"m": m_, **{f"tau={tt:g}": float(v) for tt, v in zip(self.taus, sim)}, "max_rel_error": err})
        rows.append({"m": "limit", **{f"tau={tt:g}": float(v) for tt, v in zip(self.taus, lim)}, "max_rel_error": 0.0})
        slope = loglog_slope(np.array(ms, float), np.array(errs), delta=ctx.delta).slope
        ok = slope <= self.max_slope and errs[-1] <= self.final_rtol
        derived = FormOutcome(
            ok,
            f"max rel. error vs the m->oo curve: {errs[0]:.3g} (m={ms[0]}) -> {errs[-1]:.3g} (m={ms[-1]}); "
            f"slope {slope:.2f} ({'<=' if slope <= self.max_slope else '>'} {self.max_slope}); final "
            f"{'<=' if errs[-1] <= self.final_rtol else '>'} {self.final_rtol}",
        )
        taus = self.taus

        def plot(ax) -> None:
            for m_, sim in zip(ms, sims):
                ax.plot(taus, sim, "o", ms=3, label=f"reduced ODE, m={m_}")
            dense = np.geomspace(min(taus), max(taus), 80)
            ax.plot(dense, getattr(th.large_m_curve(dense, ell=self.ell, c=self.c), self.observable), "k-", label="m -> oo curve")
            if self.limit_value is not None:
                ax.axhline(self.limit_value, color="gray", ls="--", lw=0.8, label=f"limit b -> oo: {self.limit_value:g}")
            ax.set_xscale("log")
            ax.set_xlabel("tau = lam sqrt(m) t")
            ax.set_ylabel(self.observable)
            ax.set_title(claim.id)
            ax.legend(fontsize=7)

        return Evidence(
            derived=derived,
            printed=None,
            method=f"reduced ODE from the percentile initialisation at growing m vs the large-m curve (ell={self.ell}, c={self.c})",
            columns=tuple(rows[0].keys()),
            rows=rows,
            plot=plot,
        )


def _grid_conv(mode: Mode) -> list[int]:
    return [10**3, 10**4, 10**5] if mode == "quick" else [10**3, 10**4, 10**5, 10**6, 10**7]


_CONV_TAUS = (0.3, 1.0, 3.0, 10.0)

register(
    Claim(
        id="sparsity.limit_lam_t_l1",
        title="Middle regime constant: lam t |W_i|_1 -> 1 (approached from above, slowly)",
        statement="In the m -> oo limit lam t |W_i|_1 = tau h(b)/sqrt(g(b)) with tau(b) = int_0^b dbeta/sqrt(g); "
        "by L'Hopital its limit is lim 1/RV(b) = 1. It overshoots (max ~1.14 near tau ~ 30) and approaches 1 "
        "only as b ~ sqrt(2 log tau) grows.",
        source=_SRC24,
        printed=Form(text=r"\|W_i(t)\|_1 = \Theta\left(\frac{1}{\lambda t}\right) \text{ (constants assumed to be 1, Fig 2)}", expr=sp.Integer(1)),
        derived=Form(text="lim_{b->oo} tau(b) h(b)/sqrt(g(b))", expr=th.LIMIT_LAM_T_L1, numeric=lambda **p: 1.0),
        domain=_DOMAIN,
        rule=AllOf((SymbolicRule(derivation=th.limit_derivation), LimitConvergence(observable="lam_t_l1", taus=_CONV_TAUS, grid_m=_grid_conv, limit_value=1.0))),
        formulas=("sparsity.limit_lam_t_l1",),
        notes="The printed constant 1 is right in the limit. At tau = 1 (the regime boundary 1/(lam sqrt m)) the "
        "value is about 0.51, at tau = 3 about 0.86: the Theta-curve of Fig 2 is off by up to 2x near the first "
        "boundary.",
    )
)

register(
    Claim(
        id="sparsity.limit_mprime_ratio",
        title="m' ~ |W_i|_1^2: the constant is 2 in the limit, not 1",
        statement="m'/|W_i|_1^2 = (1 + RV)/|W_i|^2 -> 2 deep in the middle regime (pi/2 just after the transient).",
        source=_SRC24,
        printed=Form(text=r"\text{if we approximate the number } m' \text{ of nonzero coordinates as } ||W_i||_1^2", expr=sp.Integer(1)),
        derived=Form(text="lim m'/|W_i|_1^2 = 2", expr=th.LIMIT_MPRIME_RATIO),
        domain=_DOMAIN,
        rule=AllOf((SymbolicRule(derivation=th.limit_derivation), LimitConvergence(observable="mprime_ratio", taus=_CONV_TAUS, grid_m=_grid_conv, limit_value=2.0))),
        formulas=("sparsity.limit_mprime_ratio",),
        notes="The paper's heuristic (all m' weights of size 1/sqrt(m')) has RV = 0; the actual surviving "
        "weights have RV in [pi/2 - 1, 1), so m' = (1 + RV)|W_i|_1^2 / |W_i|^2 is 1.57-2x |W_i|_1^2. The Theta law "
        "stands; the constant 1 used for Fig 2's m' curve does not.",
    )
)

register(
    Claim(
        id="sparsity.limit_rel_var",
        title="Relative variance of the surviving weights: from pi/2 - 1 to 1",
        statement="In the m -> oo limit RV = erfc(b/sqrt2) g(b)/h(b)^2 - 1: pi/2 - 1 = 0.571 at t = 0+, increasing "
        "to 1 as b -> oo (the Gaussian tail above a high threshold is asymptotically exponential, RV = 1).",
        source=Source(paper="incidental", section="Appendix B", equation="Figure 6"),
        printed=None,
        derived=Form(text="lim RV = 1", expr=th.LIMIT_REL_VAR),
        domain=_DOMAIN,
        rule=AllOf((SymbolicRule(derivation=th.limit_derivation), LimitConvergence(observable="rel_var", taus=_CONV_TAUS, grid_m=_grid_conv, limit_value=1.0))),
        formulas=("sparsity.limit_rel_var",),
        notes="Printed: 'Empirically, the relative variance is indeed a constant not too far from 1' (no formula). "
        "Derived: it is not constant; it rises from pi/2 - 1 to 1 in the limit (finite m: it falls again once "
        "few weights remain, 0 when one is left).",
    )
)


# --- relative variance bounds (Appendix B, Fig 6) --------------------------------------------

def _rv(v: np.ndarray) -> float:
    mu = float(v.mean())
    return float(v.var() / mu**2) if mu > 0 else float("nan")


def rel_var_bounds(w0: np.ndarray, m_prime: int) -> tuple[float, float]:
    """Appendix B's bounds for m' survivors: RV of (x_1 - x_{m'+1}, ..., x_{m'} - x_{m'+1}) and of
    (x_1 - x_{m'}, ..., 0), with x the sorted initial magnitudes."""
    x = np.sort(np.abs(w0))[::-1]
    top = x[:m_prime]
    nxt = x[m_prime] if m_prime < x.size else 0.0
    return _rv(top - nxt), _rv(top - x[m_prime - 1])


@dataclass(frozen=True, kw_only=True)
class RelVarBounds:
    """The relative variance along a reduced trajectory lies between Appendix B's two bounds at
    every sampled time (with ``m' >= 2``). Exact statement: tolerance ``rtol`` covers the solver
    error only. ``figure`` draws Fig 6 (bounds for ``W_i(0)`` and for the percentile init)."""

    m: Callable[[Mode], int]
    ell: float
    c: float
    ell_full: float | None = None
    """lam sqrt(m) of the full suite (Fig 2's 1e-5 * sqrt(1e5) by default of the claim)."""
    n_times: int = 60
    rtol: float = 1e-6

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return 0

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        m_ = self.m(ctx.mode)
        ell = self.ell_full if (ctx.mode == "full" and self.ell_full is not None) else self.ell
        rng = ctx.rng(claim.id, 0)
        w0 = gaussian_init(m_, std=self.c / math.sqrt(m_), rng=rng)
        lam_ = ell / math.sqrt(m_)
        t = np.geomspace(0.05 / ell, 20.0 * math.sqrt(m_) / ell, self.n_times)
        tr = integrate_reduced(w0, lam_, t)
        qi = _quantile_init(m_, self.c)
        rows, bad = [], 0
        lo_l, hi_l, plo, phi, ts, rvs = [], [], [], [], [], []
        for tt, mp_, rv in zip(t, tr.m_prime, tr.rel_var):
            mp_i = int(mp_)
            if mp_i < 2:
                continue
            lo, hi = rel_var_bounds(w0, mp_i)
            qlo, qhi = rel_var_bounds(qi, mp_i)
            inside = lo * (1 - self.rtol) <= rv <= hi * (1 + self.rtol)
            bad += not inside
            rows.append({"t": float(tt), "m_prime": mp_i, "rel_var": float(rv), "lower": lo, "upper": hi, "inside": inside})
            ts.append(tt), rvs.append(rv), lo_l.append(lo), hi_l.append(hi), plo.append(qlo), phi.append(qhi)
        ok = bad == 0 and len(rows) >= 5
        derived = FormOutcome(ok, f"relative variance inside the bounds at {len(rows) - bad} of {len(rows)} times (m={m_})")
        c = self.c

        def plot(ax) -> None:
            ax.plot(ts, rvs, color="tab:orange", lw=2, label="relative variance (reduced ODE)")
            ax.plot(ts, lo_l, color="red", lw=1, label="bounds, W_i(0)")
            ax.plot(ts, hi_l, color="red", lw=1)
            ax.plot(ts, plo, color="pink", ls="--", lw=1, label="bounds, percentile init")
            ax.plot(ts, phi, color="pink", ls="--", lw=1)
            lc = th.large_m_curve(np.array(ts) * ell, ell=ell, c=c)
            ax.plot(ts, lc.rel_var, "k:", label="m -> oo limit")
            ax.axhline(math.pi / 2 - 1, color="gray", lw=0.5)
            ax.axhline(1.0, color="gray", lw=0.5)
            ax.set_xscale("log")
            ax.set_xlabel("t")
            ax.set_ylabel("Var[X]/E[X]^2")
            ax.set_title(f"Fig 6 analogue (m={m_}, lam={lam_:.2g})")
            ax.legend(fontsize=7)

        return Evidence(
            derived=derived,
            printed=derived,
            method="relative variance of the reduced trajectory vs Appendix B's bounds at each time",
            columns=("t", "m_prime", "rel_var", "lower", "upper", "inside"),
            rows=rows,
            plot=plot,
        )


register(
    Claim(
        id="sparsity.rel_var_bounds",
        title="Appendix B: the relative variance lies between the two translated-initialisation bounds",
        statement="With m' weights left, RV lies between the RV of (x_1 - x_{m'+1}, ..., x_{m'} - x_{m'+1}) and "
        "of (x_1 - x_{m'}, ..., 0) (x = sorted initial magnitudes), since the survivors are an affine image "
        "of the top m' initial magnitudes.",
        source=Source(paper="incidental", section="Appendix B", equation="Figure 6"),
        printed=Form(
            text=r"(W_{i1}(0) - W_{i(m'+1)}(0), \dots, W_{im'}(0) - W_{i(m'+1)}(0)) \text{ and } (W_{i1}(0) - W_{im'}(0), W_{i2}(0) - W_{im'}(0), \dots, 0)"
        ),
        derived=Form(text="RV(t) in [RV(top - x_{m'+1}), RV(top - x_{m'})]"),
        domain=_DOMAIN,
        rule=RelVarBounds(m=lambda mode: 2000 if mode == "quick" else 10**5, ell=0.05, c=0.9, ell_full=1e-5 * math.sqrt(1e5)),
        formulas=(),
        suites=frozenset({"quick", "full"}),
        notes="Full suite: Fig 2's parameters (m = 1e5, lam = 1e-5, std 0.9/sqrt(m)), as in the paper's Fig 6; "
        "quick suite: m = 2000, lam sqrt(m) = 0.05. The percentile bounds (pink) are drawn for comparison, as in the paper.",
    )
)


# --- the three-regime law ------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class RegimeLaw:
    r"""A Θ law over scales, judged by bounded ratios.

    ``points(mode)`` lists parameter dicts along ``scale`` (geometric). At each point
    ``simulate(params, rng=..., trials=...)`` returns one value per independent initialisation.
    A form passes when every trial's ratio simulation/form lies in ``[1/C, C]`` with ``C =
    ratio_bound`` for the printed form (the Θ constant allowed, see the claim) and
    ``derived_bound`` for the derived (exact-limit) form. The fitted log–log slopes are reported;
    the printed form's slope must agree within ``2 ln C / ln(x_max/x_min)`` — the largest slope
    difference that ratios bounded by ``C`` allow over the range. Deterministic given the seed;
    no Monte Carlo interval is used.
    """

    points: Callable[[Mode], Sequence[dict[str, Any]]]
    scale: str
    simulate: Callable[..., np.ndarray]
    trials: Budget
    ratio_bound: float
    derived_bound: float
    ylabel: str = "|W_i|_1"

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return 0

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        pts = list(self.points(ctx.mode))
        xs, rows, samples = [], [], []
        for idx, params in enumerate(pts):
            s = np.asarray(self.simulate(params, rng=ctx.rng(claim.id, idx), trials=self.trials(ctx.mode)), float)
            samples.append(s)
            xs.append(float(params[self.scale]))
            rows.append(dict(params, sim_min=float(s.min()), sim_mean=float(s.mean()), sim_max=float(s.max())))
        xs_a = np.array(xs)
        means = np.array([s.mean() for s in samples])
        sim_slope = loglog_slope(xs_a, means, delta=ctx.delta).slope
        span = math.log(xs_a.max() / xs_a.min())
        outcomes = {}
        forms = [("derived", claim.derived, self.derived_bound)]
        if claim.printed is not None:
            forms.append(("printed", claim.printed, self.ratio_bound))
        for label, form, bound in forms:
            vals = np.array([float(form.evaluate(p)) for p in pts])
            lo = min(float((s / v).min()) for s, v in zip(samples, vals))
            hi = max(float((s / v).max()) for s, v in zip(samples, vals))
            for r, v in zip(rows, vals):
                r[label] = float(v)
            f_slope = loglog_slope(xs_a, vals, delta=ctx.delta).slope
            ratio_ok = lo >= 1 / bound and hi <= bound
            slope_tol = 2 * math.log(bound) / span
            slope_ok = abs(sim_slope - f_slope) <= slope_tol
            outcomes[label] = FormOutcome(
                ratio_ok and slope_ok,
                f"ratio sim/form in [{lo:.3g}, {hi:.3g}] ({'within' if ratio_ok else 'outside'} [1/{bound:g}, {bound:g}]); "
                f"slope in {self.scale}: sim {sim_slope:.3f}, form {f_slope:.3f} (allowed difference {slope_tol:.3f})",
            )
        scale, ylabel = self.scale, self.ylabel

        def plot(ax) -> None:
            for s_, x_ in zip(samples, xs):
                ax.plot([x_] * s_.size, s_, ".", color="tab:blue", ms=3)
            ax.plot(xs, means, "o", color="tab:blue", label="simulation (each init)")
            for label in ("derived", "printed"):
                if label in rows[0]:
                    ax.plot(xs, [r[label] for r in rows], "-" if label == "derived" else "--", label=f"{label} form")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel(scale)
            ax.set_ylabel(ylabel)
            ax.set_title(claim.id)
            ax.legend(fontsize=7)

        return Evidence(
            derived=outcomes["derived"],
            printed=outcomes.get("printed"),
            method=f"bounded ratios over {len(pts)} scales of {self.scale} (Θ constant {self.ratio_bound:g}), slopes reported",
            columns=tuple(rows[0].keys()),
            rows=rows,
            plot=plot,
        )


_C = 0.9  # init std c/sqrt(m), as in Fig 2
_ELL = 0.05


def _reduced_obs(params: dict[str, Any], *, rng: np.random.Generator, trials: int, obs: str = "l1") -> np.ndarray:
    m_ = int(params["m"])
    lam_ = float(params["lam"])
    out = []
    for _ in range(trials):
        w0 = gaussian_init(m_, std=_C / math.sqrt(m_), rng=rng)
        tr = integrate_reduced(w0, lam_, [float(params["t"])])
        out.append(float(getattr(tr, obs)[0]))
    return np.array(out)


def _limit_l1(m: int, lam: float, t: float) -> float:
    ell = lam * math.sqrt(m)
    return float(th.large_m_curve([ell * t], ell=ell, c=_C).l1_over_sqrt_m[0]) * math.sqrt(m)


def _limit_mprime(m: int, lam: float, t: float) -> float:
    ell = lam * math.sqrt(m)
    return float(th.large_m_curve([ell * t], ell=ell, c=_C).mprime_frac[0]) * m


def _final_l1(m: int, lam: float, t: float) -> float:
    """Regime 3: one weight left at the stable root of (1 - w^2) w = lam (derived, not printed)."""
    roots = np.roots([-1.0, 0.0, 1.0, -lam])
    return float(max(r.real for r in roots if abs(r.imag) < 1e-12))


def _pts_r1(mode: Mode) -> list[dict[str, Any]]:
    ms = [10**3, 10**4, 10**5] if mode == "quick" else [10**3, 10**4, 10**5, 10**6]
    return [{"m": m_, "lam": _ELL / math.sqrt(m_), "t": 0.3 / _ELL} for m_ in ms]  # tau = 0.3 < 1


def _pts_r2(mode: Mode) -> list[dict[str, Any]]:
    """tau = lam sqrt(m) t from 3 to the largest value where the limit curve keeps m' >= 1e3
    (30 at m = 1e5, 100 at m = 1e7): the derived form is the m -> oo curve, which describes a
    finite sample only while many weights survive."""
    m_ = 10**5 if mode == "quick" else 10**7
    lam_ = _ELL / math.sqrt(m_)
    taus = np.geomspace(3.0, 30.0 if mode == "quick" else 100.0, 4 if mode == "quick" else 5)
    return [{"m": m_, "lam": lam_, "t": float(tau / _ELL)} for tau in taus]


def _pts_r3(mode: Mode) -> list[dict[str, Any]]:
    ms = [10**2, 10**3, 10**4] if mode == "quick" else [10**2, 10**3, 10**4, 10**5]
    return [{"m": m_, "lam": _ELL / math.sqrt(m_), "t": 20.0 * math.sqrt(m_) / _ELL} for m_ in ms]  # t = 20/lam


def _regime_claim(idx: int, scale: str, pts, printed_text: str, printed_fn, derived_text: str, derived_fn, bound, dbound, notes) -> Claim:
    return Claim(
        id=f"sparsity.regime{idx}",
        title=f"Three-regime law for |W_i(t)|_1, regime {idx}",
        statement="|W_i(t)|_1 = Theta(sqrt m) for t <= 1/(lam sqrt m), Theta(1/(lam t)) for 1/(lam sqrt m) <= t <= 1/lam, "
        "Theta(1) for t >= 1/lam.",
        source=Source(paper="incidental", section="§2.4", equation="three-regime law"),
        printed=Form(text=printed_text, expr=th.REGIME_LAW_PRINTED, numeric=printed_fn),
        derived=Form(text=derived_text, numeric=derived_fn),
        domain=_DOMAIN,
        rule=RegimeLaw(
            points=pts,
            scale=scale,
            simulate=_reduced_obs,
            trials=Budget(quick=4, full=8),
            ratio_bound=bound,
            derived_bound=dbound,
        ),
        formulas=("sparsity.regime_law",) if idx == 1 else (),
        notes=notes,
    )


_REG_NOTE = (
    "Theta constant C = 2 for the printed form: Fig 2 draws the law with constants 1, and the derived "
    "constants (c sqrt(2/pi) = 0.72 initially, lam t |W|_1 in [0.86, 1.14] for tau in [3, 0.3 sqrt m], 1 at "
    "the end) all lie within a factor 2. The derived form is the exact m -> oo curve at the same "
    "lam sqrt(m) (C_derived = 1.1 covers the finite-m fluctuation of |W_i|_1, relative O(1/sqrt(m')) with "
    "m' >= 1e3 here, measured below 3% in sparsity.limit_*)."
)

register(
    _regime_claim(
        1, "m", _pts_r1, r"\Theta(\sqrt{m}) \quad t \le \frac{1}{\lambda\sqrt{m}}",
        lambda m, lam, t: th.regime_law_printed(m=m, lam=lam, t=t),
        "sqrt(m) c e^S h(b) (m -> oo curve at tau = 0.3)", _limit_l1, 2.0, 1.1, _REG_NOTE,
    )
)
register(
    _regime_claim(
        2, "t", _pts_r2, r"\Theta\left(\frac{1}{\lambda t}\right) \quad \frac{1}{\lambda\sqrt{m}} \le t \le \frac{1}{\lambda}",
        lambda m, lam, t: th.regime_law_printed(m=m, lam=lam, t=t),
        "m -> oo curve (tau in [3, 0.3 sqrt m])", _limit_l1, 2.0, 1.1,
        _REG_NOTE + " The fitted slope in t is flatter than -1 (about -0.8 over tau in [3, 30]): the approach to "
        "1/(lam t) is logarithmically slow, yet the ratio stays bounded, which is what Theta states.",
    )
)
register(
    _regime_claim(
        3, "m", _pts_r3, r"\Theta(1) \quad t \ge \frac{1}{\lambda}",
        lambda m, lam, t: th.regime_law_printed(m=m, lam=lam, t=t),
        "one weight left at the root of (1 - w^2) w = lam (t = 20/lam)", _final_l1, 2.0, 1.0 + 1e-6,
        "At t = 20/lam one weight is left at the stable root of (1-w^2)w = lam; derived bound 1 + 1e-6 is the "
        "solver tolerance.",
    )
)


def _mprime_printed(m: int, lam: float, t: float) -> float:
    return th.regime_law_printed(m=m, lam=lam, t=t) ** 2


register(
    Claim(
        id="sparsity.mprime_law",
        title="m' starts at m, decreases as 1/(lam t)^2, reaches 1 at t = Theta(1/lam)",
        statement="Approximating m' by |W_i|_1^2: m' = Theta(1/(lam t)^2) in the middle regime.",
        source=_SRC24,
        printed=Form(text=r"m' \approx ||W_i||_1^2:\ m,\ \frac{1}{(\lambda t)^2},\ 1", numeric=_mprime_printed),
        derived=Form(text="m erfc(b/sqrt2) on the m -> oo curve", numeric=_limit_mprime),
        domain=_DOMAIN,
        rule=RegimeLaw(
            points=_pts_r2,
            scale="t",
            simulate=functools.partial(_reduced_obs, obs="m_prime"),
            trials=Budget(quick=4, full=8),
            ratio_bound=4.0,
            derived_bound=1.1,
            ylabel="m'",
        ),
        formulas=(),
        notes="Theta constant C = 4 = 2^2 for m' ~ |W_i|_1^2 (the l1 law's C = 2, squared). The measured ratio "
        "m' (lam t)^2 = (m'/|W|_1^2)(lam t |W|_1)^2 is 1.3-2.4 here.",
    )
)


# --- Fig 2 (full suite) --------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class Fig2Reproduction:
    """Fig 2: m = 1e5, lam = 1e-5, std 0.9/sqrt(m). The exact reduced ODE against the m → ∞
    curve at the same lam sqrt(m), while at least ``min_alive`` weights survive: the relative
    deviation of |W_i|_1 and m' must stay below ``rtol`` (finite-m fluctuations, relative
    ~ 1/sqrt(m') <= 3% at m' >= 1e3). Draws |W_i|_1 and m' with the printed Θ-curves."""

    m: int = 10**5
    lam: float = 1e-5
    c: float = 0.9
    rtol: float = 0.05
    min_alive: int = 1000

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return 0

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        w0 = gaussian_init(self.m, std=self.c / math.sqrt(self.m), rng=ctx.rng(claim.id, 0))
        t = np.geomspace(1.0, 3.6e5 * 0.5, 120)
        tr = integrate_reduced(w0, self.lam, t)
        ell = self.lam * math.sqrt(self.m)
        lc = th.large_m_curve(t * ell, ell=ell, c=self.c)
        l1_lim = lc.l1_over_sqrt_m * math.sqrt(self.m)
        mp_lim = lc.mprime_frac * self.m
        sel = tr.m_prime >= self.min_alive
        dev = max(float(np.max(np.abs(tr.l1[sel] / l1_lim[sel] - 1))), float(np.max(np.abs(tr.m_prime[sel] / mp_lim[sel] - 1))))
        printed_l1 = np.array([th.regime_law_printed(m=self.m, lam=self.lam, t=tt) for tt in t])
        ratio = tr.l1 / printed_l1
        rows = [
            {"t": float(a), "l1": float(b_), "l1_limit": float(c_), "l1_printed": float(d), "m_prime": float(e), "m_prime_limit": float(f)}
            for a, b_, c_, d, e, f in zip(t[::8], tr.l1[::8], l1_lim[::8], printed_l1[::8], tr.m_prime[::8], mp_lim[::8])
        ]
        ok = dev <= self.rtol
        derived = FormOutcome(ok, f"reduced ODE vs m->oo curve while m' >= {self.min_alive}: max rel. deviation {dev:.3g} (<= {self.rtol})")
        printed = FormOutcome(
            bool(np.all((ratio >= 0.5) & (ratio <= 2.0))),
            f"|W_i|_1 / printed Theta-curve (constants 1) in [{ratio.min():.3g}, {ratio.max():.3g}] over t in [1, 1.8e5]",
        )
        m_, lam_ = self.m, self.lam

        def plot(ax) -> None:
            ax.plot(t, tr.l1, color="tab:blue", lw=2, label="|W_i|_1 (exact reduced ODE)")
            ax.plot(t, tr.m_prime, color="tab:green", lw=2, label="m' (exact reduced ODE)")
            ax.plot(t, l1_lim, "k:", label="|W_i|_1, m -> oo curve")
            ax.plot(t, mp_lim, "k-.", lw=0.8, label="m', m -> oo curve")
            ax.plot(t, printed_l1, "--", color="tab:blue", lw=1, label="Theta-curve |W_i|_1 (paper, C = 1)")
            ax.plot(t, printed_l1**2, "--", color="tab:green", lw=1, label="Theta-curve m' (paper, C = 1)")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("t")
            ax.set_title(f"Fig 2 analogue (m={m_:.0e}, lam={lam_:.0e})")
            ax.legend(fontsize=6)

        return Evidence(
            derived=derived,
            printed=printed,
            method="exact reduced ODE at the Fig 2 parameters vs the m->oo curve and the printed Theta-curves",
            columns=tuple(rows[0].keys()),
            rows=rows,
            plot=plot,
        )


register(
    Claim(
        id="sparsity.fig2",
        title="Fig 2: |W_i|_1 and m' over training at m = 1e5, lam = 1e-5",
        statement="The simulation follows the three-regime law; the exact large-m curves match it.",
        source=Source(paper="incidental", section="§2.4", equation="Figure 2"),
        printed=Form(text="Theta-curves with constants 1: sqrt(m), 1/(lam t), 1 (and their squares for m')"),
        derived=Form(text="m -> oo curves at lam sqrt(m) = 3.16e-3"),
        domain=_DOMAIN,
        rule=Fig2Reproduction(),
        suites=frozenset({"quick", "full"}),
        notes="Printed Theta-curves are judged within the Theta constant 2 of sparsity.regime*.",
    )
)
