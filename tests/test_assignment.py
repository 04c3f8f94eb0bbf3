"""Displacement model of the final assignment: closed forms, simulations, claims, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import example, given, settings
from hypothesis import strategies as st

from polyverify.numerics.assignment import (
    FinalAssignment,
    assignment_counts,
    displacement_assignment,
    displacement_from_weights,
    free_cell_assignment,
    gaussian_weights,
    greedy_assignment_loop,
    simulate_displacement,
    simulate_free_cell,
)
from polyverify.theory import assignment as th
from polyverify.theory import collisions as coll
from polyverify.theory.symbols import m, n
from polyverify.identity import check_identity
from polyverify.stats import mean_interval

from .conftest import TEST_FAMILY_ALPHA


@st.composite
def n_le_m(draw, n_max=40, ratio=6):
    n_ = draw(st.integers(1, n_max))
    return n_, draw(st.integers(n_, ratio * n_))


# --- theory --------------------------------------------------------------------------------


@given(n_le_m(n_max=300, ratio=20))
@example((1, 1))
@example((2, 2))
@example((256, 256))
def test_numeric_functions_match_sympy(nm):
    n_, m_ = nm
    subs = {n: n_, m: m_}
    for fn, expr in [
        (th.expected_polysemantic_trained, th.TRAINED_POLYSEMANTIC),
        (th.polysemantic_trained_variance, th.TRAINED_VARIANCE),
        (th.stay_probability_bound, th.STAY_BOUND),
        (th.gaussian_second_order, th.GAUSSIAN_SECOND_ORDER),
    ]:
        exact = float(sp.N(expr.subs(subs), 40))
        # float64 of a few rational operations (no cancellation beyond ~1e3 ulps): 1e-9 is far
        # above rounding and far below any formula error
        assert fn(n_, m_) == pytest.approx(exact, rel=1e-9, abs=1e-12)


def test_values_by_hand():
    # n = 2, m = 2: the two features occupy a uniform pair of the 4 cells; 2 of the 6 pairs are
    # one neuron's two cells -> E = 1/3, Var = 1/3 - 1/9
    assert th.expected_polysemantic_trained(2, 2) == pytest.approx(1 / 3)
    assert th.polysemantic_trained_variance(2, 2) == pytest.approx(1 / 3 - 1 / 9)
    # n = m: every polysemantic neuron uses two of the n features; with n = m = 1 none
    assert th.expected_polysemantic_trained(1, 1) == 0.0
    assert th.polysemantic_trained_variance(1, 1) == 0.0
    # the numbers: about 64 at m = 256 and about 32 at m = 512 (n = 256)
    assert th.expected_polysemantic_trained(256, 256) == pytest.approx(65280 / 1022)
    assert th.expected_polysemantic_trained(np.array([256, 256]), np.array([256, 512])).shape == (2,)
    # the stay bound is 1 - (n-1)/(4m) to first order and exactly 7/8 at n = m = 2
    assert th.stay_probability_bound(2, 2) == pytest.approx(7 / 8)


@pytest.mark.parametrize(
    "derivation",
    [th.displacement_derivation, th.variance_derivation, th.expansion_derivation, th.stay_derivation, th.gaussian_second_order_derivation],
)
def test_every_derivation_step_holds(derivation):
    for label, lhs, rhs in derivation():
        assert check_identity(lhs, rhs, seed=0), label


def test_a_wrong_step_is_refuted():
    # the checker is not a rubber stamp: a 1/(2m) instead of 1/(2m-1) is refuted
    assert not check_identity(th.TRAINED_POLYSEMANTIC, n * (n - 1) / (4 * m), seed=0)


def test_expansion_table_term_by_term():
    q1, q2 = th.expansion_table()
    assert sp.simplify(q1["displacement"] - q1["initialisation_only"]) == 0
    assert sp.simplify(q1["paper"] - n**2 / 4) == 0
    assert sp.simplify(q2["displacement"] - n * (n - 1) / 8) == 0
    assert sp.simplify(q2["initialisation_only"] + n * (n - 1) * (n - 2) / 8) == 0
    assert q2["paper"] == 0


def test_ratio_to_the_paper_is_within_one_over_n():
    # E[P] / (n^2/(4m)) = (1 - 1/n)/(1 - 1/(2m)) lies in [1 - 1/n, 1] for m >= n
    for n_, m_ in [(2, 2), (32, 32), (256, 256), (256, 4096), (100, 173)]:
        r = th.expected_polysemantic_trained(n_, m_) / (n_**2 / (4 * m_))
        assert 1 - 1 / n_ - 1e-12 <= r <= 1 + 1e-12
    # and it is far above the initialisation-only count at m = n
    assert th.expected_polysemantic_trained(256, 256) / coll.expected_polysemantic(256, 256) > 1.5


@pytest.mark.parametrize(
    "args, message",
    [
        ((0, 5), "n must satisfy n >= 1"),
        ((5, 3), "m >= n"),
        ((2.5, 3), "integer"),
        ((3, 4.5), "integer"),
        ((float("nan"), 3), "NaN"),
        ((3, True), "real number"),
        (("3", 4), "real number"),
    ],
)
def test_bad_input_names_the_assumption(args, message):
    for fn in (th.expected_polysemantic_trained, th.polysemantic_trained_variance, th.stay_probability_bound, th.gaussian_second_order):
        with pytest.raises(ValueError, match=message):
            fn(*args)
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=message):
        simulate_displacement(*args, trials=4, rng=rng)
    with pytest.raises(ValueError, match=message):
        simulate_free_cell(*args, trials=4, rng=rng)


def test_bad_input_arrays_and_options():
    with pytest.raises(ValueError, match="m >= n"):
        th.expected_polysemantic_trained(np.array([4, 8]), np.array([4, 7]))
    with pytest.raises(ValueError, match="trials"):
        simulate_displacement(4, 4, trials=0, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="shape"):
        displacement_from_weights(np.zeros(5))
    with pytest.raises(ValueError, match="m >= n"):
        displacement_from_weights(np.zeros((4, 3)))


# --- numerics ------------------------------------------------------------------------------


@pytest.mark.parametrize("nm", [(1, 1), (2, 2), (5, 5), (8, 13), (24, 24), (32, 64)])
def test_vectorised_process_equals_the_greedy_loop(nm):
    # depth 2 forces the "ran out of preferences, go deeper" path at m = n
    n_, m_ = nm
    w = gaussian_weights(n_, m_, trials=20, rng=np.random.default_rng(n_ * 1000 + m_))
    for depth in (2, 16):
        a = displacement_from_weights(w, depth=depth)
        for t in range(w.shape[0]):
            neuron, sign = greedy_assignment_loop(w[t])
            assert np.array_equal(neuron, a.neuron[t]) and np.array_equal(sign, a.sign[t])


def test_final_cells_are_distinct_and_signs_are_the_weights_signs():
    w = gaussian_weights(40, 40, trials=30, rng=np.random.default_rng(3))
    a = displacement_from_weights(w)
    c = assignment_counts(a)  # raises if a cell holds two features
    assert c.polysemantic.shape == (30,)
    vals = np.take_along_axis(w, a.neuron[..., None], axis=-1)[..., 0]
    assert np.array_equal(np.where(vals >= 0, 1, -1), a.sign)
    # moves = 0 exactly when the feature kept its initial argmax
    assert np.array_equal(a.moves == 0, a.neuron == a.initial_neuron)


def test_counting_on_a_handmade_assignment_and_its_guard():
    a = FinalAssignment(
        neuron=np.array([[0, 0, 1]]), sign=np.array([[1, -1, 1]]), initial_neuron=np.array([[0, 1, 1]]),
        initial_sign=np.array([[1, 1, 1]]), moves=np.array([[0, 1, 0]]), m=2,
    )
    c = assignment_counts(a)
    assert c.polysemantic.tolist() == [1] and c.displaced.tolist() == [1]
    assert c.stayed.tolist() == [pytest.approx(2 / 3)]
    bad = FinalAssignment(neuron=np.array([[0, 0]]), sign=np.array([[1, 1]]), initial_neuron=np.array([[0, 0]]),
                          initial_sign=np.array([[1, 1]]), moves=np.array([[0, 0]]), m=2)
    with pytest.raises(RuntimeError, match="same sign"):
        assignment_counts(bad)


def test_simulations_are_deterministic_and_chunking_free():
    a = displacement_assignment(16, 24, trials=12, rng=np.random.default_rng(5), max_elements=16 * 24 * 5)
    b = displacement_assignment(16, 24, trials=12, rng=np.random.default_rng(5))
    assert np.array_equal(a.neuron, b.neuron) and np.array_equal(a.sign, b.sign)
    f1 = free_cell_assignment(10, 12, trials=8, rng=np.random.default_rng(9))
    f2 = free_cell_assignment(10, 12, trials=8, rng=np.random.default_rng(9))
    assert np.array_equal(f1.neuron, f2.neuron)


MC_EXAMPLES = 8


@settings(max_examples=MC_EXAMPLES)
@given(n_le_m(n_max=48, ratio=6), st.integers(0, 2**32 - 1))
def test_free_cell_process_agrees_with_the_closed_form(nm, seed):
    n_, m_ = nm
    c = simulate_free_cell(n_, m_, trials=3000, rng=np.random.default_rng(seed))
    delta = TEST_FAMILY_ALPHA / (2 * MC_EXAMPLES)  # two comparisons per example
    mean = th.expected_polysemantic_trained(n_, m_)
    assert mean_interval(c.polysemantic, delta=delta, value_range=n_ / 2).contains(mean)
    second = th.polysemantic_trained_variance(n_, m_) + mean**2
    assert mean_interval(c.polysemantic.astype(float) ** 2, delta=delta, value_range=(n_ / 2) ** 2).contains(second)


def test_free_cell_check_has_power_against_wrong_formulas():
    c = simulate_free_cell(64, 64, trials=6000, rng=np.random.default_rng(1))
    iv = mean_interval(c.polysemantic, delta=1e-6)
    assert iv.contains(th.expected_polysemantic_trained(64, 64))
    assert not iv.contains(1.05 * th.expected_polysemantic_trained(64, 64))
    assert not iv.contains(coll.expected_polysemantic(64, 64))  # initialisation only


def test_gaussian_process_is_close_to_but_below_the_closed_form():
    # n = m = 2 exactly: polysemantic only if the two initial cells are one neuron's two cells
    # (probability 1/(2m) = 1/4); the displaced loser of a malign collision cannot return.
    c = simulate_displacement(2, 2, trials=40000, rng=np.random.default_rng(2))
    iv = mean_interval(c.polysemantic, delta=1e-6)
    assert iv.contains(0.25) and not iv.contains(th.expected_polysemantic_trained(2, 2))
    # n = m = 32: within 0.2 neuron of the closed form, far from the initialisation-only count
    c = simulate_displacement(32, 32, trials=4000, rng=np.random.default_rng(4))
    assert abs(c.polysemantic.mean() - th.expected_polysemantic_trained(32, 32)) < 0.2
    assert not mean_interval(c.polysemantic, delta=1e-6).contains(coll.expected_polysemantic(32, 32))


def test_bracket_rule_rejects_the_initialisation_only_count():
    # the bracket check of assignment.gaussian_displacement, with the lower end replaced by the
    # initialisation-only count and the upper end by 0.95 x it: must fail (power)
    from polyverify.claim import Context
    from polyverify.registry import get_claim

    claim = get_claim("assignment.gaussian_displacement")
    bracket = claim.rule.rules[1]
    wrong = type(bracket)(
        strategy=bracket.strategy, simulate=bracket.simulate, trials=bracket.trials, examples=type(bracket.examples)(0, 0),
        pinned=({"n": 32, "m": 32},), value_range=bracket.value_range,
        lower=lambda n, m: 0.95 * coll.expected_polysemantic(n, m), upper=lambda n, m: coll.expected_polysemantic(n, m),
    )
    ctx = Context(seed=0, mode="quick", device="cpu", delta=1e-5)
    assert not wrong.run(claim, ctx).derived.passed
    right = type(bracket)(
        strategy=bracket.strategy, simulate=bracket.simulate, trials=bracket.trials, examples=type(bracket.examples)(0, 0),
        pinned=({"n": 32, "m": 32},), value_range=bracket.value_range, lower=bracket.lower, upper=bracket.upper,
    )
    assert right.run(claim, ctx).derived.passed


def test_stay_fraction_respects_the_bound():
    c = simulate_displacement(24, 24, trials=3000, rng=np.random.default_rng(6))
    iv = mean_interval(c.stayed, delta=1e-6, value_range=1.0)
    assert iv.lo <= th.stay_probability_bound(24, 24)
    # and the bound is tight to first order: within 0.02 here
    assert th.stay_probability_bound(24, 24) - iv.mean < 0.02


# --- claims --------------------------------------------------------------------------------


def test_claims_are_registered_and_cover_the_formulas():
    from polyverify.theory.formulas import registered_formulas
    from polyverify.registry import all_claims

    ids = {c.id for c in all_claims()}
    assert {"assignment.expected_polysemantic", "assignment.trained_counts", "assignment.trained_counts_fig3"} <= ids
    covered = {f for c in all_claims() for f in c.formulas}
    assert {k for k in registered_formulas() if k.startswith("assignment.")} <= covered


@pytest.mark.parametrize("cid", ["assignment.expected_polysemantic", "assignment.variance", "assignment.expansion"])
def test_cheap_claims_pass(cid):
    from polyverify.claim import Context
    from polyverify.registry import get_claim

    c = get_claim(cid)
    ev = c.rule.run(c, Context(seed=0, mode="quick", device="cpu", delta=1e-5))
    assert ev.derived.passed, ev.derived.summary
    assert ev.printed is None or ev.printed.passed


@pytest.mark.slow
def test_gaussian_process_at_fig3_scale():
    # n = 256: the Gaussian process and the closed form agree to well under 1%
    for m_ in (256, 512):
        c = simulate_displacement(256, m_, trials=400, rng=np.random.default_rng(m_))
        iv = mean_interval(c.polysemantic, delta=1e-4)
        assert iv.contains(th.expected_polysemantic_trained(256, m_)), (m_, iv)


@pytest.mark.slow
def test_trained_claim_quick_analogue():
    from polyverify.claim import Context
    from polyverify.registry import get_claim

    c = get_claim("assignment.trained_counts")
    ev = c.rule.run(c, Context(seed=0, mode="quick", device="cpu", delta=1e-4))
    assert ev.derived.passed, ev.derived.summary
    # the initialisation-only count is rejected at m = n (the check has power)
    assert not ev.rows[0]["init_only_ok"]
