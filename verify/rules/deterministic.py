r"""Deterministic computations (enumeration, ODE solves) against each form within a derived tolerance."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from ..claim import Budget, Claim, Context, Evidence, FormOutcome, Mode
from ._catalogue import rule
from ._sampling import draw_examples, fmt_params, forms

__all__ = ['DeterministicMatch']


@rule
@dataclass(frozen=True, kw_only=True)
class DeterministicMatch:
    """A deterministic computation against each form: ``|form - value| <= atol + rtol*|value|``.

    ``tolerance_reason`` must say where ``rtol``/``atol`` come from (a solver's tolerance,
    floating-point accumulation, a proven bound); it is printed in the report.
    """

    strategy: st.SearchStrategy[dict[str, Any]]
    compute: Callable[..., float]
    examples: Budget
    rtol: float
    atol: float
    tolerance_reason: str
    pinned: tuple[dict[str, Any], ...] = ()

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return 0  # deterministic: no false-alarm budget used

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        points = draw_examples(self.strategy, self.examples(ctx.mode), ctx.hypothesis_seed(claim.id), self.pinned)
        rows, fails = [], {"derived": [], "printed": []}
        for params in points:
            value = float(self.compute(**params))
            row = dict(params, value=value)
            for label, form in forms(claim):
                pred = float(form.evaluate(params))
                ok = abs(pred - value) <= self.atol + self.rtol * abs(value)
                row[label] = pred
                row[f"{label}_ok"] = ok
                if not ok:
                    fails[label].append(f"{fmt_params(params)}: {label} {pred:.6g} vs {value:.6g}")
            rows.append(row)

        def outcome(label: str) -> FormOutcome:
            bad = fails[label]
            if not bad:
                return FormOutcome(True, f"matches at all {len(points)} points (rtol {self.rtol:g}, atol {self.atol:g})")
            return FormOutcome(False, f"misses at {len(bad)} of {len(points)} points; e.g. {bad[0]}")

        return Evidence(
            derived=outcome("derived"),
            printed=outcome("printed") if claim.printed is not None else None,
            method=f"deterministic comparison; tolerance: {self.tolerance_reason}",
            columns=tuple(rows[0].keys()) if rows else (),
            rows=rows,
        )
