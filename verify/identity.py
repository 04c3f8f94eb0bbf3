r"""Checking one step of a derivation, ``prev REL this``: a symbolic proof first, numbers second.

:func:`check_relation` decides ``prev REL this`` for ``REL`` in ``= <= < >= > ~`` under the
symbols' assumptions, a sampling domain and side conditions, within one wall-clock budget:

1. **proof** (:func:`polyverify.symbolic_proof.prove`, in a child process killed at its share of
   the budget, :mod:`polyverify.budget`): zero difference, a difference whose sign SymPy
   decides, or a limit of the ratio equal to 1;
2. **numbers** (:mod:`polyverify.numeric_search`, also in a killed-at-the-deadline child, each
   point passed back as soon as it is done): both sides at ``dps`` and ``2*dps`` digits at
   points drawn across magnitudes with the domain's edges pinned, each judged against the
   precision actually achieved (:mod:`polyverify.precision`); for orderings a worst-case search;
   for ``~`` the ratio along the limit.

The result (:class:`IdentityResult`) has one of four statuses:

* ``proved``;
* ``numerically consistent`` — no proof; the points, the search used and the smallest margin
  (or largest relative difference) found are reported;
* ``refuted`` — a counterexample (shrunk towards small values where possible);
* ``inconclusive`` — with the reason: the budget was spent (``budget_exceeded``), SymPy was
  undecided and the numerics unstable, no point could be evaluated, ...

>>> from sympy import symbols, sin, cos, Min
>>> x = symbols("x", real=True)
>>> check_identity(sin(x)**2 + cos(x)**2, 1).status
'proved'
>>> check_identity(x**2, x).status
'refuted'
>>> n = symbols("n", positive=True, integer=True)
>>> check_identity(Min(n, 100), n, symbolic=False).status
'refuted'
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import sympy as sp

from .budget import BudgetExceeded, Deadline, SoftTimeout, WorkerError, soft_limit, stream_with_deadline
from .numeric_search import PointRecord, asymptotic_points, equality_points, order_points
from .point_draws import default_interval
from .side_conditions import Condition, substitutions
from .symbolic_proof import ORDER_RELATIONS, RELATIONS, Limit, closed_forms, prove

__all__ = [
    "IdentityResult",
    "DerivationResult",
    "Limit",
    "Condition",
    "RELATIONS",
    "check_identity",
    "check_relation",
    "check_derivation",
    "chain_conclusion",
    "default_interval",
    "DEFAULT_TIMEOUT",
    "MIN_POINTS",
]

Status = Literal["proved", "numerically consistent", "refuted", "inconclusive"]

DEFAULT_TIMEOUT: Final = 60.0
"""Seconds of wall-clock time for one :func:`check_relation` unless ``timeout`` is given."""
MIN_POINTS: Final = 10
"""Fewest agreeing points (or all requested, if fewer) for ``numerically consistent``."""
_SCREEN_POINTS: Final = 4
"""Points of the quick numeric screen between the short and the full proof attempt: the first
pinned edges, where most counterexamples are."""
_SCREEN_SHARE: Final = 0.2
"""Fraction of the budget the screen may use; past it the screen is simply cut short."""
_QUICK_PROOF: Final = 0.3
"""Seconds of the first proof attempt, before the numeric screen (most true steps prove in
well under a second; a false one then costs at most this before its counterexample)."""
_SYMBOLIC_SHARE: Final = 0.5
"""Fraction of the remaining budget the proof attempt may use (capped by ``simplify_timeout``);
the rest is left to the numbers, which are the fallback."""


@dataclass(frozen=True)
class IdentityResult:
    """The outcome of checking ``lhs REL rhs`` (``lhs`` the previous step, ``rhs`` this one)."""

    lhs: sp.Basic
    rhs: sp.Basic
    status: Status
    points: int = 0
    max_rel_error: float = 0.0
    """Equalities: the largest relative difference at the agreeing points (at ``2*dps`` digits)."""
    counterexample: dict[str, str] | None = None
    relation: str = "="
    reason: str = ""
    """Why: how it was proved, what the numbers showed, or why nothing was decided."""
    search: str = ""
    """How the points were found (pinned edges, log-uniform draws, worst-case search, limit)."""
    smallest_margin: float | None = None
    """Orderings: the smallest relative margin ``(b - a)/max(|a|, |b|)`` of ``a <= b`` found."""
    achieved: float | None = None
    """The worst relative evaluation error estimated at ``dps`` digits over the points used."""
    budget_exceeded: bool = False
    unevaluable: int = 0

    def __bool__(self) -> bool:
        """True when proved or numerically consistent (not when refuted or inconclusive)."""
        return self.status in ("proved", "numerically consistent")

    @property
    def refuted(self) -> bool:
        return self.status == "refuted"

    def describe(self) -> str:
        if self.status == "proved":
            return f"proved ({self.reason})" if self.reason else "proved"
        if self.status == "numerically consistent":
            if self.relation == "=":
                core = (
                    f"{self.points} points, max relative difference {self.max_rel_error:.1e}"
                    f" (evaluation error up to {self.achieved or 0:.1e})"
                )
            elif self.relation in ORDER_RELATIONS:
                core = f"{self.points} points, smallest relative margin {self.smallest_margin:.3g}"
            else:
                core = self.reason
            extra = f"; {self.search}" if self.search else ""
            note = f"; {self.reason}" if self.reason and self.relation != "~" else ""
            return f"numerically consistent ({core}{extra}{note})"
        if self.status == "refuted":
            ce = dict(self.counterexample or {})
            lhs, rhs = ce.pop("lhs", "?"), ce.pop("rhs", "?")
            at = ", ".join(f"{k}={v}" for k, v in ce.items()) or "a constant"
            why = f"; {self.reason}" if self.reason else ""
            if not lhs and not rhs:
                return f"refuted at {at}{why}"
            return f"refuted at {at}: previous step = {lhs}, this step = {rhs}{why}"
        return f"inconclusive ({self.reason})"


@dataclass(frozen=True)
class DerivationResult:
    steps: tuple[IdentityResult, ...]
    labels: tuple[str, ...] = field(default_factory=tuple)

    def __bool__(self) -> bool:
        return all(self.steps)

    @property
    def first_failure(self) -> int | None:
        """Index of the first refuted step (``None`` when nothing is refuted)."""
        for idx, r in enumerate(self.steps):
            if r.refuted:
                return idx
        return None

    def describe(self) -> str:
        lines = []
        for idx, r in enumerate(self.steps):
            label = self.labels[idx] if idx < len(self.labels) else f"step {idx + 1}"
            lines.append(f"{label}: {r.describe()}")
        return "\n".join(lines)


def chain_conclusion(relations: Sequence[str]) -> str | None:
    """What a chain's first and last steps satisfy, from the relations of its steps.

    ``=`` with ``<=`` gives ``<=``, with any ``<`` also ``<``; ``~`` with ``=`` gives ``~``;
    orderings in both directions, or ``~`` with an ordering, give no conclusion (``None``).

    >>> chain_conclusion(["=", "<=", "<"]), chain_conclusion(["<=", ">="]), chain_conclusion(["=", "~"])
    ('<', None, '~')
    """
    rels = [r for r in relations if r != "="]
    if not rels:
        return "="
    if all(r == "~" for r in rels):
        return "~"
    if "~" in rels:
        return None
    up = {r for r in rels if r in ("<", "<=")}
    down = {r for r in rels if r in (">", ">=")}
    if up and down:
        return None
    if up:
        return "<" if "<" in up else "<="
    return ">" if ">" in down else ">="


# --------------------------------------------------------------------------- phases


def _on_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _attempt_proof(prev, this, relation, limit, subs, seconds):
    """``(how, why, closed)``: a proof attempt cut short after ``seconds``; ``how`` is ``None``
    without a proof, ``why`` then says why (``""``: SymPy finished undecided), and ``closed``
    holds the closed forms of sums and products when they were reached (else ``None``)."""
    closed = None
    try:
        with soft_limit(seconds):
            closed = closed_forms(prev, this)
            return prove(prev, this, relation, limit=limit, substitutions=subs), "", closed
    except SoftTimeout:
        return None, f"no proof within {seconds:.3g} s", closed
    except Exception as exc:  # noqa: BLE001 - a failed attempt is no proof
        return None, f"proof attempt failed ({type(exc).__name__})", closed


def _whole_check(
    prev, this, relation, limit, syms, dom, conditions, subs, points, dps, seed, symbolic,
    simplify_timeout, seconds, first_attempt=None,
) -> Iterator[tuple[str, Any]]:
    """The phases of one check, run in one child process (killed at the deadline): a short
    proof attempt, a quick numeric screen, the rest of the proof attempt, the numbers. Each
    phase but the last is cut short by a soft limit (:func:`polyverify.budget.soft_limit`), so
    the next still gets its turn."""
    start = time.monotonic()

    def left() -> float:
        return seconds - (time.monotonic() - start)

    share = min(simplify_timeout, seconds * _SYMBOLIC_SHARE)
    how, why, closed = None, "", None
    if symbolic:
        # 1. most true steps prove at once (``first_attempt``: already tried by the caller)
        how, why, closed = first_attempt or _attempt_proof(
            prev, this, relation, limit, subs, min(_QUICK_PROOF, share)
        )
        if how is not None:
            yield ("proof", (how, why))
            return
    # 2. a quick numeric screen: a counterexample settles a step, and a false step is often
    # costly to simplify ((x+1)**10000 - (x+2)**10000); not while a sum, product or limit is
    # unevaluated (its closed form comes first)
    if not (prev - this).has(sp.Sum, sp.Product, sp.Limit, sp.Integral):
        try:
            with soft_limit(left() * _SCREEN_SHARE):
                for rec in _numeric_phase(prev, this, relation, limit, syms, dom, conditions,
                                          min(points, _SCREEN_POINTS), dps, seed):
                    yield ("screen", rec)
        except SoftTimeout:
            pass
    yield ("screen done", None)
    # 3. the rest of the proof attempt, when the first was cut short
    if symbolic and why.startswith("no proof within"):
        rest = min(share, left() * _SYMBOLIC_SHARE)
        how, why, closed = _attempt_proof(prev, this, relation, limit, subs, rest)
    if symbolic:
        yield ("proof", (how, why))
        if how is not None:
            return
    # 4. the numbers, until done or killed at the deadline
    num_prev, num_this = closed if closed is not None else (prev, this)
    for rec in _numeric_phase(num_prev, num_this, relation, limit, syms, dom, conditions, points, dps, seed):
        yield ("point", rec)


def _numeric_phase(prev, this, relation, limit, syms, domain, conditions, points, dps, seed):
    if relation == "=":
        return equality_points(prev, this, syms, domain, conditions, points=points, dps=dps, seed=seed)
    if relation in ORDER_RELATIONS:
        return order_points(prev, this, relation, syms, domain, conditions, points=points, dps=dps, seed=seed)
    return asymptotic_points(prev, this, limit, syms, domain, conditions, dps=dps, seed=seed)


def _counterexample(rec: PointRecord) -> dict[str, str]:
    return dict(rec.point) | {"lhs": rec.lhs, "rhs": rec.rhs}


def _search_text(records: Sequence[PointRecord]) -> str:
    counts: dict[str, int] = {}
    for r in records:
        if r.kind != "not evaluable":
            counts[r.phase] = counts.get(r.phase, 0) + 1
    order = ("pinned", "random", "target", "search", "shrunk", "limit")
    words = {"pinned": "at the domain's edges", "random": "log-uniform",
             "target": "worst-case search by Hypothesis target()", "search": "worst-case compass search",
             "shrunk": "shrinking", "limit": "along the limit"}
    return ", ".join(f"{counts[k]} {words[k]}" for k in order if k in counts)


def _judge(
    relation: str,
    records: list[PointRecord],
    requested: int,
    n_syms: int,
    budget_hit: float | None,
) -> tuple[Status, dict[str, Any]]:
    bad = {"differ", "violated", "not real", "not 1"}
    failing = [r for r in records if r.kind in bad]
    unevaluable = [r for r in records if r.kind == "not evaluable"]
    info: dict[str, Any] = {"unevaluable": len(unevaluable), "search": _search_text(records)}
    if failing:
        last = failing[-1]
        info["counterexample"] = _counterexample(last)
        info["reason"] = {
            "differ": f"relative difference {last.value:.3g} against evaluation error {last.achieved:.1e}",
            "violated": f"relative margin {last.value:.3g} against evaluation error {last.achieved:.1e}",
            "not real": "a side is not real there",
            "not 1": f"the ratio does not tend to 1 ({last.detail})",
        }[last.kind]
        if relation in ORDER_RELATIONS:
            info["smallest_margin"] = last.value
        return "refuted", info
    judged = [r for r in records if r.kind != "not evaluable"]
    stop = f"time budget of {budget_hit:.3g} s spent after {len(judged)} points" if budget_hit else ""
    if relation == "~":
        trends = [r.kind for r in judged]
        good = trends.count("tends to 1")
        details = "; ".join(r.detail for r in judged[:2])
        if good and good == len(trends):
            info["reason"] = f"ratio tends to 1 at {good} base points ({details})"
            info["points"] = good
            return "numerically consistent", info
        if budget_hit:
            info["reason"] = stop
            info["budget_exceeded"] = True
        elif not trends:
            info["reason"] = "the ratio could not be evaluated along the limit"
        else:
            info["reason"] = f"the ratio approaches 1 too slowly to tell ({details})"
        return "inconclusive", info
    ok_kinds = {"agree"} if relation == "=" else {"holds", "tight"}
    if relation in ("<", ">"):
        ok_kinds = {"holds"}
    good = [r for r in judged if r.kind in ok_kinds]
    unstable = [r for r in judged if r.kind == "unstable"]
    tight_strict = [r for r in judged if r.kind == "tight" and relation in ("<", ">")]
    need = 1 if n_syms == 0 else min(requested, MIN_POINTS)
    info["points"] = len(good)
    if good:
        info["achieved"] = max(r.achieved for r in good)
        if relation == "=":
            info["max_rel_error"] = max(r.value for r in good)
        else:
            info["smallest_margin"] = min(r.value for r in good)
    # unstable points (e.g. 0/0 at a removable singularity) are evidence neither way
    if len(good) >= need and not tight_strict:
        if unstable:
            info["reason"] = f"{len(unstable)} further points unstable (too few digits achieved)"
        if budget_hit:
            info["reason"] = "; ".join(
                x for x in (info.get("reason", ""), f"stopped by the time budget after {len(good)} points") if x
            )
        return "numerically consistent", info
    if budget_hit:
        info["reason"] = stop
        info["budget_exceeded"] = True
    elif tight_strict:
        info["reason"] = (
            f"both sides equal to within the precision at {len(tight_strict)} points: a strict "
            "inequality cannot be confirmed there"
        )
    elif unstable:
        info["reason"] = (
            f"SymPy undecided and the numerics unstable: fewer than half the digits achieved at "
            f"{len(unstable)} of {len(judged)} points"
        )
    elif not judged:
        example = unevaluable[0].detail if unevaluable else "no point drawn"
        info["reason"] = (
            f"could not evaluate both sides at any of {len(unevaluable)} points of the domain "
            f"({example}); give a domain where they are defined"
        )
    else:
        info["reason"] = f"only {len(good)} of the {need} points needed could be evaluated"
    return "inconclusive", info


# --------------------------------------------------------------------------- API


def check_relation(
    lhs: Any,
    rhs: Any,
    relation: str = "=",
    *,
    limit: Limit | None = None,
    conditions: Sequence[Condition] = (),
    assumptions: Mapping[str, Mapping[str, bool]] | None = None,
    domain: Mapping[sp.Symbol | str, tuple[float, float]] | None = None,
    points: int = 60,
    dps: int = 40,
    seed: int = 0,
    simplify_timeout: float = 20.0,
    timeout: float = DEFAULT_TIMEOUT,
    symbolic: bool = True,
) -> IdentityResult:
    """Check ``lhs RELATION rhs`` (``lhs`` the previous step); see the module docstring.

    ``limit`` (a :class:`Limit`) is required for ``~``; ``conditions`` restrict proof and
    sampling (:mod:`polyverify.side_conditions`); ``assumptions`` optionally re-declares symbols
    by name (``{"x": {"positive": True}}``); ``domain`` bounds the points per symbol
    (``{x: (0, 1)}``, default :func:`polyverify.point_draws.default_interval`); ``timeout`` is the
    wall-clock budget of the whole check and ``simplify_timeout`` caps the proof attempt within
    it; ``symbolic=False`` skips the proof.
    """
    if relation not in RELATIONS:
        raise ValueError(f"relation must be one of {', '.join(RELATIONS)}; got {relation!r}")
    if relation == "~" and limit is None:
        raise ValueError("relation '~' needs limit=Limit(symbol, point) (e.g. n -> oo)")
    if points < 1:
        raise ValueError(f"points must satisfy points >= 1; got {points}")
    if dps < 20:
        raise ValueError(f"dps must satisfy dps >= 20 (high precision); got {dps}")
    if not (timeout > 0 and math.isfinite(timeout)):
        raise ValueError(f"timeout must be a finite number of seconds > 0; got {timeout}")
    prev, this = sp.sympify(lhs, strict=True), sp.sympify(rhs, strict=True)
    if assumptions:
        repl = {}
        for s in prev.free_symbols | this.free_symbols:
            if s.name in assumptions:
                repl[s] = sp.Symbol(s.name, **dict(assumptions[s.name]))
        prev, this = prev.xreplace(repl), this.xreplace(repl)
    deadline = Deadline.after(timeout)
    dom = {(str(k) if not isinstance(k, str) else k): v for k, v in (domain or {}).items()}
    subs = substitutions(conditions)

    # every symbol of either side (and of the conditions) gets a value
    syms = sorted(
        set(prev.free_symbols | this.free_symbols) | {s for c in conditions for s in c.free_symbols},
        key=lambda s: s.name,
    )
    first = None
    if symbolic and relation == "=" and (prev - this) == 0:
        return IdentityResult(prev, this, "proved", relation=relation, reason="zero difference (as written)")
    if symbolic and _on_main_thread():
        # the short first attempt in this process, where an alarm can cut it (it warms SymPy's
        # caches for the child too); from another thread the child makes it
        first = _attempt_proof(prev, this, relation, limit, subs, min(_QUICK_PROOF, timeout / 2))
        if first[0] is not None:
            return IdentityResult(prev, this, "proved", relation=relation, reason=first[0])
    screen: list[PointRecord] = []
    records: list[PointRecord] = []
    reason_symbolic = ""
    budget_hit: float | None = None
    stream = stream_with_deadline(
        _whole_check, prev, this, relation, limit, syms, dom, tuple(conditions), subs,
        points, dps, seed, symbolic, simplify_timeout, deadline.remaining(), first,
        seconds=deadline.remaining(), what="check",
    )
    try:
        for kind, item in stream:
            if kind == "screen":
                screen.append(item)
            elif kind == "screen done":
                status, info = _judge(relation, screen, points, len(syms), None)
                if status == "refuted":
                    reason = info.pop("reason", "")
                    return IdentityResult(prev, this, status, relation=relation, reason=reason, **info)
            elif kind == "proof":
                how, why = item
                if how is not None:
                    return IdentityResult(prev, this, "proved", relation=relation, reason=how)
                reason_symbolic = why
            else:
                records.append(item)
    except BudgetExceeded:
        budget_hit = timeout
    except WorkerError as exc:
        return IdentityResult(
            prev, this, "inconclusive", relation=relation,
            reason=f"the check failed ({exc.kind}: {exc.message[:120]})",
        )
    finally:
        stream.close()  # kills the child if it is still at work
    status, info = _judge(relation, records, points, len(syms), budget_hit)
    reason = info.pop("reason", "")
    if status == "numerically consistent" and reason_symbolic and relation != "~":
        reason = "; ".join(x for x in (reason, reason_symbolic) if x)
    return IdentityResult(prev, this, status, relation=relation, reason=reason, **info)


def check_identity(lhs: Any, rhs: Any, **options: Any) -> IdentityResult:
    """Check ``lhs == rhs``: :func:`check_relation` with ``relation="="`` (same options)."""
    return check_relation(lhs, rhs, "=", **options)


def check_derivation(
    steps: Sequence[Any],
    *,
    relations: Sequence[str] | None = None,
    labels: Sequence[str] = (),
    **options: Any,
) -> DerivationResult:
    """Check a chain ``steps[0] R1 steps[1] R2 ...`` step by step (default: all ``=``).

    Step ``i`` is checked by :func:`check_relation` with seed ``seed + i``.

    >>> from sympy import symbols
    >>> a, b = symbols("a b", positive=True)
    >>> bool(check_derivation([(a + b)**2, a**2 + 2*a*b + b**2, (a + b)*(b + a)]))
    True
    """
    if len(steps) < 2:
        raise ValueError("steps must hold at least two expressions (a chain of equalities)")
    rels = list(relations) if relations is not None else ["="] * (len(steps) - 1)
    if len(rels) != len(steps) - 1:
        raise ValueError(f"relations must hold len(steps) - 1 = {len(steps) - 1} entries; got {len(rels)}")
    base_seed = int(options.pop("seed", 0))
    results = tuple(
        check_relation(steps[idx], steps[idx + 1], rels[idx], seed=base_seed + idx, **options)
        for idx in range(len(steps) - 1)
    )
    return DerivationResult(results, tuple(labels))
