r"""A critical value of a parameter, where a simulated yes/no outcome flips.

:class:`ThresholdCrossing` — each form predicts, at every drawn point, the value :math:`v` of a
parameter at which a monotone outcome of the simulation flips (e.g. "some weight survives" for
:math:`\lambda` below :math:`v`, "every weight dies" above). The rule asks the simulation at
:math:`v(1-r)` and :math:`v(1+r)`, with the relative tolerance ``r = rtol(**params)`` the claim
derives: a form passes where the outcome is *yes* just below its value and *no* just above it.
Each form is judged on its own two evaluations; the two sides say whether the form's condition
"parameter <= v" is *sufficient* (yes below) and *necessary* (no above). The measured critical
value is bracketed by bisection (``bracket``) for the table and the figure, and an optional
``cross_check`` (an independent simulation, e.g. brute force) must agree with the outcome at
both ends of the bracket at the ``cross_check_points`` (bracketed and cross-checked only, not
judged: e.g. sizes where brute force is affordable), or the rule raises. Resolution: ``r``, worst over the points.
Deterministic: no false-alarm budget used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from ..claim import Budget, Claim, Context, Evidence, FormOutcome, Mode
from ._catalogue import rule
from ._sampling import draw_examples, fmt_params, forms

__all__ = ["ThresholdCrossing"]


@rule
@dataclass(frozen=True, kw_only=True)
class ThresholdCrossing:
    """Each form's critical value against the simulated outcome on both sides of it.

    ``outcome(value, **params) -> bool`` is the simulated yes/no at the parameter ``value``
    (assumed monotone: yes below the critical value, no above). ``bracket(**params) -> (lo, hi)``
    brackets the critical value (yes at ``lo``, no at ``hi``). ``rtol(**params)`` is the relative
    tolerance of the forms' values, ``tolerance_reason`` where it comes from. ``cross_check``,
    when given, is an independent ``outcome`` evaluated at ``lo`` and ``hi`` of each of the
    ``cross_check_points`` (rows with ``judged`` false). ``draw(ax, rows)`` draws the figure.
    """

    strategy: st.SearchStrategy[dict[str, Any]]
    outcome: Callable[..., bool]
    bracket: Callable[..., tuple[float, float]]
    rtol: Callable[..., float]
    tolerance_reason: str
    examples: Budget
    pinned: tuple[dict[str, Any], ...] = ()
    value_name: str = "value"
    cross_check: Callable[..., bool] | None = None
    cross_check_points: tuple[dict[str, Any], ...] = ()
    draw: Callable[..., None] | None = None
    description: str = ""

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return 0  # deterministic: no false-alarm budget used

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        points = draw_examples(self.strategy, self.examples(ctx.mode), ctx.hypothesis_seed(claim.id), self.pinned)
        rows: list[dict[str, Any]] = []
        tally = {label: {"sufficient": 0, "necessary": 0, "bad": []} for label, _ in forms(claim)}
        worst = 0.0
        checked = 0
        if self.cross_check is not None:
            for params in self.cross_check_points:
                lo, hi = (float(v) for v in self.bracket(**params))
                yes_lo, yes_hi = bool(self.cross_check(lo, **params)), bool(self.cross_check(hi, **params))
                if not (yes_lo and not yes_hi):
                    raise RuntimeError(f"{claim.id}: the cross-check disagrees at {fmt_params(params)}: "
                                       f"outcome {yes_lo} at {lo:.6g} and {yes_hi} at {hi:.6g} (expected True, False)")
                rows.append(dict(params, **{f"{self.value_name}_lo": lo, f"{self.value_name}_hi": hi},
                                 judged=False, cross_check=True))
                checked += 1
        for params in points:
            lo, hi = (float(v) for v in self.bracket(**params))
            r = float(self.rtol(**params))
            worst = max(worst, r)
            row: dict[str, Any] = dict(params, **{f"{self.value_name}_lo": lo, f"{self.value_name}_hi": hi},
                                       judged=True, rtol=r)
            for label, form in forms(claim):
                v = float(form.evaluate(params))
                below, above = bool(self.outcome(v * (1 - r), **params)), bool(self.outcome(v * (1 + r), **params))
                t = tally[label]
                t["sufficient"] += below
                t["necessary"] += not above
                ok = below and not above
                row[label] = v
                row[f"{label}_yes_below"] = below
                row[f"{label}_yes_above"] = above
                row[f"{label}_ok"] = ok
                if not ok:
                    side = "'no' already below" if not below else "still 'yes' above"
                    t["bad"].append(f"{fmt_params(params)}: {side} {label} {v:.5g} "
                                    f"(critical value in [{lo:.5g}, {hi:.5g}], {hi / v if v else float('inf'):.3g} x {label})")
            rows.append(row)

        def outcome_of(label: str) -> FormOutcome:
            t = tally[label]
            n = len(points)
            head = (f"at {n} points the condition '{self.value_name} <= {label}' was sufficient {t['sufficient']}x "
                    f"and necessary {t['necessary']}x (tolerance {worst:.2g})")
            if not t["bad"]:
                return FormOutcome(True, head + ": the critical value", resolution=worst)
            return FormOutcome(False, f"{head}; not the critical value at {len(t['bad'])} of {n}, e.g. {t['bad'][0]}",
                               resolution=worst)

        draw = self.draw

        def plot(ax) -> None:
            if draw is not None:
                draw(ax, rows)
            ax.set_title(claim.id)

        cc = f"; bracket cross-checked at both ends at {checked} further points" if checked else ""
        return Evidence(
            derived=outcome_of("derived"),
            printed=outcome_of("printed") if claim.printed is not None else None,
            method=(self.description or "simulated outcome on both sides of each form's critical value")
            + f"; tolerance: {self.tolerance_reason}{cc}",
            columns=tuple(dict.fromkeys(k for r in rows for k in r)),
            rows=rows,
            plot=plot,
        )
