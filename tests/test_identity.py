"""verify.identity: proved, numerically consistent and refuted, with counterexamples."""

from __future__ import annotations

import pytest
import sympy as sp

from polyverify.identity import Condition, Limit, chain_conclusion, check_derivation, check_identity, check_relation

x = sp.Symbol("x", positive=True)
y = sp.Symbol("y", real=True)


def test_proved_by_simplify():
    assert check_identity(sp.sin(y) ** 2 + sp.cos(y) ** 2, 1).status == "proved"


def test_numeric_fallback_when_symbolic_is_skipped():
    r = check_identity(sp.gamma(x + 1), x * sp.gamma(x), symbolic=False, points=20)
    assert r.status == "numerically consistent" and r.points == 20
    assert r.max_rel_error < 1e-30


def test_refuted_with_counterexample():
    r = check_identity(sp.log(x * x), 3 * sp.log(x), symbolic=False)
    assert r.status == "refuted" and not r
    assert "x" in r.counterexample


def test_a_near_identity_is_refuted():
    # off by 1e-12 relatively: far above the 1e-20 resolution at 40 digits
    r = check_identity(sp.exp(x), sp.exp(x) * (1 + sp.Rational(1, 10**12)))
    assert r.status == "refuted"


def test_chain_reports_the_failing_step():
    a, b = sp.symbols("a b", positive=True)
    res = check_derivation([(a + b) ** 2, a**2 + 2 * a * b + b**2, a**2 + b**2])
    assert not res and res.first_failure == 1


def test_bad_options():
    with pytest.raises(ValueError, match="dps"):
        check_identity(x, x, dps=10)
    with pytest.raises(ValueError, match="two expressions"):
        check_derivation([x])
    with pytest.raises(sp.SympifyError):
        check_identity("x", "x")  # text is never parsed here: see verify.safe_parse


def test_nested_sums_and_seed_forwarding():
    n, m = sp.symbols("n m", positive=True, integer=True)
    i, j = sp.symbols("i j", positive=True, integer=True)
    pairs = sp.Sum(sp.Sum(1 / m, (j, i + 1, n)), (i, 1, n - 1))
    assert check_identity(pairs, n * (n - 1) / (2 * m))
    assert not check_identity(pairs, n**2 / (2 * m))
    assert check_derivation([n + n, 2 * n], seed=5)


def test_symbols_that_cancel_still_get_values():
    a, b = sp.symbols("a b", positive=True)
    r = check_identity(sp.exp(a) * b - sp.exp(a) * b + sp.gamma(a + 1), a * sp.gamma(a), symbolic=False)
    assert r.status == "numerically consistent"


# --------------------------------------------------------------------------- cannot be fooled

m_int = sp.Symbol("m", positive=True, integer=True)
n_int = sp.Symbol("n", positive=True, integer=True)


def test_a_difference_below_a_fixed_tolerance_is_still_refuted():
    # 1/(1 - exp(-m)) - 1 = 1.9e-22 at m = 50: far above the precision achieved at 40 digits
    r = check_identity(1 / (1 - sp.exp(-m_int)), 1, domain={"m": (50, 1000)})
    assert r.status == "refuted" and r.counterexample["m"] == "50"


def test_integers_are_drawn_beyond_small_values():
    r = check_identity(sp.Min(n_int, 100), n_int)
    assert r.status == "refuted" and int(r.counterexample["n"]) > 100


def test_huge_values_are_numbers_not_overflows():
    r = check_identity((x + 1) ** 10000, (x + 2) ** 10000)
    assert r.status == "refuted" and "e+" in r.counterexample["rhs"]


def test_a_true_identity_with_large_values_still_passes():
    # same magnitudes as above, but equal: (x+1)**10000 * (x+1) = (x+1)**10001
    r = check_identity((x + 1) ** 10000 * (x + 1), (x + 1) ** 10001, symbolic=False, points=20)
    assert r.status == "numerically consistent" and r.max_rel_error < 1e-70


def test_a_true_identity_on_the_same_domain_passes():
    r = check_identity(1 / (1 - sp.exp(-m_int)), sp.exp(m_int) / (sp.exp(m_int) - 1),
                       domain={"m": (50, 1000)}, symbolic=False, points=20)
    assert r.status == "numerically consistent"


def test_a_tower_beyond_any_range_is_inconclusive_not_refuted():
    tower = sp.exp(sp.exp(sp.exp(sp.exp(sp.exp(sp.exp(10))))))
    r = check_identity(tower, x, timeout=30)
    assert r.status == "inconclusive" and "could not evaluate" in r.reason


def test_removable_singularities_do_not_refute():
    m, n = m_int, n_int
    lhs = n * (m - 1) / (2 * (2 * m - 2))  # 0/0 at m = 1
    assert check_identity(lhs, n / 4, symbolic=False, points=20).status == "numerically consistent"


# --------------------------------------------------------------------------- relations

def test_orderings_proved_consistent_and_refuted():
    m, n = m_int, n_int
    assert check_relation(n * (n - 1) / (4 * m), n**2 / (4 * m), "<=").status == "proved"
    r = check_relation(n**2 / (4 * m), n * (n - 1) / (4 * m), "<=")
    assert r.status == "refuted" and r.counterexample["n"] == "1"
    # no proof: the worst-case search reports its smallest margin
    r = check_relation(sp.log(1 + x), x, "<=", symbolic=False, points=20)
    assert r.status == "numerically consistent" and r.smallest_margin is not None and r.smallest_margin >= 0
    assert "worst-case search" in r.search
    assert check_relation(x, sp.log(1 + x), "<", symbolic=False, points=20).status == "refuted"
    assert check_relation(x + 1, x, ">").status == "proved"


def test_a_violation_in_a_corner_is_found_by_the_search():
    # x**2 - 3*x + 2.25 >= 0 everywhere... but x**2 - 3*x + 2.2 < 0 only on (1.1, 1.9)
    r = check_relation(0, x**2 - 3 * x + sp.Rational(22, 10), "<=", symbolic=False, points=10,
                       domain={"x": (0.001, 1000)})
    assert r.status == "refuted" and 1.1 < float(r.counterexample["x"]) < 1.9


def test_asymptotic_steps():
    m, n = m_int, n_int
    lim = Limit(n, sp.oo)
    assert check_relation(n * (n - 1) / (4 * m), n**2 / (4 * m), "~", limit=lim).status == "proved"
    r = check_relation(n * (n - 1) / (4 * m), n**2 / (4 * m), "~", limit=lim, symbolic=False)
    assert r.status == "numerically consistent"
    r = check_relation(n * (n - 1) / (4 * m), n**2 / (2 * m), "~", limit=lim, symbolic=False)
    assert r.status == "refuted" and "does not tend to 1" in r.reason
    with pytest.raises(ValueError, match="needs limit"):
        check_relation(n, n, "~")


def test_side_conditions_restrict_proof_and_sampling():
    m, n = m_int, n_int
    cond = Condition(m, ">=", n, "m >= n")
    assert check_identity(sp.Min(m, n), n, conditions=[cond]).status == "proved"
    r = check_identity(sp.Min(m, n), n, conditions=[cond], symbolic=False, points=20)
    assert r.status == "numerically consistent"
    assert check_identity(sp.Min(m, n), n, symbolic=False, points=20).status == "refuted"


def test_chain_conclusion():
    assert chain_conclusion(["=", "="]) == "="
    assert chain_conclusion(["=", "<="]) == "<="
    assert chain_conclusion([">", ">="]) == ">"
    assert chain_conclusion(["<=", ">"]) is None
    assert chain_conclusion(["<=", "~"]) is None


def test_budget_spent_is_inconclusive_with_the_reason():
    k = sp.Symbol("k", positive=True, integer=True)
    s = sp.Sum(sp.sin(k), (k, 1, 10**7))
    r = check_identity(s, sp.Rational(1, 2), timeout=3)
    assert r.status == "inconclusive" and r.budget_exceeded and "time budget" in r.reason
