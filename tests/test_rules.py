"""The scaling-law rule: exact forms by slope interval, Θ forms with their stated slack, power."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from polyverify.claim import Budget, Claim, Context, Domain, Form, Source
from polyverify.rules import ScalingLaw

CTX = Context(seed=0, mode="quick", device="cpu", delta=1e-4)


def _poisson(params, *, rng, trials, device):
    # mean 3 x (1 + 1/x): not a pure power law, slope slightly below 1 on small x
    x = params["x"]
    return rng.poisson(3 * x * (1 + 1 / x), size=trials).astype(float)


def _claim(derived, printed, bound=4.0):
    rule = ScalingLaw(
        grid=lambda mode: [{"x": 2.0**k} for k in range(1, 8)],
        scale="x",
        simulate=_poisson,
        trials=Budget(quick=4000, full=4000),
        ratio_bound=bound,
    )
    return Claim(
        id="test.scaling",
        title="t",
        statement="s",
        source=Source(paper="incidental", section="§0"),
        printed=Form(text="Theta(x)", numeric=printed),
        derived=Form(text="3(x+1)", numeric=derived),
        domain=Domain(assumptions=("x > 0",)),
        rule=rule,
    )


def test_exact_and_theta_forms_pass():
    c = _claim(lambda x: 3 * (x + 1), lambda x: 2 * x)
    ev = c.rule.run(c, CTX)
    assert ev.derived.passed and ev.printed.passed


def test_wrong_exponent_fails_both_readings():
    # an exact form is held to the slope interval (0.2 off fails); a Θ form, whose constant is
    # free, to the slack 2 ln C / ln(range): here a wrong power (x^2 for x) fails
    c = _claim(lambda x: 3 * x**1.15, lambda x: x**2)
    ev = c.rule.run(c, CTX)
    assert not ev.derived.passed
    assert not ev.printed.passed


def test_exact_form_with_a_wrong_constant_term_fails():
    # 3(x + 2) has a visibly different slope on this grid; as an exact form it must fail
    c = _claim(lambda x: 3 * (x + 2), lambda x: x)
    assert not c.rule.run(c, CTX).derived.passed


def test_theta_constant_outside_the_bound_fails():
    c = _claim(lambda x: 3 * (x + 1), lambda x: x / 10, bound=4.0)
    assert not c.rule.run(c, CTX).printed.passed


# --- the catalogue, resolutions and forms from expressions ----------------------------------

def test_catalogue_exports_exactly_the_registered_rules():
    import polyverify.rules as R

    helpers = {"draw_examples", "Simulation", "registered_rules", "Relation", "Trend"}
    assert set(R.__all__) - helpers == set(R.registered_rules())
    for name in set(R.__all__) - helpers:
        assert callable(getattr(getattr(R, name), "run"))


def test_from_expr_is_one_lambdify_with_the_parameters_as_signature():
    import inspect

    import sympy as sp

    from polyverify.forms import from_expr

    x, y = sp.symbols("x y", positive=True)
    f = from_expr(x**2 / y, x, y, text="x^2/y")
    assert f.evaluate({"x": 3.0, "y": 2.0}) == 4.5
    assert f.expr == x**2 / y
    g = from_expr(x**2 / y, x, y, text="via inputs", inputs=lambda a, b: (a + 1, b))
    assert g.evaluate({"a": 2.0, "b": 3.0}) == 3.0
    assert list(inspect.signature(g.numeric).parameters) == ["a", "b"]
    import pytest

    with pytest.raises(ValueError, match="symbols must include"):
        from_expr(x * y, x, text="missing y")


def test_outcomes_state_their_resolution():
    from hypothesis import strategies as st

    from polyverify.rules import AllOf, DeterministicMatch, SymbolicRule

    c = _claim(lambda x: 3 * (x + 1), lambda x: 2 * x)
    ev = c.rule.run(c, CTX)
    # the relative error of the exponent the slope interval detects (the same measurement for both
    # forms; the Θ form's slack is a tolerance of its statement, stated in its summary)
    assert ev.derived.resolution is not None and 0 < ev.derived.resolution <= ev.margin.value
    assert ev.printed.resolution == ev.derived.resolution and "Θ slack" in ev.printed.summary
    assert ev.printed is not ev.derived
    match = DeterministicMatch(strategy=st.fixed_dictionaries({"x": st.floats(1, 2)}), compute=lambda x: 3 * (x + 1),
                               examples=Budget(3, 3), rtol=1e-9, tolerance_reason="exact")
    both = AllOf((SymbolicRule(derivation=list, judge_printed=False), match))
    d = Claim(id="test.match", title="t", statement="s", source=Source(paper="incidental", section="§0"),
              printed=Form(text="3x+3", numeric=lambda x: 3 * x + 3), derived=Form(text="3(x+1)", numeric=lambda x: 3 * (x + 1)),
              domain=Domain(assumptions=("x > 0",)), rule=both)
    ev = both.run(d, CTX)
    assert ev.derived.passed and ev.derived.resolution == 1e-9  # the worst of 0 (proof) and the tolerance
    assert ev.printed is not ev.derived


def test_signed_effect_and_trend_rules():
    from polyverify.rules import MonotoneTrend, SignedEffect, Trend

    def measure(case, *, rng, mode, device):
        return rng.normal(case["mu"], 1.0, 4000)

    rule = SignedEffect(cases=lambda mode: [{"mu": 1.0}, {"mu": 0.0}, {"mu": -1.0}], measure=measure, description="toy")
    c = Claim(id="test.sign", title="t", statement="s", source=Source(paper="incidental", section="§0"),
              printed=Form(text="always up", numeric=lambda mu: 1),
              derived=Form(text="sign mu", numeric=lambda mu: int(np.sign(mu))),
              domain=Domain(assumptions=("-",)), rule=rule)
    ev = rule.run(c, CTX)
    assert ev.derived.passed and ev.derived.conclusive  # two directions and one equivalence, all decided
    assert "no effect" in ev.derived.summary and ev.derived.summary.count("→ holds") == 3
    assert not ev.printed.passed  # "up" where the effect is significantly down
    assert ev.printed.summary.count("→ rejected") == 1 and ev.printed.summary.count("→ undecided") == 1
    # resolution: the smallest effect whose sign (or absence) is resolved, relative to the scale 1
    assert 0 < ev.derived.resolution < 0.2
    undecided = rule.run(replace(c, printed=Form(text="up or flat", numeric=lambda mu: 1 if mu >= 0 else -1)), CTX)
    assert undecided.printed.passed and not undecided.printed.conclusive  # "up" at no effect: not shown, not refuted

    rows = [{"x": float(k % 4), "y": -float(k % 4) + 0.01 * k} for k in range(24)]
    trend = MonotoneTrend(measure=lambda ctx: (rows, lambda ax, m, s: None), trends=(Trend("xy", x="x", y="y"),))
    t = Claim(id="test.trend", title="t", statement="s", source=Source(paper="incidental", section="§0"),
              printed=Form(text="y rises with x", numeric=lambda trend: +1),
              derived=Form(text="no direction", numeric=lambda trend: 0), domain=Domain(assumptions=("-",)), rule=trend)
    ev = trend.run(t, CTX)
    assert not ev.printed.passed and ev.printed.resolution is not None  # significantly opposite: rejected
    assert ev.derived.passed and ev.derived.resolution is None  # states nothing: never counted as holding


def test_an_inconclusive_symbolic_step_leaves_the_form_undecided():
    """A step the checker can decide neither way (it overflows every evaluation) is not a
    rejection: the form is undecided (resolution None), so the claim is inconclusive, never
    verified and never an erratum."""
    import sympy as sp

    from polyverify.claim import Claim, Context, Domain, Form, Source, decide, margin_for
    from polyverify.rules import SymbolicRule

    x = sp.Symbol("x", positive=True)
    tower = sp.exp(sp.exp(sp.exp(sp.exp(sp.exp(sp.exp(10))))))
    claim = Claim(id="test.undecided", title="t", statement="s", source=Source(paper="incidental", section="§0"),
                  printed=None, derived=Form(text="tower"), domain=Domain(assumptions=("x > 0",)),
                  rule=SymbolicRule(derivation=lambda: [("tower == tower + x", tower, tower + x)]))
    ctx = Context(seed=0, mode="quick", device="cpu", delta=1e-3)
    ev = claim.rule.run(claim, ctx)
    assert ev.derived.passed and ev.derived.resolution is None, ev.rows
    verdict, _ = decide(claim, ev, margin_for(claim, "quick"))
    assert verdict.value == "inconclusive"
