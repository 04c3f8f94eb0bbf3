"""The rule catalogue's registry: every kind of test registers here, and the package's
``__all__`` is checked against it at import (as Hypothesis checks its strategies)."""

from __future__ import annotations

from typing import TypeVar

__all__ = ["rule", "registered_rules"]

_RULES: dict[str, type] = {}

T = TypeVar("T", bound=type)


def rule(cls: T) -> T:
    """Register ``cls`` as a kind of test of the catalogue."""
    if cls.__name__ in _RULES and _RULES[cls.__name__] is not cls:
        raise ValueError(f"rule {cls.__name__!r} is registered twice")
    for method in ("planned_comparisons", "run"):
        if not callable(getattr(cls, method, None)):
            raise TypeError(f"rule {cls.__name__} lacks a {method}() method")
    _RULES[cls.__name__] = cls
    return cls


def registered_rules() -> dict[str, type]:
    """Name -> class of every registered rule."""
    return dict(_RULES)
