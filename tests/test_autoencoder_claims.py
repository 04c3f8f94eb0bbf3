"""Tests of the training claims (verify/claims/training.py): they run, and their rules have power."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from polyverify.claim import Context, Form
from polyverify.registry import get_claim
import polyverify.claims.training as T
from polyverify.rules import trained as R
from polyverify.theory.collisions import expected_polysemantic

CTX = Context(seed=0, mode="quick", device="cpu", delta=1e-5)


def _with(claim, **forms):
    return dataclasses.replace(claim, **forms)


def test_time_map_both_readings_pass_and_naive_reading_fails():
    claim = get_claim("training.gd_time_map")
    ev = claim.rule.run(claim, CTX)
    assert ev.derived.passed and ev.printed.passed
    wrong = _with(claim, printed=Form(text="reduced flow at T = eta k, lambda = lam", numeric=T.naive_prediction))
    ev2 = wrong.rule.run(wrong, CTX)
    assert ev2.derived.passed and not ev2.printed.passed


def test_flow_rhs_are_the_same_flow_in_other_units():
    rng = np.random.default_rng(0)
    W = rng.normal(size=(4, 6)) / np.sqrt(6)
    np.testing.assert_allclose(T.printed_flow_rhs(W, 0.2), 4 * T.reduced_flow_rhs(W, 0.05), rtol=1e-13, atol=1e-15)


def test_rotation_invariance_rejects_a_five_percent_error():
    claim = get_claim("training.rotation_invariant_fourth_norm")
    ev = claim.rule.run(claim, CTX)
    assert ev.derived.passed and ev.printed is None  # the paper's 3/m is only the large-m asymptote
    # the exact-value reading of 3/m is rejected by the same rule
    as_exact = Form(text="3/m", numeric=lambda n, m, sigma: 3 / m)
    assert not _with(claim, derived=as_exact, printed=None).rule.run(_with(claim, derived=as_exact, printed=None), CTX).derived.passed
    off = Form(text="5% high", expr=claim.derived.expr * 1.05, numeric=lambda n, m, sigma: 1.05 * 3 / (m + 2))
    wrong = _with(claim, derived=off, printed=None)
    assert not wrong.rule.run(wrong, CTX).derived.passed


def test_noise_trend_has_power():
    claim = get_claim("training.noise_sparsity_trend")
    ev = claim.rule.run(claim, CTX)
    assert ev.derived.passed
    flipped = dataclasses.replace(claim.rule, laws=(("bipolar", 0), ("normal", +1)))
    assert not flipped.run(claim, CTX).derived.passed


def test_one_dominant_coordinate_rejects_099():
    claim = get_claim("training.one_dominant_coordinate")
    assert claim.rule.run(claim, CTX).derived.passed
    wrong = _with(claim, derived=Form(text="0.99", numeric=lambda: 0.99), printed=None)
    assert not wrong.rule.run(wrong, CTX).derived.passed


def test_polysemantic_count_reports_every_width_and_rule():
    claim = get_claim("training.polysemantic_count")
    ev = claim.rule.run(claim, CTX)
    assert [r["m"] for r in ev.rows] == list(T._SMALL_WIDTHS["quick"])
    for r in ev.rows:
        assert {"mean_window_rule", "mean_argmax_rule", "mean_threshold_rule", "derived", "printed"} <= set(r)
        assert r["ci_lo"] <= r["mean"] <= r["ci_hi"]
        # the paper's mechanism (initialisation only) is a diagnostic beside the forms, judged on the same interval
        assert r["init_only"] == pytest.approx(expected_polysemantic(16, r["m"]))
        assert r["init_only_ok"] == (r["ci_lo"] <= r["init_only"] <= r["ci_hi"])
    assert claim.derived.numeric(n=16, m=16) == pytest.approx(16 * 15 / (2 * 31))  # displacement, n(n-1)/(2(2m-1))
    # the margin tells the two forms apart: half their smallest relative gap over the widths (1.7 % at m = 16)
    assert ev.margin.value == pytest.approx((4 / (240 / 62) - 1) / 2)
    # power: a count twice the exact expectation is rejected at some width
    wrong = _with(claim, derived=Form(text="2x", numeric=lambda n, m: 2 * expected_polysemantic(n, m)), printed=None)
    assert not wrong.rule.run(wrong, CTX).derived.passed


def test_initial_argmax_wins_runs():
    claim = get_claim("training.initial_argmax_wins")
    ev = claim.rule.run(claim, CTX)
    assert ev.derived.passed and ev.derived.conclusive
    # the printed sentence ("the most likely to win") is its own test: rank 1 against every other rank
    assert ev.printed is not ev.derived and ev.printed.conclusive
    assert ev.printed.summary != ev.derived.summary
    assert all(0 <= r["p_rank1"] <= 1 and r["p_rank1"] > r["p_rank2"] for r in ev.rows)
    assert all(r["diff_best_other"] <= r["diff_runner_up"] for r in ev.rows)


def test_full_only_claims_are_registered_out_of_quick():
    for cid in ("training.fig3_polysemantic", "training.noise_kurtosis_sign"):
        assert get_claim(cid).suites == frozenset({"full"})


@pytest.mark.slow
def test_kurtosis_sign_full():
    claim = get_claim("training.noise_kurtosis_sign")
    ev = claim.rule.run(claim, dataclasses.replace(CTX, mode="full"))
    assert ev.derived.passed, ev.derived.summary


def _draw(ev):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ev.plot(ax)
    assert ax.lines or ax.collections or ax.images
    plt.close(fig)


def test_fig4_trajectories_pass_and_flipped_expectations_fail():
    claim = get_claim("training.fig4_trajectories")
    ev = claim.rule.run(claim, CTX)
    assert ev.derived.passed, ev.derived.summary
    assert ev.printed is not ev.derived
    # 2 bipolar steps and 3 normal levels, for each form
    assert len(ev.rows) == claim.rule.planned_comparisons(claim, "quick") == 10
    _draw(ev)
    # power: "bipolar has no effect" is rejected (the effect lies far outside the equivalence band),
    # and "normal noise sparsifies" never holds (its interval contains 0)
    assert not dataclasses.replace(claim.rule, bipolar_sign=0).run(claim, CTX).derived.passed
    up = dataclasses.replace(claim.rule, normal_sign=+1).run(claim, CTX).derived
    assert not (up.passed and up.conclusive)


def test_fig5_final_fourth_norm_passes_and_rejects_3_over_m_as_exact():
    claim = get_claim("training.fig5_final_fourth_norm")
    ev = claim.rule.run(claim, CTX)
    assert ev.derived.passed, ev.derived.summary
    assert len(ev.rows) == claim.rule.planned_comparisons(claim, "quick")
    _draw(ev)
    # the paper's 3/m line read as the exact value for normal noise (12.5% high at m = 16) never holds:
    # its "no effect" is judged within 5% of the reference, which the measured offset exceeds
    wrong = dataclasses.replace(claim.rule, normal_reference=lambda m: 3 / m).run(claim, CTX).derived
    assert not (wrong.passed and wrong.conclusive)


def test_stuck_pairs_counts_signs():
    W = np.array([[1.0, 0, 0, 0], [0, 1.0, 0, 0], [-0.4, -0.4, 0.3, 0.3]])
    assert R._stuck_pairs(W) == (2, 0, 1)
    W[2, :2] *= -1  # same signs as the winners: counted as such
    assert R._stuck_pairs(W) == (0, 2, 1)
    W[2, 0] = 0.01  # below 0.1 * max|W_2|: not significant
    assert R._stuck_pairs(W) == (0, 1, 1)


def test_fig7_stuck_rows_sign_rule():
    claim = get_claim("training.fig7_stuck_rows")
    ev = claim.rule.run(claim, CTX)
    assert ev.derived.passed, ev.derived.summary
    r = ev.rows[0]
    assert r["pairs"] == r["opposite"] + r["same"] > 0 and r["ci_lo"] > 0.5
    assert ev.printed.passed == (r["same"] == 0)
    _draw(ev)
