"""Closed forms of paper 2's coding theory (theory/coding.py): derivations, numeric wrappers,
the shared eq. 3 expression and bad input."""

from __future__ import annotations

import doctest
import math

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from polyverify.numerics import channels as ch
from polyverify.theory import coding as tc
from polyverify.theory.symbols import alpha, m
from polyverify.claims.coding import _DOM
from polyverify.identity import check_identity as check_step


def test_doctests():
    assert doctest.testmod(tc).failed == 0


@pytest.mark.parametrize(
    "steps",
    [tc.lemma2_error_steps, tc.compression_rate_steps, tc.theorem3_lower_steps, tc.erasure_derived_steps,
     tc.dropout_composition_steps],
)
def test_derived_steps_hold(steps):
    for label, lhs, rhs in steps():
        assert check_step(lhs, rhs, domain=_DOM, points=8), label


def test_printed_slips_are_refuted_and_only_those():
    printed = {label: bool(check_step(l, r, domain=_DOM, points=8)) for label, l, r in tc.lemma2_printed_steps()}
    assert [k for k, ok in printed.items() if not ok] == [
        "line 1: -sum P log P = -sum_{!=0} P log P + P(0) log P(0)",
        "line 4: = -(1-S) H(X_0) - (1-S) log(1-S) - S log S",
    ]
    first = tc.erasure_printed_steps()[0]
    assert not check_step(first[1], first[2], domain=_DOM, points=8)
    t4 = tc.theorem4_printed_steps()[0]
    assert not check_step(t4[1], t4[2], domain=_DOM, points=8)


def test_check_step_draws_symbols_that_cancel():
    """A symbol absent from lhs - rhs must still get a value (both sides keep it)."""
    x, y = sp.symbols("x y", positive=True)
    assert check_step(sp.log(x) * 0 + y + sp.sin(x) ** 2, y + 1 - sp.cos(x) ** 2, symbolic=False)
    assert not check_step(y * x + 1, y * x + 2, symbolic=False)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 6), st.floats(0.0, 0.95))
def test_exact_capacity_matches_blahut_arimoto(bits, D):
    res = ch.capacity(D, bits, tol=1e-10)
    c = tc.dropout_capacity_exact(bits, D)
    assert res.lower - 1e-9 <= c <= res.upper + 1e-9
    lo, hi = tc.dropout_capacity_bounds(bits, D, 1)
    assert lo <= c + 1e-12 and c <= hi + 1e-12
    assert tc.dropout_construction_bound(bits, D, 1) <= c + 1e-12


def test_capacity_power_check():
    """A formula 5% off is rejected by the certified Blahut-Arimoto bracket."""
    res = ch.capacity(0.3, 3, tol=1e-10)
    wrong = 1.05 * tc.dropout_capacity_exact(3, 0.3)
    assert not (res.lower - 1e-9 <= wrong <= res.upper + 1e-9)


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 3), st.floats(0.01, 0.99), st.integers(1, 3), st.floats(0.3, 3.0))
def test_sparse_entropy_exact_and_bound(n, S, bits, ratio):
    law = ch.geometric_law(bits, ratio)
    exact = ch.sparsified_entropy(law, S, n)
    h = ch.entropy_bits(law)
    assert tc.sparse_entropy(n, S, h, p_zero=law[0]) == pytest.approx(exact, abs=1e-9)
    err = tc.sparse_entropy(n, S, h) - exact
    assert -1e-12 <= err <= tc.sparse_entropy_error_bound(n, S, law[0]) + 1e-12


def test_compression_rate_limit_and_bound():
    for S in (0.1, 0.5, 0.9):
        for H in (4.0, 16.0, 32.0):
            r = tc.compression_rate(S, H)
            assert 0 <= r - (1 - S) <= 1 / H


def test_naive_depth_matches_cascade():
    W = ch.cascade(ch.dropout_channel(2, 0.25), 3)
    res = ch.blahut_arimoto(W, tol=1e-10)
    assert res.lower - 1e-9 <= tc.naive_depth_capacity(2, 0.25, 3) <= res.upper + 1e-9


def test_explicit_codes_match_numerics():
    assert tc.repetition_cascade_information(3, 0.2, 4, 9, 3) == pytest.approx(ch.repetition_cascade_mi(3, 0.2, 4, 9, 3), abs=1e-12)
    assert tc.mds_cascade_information(5, 0.2, 4, 20, 11) == pytest.approx(ch.reed_solomon_cascade_exact(5, 0.2, 4, 20, 11), rel=1e-12)


def test_power_law_capacity_shared_expression():
    """The SymPy eq. 3 used by theory.spectra: C - |alpha|/2 m log2(m/e) (eigenvalue exponent)."""
    expr = tc.power_law_capacity
    assert {s.name for s in expr.free_symbols} == {"C", "alpha", "m"}
    assert alpha in expr.free_symbols and m in expr.free_symbols
    val = float(expr.subs({tc.C: 1000, alpha: -1, m: 100}))
    assert val == pytest.approx(1000 - 0.5 * 100 * math.log2(100 / math.e))
    printed = float(tc.power_law_capacity_printed.subs({tc.C: 1000, alpha: -1, m: 100}))
    assert printed == pytest.approx(1000 - 100 * math.log2(100 / math.e))


@settings(max_examples=15, deadline=None)
@given(st.integers(8, 150), st.integers(16, 20), st.floats(-2.0, -0.2), st.sampled_from(["variance", "std"]))
def test_power_law_entropy_within_stirling_and_quantisation(mm, bits, a, reading):
    exact = ch.power_law_entropy(mm, bits, a, exponent_of=reading)
    beta = a / 2 if reading == "variance" else a
    lo, hi = tc.stirling_bounds(mm)
    pre_stirling = mm * bits + beta * math.log2(math.factorial(mm))
    quant = sum(math.log2(1 + 2.0**-bits * i ** -beta) for i in range(1, mm + 1))
    assert pre_stirling - 1e-9 <= exact <= pre_stirling + quant + 1e-9
    approx = tc.power_law_entropy_approx(mm, bits, a, exponent_of=reading)
    assert abs(approx - exact) <= abs(beta) * hi + quant + 1e-9


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: tc.compression_rate(0.0, 8), "S must satisfy 0 < S < 1"),
        (lambda: tc.compression_rate(0.5, 0), "H must satisfy H > 0"),
        (lambda: tc.sparse_entropy(2, 1.2, 3.0), "S must satisfy 0 < S < 1"),
        (lambda: tc.sparse_entropy(2.5, 0.5, 3.0), "n must be an integer"),
        (lambda: tc.dropout_capacity_bounds(4, 1.5, 2), "D must satisfy 0 <= D <= 1"),
        (lambda: tc.dropout_capacity_bounds(4, 0.5, 2.5), "m must be an integer"),
        (lambda: tc.dropout_capacity_bounds(4, 0.5, 0), "m must satisfy m >= 1"),
        (lambda: tc.dropout_capacity_exact(0.5, 0.5), "bits must satisfy bits >= 1"),
        (lambda: tc.power_law_entropy_approx(10, 8, 0.3), "alpha must satisfy alpha <= 0"),
        (lambda: tc.naive_depth_capacity(2, 0.5, -1), "N must satisfy N >= 0"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
