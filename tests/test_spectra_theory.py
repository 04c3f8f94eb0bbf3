"""Spectra theory: the trace trick, the discrete action, Hurwitz power sums, bad input."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import example, given
from hypothesis import strategies as st

from polyverify.theory import spectra as th
from polyverify.theory.symbols import alpha, k, m
from polyverify.identity import check_identity


def test_every_derivation_step_holds():
    for label, lhs, rhs in th.energy_derivation() + th.action_derivation() + th.zeta_derivation():
        assert check_identity(lhs, rhs, domain={"alpha": (-2.5, -0.3)}), label


def test_printed_forms_differ_from_derived():
    assert not check_identity(th.ENERGY_PRINTED, th.ENERGY_DERIVED)
    # the printed middle step is (k/2) tr Sigma, neither the printed end nor the derived form
    assert sp.simplify(th.ENERGY_PRINTED_STEP - k * th.trace_sigma / 2) == 0
    assert not check_identity(th.ENERGY_PRINTED_STEP, th.ENERGY_DERIVED)
    assert not check_identity(th.EQ4_ACTION_PRINTED, th.ACTION_DERIVED)
    assert sp.simplify(th.EQ4_ZETA_PRINTED / th.ZETA_LIMIT) == sp.Rational(1, 2)
    # the derived energy is the printed one only at m = k
    assert sp.simplify(th.ENERGY_DERIVED.subs(m, k) - th.ENERGY_PRINTED) == 0


@given(st.floats(-2.5, -0.3).filter(lambda a: abs(a + 1) > 1e-6), st.integers(1, 400))
@example(-0.5, 1000)
@example(-2.5, 1)
def test_power_sum_is_the_direct_sum(a, m_):
    # both in >= 40-digit arithmetic, rounded once to float64: agreement to a few ulps
    assert th.power_sum(a, m_) == pytest.approx(th.power_sum_direct(a, m_), rel=1e-13)


def test_power_sum_special_values():
    assert th.power_sum(-2.0) == pytest.approx(math.pi**2 / 6, rel=1e-15)
    assert th.power_sum(-1, 10) == pytest.approx(sum(1 / q for q in range(1, 11)), rel=1e-15)
    assert th.power_sum(0.0, 7) == pytest.approx(7.0)
    assert th.power_sum(1.0, 10) == pytest.approx(55.0)


@pytest.mark.parametrize("a", [-1.0, -0.99, -0.5, 0.0, 2.0])
def test_infinite_series_refused_where_it_diverges(a):
    with pytest.raises(ValueError, match=r"alpha < -1 for convergence"):
        th.power_sum(a)
    # while the analytic continuation would happily return a (meaningless) number
    if a != -1.0:
        assert math.isfinite(float(mpmath.zeta(-a)))


@pytest.mark.parametrize("bad", [float("nan"), "x", None])
def test_power_sum_bad_alpha(bad):
    with pytest.raises(ValueError, match="alpha"):
        th.power_sum(bad, 10)


@pytest.mark.parametrize("bad", [0, -3, 2.5])
def test_power_sum_bad_m(bad):
    with pytest.raises(ValueError, match="m "):
        th.power_sum(-2.0, bad)


@given(st.floats(-2.5, -0.3).filter(lambda a: abs(a + 1) > 1e-3), st.integers(10, 3000))
def test_euler_maclaurin_within_its_remainder_bound(a, m_):
    exact = th.power_sum_direct(a, m_)
    err = abs(th.power_sum_asymptotic(a, m_) - exact)
    # the bound is the first omitted term; allow float64 rounding of the terms (~1e-15 relative)
    assert err <= th.power_sum_remainder_bound(a, m_) + 1e-13 * abs(exact)


def test_euler_maclaurin_power_check():
    # dropping the m^alpha/2 term must break the match at the bound's scale
    a, m_ = -0.5, 50
    wrong = th.power_sum_asymptotic(a, m_) - m_**a / 2
    assert abs(wrong - th.power_sum_direct(a, m_)) > 100 * th.power_sum_remainder_bound(a, m_)


def test_tail_decays_slowly_near_minus_one():
    # the dropped tail at m = 1000 is ~47% of zeta(1.1) but tiny at alpha = -2.5
    assert th.zeta_tail(-1.1, 1000) / th.power_sum(-1.1) > 0.4
    assert th.zeta_tail(-2.5, 1000) / th.power_sum(-2.5) < 1e-4
    assert th.zeta_tail(-1.5, 1000) == pytest.approx(th.power_sum(-1.5) - th.power_sum(-1.5, 1000), rel=1e-12)
    with pytest.raises(ValueError, match="alpha < -1"):
        th.zeta_tail(-0.5, 10)


def test_growth_above_minus_one():
    # sum_{i<=m} i^alpha / (m^(1+alpha)/(1+alpha)) -> 1 for alpha > -1
    for a in (-0.9, -0.5, -0.3):
        r = [th.power_sum(a, 10**e) / ((10**e) ** (1 + a) / (1 + a)) for e in (3, 6, 9)]
        assert abs(r[2] - 1) < abs(r[1] - 1) < abs(r[0] - 1)
        # the constant left after the growing term is zeta(-alpha) (analytic continuation)
        big = 10**9
        const = th.power_sum(a, big) - big ** (1 + a) / (1 + a)
        # two float64 numbers of size <= 3e6 are subtracted: rounding ~ 3e6 * 2^-52 * few < 1e-8
        assert const == pytest.approx(float(mpmath.zeta(-a)) + big**a / 2, abs=1e-8)
    h = th.power_sum(-1, 10**6)
    assert h == pytest.approx(math.log(10**6) + 0.5772156649015329, rel=1e-6)


def test_expected_energy_and_action_on_known_matrix():
    a = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 2.0]])
    # increments (1, 0), (0, 2): Q = 5; k=3, m=2: 3/(4) * 5
    assert th.expected_action(a, 3) == pytest.approx(3 * 5 / 4)
    centred = a - a.mean(axis=0)
    t = np.sum(centred**2) / 3
    assert th.expected_energy(a, 3) == pytest.approx(3 * t / 4)
    assert th.printed_energy(a) == pytest.approx(t / 2)
    assert th.printed_eq4_action(a) == pytest.approx(t)


@pytest.mark.parametrize(
    "acts, msg",
    [
        (np.ones(5), "2-D"),
        (np.array([[np.nan, 1.0], [0.0, 1.0]]), "finite"),
        (np.ones((1, 4)), "at least 2 frames"),
    ],
)
def test_activation_input_errors(acts, msg):
    with pytest.raises(ValueError, match=msg):
        th.expected_action(acts)
    with pytest.raises(ValueError, match=msg):
        th.expected_energy(acts)


def test_bad_k():
    with pytest.raises(ValueError, match="k must satisfy k >= 1"):
        th.expected_action(np.ones((3, 2)), 0)


def test_eq3_comes_from_coding_when_present():
    try:
        from polyverify.theory.coding import power_law_capacity
    except ImportError:
        pytest.skip("theory.coding does not provide power_law_capacity yet")
    assert th.power_law_capacity is power_law_capacity
    assert "power_law_capacity" in th.__all__
    assert alpha in power_law_capacity.free_symbols
