r"""Remainders of expansions computed exactly at finite values of the expansion variable.

:class:`RemainderCoefficient` takes a quantity ``v(η)`` computed exactly (an exact expectation of
a real step, no expansion) on a decreasing geometric grid of η and the expansion's terms below
:math:`\eta^p`; it judges

* an **order** form (a truncation ``T`` with the statement :math:`v - T = O(\eta^p)`) by the local
  log–log slope of :math:`|v - T|` at the smallest η, which must be at least ``p`` within a
  derived tolerance; and
* a **coefficient** form (the coefficient ``c`` of :math:`\eta^p`) by
  :math:`r(\eta) = (v - \mathrm{lower})/\eta^p \to c`: :math:`|r(\eta_{\min}) - c|` within a
  derived tolerance.

Tolerances (deterministic, no false-alarm budget). When the next term of the expansion is
analytic, :math:`r(\eta) = c + d\eta + O(\eta^2)` and the local slope is
:math:`p + O(\eta)`: along a grid of ratio :math:`q \le 1/2` both sequences converge linearly
with ratio q, so the distance of the last value from the limit, the tail
:math:`\sum_{k > K}|x_k - x_{k+1}| \approx |x_K - x_{K-1}|\,q/(1-q)`, is at most the last
increment :math:`|x_K - x_{K-1}|`; the tolerance is twice that (room for an :math:`O(\eta^2)`
term as large as the linear one at the top of the grid) plus the rounding of the computed
values (a bound ``rounding(eta=, **params)`` the claim derives, propagated through the division
by :math:`\eta^p` or through the logarithms). The increments must shrink along the grid (the
asymptotic regime is reached); if they do not, the form is undecided (resolution ``None``).
Resolution: the tolerance relative to :math:`|c|` (coefficient) or to ``p`` (order), worst over
the drawn points.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st

from ..claim import Budget, Claim, Context, Evidence, FormOutcome, Mode
from ._catalogue import rule
from ._sampling import draw_examples, fmt_params, forms

__all__ = ["RemainderCoefficient"]

_EPS = float(np.finfo(float).eps)


@rule
@dataclass(frozen=True, kw_only=True)
class RemainderCoefficient:
    r"""The :math:`\eta^p` term of an expansion against exact values at finite η.

    ``compute(**params, eta=e)`` returns the exact quantity at ``e`` (a float); ``lower(**params,
    eta=e)`` the expansion's terms below :math:`\eta^p` (what the coefficient form's remainder is
    taken after); ``rounding(**params, eta=e)`` a bound on the floating-point error of
    ``compute``, with ``rounding_reason`` saying where it comes from. ``etas`` must decrease
    geometrically with ratio at most 1/2 (at least 3 values). ``judge`` says how each form is
    read: ``"order"`` (its numeric ``(**params, eta=)`` is a truncation ``T``; passes when the
    local slope of :math:`|v - T|` at the smallest η is at least ``order`` minus its tolerance)
    or ``"coefficient"`` (its numeric ``(**params, eta=)`` is the coefficient of
    :math:`\eta^{\text{order}}`, the same at every η; passes when :math:`|r - c|` is within
    tolerance).
    """

    strategy: st.SearchStrategy[dict[str, Any]]
    examples: Budget
    etas: tuple[float, ...]
    order: int
    compute: Callable[..., float]
    lower: Callable[..., float]
    rounding: Callable[..., float]
    rounding_reason: str
    judge: Mapping[str, str] = field(default_factory=lambda: {"printed": "order", "derived": "coefficient"})
    variable: str = "eta"
    pinned: tuple[dict[str, Any], ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        e = np.asarray(self.etas, dtype=float)
        if e.size < 3 or np.any(e <= 0) or np.any(e[1:] / e[:-1] > 0.5 + 1e-12):
            raise ValueError(f"etas must be >= 3 positive values decreasing by a ratio <= 1/2; got {self.etas}")
        if self.order < 1:
            raise ValueError(f"order must satisfy order >= 1; got {self.order}")
        bad = {k: v for k, v in self.judge.items() if v not in ("order", "coefficient") or k not in ("printed", "derived")}
        if bad:
            raise ValueError(f"judge must map 'printed'/'derived' to 'order' or 'coefficient'; got {bad}")

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return 0  # deterministic: no false-alarm budget used

    def form_parameters(self, claim: Claim) -> frozenset[str] | None:
        points = draw_examples(self.strategy, 1, 0, self.pinned)
        return frozenset(points[0]) | {self.variable} if points else None

    # -------------------------------------------------------------- the two judgements

    def _coefficient(self, r: np.ndarray, dr: np.ndarray, c: float) -> tuple[bool, float | None, float, str]:
        """(passed, relative tolerance or None, estimate, note) for a coefficient ``c``."""
        inc = np.abs(np.diff(r))
        est = float(r[-1])
        tol = 2.0 * inc[-1] + dr[-1] + dr[-2]
        shrinking = bool(inc[-1] <= inc[-2] + dr[-1] + dr[-2] + dr[-3])
        ok = abs(est - c) <= tol
        rel = tol / abs(c) if c != 0 else (tol if tol > 0 else 0.0)
        note = f"r(η_min) = {est:.8g} vs c = {c:.8g} (|diff| {abs(est - c):.3g}, tolerance {tol:.3g})"
        if not shrinking:
            note += "; increments of r do not shrink along the grid (not yet asymptotic)"
        return ok, (rel if shrinking else None), est, note

    def _order(self, R: np.ndarray, dR: np.ndarray) -> tuple[bool, float | None, float, str]:
        """(passed, relative tolerance or None, slope at η_min, note) for a truncation's remainder ``R``."""
        e = np.asarray(self.etas, dtype=float)
        big = np.abs(R) > 10 * dR
        if not big[-1]:  # the remainder is at rounding level at the smallest η: O(η^p) holds trivially there
            return (True, 0.0 if not big.any() else None, float("inf"),
                    "remainder at rounding level at the smallest η (|v − T| <= 10 × rounding)")
        lr = np.log(np.abs(R))
        slopes = np.diff(lr) / np.diff(np.log(e))
        dslope = (dR[1:] / np.abs(R[1:]) + dR[:-1] / np.abs(R[:-1])) / np.abs(np.diff(np.log(e)))
        inc = np.abs(np.diff(slopes))
        p_hat = float(slopes[-1])
        tol = 2.0 * inc[-1] + dslope[-1] + dslope[-2]
        shrinking = bool(inc[-1] <= inc[-2] + dslope[-1] + dslope[-2] + dslope[-3]) if slopes.size >= 3 else False
        ok = p_hat >= self.order - tol
        note = f"local slope at η_min {p_hat:.5f} (order {self.order}, tolerance {tol:.2g})"
        if not shrinking:
            note += "; slopes do not settle along the grid (not yet asymptotic)"
        return ok, (tol / self.order if shrinking else None), p_hat, note

    # -------------------------------------------------------------- run

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        points = draw_examples(self.strategy, self.examples(ctx.mode), ctx.hypothesis_seed(claim.id), self.pinned)
        e = np.asarray(self.etas, dtype=float)
        var = self.variable
        labels = [(label, form, self.judge[label]) for label, form in forms(claim)]
        rows: list[dict[str, Any]] = []
        fails: dict[str, list[str]] = {label: [] for label, _, _ in labels}
        res: dict[str, float | None] = {label: 0.0 for label, _, _ in labels}
        notes: dict[str, list[str]] = {label: [] for label, _, _ in labels}
        curves: list[tuple[int, np.ndarray, float | None]] = []
        for pidx, params in enumerate(points):
            v = np.array([float(self.compute(**params, **{var: x})) for x in e])
            low = np.array([float(self.lower(**params, **{var: x})) for x in e])
            dv = np.array([abs(float(self.rounding(**params, **{var: x}))) for x in e])
            r = (v - low) / e**self.order
            dr = (dv + 4 * _EPS * np.abs(low)) / e**self.order
            row: dict[str, Any] = dict(params)
            row.update({f"r(η={x:g})": float(y) for x, y in zip(e, r)})
            coef = None
            for label, form, kind in labels:
                if kind == "coefficient":
                    cs = np.array([float(form.evaluate({**params, var: x})) for x in e])
                    if not np.allclose(cs, cs[0], rtol=1e-12, atol=0):
                        raise ValueError(f"{claim.id}: the {label} coefficient depends on {var}: {cs}")
                    c = float(cs[0])
                    if label == "derived" or coef is None:
                        coef = c
                    ok, rel, est, note = self._coefficient(r, dr, c)
                    row[f"{label}_coefficient"] = c
                    row["r_extrapolated"] = 2 * r[-1] - r[-2]  # Richardson: removes the linear term on a ratio-1/2 grid
                else:
                    T = np.array([float(form.evaluate({**params, var: x})) for x in e])
                    ok, rel, est, note = self._order(v - T, dv + 4 * _EPS * np.abs(T))
                    row[f"{label}_slope"] = est
                row[f"{label}_ok"] = ok
                notes[label].append(note)
                res[label] = None if (res[label] is None or rel is None) else max(res[label], rel)
                if not ok:
                    fails[label].append(f"{fmt_params(params)}: {note}")
            curves.append((pidx, r, coef))
            rows.append(row)

        def outcome(label: str, kind: str) -> FormOutcome:
            bad = fails[label]
            what = (f"remainder after the terms below {var}^{self.order} divided by {var}^{self.order} tends to the "
                    f"coefficient" if kind == "coefficient" else f"|exact − truncation| shrinks at least like {var}^{self.order}")
            head = f"{what}: holds at {len(points) - len(bad)} of {len(points)} points"
            tail = f"; e.g. {bad[0]}" if bad else (f"; e.g. {notes[label][0]}" if notes[label] else "")
            return FormOutcome(not bad, head + tail, resolution=res[label])

        out = {label: outcome(label, kind) for label, _, kind in labels}

        shown = {"eta": "η"}.get(var, var)

        def plot(ax) -> None:
            for pidx, r, c in curves:
                y = r / c if c else r
                ax.semilogx(e, y, "o-", ms=3, lw=0.8, label="each drawn point" if pidx == 0 else None)
            ax.axhline(1.0, color="k", ls=":", lw=0.8, label="derived coefficient")
            ax.set_xlabel(shown)
            ax.set_ylabel(f"(exact − terms below {shown}^{self.order}) / ({shown}^{self.order} · coefficient)", fontsize=8)
            ax.set_title(claim.id)
            ax.legend(fontsize=7)

        ratio = float(e[1] / e[0])
        return Evidence(
            derived=out["derived"],
            printed=out.get("printed"),
            method=(f"{self.description + '; ' if self.description else ''}exact values at {var} in "
                    f"{[float(f'{x:.6g}') for x in e]} (ratio {ratio:.3g}); coefficient: r = (v − lower)/{var}^{self.order} "
                    f"at the smallest {var}, tolerance 2|r_K − r_(K−1)| + rounding; order: local log–log slope at the "
                    f"smallest {var}, tolerance 2 × its last increment + rounding; rounding: {self.rounding_reason}"),
            columns=tuple(dict.fromkeys(k for row in rows for k in row)),
            rows=rows,
            plot=plot,
        )
