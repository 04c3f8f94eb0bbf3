r"""Several rules that must all pass."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..claim import Claim, Context, Evidence, FormOutcome, Mode
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
    worst of theirs. ``figure(ctx)``, when given, draws the claim's figure (a callable on an
    Axes) in place of the last rule's plot."""

    rules: tuple[Any, ...]
    figure: Callable[[Context], Callable[[Any], None]] | None = None

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return sum(r.planned_comparisons(claim, mode) for r in self.rules)

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        evs = [r.run(claim, ctx) for r in self.rules]

        def merge(get) -> FormOutcome | None:
            outs = [get(e) for e in evs if get(e) is not None]
            if not outs:
                return None
            return FormOutcome(all(o.passed for o in outs), " | ".join(o.summary for o in outs),
                               resolution=_worst([o.resolution for o in outs]))

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
        )
