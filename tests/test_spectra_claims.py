"""Spectra topic, claims: verdicts of the quick suite, power checks, figures, formula coverage."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from polyverify.claim import Context
from polyverify.claims import spectra as cs
from polyverify.registry import get_claim, select
from polyverify.rules.signed import _describe
from polyverify.runner import run
from polyverify.stats import rank_trend
from polyverify.theory import spectra as tsp

ERRATA = {
    "spectra.energy_trace_trick",  # 1/2 tr Sigma drops k/m (and the middle step is (k/2) tr Sigma)
    "spectra.action_eq4",  # the action is k/(2m) sum ||dA||^2, not sum lambda_k
    "spectra.eq4_zeta",  # sum lambda_k -> zeta(-alpha), not zeta(-alpha)/2
    "spectra.zeta_tail",  # the dropped tail is not negligible near alpha = -1
    "spectra.action_alpha_proportional",  # the action falls with |alpha| (slope about -1.4), not proportional (slope 1)
}

# resolution worse than the quick margin (5%): the dropout action's seed interval (about ±9%) and the
# Methods estimator's fit interval on synthetic spectra (about ±7%); the full suite sizes them further
INCONCLUSIVE = {"spectra.dropout_action", "spectra.power_law_fit"}

# printed = the paper's qualitative trends, measured; no derived direction
MEASURED = {"spectra.dropout_trends", "spectra.dropout_trends_conv"}

CTX = Context(seed=0, mode="quick", device="cpu", delta=1e-5)


def test_quick_claims():
    claims = select("spectra", suite="quick")
    rep = run(mode="quick", seed=0, claims=claims, device="cpu")
    got = {r["claim_id"]: (r["verdict"], r["reason"]) for r in rep.results}
    assert set(got) == {c.id for c in claims}
    for cid, (verdict, reason) in got.items():
        if cid in MEASURED:  # the printed trend is a measured result: it may be refuted, never the derived form fail
            # the library derives no direction, so a measured trend is never verified: at seed 0 the MLP's
            # run opposite to the paper's, the convolutional ones lean its way without significance
            assert verdict in ("refuted", "inconclusive"), f"{cid}: {verdict} ({reason})"
            continue
        want = "erratum" if cid in ERRATA else "inconclusive" if cid in INCONCLUSIVE else "verified"
        assert verdict == want, f"{cid}: {verdict} ({reason})"


def _with_derived(claim, numeric):
    return dataclasses.replace(claim, derived=dataclasses.replace(claim.derived, numeric=numeric))


def test_action_rule_rejects_5_percent_off():
    claim = get_claim("spectra.action_eq4")
    rule = claim.rule.rules[1]
    bad = _with_derived(claim, lambda **p: 1.05 * tsp.expected_action(cs.activations_for(**p), 3))
    assert not rule.run(bad, CTX).derived.passed


def test_energy_rule_rejects_5_percent_off():
    claim = get_claim("spectra.energy_trace_trick")
    rule = claim.rule.rules[1]
    bad = _with_derived(claim, lambda **p: 0.95 * tsp.expected_energy(cs.activations_for(**p), 3))
    assert not rule.run(bad, CTX).derived.passed


def test_tail_rule_would_accept_a_1_percent_claim_but_not_5():
    claim = get_claim("spectra.zeta_tail")
    bad = _with_derived(claim, lambda alpha, m: 1.05 * tsp.power_sum_asymptotic(alpha, m))
    assert not claim.rule.run(bad, CTX).derived.passed


def test_fit_recovery_rejects_a_shifted_exponent():
    claim = get_claim("spectra.power_law_fit")

    real = claim.rule.estimate

    def shifted(p, **kw):  # prescribe alpha but generate alpha - 0.1
        fit, extra = real(dict(p, alpha=p["alpha"] - 0.1), **kw)
        return fit, (p["alpha"], *extra[1:])

    rule = dataclasses.replace(claim.rule, estimate=shifted)
    ev = rule.run(claim, CTX)
    assert not ev.derived.passed
    _draws(ev)


def _draws(ev):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ev.plot(ax)
    assert ax.lines
    plt.close(fig)


def test_eq4_reference_is_zeta_free_and_accurate():
    for a in (-2.0, -1.05):
        assert cs._series_reference(a) == pytest.approx(tsp.power_sum(a), rel=1e-6)


def test_action_figure_draws():
    claim = get_claim("spectra.action_eq4")
    _draws(claim.rule.run(claim, CTX))


def test_rank_trend_detects_a_trend_and_stays_quiet_without_one():
    rng = np.random.default_rng(0)
    x = np.repeat([0.0, 0.2, 0.4, 0.8], 6)
    layer = np.tile([1, 2, 3], 8)
    strong = rank_trend(x, -x + 0.01 * rng.standard_normal(24), strata=layer, rng=rng, permutations=200_000)
    assert strong.rho < -0.9 and strong.p_neg < 1e-4 and strong.p_pos > 0.5
    assert strong.ci[0] <= strong.rho <= strong.ci[1]
    null = rank_trend(x, rng.standard_normal(24), strata=layer, rng=rng, permutations=200_000)
    assert min(null.p_neg, null.p_pos) > 1e-4  # a false alarm at this level has probability <= 2e-4
    # a stated direction is rejected only by a significantly opposite measurement, holds only when
    # significantly in its direction, and is otherwise inconclusive
    assert _describe("t", strong, -1, 1e-4)[1:] == (False, True)
    assert _describe("t", strong, +1, 1e-4)[1:] == (True, False)
    txt, rejected, holds = _describe("t", null, +1, 1e-4)
    assert not rejected and not holds and "inconclusive" in txt


def test_rank_trend_permutation_p_is_calibrated():
    """Under no association P(p <= 0.1) <= 0.1 (up to the binomial spread of 200 repetitions)."""
    rng = np.random.default_rng(1)
    x = np.arange(10.0)
    ps = [rank_trend(x, rng.standard_normal(10), rng=rng, permutations=2000, bootstrap=10).p_pos for _ in range(200)]
    # Binomial(200, 0.1): P(count > 35) < 1e-4
    assert sum(p <= 0.1 for p in ps) <= 35


def test_dropout_action_and_trends_quick_run_and_draw_all_panels():
    action = get_claim("spectra.dropout_action")
    ev_a = action.rule.run(action, CTX)
    assert ev_a.derived.passed, ev_a.derived.summary
    assert ev_a.derived.resolution is not None and ev_a.derived.resolution > 0
    claim = get_claim("spectra.dropout_trends")
    assert "quick" in claim.suites
    ev = claim.rule.run(claim, CTX)
    # the library states no direction: its form is never counted as holding
    assert ev.derived.resolution is None
    assert ev.printed is not None and "dropout_alpha" in ev.printed.summary and ev.printed is not ev.derived
    # the paper's direction is tested on its own: held only when significantly in its direction
    if "significantly in the stated direction" not in ev.printed.summary:
        assert ev.printed.resolution is None or not ev.printed.passed
    assert np.isfinite([r["action_mc"] for r in ev.rows]).all()
    assert {r["dropout"] for r in ev.rows} == {0.0, 0.2, 0.4, 0.8}
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ev.plot(ax)
    assert ax.lines and len(fig.axes) == 4 and all(a.lines for a in fig.axes)
    plt.close(fig)


def test_conv_trends_quick_run_one_row_per_network_and_draw_both_directions():
    claim = get_claim("spectra.dropout_trends_conv")
    assert "quick" in claim.suites
    ev = claim.rule.run(claim, CTX)
    assert ev.derived.resolution is None  # no derived direction: never counted as holding
    rows = ev.rows
    # one row per trained network: 5 rates x 3 seeds, each network's three layers side by side
    assert len(rows) == 15 and len({(r["dropout"], r["seed"]) for r in rows}) == 15
    assert {r["dropout"] for r in rows} == {0.0, 0.2, 0.4, 0.6, 0.8}
    for name in ("dropout_alpha_l1", "dropout_alpha_l2", "dropout_alpha_l3", "alpha_action"):
        assert name in ev.printed.summary
    assert np.isfinite([r["action_mean"] for r in rows]).all()
    # the paper's direction and the measured one are judged on their own, at the run's level
    if "OPPOSITE" in ev.printed.summary:
        assert not ev.printed.passed
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ev.plot(ax)
    assert len(fig.axes) == 4 and all(a.lines for a in fig.axes)
    texts = [t.get_text() for a in fig.axes for t in a.texts]
    assert sum(t.startswith("paper") for t in texts) == 2  # the paper's direction in both trend panels
    assert sum(t.startswith("measured") for t in texts) == 2  # beside the measured one
    assert "|rho| >" in ax.get_title()
    plt.close(fig)


def test_conv_summaries_by_rate_and_the_callable_rho():
    rows = [{"dropout": d, "seed": s, "a": -1.0 - d + 0.1 * s} for d in (0.0, 0.4) for s in range(3)]
    rows.append({"dropout": 0.8, "seed": 0, "a": float("nan")})
    got = cs.alpha_by_rate(rows, "a", (0.0, 0.4, 0.8))
    assert got[0][1] == pytest.approx(-0.9) and got[0][2] < -0.9 < got[0][3]
    assert got[1][1] == pytest.approx(-1.3)
    assert np.isnan(got[2][1])  # a rate with no measured network has no mean, no interval
    # Spearman's permutation null has variance 1/(n-1): z_{1-delta}/sqrt(n-1)
    assert cs.callable_rho(15, 2.5e-4) == pytest.approx(3.4807 / np.sqrt(14), rel=1e-4)
    assert cs.callable_rho(40, 1e-6) < cs.callable_rho(15, 1e-6)
    # the normal threshold matches the permutation test: a rho just above it is called
    rng = np.random.default_rng(3)
    x = np.repeat(np.arange(5.0), 8)
    t = rank_trend(x, -x + 0.9 * rng.standard_normal(40), rng=rng, permutations=200_000)
    if -t.rho > cs.callable_rho(40, 1e-4) + 0.05:
        assert t.p_neg < 1e-4


def test_every_spectra_formula_is_covered():
    from polyverify.theory.formulas import registered_formulas

    ids = {k for k in registered_formulas() if k.startswith("spectra.")}
    covered = {f for c in select("spectra", suite="full") for f in c.formulas}
    assert ids <= covered, ids - covered
