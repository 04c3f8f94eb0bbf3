"""Tests of verify.derivation_file: the TOML and plain-text formats, errors and the checker."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import sympy as sp

from polyverify.derivation_file import (
    MAX_FILE_BYTES,
    Derivation,
    DerivationFileError,
    DerivationReport,
    check_derivation_file,
    load_derivation,
    parse_derivation_text,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- examples


@pytest.mark.parametrize("name", ["collisions.toml", "collisions.txt"])
def test_collisions_example_holds(name: str) -> None:
    report = check_derivation_file(EXAMPLES / name, points=20)
    assert isinstance(report, DerivationReport)
    assert report.ok and report.first_failure is None
    assert len(report.result.steps) == len(report.derivation.steps) - 1 == 3
    assert all(r.status in ("proved", "numerically consistent") for r in report.result.steps)
    text = report.render_text()
    assert "Pair collisions" in text and "OK:" in text and "refuted" in text  # "0 refuted"
    assert "binomial(n, 2) / m" in text


def test_both_collisions_formats_load_the_same_derivation() -> None:
    a = load_derivation(EXAMPLES / "collisions.toml")
    b = load_derivation(EXAMPLES / "collisions.txt")
    assert a.title == b.title == "Pair collisions"
    assert [s.expr for s in a.steps] == [s.expr for s in b.steps]
    assert a.domain == b.domain == {"n": (2.0, 200.0), "m": (1.0, 1000.0)}
    assert a.symbols["n"].is_integer and a.symbols["n"].is_positive
    assert b.symbols["m"].is_integer and b.symbols["m"].is_positive
    assert a.steps[0].note and a.steps[0].line == 15
    assert b.steps[1].line == 11 and "binomial" in b.steps[1].note


def test_wrong_example_is_refuted_with_counterexample() -> None:
    report = check_derivation_file(EXAMPLES / "wrong.toml", points=20)
    assert not report.ok
    assert report.first_failure == 1
    bad = report.result.steps[1]
    assert bad.status == "refuted"
    assert bad.counterexample is not None and {"n", "m"} <= set(bad.counterexample)
    assert report.result.steps[0].status == "proved"
    text = report.render_text()
    assert "REFUTED" in text and "FAILED" in text and "line 17" in text
    d = report.to_dict()
    assert d["ok"] is False and d["equalities"][1]["status"] == "refuted"


def test_seed_and_points_are_passed_through(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "d.toml",
        'steps = ["Sum(k, (k, 1, n))", "n*(n + 1)/2"]\n[symbols]\nn = "positive integer"\n'
        'k = "positive integer"\n',
    )
    report = check_derivation_file(path, points=7, seed=3)
    assert report.ok
    r = report.result.steps[0]
    assert r.status == "proved" or r.points == 7
    assert report.options == {"points": 7, "dps": 40, "seed": 3, "timeout": 60.0}


# --------------------------------------------------------------------------- formats


def test_toml_assumption_forms(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "a.toml",
        """
[symbols]
a = { positive = true, integer = true }
b = "nonnegative, rational"
c = ["negative"]
d = ""
e_ = { real = true, integer = false }

[[steps]]
expr = "a + b + c + d + e_"
[[steps]]
expr = "e_ + d + c + b + a"
""",
    )
    d = load_derivation(path)
    assert isinstance(d, Derivation)
    s = d.symbols
    assert s["a"].is_positive and s["a"].is_integer
    assert s["b"].is_nonnegative and s["b"].is_rational
    assert s["c"].is_negative
    assert s["d"].is_real is None
    assert s["e_"].is_real and s["e_"].is_integer is False
    assert d.title == ""


def test_text_format_details(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "d.txt",
        """# a comment
title: Squares # with a hash
symbols x, y: real
domain x, y: -2..2.5e0

(x + y)**2        # expand
= x**2 + 2*x*y + y**2

# blank lines and comments between steps are fine
= (y + x)*(x + y)
""",
    )
    d = load_derivation(path)
    assert d.title == "Squares # with a hash"
    assert d.domain == {"x": (-2.0, 2.5), "y": (-2.0, 2.5)}
    assert [s.line for s in d.steps] == [6, 7, 10]
    assert d.steps[0].note == "expand" and d.steps[0].source == "(x + y)**2"
    assert check_derivation_file(path).ok


def test_parse_derivation_text_in_memory() -> None:
    d = parse_derivation_text("symbol x: real\nx + x\n= 2*x\n")
    assert d.steps[1].expr == 2 * sp.Symbol("x", real=True)
    d = parse_derivation_text('steps = ["1 + 1", "2"]', fmt="toml")
    assert len(d.steps) == 2


# --------------------------------------------------------------------------- errors


def _error(path: Path) -> DerivationFileError:
    start = time.perf_counter()
    with pytest.raises(DerivationFileError) as info:
        load_derivation(path)
    assert time.perf_counter() - start < 1.0
    err = info.value
    assert str(path) in str(err)
    return err


TOML_HEAD = '[symbols]\nn = "positive integer"\n'


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        # unknown assumption word (string form, table form)
        ('[symbols]\nn = "positive integr"\nsteps = ["n", "n"]\n', 2, "unknown assumption 'integr'"),
        ("[symbols]\n\nn = { postive = true }\n", 3, "unknown assumption 'postive'"),
        ('[symbols]\nn = { positive = "yes" }\n', 2, "true or false"),
        # undeclared symbol in a step
        (TOML_HEAD + '[[steps]]\nexpr = "n + 1"\n[[steps]]\nexpr = "m + 1"\n', 6, "undeclared symbol 'm'"),
        # hostile formula in a step
        (TOML_HEAD + "[[steps]]\nexpr = \"__import__('os')\"\n[[steps]]\nexpr = \"n\"\n", 4, "dunder"),
        # missing steps / fewer than two steps
        (TOML_HEAD, None, "missing steps"),
        (TOML_HEAD + '[[steps]]\nexpr = "n"\n', 4, "at least two"),
        ("steps = []\n" + TOML_HEAD, None, "missing steps"),
        (TOML_HEAD + '[[steps]]\nnote = "no expr"\n[[steps]]\nexpr = "n"\n', 3, "missing expr"),
        (TOML_HEAD + '[[steps]]\nexpr = "n"\nexpresion = "n"\n', 5, "unknown key 'expresion'"),
        # bad TOML
        ('[symbols]\nn = "positive\n', 2, "invalid TOML"),
        ("title = 'x'\ntitle = 'y'\n", 2, "invalid TOML"),
        # other structural problems
        ('tittle = "x"\n' + TOML_HEAD, 1, "unknown top-level key 'tittle'"),
        (TOML_HEAD + "[domain]\nm = [1, 2]\n", 4, "undeclared symbol 'm'"),
        (TOML_HEAD + "[domain]\nn = [5, 1]\n", 4, "lo < hi"),
        (TOML_HEAD + "[domain]\nn = [-5, -1]\n", 4, "contradicts"),
        (TOML_HEAD + '[domain]\nn = "1..2"\n', 4, "two numbers"),
        ("[symbols]\npi = 'real'\n", 2, "reserved"),
        ("[symbols]\nlambda = 'real'\n", 2, "keyword"),
        ("[symbols]\n__x = 'real'\n", 2, "invalid symbol name"),
        ("[symbols]\nn = 'positive negative'\n", 2, "inconsistent"),
        ("[symbols]\nn = 3\n", 2, "symbols.n"),
        ("steps = 'n'\n", 1, "steps must be an array"),
        ('[symbols]\nn = "real"\nsteps = ["n", "n"]\n', 3, "before the first [table]"),
    ],
)
def test_toml_format_errors(tmp_path: Path, text: str, line: int | None, fragment: str) -> None:
    err = _error(write(tmp_path, "bad.toml", text))
    assert fragment in str(err)
    assert err.line == line
    if line is not None:
        assert f"bad.toml:{line}:" in str(err)


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("symbol n: positive integr\nn\n= n\n", 1, "unknown assumption 'integr'"),
        ("symbol n: integer\nn + m\n= n\n", 2, "undeclared symbol 'm'; declare it under [symbols]"),
        ("symbol n: integer\n# only comments\n", None, "missing steps"),
        ("symbol n: integer\nn + 1\n", 2, "at least two"),
        ("symbol n: integer\n= n\n", 2, "before a first expression"),
        ("symbol n: integer\nn\nn + 1\n", 3, "expected a step ('= expression'"),
        ("symbol n: integer\ndomain n: 1 to 5\nn\n= n\n", 2, "lo..hi"),
        ("symbol n: integer\ndomain n: 0.2..0.8\nn\n= n\n", 2, "no integer"),
        ("symbol n: integer\nsymbol n: real\n", 2, "declared twice"),
        ("symbol n: integer\nn\n= n.real\n", 3, "attribute access"),
        ("symbol : integer\n", 1, "missing name"),
    ],
)
def test_text_format_errors(tmp_path: Path, text: str, line: int | None, fragment: str) -> None:
    err = _error(write(tmp_path, "bad.txt", text))
    assert fragment in str(err)
    assert err.line == line


def test_missing_file(tmp_path: Path) -> None:
    err = _error(tmp_path / "nope.toml")
    assert "cannot read" in str(err)


def test_file_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    err = _error(path)
    assert "too large" in str(err)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "bin.txt"
    path.write_bytes(b"symbol n: integer\n\xff\xfe\n")
    err = _error(path)
    assert "UTF-8" in str(err) and err.line == 2


def test_unevaluable_equality_is_inconclusive(tmp_path: Path) -> None:
    # floor(x/1000) == 0 on the whole domain: nothing can be evaluated, so nothing is decided
    path = write(
        tmp_path, "e.txt", "symbol x: positive\ndomain x: 0.1..5\n1/floor(x/1000)\n= 2/floor(x/1000)\n"
    )
    report = check_derivation_file(path, points=5)
    r = report.result.steps[0]
    assert r.status == "inconclusive" and "could not evaluate" in r.reason
    assert not report.result.first_failure


def test_error_types() -> None:
    assert issubclass(DerivationFileError, ValueError)
