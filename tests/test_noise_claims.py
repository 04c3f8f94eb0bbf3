"""Noise topic, claims: verdicts of the quick suite and power checks of the custom rules."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import sympy as sp

from polyverify.theory import noise as th
from polyverify.claim import Context, Form, Verdict
from polyverify.claims import noise as cn
from polyverify.registry import get_claim, select
from polyverify.runner import run

ERRATA = {
    "noise.encoder_jacobian",
    "noise.fourth_moment_index_sum",
    "noise.main_text_term",
    "noise.norm_sq_first_order",
    "noise.xi_prime_part",
    "noise.fourth_norm_drift",  # the drift is order eta^2; the regulariser read as a descended loss has no eta^2 term
}
# claims that take seconds (projected descent, large Monte Carlo of real SGD steps)
# run in the slow tier only
SLOW = {"noise.sparsity_sign", "noise.unit_fourth_norm", "noise.expected_norm_sq"}

CTX = Context(seed=0, mode="quick", device="cpu", delta=1e-5)


def _verdicts(claims):
    rep = run(mode="quick", seed=0, claims=claims, device="cpu")
    return {r["claim_id"]: (r["verdict"], r["reason"]) for r in rep.results}


def test_quick_claims_fast_tier():
    claims = [c for c in select("noise", suite="quick") if c.id not in SLOW]
    got = _verdicts(claims)
    for cid, (verdict, reason) in got.items():
        want = "erratum" if cid in ERRATA else "verified"
        assert verdict == want, f"{cid}: {verdict} ({reason})"


@pytest.mark.slow
def test_quick_claims_slow_tier():
    got = _verdicts([get_claim(c) for c in sorted(SLOW)])
    for cid, (verdict, reason) in got.items():
        assert verdict == Verdict.VERIFIED.value, f"{cid}: {verdict} ({reason})"


def test_expansion_order_rejects_a_wrong_coefficient():
    """A first-order term 5% off leaves an O(η) error: the slope rule must reject it."""
    claim = get_claim("noise.norm_sq_first_order")
    wrong_expr = -4 * th.eta * (2 * th.a + sp.Rational(105, 100) * th.a**2)
    f = sp.lambdify((th.a, th.eta), wrong_expr, "numpy")
    wrong = dataclasses.replace(claim, printed=Form(text="5% off", expr=wrong_expr, numeric=lambda a, s, eta: f(a, eta)))
    ev = wrong.rule.run(wrong, CTX)
    assert ev.derived.passed
    assert not ev.printed.passed
    assert all(not r["printed_ok"] for r in ev.rows)  # the numeric slope alone rejects it, not only the symbolic check


def test_monte_carlo_claims_reject_five_percent_off():
    claim = get_claim("noise.xi_only_leading")
    mc = claim.rule.rules[1]
    mc = dataclasses.replace(mc, trials=type(mc.trials)(400000, 400000), pinned=(
        {"law": "uniform", "scale": 1.0, "w": (0.8, -0.5, 0.3, 0.1)},), examples=type(mc.examples)(0, 0))
    off = Form(text="5% off", numeric=lambda **p: 1.05 * cn._lead_form(**p))
    c = dataclasses.replace(claim, printed=off, rule=mc)
    ev = mc.run(c, CTX)
    assert ev.derived.passed and not ev.printed.passed


def test_sparsity_drift_rejects_a_wrong_prediction():
    """Predicting 'toward sparsity' for Laplace noise (κ = 3) must fail; the true prediction must pass."""
    claim = get_claim("noise.sparsity_sign")
    rule = dataclasses.replace(claim.rule, cases=lambda mode: [{"law": "laplace", "scale": 1.0}])
    wrong = Form(text="always toward sparsity", numeric=lambda **_: 1)
    c = dataclasses.replace(claim, printed=wrong, rule=rule)
    ev = rule.run(c, CTX)
    assert ev.derived.passed and not ev.printed.passed
    assert ev.rows[0]["mean_change"] < 0


def test_quick_budget_and_printed_forms_quote_the_paper():
    claims = select("noise", suite="quick")
    assert len(claims) >= 15
    for c in claims:
        if c.printed is not None:
            assert c.printed.text.strip()
    # every erratum shows a printed form
    assert all(get_claim(cid).printed is not None for cid in ERRATA)


def test_user_law_is_computed_not_typed():
    law = cn.user_law(2.0)
    assert law.sigma2 == sp.Rational(4, 5)
    assert np.isclose(float(law.excess_kurtosis), -6 / 7)
