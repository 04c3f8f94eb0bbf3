r"""Monte Carlo means against each form's prediction, point by point."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st

from ..claim import Budget, Claim, Context, Evidence, FormOutcome, Mode
from ._catalogue import rule
from ._sampling import Simulation, draw_examples, fmt_params, forms
from ..stats import mean_interval

__all__ = ["MonteCarloMean", "MeasuredMeans"]


@rule
@dataclass(frozen=True, kw_only=True)
class MonteCarloMean:
    """Prediction inside the Monte Carlo interval of the mean, at every drawn point.

    ``value_range(params)`` gives the range of the per-trial statistic; it is used only for
    the empirical Bernstein fallback when a sample has no spread.
    """

    strategy: st.SearchStrategy[dict[str, Any]]
    simulate: Simulation
    trials: Budget
    examples: Budget
    pinned: tuple[dict[str, Any], ...] = ()
    value_range: Callable[..., float] | None = None
    figure: Callable[[list[dict[str, Any]]], Callable[[Any], None]] | None = None
    """Optional custom figure: given the evidence rows, return a function drawing on an Axes."""

    def _points(self, claim: Claim, ctx: Context) -> list[dict[str, Any]]:
        return draw_examples(self.strategy, self.examples(ctx.mode), ctx.hypothesis_seed(claim.id), self.pinned)

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        n_forms = 1 + (claim.printed is not None)
        return (self.examples(mode) + len(self.pinned)) * n_forms

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        rows: list[dict[str, Any]] = []
        fails: dict[str, list[tuple[float, str]]] = {"derived": [], "printed": []}
        points = self._points(claim, ctx)
        for idx, params in enumerate(points):
            sample = self.simulate(params, rng=ctx.rng(claim.id, idx), trials=self.trials(ctx.mode), device=ctx.device)
            vr = None if self.value_range is None else float(self.value_range(**params))
            iv = mean_interval(sample, delta=ctx.delta, value_range=vr)
            row: dict[str, Any] = dict(params)
            row.update(mc_mean=iv.mean, ci_lo=iv.lo, ci_hi=iv.hi, trials=iv.n)
            for label, form in forms(claim):
                pred = float(form.evaluate(params))
                inside = iv.contains(pred)
                row[label] = pred
                row[f"{label}_ok"] = inside
                if not inside:
                    # misses are ranked by their distance from the interval in half-widths
                    dist = abs(pred - iv.mean) / max(iv.halfwidth, 1e-300)
                    fails[label].append(
                        (dist, f"{fmt_params(params)}: {label} {pred:.5g} outside [{iv.lo:.5g}, {iv.hi:.5g}] "
                         f"(relative error {abs(pred - iv.mean) / max(abs(iv.mean), 1e-300):.1%})")
                    )
            rows.append(row)

        def outcome(label: str) -> FormOutcome:
            bad = sorted(fails[label], key=lambda f: -f[0])
            if not bad:
                return FormOutcome(True, f"inside the interval at all {len(points)} points")
            return FormOutcome(False, f"outside at {len(bad)} of {len(points)} points; worst {bad[0][1]}")

        columns = tuple(points[0].keys()) if points else ()
        columns += ("mc_mean", "ci_lo", "ci_hi", "derived") + (("printed",) if claim.printed is not None else ())
        return Evidence(
            derived=outcome("derived"),
            printed=outcome("printed") if claim.printed is not None else None,
            method=f"Monte Carlo mean, two-sided interval at level 1-{ctx.delta:.2e} per point (Bonferroni)",
            columns=columns,
            rows=rows,
            comparisons=len(points) * (1 + (claim.printed is not None)),
            plot=self.figure(rows) if self.figure is not None else _plot_mc(rows, claim),
        )


def _plot_mc(rows: list[dict[str, Any]], claim: Claim):
    def plot(ax) -> None:
        if not rows:
            return
        mean = np.array([r["mc_mean"] for r in rows])
        err = np.array([[r["mc_mean"] - r["ci_lo"] for r in rows], [r["ci_hi"] - r["mc_mean"] for r in rows]])
        for label, marker in (("derived", "o"), ("printed", "x")):
            if label in rows[0]:
                pred = np.array([r[label] for r in rows])
                ax.errorbar(pred, mean, yerr=err, fmt=marker, ms=4, capsize=2, label=f"{label} form")
        lo = min(mean.min(), *(r.get("derived", mean.min()) for r in rows))
        hi = max(mean.max(), *(r.get("derived", mean.max()) for r in rows))
        ax.plot([lo, hi], [lo, hi], "k--", lw=0.8, label="prediction = simulation")
        ax.set_xlabel("predicted")
        ax.set_ylabel("Monte Carlo mean (interval)")
        ax.set_title(claim.id)
        ax.legend(fontsize=7)

    return plot


@rule
@dataclass(frozen=True, kw_only=True)
class MeasuredMeans:
    """Prediction inside the Monte Carlo interval of the mean, at points a measurement lists.

    For points that are not drawn but produced (the layers of trained networks):
    ``measure(ctx)`` returns ``(params, sample)`` pairs, one per point, and each form's
    ``numeric(**params)`` is its prediction. ``count(mode)`` is the number of points (the
    comparisons planned). A sample with no spread (a dead layer: every value the same number)
    is compared within the floating-point agreement ``rtol_constant`` of a constant (its
    resolution); otherwise as :class:`MonteCarloMean` does (resolution: the interval's half-width
    plus :math:`z_{0.9}` standard errors, relative to the mean, worst over points).
    """

    measure: Callable[[Context], Sequence[tuple[dict[str, Any], np.ndarray]]]
    count: Callable[[Mode], int]
    rtol_constant: float = 1e-12
    columns: tuple[str, ...] = ()
    figure: Callable[[list[dict[str, Any]]], Callable[[Any], None]] | None = None

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return self.count(mode) * (1 + (claim.printed is not None))

    def form_parameters(self, claim: Claim) -> None:
        return None  # the points exist only once measured

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        from ..stats import interval_resolution, z_value

        rows: list[dict[str, Any]] = []
        fails: dict[str, list[str]] = {"derived": [], "printed": []}
        res = {"derived": 0.0, "printed": 0.0}
        z = z_value(ctx.delta)
        for params, sample in self.measure(ctx):
            x = np.asarray(sample, dtype=float)
            row: dict[str, Any] = dict(params)
            if np.ptp(x) == 0:
                lo = hi = mean = float(x[0])
                r_here = self.rtol_constant
            else:
                iv = mean_interval(x, delta=ctx.delta)
                lo, hi, mean = iv.lo, iv.hi, iv.mean
                r_here = interval_resolution(iv.halfwidth, iv.halfwidth / z, iv.mean)
            row.update(mc_mean=mean, ci_lo=lo, ci_hi=hi)
            for label, form in forms(claim):
                pred = float(form.evaluate(params))
                ok = (bool(np.isclose(pred, mean, rtol=self.rtol_constant, atol=0.0)) if lo == hi
                      else bool(lo <= pred <= hi))
                res[label] = max(res[label], r_here)
                row[label] = pred
                row[f"{label}_ok"] = ok
                if not ok:
                    fails[label].append(f"{fmt_params(params)}: {label} {pred:.4g} outside [{lo:.4g}, {hi:.4g}]")
            rows.append(row)

        def outcome(label: str) -> FormOutcome:
            bad = fails[label]
            if not bad:
                return FormOutcome(True, f"inside the interval at all {len(rows)} points", resolution=res[label])
            return FormOutcome(False, f"outside at {len(bad)} of {len(rows)} points (e.g. {bad[0]})", resolution=res[label])

        return Evidence(
            derived=outcome("derived"),
            printed=outcome("printed") if claim.printed is not None else None,
            method=f"Monte Carlo mean per measured point, two-sided interval at level 1-{ctx.delta:.2e} (Bonferroni)",
            columns=self.columns or (tuple(rows[0].keys()) if rows else ()),
            rows=rows,
            comparisons=len(rows) * (1 + (claim.printed is not None)),
            plot=None if self.figure is None else self.figure(rows),
        )
