"""Noise topic, theory side: laws with computed moments, the closed forms, input validation."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
import sympy as sp
import sympy.stats as sps
from hypothesis import given
from hypothesis import strategies as st

from polyverify.numerics import noisy_step as ns
from polyverify.theory import noise as th
from polyverify.theory import noise_laws as nl
from polyverify.theory.symbols import sigma


def test_doctests():
    for mod in (th, nl):
        res = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
        assert res.failed == 0, mod.__name__


@pytest.mark.parametrize(
    ("ctor", "kurt", "mu4"),
    [
        (nl.bipolar, -2, sigma**4),
        (nl.uniform, sp.Rational(-6, 5), sp.Rational(9, 5) * sigma**4),
        (nl.normal, 0, 3 * sigma**4),
        (nl.laplace, 3, 6 * sigma**4),
    ],
)
def test_builtin_laws_moments_are_computed(ctor, kurt, mu4):
    law = ctor()
    assert sp.simplify(law.sigma2 - sigma**2) == 0
    assert sp.simplify(law.mu4 - mu4) == 0
    assert law.excess_kurtosis == kurt
    assert nl.excess_kurtosis(law) == kurt
    assert th.excess_kurtosis(law.variable) == kurt


def test_user_supplied_law():
    x = sp.Symbol("x", real=True)
    X = sps.ContinuousRV(x, sp.Rational(3, 4) * (1 - x**2), set=sp.Interval(-1, 1))
    law = nl.from_random_variable(X)
    assert law.sigma2 == sp.Rational(1, 5)
    assert law.mu4 == sp.Rational(3, 35)
    assert law.excess_kurtosis == sp.Rational(-6, 7)


def test_user_supplied_finite_law():
    # atoms -2, 0, 2 with probabilities 1/4, 1/2, 1/4: sigma^2 = 2, mu_4 = 8, excess kurtosis 8/4 - 3 = -1
    D = sps.FiniteRV("d", {-2: sp.Rational(1, 4), 0: sp.Rational(1, 2), 2: sp.Rational(1, 4)})
    assert nl.moment(D, 2) == 2 and nl.moment(D, 4) == 8
    assert nl.excess_kurtosis(D) == -1


@pytest.mark.parametrize(
    ("law", "match"),
    [
        (sps.Exponential("e", 1), "symmetric about 0"),
        (sps.FiniteRV("f", {-1: sp.Rational(1, 3), 1: sp.Rational(2, 3)}), "symmetric about 0"),
        (sps.StudentT("t3", 3), "finite moment of order 4"),
        (sps.Cauchy("c", 0, 1), "finite moment"),
        (sps.FiniteRV("z", {0: 1}), "sigma\\^2 > 0"),
        ("not a law", "random variable"),
    ],
)
def test_bad_laws_are_refused(law, match):
    with pytest.raises(ValueError, match=match):
        nl.excess_kurtosis(law)


@pytest.mark.slow
def test_student_t_at_nu_4_is_refused():
    # nu = 4 is the boundary: the variance is finite, the fourth moment is not (SymPy needs ~10 s here)
    with pytest.raises(ValueError, match="finite moment of order 4"):
        nl.excess_kurtosis(sps.StudentT("t4", 4))


def test_law_whose_moment_sympy_cannot_evaluate_is_refused():
    x = sp.Symbol("x", real=True)
    X = sps.ContinuousRV(x, sp.Rational(3, 2) / (1 + sp.Abs(x)) ** 4, set=sp.Interval(-sp.oo, sp.oo))
    with pytest.raises(ValueError, match="finite moment of order 4"):
        nl.from_random_variable(X)


def test_student_t_with_finite_fourth_moment_is_accepted():
    law = nl.from_random_variable(sps.StudentT("t5", 5))
    assert sp.simplify(law.excess_kurtosis - 6) == 0  # 6/(nu - 4) at nu = 5


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), sp.Symbol("s_real", real=True)])
def test_sigma_must_be_positive(bad):
    with pytest.raises(ValueError, match="sigma"):
        nl.bipolar(bad)


def test_fourth_moment_rows_and_validation():
    w = np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 1.0]]) / np.array([[1.0], [np.sqrt(3)]])
    out = th.fourth_moment(w, 1.0, 1.0)  # bipolar sigma = 1
    assert out.shape == (2,)
    np.testing.assert_allclose(out, [1.0, 3 - 2 / 3])
    assert isinstance(th.fourth_moment(w[0], 1.0, 3.0), float)
    with pytest.raises(ValueError, match="sigma2 > 0"):
        th.fourth_moment(w, 0.0, 1.0)
    with pytest.raises(ValueError, match="Jensen"):
        th.fourth_moment(w, 1.0, 0.5)
    with pytest.raises(ValueError, match="nonzero norm"):
        th.fourth_moment([[0.0, 0.0], [1.0, 0.0]], 1.0, 1.0)
    with pytest.raises(ValueError, match="1-D row or a 2-D"):
        th.fourth_moment(np.ones((2, 2, 2)), 1.0, 1.0)
    with pytest.raises(ValueError, match="finite"):
        th.fourth_moment([np.inf, 1.0], 1.0, 1.0)


def test_other_numeric_functions_validate():
    with pytest.raises(ValueError, match="eta"):
        th.expected_norm_sq_next(3, 0.1, 0.01, 0.0)
    with pytest.raises(ValueError, match="m must"):
        th.unit_fourth_norm_mean(0)
    assert th.unit_fourth_norm_mean(8) == pytest.approx(0.3)


@given(
    w=st.lists(st.floats(-1, 1, allow_nan=False), min_size=1, max_size=10).filter(lambda v: np.linalg.norm(v) > 1e-3),
    amp=st.floats(0.05, 3.0),
)
def test_fourth_moment_equals_bipolar_enumeration(w, amp):
    # exact on both sides: float64 rounding only (relative 1e-9 is generous)
    exact = ns.bipolar_expectation(w, amp, lambda a, s: a**4)
    assert th.fourth_moment(w, amp**2, amp**4) == pytest.approx(exact, rel=1e-9, abs=1e-300)
    exact2 = ns.bipolar_expectation(w, amp, lambda a, s: a**2 * s)
    assert th.a2_norm_xi_moment(w, amp**2, amp**4) == pytest.approx(exact2, rel=1e-9, abs=1e-300)


def test_printed_index_sum_disagrees_where_a_pair_exists():
    diff = sp.factor(th.PRINTED_FOURTH_MOMENT_INDEX - th.FOURTH_MOMENT_INDEX)
    assert sp.simplify(diff - 3 * sigma**4 * (th.w2**2 - th.q4)) == 0


def test_main_text_printed_term_disagrees_and_appendix_agrees():
    assert sp.simplify(th.MAIN_TEXT_TERM - 16 * th.eta**2 * th.FOURTH_MOMENT) == 0
    assert sp.simplify(th.PRINTED_MAIN_TEXT_TERM - th.MAIN_TEXT_TERM) != 0


def test_first_order_printed_has_a_stray_eta():
    exact = sp.expand(th.NORM_SQ_NEXT_UNIT - 1)
    assert sp.expand(exact - th.NORM_SQ_FIRST_ORDER).coeff(th.eta, 1) == 0
    assert sp.expand(exact - th.PRINTED_NORM_SQ_FIRST_ORDER).coeff(th.eta, 1) == -4 * th.a**2
