r"""Trained fourth-norm trajectories against a predicted drift (paper 1, §3.2, App. D, Figs 4, 5).

:class:`TrajectoryPrediction` — each form predicts, per seed, the mean direction fourth norm
:math:`q(K)` after ``K`` steps from the seed's own initial :math:`q(0)` (its numeric function
``(q0=, steps=, **params)``, vectorised over seeds). Per run, the per-seed residual
:math:`q_{\text{obs}}(K) - q_{\text{pred}}(K)` is a "no effect" judged by an equivalence test
(TOST at level :math:`1-\delta`) against ± the claim's margin times the trained mean
:math:`\bar q(K)` (the prediction must give the trained value to within the margin); it is
rejected when the Student-t interval of the residual lies wholly outside that band
(:func:`~polyverify.rules._effects.judge_effects`). Each form is judged on its own residuals.

:class:`HorizonTrend` — per form, a list of stated directions of paired per-seed differences
between two runs at the same horizon (Student-t intervals; ``judge_effects``): used where the
printed and the derived statements name different statistics (the direction's fourth norm, the
row length).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from polyverify.numerics.autoencoder import TrainResult

from ..claim import Budget, Claim, Context, Evidence, FormOutcome, Mode, margin_for
from ._catalogue import rule
from ._effects import Effect, judge_effects
from ._sampling import forms

__all__ = ["HorizonTrend", "TrajectoryPrediction", "direction_q"]


def direction_q(res: TrainResult) -> np.ndarray:
    """Per seed and record the mean over rows of ‖W_i‖₄⁴/‖W_i‖₂⁴, ``(S, R)``."""
    return (res.row_fourth_norm / res.row_norm2**2).mean(axis=2)


Runs = Callable[[Context, int, int], Sequence[tuple[str, TrainResult, dict[str, Any]]]]
"""``runs(ctx, steps, seeds)`` -> (label, result, the form parameters of that run) per run."""


@rule
@dataclass(frozen=True, kw_only=True)
class TrajectoryPrediction:
    """Per run and form, the trained mean direction fourth norm after ``steps`` against the form's
    per-seed prediction from the seed's initial value (see the module docstring)."""

    runs: Runs
    count: int
    """The number of runs ``runs`` returns (one equivalence test per run and form)."""
    steps: Budget
    seeds: Budget
    description: str = ""
    shared_runs: str | None = None
    """Set when ``runs`` reads a shared grid (the Figs 4/5/7 runs): claims reading it run together."""

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return len(list(forms(claim))) * self.count

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        K, S = self.steps(ctx.mode), self.seeds(ctx.mode)
        runs = list(self.runs(ctx, K, S))
        margin = margin_for(claim, ctx.mode)
        effects: dict[str, list[Effect]] = {label: [] for label, _ in forms(claim)}
        curves = []
        extra: list[dict[str, Any]] = []
        for label, res, params in runs:
            q = direction_q(res)
            steps_axis = np.asarray(res.record_steps, dtype=float)
            q0, late = q[:, 0], slice(q.shape[1] // 2, None)
            qK = q[:, late].mean(axis=1)
            preds = {}
            for flabel, form in forms(claim):
                pred = np.asarray(form.numeric(q0=q0[:, None], steps=steps_axis[None, late], **params), dtype=float)
                preds[flabel] = pred.mean(axis=1)
                effects[flabel].append(Effect(f"{label}: q − predicted, second half", qK - preds[flabel], 0,
                                              scale=float(qK.mean())))
            curves.append((label, steps_axis, q.mean(axis=0),
                           {f: np.asarray(form.numeric(q0=q0.mean(), steps=steps_axis, **params), dtype=float)
                            for f, form in forms(claim)}))
            extra.append(dict(run=label, seeds=int(q.shape[0]), steps=int(steps_axis[-1]), q0=float(q0.mean()),
                              trained_q_late=float(qK.mean()), trained_rise=float((qK - q0).mean()),
                              **{f"{f}_rise": float((p - q0).mean()) for f, p in preds.items()}))
        outs: dict[str, FormOutcome] = {}
        rows: list[dict[str, Any]] = []
        for flabel, effs in effects.items():
            out, r = judge_effects(effs, delta=ctx.delta, margin=margin.value, scale=1.0, what=flabel)
            outs[flabel] = out
            rows += [dict(form=flabel, **row) for row in r]
        for row, ex in zip(rows, extra * len(effects)):
            row.update(ex)

        def plot(ax) -> None:
            colors = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple")
            for (label, x, y, pred), c in zip(curves, colors):
                ax.plot(x, y, "-", color=c, lw=1.4, label=f"trained {label}")
                for (f, p), ls in zip(pred.items(), ("--", ":")):
                    ax.plot(x, p, ls, color=c, lw=1.0, label=f"{f} prediction {label}")
            ax.set_xlabel("GD step")
            ax.set_ylabel("mean ‖W_i‖₄⁴/‖W_i‖₂⁴ over rows and seeds")
            ax.set_title(claim.id)
            ax.legend(fontsize=6, ncol=2)

        return Evidence(
            derived=outs["derived"],
            printed=outs.get("printed"),
            method=(f"{self.description + '; ' if self.description else ''}{S} seeds × {K} steps per run; per seed the "
                    f"residual q − prediction from the seed's q(0), averaged over the second half's records; TOST against ±{margin.value:.2g} × the trained "
                    f"mean q(K) at level 1-{ctx.delta:.2e} (Student-t)"),
            columns=tuple(dict.fromkeys(k for row in rows for k in row)),
            rows=rows,
            comparisons=len(rows),
            plot=plot,
            margin=margin,
        )


Differences = Callable[[Context, int, int], dict[str, Sequence[Effect]]]
"""``effects(ctx, steps, seeds)`` -> per form label ("printed", "derived") its stated effects."""


@rule
@dataclass(frozen=True, kw_only=True)
class HorizonTrend:
    """Per form, stated directions of paired per-seed differences at one horizon (module docstring)."""

    effects: Differences
    steps: Budget
    seeds: Budget
    comparisons: int
    description: str = ""
    shared_runs: str | None = None
    """As for :class:`TrajectoryPrediction`."""

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return self.comparisons

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        K, S = self.steps(ctx.mode), self.seeds(ctx.mode)
        effs = self.effects(ctx, K, S)
        margin = margin_for(claim, ctx.mode)
        outs, rows = {}, []
        for flabel in ("derived", "printed"):
            if flabel not in effs:
                continue
            scale = max((abs(float(np.mean(e.sample))) for e in effs[flabel]), default=1.0) or 1.0
            out, r = judge_effects(effs[flabel], delta=ctx.delta, margin=margin.value, scale=scale, what=flabel)
            outs[flabel] = out
            rows += [dict(form=flabel, **row) for row in r]
        means = [(r["effect"], r["mean"], r["ci_lo"], r["ci_hi"]) for r in rows]

        def plot(ax) -> None:
            y = np.arange(len(means))
            ax.errorbar([m for _, m, _, _ in means], y,
                        xerr=[[m - lo for _, m, lo, _ in means], [hi - m for _, m, _, hi in means]], fmt="o", capsize=3)
            ax.axvline(0.0, color="k", lw=0.8)
            ax.set_yticks(y, [lab for lab, _, _, _ in means], fontsize=6)
            ax.set_xlabel(f"paired per-seed difference ({S} seeds, {K} steps)")
            ax.set_title(claim.id)

        return Evidence(
            derived=outs["derived"],
            printed=outs.get("printed"),
            method=(f"{self.description + '; ' if self.description else ''}{S} paired seeds × {K} steps; Student-t "
                    f"intervals of per-seed differences at level 1-{ctx.delta:.2e}"),
            columns=tuple(dict.fromkeys(k for row in rows for k in row)),
            rows=rows,
            comparisons=len(rows),
            plot=plot,
            margin=margin,
        )
