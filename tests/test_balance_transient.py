"""When the balance condition of paper 1 §2.4 starts to hold (claim `sparsity.balance_transient`): the
exact relaxation, the Riccati transient, the derived times, and the check's power."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from polyverify.claim import Context, Form
from polyverify.identity import check_identity
from polyverify.registry import get_claim
from polyverify.runner import run
from polyverify.theory import sparsity as th

CTX = Context(seed=0, mode="quick", device="cpu", delta=1e-5)
CLAIM_ID = "sparsity.balance_transient"


@pytest.mark.parametrize("step", th.balance_transient_derivation(), ids=lambda s: s[0])
def test_transient_derivation_steps_hold(step):
    label, lhs, rhs = step
    res = check_identity(lhs, rhs)
    assert res, f"{label}: {res.status} ({res.reason})"


def test_first_order_curve_tracks_the_large_m_limit_including_tau_below_one():
    """The Riccati transient + lag (constant lag: tau << 1) is within 12% of the m -> oo curve of r for
    tau in [0.01, 0.3]; later the lag falls with s_b (the curve is then below the first-order value)."""
    from polyverify.claims import sparsity as cs

    taus = np.array([x for x in cs._BT_TAUS if x <= 0.3])
    lim = cs._bt_limit(taus)
    approx = th.balance_rel_error_first_order(taus / cs._BT_ELL, ell=cs._BT_ELL, c=cs._BT_C)
    assert np.all(np.abs(approx / lim - 1) < 0.12)
    assert np.all(th.balance_rel_error_lower(taus / cs._BT_ELL, ell=cs._BT_ELL, c=cs._BT_C) <= lim)


def test_times_bracket_the_crossing_of_the_limit_curve():
    from polyverify.claims import sparsity as cs

    for eps in (0.05, 0.03):  # eps above the lag bound s_b/2 = 0.02 at lam sqrt(m) = 0.05
        t_lo, t_hi = th.balance_times(eps, ell=cs._BT_ELL, c=cs._BT_C)
        r = cs._bt_limit(np.array([t_lo, t_hi]) * cs._BT_ELL)
        assert r[0] > eps > r[1] and t_lo < t_hi
        assert t_hi * cs._BT_ELL < 0.2  # well before the regime boundary tau = 1
    t_lo, t_hi = th.balance_times(0.05, ell=cs._BT_ELL, c=cs._BT_C)
    assert t_hi - t_lo < 0.6


def test_times_need_eps_above_the_lag():
    with pytest.raises(ValueError, match="lag"):
        th.balance_times(0.01, ell=0.1, c=0.9)


def test_verdict_erratum_printed_rejected_in_the_transient_only():
    rep = run(mode="quick", seed=0, claims=[get_claim(CLAIM_ID)], device="cpu")
    (res,) = rep.results
    assert res["verdict"] == "erratum", res["reason"]
    rows = [r for r in res["evidence"]["rows"] if r.get("check") == 3]
    ell = rows[0]["tau"] / rows[0]["t"]
    _, t_hi = th.balance_times(0.01, ell=ell, c=0.9)
    late = [r for r in rows if r["t"] >= t_hi]
    assert late and all(abs(r["rel_err"]) <= 0.01 for r in late)  # the printed form holds after the transient
    assert any(r["rel_err"] > 1 for r in rows if r["tau"] < 1)


def test_a_derived_time_too_early_is_rejected():
    """Claiming the balance holds to eps from t_hi/2 on fails inside the transient."""
    from polyverify.claims import sparsity as cs

    claim = get_claim(CLAIM_ID)

    def early(t, ell, c):
        out = {}
        for e in cs._BT_EPS:
            _, t_hi = th.balance_times(e, ell=ell, c=c)
            if t >= t_hi / 2:
                out[f"rel_err_{e:g}"] = (0.0, e)
        return out

    bad = dataclasses.replace(claim, derived=Form(text="too early", numeric=early))
    ev = claim.rule.rules[2].run(bad, CTX)
    assert not ev.derived.passed


def test_a_limit_curve_two_percent_off_is_rejected(monkeypatch):
    from polyverify.claims import sparsity as cs

    claim = get_claim(CLAIM_ID)
    rule = dataclasses.replace(claim.rule.rules[1], limit=lambda x: 1.02 * cs._bt_limit(x))
    assert not rule.run(claim, CTX).derived.passed
    assert math.isfinite(rule.final_rtol)
