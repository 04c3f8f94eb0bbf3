"""Theory of sparsification (paper 1, §2.3–2.4, Appendix B): derivations, constants, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from polyverify.theory import sparsity as th
from polyverify.identity import check_identity

DERIVATIONS = [
    th.gradient_derivation,
    th.footnote_derivation,
    th.threshold_derivation,
    th.balance_derivation,
    th.appendix_b_derivation,
    th.gamma_derivation,
    th.reduction_derivation,
    th.limit_derivation,
]


@pytest.mark.parametrize("derivation", DERIVATIONS, ids=lambda f: f.__name__)
def test_every_derivation_step_holds(derivation):
    for label, lhs, rhs in derivation():
        assert check_identity(lhs, rhs), label


def test_halfnormal_moments_hold():
    for label, lhs, rhs in th.halfnormal_derivation():
        assert check_identity(lhs, rhs), label


def _differs(e1: sp.Expr, e2: sp.Expr, seed: int = 0) -> bool:
    """True when the two expressions differ at some of 20 random points (entries in [-1, 1], lam in (0, 1])."""
    rng = np.random.default_rng(seed)
    syms = sorted((e1.free_symbols | e2.free_symbols), key=str)
    for _ in range(20):
        pt = {s: (rng.uniform(0.01, 1) if s.is_positive else rng.uniform(-1, 1)) for s in syms}
        if abs(float(e1.subs(pt)) - float(e2.subs(pt))) > 1e-9:
            return True
    return False


def test_gradient_constants_are_four_four_one_and_wrong_constants_fail():
    # power: the flow with interference constant 2 (forgetting that each pair appears twice) differs
    W, loss = th.loss_instance()
    grad = -sp.diff(loss, W[0, 0])
    assert _differs(grad, th._forces(W, 0, th.lam, 4, 2)[0])
    assert _differs(grad, th._forces(W, 0, th.lam, 2, 4)[0])
    assert not _differs(grad, th._forces(W, 0, th.lam, 4, 4)[0])


def test_footnote_other_reading_fails():
    """lam four times *smaller* (the true model described from the dropped-4 one) is not the footnote."""
    W = th._W
    simp = th._forces(W, 0, th.lam, 1, 1)[0]
    assert check_identity(simp, th.FOOTNOTE_PRINTED)
    assert _differs(simp, th._forces(W, 0, th.lam / 4, 4, 4)[0] / 4)


def test_limit_constants():
    lc = th.limit_constants()
    assert lc["rel_var_limit"] == 1.0 and lc["mprime_ratio_limit"] == 2.0 and lc["lam_t_l1_limit"] == 1.0
    assert lc["rel_var_start"] == pytest.approx(math.pi / 2 - 1)


def test_limit_functions_match_quadrature():
    from scipy.integrate import quad

    for bv in (0.0, 0.7, 2.5, 6.0):
        tail, h, g = th.limit_functions(bv)
        f = lambda z: 2 * math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
        assert float(tail) == pytest.approx(quad(f, bv, np.inf)[0], rel=1e-9)
        assert float(h) == pytest.approx(quad(lambda z: (z - bv) * f(z), bv, np.inf)[0], rel=1e-8)
        assert float(g) == pytest.approx(quad(lambda z: (z - bv) ** 2 * f(z), bv, np.inf)[0], rel=1e-8)


def test_quasi_static_curve_tends_to_the_constants():
    qs = th.quasi_static_curve(np.array([1e-3, 8.0, 14.0]))
    assert qs.rel_var[0] == pytest.approx(math.pi / 2 - 1, abs=1e-3)
    assert qs.mprime_ratio[0] == pytest.approx(math.pi / 2, abs=1e-3)
    # deep in the tail: RV -> 1 from below, m'/|w|_1^2 -> 2, lam t |w|_1 -> 1 from above (like 1/b^2)
    assert 0.97 < qs.rel_var[-1] < 1.0
    assert 1.97 < qs.mprime_ratio[-1] < 2.0
    assert 1.0 < qs.lam_t_l1[-1] < 1.03
    assert np.all(np.diff(qs.rel_var) > 0)


def test_large_m_curve_tends_to_quasi_static_as_ell_shrinks():
    qs = th.quasi_static_curve(np.array([1.0, 2.0]))
    for ell, tol in ((0.02, 0.05), (0.002, 0.006)):
        lc = th.large_m_curve(qs.tau, ell=ell, c=0.9)
        assert np.max(np.abs(lc.lam_t_l1 / qs.lam_t_l1 - 1)) < tol


@given(lam=st.floats(1e-6, 1.0), ns=st.floats(0.0, 0.999))
def test_threshold_numeric_matches_formula(lam, ns):
    assert th.threshold(lam, ns) == pytest.approx(float(th.THRESHOLD.subs({th.lam: lam, th.N2: ns})), rel=1e-12)


@pytest.mark.parametrize(
    "lam, ns, msg",
    [
        (0.0, 0.5, "lam must satisfy lam > 0"),
        (-1.0, 0.5, "lam must satisfy lam > 0"),
        (0.1, 1.0, "norm_sq must satisfy 0 <= norm_sq < 1"),
        (0.1, -0.1, "norm_sq must satisfy 0 <= norm_sq < 1"),
        (float("nan"), 0.5, "lam must not be NaN"),
        (0.1, float("nan"), "norm_sq must not be NaN"),
    ],
)
def test_threshold_bad_input(lam, ns, msg):
    with pytest.raises(ValueError, match=msg):
        th.threshold(lam, ns)


def test_curves_bad_input():
    with pytest.raises(ValueError, match="ell must satisfy ell > 0"):
        th.large_m_curve([1.0], ell=0.0)
    with pytest.raises(ValueError, match="tau"):
        th.large_m_curve([2.0, 1.0], ell=0.1)
    with pytest.raises(ValueError, match="b must satisfy b >= 0"):
        th.quasi_static_curve([-1.0])


def test_regime_law_printed_pieces():
    m, lam = 10**4, 1e-3
    assert th.regime_law_printed(m=m, lam=lam, t=1.0) == 100.0
    assert th.regime_law_printed(m=m, lam=lam, t=100.0) == pytest.approx(10.0)
    assert th.regime_law_printed(m=m, lam=lam, t=2000.0) == 1.0
