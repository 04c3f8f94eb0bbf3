"""The registry of closed forms that ``theory/`` derives.

Every module of ``theory`` registers the SymPy expressions it derives with :func:`formula`.
The verification package must cover each registered id with at least one claim; a test fails
otherwise (``tests/test_registry.py``), so no formula can sit in the library unchecked.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

__all__ = ["Formula", "formula", "registered_formulas"]


@dataclass(frozen=True, kw_only=True)
class Formula:
    """A closed form with the place it comes from.

    ``source`` cites the paper, section and equation it belongs to; ``printed`` says whether
    the paper prints this form (``True``) or the library derived it (``False``).
    """

    id: str
    expr: sp.Basic
    source: str
    printed: bool
    doc: str = ""


_FORMULAS: dict[str, Formula] = {}


def formula(id: str, expr: sp.Basic, *, source: str, printed: bool, doc: str = "") -> sp.Basic:
    """Register ``expr`` under ``id`` and return it unchanged (so modules can write
    ``EXPECTED = formula("collisions.expected_pairs", ..., source=..., printed=True)``)."""
    if id in _FORMULAS and _FORMULAS[id].expr != expr:
        raise ValueError(f"formula id {id!r} is registered twice with different expressions")
    _FORMULAS[id] = Formula(id=id, expr=expr, source=source, printed=printed, doc=doc)
    return expr


def registered_formulas() -> dict[str, Formula]:
    """All formulas registered so far (import the ``theory`` modules first)."""
    return dict(_FORMULAS)
