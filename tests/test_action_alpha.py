"""'Their average action ... is proportional to the decay factor alpha' (paper 2, §2 before eq. 4):
the derived dependence of the action on alpha, and the claim `spectra.action_alpha_proportional`."""

from __future__ import annotations

import dataclasses

import mpmath
import pytest
import sympy as sp

from polyverify.claim import Context
from polyverify.identity import check_identity
from polyverify.registry import get_claim
from polyverify.runner import run
from polyverify.theory import spectra as tsp

CTX = Context(seed=0, mode="quick", device="cpu", delta=1e-3)
CLAIM_ID = "spectra.action_alpha_proportional"


@pytest.mark.parametrize("step", tsp.action_alpha_derivation(), ids=lambda s: s[0])
def test_derivation_steps_hold(step):
    label, lhs, rhs = step
    res = check_identity(lhs, rhs, domain={"alpha": (-2.5, -0.3), "rho": (0.0, 0.99)})
    assert res, f"{label}: {res.status} ({res.reason})"


def _direct_sum(a: mpmath.mpf, m: int) -> mpmath.mpf:
    return mpmath.fsum(mpmath.mpf(q) ** a for q in range(1, m + 1))


@pytest.mark.parametrize("alpha,m", [(-0.3, 64), (-1.0, 64), (-2.5, 64), (-0.7, 1000), (-1.5, 10)])
def test_elasticity_is_the_log_log_slope_of_the_direct_sum(alpha, m):
    """The registered slope alpha sum i^alpha ln i / sum i^alpha against a central difference of
    ln sum_{i<=m} i^alpha in ln|alpha|, summed term by term at 40 digits: step h = 1e-5 leaves a
    truncation error of order h^2 = 1e-10 (the slope's third derivative is of order 1 here)."""
    f = sp.lambdify((tsp.alpha, tsp.m), tsp.ACTION_ALPHA_ELASTICITY, "mpmath")
    with mpmath.workdps(40):
        h = mpmath.mpf("1e-5")
        u = mpmath.log(-mpmath.mpf(alpha))
        up, dn = -mpmath.exp(u + h), -mpmath.exp(u - h)
        slope = (mpmath.log(_direct_sum(up, m)) - mpmath.log(_direct_sum(dn, m))) / (2 * h)
        want = f(mpmath.mpf(alpha), m)
    assert float(abs(slope - want)) < 1e-8
    assert want < 0  # the action falls as |alpha| grows


def test_verdict_erratum_printed_rejected_by_its_slope():
    rep = run(mode="quick", seed=0, claims=[get_claim(CLAIM_ID)], device="cpu")
    (res,) = rep.results
    assert res["verdict"] == "erratum", res["reason"]
    ev = res["evidence"]
    assert not ev["printed"]["passed"] and ev["derived"]["passed"]
    rows = [r for r in ev["rows"] if r.get("check") == 2]
    assert len(rows) == 6
    means = [r["mc_mean"] for r in rows]
    assert means == sorted(means, reverse=True)  # measured: the action falls along the grid of |alpha|
    assert all(0.9 < r["ratio_derived"] < 1.1 for r in rows)


def test_the_printed_constant_does_not_decide():
    """Whatever c the proportionality takes, its slope (1) is rejected: here c is 10 times the one the
    claim uses."""
    claim = get_claim(CLAIM_ID)
    scaled = dataclasses.replace(claim, printed=dataclasses.replace(
        claim.printed, numeric=lambda abs_alpha, m, n_frames, rho: 10 * claim.printed.numeric(
            abs_alpha=abs_alpha, m=m, n_frames=n_frames, rho=rho)))
    ev = claim.rule.rules[1].run(scaled, CTX)
    assert not ev.printed.passed and "form 1.0000 (outside)" in ev.printed.summary


def test_a_wrong_derived_dependence_is_caught():
    """The check can fail: an action falling like sum i^alpha times |alpha|^0.3 (slope off by 0.3) is rejected."""
    claim = get_claim(CLAIM_ID)
    bad = dataclasses.replace(claim, derived=dataclasses.replace(
        claim.derived, numeric=lambda abs_alpha, m, n_frames, rho: abs_alpha**0.3 * claim.derived.numeric(
            abs_alpha=abs_alpha, m=m, n_frames=n_frames, rho=rho)))
    ev = claim.rule.rules[1].run(bad, CTX)
    assert not ev.derived.passed
