r"""Signed effects: the direction of a measured effect against the direction each form states.

* :class:`SignedEffect` — for each case a replicated paired difference (a change, an effect);
  a predicted direction is judged by the interval at level ``1 - ctx.delta``, a predicted "no
  effect" by an equivalence test (TOST) against the claim's margin times the scale of the
  effects it is contrasted with; samples grow until each case is decided or a cap.
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

from ..claim import Claim, Context, Evidence, FormOutcome, Mode, margin_for
from ..stats import (
    equivalence_test,
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
    r"""Predicted against observed direction of a replicated effect, case by case; "no effect"
    by an equivalence test.

    ``measure(case, rng=, mode=, device=)`` returns per-replicate effects (a 1-D array); calling it
    again with the same generator gives more replicates (the sample grows up to
    ``CAP_FACTOR`` calls until every case is decided). Each form's ``numeric(**case)`` predicts
    +1, −1 or 0 (no effect). The effects are measured against the *scale* of the effect, the
    largest measured mean among the cases the derived form predicts to move; with the claim's
    margin :math:`r` (:func:`polyverify.claim.margin_for`):

    * a predicted direction *holds* when the interval at level ``1 - ctx.delta`` excludes 0 on
      its side, is *rejected* when it excludes 0 on the other side, and is undecided otherwise;
    * a predicted "no effect" *holds* when the TOST equivalence test
      (:func:`polyverify.stats.equivalence_test`) puts the mean inside :math:`\pm r\cdot` scale,
      is *rejected* when the interval lies wholly outside it, and is undecided otherwise.

    A form holds when every case holds (``conclusive``); it is rejected when any case is. The
    resolution is the worst over cases, relative to the scale: :math:`(h + z_{0.9}\,\mathrm{se})`
    for a direction, the TOST resolution for a "no effect" case.
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
        from .monte_carlo import CAP_FACTOR

        fs = list(forms(claim))
        cases = list(self.cases(ctx.mode))
        preds = [{label: int(form.numeric(**case)) for label, form in fs} for case in cases]
        rngs = [ctx.rng(claim.id, idx) for idx in range(len(cases))]
        samples = [np.asarray(self.measure(c, rng=g, mode=ctx.mode, device=ctx.device), float).ravel()
                   for c, g in zip(cases, rngs)]
        margin = margin_for(claim, ctx.mode)
        z = z_value(ctx.delta)

        def judge(sample: np.ndarray, pred: int, bound: float) -> tuple[str, float, Any]:
            iv = mean_interval(sample, delta=ctx.delta)
            if pred != 0:
                observed = 1 if iv.lo > 0 else (-1 if iv.hi < 0 else 0)
                st = "holds" if observed == pred else ("rejected" if observed == -pred else "undecided")
                return st, interval_resolution(iv.halfwidth, iv.halfwidth / z, 1.0), iv
            e = equivalence_test(sample, bound=bound, delta=ctx.delta)
            return ("holds" if e.equivalent else "rejected" if e.different else "undecided"), e.resolution, iv

        def scale_of(samples: list[np.ndarray]) -> float:
            moving = [abs(float(x.mean())) for x, p in zip(samples, preds) if p["derived"] != 0]
            return max(moving or [abs(float(x.mean())) for x in samples]) or 1.0

        calls = 1
        while True:
            scale = scale_of(samples)
            open_ = [k for k, (x, p) in enumerate(zip(samples, preds))
                     if any(judge(x, v, margin.value * scale)[0] == "undecided" for v in set(p.values()))]
            if not open_ or calls >= CAP_FACTOR:
                break
            grow = min(calls, CAP_FACTOR - calls)  # double the undecided cases' samples
            for k in open_:
                more = [np.asarray(self.measure(cases[k], rng=rngs[k], mode=ctx.mode, device=ctx.device), float).ravel()
                        for _ in range(grow)]
                samples[k] = np.concatenate([samples[k], *more])
            calls += grow
        bound = margin.value * scale
        rows: list[dict[str, Any]] = []
        status = {label: [] for label, _ in fs}
        res = {label: 0.0 for label, _ in fs}
        for k, (case, x, pred) in enumerate(zip(cases, samples, preds)):
            row = dict(case)
            if self.covariate is not None:
                row[self.covariate[0]] = float(self.covariate[1](**case))
            for label, _ in fs:
                st_, r, iv = judge(x, pred[label], bound)
                res[label] = max(res[label], r / scale)
                status[label].append((st_, case, iv, pred[label]))
                row[label] = pred[label]
                row[f"{label}_status"] = st_
            iv = mean_interval(x, delta=ctx.delta)
            row.update({self.effect: iv.mean, "ci_lo": iv.lo, "ci_hi": iv.hi, "replicates": int(x.size),
                        "observed": 1 if iv.lo > 0 else (-1 if iv.hi < 0 else 0)})
            rows.append(row)
        cov = self.covariate[0] if self.covariate is not None else None

        def outcome(label: str) -> FormOutcome:
            parts = []
            for st_, case, iv, pred in status[label]:
                what = f"no effect (|mean| < {bound:.3g})" if pred == 0 else f"{pred:+d}"
                parts.append(f"{case.get(self.label, '?')}: predicted {what}, mean {iv.mean:+.4g} "
                             f"[{iv.lo:+.4g}, {iv.hi:+.4g}] → {st_}")
            sts = [t[0] for t in status[label]]
            return FormOutcome("rejected" not in sts, f"{self.quantity}: " + "; ".join(parts), resolution=res[label],
                               conclusive=all(t == "holds" for t in sts))

        def plot(ax) -> None:
            ks = [r[cov] for r in rows] if cov else list(range(len(rows)))
            ys = [r[self.effect] for r in rows]
            err = [[r[self.effect] - r["ci_lo"] for r in rows], [r["ci_hi"] - r[self.effect] for r in rows]]
            ax.errorbar(ks, ys, yerr=err, fmt="o", label="measured (interval)")
            ax.axhspan(-bound, bound, color="0.85", label=f"no-effect band ±{margin.value:.0%} of the effect")
            for k, r in zip(ks, rows):
                ax.annotate(str(r.get(self.label, "")), (k, r[self.effect]), fontsize=7)
            ax.axhline(0, color="k", lw=0.8)
            ax.axvline(0, color="k", lw=0.5, ls=":")
            ax.set_xlabel(self.xlabel)
            ax.set_ylabel(self.ylabel)
            ax.set_title(claim.id)
            ax.legend(fontsize=7)

        return Evidence(
            derived=outcome("derived"),
            printed=outcome("printed") if claim.printed is not None else None,
            method=(f"{self.description}; interval of the mean at level 1-{ctx.delta:.2e} for a direction, "
                    f"TOST against ±{margin.value:.2g} of the effect's scale ({scale:.3g}) for no effect"),
            columns=tuple(rows[0].keys()) if rows else (),
            rows=rows,
            comparisons=len(rows) * len(fs),
            plot=plot,
            margin=margin,
            sample=f"{calls} measurement(s) per undecided case (cap {CAP_FACTOR})",
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
            # a direction is decided by its own one-sided test, not by a relative error
            return FormOutcome(not rejected, "; ".join(parts) + tail, resolution=resolution,
                               conclusive=holds and not rejected)

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
