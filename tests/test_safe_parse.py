"""Tests of verify.safe_parse: the whitelist grammar, hostile inputs and resource limits."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polyverify.safe_parse import (
    FUNCTIONS,
    MAX_TEXT_LENGTH,
    ParseError,
    parse_condition,
    parse_expression,
)

n = sp.Symbol("n", positive=True, integer=True)
m = sp.Symbol("m", positive=True, integer=True)
k = sp.Symbol("k", integer=True)
x = sp.Symbol("x", real=True)
y = sp.Symbol("y", real=True)
SYMS: dict[str, sp.Symbol] = {"n": n, "m": m, "k": k, "x": x, "y": y}

TIME_BOUND = 1.0  # seconds: a behaviour requirement (hostile input fails fast), not a benchmark


def parse(text: str) -> sp.Expr:
    return parse_expression(text, SYMS)


# --------------------------------------------------------------------------- valid input


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("binomial(n, 2) / m", sp.binomial(n, 2) / m),
        ("n*(n - 1)/(2*m)", n * (n - 1) / (2 * m)),
        ("x**2 + 2*x*y + y**2", x**2 + 2 * x * y + y**2),
        ("-x + +y", -x + y),
        ("0.1", sp.Rational(1, 10)),
        ("1e3 + 1_000 + 0x10", sp.Integer(2016)),
        ("2.5e-3", sp.Rational(1, 400)),
        ("1/3", sp.Rational(1, 3)),
        ("sqrt(x**2)", sp.Abs(x)),
        ("exp(log(n))", n),
        ("log(x, 2)", sp.log(x) / sp.log(2)),
        ("sin(x)**2 + cos(x)**2", sp.sin(x) ** 2 + sp.cos(x) ** 2),
        ("zeta(2)", sp.pi**2 / 6),
        ("zeta(2, n)", sp.zeta(2, n)),
        ("gamma(n + 1)", sp.gamma(n + 1)),
        ("factorial(5)", sp.Integer(120)),
        ("abs(x) + Abs(y)", sp.Abs(x) + sp.Abs(y)),
        ("Min(x, y) + Max(x, y, 1)", sp.Min(x, y) + sp.Max(x, y, 1)),
        ("floor(x) + ceiling(y) + sign(x)", sp.floor(x) + sp.ceiling(y) + sp.sign(x)),
        ("erf(x) + erfc(x)", sp.erf(x) + sp.erfc(x)),
        ("pi*E + I", sp.pi * sp.E + sp.I),
        ("Sum(1/k**2, (k, 1, oo))", sp.Sum(1 / k**2, (k, 1, sp.oo))),
        ("Product(k, (k, 1, n))", sp.Product(k, (k, 1, n))),
        ("(x\n + y)", x + y),
        ("  x + 1  ", x + 1),
    ],
)
def test_valid_expressions(text: str, expected: sp.Expr) -> None:
    got = parse(text)
    assert got == expected or sp.simplify(got - expected) == 0


def test_float_is_exact_decimal() -> None:
    assert parse("0.1") + parse("0.2") == parse("0.3")
    assert isinstance(parse("1.25"), sp.Rational)


def test_declared_symbol_shadows_constant() -> None:
    e = sp.Symbol("E", positive=True)
    assert parse_expression("E + 1", {"E": e}) == e + 1
    assert parse_expression("E", {}) == sp.E


def test_symbol_identity_is_the_declared_one() -> None:
    got = parse("n")
    assert got is n and got.is_integer and got.is_positive


def test_every_whitelisted_function_is_callable() -> None:
    for name, (_, lo, _hi) in FUNCTIONS.items():
        if name in ("Sum", "Product"):
            text = f"{name}(k, (k, 1, n))"
        elif name == "limit":
            text = "limit(x + 2, x, oo)"
        else:
            text = f"{name}({', '.join(['x + 2'] * lo)})"
        assert isinstance(parse(text), sp.Expr), name


# --------------------------------------------------------------------------- rejections


def _assert_rejected_fast(text: str, match: str | None = None) -> ParseError:
    start = time.perf_counter()
    with pytest.raises(ParseError, match=match) as info:
        parse(text)
    elapsed = time.perf_counter() - start
    assert elapsed < TIME_BOUND, f"took {elapsed:.2f} s to reject {text[:60]!r}"
    return info.value


HOSTILE = [
    "().__class__.__bases__[0].__subclasses__()",
    "x.__class__",
    "lambda: 1",
    "[i for i in range(10)]",
    "9**9**9**9",
    "factorial(10**100)",
    '"a" "b"',
    "open('/etc/passwd')",
    "sqrt(x=1)",
    "sqrt(*[x])",
    "sqrt(**{})",
    "exec('1')",
    "eval('1')",
    "getattr(x, 'y')",
    "__builtins__",
    "globals()",
    "(x := 1)",
    "x if y else 1",
    "x < y",
    "x == y",
    "x and y",
    "not x",
    "~x",
    "x[0]",
    "x[1:2]",
    "{1: 2}",
    "{1, 2}",
    "[1, 2]",
    "(1, 2)",
    "f'{x}'",
    "b'x'",
    "1j",
    "True",
    "None",
    "...",
    "x // 2",
    "x % 2",
    "x @ y",
    "1 << 10**9",
    "x ^ 2",
    "import os",
    "x = 1",
    "x; y",
    "sqrt",
    "sqrt(x, y)",
    "binomial(n)",
    "(lambda: 0)()",
    "(lambda: 1)()",
    "Sum(k, k)",
    "Sum(k, (1, 1, n))",
    "Sum(k, (k, 1))",
    "1/0",
    "0**-1",
    "10**10001",
    "sqrt(10**9999)**3",
    "2**(10**6)",
    "(10**500)**(10**4)",
    "(2*x)**(10**5)",
    "1" * 1500,
    "1e100000",
    "0." + "1" * 1500,
    "gamma(10**6)",
    "zeta(10**6)",
    "harmonic(10**7)",
    "binomial(10**9, 10**8)",
    "factorial(factorial(100))",
    "sqrt(10**999 + 7)",
    "(10**999 + 7)**(1/3)",
    "((10**299 + 7)**(1/2))**10000",
    "*".join(f"sqrt(10**99 + {2 * i + 1})" for i in range(13)),
    "*".join(f"(10**60 + {2 * i + 1})**(1/3)" for i in range(13)),
    "+".join(f"log(10**50 + {i})" for i in range(200)),
    "+".join(f"sqrt(10**50 + {i})" for i in range(200)),
    "log(10**999 + 7, 3)",
    "exp(10000*log(10**99))",
    "exp(log(10**999 + 7)/2)",
    "E**(log(10**99)*10000)",
    "-" * 50_000 + "x",
    "x**" * 5000 + "x",
    "(" * 150 + "x" + ")" * 150,
    "+".join(["x"] * 3000),
    "\x00",
    "",
    "   ",
    "undeclared + 1",
]


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: repr(t[:30]))
def test_hostile_inputs_rejected_fast(text: str) -> None:
    _assert_rejected_fast(text)


def test_import_os_system_executes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "pwned"
    pwned_before = os.path.exists("/tmp/pwned")
    for text in (
        "__import__('os').system('touch /tmp/pwned')",
        f"__import__('os').system('touch {target}')",
        f"__import__('os').system('touch {target}') + x",
        f"exec(\"open('{target}', 'w')\")",
        f"open('{target}', 'w')",
    ):
        _assert_rejected_fast(text)
    assert not target.exists()
    assert os.path.exists("/tmp/pwned") == pwned_before


def test_ten_megabyte_nesting_rejected_by_length() -> None:
    text = "(" * 5_000_000 + "x" + ")" * 5_000_000
    err = _assert_rejected_fast(text, match="too long")
    assert str(MAX_TEXT_LENGTH) in str(err)


def test_messages_name_the_construct_and_column() -> None:
    err = _assert_rejected_fast("x + y.__class__")
    assert "attribute access" in str(err) and "__class__" in str(err)
    assert err.column == 6
    err = _assert_rejected_fast("n + undeclared")
    assert "undeclared symbol 'undeclared'; declare it under [symbols]" in str(err)
    assert err.column == 5
    err = _assert_rejected_fast("  z")
    assert err.column == 3
    err = _assert_rejected_fast("__import__('os')")
    assert "dunder" in str(err)
    err = _assert_rejected_fast("open('/etc/passwd')")
    assert "'open'" in str(err)
    err = _assert_rejected_fast("sqrt(x=1)")
    assert "keyword" in str(err)
    err = _assert_rejected_fast("x ^ 2")
    assert "**" in str(err)
    err = _assert_rejected_fast("(x\n + q)")
    assert err.line == 2 and err.column == 4


def test_parse_error_is_value_error() -> None:
    assert issubclass(ParseError, ValueError)
    with pytest.raises(ValueError):
        parse("x.y")


def test_non_string_rejected() -> None:
    with pytest.raises(ParseError):
        parse_expression(b"x", SYMS)  # type: ignore[arg-type]


def test_moderate_numbers_still_allowed() -> None:
    assert parse("2**1000") == sp.Integer(2) ** 1000
    assert parse("factorial(100)") == sp.factorial(100)
    assert parse("binomial(1000, 500)") == sp.binomial(1000, 500)
    assert parse("x**10000") == x**10000
    assert parse("1e-300") == sp.Rational(1, 10**300)
    assert parse("sqrt(2)*sqrt(3)") == sp.sqrt(6)
    assert parse("log(10**50 + 1)") == sp.log(10**50 + 1)
    assert parse("exp(2*log(3))") == 9


def test_long_sums_and_products_are_not_too_deep() -> None:
    terms = [f"{i}*x**{i}" for i in range(1, 151)]
    assert parse(" + ".join(terms)) == sum(i * x**i for i in range(1, 151))
    assert parse("*".join(["(x + 1)"] * 150)) == (x + 1) ** 150
    assert parse("x - y + 2*x/3*y/4 - 1/2/3") == x - y + x * y / 6 - sp.Rational(1, 6)
    _assert_rejected_fast("(" * 101 + "x" + ")" * 101, match="deeper")


# --------------------------------------------------------------------------- properties


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60))
def test_random_printable_text_only_parse_errors(text: str) -> None:
    start = time.perf_counter()
    try:
        result = parse(text)
    except ParseError:
        pass
    else:
        assert isinstance(result, sp.Expr)
    assert time.perf_counter() - start < TIME_BOUND


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=40))
def test_random_unicode_text_only_parse_errors(text: str) -> None:
    start = time.perf_counter()
    try:
        parse(text)
    except ParseError:
        pass
    assert time.perf_counter() - start < TIME_BOUND


TOKENS = [
    "x", "y", "n", "1", "2", "0.5", "(", ")", "+", "-", "*", "/", "**", ",", "sqrt(", "log(",
    "factorial(", "binomial(", "zeta(", "gamma(", "Sum(", "(k, 1, n)", "9", "99", "**9", "pi",
    ".", "[", "]", "__class__", "lambda", ":", "'s'", "=", "<", "oo", "I", "e5", "_", " ",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), max_size=30).map("".join))
def test_random_token_soup_only_parse_errors(text: str) -> None:
    start = time.perf_counter()
    try:
        parse(text)
    except ParseError:
        pass
    assert time.perf_counter() - start < TIME_BOUND


def _polynomials() -> st.SearchStrategy[sp.Expr]:
    atoms = st.one_of(
        st.sampled_from([x, y, n, m]),
        st.integers(min_value=-50, max_value=50).map(sp.Integer),
        st.fractions(max_denominator=20)
        .filter(lambda f: abs(f) <= 50)
        .map(lambda f: sp.Rational(f.numerator, f.denominator)),
    )

    def extend(children: st.SearchStrategy[sp.Expr]) -> st.SearchStrategy[sp.Expr]:
        return st.one_of(
            st.tuples(children, children).map(lambda ab: ab[0] + ab[1]),
            st.tuples(children, children).map(lambda ab: ab[0] - ab[1]),
            st.tuples(children, children).map(lambda ab: ab[0] * ab[1]),
            st.tuples(children, st.integers(0, 4)).map(lambda ae: ae[0] ** ae[1]),
        )

    return st.recursive(atoms, extend, max_leaves=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_polynomials())
def test_round_trip_of_printed_polynomials(expr: sp.Expr) -> None:
    text = str(expr)
    back = parse(text)
    assert sp.simplify(back - expr) == 0, (text, back)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=-(10**300), max_value=10**300))
def test_integer_literals_round_trip(value: int) -> None:
    assert parse(str(value)) == sp.Integer(value)


# --------------------------------------------------------------------------- implicit products, conditions


_M, _N = sp.Symbol("m", positive=True), sp.Symbol("n", positive=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2m", 2 * _M),
        ("n(n - 1)/(2m)", _N * (_N - 1) / (2 * _M)),
        ("(n - 1)(n - 2)", (_N - 1) * (_N - 2)),
        ("2(n + 1)", 2 * _N + 2),
        ("1e3m", 1000 * _M),
        ("2 * m", 2 * _M),
    ],
)
def test_implicit_products(text: str, expected: sp.Expr) -> None:
    assert parse_expression(text, {"m": _M, "n": _N}) == expected


def test_implicit_products_keep_error_columns() -> None:
    with pytest.raises(ParseError) as info:
        parse_expression("2m +* 3", {"m": sp.Symbol("m")})
    assert info.value.column == 5


def test_a_symbol_is_not_a_function() -> None:
    with pytest.raises(ParseError, match="is a symbol, not a function"):
        parse_expression("n(1, 2)", {"n": sp.Symbol("n")})


def test_conditions() -> None:
    mm, nn = sp.symbols("m n", positive=True)
    assert parse_condition("m >= n", {"m": mm, "n": nn}) == ((mm, ">=", nn),)
    assert parse_condition("0 < n*sqrt(m) < 1", {"m": mm, "n": nn}) == (
        (0, "<", nn * sp.sqrt(mm)), (nn * sp.sqrt(mm), "<", 1))
    for bad, fragment in [("m == n", "'=='"), ("m", "must be a comparison"), ("m >= q", "undeclared")]:
        with pytest.raises(ParseError, match=fragment):
            parse_condition(bad, {"m": mm, "n": nn})
