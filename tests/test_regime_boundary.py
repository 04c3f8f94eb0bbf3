"""Paper 1's three-regime law across its first boundary tau = lam sqrt(m) t = 1, and the regime-1
plateau constant (claim `sparsity.regime_boundary`, theory.sparsity.REGIME1_PLATEAU)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from polyverify.claim import Context
from polyverify.identity import check_identity
from polyverify.numerics.sparsify import gaussian_init
from polyverify.registry import get_claim
from polyverify.runner import run
from polyverify.theory import sparsity as th

CTX = Context(seed=0, mode="quick", device="cpu", delta=1e-3)
CLAIM_ID = "sparsity.regime_boundary"


@pytest.mark.parametrize("step", th.regime1_plateau_derivation(), ids=lambda s: s[0])
def test_plateau_derivation_steps_hold(step):
    label, lhs, rhs = step
    res = check_identity(lhs, rhs, domain={"b": (0.01, 8.0), "N_2": (0.1, 1.0)})
    assert res, f"{label}: {res.status} ({res.reason})"


def test_plateau_constant_against_a_gaussian_row():
    """||w||_1 / (sqrt(m) ||w||) of one Gaussian row of m = 1e6 weights is sqrt(2/pi): its relative
    standard deviation is sqrt(1 - 2/pi)/sqrt(2/pi)/sqrt(m) = 7.6e-4, so 5e-3 is over 6 of them."""
    m_ = 10**6
    w = gaussian_init(m_, std=0.9 / math.sqrt(m_), rng=np.random.default_rng(7))
    got = np.abs(w).sum() / (math.sqrt(m_) * np.linalg.norm(w))
    want = float(th.REGIME1_PLATEAU.subs(th.N2, 1))
    assert want == pytest.approx(math.sqrt(2 / math.pi), rel=1e-15)
    assert got == pytest.approx(want, rel=5e-3)


def test_grid_straddles_the_boundary():
    from polyverify.claims import sparsity as cs

    for mode in ("quick", "full"):
        taus = [p["lam"] * math.sqrt(p["m"]) * p["t"] for p in cs._pts_boundary(mode)]
        assert min(taus) < 1 < max(taus)
        assert any(abs(x - 1) < 1e-12 for x in taus), taus


def test_verdict_and_the_worst_point_of_the_printed_curve():
    rep = run(mode="quick", seed=0, claims=[get_claim(CLAIM_ID)], device="cpu")
    (res,) = rep.results
    assert res["verdict"] == "verified", res["reason"]
    rows = [r for r in res["evidence"]["rows"] if r.get("check") == 2]
    ratios = [r["sim_min"] / r["printed"] for r in rows]
    worst = int(np.argmin(ratios))
    tau = rows[worst]["lam"] * math.sqrt(rows[worst]["m"]) * rows[worst]["t"]
    assert tau == pytest.approx(1.0) and 0.5 < ratios[worst] < 0.55  # the kink: a factor 1.93, just inside 2


def test_a_derived_curve_two_percent_off_is_rejected():
    """The check can fail: the m -> oo curve scaled by 1.02 leaves the derived ratio bound 1.0075."""
    claim = get_claim(CLAIM_ID)
    bad = dataclasses.replace(claim, derived=dataclasses.replace(
        claim.derived, numeric=lambda m, lam, t: 1.02 * claim.derived.numeric(m=m, lam=lam, t=t)))
    ev = claim.rule.rules[1].run(bad, CTX)
    assert not ev.derived.passed


def test_a_printed_constant_of_one_third_is_rejected():
    """And the printed side: with constants 1/3 the plateau (0.72-0.74 sqrt(m)) is more than twice the
    printed curve, outside the Theta constant 2."""
    claim = get_claim(CLAIM_ID)
    bad = dataclasses.replace(claim, printed=dataclasses.replace(
        claim.printed, numeric=lambda m, lam, t: th.regime_law_printed(m=m, lam=lam, t=t) / 3))
    ev = claim.rule.rules[1].run(bad, CTX)
    assert not ev.printed.passed
