"""The scaling-law rule: exact forms by slope interval, Θ forms with their stated slack, power."""

from __future__ import annotations

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
