r"""Signed effects: the direction of a measured effect against the direction each form states.

* :class:`SignedEffect` — for each case a replicated paired difference (a change, an effect);
  its interval at level ``1 - ctx.delta`` says +1 (above 0), −1 (below 0) or 0 (contains 0), and
  each form's ``numeric(**case)`` predicts that direction. Resolution: the smallest effect
  whose sign the check resolves with probability 0.9, :math:`h + z_{0.9}\,\mathrm{se}`, relative
  to the largest measured effect (worst over cases): for a "no effect" case it says how small
  an effect, relative to the effects contrasted with it, the interval excludes.
* :class:`MonotoneTrend` — rank trends (Spearman, within strata) measured on a table of rows,
  with one-sided permutation tests (:func:`polyverify.stats.rank_trend`). Each form's
  ``numeric(trend=name)`` states a direction (+1, −1) or none (0). A stated direction is
  *rejected* when the measured trend is significantly opposite at level ``ctx.delta``; it
  *holds* when significantly in its direction (resolution :func:`polyverify.stats.trend_resolution`);
  otherwise it is neither (passed, resolution ``None``: never counted as holding). A form that
  states no direction is not a test (resolution ``None``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..claim import Claim, Context, Evidence, FormOutcome, Mode
from ..stats import (
    interval_resolution,
    mean_interval,
    rank_trend,
    trend_resolution,
    z_value,
)
from ._catalogue import rule
from ._sampling import forms

__all__ = ["SignedEffect", "MonotoneTrend", "Trend"]


@rule
@dataclass(frozen=True, kw_only=True)
class SignedEffect:
    """Predicted against observed direction of a replicated effect, case by case.

    ``measure(case, rng=, mode=, device=)`` returns the per-replicate effects (a 1-D array);
    ``covariate`` (name, function of the case) adds a column and the figure's x axis.
    """

    cases: Callable[[Mode], Sequence[dict[str, Any]]]
    measure: Callable[..., np.ndarray]
    description: str
    effect: str = "mean_change"
    covariate: tuple[str, Callable[..., float]] | None = None
    label: str = "law"
    quantity: str = "the effect"
    xlabel: str = ""
    ylabel: str = ""

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return len(self.cases(mode)) * (1 + (claim.printed is not None))

    def form_parameters(self, claim: Claim) -> frozenset[str]:
        return frozenset(self.cases("quick")[0])

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        fs = list(forms(claim))
        rows, fails = [], {label: [] for label, _ in fs}
        ivs = []
        for idx, case in enumerate(self.cases(ctx.mode)):
            sample = self.measure(case, rng=ctx.rng(claim.id, idx), mode=ctx.mode, device=ctx.device)
            iv = mean_interval(sample, delta=ctx.delta)
            ivs.append(iv)
            observed = 1 if iv.lo > 0 else (-1 if iv.hi < 0 else 0)
            row = dict(case)
            if self.covariate is not None:
                row[self.covariate[0]] = float(self.covariate[1](**case))
            row.update({self.effect: iv.mean, "ci_lo": iv.lo, "ci_hi": iv.hi, "observed": observed})
            for label, form in fs:
                pred = int(form.numeric(**case))
                row[label] = pred
                if pred != observed:
                    fails[label].append(f"{case.get(self.label, idx)}: predicted {pred:+d}, observed {observed:+d} "
                                        f"(mean change {iv.mean:.4f} [{iv.lo:.4f}, {iv.hi:.4f}])")
            rows.append(row)
        scale = max(abs(iv.mean) for iv in ivs)
        z = z_value(ctx.delta)
        res = max(interval_resolution(iv.halfwidth, iv.halfwidth / z, scale) for iv in ivs)
        cov = self.covariate[0] if self.covariate is not None else None

        def outcome(label: str) -> FormOutcome:
            bad = fails[label]
            if not bad:
                detail = ", ".join(f"{r.get(self.label, k)}" + (f" (κ={r[cov]:.3g}: " if cov else " (")
                                   + f"{r[self.effect]:+.3f})" for k, r in enumerate(rows))
                return FormOutcome(True, f"direction of {self.quantity} as predicted for " + detail, resolution=res)
            return FormOutcome(False, "; ".join(bad), resolution=res)

        def plot(ax) -> None:
            ks = [r[cov] for r in rows] if cov else list(range(len(rows)))
            ys = [r[self.effect] for r in rows]
            err = [[r[self.effect] - r["ci_lo"] for r in rows], [r["ci_hi"] - r[self.effect] for r in rows]]
            ax.errorbar(ks, ys, yerr=err, fmt="o")
            for k, r in zip(ks, rows):
                ax.annotate(str(r.get(self.label, "")), (k, r[self.effect]), fontsize=7)
            ax.axhline(0, color="k", lw=0.8)
            ax.axvline(0, color="k", lw=0.5, ls=":")
            ax.set_xlabel(self.xlabel)
            ax.set_ylabel(self.ylabel)
            ax.set_title(claim.id)

        return Evidence(
            derived=outcome("derived"),
            printed=outcome("printed") if claim.printed is not None else None,
            method=f"{self.description}; interval of the mean change at level 1-{ctx.delta:.2e}",
            columns=tuple(rows[0].keys()) if rows else (),
            rows=rows,
            comparisons=len(rows) * len(fs),
            plot=plot,
        )


@dataclass(frozen=True)
class Trend:
    """A rank trend of column ``y`` on column ``x`` (within the strata of column ``strata``)."""

    name: str
    x: str
    y: str
    strata: str | None = None


@rule
@dataclass(frozen=True, kw_only=True)
class MonotoneTrend:
    """Directions of rank trends measured on ``measure(ctx)`` (see the module docstring).

    ``measure(ctx)`` returns ``(rows, draw)``: the table and ``draw(ax, trends)`` drawing the
    figure, given the measured :class:`~polyverify.stats.RankTrend` of each trend and the
    directions each form states (so the figure shows the paper's direction beside the measured one).
    """

    measure: Callable[[Context], tuple[list[dict[str, Any]], Callable[..., None]]]
    trends: tuple[Trend, ...]
    columns: tuple[str, ...] = ()
    description: str = ""

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return len(self.trends)

    def form_parameters(self, claim: Claim) -> frozenset[str]:
        return frozenset({"trend"})

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        rows, draw = self.measure(ctx)
        # enough permutations to resolve p-values well below the level (cost ~0.3 s per million)
        perms = int(min(10_000_000, max(10_000, math.ceil(5 / ctx.delta))))
        measured = {}
        for t in self.trends:
            x = np.array([r[t.x] for r in rows], dtype=float)
            y = np.array([r[t.y] for r in rows], dtype=float)
            g = None if t.strata is None else np.array([r[t.strata] for r in rows])
            measured[t.name] = rank_trend(x, y, strata=g, rng=ctx.rng(f"{claim.id}/trend/{t.name}", 0), permutations=perms)
        stated = {label: {t.name: int(form.numeric(trend=t.name)) for t in self.trends} for label, form in forms(claim)}
        fitted = int(np.isfinite([r.get(self.trends[0].y, np.nan) for r in rows]).sum()) if self.trends else 0

        def outcome(label: str) -> FormOutcome:
            parts, rejected, holds, res = [], False, True, []
            for t in self.trends:
                want, m = stated[label][t.name], measured[t.name]
                txt, rej, ok = _describe(t.name, m, want, ctx.delta)
                parts.append(txt)
                rejected |= rej
                holds &= ok
                res.append(trend_resolution(m, ctx.delta) if want else None)
            resolution = max(res) if (holds or rejected) and all(r is not None for r in res) else None
            tail = f"; {fitted} of {len(rows)} rows measured"
            return FormOutcome(not rejected, "; ".join(parts) + tail, resolution=resolution)

        return Evidence(
            derived=outcome("derived"),
            printed=outcome("printed") if claim.printed is not None else None,
            method=(f"{self.description}; Spearman with 95% bootstrap interval and one-sided permutation tests "
                    f"({perms} permutations) at level {ctx.delta:.2e}"),
            columns=self.columns or (tuple(rows[0].keys()) if rows else ()),
            rows=rows,
            comparisons=len(self.trends),
            plot=lambda ax: draw(ax, measured, stated),
        )


def _describe(name: str, t: Any, want: int, delta: float) -> tuple[str, bool, bool]:
    """(description, rejected, holds) of a stated direction ``want`` (0: none stated)."""
    if not np.isfinite(t.rho):
        return f"{name}: too few measured rows (n={t.n}), inconclusive", False, False
    head = f"{name} = {t.rho:+.2f} (95% bootstrap [{t.ci[0]:+.2f}, {t.ci[1]:+.2f}], n={t.n}"
    if want == 0:
        return head + f"; no direction stated; permutation p {t.p_pos:.1e} (+), {t.p_neg:.1e} (−))", False, False
    p_stated, p_opp = (t.p_pos, t.p_neg) if want > 0 else (t.p_neg, t.p_pos)
    if p_opp < delta:
        verdict = "significantly OPPOSITE to the stated direction"
    elif p_stated < delta:
        verdict = "significantly in the stated direction"
    else:
        verdict = "inconclusive at this level"
    if 1 / (t.permutations + 1) >= delta:
        verdict += f" (the smallest attainable p, 1/(B+1) with B={t.permutations}, is not below the level)"
    text = f"{head}; stated {'+' if want > 0 else '−'}; permutation p {p_stated:.1e} for the stated sign, {p_opp:.1e} for the opposite; {verdict})"
    return text, p_opp < delta, p_stated < delta
