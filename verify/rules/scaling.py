r"""Θ(·) laws: fitted log–log slopes and bounded ratios over a range of scales."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..claim import Budget, Claim, Context, Evidence, FormOutcome, Mode
from ._catalogue import rule
from ._sampling import Simulation, forms
from ..stats import loglog_slope

__all__ = ['ScalingLaw']


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

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return 1 + (claim.printed is not None)

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        pts = list(self.grid(ctx.mode))
        if len(pts) < 3:
            raise ValueError(f"{claim.id}: a scaling law needs at least 3 scales")
        xs, means, ses, rows = [], [], [], []
        for idx, params in enumerate(pts):
            sample = self.simulate(params, rng=ctx.rng(claim.id, idx), trials=self.trials(ctx.mode), device=ctx.device)
            x = np.asarray(sample, dtype=float)
            xs.append(float(params[self.scale]))
            means.append(float(x.mean()))
            ses.append(float(x.std(ddof=1) / np.sqrt(x.size)))
            rows.append(dict(params, mc_mean=means[-1], mc_se=ses[-1]))
        x_arr, m_arr, se_arr = np.array(xs), np.array(means), np.array(ses)
        fit = loglog_slope(x_arr, m_arr, se_arr, delta=ctx.delta)
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
        )
