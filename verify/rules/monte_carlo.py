r"""Monte Carlo means against each form's prediction, point by point."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st

from ..claim import Budget, Claim, Context, Evidence, FormOutcome, Mode, margin_for
from ._catalogue import rule
from ._sampling import Simulation, draw_examples, fmt_params, forms
from ..stats import interval_resolution, mean_interval, trials_for_resolution

__all__ = ["MonteCarloMean", "MeasuredMeans"]


@rule
@dataclass(frozen=True, kw_only=True)
class MonteCarloMean:
    r"""Prediction inside the Monte Carlo interval of the mean, at every drawn point, with the
    sample sized to resolve the claim's margin.

    At each point a pilot of ``trials(mode)`` trials estimates the spread :math:`s` and the mean
    :math:`\bar x`; the sample then grows to the size at which the interval check resolves the
    margin :math:`r` (:func:`polyverify.stats.trials_for_resolution`:
    :math:`N = ((z_{1-\delta/2}+z_{0.9})\,s/(r|\bar x|))^2`), but never beyond ``cap(mode)``
    trials (default: :data:`CAP_FACTOR` times the pilot). The margin is
    :func:`polyverify.claim.margin_for` over the printed/derived values at the drawn points. The
    resolution at a point is :math:`(h + z_{0.9}\,\mathrm{se})/|\bar x|`; a form's is the worst
    over points. The same generator continues from pilot to the rest, so a seed fixes the numbers.

    ``value_range(params)`` gives the range of the per-trial statistic; it is used only for
    the empirical Bernstein fallback when a sample has no spread.
    """

    strategy: st.SearchStrategy[dict[str, Any]]
    simulate: Simulation
    trials: Budget
    examples: Budget
    pinned: tuple[dict[str, Any], ...] = ()
    pinned_full: tuple[dict[str, Any], ...] = ()
    """Points pinned in the full suite only (too costly to resolve within the quick budget)."""
    value_range: Callable[..., float] | None = None
    cap: Budget | None = None
    """Most trials per point (default ``CAP_FACTOR * trials``)."""
    cost: Callable[..., float] | None = None
    """Work of one trial at a point (e.g. ``n * m`` Gaussian draws), for points of unequal cost:
    with ``work``, a point may run up to ``work(mode) / cost(**params)`` trials (never fewer than
    the cap), so cheap points are not held to the sample size of expensive ones."""
    work: Budget | None = None
    figure: Callable[[list[dict[str, Any]]], Callable[[Any], None]] | None = None
    """Optional custom figure: given the evidence rows, return a function drawing on an Axes."""

    def _points(self, claim: Claim, ctx: Context) -> list[dict[str, Any]]:
        return draw_examples(self.strategy, self.examples(ctx.mode), ctx.hypothesis_seed(claim.id),
                             self._pinned(ctx.mode))

    def _pinned(self, mode: Mode) -> tuple[dict[str, Any], ...]:
        return self.pinned + (self.pinned_full if mode == "full" else ())

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        n_forms = 1 + (claim.printed is not None)
        return (self.examples(mode) + len(self._pinned(mode))) * n_forms

    def _cap(self, mode: Mode) -> int:
        return self.cap(mode) if self.cap is not None else CAP_FACTOR * self.trials(mode)

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        rows: list[dict[str, Any]] = []
        fails: dict[str, list[tuple[float, str]]] = {"derived": [], "printed": []}
        points = self._points(claim, ctx)
        preds = [{label: float(form.evaluate(p)) for label, form in forms(claim)} for p in points]
        margin = margin_for(claim, ctx.mode, [(v["printed"], v["derived"]) for v in preds if "printed" in v])
        pilot, cap = self.trials(ctx.mode), max(self._cap(ctx.mode), self.trials(ctx.mode))
        worst = 0.0
        short: list[tuple[int, int]] = []  # (needed, used) where the cap stopped the sample
        for idx, (params, pred) in enumerate(zip(points, preds)):
            rng = ctx.rng(claim.id, idx)
            cap_here, chunk = cap, cap
            if self.cost is not None:
                unit = max(float(self.cost(**params)), 1.0)
                if self.work is not None:
                    cap_here = max(cap, int(self.work(ctx.mode) / unit))
                chunk = max(pilot, int(_CHUNK_WORK / unit))
            sample = np.asarray(self.simulate(params, rng=rng, trials=pilot, device=ctx.device), dtype=float)
            # sequential sizing: the size needed is re-estimated from the sample so far (the pilot's
            # spread and mean are estimates too) until it suffices or the cap is reached
            for _ in range(_SIZING_ROUNDS):
                need = _needed(sample, margin.value, ctx.delta)
                if need <= sample.size or sample.size >= cap_here:
                    break
                todo, parts = min(need, cap_here) - sample.size, [sample]
                while todo > 0:  # in chunks of bounded memory
                    k = min(todo, chunk)
                    parts.append(np.asarray(self.simulate(params, rng=rng, trials=k, device=ctx.device), dtype=float).ravel())
                    todo -= k
                sample = np.concatenate(parts)
            if need > sample.size:
                short.append((need, int(sample.size)))
            vr = None if self.value_range is None else float(self.value_range(**params))
            iv = mean_interval(sample, delta=ctx.delta, value_range=vr)
            se = float(np.std(sample, ddof=1) / np.sqrt(sample.size)) if iv.method == "clt" else 0.0
            # a statistic whose mean is 0 (no feature can collide at n = 1) has no relative error:
            # its interval is read against the statistic's range instead
            res = interval_resolution(iv.halfwidth, se, iv.mean if iv.mean != 0 or vr is None else vr)
            worst = max(worst, res)
            row: dict[str, Any] = dict(params)
            row.update(mc_mean=iv.mean, ci_lo=iv.lo, ci_hi=iv.hi, trials=iv.n, resolution=res)
            for label, value in pred.items():
                inside = iv.contains(value)
                row[label] = value
                row[f"{label}_ok"] = inside
                if not inside:
                    # misses are ranked by their distance from the interval in half-widths
                    dist = abs(value - iv.mean) / max(iv.halfwidth, 1e-300)
                    fails[label].append(
                        (dist, f"{fmt_params(params)}: {label} {value:.5g} outside [{iv.lo:.5g}, {iv.hi:.5g}] "
                         f"(relative error {abs(value - iv.mean) / max(abs(iv.mean), 1e-300):.1%})")
                    )
            rows.append(row)

        def outcome(label: str) -> FormOutcome:
            bad = sorted(fails[label], key=lambda f: -f[0])
            if not bad:
                return FormOutcome(True, f"inside the interval at all {len(points)} points", resolution=worst)
            return FormOutcome(False, f"outside at {len(bad)} of {len(points)} points; worst {bad[0][1]}",
                               resolution=worst)

        used = [r["trials"] for r in rows]
        sample_note = f"pilot {pilot} trials per point, grown to reach the margin (cap {cap}" + (
            " trials, more at cheap points within a work budget)" if self.work is not None else ")")
        if used:
            sample_note += f"; used {min(used)}–{max(used)}"
        if short:
            need = max(n for n, _ in short)
            sample_note += (f"; the cap stopped {len(short)} of {len(points)} points short: "
                            f"up to {need} trials per point would resolve margin {margin.value:.2g}")
        columns = tuple(points[0].keys()) if points else ()
        columns += ("mc_mean", "ci_lo", "ci_hi", "trials", "resolution", "derived") + (
            ("printed",) if claim.printed is not None else ())
        return Evidence(
            derived=outcome("derived"),
            printed=outcome("printed") if claim.printed is not None else None,
            method=f"Monte Carlo mean, two-sided interval at level 1-{ctx.delta:.2e} per point (Bonferroni)",
            columns=columns,
            rows=rows,
            comparisons=len(points) * (1 + (claim.printed is not None)),
            plot=self.figure(rows) if self.figure is not None else _plot_mc(rows, claim),
            margin=margin,
            sample=sample_note,
        )


CAP_FACTOR = 16
"""Default cap of a Monte Carlo point's sample, in pilots: a check may grow its sample 16-fold
(resolution 4x finer) to reach its margin before it is called inconclusive."""


_SIZING_ROUNDS = 4
_CHUNK_WORK = 2e7  # per simulate() call when growing a sample: ~160 MB of float64 draws


def _needed(sample: np.ndarray, margin: float, delta: float) -> int:
    """Trials that resolve ``margin`` given the pilot's spread and mean (the pilot's own size
    when it has no spread: the Bernstein interval then needs no more)."""
    if sample.size < 2 or np.ptp(sample) == 0:
        return int(sample.size)
    # aim 2% inside the margin so that the re-estimated resolution rarely lands just above it
    return trials_for_resolution(sd=float(np.std(sample, ddof=1)), mean=float(np.mean(sample)),
                                 margin=0.98 * margin, delta=delta)


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
