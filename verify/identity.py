r"""Checking identities and chains of equalities: a symbolic proof first, numbers second.

:func:`check_identity` tries to prove ``lhs == rhs`` by ``simplify(lhs - rhs) == 0`` (after
cheaper normal forms). When SymPy cannot decide, both sides are evaluated in high precision
(``dps`` decimal digits, mpmath through ``evalf``) at random points of the domain. A point
where the two sides differ by more than ``10**(-dps/2)`` relatively refutes the identity: an
identity that holds loses at most a few digits to cancellation at ``dps`` digits, while a
false one differs at order one for generic points. Otherwise the result is *numerically
consistent* with the number of points and the largest relative error seen.

>>> from sympy import symbols, sin, cos
>>> x = symbols("x", real=True)
>>> check_identity(sin(x)**2 + cos(x)**2, 1).status
'proved'
>>> check_identity(x**2, x).status
'refuted'
"""

from __future__ import annotations

import math
import random
import signal
import threading
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import sympy as sp

__all__ = [
    "IdentityResult",
    "DerivationResult",
    "check_identity",
    "check_derivation",
    "default_interval",
]

Status = Literal["proved", "numerically consistent", "refuted"]


@dataclass(frozen=True)
class IdentityResult:
    lhs: sp.Basic
    rhs: sp.Basic
    status: Status
    points: int = 0
    max_rel_error: float = 0.0
    counterexample: dict[str, str] | None = None

    def __bool__(self) -> bool:
        return self.status != "refuted"

    def describe(self) -> str:
        if self.status == "proved":
            return "proved (simplify(lhs - rhs) == 0)"
        if self.status == "numerically consistent":
            return (
                f"numerically consistent ({self.points} points, "
                f"max relative error {self.max_rel_error:.1e})"
            )
        where = ", ".join(f"{k}={v}" for k, v in (self.counterexample or {}).items())
        return f"refuted at {where}"


@dataclass(frozen=True)
class DerivationResult:
    steps: tuple[IdentityResult, ...]
    labels: tuple[str, ...] = field(default_factory=tuple)

    def __bool__(self) -> bool:
        return all(self.steps)

    @property
    def first_failure(self) -> int | None:
        for idx, r in enumerate(self.steps):
            if not r:
                return idx
        return None

    def describe(self) -> str:
        lines = []
        for idx, r in enumerate(self.steps):
            label = self.labels[idx] if idx < len(self.labels) else f"step {idx + 1}"
            lines.append(f"{label}: {r.describe()}")
        return "\n".join(lines)


class _Timeout(BaseException):
    """Raised by the alarm. A BaseException, so that SymPy's internal ``except Exception``
    clauses cannot swallow it and the time limit always takes effect."""


@contextmanager
def _time_limit(seconds: float):
    """Interrupt a stalled ``simplify`` (POSIX, main thread only; elsewhere no limit)."""
    usable = hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()
    if not usable or seconds <= 0:
        yield
        return

    def handler(signum, frame):  # pragma: no cover - timing dependent
        # re-arm: if some code swallows the first one, the next alarm follows shortly
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        raise _Timeout

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _symbolic_zero(diff: sp.Basic, timeout: float) -> bool:
    if diff == 0:
        return True
    try:
        with _time_limit(timeout):
            for transform in (sp.expand, sp.cancel, sp.together, sp.simplify, _doit_simplify):
                d = transform(diff)
                if d == 0:
                    return True
    except _Timeout:
        return False
    except (TypeError, NotImplementedError, RecursionError):
        return False
    return False


def _doit_simplify(expr: sp.Basic) -> sp.Basic:
    """Evaluate unevaluated sums, products and limits, then simplify and expand."""
    return sp.expand(sp.simplify(expr.doit()))


def default_interval(sym: sp.Symbol) -> tuple[float, float]:
    """Where to draw a symbol's values when no domain is given, from its assumptions."""
    if sym.is_nonnegative or sym.is_positive:
        return (0.05, 5.0) if not sym.is_integer else (1.0, 40.0)
    return (-5.0, 5.0) if not sym.is_integer else (-20.0, 20.0)


def _draw(sym: sp.Symbol, interval: tuple[float, float], rnd: random.Random) -> sp.Expr:
    lo, hi = interval
    if sym.is_integer:
        lo_i, hi_i = math.ceil(lo), math.floor(hi)
        if sym.is_positive:
            lo_i = max(lo_i, 1)
        elif sym.is_nonnegative:
            lo_i = max(lo_i, 0)
        return sp.Integer(rnd.randint(lo_i, hi_i))
    x = rnd.uniform(lo, hi)
    if sym.is_positive and x <= 0:
        x = abs(x) + 1e-3
    # a float point: evalf(subs=...) then evaluates in floating point at the requested
    # precision (an exact rational point would let SymPy build huge exact powers such as
    # Rational**Rational before evaluating)
    return sp.Float(repr(x), 30)


def check_identity(
    lhs: Any,
    rhs: Any,
    *,
    assumptions: Mapping[str, Mapping[str, bool]] | None = None,
    domain: Mapping[sp.Symbol | str, tuple[float, float]] | None = None,
    points: int = 60,
    dps: int = 40,
    seed: int = 0,
    simplify_timeout: float = 20.0,
    symbolic: bool = True,
) -> IdentityResult:
    """Check ``lhs == rhs``: ``proved``, ``numerically consistent`` or ``refuted``.

    ``assumptions`` optionally re-declares symbols by name (``{"x": {"positive": True}}``);
    ``domain`` bounds the random points per symbol (``{x: (0, 1)}``), by default taken from
    each symbol's assumptions (:func:`default_interval`). ``symbolic=False`` skips the proof
    attempt and goes straight to the numeric check.
    """
    lhs_e, rhs_e = sp.sympify(lhs, strict=True), sp.sympify(rhs, strict=True)
    if assumptions:
        repl = {}
        for s in (lhs_e.free_symbols | rhs_e.free_symbols):
            if s.name in assumptions:
                repl[s] = sp.Symbol(s.name, **dict(assumptions[s.name]))
        lhs_e, rhs_e = lhs_e.xreplace(repl), rhs_e.xreplace(repl)
    if points < 1:
        raise ValueError(f"points must satisfy points >= 1; got {points}")
    if dps < 20:
        raise ValueError(f"dps must satisfy dps >= 20 (high precision); got {dps}")
    diff = lhs_e - rhs_e
    if diff.has(sp.Sum, sp.Product, sp.Integral, sp.Limit):
        # the numeric fallback evaluates closed forms where SymPy can find them
        lhs_e, rhs_e = lhs_e.doit(), rhs_e.doit()
    if symbolic and _symbolic_zero(diff, simplify_timeout):
        return IdentityResult(lhs_e, rhs_e, "proved")

    dom = {(str(k) if not isinstance(k, str) else k): v for k, v in (domain or {}).items()}
    # every symbol of either side: a symbol that cancels in lhs - rhs still has to be given a value
    syms = sorted(lhs_e.free_symbols | rhs_e.free_symbols, key=lambda s: s.name)
    rnd = random.Random(seed)
    tol = 10.0 ** (-dps / 2)
    worst = 0.0
    used = 0
    attempts = 0
    while used < points and attempts < 20 * points:
        attempts += 1
        subs = {s: _draw(s, dom.get(s.name, default_interval(s)), rnd) for s in syms}
        try:
            a = lhs_e.evalf(dps, subs=subs)
            b = rhs_e.evalf(dps, subs=subs)
            if not (a.is_number and b.is_number):
                continue
            ac, bc = complex(a), complex(b)
        except (TypeError, ValueError, ZeroDivisionError, OverflowError):
            continue
        if not all(math.isfinite(v) for v in (ac.real, ac.imag, bc.real, bc.imag)):
            continue
        err = abs(sp.N(a - b, dps))
        scale = max(abs(ac), abs(bc), 1e-300)
        rel = float(err) / scale if scale > 1e-300 else float(err)
        used += 1
        if rel > tol:
            return IdentityResult(
                lhs_e,
                rhs_e,
                "refuted",
                points=used,
                max_rel_error=rel,
                counterexample={s.name: str(v) for s, v in subs.items()}
                | {"lhs": str(sp.N(a, 15)), "rhs": str(sp.N(b, 15))},
            )
        worst = max(worst, rel)
    if used == 0:
        raise ValueError(
            "could not evaluate both sides at any point of the domain; give a domain where they are defined"
        )
    return IdentityResult(lhs_e, rhs_e, "numerically consistent", points=used, max_rel_error=worst)


def check_derivation(
    steps: Sequence[Any], *, labels: Sequence[str] = (), **options: Any
) -> DerivationResult:
    """Check a chain ``steps[0] == steps[1] == ...``, each consecutive pair by :func:`check_identity`.

    >>> from sympy import symbols
    >>> a, b = symbols("a b", positive=True)
    >>> bool(check_derivation([(a + b)**2, a**2 + 2*a*b + b**2, (a + b)*(b + a)]))
    True
    """
    if len(steps) < 2:
        raise ValueError("steps must hold at least two expressions (a chain of equalities)")
    base_seed = int(options.pop("seed", 0))
    results = tuple(
        check_identity(steps[idx], steps[idx + 1], seed=base_seed + idx, **options)
        for idx in range(len(steps) - 1)
    )
    return DerivationResult(results, tuple(labels))
