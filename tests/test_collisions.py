"""Feature collisions: closed forms, their numeric functions, the Monte Carlo, and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import example, given, settings
from hypothesis import strategies as st

from polyverify.numerics.collisions import Assignment, collision_counts, simulate_collisions
from polyverify.theory import collisions as th
from polyverify.theory.symbols import m, n
from polyverify.stats import mean_interval

from .conftest import TEST_FAMILY_ALPHA


@st.composite
def n_le_m(draw, n_max=40, ratio=6):
    n_ = draw(st.integers(1, n_max))
    return n_, draw(st.integers(n_, ratio * n_))


@given(n_le_m(n_max=300, ratio=20))
@example((1, 1))
@example((256, 256))
def test_numeric_functions_match_sympy(nm):
    n_, m_ = nm
    subs = {n: n_, m: m_}
    pairs = [
        (th.expected_collisions, th.EXPECTED_PAIRS),
        (th.expected_benign, th.EXPECTED_BENIGN_PAIRS),
        (lambda a, b: th.expected_polysemantic(a, b, exact=True), th.POLYSEMANTIC_EXACT),
        (th.polysemantic_variance, th.POLYSEMANTIC_VARIANCE),
    ]
    for fn, expr in pairs:
        exact = float(sp.N(expr.subs(subs), 40))
        # float64 evaluation: relative error a few ulps, times the condition number of the
        # cancellation-free forms used (<= ~1e3 here); 1e-9 is far above that and far below
        # any formula error.
        assert fn(n_, m_) == pytest.approx(exact, rel=1e-9, abs=1e-12)


def test_exact_values_by_hand():
    # n = 2, m = 2: 4 cells; polysemantic iff the two features share a neuron with opposite
    # signs: probability 2 * 2 / 16 = 1/4; E = 1/4.
    assert th.expected_polysemantic(2, 2) == pytest.approx(0.25)
    assert th.polysemantic_variance(2, 2) == pytest.approx(0.25 - 0.0625)
    assert th.expected_polysemantic(2, 2, exact=False) == pytest.approx(1.0 / 2)
    assert th.expected_collisions(np.array([2, 4]), np.array([4, 4])).tolist() == [0.25, 1.5]


def test_limit_is_the_papers_leading_term():
    steps = th.polysemantic_derivation()
    assert sp.simplify(steps[0][1] - n * (n - 1) / 4) == 0
    assert steps[2][1] == 1
    # at m = n the exact expectation is (1 - 2e^{-1/2} + e^{-1}) m for large n: 0.62 x n^2/(4m)
    ratio = th.expected_polysemantic(4096, 4096) / th.expected_polysemantic(4096, 4096, exact=False)
    assert ratio == pytest.approx(4 * (1 - 2 * np.exp(-0.5) + np.exp(-1)), rel=1e-3)


@pytest.mark.parametrize(
    "args, message",
    [
        ((0, 5), "n must satisfy n >= 1"),
        ((5, 3), "m >= n"),
        ((2.5, 3), "integer"),
        ((float("nan"), 3), "NaN"),
        ((3, True), "real number"),
        (("3", 4), "real number"),
    ],
)
def test_bad_input_names_the_assumption(args, message):
    with pytest.raises(ValueError, match=message):
        th.expected_polysemantic(*args)
    with pytest.raises(ValueError, match=message):
        simulate_collisions(*args, trials=10, rng=np.random.default_rng(0))


def test_counting_on_a_handmade_assignment():
    # trial 0: features 0,1 on neuron 0 with signs +,-; feature 2 on neuron 0 with +
    # -> pairs 3, benign 2, polysemantic 1. trial 1: all on different neurons.
    a = Assignment(neuron=np.array([[0, 0, 0], [0, 1, 2]]), sign=np.array([[1, -1, 1], [1, 1, -1]]), m=3)
    c = collision_counts(a)
    assert c.pairs.tolist() == [3, 0]
    assert c.benign_pairs.tolist() == [2, 0]
    assert c.polysemantic.tolist() == [1, 0]


def test_simulation_is_deterministic():
    a = simulate_collisions(20, 30, trials=50, rng=np.random.default_rng(7))
    b = simulate_collisions(20, 30, trials=50, rng=np.random.default_rng(7))
    assert np.array_equal(a.polysemantic, b.polysemantic) and np.array_equal(a.pairs, b.pairs)


MC_EXAMPLES = 10


@settings(max_examples=MC_EXAMPLES)
@given(n_le_m(n_max=40, ratio=6), st.integers(0, 2**32 - 1))
def test_monte_carlo_agrees_with_exact_expectation(nm, seed):
    n_, m_ = nm
    c = simulate_collisions(n_, m_, trials=3000, rng=np.random.default_rng(seed))
    delta = TEST_FAMILY_ALPHA / (3 * MC_EXAMPLES)  # three comparisons per example
    assert mean_interval(c.polysemantic, delta=delta, value_range=n_ / 2).contains(th.expected_polysemantic(n_, m_))
    assert mean_interval(c.pairs, delta=delta, value_range=n_ * n_).contains(th.expected_collisions(n_, m_))
    assert mean_interval(c.benign_pairs, delta=delta, value_range=n_ * n_).contains(th.expected_benign(n_, m_))


def test_monte_carlo_has_power_against_a_wrong_formula():
    # the same comparison rejects a formula 5% off at the scales used by the claims
    c = simulate_collisions(48, 64, trials=20000, rng=np.random.default_rng(11))
    iv = mean_interval(c.polysemantic, delta=1e-6)
    assert iv.contains(th.expected_polysemantic(48, 64))
    assert not iv.contains(1.05 * th.expected_polysemantic(48, 64))
    assert not iv.contains(th.expected_polysemantic(48, 64, exact=False))


def test_custom_std_does_not_change_the_argmax_law():
    c = simulate_collisions(16, 16, trials=4000, rng=np.random.default_rng(5), std=3.0)
    assert mean_interval(c.pairs, delta=1e-5).contains(th.expected_collisions(16, 16))
