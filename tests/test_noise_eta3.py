"""App. C.2's O(η³) remainder: the closed form of E[a⁴||ξ||²] and of the η³ coefficient, the exact
bipolar expectation of a real step, the RemainderCoefficient rule and the two claims."""

from __future__ import annotations

import dataclasses

import matplotlib
import numpy as np
import pytest
import sympy as sp
from polyverify.claim import Budget, Context, Form
from polyverify.numerics import noisy_step as ns
from polyverify.registry import get_claim
from polyverify.runner import run
from polyverify.theory import noise as th
from polyverify.theory import noise_laws as nl
from polyverify.theory.symbols import m, mu4, sigma

matplotlib.use("Agg")


CTX = Context(seed=0, mode="quick", device="cpu", delta=1e-5)


# ------------------------------------------------------------------ theory


@pytest.mark.parametrize("derivation", [th._a4_norm_xi_derivation, th._eta3_coefficient_derivation])
def test_derivation_steps_are_identities(derivation):
    for label, lhs, rhs in derivation():
        assert sp.simplify(sp.expand(lhs - rhs)) == 0, label


def test_eta3_coefficient_bipolar_and_gaussian():
    c3 = th.XI_ONLY_ETA3_COEFFICIENT
    assert sp.simplify(c3.subs({mu4: sigma**4, th.mu6: sigma**6}) - th.XI_ONLY_ETA3_BIPOLAR) == 0
    # normal noise: rotation invariant, so no q_4 left; E[a^4 s] = (3m + 12) sigma^6 on a unit row
    gauss = sp.expand(c3.subs({mu4: 3 * sigma**4, th.mu6: 15 * sigma**6}))
    assert th.q4 not in gauss.free_symbols
    assert sp.simplify(gauss + 32 * (36 * sigma**4 + (3 * m + 12) * sigma**6)) == 0
    a4s = th.A4_NORM_XI.subs({mu4: 3 * sigma**4, th.mu6: 15 * sigma**6})
    assert sp.simplify(a4s - (3 * m + 12) * sigma**6 * th.w2**2) == 0


@pytest.mark.parametrize(("ctor", "mu6"), [(nl.bipolar, sigma**6), (nl.uniform, sp.Rational(27, 7) * sigma**6),
                                           (nl.normal, 15 * sigma**6), (nl.laplace, 90 * sigma**6)])
def test_sixth_moments_are_computed(ctor, mu6):
    assert sp.simplify(ctor().mu6 - mu6) == 0


def test_sixth_moment_of_the_user_law():
    from polyverify.claims import noise as cn

    assert sp.nsimplify(cn.user_law(2.0).mu6) == sp.Rational(64, 21)  # c^6 / 21


# ------------------------------------------------------------------ numerics


def test_bipolar_patterns():
    xi = ns.bipolar_patterns(3, 0.5)
    assert xi.shape == (8, 3)
    assert {tuple(r) for r in xi} == {(a, b, c) for a in (-0.5, 0.5) for b in (-0.5, 0.5) for c in (-0.5, 0.5)}
    with pytest.raises(ValueError, match="m <= 20"):
        ns.bipolar_patterns(21, 1.0)


def test_bipolar_step_expectation_is_the_average_over_patterns():
    W = ns.interference_free_weights(3, 4, 1, np.random.default_rng(3))
    xi = ns.bipolar_patterns(4, 0.2)
    by_hand = np.mean([(np.sum(ns.tied_sgd_step(W, 1, x[None, :], 0.05).W_next[0, 1] ** 2) - 1) ** 2 for x in xi])
    got = ns.bipolar_step_expectation(W, 1, 0.2, 0.05, lambda r: (np.sum(r.W_next[:, 1, :] ** 2, axis=1) - 1) ** 2)
    assert got == pytest.approx(by_hand, rel=1e-13)
    with pytest.raises(ValueError, match="ReLU states"):
        ns.bipolar_step_expectation(W, 1, 2.0, 0.05, lambda r: r.loss)
    with pytest.raises(ValueError, match="one value per pattern"):
        ns.bipolar_step_expectation(W, 1, 0.2, 0.05, lambda r: r.loss[:2])


def test_exact_expectation_is_a_quartic_in_eta():
    """The update is linear in η, so E[(||W'||²−1)²] is a polynomial of degree 4: its fifth finite
    difference on an equispaced grid vanishes to rounding (the simulation knows nothing of this)."""
    W = ns.interference_free_weights(2, 5, 0, np.random.default_rng(4))
    etas = 0.01 * np.arange(1, 7)
    q = np.array([ns.bipolar_step_expectation(W, 0, 0.3, e, lambda r: (np.sum(r.W_next[:, 0, :] ** 2, axis=1) - 1) ** 2)
                  for e in etas])
    assert abs(np.diff(q, 5)[0]) < 1e-14 * np.abs(q).max() * 2**5 * 10
    assert abs(np.diff(q, 4)[0]) > 1e-9  # but not a cubic


def test_a4_norm_xi_closed_form_matches_enumeration():
    w = np.array([0.3, -0.7, 0.2, 0.5])
    f = sp.lambdify((th.w2, th.q4, m, sigma, mu4, th.mu6), th.A4_NORM_XI)
    for amp in (0.1, 0.6):
        exact = ns.bipolar_expectation(w, amp, lambda a, s: a**4 * s)
        assert f(np.sum(w**2), np.sum(w**4), 4, amp, amp**4, amp**6) == pytest.approx(exact, rel=1e-12)


# ------------------------------------------------------------------ the rule


def test_rule_validates_its_grid():
    claim = get_claim("noise.eta3_remainder")
    rc = claim.rule.rules[1]
    with pytest.raises(ValueError, match="ratio <= 1/2"):
        dataclasses.replace(rc, etas=(1e-2, 8e-3, 6e-3))
    with pytest.raises(ValueError, match="judge"):
        dataclasses.replace(rc, judge={"derived": "slope"})


def _remainder_claim(**forms):
    claim = get_claim("noise.eta3_remainder")
    rc = dataclasses.replace(claim.rule.rules[1], examples=Budget(2, 2))
    return dataclasses.replace(claim, rule=rc, **forms), rc


def test_rule_rejects_a_coefficient_five_percent_off():
    claim = get_claim("noise.eta3_remainder")
    off = Form(text="5% off", numeric=lambda **p: 1.05 * claim.derived.numeric(**p))
    c, rc = _remainder_claim(derived=off)
    ev = rc.run(c, CTX)
    assert not ev.derived.passed
    assert ev.printed.passed  # the printed order statement is judged on its own


def test_rule_rejects_a_truncation_that_misses_an_eta2_term():
    """16η²E[a⁴] without the 4σ² part leaves an η² remainder: slope 2, not at least 3."""
    claim = get_claim("noise.eta3_remainder")
    eta2 = claim.printed.numeric

    def missing(**p):
        s2 = p["scale"] ** 2
        return eta2(**p) - 64 * p["eta"] ** 2 * s2

    c, rc = _remainder_claim(printed=Form(text="no 4 sigma^2", numeric=missing))
    ev = rc.run(c, CTX)
    assert not ev.printed.passed and ev.derived.passed
    assert all(abs(r["printed_slope"] - 2) < 0.01 for r in ev.rows)


def test_rule_accepts_a_better_truncation_as_order_three():
    """The η² term plus the derived η³ term leaves O(η⁴): slope 4 >= 3, so 'O(η³)' still holds."""
    claim = get_claim("noise.eta3_remainder")
    eta2, c3 = claim.printed.numeric, claim.derived.numeric
    c, rc = _remainder_claim(printed=Form(text="through eta^3", numeric=lambda **p: eta2(**p) + c3(**p) * p["eta"] ** 3))
    ev = rc.run(c, CTX)
    assert ev.printed.passed
    assert all(abs(r["printed_slope"] - 4) < 0.05 for r in ev.rows)
    import matplotlib.pyplot as plt

    fig = plt.figure()
    ev.plot(fig.add_subplot())
    plt.close(fig)


# ------------------------------------------------------------------ the claims


def test_claims_verified_with_resolution():
    rep = run(mode="quick", seed=0, claims=[get_claim("noise.eta3_remainder")], device="cpu")
    (r,) = rep.results
    assert r["verdict"] == "verified", r["reason"]
    c = get_claim("noise.eta3_remainder")
    ev = c.rule.run(c, CTX)
    assert ev.printed is not ev.derived
    assert ev.derived.resolution < 1e-3 and ev.printed.resolution < 1e-3
    assert all(abs(row["printed_slope"] - 3) < 0.01 for row in ev.rows if "printed_slope" in row)


def test_a4_norm_xi_exact_parts():
    c = get_claim("noise.a4_norm_xi")
    for rule in c.rule.rules[:2]:  # symbolic steps and bipolar enumeration (the Monte Carlo runs in the suite)
        ev = rule.run(c, CTX)
        assert ev.derived.passed and ev.derived.resolution is not None and ev.derived.resolution <= 2e-9  # rtol 1e-9 + atol 1e-14
