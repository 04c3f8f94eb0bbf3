"""Grammar-based fuzz of the plain and LaTeX syntaxes of derivation files (Hypothesis).

Asserted for every input: parsing returns an expression or raises ParseError (no other
exception, so the CLI never shows a traceback), nothing is executed (eval, exec, sympify,
parse_expr and os.system are tripwires while parsing), and a check of a parsed step returns
within its wall-clock budget. The default run draws the profile's examples; the slow tier
(``-m slow``) draws 10,000 inputs per syntax.
"""

from __future__ import annotations

import builtins
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from polyverify.identity import check_relation
from polyverify.latex_parse import parse_latex
from polyverify.safe_parse import FUNCTIONS, ParseError, parse_expression

# the recursive grammars below have a large repr, which Hypothesis warns about; it is harmless
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")

n, m = sp.symbols("n m", positive=True, integer=True)
x = sp.Symbol("x", real=True)
SYMS = {"n": n, "m": m, "x": x}

_PLAIN_ATOMS = st.sampled_from(
    ["n", "m", "x", "0", "1", "2", "10", "0.5", "1e3", "pi", "E", "oo", "I", "q", "__import__",
     "os", "lambda", "'s'", "[1]", "None", "True", "9**9**9", "1/0", "()"]
)
_PLAIN_OPS = st.sampled_from([" + ", " - ", "*", "/", "**", "", " ^ ", "//", " % ", ".", " < ", ",", " and "])
_PLAIN_FUNCS = st.sampled_from(sorted(FUNCTIONS) + ["eval", "exec", "open", "getattr"])


def _plain(children):
    return st.one_of(
        st.tuples(children, _PLAIN_OPS, children).map("".join),
        st.tuples(_PLAIN_FUNCS, children).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(_PLAIN_FUNCS, children, children).map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
        children.map(lambda c: f"({c})"),
        children.map(lambda c: f"-{c}"),
        st.tuples(children, children).map(lambda t: f"Sum({t[0]}, (n, 1, {t[1]}))"),
    )


PLAIN = st.recursive(_PLAIN_ATOMS, _plain, max_leaves=12)

_TEX_ATOMS = st.sampled_from(
    ["n", "m", "x", "2", "10", "0.5", "e", r"\pi", r"\infty", r"\alpha", r"\lambda", "q",
     r"\input{x}", r"\def", "!", "|x|", r"\mathrm{os}", r"\mathrm{lam}", "{}", "'"]
)
_TEX_OPS = st.sampled_from(["+", "-", r"\cdot", r"\times", "", " ", "/", "^", "_", "!", "="])
_TEX_CMDS = st.sampled_from(
    [r"\frac", r"\binom", r"\sqrt", r"\exp", r"\log", r"\sin", r"\zeta", r"\Gamma", r"\min", r"\left(",
     r"\lfloor", r"\mathrm", r"\operatorname", r"\unknown"]
)


def _tex(children):
    return st.one_of(
        st.tuples(children, _TEX_OPS, children).map("".join),
        st.tuples(_TEX_CMDS, children).map(lambda t: f"{t[0]}{{{t[1]}}}"),
        st.tuples(_TEX_CMDS, children, children).map(lambda t: f"{t[0]}{{{t[1]}}}{{{t[2]}}}"),
        children.map(lambda c: f"\\left({c}\\right)"),
        children.map(lambda c: f"{{{c}}}^{{{c}}}"),
        st.tuples(children, children).map(lambda t: f"\\sum_{{n=1}}^{{{t[0]}}} {t[1]}"),
        children.map(lambda c: f"\\lim_{{n \\to \\infty}} {c}"),
        children.map(lambda c: f"({c}"),
    )


LATEX = st.recursive(_TEX_ATOMS, _tex, max_leaves=12)


_PACKAGE = str(Path(parse_expression.__code__.co_filename).parent)


@contextmanager
def _tripwires(text: str):
    """Fail if the parsers call eval/exec themselves, or anything executes the input text.

    SymPy executes and parses code of its own (modules imported lazily, the monomial operations
    it generates in ``sympy.polys``, strings in ``evalf``): allowed, as long as the input is not
    in it and the call does not come from this library's code."""
    calls: list[str] = []

    def trip(name, original):
        def f(*a, **k):
            code = a[0] if a else None
            caller = sys._getframe(1).f_code.co_filename
            source = code if isinstance(code, str) else ""
            # (inputs shorter than 4 characters, such as 'n', coincide with names SymPy parses
            # for itself, e.g. unit prefixes while sympy.physics loads)
            body = text.strip()
            if caller.startswith(_PACKAGE) or (len(body) >= 4 and body in source):
                calls.append(name)
                raise AssertionError(f"{name} called on the input or by the parser")
            if len(a) == 1 and not k and name in ("eval", "exec"):
                # eval/exec without namespaces use the caller's: pass those on (numpy's f2py
                # evaluates lambdas over its own locals while it loads)
                frame = sys._getframe(1)
                return original(a[0], frame.f_globals, frame.f_locals)
            return original(*a, **k)
        return f

    def never(name):
        def f(*a, **k):
            calls.append(name)
            raise AssertionError(f"{name} called while parsing")
        return f

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(builtins, "eval", trip("eval", builtins.eval))
        mp.setattr(builtins, "exec", trip("exec", builtins.exec))
        mp.setattr(os, "system", never("os.system"))
        # SymPy parses strings of its own in places (evalf's integer parts): allowed likewise
        mp.setattr(sp, "sympify", trip("sympify", sp.sympify))
        mp.setattr(sp.parsing.sympy_parser, "parse_expr", trip("parse_expr", sp.parsing.sympy_parser.parse_expr))
        yield calls
    assert not calls, calls


def _parse_ok(parse, text) -> sp.Expr | None:
    with _tripwires(text):
        try:
            result = parse(text, SYMS)
        except ParseError:
            return None
    assert isinstance(result, sp.Expr)
    return result


@given(PLAIN)
def test_plain_syntax_never_raises_anything_else(text):
    _parse_ok(parse_expression, text)


@given(LATEX)
def test_latex_syntax_never_raises_anything_else(text):
    _parse_ok(parse_latex, text)


@settings(max_examples=8)
@given(st.one_of(PLAIN.map(lambda t: ("plain", t)), LATEX.map(lambda t: ("latex", t))))
def test_a_parsed_step_is_checked_within_its_budget(item):
    kind, text = item
    expr = _parse_ok(parse_expression if kind == "plain" else parse_latex, text)
    if expr is None:
        return
    budget = 3.0
    start = time.monotonic()
    r = check_relation(expr, expr + 1, "=", timeout=budget, points=10)
    elapsed = time.monotonic() - start
    assert r.status in ("proved", "numerically consistent", "refuted", "inconclusive")
    # a behaviour requirement (the budget holds), not a benchmark: the slack covers starting
    # and killing the two child processes
    assert elapsed < budget + 10.0


@pytest.mark.slow
@settings(max_examples=10_000)
@given(PLAIN)
def test_plain_syntax_slow_tier(text):
    _parse_ok(parse_expression, text)


@pytest.mark.slow
@settings(max_examples=10_000)
@given(LATEX)
def test_latex_syntax_slow_tier(text):
    _parse_ok(parse_latex, text)
