r"""Side conditions between symbols (``m >= n``, ``0 < lam*sqrt(m) < 1``): in proofs and in sampling.

A :class:`Condition` is one comparison ``left OP right`` with ``OP`` in ``< <= > >=`` (a chain
``0 < a < 1`` is two conditions). Conditions restrict the domain two ways:

* **sampling**: :func:`holds_at` decides a condition at a point (at 30 digits, exact for
  integers); points where some condition fails, or cannot be decided, are not used;
  :func:`boundary_points` puts points on the boundary ``s = right`` of a condition whose one side
  is a symbol ``s`` (the tight case, where inequalities are most often violated);
* **proofs**: a condition ``s >= e`` (or ``s > e``, or mirrored) whose one side is a symbol ``s``
  not occurring in ``e`` is used by substituting :math:`s = e + t` with a fresh symbol
  :math:`t \ge 0` (:math:`t > 0` for a strict one; integer when ``s`` and ``e`` are), which SymPy's
  assumptions can then use (:func:`substitutions`). Conditions of any other shape restrict the
  sampled domain only; a proof found without them holds a fortiori.

>>> m, n = sp.symbols("m n", positive=True, integer=True)
>>> c = Condition(m, ">=", n, "m >= n")
>>> holds_at(c, {m: sp.Integer(3), n: sp.Integer(2)}), holds_at(c, {m: sp.Integer(1), n: sp.Integer(2)})
(True, False)
>>> substitutions([c])[0]
{m: n + t_m}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import sympy as sp

from .precision import NotEvaluable, evaluate

__all__ = ["Condition", "holds_at", "all_hold", "boundary_points", "substitutions"]

_DPS: Final = 30
"""Digits used to decide a condition at a point."""


@dataclass(frozen=True)
class Condition:
    """``left OP right``; ``text`` is the condition as written, for reports and errors."""

    left: sp.Expr
    op: str
    right: sp.Expr
    text: str

    def __post_init__(self) -> None:
        if self.op not in ("<", "<=", ">", ">="):
            raise ValueError(f"op must be one of <, <=, >, >=; got {self.op!r}")

    @property
    def free_symbols(self) -> set[sp.Symbol]:
        return set(self.left.free_symbols | self.right.free_symbols)


def holds_at(cond: Condition, point: Mapping[sp.Symbol, sp.Rational]) -> bool:
    """Does ``cond`` hold at ``point``? ``False`` when it cannot be evaluated there."""
    try:
        diff = evaluate(cond.right - cond.left, point, _DPS)
    except NotEvaluable:
        return False
    if diff.imag != 0:
        return False
    d = diff.real  # right - left
    return {"<": d > 0, "<=": d >= 0, ">": d < 0, ">=": d <= 0}[cond.op]


def all_hold(conditions: Sequence[Condition], point: Mapping[sp.Symbol, sp.Rational]) -> bool:
    return all(holds_at(c, point) for c in conditions)


def _symbol_side(cond: Condition) -> tuple[sp.Symbol, str, sp.Expr] | None:
    """``(s, op, e)`` with ``s OP e`` equivalent to ``cond`` and ``s`` a symbol not in ``e``."""
    flip = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}
    if isinstance(cond.left, sp.Symbol) and cond.left not in cond.right.free_symbols:
        return cond.left, cond.op, cond.right
    if isinstance(cond.right, sp.Symbol) and cond.right not in cond.left.free_symbols:
        return cond.right, flip[cond.op], cond.left
    return None


def boundary_points(
    conditions: Sequence[Condition], base: Mapping[sp.Symbol, sp.Rational]
) -> list[dict[sp.Symbol, sp.Rational]]:
    """Points on the boundaries of the conditions ``s OP e``: ``base`` with ``s`` moved to ``e``
    (to the nearest integer on the allowed side for an integer ``s``)."""
    out = []
    for cond in conditions:
        shape = _symbol_side(cond)
        if shape is None:
            continue
        s, op, e = shape
        try:
            value = evaluate(e, base, _DPS)
        except NotEvaluable:
            continue
        if value.imag != 0:
            continue
        v = sp.Float(str(value.real), _DPS)
        if s.is_integer:
            if op in (">=", ">"):
                iv = sp.ceiling(v) + (1 if op == ">" and v == sp.ceiling(v) else 0)
            else:
                iv = sp.floor(v) - (1 if op == "<" and v == sp.floor(v) else 0)
            new = sp.Integer(iv)
        elif op in (">=", "<="):
            new = sp.Rational(v)
        else:
            continue  # a strict real boundary is approached by the random points
        point = dict(base)
        point[s] = new
        out.append(point)
    return out


def substitutions(conditions: Sequence[Condition]) -> list[dict[sp.Symbol, sp.Expr]]:
    """One substitution ``{s: e + t}`` per usable condition (see the module docstring)."""
    out = []
    for cond in conditions:
        shape = _symbol_side(cond)
        if shape is None:
            continue
        s, op, e = shape
        integer = bool(s.is_integer and e.is_integer)
        strict = op in ("<", ">")
        assumptions = {"positive" if strict else "nonnegative": True}
        if integer:
            assumptions["integer"] = True
        t = sp.Symbol(f"t_{s.name}", **assumptions)
        out.append({s: e + t} if op in (">=", ">") else {s: e - t})
    return out
