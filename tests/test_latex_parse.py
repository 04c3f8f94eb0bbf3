"""polyverify.latex_parse: a whitelist LaTeX reader feeding the safe parser."""

from __future__ import annotations

import pytest
import sympy as sp

from polyverify.latex_parse import LatexError, latex_to_plain, parse_latex

n, m, k = sp.symbols("n m k", positive=True, integer=True)
alpha, s, lam = sp.symbols("alpha s lam", positive=True)
x = sp.Symbol("x", real=True)
SYMS = {"n": n, "m": m, "k": k, "alpha": alpha, "s": s, "lam": lam, "x": x}


@pytest.mark.parametrize(
    ("tex", "expected"),
    [
        (r"\frac{n(n-1)}{2m}", n * (n - 1) / (2 * m)),
        (r"\binom{n}{2} \frac{1}{2m}", sp.binomial(n, 2) / (2 * m)),
        (r"\sum_{k=1}^{m} k^{\alpha}", sp.Sum(k**alpha, (k, 1, m))),
        (r"\prod_{k=1}^{n} \frac{k}{k+1}", sp.Product(k / (k + 1), (k, 1, n))),
        (r"\zeta(s)", sp.zeta(s)),
        (r"\zeta(s, 2)", sp.zeta(s, 2)),
        (r"\Gamma(s + 1)", sp.gamma(s + 1)),
        (r"2m", 2 * m),
        (r"nm", n * m),
        (r"\frac{n^2}{4m}\left(1 - \frac{1}{n}\right)", n**2 / (4 * m) * (1 - 1 / n)),
        (r"\sqrt{\lambda m}", sp.sqrt(lam * m)),
        (r"\sqrt[3]{m}", m ** sp.Rational(1, 3)),
        (r"e^{-\lambda}", sp.exp(-lam)),
        (r"\exp(-m) \cdot 2", 2 * sp.exp(-m)),
        (r"\log n + \ln(m)", sp.log(n) + sp.log(m)),
        (r"\log_{2} m", sp.log(m, 2)),
        (r"\sin^2 x + \cos^{2}(x)", sp.sin(x) ** 2 + sp.cos(x) ** 2),
        (r"n! \times 2", 2 * sp.factorial(n)),
        (r"-x^2", -(x**2)),
        (r"x^23", 3 * x**2),  # TeX: the exponent is one digit
        (r"|x| + \left| x \right|", 2 * sp.Abs(x)),
        (r"\lfloor x \rfloor + \lceil x \rceil", sp.floor(x) + sp.ceiling(x)),
        (r"\min(n, m)", sp.Min(n, m)),
        (r"\mathrm{lam}\, m", lam * m),
        (r"\pi \infty", sp.pi * sp.oo),
        (r"$\frac{1}{2}$", sp.Rational(1, 2)),
        (r"\left[ n + 1 \right] \{m\}", (n + 1) * m),
    ],
)
def test_translations(tex: str, expected: sp.Expr) -> None:
    got = parse_latex(tex, SYMS)
    assert got == expected or sp.simplify(got - expected) == 0


def test_the_translation_is_plain_text() -> None:
    assert latex_to_plain(r"\frac{a}{b}") == "(((a))/((b)))"


def test_factorials_of_big_numbers_are_bounded_not_hung() -> None:
    # SymPy's own parse_latex hangs on inputs like this; here the safe parser's bounds apply
    assert parse_latex(r"24! \times 24!", {}) == sp.factorial(24) ** 2
    with pytest.raises(LatexError, match="factorial"):
        parse_latex(r"100000!", {})


@pytest.mark.parametrize(
    ("tex", "fragment"),
    [
        (r"\input{x}", r"LaTeX command '\\input' is not supported"),
        (r"\def\x{1}", "not supported"),
        (r"\frac{1}", "missing argument"),
        (r"n^{", "unexpected end"),
        ("x @ y", "unexpected character '@'"),
        (r"\mathrm{__import__}", "dunder"),
        (r"\mathrm{os}", "undeclared symbol 'os'"),
        (r"{}", "empty group"),
        (r"\sum k", "expected '_'"),
        (r"q + 1", "undeclared symbol 'q'"),
        ("(" * 200 + "x" + ")" * 200, "nested deeper"),
        ("", "empty formula"),
        (r"f'(x)", "primes (f') are not supported"),
    ],
)
def test_rejections(tex: str, fragment: str) -> None:
    with pytest.raises(LatexError) as info:
        parse_latex(tex, SYMS)
    assert fragment in str(info.value)


def test_errors_point_into_the_latex() -> None:
    with pytest.raises(LatexError) as info:
        parse_latex(r"n + \input{x}", SYMS)
    assert info.value.column == 5
