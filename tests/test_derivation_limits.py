"""A step may be a limit: ``limit(expr, x, point)`` in the plain syntax, ``\\lim_{x \\to a}`` in LaTeX,
through the same whitelist; evaluated by SymPy's limit under the file's time budget."""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy as sp
from polyverify.derivation_file import check_derivation_file, parse_derivation_text
from polyverify.latex_parse import latex_to_plain, parse_latex
from polyverify.safe_parse import ParseError, parse_expression

m, n = sp.symbols("m n", positive=True, integer=True)
x = sp.Symbol("x", positive=True)
SYMS = {"m": m, "n": n, "x": x}


def test_plain_limit_builds_an_unevaluated_limit() -> None:
    e = parse_expression("limit((1 + 1/m)**m, m, oo)", SYMS)
    assert isinstance(e, sp.Limit) and e.doit() == sp.E
    one_sided = parse_expression('limit(sin(x)/x, x, 0, "+")', SYMS)
    assert str(one_sided.args[3]) == "+"
    assert str(parse_expression("limit(1/x, x, 0)", SYMS).args[3]) == "+-"  # two-sided by default


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("limit(x, x, m)", "point must be a real number"),
        ("limit(x, 2*x, 0)", "variable must be a declared symbol"),
        ('limit(x, x, 0, "left")', "direction must be"),
        ("limit(x, x, 0, __import__)", "direction must be"),
        ("limit(m, m, 0)", "can only tend to oo"),
        ("limit(x, x)", "takes 3 to 4 arguments"),
        ("'+'", "string"),  # a string literal is accepted only as a limit's direction
    ],
)
def test_plain_limit_is_whitelisted(text: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_expression(text, SYMS)


def test_latex_limit_goes_through_the_plain_whitelist() -> None:
    assert latex_to_plain(r"\lim_{m \to \infty} m") == "limit(m, m, oo)"
    assert parse_latex(r"\lim_{m \to \infty} \left(1 + \frac{1}{m}\right)^{m}", SYMS).doit() == sp.E
    assert parse_latex(r"\lim_{x \rightarrow 0^+} \frac{\sin x}{x}", SYMS) == sp.Limit(sp.sin(x) / x, x, 0, "+")
    assert parse_latex(r"\lim_{x \to -\infty} e^{x}", {"x": sp.Symbol("x")}).doit() == 0
    for bad, message in ((r"\lim_{x \to y} x", "number or"), (r"\lim_{x = 0} x", "expected"),
                         (r"\lim_{x \to 0^*} x", "one-sided")):
        with pytest.raises(ParseError, match=message):
            parse_latex(bad, SYMS | {"y": sp.Symbol("y")})


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_a_limit_step_is_proved_and_related(tmp_path: Path) -> None:
    p = _write(tmp_path, "lim.txt", "symbol m, n: positive integer\n"
               "$\\lim_{m \\to \\infty} \\left(1 + \\frac{n}{m}\\right)^{m}$\n"
               "= exp(n)\n"
               "<= limit(exp(n) + 1/m, m, oo) + 1\n")
    report = check_derivation_file(p, timeout=60)
    assert [r.status for r in report.result.steps] == ["proved", "proved"]
    assert report.exit_status == 0
    assert "parsed: Limit((1 + n/m)**m, m, oo" in report.render_text()


def test_a_false_limit_step_is_refuted(tmp_path: Path) -> None:
    # lim (1 + 1/m)^m = e, not 3: the closed form is compared numerically
    p = _write(tmp_path, "lim.toml", '[symbols]\nm = "positive integer"\n'
               '[[steps]]\nexpr = "limit((1 + 1/m)**m, m, oo)"\n[[steps]]\nexpr = "3"\n')
    report = check_derivation_file(p, timeout=60)
    assert report.result.steps[0].status == "refuted" and report.exit_status == 1


def test_a_limit_in_toml_and_in_a_condition_free_chain() -> None:
    d = parse_derivation_text('[symbols]\nx = "positive"\n[[steps]]\nlatex = \'\\lim_{x \\to 0^+} \\frac{\\sin x}{x}\'\n'
                              '[[steps]]\nexpr = "1"\n', path="l.toml")
    assert isinstance(d.steps[0].expr, sp.Limit) and d.steps[0].latex
