r"""Where a numeric check looks: points drawn across magnitudes, with the domain's edges pinned.

A false identity is often false only somewhere: ``Min(n, 100) = n`` only for ``n > 100``,
``1/(1 - exp(-m)) = 1`` visibly only near the small end of ``m``'s range. Points are therefore

* **pinned** first: the corners of the box of intervals (every symbol at its lower or upper
  edge; at most :data:`MAX_CORNERS` of them), and points on the boundary of each side condition
  ``s OP expr`` with ``s`` a symbol (``s`` set to ``expr``, or to the nearest integer on the
  allowed side of a strict condition);
* then drawn **log-uniformly** in magnitude: ``|x| = exp(U(log a, log b))`` on each side of
  zero that the interval covers (``a`` six decades below the edge when the interval reaches
  zero), so every decade is as likely as every other; integers are the floor of such draws.

Without a domain an integer symbol ranges over :data:`DEFAULT_INTEGER_RANGE` (up to ``10**6``,
signs from its assumptions) and a real one over :data:`DEFAULT_REAL_RANGE` decades. Side
conditions (:class:`polyverify.side_conditions.Condition`) are enforced by rejection: a drawn
point is kept only when every condition holds there. Values are exact (``Integer`` or the
exact ``Rational`` of a drawn binary float), so each evaluation rounds them to its own precision.
Draws are deterministic given ``seed``.

For checks against a simulation (:mod:`polyverify.observables`), :func:`hypothesis_points` gives
the same intervals as a Hypothesis strategy (integers for integer symbols, floats for real ones,
the open edge of a sign assumption excluded), and :func:`lower_corner` the point pinned first.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Final

import sympy as sp

__all__ = [
    "DEFAULT_INTEGER_RANGE",
    "DEFAULT_REAL_RANGE",
    "MAX_CORNERS",
    "default_interval",
    "draw_points",
    "hypothesis_points",
    "lower_corner",
]

DEFAULT_INTEGER_RANGE: Final = 10**6
"""Largest |value| of an integer symbol without a domain (log-uniform draws reach it)."""
DEFAULT_REAL_RANGE: Final = (1e-3, 1e3)
"""Magnitudes of a real symbol without a domain: six decades, log-uniform."""
MAX_CORNERS: Final = 16
"""Most corners of the box of intervals pinned (a deterministic choice when there are more)."""
_DECADES_BELOW: Final = 6.0
"""An interval reaching zero is drawn from ``edge * 10**-6`` up to its edge (and 0 is pinned)."""

Point = dict[sp.Symbol, sp.Rational]


def default_interval(sym: sp.Symbol) -> tuple[float, float]:
    """A symbol's sampling interval when none is given, from its sign and integer assumptions."""
    if sym.is_integer:
        big = float(DEFAULT_INTEGER_RANGE)
        if sym.is_positive:
            return (1.0, big)
        if sym.is_nonnegative:
            return (0.0, big)
        if sym.is_negative:
            return (-big, -1.0)
        if sym.is_nonpositive:
            return (-big, 0.0)
        return (-big, big)
    lo, hi = DEFAULT_REAL_RANGE
    if sym.is_positive:
        return (lo, hi)
    if sym.is_nonnegative:
        return (0.0, hi)
    if sym.is_negative:
        return (-hi, -lo)
    if sym.is_nonpositive:
        return (-hi, 0.0)
    return (-hi, hi)


def _bounds(sym: sp.Symbol, interval: tuple[float, float]) -> tuple[float, float]:
    lo, hi = interval
    if sym.is_integer:
        lo, hi = float(math.ceil(lo)), float(math.floor(hi))
        if sym.is_positive:
            lo = max(lo, 1.0)
        elif sym.is_nonnegative:
            lo = max(lo, 0.0)
        if sym.is_negative:
            hi = min(hi, -1.0)
        elif sym.is_nonpositive:
            hi = min(hi, 0.0)
    else:
        # an open edge of the assumptions (positive: x > 0) is approached, never reached
        if sym.is_positive and lo <= 0:
            lo = hi * 10.0**-_DECADES_BELOW
        if sym.is_negative and hi >= 0:
            hi = lo * 10.0**-_DECADES_BELOW
    if hi < lo:
        raise ValueError(
            f"domain of {sym.name!r}: interval [{interval[0]}, {interval[1]}] holds no value "
            "allowed by its assumptions"
        )
    return lo, hi


def _exact(sym: sp.Symbol, value: float) -> sp.Rational:
    if sym.is_integer:
        return sp.Integer(int(value))
    return sp.Rational(value)  # the exact binary value of the float


def _log_uniform(a: float, b: float, rnd: random.Random) -> float:
    """A magnitude between ``a`` and ``b`` (``0 < a <= b``), uniform in ``log``."""
    if a >= b:
        return a
    return math.exp(rnd.uniform(math.log(a), math.log(b)))


def _draw_one(sym: sp.Symbol, lo: float, hi: float, rnd: random.Random) -> sp.Rational:
    if lo == hi:
        return _exact(sym, lo)
    sides: list[tuple[float, float, int]] = []  # (smallest, largest magnitude, sign)
    if hi > 0:
        a = lo if lo > 0 else (1.0 if sym.is_integer else hi * 10.0**-_DECADES_BELOW)
        sides.append((min(a, hi), hi, 1))
    if lo < 0:
        b = -hi if hi < 0 else (1.0 if sym.is_integer else -lo * 10.0**-_DECADES_BELOW)
        sides.append((min(b, -lo), -lo, -1))
    if not sides:  # the interval is {0}
        return _exact(sym, 0.0)
    a, b, sign = sides[rnd.randrange(len(sides))]
    if sym.is_integer:
        v = math.floor(_log_uniform(a, b + 1.0, rnd))
        v = int(min(max(v, a), b))
        return sp.Integer(sign * v)
    return _exact(sym, sign * _log_uniform(a, b, rnd))


def _corners(
    syms: Sequence[sp.Symbol], bounds: Mapping[sp.Symbol, tuple[float, float]], rnd: random.Random
) -> list[Point]:
    edges = []
    for s in syms:
        lo, hi = bounds[s]
        vals = [lo, hi] if lo != hi else [lo]
        if lo < 0 < hi:
            vals.append(0.0)
        edges.append(vals)
    total = math.prod(len(e) for e in edges)
    if total <= MAX_CORNERS:
        combos = list(itertools.product(*edges))
    else:
        combos = {tuple(e[0] for e in edges), tuple(e[-1] for e in edges)}
        while len(combos) < MAX_CORNERS:
            combos.add(tuple(rnd.choice(e) for e in edges))
        combos = sorted(combos)
    return [{s: _exact(s, v) for s, v in zip(syms, combo)} for combo in combos]


def draw_points(
    symbols: Sequence[sp.Symbol],
    domain: Mapping[str, tuple[float, float]],
    *,
    seed: int,
    accept: Callable[[Point], bool] | None = None,
    boundary: Callable[[Point], Sequence[Point]] | None = None,
) -> Iterator[tuple[Point, str]]:
    """An endless, deterministic stream of ``(point, "pinned" | "random")``: edges first, then
    log-uniform draws.

    ``accept(point)`` (side conditions) filters every point; ``boundary(point)`` maps a random
    point to points on the boundaries of the side conditions, which are tried right after the
    corners. The caller stops the stream (it never ends on its own, except when no symbol
    varies, where the single point ``{}`` is produced once).
    """
    syms = sorted(symbols, key=lambda s: s.name)
    rnd = random.Random(seed)
    bounds = {s: _bounds(s, domain.get(s.name, default_interval(s))) for s in syms}
    if not syms:
        yield {}, "pinned"
        return
    ok = accept or (lambda _p: True)
    for point in _corners(syms, bounds, rnd):
        if ok(point):
            yield point, "pinned"
    if boundary is not None:
        for _ in range(4):
            base = {s: _draw_one(s, *bounds[s], rnd) for s in syms}
            for point in boundary(base):
                inside = all(bounds[s][0] <= float(v) <= bounds[s][1] for s, v in point.items() if s in bounds)
                if inside and ok(point):
                    yield point, "pinned"
    while True:
        point = {s: _draw_one(s, *bounds[s], rnd) for s in syms}
        if ok(point):
            yield point, "random"


def _plain(sym: sp.Symbol, value: float) -> int | float:
    return int(value) if sym.is_integer else float(value)


def hypothesis_points(
    symbols: Sequence[sp.Symbol],
    domain: Mapping[str, tuple[float, float]],
    *,
    accept: Callable[[dict[str, int | float]], bool] | None = None,
):
    """A Hypothesis strategy of points ``{name: value}`` over the symbols' intervals.

    An integer symbol is drawn by ``st.integers`` over its interval, any other symbol by
    ``st.floats`` (no NaN, infinity or subnormal; the edges are reachable, except an open edge of
    a ``positive``/``negative`` assumption, which :func:`_bounds` moves six decades inside). A
    symbol without an interval in ``domain`` gets :func:`default_interval`. ``accept`` (side
    conditions, the observable's validity) filters the points.

    >>> n, lam = sp.Symbol("n", positive=True, integer=True), sp.Symbol("lam", positive=True)
    >>> lower_corner([n, lam], {"n": (2, 8), "lam": (0.0, 0.5)})
    {'lam': 5e-07, 'n': 2}
    """
    from hypothesis import strategies as st

    parts = {}
    for s in sorted(symbols, key=lambda s: s.name):
        lo, hi = _bounds(s, domain.get(s.name, default_interval(s)))
        if s.is_integer:
            parts[s.name] = st.integers(int(lo), int(hi))
        else:
            parts[s.name] = st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    strategy = st.fixed_dictionaries(parts)
    return strategy.filter(accept) if accept is not None else strategy


def lower_corner(symbols: Sequence[sp.Symbol], domain: Mapping[str, tuple[float, float]]) -> dict[str, int | float]:
    """Every symbol at the lower edge of its interval (as :func:`hypothesis_points` bounds it)."""
    out: dict[str, int | float] = {}
    for s in sorted(symbols, key=lambda s: s.name):
        lo, _ = _bounds(s, domain.get(s.name, default_interval(s)))
        out[s.name] = _plain(s, lo)
    return out
