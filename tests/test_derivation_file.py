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


# --------------------------------------------------------------------------- relations, conditions, LaTeX


TEXT_CHAIN = """title: Benign pairs, bounded and asymptotic
symbol n, m: positive integer
condition: m >= n
$\\binom{n}{2} \\frac{1}{2m}$      # LaTeX
= n(n - 1)/(4m)                    # implicit products
<= n**2/(4*m)
~ n**2/(4*m) + 1/m  as n -> oo
"""


def test_text_chain_with_relations_latex_and_a_condition(tmp_path: Path) -> None:
    d = load_derivation(write(tmp_path, "chain.txt", TEXT_CHAIN))
    assert [s.relation for s in d.steps] == ["", "=", "<=", "~"]
    assert d.steps[0].latex and d.steps[0].expr == sp.binomial(d.symbols["n"], 2) / (2 * d.symbols["m"])
    assert d.steps[3].limit is not None and d.steps[3].limit.point == sp.oo
    assert len(d.conditions) == 1 and d.conditions[0].text == "m >= n"
    report = check_derivation_file(d.path, points=20)
    assert [r.status for r in report.result.steps] == ["proved", "proved", "proved"]
    assert report.exit_status == 0
    text = report.render_text()
    assert "parsed: binomial(n, 2)/(2*m)" in text and "as n -> oo" in text
    assert "conclusion: none" in text  # '<=' then '~' concludes nothing


def test_toml_chain_equivalent(tmp_path: Path) -> None:
    toml = r'''
[symbols]
n = "positive integer"
m = "positive integer"
[conditions]
list = ["m >= n"]
[[steps]]
latex = '\binom{n}{2} \frac{1}{2m}'
[[steps]]
expr = "n*(n - 1)/(4*m)"
relation = "="
[[steps]]
expr = "n**2/(4*m)"
relation = "~"
limit = "n -> oo"
'''
    report = check_derivation_file(write(tmp_path, "c.toml", toml), points=20)
    assert report.exit_status == 0 and report.conclusion == "~"
    assert "conclusion: step 1 ~ step 3" in report.render_text()


def test_refuted_ordering_exits_1(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.txt", "symbol n, m: positive integer\nn**2/(4*m)\n<= n*(n - 1)/(4*m)\n")
    report = check_derivation_file(path, points=10)
    assert report.exit_status == 1 and report.first_failure == 0
    assert report.result.steps[0].counterexample["n"] == "1"


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("symbol n: integer\nn\n~ n\n", 3, "needs its limit"),
        ("symbol n: integer\nn\n~ n as q -> oo\n", 3, "undeclared symbol 'q'"),
        ("symbol n: integer\nn\n~ n as n -> 0\n", 3, "can only tend to oo"),
        ("symbol n: integer\nn\n= n as n -> oo\n", 3, "belongs to a '~' step"),
        ("symbol n: integer\nn\n== n\n", 3, "expected a step"),
        ("symbol n: integer\n<= n\n", 2, "before a first expression"),
        ("symbol n: integer\ncondition: n == 2\nn\n= n\n", 2, "'=='"),
        ("symbol n: integer\ncondition: 1 < 2\nn\n= n\n", 2, "involves no symbol"),
        ("symbol n: integer\n$\\frac{n}$\n= n\n", 2, "missing argument"),
        ("symbol n: integer\n$\\input{n}$\n= n\n", 2, "not supported"),
        ("symbol n: integer\nn\n= 2m\n", 3, "undeclared symbol 'm'"),
        ("symbol n, m: positive integer\nn\n= n\nsimulation: nope.nope\n", 4, "unknown observable"),
        ("symbol n, m: positive integer\nn\n= n\nsimulation: collisions.pairs with n = n, q = m\n", 4,
         "no parameter 'q'"),
        ("symbol n, m: positive integer\nn\n= n\nsimulation: collisions.pairs at step 9\n", 4, "step must be"),
    ],
)
def test_new_text_errors(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    err = _error(write(tmp_path, "bad.txt", text))
    assert fragment in str(err)
    assert err.line == line


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ('[[steps]]\nexpr = "n"\n[[steps]]\nexpr = "n"\nrelation = "=="\n', "relation must be one of"),
        ('[[steps]]\nexpr = "n"\nrelation = "="\n[[steps]]\nexpr = "n"\n', "first step has no relation"),
        ('[[steps]]\nexpr = "n"\n[[steps]]\nexpr = "n"\nrelation = "~"\n', "needs limit"),
        ('[[steps]]\nexpr = "n"\n[[steps]]\nexpr = "n"\nlimit = "n -> oo"\n', "belongs to a '~' step"),
        ('[[steps]]\nexpr = "n"\nlatex = "n"\n[[steps]]\nexpr = "n"\n', "both expr and latex"),
        ('[conditions]\nlist = [1]\n[[steps]]\nexpr = "n"\n[[steps]]\nexpr = "n"\n', "list of strings"),
        ('[conditions]\nlst = []\n', "unknown key 'lst'"),
        ('[[steps]]\nexpr = "n"\n[[steps]]\nexpr = "n"\n[simulation]\nobservable = "collisions.pairs"\n'
         'params = { n = "n" }\n', "parameter 'm' of collisions.pairs is not given"),
        ('[[steps]]\nexpr = "n"\n[[steps]]\nexpr = "n"\n[simulation]\nobservable = "collisions.pairs"\n'
         'trials = 3\n', "unknown key 'trials'"),
    ],
)
def test_new_toml_errors(tmp_path: Path, body: str, fragment: str) -> None:
    err = _error(write(tmp_path, "bad.toml", TOML_HEAD + body))
    assert fragment in str(err) and err.line is not None


def test_only_regular_files_are_read(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    err = _error(fifo)  # would block forever if it were opened for reading
    assert "not a regular file" in str(err)
    err = _error(tmp_path)
    assert "a directory" in str(err)


def test_the_budget_ends_the_check_and_names_the_step(tmp_path: Path) -> None:
    path = write(
        tmp_path, "slow.txt",
        "symbol k: positive integer\nSum(sin(k), (k, 1, 10**7))\n= Sum(sin(k), (k, 1, 10**7)) + 0\n= 1/2\n",
    )
    report = check_derivation_file(path, timeout=4)
    assert report.exit_status == 3 and report.budget_step is not None
    assert "BUDGET EXCEEDED" in report.render_text() and "line" in report.render_text()


def test_the_five_step_example_with_a_simulation() -> None:
    report = check_derivation_file(EXAMPLES / "polysemantic.toml", points=30)
    assert [s.relation for s in report.derivation.steps] == ["", "=", "<=", "=", "~"]
    assert report.result.steps[0].status == "proved" and report.result.steps[3].status == "proved"
    assert report.result.steps[1].status in ("proved", "numerically consistent")
    assert report.simulation is not None and report.simulation.step == 2
    assert report.simulation.verdict == "verified" and report.simulation.resolution <= report.simulation.margin
    assert report.exit_status == 0
    assert "against collisions.polysemantic: VERIFIED" in report.render_text()


def test_a_wrong_form_is_rejected_by_the_simulation(tmp_path: Path) -> None:
    text = (
        "symbol n, m: positive integer\ncondition: m >= n\n"
        "n**2/(4*m)\n= n*n/(4*m)\nsimulation: collisions.polysemantic\n"
    )
    report = check_derivation_file(write(tmp_path, "w.txt", text), points=10)
    assert report.simulation.verdict == "refuted" and report.exit_status == 1


# --------------------------------------------------------------------------- polyverify check: exit status


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    from polyverify.cli import main

    rc = main(["check", *argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_check_exit_statuses(tmp_path: Path, capsys) -> None:
    import os

    ok = write(tmp_path, "ok.txt", "symbol n: positive integer\nn + n\n= 2n\n")
    assert _cli(capsys, str(ok))[0] == 0
    bad = write(tmp_path, "bad.txt", "symbol n: positive integer\nMin(n, 100)\n= n\n")
    rc, out, _ = _cli(capsys, str(bad))
    assert rc == 1 and "REFUTED" in out
    malformed = write(tmp_path, "m.txt", "symbol n: positive integer\nn\n<< n\n")
    rc, out, err = _cli(capsys, str(malformed))
    assert rc == 2 and err.count("\n") == 1 and "m.txt:3:" in err and "Traceback" not in err
    fifo = tmp_path / "fifo.txt"
    os.mkfifo(fifo)
    rc, _, err = _cli(capsys, str(fifo))
    assert rc == 2 and "not a regular file" in err and err.count("\n") == 1
    slow = write(tmp_path, "s.txt", "symbol k: positive integer\nSum(sin(k), (k, 1, 10**7))\n= 1/2\n")
    rc, out, _ = _cli(capsys, str(slow), "--timeout", "3")
    assert rc == 3 and "BUDGET EXCEEDED" in out and "step 2 (line 3)" in out
    tower = write(tmp_path, "t.txt", "symbol x: positive\nexp(exp(exp(exp(exp(exp(10))))))\n= x\n")
    rc, out, _ = _cli(capsys, str(tower), "--timeout", "30")
    assert rc == 4 and "inconclusive (could not evaluate" in out
    rc, _, err = _cli(capsys, str(ok), "--timeout", "-1")
    assert rc == 2 and "seconds > 0" in err


def test_the_issue_example_file() -> None:
    report = check_derivation_file(EXAMPLES / "benign_pairs.toml", points=20)
    assert report.exit_status == 0 and report.conclusion == "~"
    assert report.simulation.observable == "collisions.benign_pairs" and report.simulation.step == 2
