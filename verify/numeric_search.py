r"""The numeric side of checking one step: where to look, and what each point says.

Three generators produce :class:`PointRecord` items one point at a time (so that a caller
running them under a deadline, :func:`polyverify.budget.stream_with_deadline`, keeps every point
finished before the deadline):

* :func:`equality_points` — ``prev = this`` at pinned and log-uniform points
  (:mod:`polyverify.point_draws`), each judged by :func:`polyverify.precision.judge_equal`; a
  point where the sides differ is then **shrunk** (integers bisected towards the lower edge of
  their interval, reals tried at the edge and at one significant digit) while they still differ,
  so the counterexample reported is small where possible;
* :func:`order_points` — ``prev <= this`` (and ``<``, ``>=``, ``>``) at the same points, then a
  **worst-case search** in two stages: Hypothesis's generate and targeted phases with
  ``target()`` on the negated absolute margin (its hill climbing mutates the examples of smallest
  margin), then a compass search from the three points of smallest margin found so far (each
  symbol moved by ``±h`` with ``h`` a tenth of its interval, halved whenever no move lowers the
  margin, and by factors 2 and 1.1 and to its edges), so a violation confined to a thin region of
  the domain (``(x - 7/10)**2 >= 10**-8`` on ``[0, 1]`` fails only within ``10**-4`` of ``0.7``) is
  found even when random points miss it; the smallest margin found is reported;
* :func:`asymptotic_points` — ``prev ~ this`` along ``x -> a``: at a few drawn values of the other
  symbols, the ratio ``prev/this`` at ``x = 10**2, 10**4, ..., 10**128`` (or ``a ± 10**-k``),
  summarised per base point as ``tends to 1``, ``not 1`` or ``unclear``
  (:func:`ratio_trend`).

Side conditions filter every point (:func:`polyverify.side_conditions.all_hold`) and add the
boundary points of conditions ``s OP e``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import mpmath
import sympy as sp

from .point_draws import _bounds, default_interval, draw_points
from .precision import (
    GUARD_DIGITS,
    NotEvaluable,
    PairValues,
    evaluate_pair,
    format_number,
    judge_equal,
    judge_order,
)
from .side_conditions import Condition, all_hold, boundary_points
from .symbolic_proof import Limit

__all__ = [
    "PointRecord",
    "equality_points",
    "order_points",
    "asymptotic_points",
    "ratio_trend",
    "MAX_DRAWS_PER_POINT",
]

MAX_DRAWS_PER_POINT: Final = 50
"""Draws per requested point before giving up (points outside the conditions or not evaluable)."""
_GIVE_UP: Final = 20
"""Consecutive points that cannot be evaluated, with none evaluated yet, before giving up."""
_SHRINK_EVALUATIONS: Final = 24
"""Most evaluations spent shrinking a counterexample (bisection of one integer from 10**6: 20)."""
_SEARCH_STARTS: Final = 3
_LIMIT_EXPONENTS: Final = (2, 4, 8, 16, 32, 64, 128)
"""``x = 10**k`` along ``x -> oo`` (``a ± 10**-k`` for a finite point)."""
_LIMIT_BASES: Final = 3
_ASYMPTOTIC_CLOSE: Final = 1e-6
"""``|ratio - 1|`` at ``x = 10**128`` below which the ratio is taken to tend to 1 (it is then
within a millionth of 1 a hundred and twenty decades beyond ``x = 10**8``)."""
_NO_PROGRESS: Final = 0.9
"""``|ratio - 1|`` at the last point at least this fraction of its value at the middle point
(``10**16``) means it does not tend to 0: a ratio tending to 1 at any power or iterated-log
rate shrinks ``|ratio - 1|`` by more than 10% between ``10**16`` and ``10**128``
(``1/log(log(x))`` by a factor 2)."""


@dataclass(frozen=True)
class PointRecord:
    """One evaluated point: the values, what the point says (``kind``) and the relative number
    behind it (difference, margin, or ``|ratio - 1|``); ``phase`` says how it was chosen."""

    point: dict[str, str]
    kind: str
    value: float
    achieved: float
    lhs: str = ""
    rhs: str = ""
    phase: str = "random"
    detail: str = ""
    exact_point: dict[sp.Symbol, sp.Rational] = field(default_factory=dict, compare=False)


def _f(x: mpmath.mpf) -> float:
    """A relative number as a float for reports (clamped: it may be far beyond float range)."""
    try:
        v = float(x)
    except (OverflowError, TypeError):
        return math.inf
    return v


def _show(point: Mapping[sp.Symbol, sp.Rational]) -> dict[str, str]:
    out = {}
    for s, v in point.items():
        if isinstance(v, sp.Integer):
            out[s.name] = str(v) if abs(v) < 10**12 else format_number(mpmath.mpf(int(v)), 6)
        else:
            out[s.name] = format_number(mpmath.mpf(v.p) / v.q, 10)
    return out


def _value_text(z: mpmath.mpc, uncertainty: mpmath.mpf, digits: int) -> str:
    """A side's value for reports; a value within evalf's own uncertainty of zero shows as 0."""
    with mpmath.workprec(max(mpmath.mp.prec, 256)):
        if abs(z) <= 10 * uncertainty:
            return "0"
    return format_number(z, digits)


def _record(point, values: PairValues, judgement, phase: str, detail: str = "") -> PointRecord:
    # enough digits to show a small relative difference (1.93e-22 needs 25)
    rel = _f(abs(judgement.value))
    digits = 12 if not 0 < rel < 1e-9 else min(values.dps, int(-math.log10(rel)) + 4)
    return PointRecord(
        _show(point),
        judgement.kind,
        _f(judgement.value),
        _f(judgement.achieved),
        _value_text(values.a_2p, values.ua_2p, digits),
        _value_text(values.b_2p, values.ub_2p, digits),
        phase,
        detail,
        dict(point),
    )


def _candidates(
    symbols: Sequence[sp.Symbol],
    domain: Mapping[str, tuple[float, float]],
    conditions: Sequence[Condition],
    seed: int,
    limit: int,
) -> Iterator[tuple[dict[sp.Symbol, sp.Rational], str]]:
    """Points satisfying the conditions, pinned first; at most ``limit`` draws in all."""
    stream = draw_points(
        symbols,
        domain,
        seed=seed,
        boundary=(lambda p: boundary_points(conditions, p)) if conditions else None,
    )
    for idx, (point, phase) in enumerate(stream):
        if idx >= limit:
            return
        if conditions and not all_hold(conditions, point):
            continue
        yield point, phase


def _judge_eq(prev, this, point, dps):
    values = evaluate_pair(prev, this, point, dps)
    return values, judge_equal(values)


def _shrink_steps(
    sym: sp.Symbol, value: sp.Rational, lo: float, hi: float
) -> list[sp.Rational]:
    """Smaller candidate values for ``sym``, the simplest first."""
    out: list[sp.Rational] = []
    if sym.is_integer:
        target = int(math.ceil(lo)) if lo > 0 or hi < 0 else 0
        v = int(value)
        # bisection towards the lower edge (or zero)
        while v != target and len(out) < 40:
            v = target + (v - target) // 2 if v > target else target - (target - v) // 2
            out.append(sp.Integer(v))
    else:
        x = float(value)
        for cand in (lo, hi, float(f"{x:.1g}"), float(round(x))):
            if lo <= cand <= hi and cand != x:
                out.append(sp.Rational(cand))
    return out


def _neighbours(current: dict, sym: sp.Symbol, domain, conditions, steps) -> Iterator[dict]:
    """The points that move ``current`` along ``sym`` by ``steps(sym, value, lo, hi)``, inside the
    symbol's interval and where the side conditions hold (the shrink's and the search's moves)."""
    lo, hi = _bounds(sym, domain.get(sym.name, default_interval(sym)))
    for cand in steps(sym, current[sym], lo, hi):
        trial = dict(current)
        trial[sym] = cand
        if not conditions or all_hold(conditions, trial):
            yield trial


def _shrink(prev, this, point, domain, conditions, dps, bad_kinds, judge) -> Iterator[PointRecord]:
    budget = _SHRINK_EVALUATIONS
    current = dict(point)
    improved = True
    while improved and budget > 0:
        improved = False
        for sym in sorted(current, key=lambda s: s.name):
            for trial in _neighbours(current, sym, domain, conditions, _shrink_steps):
                if budget <= 0:
                    break
                budget -= 1
                try:
                    values, j = judge(prev, this, trial, dps)
                except NotEvaluable:
                    continue
                if j.kind in bad_kinds:
                    current = trial
                    improved = True
                    yield _record(trial, values, j, "shrunk")
                    break
            if improved:
                break


def equality_points(
    prev: sp.Expr,
    this: sp.Expr,
    symbols: Sequence[sp.Symbol],
    domain: Mapping[str, tuple[float, float]],
    conditions: Sequence[Condition] = (),
    *,
    points: int,
    dps: int,
    seed: int,
) -> Iterator[PointRecord]:
    """Judge ``prev = this`` at up to ``points`` evaluable points; stop after a counterexample
    (and its shrinking). A record of kind ``"not evaluable"`` is yielded for each failed point."""
    used = failed = 0
    for point, phase in _candidates(symbols, domain, conditions, seed, MAX_DRAWS_PER_POINT * points):
        if used >= points:
            return
        try:
            values, j = _judge_eq(prev, this, point, dps)
        except NotEvaluable as exc:
            failed += 1
            yield PointRecord(_show(point), "not evaluable", 0.0, 0.0, phase=phase, detail=str(exc))
            if failed >= _GIVE_UP and not used:
                return
            continue
        used += 1
        yield _record(point, values, j, phase)
        if j.kind == "differ":
            yield from _shrink(prev, this, point, domain, conditions, dps, {"differ"}, _judge_eq)
            return


def _oriented(prev: sp.Expr, this: sp.Expr, relation: str) -> tuple[sp.Expr, sp.Expr, bool]:
    """``(a, b, strict)`` with the step meaning ``a <= b`` (``a < b`` when strict)."""
    if relation in ("<=", "<"):
        return prev, this, relation == "<"
    return this, prev, relation == ">"


def order_points(
    prev: sp.Expr,
    this: sp.Expr,
    relation: str,
    symbols: Sequence[sp.Symbol],
    domain: Mapping[str, tuple[float, float]],
    conditions: Sequence[Condition] = (),
    *,
    points: int,
    dps: int,
    seed: int,
) -> Iterator[PointRecord]:
    """Judge ``prev RELATION this`` at ``points`` points, then search for the worst case."""
    a, b, strict = _oriented(prev, this, relation)

    def judge(x, y, point, digits):
        values = evaluate_pair(x, y, point, digits)
        return values, judge_order(values, strict=strict)

    bad = {"violated", "not real"}
    used = failed = 0
    scored: list[tuple[float, dict[sp.Symbol, sp.Rational]]] = []
    for point, phase in _candidates(symbols, domain, conditions, seed, MAX_DRAWS_PER_POINT * points):
        if used >= points:
            break
        try:
            values, j = judge(a, b, point, dps)
        except NotEvaluable as exc:
            failed += 1
            yield PointRecord(_show(point), "not evaluable", 0.0, 0.0, phase=phase, detail=str(exc))
            if failed >= _GIVE_UP and not used:
                return
            continue
        used += 1
        yield _record(point, values, j, phase)
        if j.kind in bad:
            yield from _shrink(a, b, point, domain, conditions, dps, bad, judge)
            return
        scored.append((_objective(values), point))
    # worst-case search, 1: Hypothesis's targeted phase, maximising the negated absolute margin
    targeted: list[PointRecord] = []
    for rec, values in _targeted(a, b, judge, symbols, domain, conditions, dps=dps, seed=seed,
                                 examples=max(points, _MIN_TARGETED)):
        targeted.append(rec)
        yield rec
        if rec.kind in bad:
            yield from _shrink(a, b, rec.exact_point, domain, conditions, dps, bad, judge)
            return
        scored.append((_objective(values), rec.exact_point))
    # 2: a compass search (steps halved when no move improves) from the smallest margins found
    scored.sort(key=lambda t: t[0])
    evaluations = 2 * points
    for margin, start in scored[:_SEARCH_STARTS]:
        current, best = dict(start), margin
        lo_hi = {s_: _bounds(s_, domain.get(s_.name, default_interval(s_))) for s_ in current}
        steps = {s_: _initial_step(s_, current[s_], *lo_hi[s_]) for s_ in current}
        while evaluations > 0 and any(_step_alive(s_, h, current[s_]) for s_, h in steps.items()):
            moved = False
            for sym in sorted(current, key=lambda s_: s_.name):
                mover = _compass_moves(steps[sym])
                for trial in _neighbours(current, sym, domain, conditions, mover):
                    if evaluations <= 0:
                        break
                    evaluations -= 1
                    try:
                        values, j = judge(a, b, trial, dps)
                    except NotEvaluable:
                        continue
                    yield _record(trial, values, j, "search")
                    if j.kind in bad:
                        yield from _shrink(a, b, trial, domain, conditions, dps, bad, judge)
                        return
                    if _objective(values) < best:
                        current, best, moved = trial, _objective(values), True
                        break
            if not moved:
                steps = {s_: _halve(s_, h) for s_, h in steps.items()}


_MIN_TARGETED: Final = 40
"""Fewest examples of the targeted phase (Hypothesis's ``target()`` needs some to climb)."""
_STEP_FRACTION: Final = 0.1
"""A compass search starts with steps of a tenth of the interval (or of the value's magnitude)."""
_REL_STEP_FLOOR: Final = 1e-15
"""A real step below this fraction of the value is dead (beyond float resolution of the draws)."""


def _initial_step(sym: sp.Symbol, value: sp.Rational, lo: float, hi: float) -> float:
    width = hi - lo
    scale = abs(float(value)) if abs(float(value)) > 0 else 1.0
    h = _STEP_FRACTION * min(width, max(scale, 1.0) if sym.is_integer else width)
    return max(1.0, math.floor(h)) if sym.is_integer else h


def _halve(sym: sp.Symbol, h: float) -> float:
    return math.floor(h / 2) if sym.is_integer else h / 2


def _step_alive(sym: sp.Symbol, h: float, value: sp.Rational) -> bool:
    if sym.is_integer:
        return h >= 1
    return h > _REL_STEP_FLOOR * max(abs(float(value)), 1e-300)


def _compass_moves(h: float):
    """The moves of one compass step of size ``h``: ``value -/+ h`` and the multiplicative moves
    of :func:`_moves` (factors 2 and 1.1, the edges) for domains spanning decades."""

    def steps(sym: sp.Symbol, value: sp.Rational, lo: float, hi: float) -> list[sp.Rational]:
        out: list[sp.Rational] = []
        if sym.is_integer:
            v = int(value)
            for c in (v - int(h), v + int(h)):
                if lo <= c <= hi and c != v:
                    out.append(sp.Integer(c))
        else:
            x = float(value)
            for c in (x - h, x + h):
                if lo <= c <= hi and c != x:
                    out.append(sp.Rational(c))
        return out + [c for c in _moves(sym, value, lo, hi) if c not in out]

    return steps


def _hypothesis_without_local_constants():
    """Hypothesis mixes constants from *local* source files into its draws, so the same seed could
    draw differently in a source checkout and an install; drawn with none (as
    :func:`polyverify.rules._sampling.draw_examples` does). Private API, skipped where absent."""
    import contextlib

    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover
        return contextlib.nullcontext()
    original = getattr(providers, "_get_local_constants", None)
    cache = getattr(providers, "CONSTANTS_CACHE", None)
    empty = getattr(providers, "Constants", None)
    if original is None or cache is None or empty is None:  # pragma: no cover
        return contextlib.nullcontext()

    @contextlib.contextmanager
    def patched():
        cache.cache.clear()
        providers._get_local_constants = lambda: empty()
        try:
            yield
        finally:
            providers._get_local_constants = original
            cache.cache.clear()

    return patched()


def _targeted(a, b, judge, symbols, domain, conditions, *, dps: int, seed: int, examples: int):
    """Points of Hypothesis's generate and **target** phases: each example is scored by
    ``target(-asinh(b - a))`` (the absolute margin at ``2p`` digits, compressed monotonically into
    float range), so Hypothesis mutates the examples of smallest margin towards a violation. The
    search stops at the first violation. Yields ``(record, values)``."""
    from hypothesis import HealthCheck, Phase, given, settings, target
    from hypothesis import seed as hyp_seed

    from .point_draws import hypothesis_points

    syms = sorted(symbols, key=lambda s_: s_.name)
    if not syms:
        return
    found: list[tuple[PointRecord, PairValues]] = []
    stop: list[bool] = []

    @settings(max_examples=examples, database=None, deadline=None, derandomize=False,
              phases=[Phase.generate, Phase.target], suppress_health_check=list(HealthCheck))
    @hyp_seed(seed)
    @given(hypothesis_points(syms, domain))
    def probe(raw: dict) -> None:
        if stop:
            return
        point = {s_: sp.Integer(raw[s_.name]) if s_.is_integer else sp.Rational(raw[s_.name]) for s_ in syms}
        if conditions and not all_hold(conditions, point):
            return
        try:
            values, j = judge(a, b, point, dps)
        except NotEvaluable:
            return
        found.append((_record(point, values, j, "target"), values))
        if j.kind in ("violated", "not real"):
            stop.append(True)
            return
        target(-math.asinh(max(min(_objective(values), 1e300), -1e300)), label="negated margin")

    with _hypothesis_without_local_constants():
        probe()
    yield from found


def _objective(values: PairValues) -> float:
    """What the worst-case search minimises: the absolute margin ``b - a`` at ``2p`` digits.

    The relative margin reported is scale-free, which leaves a search nothing to descend when one
    side is 0 (it is then +-1 everywhere); the absolute margin falls towards a violation."""
    return _f(values.b_2p.real - values.a_2p.real)


def _moves(sym: sp.Symbol, value: sp.Rational, lo: float, hi: float) -> list[sp.Rational]:
    out: list[sp.Rational] = []
    if sym.is_integer:
        v = int(value)
        step = max(1, abs(v) // 10)
        for c in (v - 1, v + 1, v - step, v + step, v * 2, v // 2, int(lo), int(hi)):
            if lo <= c <= hi and c != v:
                out.append(sp.Integer(c))
    else:
        x = float(value)
        for c in (x * 1.1, x / 1.1, x * 2, x / 2, lo, hi):
            if lo <= c <= hi and c != x:
                out.append(sp.Rational(c))
    return out


def ratio_trend(distances: Sequence[float]) -> str:
    """``tends to 1``, ``not 1`` or ``unclear`` from ``|ratio - 1|`` along the limit (module doc)."""
    if len(distances) < 4:
        return "unclear"
    last, mid, first = distances[-1], distances[len(distances) // 2], distances[0]
    if last <= _ASYMPTOTIC_CLOSE or (last <= mid / 10 and last < first):
        return "tends to 1"
    if last >= _NO_PROGRESS * mid:
        return "not 1"
    return "unclear"


def _limit_values(limit: Limit) -> list[sp.Rational]:
    point = limit.point
    integer = bool(limit.symbol.is_integer)
    out: list[sp.Rational] = []
    for k in _LIMIT_EXPONENTS:
        if point is sp.oo or point is -sp.oo:
            v = sp.Integer(10) ** k
            out.append(v if point is sp.oo else -v)
        elif not integer:
            sign = -1 if limit.direction == "-" else 1
            out.append(sp.Rational(point) + sign * sp.Rational(1, 10**k))
    return out


def asymptotic_points(
    prev: sp.Expr,
    this: sp.Expr,
    limit: Limit,
    symbols: Sequence[sp.Symbol],
    domain: Mapping[str, tuple[float, float]],
    conditions: Sequence[Condition] = (),
    *,
    dps: int,
    seed: int,
) -> Iterator[PointRecord]:
    """``prev ~ this`` along ``limit`` at :data:`_LIMIT_BASES` drawn values of the other symbols."""
    others = [s for s in symbols if s != limit.symbol]
    bases = 0
    for point, phase in _candidates(others, domain, (), seed, MAX_DRAWS_PER_POINT * _LIMIT_BASES):
        if bases >= _LIMIT_BASES:
            return
        distances: list[float] = []
        shown: list[str] = []
        last_point = point
        for x in _limit_values(limit):
            trial = dict(point)
            trial[limit.symbol] = x
            if conditions and not all_hold(conditions, trial):
                # the limit leaves a condition s OP e: move s onto its boundary
                for moved in boundary_points(conditions, trial):
                    if limit.symbol in moved and moved[limit.symbol] == x and all_hold(conditions, moved):
                        trial = moved
                        break
                else:
                    continue
            try:
                values = evaluate_pair(prev, this, trial, dps)
            except NotEvaluable:
                continue
            with mpmath.workprec(int(4 * dps * 3.33) + 64):
                if values.b_p == 0 or values.b_2p == 0:
                    continue
                r_p, r_2p = values.a_p / values.b_p, values.a_2p / values.b_2p
                err = abs(r_p - r_2p) + mpmath.mpf(10) ** (-(dps - GUARD_DIGITS))
                if err > 1e-3:  # the ratio itself is not known to three digits here
                    continue
                d = abs(r_2p - 1)
            distances.append(_f(d))
            shown.append(f"{format_number(mpmath.mpf(x.p) / x.q, 3)}: {format_number(d, 3)}")
            last_point = trial
        bases += 1
        trend = ratio_trend(distances)
        yield PointRecord(
            _show(last_point),
            trend,
            distances[-1] if distances else math.nan,
            0.0,
            phase="limit",
            detail="|ratio - 1| at " + ", ".join(shown) if shown else "no evaluable point",
            exact_point=dict(last_point),
        )
