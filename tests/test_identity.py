"""verify.identity: proved, numerically consistent and refuted, with counterexamples."""

from __future__ import annotations

import pytest
import sympy as sp

from polyverify.identity import check_derivation, check_identity

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
