r"""LaTeX formulas for derivation files, read by a whitelist and translated to the plain syntax.

:func:`latex_to_plain` reads a formula written in a fixed subset of LaTeX math with a
recursive-descent parser of its own and writes the same formula in the plain syntax of
:mod:`polyverify.safe_parse`, fully bracketed; :func:`parse_latex` then hands that text to
:func:`polyverify.safe_parse.parse_expression`, so a LaTeX step passes through exactly the
whitelist of symbols and functions, and the resource limits, of a plain one. Nothing is
executed and no general-purpose parser is involved (SymPy's ``parse_latex`` is not a whitelist
and hangs on inputs such as ``24! \times 24!``); every construct outside the list below is
rejected with its column.

Accepted:

* numbers (``2``, ``0.5``); single letters as symbols (``nm`` is ``n*m``); a letter with a
  subscript names the symbol ``x_1`` (``x_1``, ``x_{ij}``); ``e`` is Euler's number unless a
  symbol ``e`` is declared; ``\pi``, ``\infty``;
* Greek letters as the symbols of their names (``\alpha`` is ``alpha``), except ``\lambda`` ->
  ``lam`` (``lambda`` is a Python keyword), ``\gamma`` -> ``gamma_`` and ``\zeta`` -> ``zeta_``
  when not called (``\zeta(s)`` and ``\Gamma(x)`` are the functions); ``\mathrm{name}``,
  ``\operatorname{name}``, ``\text{name}``, ``\mathit{name}`` for longer names (a symbol, or a
  whitelisted function when followed by an argument);
* ``+ - * /``, ``\cdot``, ``\times``, products by juxtaposition (``2m``, ``n(n-1)``), powers
  ``a^{b}`` / ``a^2``, factorial ``n!``, brackets ``( )``, ``[ ]``, ``\{ \}``, ``{ }``,
  ``\left( ... \right)`` (also with ``[``, ``|``, ``.``), ``|x|``;
* ``\frac{a}{b}`` (``\dfrac``, ``\tfrac``), ``\binom{n}{k}`` (``\dbinom``, ``\tbinom``),
  ``\sqrt{x}``, ``\sqrt[k]{x}``;
* functions ``\exp \log \ln \sin \cos \tan \arcsin \arccos \arctan \sinh \cosh \tanh \min
  \max``, ``\log_{b}``, ``\sin^{2} x``; argument in brackets or a single factor (``\log n``);
  ``\zeta(s)``, ``\zeta(s, a)``, ``\Gamma(x)``, ``\operatorname{erf}(x)``;
  ``\lfloor x \rfloor``, ``\lceil x \rceil``;
* ``\sum_{k=a}^{b}`` and ``\prod_{k=a}^{b}`` over the following product term;
* ``\lim_{x \to a}`` (also ``\rightarrow``; ``a`` a number or ``\infty``, ``a^+`` / ``a^-``
  one-sided) over the following product term: an unevaluated ``limit(...)`` of the plain syntax;
* spacing ``\, \; \! \quad \qquad`` and ``\displaystyle`` are ignored.

>>> import sympy as sp
>>> n, m = sp.symbols("n m", positive=True, integer=True)
>>> latex_to_plain(r"\binom{n}{2} \frac{1}{2m}")
'binomial((n), (2))*(((1))/((2*m)))'
>>> parse_latex(r"\frac{n(n-1)}{4m}", {"n": n, "m": m})
n*(n - 1)/(4*m)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import sympy as sp

from .safe_parse import CONSTANTS, FUNCTIONS, MAX_DEPTH, MAX_TEXT_LENGTH, ParseError, parse_expression

__all__ = ["LatexError", "latex_to_plain", "parse_latex", "GREEK", "LATEX_FUNCTIONS"]


class LatexError(ParseError):
    """A LaTeX formula was rejected; ``column`` (1-based) points into the LaTeX text."""


GREEK: Final[Mapping[str, str]] = {
    **{g: g for g in (
        "alpha beta delta epsilon varepsilon eta theta vartheta iota kappa mu nu xi rho "
        "varrho sigma tau upsilon phi varphi chi psi omega Delta Theta Xi Sigma Upsilon Phi "
        "Psi Omega Lambda"
    ).split()},
    "lambda": "lam",
    "gamma": "gamma_",
    "zeta": "zeta_",
}
"""Greek letter commands and the symbol names they stand for."""

LATEX_FUNCTIONS: Final[Mapping[str, str]] = {
    "exp": "exp", "log": "log", "ln": "log", "sin": "sin", "cos": "cos", "tan": "tan",
    "arcsin": "asin", "arccos": "acos", "arctan": "atan", "sinh": "sinh", "cosh": "cosh",
    "tanh": "tanh", "min": "Min", "max": "Max",
}
"""Function commands and the whitelisted function each maps to."""

_SKIP: Final = frozenset({",", ";", "!", " ", "quad", "qquad", "displaystyle", "textstyle", ":"})
_FRAC: Final = frozenset({"frac", "dfrac", "tfrac"})
_BINOM: Final = frozenset({"binom", "dbinom", "tbinom"})
_NAMED: Final = frozenset({"mathrm", "operatorname", "text", "mathit", "textrm"})
_OPEN: Final = {"(": ")", "[": "]", "\\{": "\\}"}
_TOKEN = re.compile(
    r"(?P<cmd>\\(?:[A-Za-z]+|[,;! {}|:]))|(?P<num>\d+(?:\.\d+)?)|(?P<letter>[A-Za-z])"
    r"|(?P<op>[{}()\[\]^_+\-*/!,|=<>'])|(?P<space>\s+)"
)


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str
    col: int  # 1-based


def _tokenize(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise LatexError(f"unexpected character {text[pos]!r}", column=pos + 1)
        kind = m.lastgroup or ""
        if kind != "space":
            tok = m.group()
            if kind == "cmd" and tok[1:] in _SKIP:
                pass
            else:
                out.append(_Tok(kind, tok, pos + 1))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str, symbols: Mapping[str, sp.Symbol]) -> None:
        self.text = text
        self.toks = _tokenize(text)
        self.i = 0
        self.depth = 0
        self.symbols = symbols

    # token helpers
    def peek(self, offset: int = 0) -> _Tok | None:
        j = self.i + offset
        return self.toks[j] if j < len(self.toks) else None

    def is_(self, text: str, offset: int = 0) -> bool:
        t = self.peek(offset)
        return t is not None and t.text == text

    def col(self) -> int:
        t = self.peek()
        return t.col if t is not None else len(self.text) + 1

    def take(self) -> _Tok:
        t = self.peek()
        if t is None:
            raise LatexError("unexpected end of formula", column=len(self.text) + 1)
        self.i += 1
        return t

    def expect(self, text: str) -> _Tok:
        t = self.peek()
        if t is None or t.text != text:
            got = "the end" if t is None else repr(t.text)
            raise LatexError(f"expected {text!r}, got {got}", column=self.col())
        self.i += 1
        return t

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise LatexError(f"formula nested deeper than {MAX_DEPTH} levels", column=self.col())

    # grammar
    def parse(self) -> str:
        if not self.toks:
            raise LatexError("empty formula")
        out = self.expr()
        if self.peek() is not None:
            t = self.peek()
            raise LatexError(f"unexpected {t.text!r}", column=t.col)
        return out

    def expr(self) -> str:
        self.enter()
        parts = [self.term()]
        while self.peek() is not None and self.peek().text in ("+", "-"):
            op = self.take().text
            parts.append(op)
            parts.append(self.term())
        self.depth -= 1
        return "".join(parts) if len(parts) == 1 else "(" + " ".join(parts) + ")"

    def _starts_factor(self) -> bool:
        t = self.peek()
        if t is None:
            return False
        if t.kind in ("num", "letter"):
            return True
        if t.kind == "op":
            return t.text in ("(", "[", "{", "|") and not (t.text == "|" and self._closing_bar())
        name = t.text[1:]
        return t.kind == "cmd" and (
            name in GREEK or name in LATEX_FUNCTIONS or name in _FRAC or name in _BINOM
            or name in _NAMED or name in ("sqrt", "sum", "prod", "lim", "pi", "infty", "zeta", "Gamma",
                                          "left", "lfloor", "lceil", "{")
        )

    def _closing_bar(self) -> bool:
        return getattr(self, "_bars", 0) > 0

    def term(self) -> str:
        self.enter()
        out = self.unary()
        while True:
            t = self.peek()
            if t is None:
                break
            if t.text in ("*", "\\cdot", "\\times"):
                self.take()
                out = f"{out}*{self.unary()}"
            elif t.text == "/":
                self.take()
                out = f"({out})/({self.unary()})"
            elif self._starts_factor():
                out = f"{out}*{self.postfix()}"
            else:
                break
        self.depth -= 1
        return out

    def unary(self) -> str:
        t = self.peek()
        if t is not None and t.text in ("-", "+"):
            self.take()
            inner = self.unary()
            return f"(-{inner})" if t.text == "-" else inner
        return self.postfix()

    def postfix(self) -> str:
        self.enter()
        base = self.primary()
        while True:
            if self.is_("!"):
                self.take()
                base = f"factorial({base})"
            elif self.is_("^"):
                self.take()
                base = f"({base})**({self.argument()})"
            elif self.is_("'"):
                t = self.take()
                raise LatexError("primes (f') are not supported", column=t.col)
            else:
                break
        self.depth -= 1
        return base

    def argument(self) -> str:
        """The argument of ^, _, \\sqrt etc.: a {group} or a single token."""
        t = self.peek()
        if t is None:
            raise LatexError("missing argument", column=self.col())
        if t.text == "{":
            return self.group()
        if t.kind == "num":
            self.take()
            # ``x^23`` is x^{2}3 in TeX: a single digit
            if len(t.text) > 1 and "." not in t.text:
                self.toks.insert(self.i, _Tok("num", t.text[1:], t.col + 1))
                return t.text[0]
            return t.text
        if t.kind == "letter":
            self.take()
            return self.letter(t.text, t.col, subscripts=False)
        if t.kind == "cmd":
            return self.primary()
        if t.text == "-":  # x^-1, tolerated
            self.take()
            return f"(-{self.argument()})"
        raise LatexError(f"expected an argument, got {t.text!r}", column=t.col)

    def group(self) -> str:
        self.expect("{")
        if self.is_("}"):
            raise LatexError("empty group {}", column=self.col())
        inner = self.expr()
        self.expect("}")
        return f"({inner})"

    def raw_group(self) -> tuple[str, int]:
        """The letters of ``{name}`` (for \\mathrm and subscripts)."""
        start = self.col()
        self.expect("{")
        name = ""
        while not self.is_("}"):
            t = self.take()
            if t.kind not in ("letter", "num") and t.text != "_":
                raise LatexError(f"a name may hold letters and digits only, got {t.text!r}", column=t.col)
            name += t.text
        self.expect("}")
        if not name:
            raise LatexError("empty name {}", column=start)
        return name, start

    def letter(self, name: str, col: int, *, subscripts: bool = True) -> str:
        if subscripts and self.is_("_"):
            self.take()
            t = self.peek()
            if t is not None and t.text == "{":
                sub, _ = self.raw_group()
            elif t is not None and t.kind in ("letter", "num"):
                self.take()
                sub = t.text if t.kind == "letter" else t.text[0]
            else:
                raise LatexError("a subscript must be letters or digits", column=self.col())
            name = f"{name}_{sub}"
        if name == "e" and "e" not in self.symbols:
            return "E"
        return name

    def call_args(self) -> list[str]:
        """``( a, b )``, ``\\left( a, b \\right)`` or ``{a}``; else one factor (``\\log n``)."""
        if self.is_("\\left"):
            self.take()
            self.expect("(")
            args = self._comma_list(("\\right", ")"))
            return args
        if self.is_("("):
            self.take()
            return self._comma_list((")",))
        if self.is_("{"):
            return [self.group()]
        return [self.postfix()]

    def _comma_list(self, close: tuple[str, ...]) -> list[str]:
        args = [self.expr()]
        while self.is_(","):
            self.take()
            args.append(self.expr())
        for c in close:
            self.expect(c)
        return args

    def primary(self) -> str:
        self.enter()
        try:
            return self._primary()
        finally:
            self.depth -= 1

    def _primary(self) -> str:
        t = self.take()
        if t.kind == "num":
            return t.text
        if t.kind == "letter":
            return self.letter(t.text, t.col)
        if t.kind == "op":
            if t.text in ("(", "["):
                inner = self.expr()
                self.expect(_OPEN[t.text])
                return f"({inner})"
            if t.text == "{":
                self.i -= 1
                return self.group()
            if t.text == "|":
                self._bars = getattr(self, "_bars", 0) + 1
                inner = self.expr()
                self._bars -= 1
                self.expect("|")
                return f"Abs({inner})"
            raise LatexError(f"unexpected {t.text!r}", column=t.col)
        name = t.text[1:]
        if name == "{":
            inner = self.expr()
            self.expect("\\}")
            return f"({inner})"
        if name == "left":
            return self._left(t)
        if name in _FRAC:
            a = self.argument()
            b = self.argument()
            return f"(({a})/({b}))"
        if name in _BINOM:
            a = self.argument()
            b = self.argument()
            return f"binomial({a}, {b})"
        if name == "sqrt":
            if self.is_("["):
                self.take()
                k = self.expr()
                self.expect("]")
                return f"(({self.argument()})**(1/({k})))"
            return f"sqrt({self.argument()})"
        if name in ("sum", "prod"):
            return self._big(name, t)
        if name == "lim":
            return self._lim(t)
        if name == "pi":
            return "pi"
        if name == "infty":
            return "oo"
        if name == "lfloor" or name == "lceil":
            inner = self.expr()
            self.expect("\\rfloor" if name == "lfloor" else "\\rceil")
            return f"{'floor' if name == 'lfloor' else 'ceiling'}({inner})"
        if name in ("zeta", "Gamma") and (self.is_("(") or self.is_("\\left")):
            fn = "zeta" if name == "zeta" else "gamma"
            return f"{fn}({', '.join(self.call_args())})"
        if name in GREEK:
            return self.letter(GREEK[name], t.col)
        if name in LATEX_FUNCTIONS:
            return self._function(LATEX_FUNCTIONS[name], t)
        if name in _NAMED:
            word, col = self.raw_group()
            if word in FUNCTIONS and (self.is_("(") or self.is_("\\left") or self.is_("^")):
                return self._function(word, t)
            if word in FUNCTIONS and word not in self.symbols:
                raise LatexError(f"function {word!r} needs an argument in brackets", column=col)
            return word
        raise LatexError(
            f"LaTeX command {t.text!r} is not supported (see docs/derivation-format.md)",
            column=t.col,
        )

    def _function(self, fn: str, t: _Tok) -> str:
        power = None
        base = None
        if fn == "log" and self.is_("_"):
            self.take()
            base = self.argument()
        if self.is_("^"):
            self.take()
            power = self.argument()
        args = self.call_args()
        if base is not None:
            if len(args) != 1:
                raise LatexError("\\log_{b} takes one argument", column=t.col)
            args = [args[0], base]
        out = f"{fn}({', '.join(args)})"
        return f"({out})**({power})" if power is not None else out

    def _left(self, t: _Tok) -> str:
        opener = self.take()
        closers = {"(": ")", "[": "]", "|": "|", "\\{": "\\}", ".": None}
        if opener.text not in closers:
            raise LatexError(f"unsupported delimiter after \\left: {opener.text!r}", column=opener.col)
        inner = self.expr()
        self.expect("\\right")
        closer = self.take()
        if opener.text == "|":
            if closer.text != "|":
                raise LatexError("\\left| must close with \\right|", column=closer.col)
            return f"Abs({inner})"
        if closer.text not in (")", "]", "\\}", "."):
            raise LatexError(f"unsupported delimiter after \\right: {closer.text!r}", column=closer.col)
        return f"({inner})"

    def _big(self, name: str, t: _Tok) -> str:
        self.expect("_")
        self.expect("{")
        var_tok = self.take()
        if var_tok.kind == "letter":
            var = self.letter(var_tok.text, var_tok.col)
        elif var_tok.kind == "cmd" and var_tok.text[1:] in GREEK:
            var = GREEK[var_tok.text[1:]]
        else:
            raise LatexError(f"\\{name} needs an index: \\{name}_{{k=1}}^{{n}}", column=var_tok.col)
        self.expect("=")
        lo = self.expr()
        self.expect("}")
        self.expect("^")
        hi = self.argument()
        body = self.term()
        fn = "Sum" if name == "sum" else "Product"
        return f"{fn}({body}, ({var}, {lo}, {hi}))"


    def _lim(self, t: _Tok) -> str:
        r"""``\lim_{x \to a} body`` (``\rightarrow`` too; ``a`` a number or ``\infty`` with an
        optional sign, and ``0^+`` / ``0^-`` for one side) over the following product term, as
        ``limit(body, x, a[, "+"|"-"])``."""
        self.expect("_")
        self.expect("{")
        var_tok = self.take()
        if var_tok.kind == "letter":
            var = self.letter(var_tok.text, var_tok.col)
        elif var_tok.kind == "cmd" and var_tok.text[1:] in GREEK:
            var = GREEK[var_tok.text[1:]]
        else:
            raise LatexError("\\lim needs a variable: \\lim_{x \\to a}", column=var_tok.col)
        arrow = self.take()
        if arrow.text not in ("\\to", "\\rightarrow"):
            raise LatexError(f"expected \\to after the variable of \\lim, got {arrow.text!r}", column=arrow.col)
        sign = ""
        if self.is_("-") or self.is_("+"):
            sign = "-" if self.take().text == "-" else ""
        p = self.take()
        if p.text == "\\infty":
            point = f"{sign}oo"
        elif p.kind == "num":
            point = f"{sign}{p.text}"
        else:
            raise LatexError(f"the point of \\lim must be a number or \\infty, got {p.text!r}", column=p.col)
        direction = ""
        if self.is_("^"):
            self.take()
            braced = self.is_("{")
            if braced:
                self.take()
            d = self.take()
            if d.text not in ("+", "-"):
                raise LatexError(f"a one-sided limit reads a^+ or a^-, got {d.text!r}", column=d.col)
            if braced:
                self.expect("}")
            direction = f', "{d.text}"'
        self.expect("}")
        body = self.term()
        return f"limit({body}, {var}, {point}{direction})"


def latex_to_plain(text: str) -> str:
    """The plain-syntax text of a LaTeX formula (see the module docstring); :class:`LatexError`
    when it uses anything outside the whitelist. No symbol table is needed except for ``e``."""
    return _translate(text, {})


def _translate(text: str, symbols: Mapping[str, sp.Symbol]) -> str:
    if not isinstance(text, str):
        raise LatexError(f"formula must be a string, got {type(text).__name__}")
    if len(text) > MAX_TEXT_LENGTH:
        raise LatexError(f"formula too long ({len(text)} characters; at most {MAX_TEXT_LENGTH})")
    body = text.strip()
    if body.startswith("$") and body.endswith("$") and len(body) >= 2:
        body = body.strip("$")
    try:
        return _Parser(body, symbols).parse()
    except RecursionError:  # pragma: no cover - bounded by MAX_DEPTH
        raise LatexError("formula nested too deeply") from None


def parse_latex(text: str, symbols: Mapping[str, sp.Symbol]) -> sp.Expr:
    """A LaTeX formula as a SymPy expression over the declared ``symbols``: translated by
    :func:`latex_to_plain`, then parsed by :func:`polyverify.safe_parse.parse_expression` (the same
    whitelist and limits as a plain step). Errors in the translation point into the LaTeX text;
    errors of the plain parser name the translated text."""
    plain = _translate(text, symbols)
    try:
        return parse_expression(plain, symbols)
    except ParseError as exc:
        raise LatexError(f"{exc.message} (in the translation {plain[:80]!r})") from None


# constants the translation may emit, for the docs' sake
assert {"pi", "E", "oo"} <= set(CONSTANTS)
