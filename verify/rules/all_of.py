r"""Several rules that must all pass."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..claim import Claim, Context, Evidence, FormOutcome, Mode, margin_for, status
from ._catalogue import rule

__all__ = ["AllOf"]


def _worst(resolutions: list[float | None]) -> float | None:
    """The worst resolution of several checks; ``None`` (cannot say) if any says so."""
    if not resolutions or any(r is None for r in resolutions):
        return None
    return max(resolutions)


@rule
@dataclass(frozen=True)
class AllOf:
    """Several rules; a form passes when it passes every one of them. Its resolution is the
    worst of theirs, its margin the tightest of theirs. ``figure(ctx)``, when given, draws the claim's figure (a callable on an
    Axes) in place of the last rule's plot."""

    rules: tuple[Any, ...]
    figure: Callable[[Context], Callable[[Any], None]] | None = None

    @property
    def shared_runs(self) -> str | None:
        """The training runs a part reads with other claims (the first part that names any), so
        that the runner groups this claim with them (:func:`polyverify.scheduling.claim_groups`)."""
        return next((key for r in self.rules if (key := getattr(r, "shared_runs", None)) is not None), None)

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return sum(r.planned_comparisons(claim, mode) for r in self.rules)

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        evs = [r.run(claim, ctx) for r in self.rules]
        margins = [e.margin for e in evs if e.margin is not None]
        margin = min(margins, key=lambda m: m.value) if margins else margin_for(claim, ctx.mode)

        def merge(get) -> FormOutcome | None:
            outs = [get(e) for e in evs if get(e) is not None]
            if not outs:
                return None
            # a part that decides by its own test makes the whole decide so: it holds when every
            # part holds at the common margin
            mixed = any(o.conclusive is not None for o in outs)
            return FormOutcome(all(o.passed for o in outs), " | ".join(o.summary for o in outs),
                               resolution=_worst([o.resolution for o in outs]),
                               conclusive=all(status(o, margin.value) == "holds" for o in outs) if mixed else None)

        rows = []
        for k, e in enumerate(evs):
            rows.extend(dict(check=k + 1, **r) for r in e.rows)
        plots = [e.plot for e in evs if e.plot is not None]
        return Evidence(
            derived=merge(lambda e: e.derived),
            printed=merge(lambda e: e.printed),
            method=" + ".join(e.method for e in evs),
            columns=("check",) + tuple(dict.fromkeys(c for e in evs for c in e.columns)),
            rows=rows,
            comparisons=sum(e.comparisons for e in evs),
            plot=self.figure(ctx) if self.figure is not None else (plots[-1] if plots else None),
            margin=margin,
            sample="; ".join(e.sample for e in evs if e.sample),
        )
