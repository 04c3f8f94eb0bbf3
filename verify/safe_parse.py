r"""A safe parser for the formulas of derivation files: Python's ``ast`` plus a whitelist.

Text read from a user's file never reaches ``eval``, ``exec``, :func:`sympy.sympify` or
``parse_expr`` (all of which execute Python). Instead :func:`parse_expression` parses the text
with :func:`ast.parse` (which builds a syntax tree and executes nothing) and then walks the tree,
building the SymPy expression itself from a small whitelist:

* numeric literals: ``int`` and ``float`` (a float becomes the *exact* :class:`sympy.Rational`
  of its decimal text, so ``0.1`` is ``1/10``); complex literals (``1j``), strings, bytes,
  f-strings, ``True``/``False``/``None`` are rejected;
* names: the declared symbols passed in ``symbols`` and the constants ``pi``, ``E``, ``I``
  (the imaginary unit) and ``oo`` (infinity). A declared symbol shadows a constant of the same
  name. Any other name is rejected (``undeclared symbol 'x'; declare it under [symbols]``);
  dunder names (``__import__``) are rejected outright;
* unary ``+``/``-``, binary ``+ - * / **`` and parentheses (``^`` is rejected with a hint);
* calls, by plain name only and positional arguments only, to the functions of
  :data:`FUNCTIONS` with the arities listed there. ``Sum(expr, (k, a, b))`` and
  ``Product(expr, (k, a, b))`` take one or more limit tuples whose first entry is a declared
  symbol; tuples are accepted nowhere else. ``limit(expr, x, point)`` (optionally with a direction
  ``"+"``, ``"-"`` or ``"+-"``, the only string literals accepted anywhere) builds an *unevaluated*
  :class:`sympy.Limit`: it is evaluated by the checker, under its time budget.

Everything else - attribute access, subscripts, lambdas, comprehensions, comparisons, boolean
operators, the walrus, keyword or starred arguments, calls of anything but a whitelisted name -
raises :class:`ParseError` naming the construct and its position (line and 1-based column).

Resource limits, each checked before the expensive work it protects:

* the text length (:data:`MAX_TEXT_LENGTH`) before anything else, so a 10 MB input is refused in
  microseconds without being tokenized;
* the bracket nesting depth (:data:`MAX_DEPTH`) by a linear pre-scan of the raw text, and digit
  runs longer than :data:`MAX_LITERAL_DIGITS` by a regular expression, before :func:`ast.parse`
  (whose own ``RecursionError``/``MemoryError``/``SyntaxError`` are caught and re-raised as
  :class:`ParseError` too);
* the syntax tree's node count (:data:`MAX_NODES`) and depth (:data:`MAX_DEPTH`), computed
  iteratively before the recursive build starts (the terms of a long sum or product count as
  one level: such chains are built iteratively);
* numbers: ``**`` with a numeric base is evaluated by SymPy only when the exponent is a small
  rational and the result has at most :data:`MAX_NUMBER_DIGITS` digits (estimated from the
  operands' sizes first, so ``9**9**9**9`` fails at once; ``sqrt`` and ``exp(c*log(b))``, which
  SymPy turns into powers, get the same guard); exponents on symbolic bases are bounded
  by :data:`MAX_SYMBOLIC_EXPONENT` (a later ``expand`` would otherwise blow up); the functions that
  SymPy evaluates exactly at numbers (``factorial``, ``binomial``, ``gamma``, ``zeta``,
  ``harmonic``) accept numeric arguments only up to :data:`MAX_SPECIAL_ARGUMENT`; and after every
  operation the numbers at the top of the result are checked against :data:`MAX_NUMBER_DIGITS`,
  so no intermediate rational can grow without bound.

Every rejection happens well under a second and executes nothing.

>>> import sympy as sp
>>> n = sp.Symbol("n", positive=True, integer=True)
>>> parse_expression("binomial(n, 2) / 2**3 + 0.5", {"n": n})
binomial(n, 2)/8 + 1/2
>>> parse_expression("n.__class__", {"n": n})
Traceback (most recent call last):
...
verify.safe_parse.ParseError: attribute access ('.__class__') is not allowed at column 2
"""

from __future__ import annotations

import ast
import io
import keyword
import math
import re
import tokenize
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Final

import sympy as sp

__all__ = [
    "ParseError",
    "parse_expression",
    "parse_condition",
    "COMPARISONS",
    "FUNCTIONS",
    "CONSTANTS",
    "RESERVED_NAMES",
    "MAX_TEXT_LENGTH",
    "MAX_NODES",
    "MAX_DEPTH",
    "MAX_LITERAL_DIGITS",
    "MAX_NUMBER_DIGITS",
    "MAX_SYMBOLIC_EXPONENT",
    "MAX_SPECIAL_ARGUMENT",
    "MAX_ROOT_DIGITS",
    "MAX_COSTLY_OPERATIONS",
]

MAX_TEXT_LENGTH: Final = 20_000
"""Longest expression text accepted (characters)."""
MAX_NODES: Final = 2_000
"""Most syntax-tree nodes accepted."""
MAX_DEPTH: Final = 100
"""Deepest bracket nesting and syntax-tree depth accepted."""
MAX_LITERAL_DIGITS: Final = 1_000
"""Most digits in one integer literal, or in the mantissa or exponent scale of a float."""
MAX_NUMBER_DIGITS: Final = 4_000
"""Most decimal digits of any number built while parsing (numerator or denominator).

Below Python's default limit of 4300 digits for ``int``/``str`` conversion, so every parsed
expression can be printed."""
MAX_SYMBOLIC_EXPONENT: Final = 10_000
"""Largest |numeric exponent| on a non-numeric base (``x**10000``)."""
MAX_SPECIAL_ARGUMENT: Final = 1_000
"""Largest |numeric argument| of factorial, binomial, gamma, zeta and harmonic."""

_MAX_EXPONENT_DENOMINATOR: Final = 100
MAX_ROOT_DIGITS: Final = 100
"""Most digits of a number under a root or a log (SymPy tests such numbers for perfect powers)."""
MAX_COSTLY_OPERATIONS: Final = 10
"""Most roots/logs of numbers with more than :data:`_CHEAP_DIGITS` digits in one expression."""
_CHEAP_DIGITS: Final = 20
_MAX_CALL_ARGS: Final = 32
_MAX_SUM_LIMITS: Final = 4
_LOG2_10: Final = math.log2(10)


class ParseError(ValueError):
    """An expression was rejected; ``message`` says what, ``line``/``column`` (1-based) where.

    ``column`` and ``line`` are ``None`` when the problem concerns the whole text.
    """

    def __init__(
        self, message: str, *, line: int | None = None, column: int | None = None
    ) -> None:
        self.message = message
        self.line = line
        self.column = column
        where = ""
        if column is not None:
            where = f" at column {column}" if not line or line == 1 else f" at line {line}, column {column}"
        super().__init__(f"{message}{where}")


# --------------------------------------------------------------------------- whitelist

CONSTANTS: Final[Mapping[str, sp.Expr]] = {
    "pi": sp.pi,
    "E": sp.E,
    "I": sp.I,
    "oo": sp.oo,
}
"""Named constants; a declared symbol of the same name shadows them."""


def _log(*args: sp.Expr) -> sp.Expr:
    return sp.log(*args)


def _zeta(*args: sp.Expr) -> sp.Expr:
    return sp.zeta(*args)


# name -> (SymPy callable, min arity, max arity)
FUNCTIONS: Final[Mapping[str, tuple[Callable[..., sp.Expr], int, int]]] = {
    "sqrt": (sp.sqrt, 1, 1),
    "exp": (sp.exp, 1, 1),
    "log": (_log, 1, 2),  # log(x) natural, log(x, b) base b
    "sin": (sp.sin, 1, 1),
    "cos": (sp.cos, 1, 1),
    "tan": (sp.tan, 1, 1),
    "asin": (sp.asin, 1, 1),
    "acos": (sp.acos, 1, 1),
    "atan": (sp.atan, 1, 1),
    "sinh": (sp.sinh, 1, 1),
    "cosh": (sp.cosh, 1, 1),
    "tanh": (sp.tanh, 1, 1),
    "Abs": (sp.Abs, 1, 1),
    "abs": (sp.Abs, 1, 1),
    "sign": (sp.sign, 1, 1),
    "floor": (sp.floor, 1, 1),
    "ceiling": (sp.ceiling, 1, 1),
    "factorial": (sp.factorial, 1, 1),
    "binomial": (sp.binomial, 2, 2),
    "gamma": (sp.gamma, 1, 1),
    "zeta": (_zeta, 1, 2),  # zeta(s) Riemann, zeta(s, a) Hurwitz
    "harmonic": (sp.harmonic, 1, 1),
    "erf": (sp.erf, 1, 1),
    "erfc": (sp.erfc, 1, 1),
    "Min": (sp.Min, 1, _MAX_CALL_ARGS),
    "Max": (sp.Max, 1, _MAX_CALL_ARGS),
    "Sum": (sp.Sum, 2, 1 + _MAX_SUM_LIMITS),  # Sum(expr, (k, a, b), ...)
    "Product": (sp.Product, 2, 1 + _MAX_SUM_LIMITS),
    "limit": (sp.Limit, 3, 4),  # limit(expr, x, point[, "+" | "-" | "+-"]), unevaluated
}
"""Callable names: SymPy function and (minimum, maximum) number of positional arguments."""

RESERVED_NAMES: Final[frozenset[str]] = frozenset(CONSTANTS) | frozenset(FUNCTIONS)
"""Names a derivation file may not declare as symbols (to keep formulas unambiguous)."""

_SPECIAL: Final = frozenset({"factorial", "binomial", "gamma", "zeta", "harmonic"})
_LIMIT_FUNCTIONS: Final = frozenset({"Sum", "Product"})

_OPEN = frozenset("([{")
_CLOSE = frozenset(")]}")
_LONG_DIGITS = re.compile(r"\d[\d_]{%d,}" % MAX_LITERAL_DIGITS)

_NODE_NAMES: Final[Mapping[type, str]] = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscript",
    ast.Lambda: "lambda",
    ast.ListComp: "list comprehension",
    ast.SetComp: "set comprehension",
    ast.DictComp: "dict comprehension",
    ast.GeneratorExp: "generator expression",
    ast.JoinedStr: "f-string",
    ast.FormattedValue: "f-string",
    ast.NamedExpr: "assignment expression (:=)",
    ast.BoolOp: "boolean operator (and/or)",
    ast.Compare: "comparison",
    ast.IfExp: "conditional expression",
    ast.Dict: "dict display",
    ast.Set: "set display",
    ast.List: "list display",
    ast.Tuple: "tuple (only allowed as Sum/Product limits)",
    ast.Starred: "starred argument",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "slice",
}


# --------------------------------------------------------------------------- helpers


def _where(node: ast.AST) -> dict[str, int | None]:
    line = getattr(node, "lineno", None)
    col = getattr(node, "col_offset", None)
    return {"line": line, "column": None if col is None else col + 1}


def _reject(what: str, node: ast.AST) -> ParseError:
    return ParseError(f"{what} is not allowed", **_where(node))


def _attribute_error(node: ast.Attribute) -> ParseError:
    """Point at the dot of ``value.attr``."""
    end = getattr(node.value, "end_col_offset", None)
    same_line = getattr(node.value, "end_lineno", None) == getattr(node, "lineno", None)
    where = _where(node)
    if end is not None and same_line:
        where = {"line": node.value.end_lineno, "column": end + 1}
    return ParseError(f"attribute access ('.{node.attr}') is not allowed", **where)


def _digits(n: int) -> int:
    """Decimal digits of ``|n|`` from the bit length (an upper bound, no conversion)."""
    return int(abs(n).bit_length() / _LOG2_10) + 1


def _prescan(text: str) -> None:
    if len(text) > MAX_TEXT_LENGTH:
        raise ParseError(
            f"expression too long ({len(text)} characters; at most {MAX_TEXT_LENGTH})"
        )
    depth = 0
    for idx, ch in enumerate(text):
        if ch in _OPEN:
            depth += 1
            if depth > MAX_DEPTH:
                raise ParseError(
                    f"brackets nested deeper than {MAX_DEPTH}", line=None, column=idx + 1
                )
        elif ch in _CLOSE:
            depth -= 1
    m = _LONG_DIGITS.search(text)
    if m:
        raise ParseError(
            f"numeric literal with more than {MAX_LITERAL_DIGITS} digits", column=m.start() + 1
        )


def _tree_limits(tree: ast.AST) -> None:
    """Node count and depth, iteratively (no recursion on hostile input)."""
    count = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise ParseError(f"expression too large (more than {MAX_NODES} syntax nodes)")
        if depth > MAX_DEPTH:
            raise ParseError(f"expression nested deeper than {MAX_DEPTH} levels", **_where(node))
        for child in ast.iter_child_nodes(node):
            # the links of a long sum or product count as one level (see _Builder._binop)
            flat = child is getattr(node, "left", None) and _same_chain(node, child)
            stack.append((child, depth if flat else depth + 1))


def _check_number(value: sp.Basic, node: ast.AST) -> None:
    if isinstance(value, sp.Rational):
        if max(_digits(value.p), _digits(value.q)) > MAX_NUMBER_DIGITS:
            raise ParseError(
                f"number with more than {MAX_NUMBER_DIGITS} digits", **_where(node)
            )


def _check_result(value: sp.Basic, node: ast.AST) -> sp.Basic:
    """Bound the numbers at the top of a freshly built result (where arithmetic combines them)."""
    if value.has(sp.zoo, sp.nan):
        raise ParseError("expression is undefined (division by zero or similar)", **_where(node))
    _check_number(value, node)
    if isinstance(value, (sp.Mul, sp.Add, sp.Pow)):
        for arg in value.args:
            _check_number(arg, node)
            if isinstance(arg, sp.Mul) and arg.args:
                _check_number(arg.args[0], node)
    return value


def _power_digits(base: sp.Expr, exponent: sp.Rational) -> tuple[float, int]:
    """Estimated digits of the numbers SymPy would compute for ``base**exponent``.

    Returns (digits of the evaluated numeric factors, total digits of the numbers that would
    be rooted). Numeric factors are rationals and rational powers of rationals in ``base``
    (itself or its factors when it is a product); symbolic factors just carry the exponent.
    """
    factors = base.args if isinstance(base, sp.Mul) else (base,)
    total = 0.0
    rooted = 0
    for factor in factors:
        if isinstance(factor, sp.Rational):
            num, power = factor, sp.Integer(1)
        elif (
            isinstance(factor, sp.Pow)
            and isinstance(factor.base, sp.Rational)
            and isinstance(factor.exp, sp.Rational)
        ):
            num, power = factor.base, factor.exp
        else:
            continue
        if num in (0, 1, -1):
            continue
        size = max(_digits(num.p), _digits(num.q))
        total += size * abs(float(power * exponent))
        if (power * exponent).q > 1:
            rooted += size
    return total, rooted


def _radicand_digits(expr: sp.Expr) -> int:
    """Total digits of the rationals under non-integer rational powers among ``expr``'s factors."""
    total = 0
    for factor in sp.Mul.make_args(expr):
        if (
            isinstance(factor, sp.Pow)
            and isinstance(factor.base, sp.Rational)
            and isinstance(factor.exp, sp.Rational)
            and factor.exp.q > 1
        ):
            total += max(_digits(factor.base.p), _digits(factor.base.q))
    return total


_ADDITIVE: Final = (ast.Add, ast.Sub)
_MULTIPLICATIVE: Final = (ast.Mult, ast.Div)
_OPERATOR_NAMES: Final[Mapping[type, str]] = {
    ast.BitXor: "'^' (write ** for powers)",
    ast.FloorDiv: "'//'",
    ast.Mod: "'%'",
    ast.MatMult: "'@'",
    ast.LShift: "'<<'",
    ast.RShift: "'>>'",
    ast.BitAnd: "'&'",
    ast.BitOr: "'|'",
}


def _same_chain(node: ast.AST, left: ast.AST) -> bool:
    """Is ``left`` (the left operand of ``node``) a link of the same +/- or */÷ chain?"""
    if not (isinstance(node, ast.BinOp) and isinstance(left, ast.BinOp)):
        return False
    for group in (_ADDITIVE, _MULTIPLICATIVE):
        if isinstance(node.op, group) and isinstance(left.op, group):
            return True
    return False


def _check_operator(node: ast.BinOp) -> None:
    if not isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)):
        name = _OPERATOR_NAMES.get(type(node.op), type(node.op).__name__)
        raise _reject(f"operator {name}", node)


# --------------------------------------------------------------------------- builder


class _Builder:
    def __init__(self, text: str, symbols: Mapping[str, sp.Symbol]) -> None:
        self.text = text
        self.symbols = symbols
        self.costly = 0

    # guards on numbers SymPy would compute
    def _charge(self, digits: int, what: str, node: ast.AST) -> None:
        """Roots and logs of numbers: bounded in size, and in number when not small."""
        if digits > MAX_ROOT_DIGITS:
            raise ParseError(
                f"{what} of a number with more than {MAX_ROOT_DIGITS} digits", **_where(node)
            )
        if digits > _CHEAP_DIGITS:
            self.costly += 1
            if self.costly > MAX_COSTLY_OPERATIONS:
                raise ParseError(
                    f"too many roots/logs of large numbers (at most {MAX_COSTLY_OPERATIONS})",
                    **_where(node),
                )

    def _check_power(self, base: sp.Expr, exponent: sp.Expr, node: ast.AST) -> None:
        """Refuse ``base**exponent`` if SymPy would compute a huge number or a slow root."""
        if base == sp.E:
            self._check_exp(exponent, node)
            return
        if not isinstance(exponent, sp.Rational):
            return
        p, q = abs(exponent.p), exponent.q
        if p > MAX_SYMBOLIC_EXPONENT or q > _MAX_EXPONENT_DENOMINATOR:
            raise ParseError(
                f"exponent too large (|numerator| at most {MAX_SYMBOLIC_EXPONENT}, "
                f"denominator at most {_MAX_EXPONENT_DENOMINATOR})",
                **_where(node),
            )
        digits, rooted = _power_digits(base, exponent)
        if digits > MAX_NUMBER_DIGITS:
            raise ParseError(
                f"power too large (about {int(digits)} digits; at most {MAX_NUMBER_DIGITS})",
                **_where(node),
            )
        if rooted:
            self._charge(rooted, "root", node)

    def _check_exp(self, argument: sp.Expr, node: ast.AST) -> None:
        """``exp(c*log(b) + ...)`` evaluates to ``b**c``: guard it like a power."""
        for term in sp.Add.make_args(argument):
            coeff, rest = term.as_coeff_Mul()
            for factor in sp.Mul.make_args(rest):
                if isinstance(factor, sp.log) and factor.args and factor.args[0].is_number:
                    self._check_power(factor.args[0], coeff, node)

    def _pow(self, base: sp.Expr, exponent: sp.Expr, node: ast.AST) -> sp.Expr:
        self._check_power(base, exponent, node)
        return sp.Pow(base, exponent)

    def _mul(self, left: sp.Expr, right: sp.Expr, node: ast.AST) -> sp.Expr:
        # SymPy merges roots of numbers (sqrt(a)*sqrt(b) -> sqrt(a*b)) and then tests the
        # product for perfect powers, which is slow for big numbers: bound the merged size.
        radicands = _radicand_digits(left) + _radicand_digits(right)
        if radicands and _radicand_digits(left) and _radicand_digits(right):
            self._charge(radicands, "product of roots", node)
        return left * right

    def build(self, node: ast.AST) -> sp.Expr:
        if isinstance(node, ast.Expression):
            return self.build(node.body)
        if isinstance(node, ast.Constant):
            return self._constant(node)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.UnaryOp):
            return self._unary(node)
        if isinstance(node, ast.BinOp):
            return self._binop(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.Attribute):
            raise _attribute_error(node)
        raise _reject(_NODE_NAMES.get(type(node), type(node).__name__), node)

    # literals and names
    def _constant(self, node: ast.Constant) -> sp.Expr:
        value = node.value
        if isinstance(value, bool) or value is None or value is Ellipsis:
            raise _reject(f"constant {value!r}", node)
        if isinstance(value, int):
            if _digits(value) > MAX_LITERAL_DIGITS:
                raise ParseError(
                    f"integer literal with more than {MAX_LITERAL_DIGITS} digits", **_where(node)
                )
            return sp.Integer(value)
        if isinstance(value, float):
            return self._float(node)
        if isinstance(value, complex):
            raise _reject("complex literal (write I for the imaginary unit)", node)
        if isinstance(value, (str, bytes)):
            raise _reject("string" if isinstance(value, str) else "bytes literal", node)
        raise _reject(f"literal of type {type(value).__name__}", node)

    def _float(self, node: ast.Constant) -> sp.Expr:
        src = ast.get_source_segment(self.text, node)
        if src is None:  # pragma: no cover - positions always present from ast.parse
            raise _reject("float literal without source text", node)
        src = src.replace("_", "")
        try:
            dec = Decimal(src)
        except InvalidOperation:  # pragma: no cover - Python accepted it as a float
            raise _reject(f"float literal {src!r}", node) from None
        if not dec.is_finite():  # pragma: no cover
            raise _reject(f"float literal {src!r}", node)
        sign, digits, exponent = dec.as_tuple()
        assert isinstance(exponent, int)
        if len(digits) > MAX_LITERAL_DIGITS or abs(exponent) > MAX_LITERAL_DIGITS:
            raise ParseError(
                f"float literal {src[:40]!r} too large or too precise "
                f"(at most {MAX_LITERAL_DIGITS} digits and exponent)",
                **_where(node),
            )
        mantissa = int("".join(map(str, digits)) or "0")
        if sign:
            mantissa = -mantissa
        if exponent >= 0:
            return sp.Integer(mantissa * 10**exponent)
        return sp.Rational(mantissa, 10**-exponent)

    def _name(self, node: ast.Name) -> sp.Expr:
        name = node.id
        if name.startswith("__"):
            raise _reject(f"dunder name '{name}'", node)
        if name in self.symbols:
            return self.symbols[name]
        if name in CONSTANTS:
            return CONSTANTS[name]
        if name in FUNCTIONS:
            raise ParseError(f"function '{name}' used without a call", **_where(node))
        raise ParseError(
            f"undeclared symbol '{name}'; declare it under [symbols]", **_where(node)
        )

    # operators
    def _unary(self, node: ast.UnaryOp) -> sp.Expr:
        if isinstance(node.op, ast.USub):
            return _check_result(-self.build(node.operand), node)
        if isinstance(node.op, ast.UAdd):
            return self.build(node.operand)
        op = {ast.Not: "'not'", ast.Invert: "'~'"}.get(type(node.op), type(node.op).__name__)
        raise _reject(f"unary operator {op}", node)

    def _binop(self, node: ast.BinOp) -> sp.Expr:
        # A chain a + b - c + ... (or a * b / c ...) is a left-leaning tree as deep as it is
        # long: walk its left spine iteratively, so long sums and products need no recursion.
        chain: list[ast.BinOp] = [node]
        while _same_chain(chain[-1], chain[-1].left):
            chain.append(chain[-1].left)  # type: ignore[arg-type]
        for link in chain:
            _check_operator(link)
        result = self.build(chain[-1].left)
        for link in reversed(chain):
            result = self._apply(link, result, self.build(link.right))
        return result

    def _apply(self, node: ast.BinOp, left: sp.Expr, right: sp.Expr) -> sp.Expr:
        op = node.op
        if isinstance(op, ast.Add):
            result = left + right
        elif isinstance(op, ast.Sub):
            result = left - right
        elif isinstance(op, ast.Mult):
            result = self._mul(left, right, node)
        elif isinstance(op, ast.Div):
            if right == 0:
                raise ParseError("division by zero", **_where(node))
            result = self._mul(left, self._pow(right, sp.Integer(-1), node), node)
        else:
            result = self._pow(left, right, node)
        return _check_result(result, node)

    # calls
    def _call(self, node: ast.Call) -> sp.Expr:
        func = node.func
        if not isinstance(func, ast.Name):
            if isinstance(func, ast.Attribute):
                raise _attribute_error(func)
            raise _reject("call of a computed object (only plain function names)", node)
        name = func.id
        if name.startswith("__"):
            raise _reject(f"dunder name '{name}'", func)
        if name in self.symbols or (name in CONSTANTS and name not in FUNCTIONS):
            # ``n(n - 1)``: a declared symbol (or a constant) times a bracket
            if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
                raise ParseError(
                    f"'{name}' is a symbol, not a function: '{name}(...)' multiplies it by one "
                    "bracketed expression",
                    **_where(func),
                )
            return _check_result(self._mul(self._name(func), self.build(node.args[0]), node), node)
        if name not in FUNCTIONS:
            raise ParseError(
                f"call of '{name}' is not allowed (allowed functions: "
                f"{', '.join(sorted(FUNCTIONS))})",
                **_where(func),
            )
        if node.keywords:
            raise _reject(f"keyword argument in call of '{name}'", node.keywords[0])
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise _reject("starred argument", arg)
        fn, lo, hi = FUNCTIONS[name]
        nargs = len(node.args)
        if not lo <= nargs <= hi:
            expected = str(lo) if lo == hi else f"{lo} to {hi}"
            raise ParseError(
                f"{name}() takes {expected} arguments, got {nargs}", **_where(node)
            )
        if name == "limit":
            return _check_result(self._limit_call(node), node)
        if name in _LIMIT_FUNCTIONS:
            body = self.build(node.args[0])
            limits = [self._limit(arg, name) for arg in node.args[1:]]
            return _check_result(fn(body, *limits), node)
        args = [self.build(arg) for arg in node.args]
        if name in _SPECIAL:
            for arg, arg_node in zip(args, node.args):
                if arg.is_number and arg.is_comparable and abs(arg) > MAX_SPECIAL_ARGUMENT:
                    raise ParseError(
                        f"{name}() of a number larger than {MAX_SPECIAL_ARGUMENT}",
                        **_where(arg_node),
                    )
        if name == "sqrt":  # a power: the same guard as **
            return _check_result(self._pow(args[0], sp.Rational(1, 2), node), node)
        if name == "exp":
            self._check_exp(args[0], node)
        if name == "log":
            for arg, arg_node in zip(args, node.args):
                if isinstance(arg, sp.Rational):
                    self._charge(max(_digits(arg.p), _digits(arg.q)), "log", arg_node)
        try:
            result = fn(*args)
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise ParseError(f"{name}(): {exc}", **_where(node)) from None
        return _check_result(result, node)

    def _limit_call(self, node: ast.Call) -> sp.Expr:
        """``limit(expr, x, point[, direction])`` as an unevaluated :class:`sympy.Limit` (it is
        evaluated later, under the time budget). ``x`` a declared symbol, ``point`` a real number,
        ``oo`` or ``-oo`` (only those for an integer ``x``), ``direction`` one of the string
        literals ``"+"``, ``"-"``, ``"+-"`` (default two-sided; towards ``oo`` from below)."""
        var_node, point_node = node.args[1], node.args[2]
        var = self.build(var_node)
        if not isinstance(var, sp.Symbol) or not isinstance(var_node, ast.Name):
            raise ParseError("limit() variable must be a declared symbol", **_where(var_node))
        point = self.build(point_node)
        if point not in (sp.oo, -sp.oo) and not (point.is_number and point.is_real):
            raise ParseError("limit() point must be a real number, oo or -oo", **_where(point_node))
        if var.is_integer and point not in (sp.oo, -sp.oo):
            raise ParseError(f"the integer symbol '{var}' can only tend to oo or -oo", **_where(point_node))
        direction = "+-"
        if len(node.args) == 4:
            d = node.args[3]
            if not (isinstance(d, ast.Constant) and isinstance(d.value, str) and d.value in ("+", "-", "+-")):
                raise ParseError('limit() direction must be "+", "-" or "+-"', **_where(d))
            direction = d.value
        if point in (sp.oo, -sp.oo):
            direction = "-" if point is sp.oo else "+"
        body = self.build(node.args[0])
        return sp.Limit(body, var, point, direction)

    def _limit(self, node: ast.AST, func: str) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
        if not isinstance(node, ast.Tuple) or len(node.elts) != 3:
            raise ParseError(
                f"{func}() limits must be tuples (k, lower, upper)", **_where(node)
            )
        var_node = node.elts[0]
        var = self.build(var_node)
        if not isinstance(var, sp.Symbol) or not isinstance(var_node, ast.Name):
            raise ParseError(
                f"{func}() index must be a declared symbol", **_where(var_node)
            )
        return (var, self.build(node.elts[1]), self.build(node.elts[2]))


# --------------------------------------------------------------------------- entry point

COMPARISONS: Final[Mapping[type, str]] = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
"""Comparison operators of side conditions (:func:`parse_condition`)."""


def _implicit_products(source: str) -> tuple[str, list[tuple[int, int]]]:
    """Insert ``*`` where a product is written by juxtaposition: ``2m``, ``2(n+1)``, ``(a)(b)``,
    ``(a)b``, ``(a)2``. Returns the new text and the (line, column) of each inserted ``*`` in the
    original text, to map error positions back. A declared symbol before ``(`` (``n(n-1)``) is
    handled by the builder, not here. Text the tokenizer refuses is returned unchanged (the
    parser then reports the problem)."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, ValueError):
        return source, []
    inserts: list[tuple[int, int]] = []
    prev = None
    for tok in tokens:
        if prev is not None and tok.start == prev.end:
            left_ok = prev.type == tokenize.NUMBER or (prev.type == tokenize.OP and prev.string == ")")
            right_ok = tok.type in (tokenize.NAME, tokenize.NUMBER) or (
                tok.type == tokenize.OP and tok.string == "("
            )
            if prev.type == tokenize.NUMBER and tok.type == tokenize.NUMBER:
                right_ok = False
            if left_ok and right_ok and not keyword.iskeyword(tok.string):
                inserts.append(tok.start)
        if tok.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT,
                            tokenize.DEDENT, tokenize.ENDMARKER):
            prev = tok
    if not inserts:
        return source, []
    lines = source.split("\n")
    for line, col in sorted(inserts, reverse=True):
        text = lines[line - 1]
        lines[line - 1] = text[:col] + "*" + text[col:]
    return "\n".join(lines), inserts


def _original_column(line: int | None, column: int | None, inserts: list[tuple[int, int]]) -> int | None:
    if column is None:
        return None
    row = line or 1
    before = 0
    for ins_line, ins_col in sorted(inserts):
        # an insertion at original column c (0-based) sits at new column c + before (0-based)
        if ins_line == row and ins_col + before < column - 1:
            before += 1
    return column - before


def _parse_tree(text: str) -> tuple[str, ast.Expression, list[tuple[int, int]]]:
    if not isinstance(text, str):
        raise ParseError(f"expression must be a string, got {type(text).__name__}")
    _prescan(text)
    source = text.strip()
    if not source:
        raise ParseError("empty expression")
    if "\x00" in source:
        raise ParseError("NUL character in expression")
    source, inserts = _implicit_products(source)
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        col = exc.offset if exc.offset else None
        col = _original_column(exc.lineno, col, inserts)
        raise ParseError(f"syntax error: {exc.msg}", line=exc.lineno, column=col) from None
    except (RecursionError, MemoryError):
        raise ParseError("expression nested too deeply") from None
    except ValueError as exc:  # e.g. source text the tokenizer refuses
        raise ParseError(f"syntax error: {exc}") from None
    _tree_limits(tree)
    return source, tree, inserts


def _build(text: str, source: str, inserts: list[tuple[int, int]], build: Callable[[], object]) -> object:
    try:
        return build()
    except ParseError as exc:
        column = _original_column(exc.line, exc.column, inserts)
        shift = len(text) - len(text.lstrip())
        if column is not None and exc.line in (None, 1):
            column += shift
        if column != exc.column:
            raise ParseError(exc.message, line=exc.line, column=column) from None
        raise
    except RecursionError:  # pragma: no cover - bounded by MAX_DEPTH
        raise ParseError("expression nested too deeply") from None
    except (TypeError, ValueError, ArithmeticError, AttributeError) as exc:
        raise ParseError(f"cannot build expression: {exc}") from None


def parse_expression(text: str, symbols: Mapping[str, sp.Symbol]) -> sp.Expr:
    """Parse ``text`` into a SymPy expression over the declared ``symbols`` (name -> Symbol).

    Only the whitelisted grammar of this module's docstring is accepted; anything else, and any
    input beyond the resource limits, raises :class:`ParseError`. Nothing in ``text`` is executed.
    Products may be written by juxtaposition: ``2m``, ``2(n + 1)``, ``(n - 1)(n - 2)`` and
    ``n(n - 1)`` for a declared symbol ``n``.

    >>> n = sp.Symbol("n", positive=True)
    >>> parse_expression("n(n - 1)/2m", {"n": n, "m": sp.Symbol("m")})
    m*n*(n - 1)/2
    """
    source, tree, inserts = _parse_tree(text)
    result = _build(text, source, inserts, lambda: _Builder(source, symbols).build(tree))
    if not isinstance(result, sp.Expr):  # pragma: no cover - every builder returns an Expr
        raise ParseError("not an expression")
    return result


def parse_condition(
    text: str, symbols: Mapping[str, sp.Symbol]
) -> tuple[tuple[sp.Expr, str, sp.Expr], ...]:
    """Parse a side condition such as ``m >= n`` or ``0 < lam*sqrt(m) < 1`` into its comparisons.

    A chain ``a < b < c`` becomes ``((a, "<", b), (b, "<", c))``. The sides go through the same
    whitelist as :func:`parse_expression`; the operators are those of :data:`COMPARISONS`.

    >>> m, n = sp.symbols("m n", positive=True)
    >>> parse_condition("m >= 2n", {"m": m, "n": n})
    ((m, '>=', 2*n),)
    """
    source, tree, inserts = _parse_tree(text)
    body = tree.body
    if not isinstance(body, ast.Compare):
        raise ParseError("a condition must be a comparison such as 'm >= n' or '0 < x < 1'")
    for op in body.ops:
        if type(op) not in COMPARISONS:
            name = {ast.Eq: "==", ast.NotEq: "!=", ast.In: "in", ast.NotIn: "not in",
                    ast.Is: "is", ast.IsNot: "is not"}.get(type(op), type(op).__name__)
            raise ParseError(f"comparison {name!r} is not allowed in a condition (use <, <=, >, >=)")

    def build() -> tuple[tuple[sp.Expr, str, sp.Expr], ...]:
        builder = _Builder(source, symbols)
        sides = [builder.build(body.left)] + [builder.build(c) for c in body.comparators]
        return tuple(
            (sides[i], COMPARISONS[type(op)], sides[i + 1]) for i, op in enumerate(body.ops)
        )

    return _build(text, source, inserts, build)  # type: ignore[return-value]
