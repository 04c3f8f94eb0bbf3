"""Eq. 1's large-H approximation R = 1 - S (paper 2, main text §2): its relative error, derived and
measured, and the claim `coding.eq1_relative_error` that flags where it exceeds the stated size."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import sympy as sp

from polyverify.claim import Context
from polyverify.identity import check_identity
from polyverify.numerics import channels as ch
from polyverify.registry import get_claim
from polyverify.runner import run
from polyverify.theory import coding as tc
from polyverify.theory.symbols import H, S

CTX = Context(seed=0, mode="quick", device="cpu", delta=1e-5)
CLAIM_ID = "coding.eq1_relative_error"


@pytest.mark.parametrize("step", tc.compression_rate_error_steps(), ids=lambda s: s[0])
def test_derivation_steps_hold(step):
    label, lhs, rhs = step
    res = check_identity(lhs, rhs, domain={"S": (0.01, 0.99), "H": (0.5, 64.0), "rho": (0.01, 0.5)})
    assert res, f"{label}: {res.status} ({res.reason})"


def test_relative_error_matches_eq1_at_40_digits():
    err = tc.COMPRESSION_RATE_RELATIVE_ERROR
    for s_, h_ in ((0.1, 16), (0.5, 32), (0.99, 32), (0.999, 8)):
        r = tc.compression_rate(s_, h_)
        want = sp.N(err.subs({S: sp.Float(s_, 40), H: h_}), 40)
        assert abs(float(want) - (r - (1 - s_)) / r) < 1e-12


def test_min_entropy_is_where_the_error_reaches_rho():
    f = sp.lambdify((S, tc.rho), tc.COMPRESSION_RATE_MIN_ENTROPY)
    g = sp.lambdify((S, H), tc.COMPRESSION_RATE_RELATIVE_ERROR)
    for s_ in (0.1, 0.5, 0.9):
        for rho in (0.01, 0.05, 0.2):
            h_min = f(s_, rho)
            assert g(s_, h_min) == pytest.approx(rho, rel=1e-12)
            assert g(s_, 1.01 * h_min) < rho < g(s_, 0.99 * h_min)  # falls with H: a threshold, not a point


def test_grouped_entropy_equals_the_full_enumeration():
    """The 32-bit points sum the sparsified law group by group; at 16 bits that must equal the
    symbol-by-symbol enumeration of numerics.channels."""
    from polyverify.claims import coding as cc

    for s_ in (0.01, 0.3, 0.9):
        law = np.zeros((1 << 16) + 1)
        law[1:] = 2.0**-16
        full = ch.sparsified_entropy(law, s_, 1)
        grouped = cc._grouped_entropy(np.array([s_, (1 - s_) * 2.0**-16]), np.array([1.0, 2.0**16]))
        assert grouped == pytest.approx(full, rel=1e-12)


def _judged():
    claim = get_claim(CLAIM_ID)
    ev = claim.rule.rules[1].run(claim, CTX)  # the deterministic match against the exact R
    return claim, ev


def test_flags_are_the_printed_forms_failures():
    """A point is flagged (relative error above the stated size) exactly where the printed
    R = 1 - S is rejected, and the measured error is the derived one."""
    from polyverify.claims import coding as cc

    _, ev = _judged()
    flag = f"exceeds_{cc._EQ1_RHO:g}"
    assert ev.rows
    for r in ev.rows:
        assert r[flag] == (not r["printed_ok"]), r
        assert r["derived_ok"], r
        assert r["rel_error"] == pytest.approx(r["rel_error_derived"], rel=1e-9, abs=1e-12)
    assert any(r[flag] for r in ev.rows) and not all(r[flag] for r in ev.rows)
    # the paper's own examples: at S = 0.1 the approximation is within 5% at 16 and 32 bits, at S = 0.5 it is not
    by = {(r["bits"], round(r["S"], 6)): r for r in ev.rows}
    assert not by[(16, 0.1)][flag] and not by[(32, 0.1)][flag]
    assert by[(16, 0.5)][flag] and by[(32, 0.5)][flag]


def test_verdict_is_erratum_with_both_forms_judged_apart():
    rep = run(mode="quick", seed=0, claims=[get_claim(CLAIM_ID)], device="cpu")
    (res,) = rep.results
    assert res["verdict"] == "erratum", res["reason"]
    ev = res["evidence"]
    assert not ev["printed"]["passed"] and ev["derived"]["passed"]
    assert ev["printed"]["resolution"] == pytest.approx(0.05, rel=1e-6)  # the stated size
    assert ev["derived"]["resolution"] < 1e-6  # eq. 1 against the enumeration, to floating point


def test_a_wrong_derived_form_is_caught():
    """The check can fail: eq. 1 with h2(S)/(2H) in place of h2(S)/H is rejected."""
    claim, _ = _judged()
    bad = dataclasses.replace(claim, derived=dataclasses.replace(
        claim.derived, numeric=lambda bits, S: 1 - S + 0.5 * (tc.compression_rate(S, bits) - (1 - S))))
    ev = claim.rule.rules[1].run(bad, CTX)
    assert not ev.derived.passed
