r"""Scaling laws: fitted log–log slopes and bounded ratios over a range of scales.

* :class:`ScalingLaw` — a Θ(·) law (or an exact one) over a geometric grid of scales, by the
  fitted slope and the ratio simulation/form; resolution: the relative error of the exponent the
  slope interval detects, :math:`(h + z_{0.9}\,\mathrm{se})/|\hat a|` (a Θ form is allowed, on
  top, the slack its stated constant permits over the range: a declared tolerance of the
  statement, shown in the summary, not a limit of the measurement); the trials per scale grow
  from a pilot until that resolution reaches the claim's margin or a cap.
* :class:`ExponentFit` — an estimator of a power-law exponent must recover a prescribed exponent
  within its own interval at every drawn point; resolution: the interval's half-width plus
  :math:`z_{0.9}` standard errors, relative to :math:`|\alpha|` (worst over points).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st

from ..claim import DETECTION_POWER, Budget, Claim, Context, Evidence, FormOutcome, Mode, margin_for
from ..stats import interval_resolution, loglog_slope, z_value
from .monte_carlo import CAP_FACTOR
from ._catalogue import rule
from ._sampling import Simulation, draw_examples, forms

__all__ = ["ScalingLaw", "ExponentFit"]


@rule
@dataclass(frozen=True, kw_only=True)
class ScalingLaw:
    r"""A Θ(·) law checked by a fitted slope and bounded ratios over a range of scales.

    ``grid(mode)`` lists parameter points along one axis ``scale`` (geometric spacing). The
    simulated log–log slope is fitted by weighted least squares (weights from the Monte Carlo
    errors) and the form's slope on the same grid *with the same weights*, so that a form that
    is not a pure power law on the grid is compared like with like.

    * An exact form (the derived one) passes when its slope lies in the interval of the
      simulated slope and every ratio simulation/form lies in ``[1/ratio_bound, ratio_bound]``.
    * A Θ form (those named in ``theta_forms``, by default the printed one) states the law only
      up to a constant: over a finite range its slope may differ from the simulated one by the
      interval's half-width plus ``2 ln C / ln(x_max/x_min)``, the largest slope difference that
      ratios bounded by ``C = ratio_bound`` allow over the range; its ratios must lie in
      ``[1/C, C]`` (the Θ constant the claim states, with its justification in the claim).
    """

    grid: Callable[[Mode], Sequence[dict[str, Any]]]
    scale: str
    simulate: Simulation
    trials: Budget
    ratio_bound: float
    theta_forms: frozenset[str] = frozenset({"printed"})
    per_trial: bool = False
    """A few deterministic trials per scale (independent initialisations, no Monte Carlo interval):
    every trial's ratio simulation/form must lie within the form's bound, and each form's slope
    must agree with the simulated mean's within ``2 ln C / ln(x_max/x_min)`` (``C`` its bound)."""
    derived_bound: float | None = None
    """With ``per_trial``: the ratio bound of the derived (exact-limit) form."""
    ylabel: str = ""

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return 0 if self.per_trial else 1 + (claim.printed is not None)

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        if self.per_trial:
            return self._run_trials(claim, ctx)
        pts = list(self.grid(ctx.mode))
        if len(pts) < 3:
            raise ValueError(f"{claim.id}: a scaling law needs at least 3 scales")
        margin = margin_for(claim, ctx.mode)
        rngs = [ctx.rng(claim.id, idx) for idx in range(len(pts))]
        pilot = self.trials(ctx.mode)
        samples = [np.asarray(self.simulate(p, rng=g, trials=pilot, device=ctx.device), dtype=float).ravel()
                   for p, g in zip(pts, rngs)]
        x_arr = np.array([float(p[self.scale]) for p in pts])

        def fit_of(samples: list[np.ndarray]) -> tuple[Any, np.ndarray, np.ndarray, float]:
            m = np.array([s.mean() for s in samples])
            se = np.array([s.std(ddof=1) / np.sqrt(s.size) for s in samples])
            f = loglog_slope(x_arr, m, se, delta=ctx.delta)
            return f, m, se, interval_resolution((f.hi - f.lo) / 2, f.stderr, f.slope)

        fit, m_arr, se_arr, res = fit_of(samples)
        # the slope's standard error falls as 1/sqrt(trials): grow every scale's sample by the
        # factor that brings the resolution to the margin (2% inside it), within the cap
        grow = min(CAP_FACTOR, math.ceil((res / (0.98 * margin.value)) ** 2)) if res > margin.value else 1
        if grow > 1:
            samples = [np.concatenate([s, np.asarray(self.simulate(p, rng=g, trials=(grow - 1) * pilot,
                                                                  device=ctx.device), dtype=float).ravel()])
                       for s, p, g in zip(samples, pts, rngs)]
            fit, m_arr, se_arr, res = fit_of(samples)
        xs, means, ses = list(x_arr), list(m_arr), list(se_arr)
        rows = [dict(p, mc_mean=float(mu), mc_se=float(e), trials=int(s.size))
                for p, mu, e, s in zip(pts, m_arr, se_arr, samples)]
        sample_note = f"pilot {pilot} trials per scale, grown {grow}-fold (cap {CAP_FACTOR}-fold)"
        if res > margin.value and grow == CAP_FACTOR:
            need = math.ceil(pilot * grow * (res / margin.value) ** 2)
            sample_note += f"; about {need} trials per scale would resolve margin {margin.value:.2g}"
        span = float(np.log(x_arr.max() / x_arr.min()))
        outcomes: dict[str, FormOutcome] = {}
        for label, form in forms(claim):
            vals = np.array([float(form.evaluate(p)) for p in pts])
            # same relative errors, hence the same weights, as the simulated fit
            form_slope = loglog_slope(x_arr, vals, vals * se_arr / m_arr, delta=ctx.delta).slope
            ratios = m_arr / vals
            for r, v, q in zip(rows, vals, ratios):
                r[label] = v
                r[f"ratio_{label}"] = q
            slack = 2 * np.log(self.ratio_bound) / span if label in self.theta_forms else 0.0
            slope_ok = bool(fit.lo - slack <= form_slope <= fit.hi + slack)
            ratio_ok = bool(np.all((ratios >= 1 / self.ratio_bound) & (ratios <= self.ratio_bound)))
            allowed = f" ± Θ slack {slack:.3f}" if slack else ""
            outcomes[label] = FormOutcome(
                slope_ok and ratio_ok,
                f"slope in {self.scale}: simulated {fit.slope:.4f} [{fit.lo:.4f}, {fit.hi:.4f}]{allowed}, "
                f"form {form_slope:.4f} ({'inside' if slope_ok else 'outside'}); "
                f"ratio sim/form in [{ratios.min():.3g}, {ratios.max():.3g}] "
                f"({'within' if ratio_ok else 'outside'} [1/{self.ratio_bound:g}, {self.ratio_bound:g}])",
                resolution=float(res),
            )

        def plot(ax) -> None:
            ax.errorbar(xs, means, yerr=z_err(ses), fmt="o", label="simulation")
            for label in ("derived", "printed"):
                if label in rows[0]:
                    ax.plot(xs, [r[label] for r in rows], "-" if label == "derived" else "--", label=f"{label} form")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel(self.scale)
            ax.set_title(claim.id)
            ax.legend(fontsize=7)

        def z_err(se):
            from ..stats import z_value

            return z_value(ctx.delta) * np.array(se)

        return Evidence(
            derived=outcomes["derived"],
            printed=outcomes.get("printed"),
            method=f"log-log slope over {len(pts)} scales of {self.scale} (interval at 1-{ctx.delta:.2e}) and bounded ratios",
            columns=tuple(rows[0].keys()),
            rows=rows,
            comparisons=len(outcomes),
            plot=plot,
            margin=margin,
            sample=sample_note,
        )

    def _run_trials(self, claim: Claim, ctx: Context) -> Evidence:
        pts = list(self.grid(ctx.mode))
        xs, rows, samples = [], [], []
        for idx, params in enumerate(pts):
            s = np.asarray(self.simulate(params, rng=ctx.rng(claim.id, idx), trials=self.trials(ctx.mode), device=ctx.device), float)
            samples.append(s)
            xs.append(float(params[self.scale]))
            rows.append(dict(params, sim_min=float(s.min()), sim_mean=float(s.mean()), sim_max=float(s.max())))
        xs_a = np.array(xs)
        means = np.array([s.mean() for s in samples])
        sim_slope = loglog_slope(xs_a, means, delta=ctx.delta).slope
        span = math.log(xs_a.max() / xs_a.min())
        outcomes = {}
        bounds = {"derived": self.ratio_bound if self.derived_bound is None else self.derived_bound, "printed": self.ratio_bound}
        for label, form in forms(claim):
            bound = bounds[label]
            vals = np.array([float(form.evaluate(p)) for p in pts])
            lo = min(float((s / v).min()) for s, v in zip(samples, vals))
            hi = max(float((s / v).max()) for s, v in zip(samples, vals))
            for r, v in zip(rows, vals):
                r[label] = float(v)
            f_slope = loglog_slope(xs_a, vals, delta=ctx.delta).slope
            ratio_ok = lo >= 1 / bound and hi <= bound
            slope_tol = 2 * math.log(bound) / span
            slope_ok = abs(sim_slope - f_slope) <= slope_tol
            outcomes[label] = FormOutcome(
                ratio_ok and slope_ok,
                f"ratio sim/form in [{lo:.3g}, {hi:.3g}] ({'within' if ratio_ok else 'outside'} [1/{bound:g}, {bound:g}]); "
                f"slope in {self.scale}: sim {sim_slope:.3f}, form {f_slope:.3f} (allowed difference {slope_tol:.3f})",
                # deterministic trials, each checked: the form's ratio bound is the smallest relative
                # error it can see; a Θ form states only that bound and decides by it
                resolution=float(bound - 1.0),
                conclusive=(ratio_ok and slope_ok) if label in self.theta_forms else None,
            )
        scale, ylabel = self.scale, self.ylabel

        def plot(ax) -> None:
            for s_, x_ in zip(samples, xs):
                ax.plot([x_] * s_.size, s_, ".", color="tab:blue", ms=3)
            ax.plot(xs, means, "o", color="tab:blue", label="simulation (each init)")
            for label in ("derived", "printed"):
                if label in rows[0]:
                    ax.plot(xs, [r[label] for r in rows], "-" if label == "derived" else "--", label=f"{label} form")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel(scale)
            ax.set_ylabel(ylabel)
            ax.set_title(claim.id)
            ax.legend(fontsize=7)

        return Evidence(
            derived=outcomes["derived"],
            printed=outcomes.get("printed"),
            method=f"bounded ratios over {len(pts)} scales of {self.scale} (Θ constant {self.ratio_bound:g}), slopes reported",
            columns=tuple(rows[0].keys()),
            rows=rows,
            plot=plot,
        )


@rule
@dataclass(frozen=True, kw_only=True)
class ExponentFit:
    r"""An exponent estimator must recover the exponent it is given.

    At each drawn point ``estimate(params, rng=, index=, level=)`` generates data with the
    prescribed exponent ``params[truth]`` and returns ``(fit, extra)``: a fit with ``alpha``,
    ``ci_lo``, ``ci_hi`` (a two-sided interval at ``level = 1 - ctx.delta``) and
    ``contains(x)``, and anything ``draw(ax, extras)`` needs for the figure. The derived form (the
    estimator's statement "the interval contains the exponent") passes when it does at every
    point; the mean error (the estimator's bias) is reported, not assumed away.
    """

    strategy: st.SearchStrategy[dict[str, Any]]
    examples: Budget
    estimate: Callable[..., tuple[Any, Any]]
    truth: str = "alpha"
    pinned: tuple[dict[str, Any], ...] = ()
    columns: tuple[str, ...] = ()
    draw: Callable[..., None] | None = None
    description: str = ""

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return self.examples(mode) + len(self.pinned)

    def form_parameters(self, claim: Claim) -> None:
        return None  # the forms are statements about the estimator; none is evaluated

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        points = draw_examples(self.strategy, self.examples(ctx.mode), ctx.hypothesis_seed(claim.id), self.pinned)
        rows, misses, extras = [], [], []
        z, z_power = z_value(ctx.delta), float(z_value(2 * (1 - DETECTION_POWER)))
        res = 0.0
        for idx, p in enumerate(points):
            fit, extra = self.estimate(p, rng=ctx.rng(claim.id, idx), index=idx, level=1 - ctx.delta)
            truth = p[self.truth]
            ok = fit.contains(truth)
            hw = (fit.ci_hi - fit.ci_lo) / 2
            res = max(res, float((hw + z_power * hw / z) / abs(truth)))
            rows.append(dict(p, alpha_hat=fit.alpha, ci_lo=fit.ci_lo, ci_hi=fit.ci_hi, error=fit.alpha - truth, inside=ok))
            extras.append(extra)
            if not ok:
                misses.append(f"{self.truth}={truth:.3f}, {', '.join(f'{k}={v}' for k, v in p.items() if k != self.truth)}: "
                              f"estimate {fit.alpha:.4f} [{fit.ci_lo:.4f}, {fit.ci_hi:.4f}]")
        err = np.array([r["error"] for r in rows])
        bias = f"bias mean {err.mean():+.4f} (sd {err.std(ddof=1) if err.size > 1 else 0.0:.4f}, max |error| {np.abs(err).max():.4f})"
        summary = (f"prescribed {self.truth} inside the fit interval at all {len(rows)} points; {bias}" if not misses
                   else f"outside at {len(misses)} of {len(rows)} points (e.g. {misses[0]}); {bias}")
        draw = self.draw

        def plot(ax) -> None:
            if draw is not None:
                draw(ax, extras)
            ax.set_title(f"{claim.id}: {ax.get_title()}" if ax.get_title() else claim.id)

        return Evidence(
            derived=FormOutcome(not misses, summary, resolution=res),
            printed=None,
            method=f"{self.description}; interval at level 1-{ctx.delta:.2e}",
            columns=self.columns or tuple(rows[0].keys()),
            rows=rows,
            comparisons=len(rows),
            plot=plot,
        )
