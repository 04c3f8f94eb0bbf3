"""Parameter validation shared by every package: each check names the parameter and the
assumption it breaks, so a bad call fails where it enters with a message a user can act on.

>>> require_int("n", 3.0)
3
>>> require_int("n", 2.5)
Traceback (most recent call last):
...
ValueError: n must be an integer (a count); got 2.5
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

__all__ = [
    "require_int",
    "require_real",
    "require_positive",
    "require_nonnegative",
    "require_in_interval",
    "require_m_ge_n",
]


def _scalar(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.number)):
        raise ValueError(f"{name} must be a real number; got {value!r}")
    x = float(value)
    if math.isnan(x):
        raise ValueError(f"{name} must not be NaN")
    return x


def require_real(name: str, value: Any, *, finite: bool = True) -> float:
    """A real, non-NaN number (finite unless ``finite=False``)."""
    x = _scalar(name, value)
    if finite and math.isinf(x):
        raise ValueError(f"{name} must be finite; got {x}")
    return x


def require_int(name: str, value: Any, *, minimum: int | None = None) -> int:
    """An integer count (an integral float such as ``3.0`` is accepted), at least ``minimum``."""
    x = require_real(name, value)
    if x != int(x):
        raise ValueError(f"{name} must be an integer (a count); got {value!r}")
    k = int(x)
    if minimum is not None and k < minimum:
        raise ValueError(f"{name} must satisfy {name} >= {minimum}; got {k}")
    return k


def require_positive(name: str, value: Any) -> float:
    x = require_real(name, value)
    if x <= 0:
        raise ValueError(f"{name} must satisfy {name} > 0; got {x}")
    return x


def require_nonnegative(name: str, value: Any) -> float:
    x = require_real(name, value)
    if x < 0:
        raise ValueError(f"{name} must satisfy {name} >= 0; got {x}")
    return x


def require_in_interval(
    name: str,
    value: Any,
    lo: float,
    hi: float,
    *,
    closed_lo: bool = True,
    closed_hi: bool = True,
) -> float:
    """``lo <= value <= hi`` with each end open or closed as asked; the message states the interval."""
    x = require_real(name, value, finite=False)
    ok_lo = x >= lo if closed_lo else x > lo
    ok_hi = x <= hi if closed_hi else x < hi
    if not (ok_lo and ok_hi):
        left = "<=" if closed_lo else "<"
        right = "<=" if closed_hi else "<"
        raise ValueError(f"{name} must satisfy {lo:g} {left} {name} {right} {hi:g}; got {x}")
    return x


def require_m_ge_n(n: Any, m: Any) -> tuple[int, int]:
    """Paper 1 (§1.1, §2.1) assumes ``m >= n``: at least as many neurons as features."""
    n_ = require_int("n", n, minimum=1)
    m_ = require_int("m", m, minimum=1)
    if m_ < n_:
        raise ValueError(
            f"m must satisfy m >= n (paper 1 §2.1: at least as many neurons as features); got n={n_}, m={m_}"
        )
    return n_, m_
