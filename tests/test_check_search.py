"""The worst-case search of inequalities: Hypothesis target() then a compass search with
shrinking steps, so that a violation confined to a thin region of the domain is found."""

from __future__ import annotations

import sympy as sp
from polyverify.identity import check_relation
from polyverify.numeric_search import order_points
from polyverify.side_conditions import Condition

x = sp.Symbol("x", positive=True)
n, m = sp.symbols("n m", positive=True, integer=True)


def test_a_violation_in_a_thin_region_is_refuted() -> None:
    # (x - 7/10)^2 >= 10^-8 fails only for |x - 0.7| < 10^-4: 0.02% of [0, 1], which 60 random
    # points miss (the pattern search of factors 2 and 1.1 alone did too)
    r = check_relation((x - sp.Rational(7, 10)) ** 2, sp.Rational(1, 10**8), ">=", domain={"x": (0, 1)},
                       symbolic=False, timeout=60)
    assert r.status == "refuted"
    assert abs(float(r.counterexample["x"]) - 0.7) < 1e-4
    assert "Hypothesis target()" in r.search and "compass search" in r.search


def test_a_thin_violation_of_an_absolute_value_is_refuted() -> None:
    r = check_relation(sp.Abs(x - sp.Rational(33, 10)), sp.Rational(1, 1000), ">=", domain={"x": (1, 10)},
                       symbolic=False, timeout=60)
    assert r.status == "refuted" and r.smallest_margin < 0


def test_a_true_inequality_reports_the_smallest_margin_and_the_search() -> None:
    r = check_relation((x - sp.Rational(7, 10)) ** 2 + sp.Rational(1, 10**8), sp.Rational(1, 10**8), ">=",
                       domain={"x": (0, 1)}, symbolic=False, timeout=60)
    assert r.status == "numerically consistent"
    assert r.smallest_margin is not None and 0 <= r.smallest_margin < 1e-3  # the search went near x = 0.7
    assert "Hypothesis target()" in r.search


def test_the_targeted_phase_respects_side_conditions_and_is_deterministic() -> None:
    cond = (Condition(m, ">=", n, "m >= n"),)
    kw = {"points": 20, "dps": 30, "seed": 5}
    recs = list(order_points(n, m, "<=", [m, n], {"m": (1, 50), "n": (1, 50)}, cond, **kw))
    target = [r for r in recs if r.phase == "target"]
    assert target and all(int(r.point["m"]) >= int(r.point["n"]) for r in target)
    again = list(order_points(n, m, "<=", [m, n], {"m": (1, 50), "n": (1, 50)}, cond, **kw))
    assert [r.point for r in again] == [r.point for r in recs]
