r"""Symbolic proofs of one step of a derivation: ``prev REL this`` under the declared assumptions.

* ``=``: the difference ``prev - this`` reduces to zero under ``expand``, ``cancel``,
  ``together``, ``simplify``, or ``doit`` then ``simplify`` (sums, products and limits evaluated);
* ``<=``, ``<``, ``>=``, ``>``: SymPy decides the sign of the difference (``this - prev`` is
  nonnegative for ``<=``, positive for ``<``, and mirrored), after the same normal forms and
  ``factor``;
* ``~`` along ``x -> a``: ``limit(prev/this, x, a) == 1``.

Each attempt is also made after the substitutions of the side conditions
(:func:`polyverify.side_conditions.substitutions`: ``m = n + t`` with ``t >= 0`` for ``m >= n``).
These functions may run for a long time; callers run them under a deadline
(:mod:`polyverify.budget`). A proof is returned as a short description of how it was found,
``None`` when SymPy cannot decide. Nothing here declares a step false: refutations come with a
counterexample from the numeric check.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import sympy as sp

__all__ = ["Limit", "ORDER_RELATIONS", "RELATIONS", "prove", "closed_forms"]

RELATIONS: Final = ("=", "<=", "<", ">=", ">", "~")
"""Relations a step may state to the previous step."""
ORDER_RELATIONS: Final = frozenset({"<=", "<", ">=", ">"})


@dataclass(frozen=True)
class Limit:
    """``symbol -> point`` (``point`` may be ``oo``/``-oo``); ``direction`` ``"+"``, ``"-"`` or ``"+-"``."""

    symbol: sp.Symbol
    point: sp.Expr
    direction: str = "+-"
    text: str = ""

    def __post_init__(self) -> None:
        if self.direction not in ("+", "-", "+-"):
            raise ValueError(f"direction must be '+', '-' or '+-'; got {self.direction!r}")

    def describe(self) -> str:
        return self.text or f"{self.symbol} -> {self.point}"


def _normal_forms(expr: sp.Expr):
    yield "", expr
    yield "expand", sp.expand(expr)
    yield "cancel", sp.cancel(expr)
    yield "together", sp.together(expr)
    yield "factor", sp.factor(expr)
    yield "simplify", sp.simplify(expr)
    if expr.has(sp.Sum, sp.Product, sp.Integral, sp.Limit):
        done = expr.doit()
        yield "doit, simplify", sp.simplify(done)
        yield "doit, expand", sp.expand(sp.simplify(done))


def _sign_holds(expr: sp.Expr, relation: str) -> bool:
    # relation of ``this - prev`` to zero that the step claims
    if relation == "<=":
        return bool(expr.is_nonnegative)
    if relation == "<":
        return bool(expr.is_positive)
    if relation == ">=":
        return bool(expr.is_nonpositive)
    return bool(expr.is_negative)  # ">"


def _variants(
    prev: sp.Expr, this: sp.Expr, subs: Sequence[Mapping[sp.Symbol, sp.Expr]]
) -> list[tuple[str, sp.Expr, sp.Expr]]:
    out = [("", prev, this)]
    for s in subs:
        (sym, value), = s.items()
        out.append((f" with {sym} = {value}", prev.xreplace(s), this.xreplace(s)))
    return out


def prove(
    prev: sp.Expr,
    this: sp.Expr,
    relation: str,
    *,
    limit: Limit | None = None,
    substitutions: Sequence[Mapping[sp.Symbol, sp.Expr]] = (),
) -> str | None:
    """How ``prev RELATION this`` was proved, or ``None`` (see the module docstring)."""
    if relation not in RELATIONS:
        raise ValueError(f"relation must be one of {', '.join(RELATIONS)}; got {relation!r}")
    for note, a, b in _variants(prev, this, substitutions):
        try:
            if relation == "=":
                for how, d in _normal_forms(a - b):
                    if d == 0:
                        return f"zero difference ({how or 'as written'}{note})"
            elif relation in ORDER_RELATIONS:
                for how, d in _normal_forms(b - a):
                    if _sign_holds(d, relation):
                        return f"sign of the difference decided ({how or 'as written'}{note})"
            else:
                if limit is None:
                    raise ValueError("relation '~' needs a limit (e.g. 'n -> oo')")
                ratio = sp.simplify(a / b)
                value = sp.limit(ratio, limit.symbol, limit.point, limit.direction)
                if value == 1:
                    return f"limit of the ratio along {limit.describe()} is 1{note}"
        except (TypeError, NotImplementedError, AttributeError, ZeroDivisionError,
                RecursionError, ArithmeticError, sp.PolynomialError):
            continue
    return None


def closed_forms(prev: sp.Expr, this: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """Both sides with sums, products and limits evaluated where SymPy finds a closed form
    (faster and more accurate to evaluate numerically than a sum of ``10**6`` terms)."""
    out = []
    for e in (prev, this):
        if e.has(sp.Sum, sp.Product, sp.Limit):
            try:
                done = e.doit()
            except Exception:  # noqa: BLE001 - keep the expression as written
                done = e
            out.append(done if not done.has(sp.Sum, sp.Product, sp.Limit) else e)
        else:
            out.append(e)
    return out[0], out[1]
