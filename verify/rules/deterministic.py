r"""Deterministic matches: a computation (exact enumeration, an ODE solve, a certified bracket)
against each form, within a tolerance that the claim derives.

* :class:`DeterministicMatch` — ``compute(**params)`` returns either a number ``v`` (each form
  must satisfy ``|form - v| <= atol + rtol |v|``) or a certified interval ``{"lo": .., "hi": ..,
  ...}`` for the true value with a :class:`Relation` per form (equal, lower bound, upper bound,
  Theorem 3's sandwich). Resolution: the relative tolerance, worst over the points.
* :class:`LimitConvergence` — a deterministic sequence along a grid must converge to a limit
  curve: the worst relative error falls with a fitted log–log slope of at most ``max_slope`` and
  is below ``final_rtol`` at the last scale (its resolution).
* :class:`BoundsAlong` — a deterministic trajectory must stay between two bounds at every
  sampled time (relative tolerance ``rtol``, its resolution).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from hypothesis import strategies as st

from ..claim import Budget, Claim, Context, Evidence, FormOutcome, Mode
from ..stats import loglog_slope
from ._catalogue import rule
from ._sampling import draw_examples, fmt_params, forms

__all__ = ["DeterministicMatch", "Relation", "LimitConvergence", "BoundsAlong"]


def _rel(tol: float, value: float) -> float:
    """A tolerance relative to the value it is applied to (infinite for a value of 0 with slack)."""
    if tol == 0:
        return 0.0
    return float(tol / abs(value)) if value != 0 else float("inf")


@dataclass(frozen=True)
class Relation:
    """How a form must relate to the certified interval ``[lo, hi]`` of the true value.

    ``tol(**params)`` is an extra, derived tolerance (default 0); ``slack(**params)`` is the
    multiplicative sandwich factor for ``kind="sandwich"``: the form ``F`` must satisfy
    ``lo - tol <= F`` and ``F * slack <= hi + tol`` (an upper bound within the factor the theory
    proves).
    """

    kind: Literal["equal", "lower", "upper", "sandwich"]
    tol: Callable[..., float] | None = None
    slack: Callable[..., float] | None = None

    def tolerance(self, params: Mapping[str, Any]) -> float:
        return 0.0 if self.tol is None else float(self.tol(**params))

    def check(self, f: float, lo: float, hi: float, params: Mapping[str, Any]) -> bool:
        t = self.tolerance(params)
        if self.kind == "equal":
            return lo - t <= f <= hi + t
        if self.kind == "lower":
            return f <= hi + t
        if self.kind == "upper":
            return f >= lo - t
        s = float(self.slack(**params)) if self.slack is not None else 1.0
        return f >= lo - t and f * s <= hi + t

    def resolution(self, lo: float, hi: float, params: Mapping[str, Any], f: float | None = None) -> float:
        """The relative error this relation detects: the bracket's width plus the tolerance, over
        the value."""
        width = (hi - lo) + self.tolerance(params)
        # a sandwich's factor is a tolerance of the statement (the bound holds within it), shown
        # in the summary; it is not a limit of what the computation detects. A value 0 by
        # construction reads the width against the form, or as absolute on a unit scale.
        ref = max(abs(lo), abs(hi))
        if ref <= width:
            ref = max(abs(f), 1.0) if f is not None else 1.0
        return _rel(width, ref)


@rule
@dataclass(frozen=True, kw_only=True)
class DeterministicMatch:
    """A deterministic computation against each form at Hypothesis-drawn points.

    With ``relations`` unset, ``compute`` returns a number and each form must satisfy
    ``|form - value| <= atol + rtol*|value|``. With ``relations`` (one :class:`Relation` per
    form label), ``compute`` returns ``{"lo": .., "hi": .., ...}`` (extra keys become columns).
    ``tolerance_reason`` must say where the tolerances come from (a solver's tolerance,
    floating-point accumulation, a proven bound); it is printed in the report.
    """

    strategy: st.SearchStrategy[dict[str, Any]]
    compute: Callable[..., Any]
    examples: Budget
    tolerance_reason: str
    rtol: float = 0.0
    atol: float = 0.0
    relations: Mapping[str, Relation] | None = None
    scale: Callable[..., float] | None = None
    """The magnitude an absolute tolerance is relative to (``scale(**params)``), for values that are
    0 by construction (a residual); by default the computed value itself."""
    pinned: tuple[dict[str, Any], ...] = ()
    plot: Callable[[list[dict[str, Any]]], Callable[[Any], None]] | None = None

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return 0  # deterministic: no false-alarm budget used

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        points = draw_examples(self.strategy, self.examples(ctx.mode), ctx.hypothesis_seed(claim.id), self.pinned)
        if self.relations is None:
            return self._run_value(claim, points)
        return self._run_interval(claim, points)

    def _run_value(self, claim: Claim, points: list[dict[str, Any]]) -> Evidence:
        rows, fails = [], {"derived": [], "printed": []}
        res = {"derived": 0.0, "printed": 0.0}
        for params in points:
            value = float(self.compute(**params))
            row = dict(params, value=value)
            for label, form in forms(claim):
                pred = float(form.evaluate(params))
                ok = abs(pred - value) <= self.atol + self.rtol * abs(value)
                ref = abs(value) if self.scale is None else abs(float(self.scale(**params)))
                if ref <= self.atol:  # a value 0 by construction: the tolerance is read against the form,
                    # or as an absolute tolerance on a unit-scale residual when the form is 0 too
                    ref = abs(pred) if abs(pred) > self.atol else 1.0
                res[label] = max(res[label], _rel(self.atol + self.rtol * abs(value), ref))
                row[label] = pred
                row[f"{label}_ok"] = ok
                if not ok:
                    fails[label].append(f"{fmt_params(params)}: {label} {pred:.6g} vs {value:.6g}")
            rows.append(row)

        def outcome(label: str) -> FormOutcome:
            bad = fails[label]
            if not bad:
                return FormOutcome(True, f"matches at all {len(points)} points (rtol {self.rtol:g}, atol {self.atol:g})",
                                   resolution=res[label])
            return FormOutcome(False, f"misses at {len(bad)} of {len(points)} points; e.g. {bad[0]}", resolution=res[label])

        return Evidence(
            derived=outcome("derived"),
            printed=outcome("printed") if claim.printed is not None else None,
            method=f"deterministic comparison; tolerance: {self.tolerance_reason}",
            columns=tuple(rows[0].keys()) if rows else (),
            rows=rows,
            plot=None if self.plot is None else self.plot(rows),
        )

    def _run_interval(self, claim: Claim, points: list[dict[str, Any]]) -> Evidence:
        assert self.relations is not None
        rows: list[dict[str, Any]] = []
        fails: dict[str, list[str]] = {"derived": [], "printed": []}
        res = {"derived": 0.0, "printed": 0.0}
        for params in points:
            out = dict(self.compute(**params))
            lo, hi = float(out["lo"]), float(out["hi"])
            row = dict(params, **out)
            for label, form in forms(claim):
                f = float(form.evaluate(params))
                rel = self.relations[label]
                ok = rel.check(f, lo, hi, params)
                res[label] = max(res[label], rel.resolution(lo, hi, params, f))
                row[label] = f
                row[f"{label}_ok"] = ok
                if not ok:
                    fails[label].append(f"{fmt_params(params)}: {label} ({rel.kind}) {f:.6g} vs [{lo:.6g}, {hi:.6g}]")
            rows.append(row)

        def outcome(label: str) -> FormOutcome:
            bad = fails[label]
            kind = self.relations[label].kind
            if not bad:
                return FormOutcome(True, f"{kind} relation holds at all {len(points)} points", resolution=res[label])
            return FormOutcome(False, f"{kind} relation fails at {len(bad)} of {len(points)} points; e.g. {bad[0]}",
                               resolution=res[label])

        return Evidence(
            derived=outcome("derived"),
            printed=outcome("printed") if claim.printed is not None else None,
            method=f"certified interval per point; tolerance: {self.tolerance_reason}",
            columns=tuple(rows[0].keys()) if rows else (),
            rows=rows,
            plot=None if self.plot is None else self.plot(rows),
        )


@rule
@dataclass(frozen=True, kw_only=True)
class LimitConvergence:
    """A deterministic sequence converging to its limit curve along a grid of scales.

    For each scale of ``grid(mode)``, ``simulate(scale)`` gives the observable at the abscissae
    ``xs``; ``limit(xs)`` is the limit curve there. The worst relative error must shrink along
    the grid with a fitted log–log slope of at most ``max_slope`` and be below ``final_rtol`` at
    the largest scale. Judges the derived form (the limit curve); deterministic: no false-alarm
    budget used. ``draw(ax, scales, sims)`` draws the figure.
    """

    xs: tuple[float, ...]
    grid: Callable[[Mode], Sequence[int]]
    simulate: Callable[[int], np.ndarray]
    limit: Callable[[np.ndarray], np.ndarray]
    max_slope: float
    final_rtol: float
    scale: str = "m"
    x_label: str = "x"
    description: str = ""
    draw: Callable[..., None] | None = None

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return 0

    def form_parameters(self, claim: Claim) -> None:
        return None  # the limit curve is this rule's own input; no form is called

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        lim = np.asarray(self.limit(np.array(self.xs)))
        ms = list(self.grid(ctx.mode))
        rows, errs, sims = [], [], []
        for m_ in ms:
            sim = np.asarray(self.simulate(m_))
            sims.append(sim)
            err = float(np.max(np.abs(sim - lim) / np.abs(lim)))
            errs.append(err)
            rows.append({self.scale: m_, **{f"{self.x_label}={tt:g}": float(v) for tt, v in zip(self.xs, sim)},
                         "max_rel_error": err})
        rows.append({self.scale: "limit", **{f"{self.x_label}={tt:g}": float(v) for tt, v in zip(self.xs, lim)},
                     "max_rel_error": 0.0})
        slope = loglog_slope(np.array(ms, float), np.array(errs), delta=ctx.delta).slope
        ok = slope <= self.max_slope and errs[-1] <= self.final_rtol
        derived = FormOutcome(
            ok,
            f"max rel. error vs the {self.scale}->oo curve: {errs[0]:.3g} ({self.scale}={ms[0]}) -> {errs[-1]:.3g} "
            f"({self.scale}={ms[-1]}); slope {slope:.2f} ({'<=' if slope <= self.max_slope else '>'} {self.max_slope}); "
            f"final {'<=' if errs[-1] <= self.final_rtol else '>'} {self.final_rtol}",
            resolution=self.final_rtol,
        )
        draw = self.draw

        def plot(ax) -> None:
            if draw is not None:
                draw(ax, ms, sims)
            ax.set_title(claim.id)

        return Evidence(
            derived=derived,
            printed=None,
            method=self.description,
            columns=tuple(rows[0].keys()),
            rows=rows,
            plot=plot,
        )


@rule
@dataclass(frozen=True, kw_only=True)
class BoundsAlong:
    """A deterministic trajectory inside the bounds each form states, at every sampled time.

    ``trajectory(ctx, claim_id)`` returns ``(rows, args)``: one table row per time with the
    measured values, and for that time the keyword arguments of the forms. Each form's
    ``numeric(**args)`` returns ``{column: (lower, upper)}`` for the measured columns it bounds
    at that time (none: the form says nothing there); the form passes when
    ``lower - rtol |v| <= v <= upper + rtol |v|`` everywhere and it bounded at least ``min_rows``
    times. ``rtol`` is the solver's error and the check's resolution: the bounds are what the form
    states (an inequality holds or not), the trajectory is known to ``rtol``. Each form is evaluated and judged on its own.
    ``draw(ax, rows, args)`` draws the figure; ``table_every`` keeps every k-th row in the report.
    """

    trajectory: Callable[[Context, str], tuple[list[dict[str, Any]], list[dict[str, Any]]]]
    rtol: float
    min_rows: int
    description: str = ""
    draw: Callable[..., None] | None = None
    table_every: int = 1

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return 0

    def form_parameters(self, claim: Claim) -> None:
        return None  # the arguments are states of a trajectory, known only when it runs

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        rows, args = self.trajectory(ctx, claim.id)
        outcomes: dict[str, FormOutcome] = {}
        for label, form in forms(claim):
            bad, bounded, res, first, use = 0, 0, 0.0, "", 0.0
            for r, a in zip(rows, args):
                spans = form.evaluate(a)
                ok_here = True
                for key, (lo, hi) in spans.items():
                    v = float(r[key])
                    r[f"{key}_{label}_lo"], r[f"{key}_{label}_hi"] = float(lo), float(hi)
                    inside = bool(lo - self.rtol * abs(v) <= v <= hi + self.rtol * abs(v))
                    res = max(res, self.rtol)  # the bounds are the statement; the solver's error its resolution
                    if hi > lo:
                        use = max(use, abs(v - (hi + lo) / 2) / ((hi - lo) / 2))
                    if not inside and ok_here and not first:
                        first = f"{key} = {v:.4g} outside [{lo:.4g}, {hi:.4g}] at time {bounded}"
                    ok_here &= inside
                if spans:
                    bounded += 1
                    r[f"{label}_ok"] = ok_here
                    bad += not ok_here
            ok = bad == 0 and bounded >= self.min_rows
            outcomes[label] = FormOutcome(
                ok, f"inside the bounds at {bounded - bad} of {bounded} times (largest |value - centre| / half-width {use:.3g})"
                + ("" if bounded >= self.min_rows else f" (fewer than {self.min_rows})") + (f"; e.g. {first}" if first else ""),
                resolution=res)
        draw = self.draw

        def plot(ax) -> None:
            if draw is not None:
                draw(ax, rows, args)

        table = rows[:: self.table_every]
        return Evidence(
            derived=outcomes["derived"],
            printed=outcomes.get("printed"),
            method=self.description,
            columns=tuple(dict.fromkeys(k for r in table for k in r)),
            rows=table,
            plot=plot,
        )
