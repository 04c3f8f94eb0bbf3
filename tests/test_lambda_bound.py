"""The lambda bound of paper 1 §2.1 (claim `sparsity.lambda_bound`): the critical lam sqrt(m) beyond which
every weight dies, its proven bracket, the large-m constant, the brute-force cross-check, and power."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from polyverify.claim import Context, Form
from polyverify.identity import check_identity
from polyverify.numerics.sparsify import critical_lambda, gaussian_init, survives
from polyverify.registry import get_claim
from polyverify.runner import run
from polyverify.theory import sparsity as th

CTX = Context(seed=0, mode="quick", device="cpu", delta=1e-5)
CLAIM_ID = "sparsity.lambda_bound"


@pytest.mark.parametrize("step", th.extinction_derivation(), ids=lambda s: s[0])
def test_extinction_derivation_steps_hold(step):
    label, lhs, rhs = step
    res = check_identity(lhs, rhs)
    assert res, f"{label}: {res.status} ({res.reason})"


def test_shift_constant():
    assert float(th.EXTINCTION_SHIFT.subs(th._c, 1)) == pytest.approx(2 / 3 * math.sqrt(2 / math.pi), rel=1e-15)


@pytest.mark.parametrize("m, seed", [(30, 0), (300, 1), (3000, 2)])
def test_critical_value_inside_the_proven_bracket(m, seed):
    """(1 - |w0|^2) max|w0| <= lam_c <= max|w0| (theory.sparsity.extinction_derivation, steps 1-2)."""
    w0 = gaussian_init(m, std=0.9 / math.sqrt(m), rng=np.random.default_rng(seed))
    assert float(w0 @ w0) < 1
    lo, hi = critical_lambda(w0, rtol=1e-3)
    top = float(np.max(np.abs(w0)))
    assert (1 - float(w0 @ w0)) * top <= lo < hi <= top


@pytest.mark.parametrize("m, seed", [(20, 3), (120, 4)])
def test_brute_force_agrees_with_the_reduced_flow_at_the_bracket(m, seed):
    w0 = gaussian_init(m, std=0.9 / math.sqrt(m), rng=np.random.default_rng(seed))
    lo, hi = critical_lambda(w0, rtol=1e-4)
    assert survives(w0, lo, method="full", t_max=60.0) and not survives(w0, hi, method="full", t_max=60.0)


def test_printed_bound_is_not_sufficient_at_small_m():
    """At m = 10 and c = 0.9 some inits lose every weight at lam = 1/sqrt(m) (seeds 0 and 1)."""
    m = 10
    dies = [not survives(gaussian_init(m, std=0.9 / math.sqrt(m), rng=np.random.default_rng(s)), 1 / math.sqrt(m))
            for s in range(5)]
    assert dies == [True, True, False, False, True] or sum(dies) >= 2


def test_large_m_prediction_against_bisection():
    """At m = 1e5 the m -> oo prediction ell J(ell) = c M is within 0.1% of the bisection; the leading
    form c M - 0.53 c^3 within 2.5% (its O(1/ell) remainder)."""
    m, c = 10**5, 0.9
    w0 = gaussian_init(m, std=c / math.sqrt(m), rng=np.random.default_rng(0))
    lo, hi = critical_lambda(w0, rtol=1e-5)
    meas = 0.5 * (lo + hi) * math.sqrt(m)
    top = float(np.max(np.abs(w0))) * math.sqrt(m) / c
    assert th.critical_ell(top, c) == pytest.approx(meas, rel=1e-3)
    assert float(th.critical_ell_asymptotic(top, c)) == pytest.approx(meas, rel=2.5e-2)
    assert meas > 3.0  # the printed boundary 1 is off by a factor > 3


def test_halfnormal_max_mean_grows_like_sqrt_2_ln_2m():
    vals = [th.halfnormal_max_mean(10**k) / math.sqrt(2 * math.log(2 * 10**k)) for k in (2, 4, 6)]
    assert vals[0] < vals[1] < vals[2] < 1.0 and vals[2] > 0.9


def test_verdict_erratum_with_the_derived_value_holding():
    rep = run(mode="quick", seed=0, claims=[get_claim(CLAIM_ID)], device="cpu")
    (res,) = rep.results
    assert res["verdict"] == "erratum", res["reason"]
    ev = res["evidence"]
    assert ev["derived"]["passed"] and not ev["printed"]["passed"]
    rows = [r for r in ev["rows"] if r.get("check") == 2 and r.get("judged")]
    assert rows and all(r["printed_yes_below"] and r["printed_yes_above"] for r in rows)  # sufficient, not necessary
    assert all(r["ell_lo"] > 1.5 for r in rows)


def test_a_derived_value_five_percent_high_is_rejected():
    claim = get_claim(CLAIM_ID)
    from polyverify.claims import sparsity as cs

    bad = dataclasses.replace(claim, derived=Form(text="5% high", numeric=lambda **p: 1.05 * cs._lb_derived(**p)))
    ev = claim.rule.rules[1].run(bad, CTX)
    assert not ev.derived.passed and "still 'yes' above" not in ev.derived.summary


def test_a_derived_value_five_percent_low_is_rejected():
    claim = get_claim(CLAIM_ID)
    from polyverify.claims import sparsity as cs

    bad = dataclasses.replace(claim, derived=Form(text="5% low", numeric=lambda **p: 0.95 * cs._lb_derived(**p)))
    ev = claim.rule.rules[1].run(bad, CTX)
    assert not ev.derived.passed and "still 'yes' above" in ev.derived.summary
