r"""Rules whose evidence is trained networks (paper 1, §2.3–§2.5, §3, Appendix D), and the
training runs they measure.

Seeds of a claim's runs are ``base + 0 .. S-1`` with ``base`` derived from the run seed and a
per-claim salt (:func:`polyverify.experiments.first_seed`), so runs are reproducible; the runs
themselves are defined in :mod:`polyverify.experiments` and published there (resumable). Per-seed statistics (a count, a mean
over rows) are i.i.d. across seeds: with ``S >= 200`` seeds an interval is
:func:`polyverify.stats.mean_interval` (CLT), below that the Student-t interval.

* :class:`EulerOrder` — GD against a flow solved by ``solve_ivp``: the error's order in ``η``.
* :class:`PerWidthMean` — a per-seed statistic's mean per width against each form.
* :class:`RowFraction` — a fraction of rows (Clopper–Pearson) against each form.
* :class:`WinnerRank`, :class:`NoiseTrend`, :class:`KurtosisSign`, :class:`Fig4Trajectories`,
  :class:`Fig5FinalFourthNorm` — directions and "no effect"s stated per form
  (:func:`polyverify.rules._effects.judge_effects`).
* :class:`Fig7StuckRows` — signs in stuck rows (Clopper–Pearson).
* :class:`PublishedSetup` — Fig 3 trained as the published code does, paired with the flow.
* :class:`TrainedCounts`, :class:`TrainedStay` — counts and stay fractions of trained networks
  per width; :class:`BracketMean`, :class:`OneSidedMean` — a Monte Carlo mean against a bracket
  or a one-sided bound.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st
from polyverify.numerics import metrics as M
from polyverify.numerics.assignment import assignment_counts, displacement_from_weights
from polyverify.numerics.autoencoder import (
    TrainConfig,
    TrainResult,
    initial_weights,
    train,
)
from polyverify.theory import assignment as th
from polyverify.theory import collisions as coll
from polyverify.theory.assignment import expected_polysemantic_trained
from polyverify.theory.collisions import expected_polysemantic

from ..claim import Budget, Claim, Context, Evidence, FormOutcome, Mode, margin_for
from ..experiments import F45_LR as _F45_LR
from ..experiments import F45_M as _F45_M
from ..experiments import F45_N as _F45_N
from ..experiments import (
    FIG3_WIDTHS,
    f45_runs,
    fig3_runs,
    l1_runs,
    noise_config,
    noise_runs,
    runs_dir,
    trained,
)
from ..experiments import NOISE_LR as _NOISE_LR
from ..report import log_width_axis
from ..stats import (
    Interval,
    clopper_pearson,
    interval_resolution,
    mean_interval,
    paired_t_pvalue,
    proportion_resolution,
    t_interval,
)
from ._catalogue import rule
from ._effects import Effect, effect_scale, judge_effects, judge_forms
from ._sampling import draw_examples

__all__ = [
    "EulerOrder", "PerWidthMean", "RowFraction", "WinnerRank", "NoiseTrend", "KurtosisSign", "Fig4Trajectories",
    "Fig5FinalFourthNorm", "Fig7StuckRows", "PublishedSetup", "TrainedCounts", "TrainedStay", "BracketMean",
    "OneSidedMean", "TrainSettings", "GDTraining", "Fig3Training", "train_width", "measure_trained",
    "direction_fourth_trajectory",
]

# Fig 7's row classes
_SPARSE_Q, _STUCK_Q, _SIGNIFICANT = 0.9, 0.5, 0.1


def _t_interval(x: np.ndarray, delta: float) -> tuple[float, float, float]:
    """``(mean, lo, hi)`` of :func:`polyverify.stats.t_interval` (few seeds: not the CLT)."""
    iv = t_interval(x, delta=delta)
    return iv.mean, iv.lo, iv.hi


def _interval(x: np.ndarray, delta: float, value_range: float) -> tuple[float, float, float]:
    x = np.asarray(x, dtype=float)
    if x.size >= 200:
        iv = mean_interval(x, delta=delta, value_range=value_range)
        return iv.mean, iv.lo, iv.hi
    return _t_interval(x, delta)


def draw_count_forms(ax, n: int, ms: Sequence[float]) -> None:
    """Draw the three count forms of Fig 3 over the widths ``ms`` on ``ax`` (log-log, labelled):
    the paper's n²/(4m), the exact initialisation-only count and the displacement count."""
    grid = np.unique(np.round(np.geomspace(min(ms), max(ms), 60)).astype(int))
    ax.plot(grid, n**2 / (4 * grid), "--", label="paper n²/(4m)")
    ax.plot(grid, expected_polysemantic(n, grid), ":", label="initialisation only (exact)")
    ax.plot(grid, expected_polysemantic_trained(n, grid), "-", label="displacement n(n-1)/(2(2m-1))")
    log_width_axis(ax, ms)
    ax.set_yscale("log")
    ax.set_xlabel(f"m (n = {n})")
    ax.set_ylabel("polysemantic neurons")


_ODE_RTOL = 1e-11


def _gd_config(n: int, m: int, lam: float, seed: int, lr: float, steps: int) -> TrainConfig:
    return TrainConfig(n=n, m=m, lam=lam, steps=steps, lr=lr, optimizer="gd", seeds=(seed,), dtype="float64",
                       device="cpu", record_every=steps)


_HORIZONS = (0.2, 0.1, 0.05, 0.025, 0.0125)


@rule
@dataclass(frozen=True, kw_only=True)
class EulerOrder:
    """GD against a flow prediction: the error must vanish at order ``order`` in the step size.

    At each drawn point, plain GD runs to a fixed horizon ``t_end`` with ``N0 * 2**j`` steps
    (``j = 0 .. halvings``) and each form predicts ``W(t_end)`` from its ODE. The form passes
    when the fitted log–log slope of ``max|W_GD - W_form|`` against ``η`` lies within
    ``order ± slope_tol``: explicit Euler's global error is ``C η + O(η²)``, so over the
    8-fold range of small ``η`` used here the slope is ``1 + O(η)``; ``slope_tol = 0.25`` admits
    that and the mild kinks of ReLU/sign, while a wrong time or λ mapping leaves an
    ``η``-independent error (slope ≈ 0) and is rejected. The horizon is the largest of
    :data:`_HORIZONS` over which no weight ends with another sign than it started under GD at
    the coarsest and the finest step (the flow's sign term is discontinuous at 0, where GD
    chatters and the flow slides).
    """

    strategy: st.SearchStrategy[dict[str, Any]]
    examples: Budget
    pinned: tuple[dict[str, Any], ...] = ()
    n0: int = 25
    halvings: int = 3
    order: float = 1.0
    slope_tol: float = 0.25

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return 0  # deterministic

    def _horizon(self, p: dict[str, Any]) -> float | None:
        steps = self.n0 * 2**self.halvings
        for t_end in _HORIZONS:
            fine = _gd_config(p["n"], p["m"], p["lam"], p["seed"], t_end / steps, steps)
            coarse = _gd_config(p["n"], p["m"], p["lam"], p["seed"], t_end / self.n0, self.n0)
            s0 = np.sign(initial_weights(fine)[0])
            if np.all(s0 != 0) and all(np.all(np.sign(train(c).W[0]) == s0) for c in (fine, coarse)):
                return t_end
        return None

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        points = draw_examples(self.strategy, self.examples(ctx.mode), ctx.hypothesis_seed(claim.id), self.pinned)
        rows: list[dict[str, Any]] = []
        fails: dict[str, list[str]] = {"derived": [], "printed": []}
        used = 0
        curves: list[tuple[np.ndarray, dict[str, np.ndarray]]] = []
        for p in points:
            t_end = self._horizon(p)
            if t_end is None:
                rows.append(dict(p, t_end=float("nan"), note="no sign-stable horizon; point not used"))
                continue
            used += 1
            etas, errs = [], {"derived": [], "printed": []}
            for j in range(self.halvings + 1):
                steps = self.n0 * 2**j
                lr = t_end / steps
                W_gd = train(_gd_config(p["n"], p["m"], p["lam"], p["seed"], lr, steps)).W[0]
                etas.append(lr)
                for label, form in (("derived", claim.derived), ("printed", claim.printed)):
                    if form is None:
                        continue
                    pred = np.asarray(form.numeric(n=p["n"], m=p["m"], lam=p["lam"], seed=p["seed"], lr=lr, steps=steps))
                    errs[label].append(float(np.abs(W_gd - pred).max()))
            eta = np.array(etas)
            row = dict(p, t_end=t_end, eta_min=float(eta.min()))
            arrs = {}
            for label in ("derived", "printed"):
                if not errs[label]:
                    continue
                e = np.array(errs[label])
                arrs[label] = e
                slope = float(np.polyfit(np.log(eta), np.log(np.maximum(e, 1e-300)), 1)[0])
                ok = abs(slope - self.order) <= self.slope_tol
                row[f"{label}_err_min"] = float(e.min())
                row[f"{label}_slope"] = slope
                row[f"{label}_ok"] = ok
                if not ok:
                    fails[label].append(f"n={p['n']}, m={p['m']}, lam={p['lam']:.3g}: error slope {slope:.3f} "
                                        f"(errors {e[0]:.2e} -> {e[-1]:.2e})")
            rows.append(row)
            curves.append((eta, arrs))
        if used == 0:
            raise ValueError(f"{claim.id}: no drawn point had a sign-stable horizon")

        def outcome(label: str) -> FormOutcome:
            bad = fails[label]
            # an order is an exponent judged by its bound (a Θ-type test): decided by that test, with
            # the bound relative to the order as its resolution
            res = self.slope_tol / self.order
            if not bad:
                return FormOutcome(True, f"GD error vanishes at order {self.order:g} (±{self.slope_tol}) at all {used} points",
                                   resolution=res, conclusive=True)
            return FormOutcome(False, f"error does not vanish at order {self.order:g} at {len(bad)} of {used} points; e.g. {bad[0]}",
                               resolution=res, conclusive=False)

        def plot(ax) -> None:
            for eta, arrs in curves:
                for label, style in (("derived", "o-"), ("printed", "x--")):
                    if label in arrs:
                        ax.loglog(eta, arrs[label], style, ms=4, label=label)
            ax.set_xlabel("GD step η")
            ax.set_ylabel("max |W_GD − W_ODE|")
            ax.set_title(claim.id)
            handles, labels = ax.get_legend_handles_labels()
            uniq = dict(zip(labels, handles))
            ax.legend(uniq.values(), uniq.keys(), fontsize=7)

        return Evidence(
            derived=outcome("derived"),
            printed=outcome("printed") if claim.printed is not None else None,
            method=(f"GD at {self.halvings + 1} step sizes (halving) vs solve_ivp (DOP853, rtol {_ODE_RTOL:g}); "
                    f"fitted order of the error in η must be {self.order:g} ± {self.slope_tol}"),
            columns=tuple(dict.fromkeys(k for r in rows for k in r)),
            rows=rows,
            plot=plot,
        )


_POLY_LABELS = {"derived": "displacement n(n-1)/(2(2m-1)) (derived)", "printed": "n²/(4m) (printed)"}


@rule
@dataclass(frozen=True, kw_only=True)
class PerWidthMean:
    """Per width ``m``: interval of the mean of a per-seed statistic over trained seeds; each
    form's value must lie inside (level ``1 - ctx.delta`` per width and form)."""

    widths: Callable[[Mode], Sequence[int]]
    n: int
    seeds: Budget
    statistic: Callable[[TrainResult], np.ndarray]
    value_range: Callable[[int, int], float]
    runs: Callable[[Context, int, int, int, int], TrainResult] | None = None
    """``runs(ctx, n, m, seeds, salt)``: one width's runs (e.g. :func:`polyverify.experiments.l1_runs`)."""
    batch: Callable[[Context, int, Sequence[int], int], dict[int, TrainResult]] | None = None
    """``batch(ctx, n, widths, seeds)``: every width's runs at once (a resumable parallel sweep);
    used instead of ``runs`` when given."""
    salt: int = 0
    extra: Callable[[int, int, TrainResult], dict[str, float]] | None = None
    form_labels: Mapping[str, str] = field(default_factory=lambda: dict(_POLY_LABELS))
    """Legend text of each form in the figure."""

    def __post_init__(self) -> None:
        if (self.runs is None) == (self.batch is None):
            raise ValueError("PerWidthMean needs exactly one of runs (per width) and batch (all widths at once)")

    @property
    def shared_runs(self) -> str | None:
        """With ``batch`` (the Fig 3 runs), claims reading the same runs run together."""
        return "fig 3" if self.batch is not None else None

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return len(self.widths(mode)) * (1 + (claim.printed is not None))

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        rows, fails = [], {"derived": [], "printed": []}
        worst = 0.0  # the resolution: (half-width + z_0.9 se)/|mean|, worst over widths
        S = self.seeds(ctx.mode)
        widths = list(self.widths(ctx.mode))
        if self.batch is not None:
            all_runs = self.batch(ctx, self.n, widths, S)
        for w in widths:
            res = all_runs[w] if self.batch is not None else self.runs(ctx, self.n, w, S, self.salt)
            x = self.statistic(res)
            mean, lo, hi = _interval(x, ctx.delta, self.value_range(self.n, w))
            xa = np.asarray(x, dtype=float)
            r_ = interval_resolution((hi - lo) / 2, float(xa.std(ddof=1) / np.sqrt(xa.size)), mean)
            worst = max(worst, r_)
            row = dict(n=self.n, m=w, seeds=S, mean=mean, ci_lo=lo, ci_hi=hi, resolution=r_, steps=res.steps_run)
            for label, form in (("derived", claim.derived), ("printed", claim.printed)):
                if form is None:
                    continue
                pred = float(form.numeric(n=self.n, m=w))
                ok = lo <= pred <= hi
                row[label] = pred
                row[f"{label}_ok"] = ok
                row[f"mean/{label}"] = mean / pred if pred else float("nan")
                if not ok:
                    fails[label].append(f"m={w}: {label} {pred:.4g} outside [{lo:.4g}, {hi:.4g}] (trained mean {mean:.4g}, "
                                        f"{100 * (mean / pred - 1):+.1f}%)")
            if self.extra is not None:
                row.update(self.extra(self.n, w, res))
                if "init_only" in row:  # a diagnostic, not a form: inside the interval or not
                    row["init_only_ok"] = bool(lo <= row["init_only"] <= hi)
            rows.append(row)

        def outcome(label: str) -> FormOutcome:
            bad = fails[label]
            if not bad:
                return FormOutcome(True, f"inside the seed interval at all {len(rows)} widths", resolution=worst)
            return FormOutcome(False, f"outside at {len(bad)} of {len(rows)} widths: " + "; ".join(bad), resolution=worst)

        def plot(ax) -> None:
            ms = [r["m"] for r in rows]
            mean = np.array([r["mean"] for r in rows])
            err = np.array([[r["mean"] - r["ci_lo"] for r in rows], [r["ci_hi"] - r["mean"] for r in rows]])
            ax.errorbar(ms, mean, yerr=err, fmt="o", capsize=3, label="trained (interval over seeds)")
            for label, style in (("derived", "-"), ("printed", "--")):
                if label in rows[0]:
                    ax.plot(ms, [r[label] for r in rows], style, label=self.form_labels.get(label, f"{label} form"))
            if "init_only" in rows[0]:  # the paper's mechanism: features stay on their initial argmax
                ax.plot(ms, [r["init_only"] for r in rows], ":", label="initialisation only, exact (diagnostic)")
            log_width_axis(ax, ms)
            ax.set_yscale("log")
            ax.set_ylabel("polysemantic neurons")
            ax.set_xlabel(f"m (neurons; n = {self.n})")
            ax.set_title(claim.id)
            ax.legend(fontsize=7)

        pairs = [(r["printed"], r["derived"]) for r in rows if "printed" in r and "derived" in r]
        return Evidence(
            derived=outcome("derived"),
            printed=outcome("printed") if claim.printed is not None else None,
            method=f"per-width interval of the mean over {S} trained seeds at level 1-{ctx.delta:.2e}",
            margin=margin_for(claim, ctx.mode, pairs),
            columns=tuple(dict.fromkeys(k for r in rows for k in r)),
            rows=rows,
            comparisons=len(rows) * (1 + (claim.printed is not None)),
            plot=plot,
        )


def _window_count(res: TrainResult) -> np.ndarray:
    return np.asarray(res.metrics["polysemantic_window"], dtype=float)


@rule
@dataclass(frozen=True, kw_only=True)
class RowFraction:
    """Fraction of rows (over all seeds and widths) with a property, by an exact Clopper–Pearson
    interval at level ``1 - ctx.delta``; each form's value must lie inside."""

    widths: Callable[[Mode], Sequence[int]]
    n: int
    seeds: Budget
    indicator: Callable[[TrainResult], np.ndarray]
    salt: int

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return 1 + (claim.printed is not None)

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        S = self.seeds(ctx.mode)
        rows, k, total = [], 0, 0
        for w in self.widths(ctx.mode):
            res = l1_runs(ctx, self.n, w, S, self.salt)
            ind = self.indicator(res)
            rows.append(dict(n=self.n, m=w, rows=int(ind.size), fraction=float(ind.mean())))
            k += int(ind.sum())
            total += int(ind.size)
        cp = clopper_pearson(k, total, delta=ctx.delta)
        lo, hi = cp.lo, cp.hi
        outs = {}
        for label, form in (("derived", claim.derived), ("printed", claim.printed)):
            if form is None:
                continue
            pred = float(form.numeric())
            ok = lo <= pred <= hi
            # a fraction stated as 1 ("every row"): the resolution is the upper bound on the
            # fraction of exceptions; otherwise the proportion's relative resolution
            iv = Interval(k / total, lo, hi, total, ctx.delta, "clopper-pearson")
            res = 1.0 - lo if pred == 1.0 else proportion_resolution(iv)
            outs[label] = FormOutcome(ok, f"{k}/{total} rows; interval [{lo:.5f}, {hi:.5f}] "
                                          f"{'contains' if ok else 'excludes'} {pred:g}", resolution=res)
        return Evidence(
            derived=outs["derived"],
            printed=outs.get("printed"),
            method=f"Clopper–Pearson interval at level 1-{ctx.delta:.2e} over all rows of all seeds",
            columns=("n", "m", "rows", "fraction"),
            rows=rows,
            comparisons=len(outs),
        )


def _winner_ranks(res: TrainResult) -> np.ndarray:
    """Rank (1 = largest) of each feature's final neuron in its initial |weights|, ``(S, n)``."""
    cfg = TrainConfig.from_dict(res.config)
    W0 = np.abs(initial_weights(cfg))
    final = M.winners(res.W)
    w_at = np.take_along_axis(W0, final[..., None], axis=2)
    return 1 + (W0 > w_at).sum(axis=2)


@rule
@dataclass(frozen=True, kw_only=True)
class WinnerRank:
    """Per width and seed, the frequencies ``P(rank k)`` of the winner's initial rank over
    features. Derived: ``P(rank 1) - P(rank 2) > 0``. Printed ("the largest weight [...] is
    still the most likely to win"): ``P(rank 1) - max_{k >= 2} P(rank k) > 0``, per seed (the
    per-seed maximum favours the competitors, so the printed test is conservative). Each is a
    direction judged by :func:`~polyverify.rules._effects.judge_effects`."""

    widths: Callable[[Mode], Sequence[int]]
    n: int
    seeds: Budget
    salt: int

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return 2 * len(self.widths(mode))

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        S = self.seeds(ctx.mode)
        rows, derived, printed = [], [], []
        for w in self.widths(ctx.mode):
            ranks = _winner_ranks(l1_runs(ctx, self.n, w, S, self.salt))
            freq = np.stack([(ranks == k).mean(axis=1) for k in range(1, self.n + 2)], axis=1)  # (S, ranks)
            derived.append(Effect(f"m={w}: P(rank 1) - P(rank 2)", freq[:, 0] - freq[:, 1], +1))
            printed.append(Effect(f"m={w}: P(rank 1) - max P(rank k>=2)", freq[:, 0] - freq[:, 1:].max(axis=1), +1))
            rows.append(dict(n=self.n, m=w, seeds=S, p_rank1=float(freq[:, 0].mean()), p_rank2=float(freq[:, 1].mean()),
                             p_rank3plus=float((ranks >= 3).mean())))
        margin = margin_for(claim, ctx.mode)
        d_out, d_rows = judge_effects(derived, delta=ctx.delta, margin=margin.value, scale=effect_scale(derived),
                                      what="initial argmax against the runner-up")
        p_out, p_rows = judge_effects(printed, delta=ctx.delta, margin=margin.value, scale=effect_scale(printed),
                                      what="initial argmax against every other rank")
        for r, d, p in zip(rows, d_rows, p_rows):
            r.update(diff_runner_up=d["mean"], ci_lo=d["ci_lo"], ci_hi=d["ci_hi"], derived=d["status"],
                     diff_best_other=p["mean"], printed_ci_lo=p["ci_lo"], printed_ci_hi=p["ci_hi"], printed=p["status"])
        return Evidence(
            derived=d_out,
            printed=p_out,
            method=f"Student-t intervals over {S} seeds of per-seed rank frequencies' differences, level 1-{ctx.delta:.2e}",
            columns=tuple(rows[0]),
            rows=rows,
            comparisons=2 * len(rows),
            margin=margin,
        )


def _direction_fourth(res: TrainResult) -> np.ndarray:
    """Per seed: mean over rows of ‖W_i‖₄⁴ / ‖W_i‖₂⁴ (the fourth norm of the row's direction)."""
    W = res.W.astype(np.float64)
    q = (W**4).sum(axis=2) / ((W**2).sum(axis=2)) ** 2
    return q.mean(axis=1)


@functools.lru_cache(maxsize=32)
def _noise_runs(n: int, m: int, law: str, sigma: float, steps: int, seeds: int, base: int) -> TrainResult:
    """The :func:`~polyverify.experiments.noise_config` run, trained in this process (a Monte Carlo
    simulator's trials, which have no run context)."""
    return train(noise_config(n, m, law, sigma, steps=steps, seeds=seeds, first=base))


@rule
@dataclass(frozen=True, kw_only=True)
class NoiseTrend:
    """Per noise law, the per-seed direction fourth norm ``q`` after training at increasing σ
    (paired design: every σ level uses the same seeds, hence the same inits).

    A law with a stated sign ±1 (bipolar: +1) is stated to move ``q`` that way between consecutive
    σ levels, by the printed sentence and the derived statement alike. For a law with sign 0
    (Gaussian) the two differ: the printed sentence ("no observable effect on sparsity") says the
    consecutive differences vanish; the derived statement says ``q - 3/(m+2)`` vanishes at every
    σ (rotation invariance). "No effect" is an equivalence test against the claim's margin times
    the bipolar effect (:func:`~polyverify.rules._effects.judge_effects`)."""

    n: int
    m: int
    sigmas: tuple[float, ...]
    steps: Budget
    seeds: Budget
    laws: tuple[tuple[str, int], ...]  # (law, expected sign of the change with σ)
    salt: int

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        moving = sum(1 for _, sign in self.laws if sign != 0)
        flat = len(self.laws) - moving
        return 2 * moving * (len(self.sigmas) - 1) + flat * (2 * len(self.sigmas) - 1)

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        S, steps = self.seeds(ctx.mode), self.steps(ctx.mode)
        ref = 3 / (self.m + 2)
        derived, printed, plot_data = [], [], {}
        for law, sign in self.laws:
            qs = [_direction_fourth(r) for r in noise_runs(ctx, self.n, self.m, [(law, s) for s in self.sigmas], steps=steps,
                                                             seeds=S, salt=self.salt)]
            plot_data[law] = [float(q.mean()) for q in qs]
            steps_ = [Effect(f"{law}: q({s1:g}) - q({s0:g})", q1 - q0, sign)
                      for (s0, q0), (s1, q1) in zip(zip(self.sigmas, qs), zip(self.sigmas[1:], qs[1:]))]
            printed += steps_
            derived += steps_ if sign != 0 else [Effect(f"{law}: q({s:g}) - 3/(m+2)", q - ref, 0, scale=ref)
                                                  for s, q in zip(self.sigmas, qs)]
        margin = margin_for(claim, ctx.mode)
        d_out, p_out, rows, scale = judge_forms(derived, printed, delta=ctx.delta, margin=margin.value)

        def plot(ax) -> None:
            for law, means in plot_data.items():
                ax.plot(self.sigmas, means, "o-", label=law)
            ax.axhline(ref, color="k", lw=0.8, ls="--", label="3/(m+2)")
            ax.axhline(3 / self.m, color="grey", lw=0.8, ls=":", label="3/m (paper)")
            ax.set_xlabel("σ")
            ax.set_ylabel("mean ‖W_i‖₄⁴/‖W_i‖₂⁴ after training")
            ax.set_title(claim.id)
            ax.legend(fontsize=7)

        return Evidence(
            derived=d_out,
            printed=p_out,
            method=(f"paired per-seed differences between consecutive σ levels {self.sigmas} ({S} seeds, {steps} GD "
                    f"steps, lr {_NOISE_LR}); Student-t intervals at level 1-{ctx.delta:.2e} for a direction, TOST "
                    f"against ±{margin.value:.2g} of the bipolar effect ({scale:.3g}) for no effect"),
            columns=tuple(rows[0]),
            rows=rows,
            comparisons=len(rows),
            plot=plot,
            margin=margin,
        )


@rule
@dataclass(frozen=True, kw_only=True)
class KurtosisSign:
    """Per law at one σ, on the same seeds. Derived: ``q - 3/(m+2)`` (the rotation-invariant
    value, see ``training.rotation_invariant_fourth_norm``) has the sign of ``-(excess
    kurtosis)``, and vanishes for Gaussian noise (equivalence test). Printed (the regulariser
    16η²σ⁴‖W_i‖₄⁴(μ₄/σ⁴ - 3), which vanishes for Gaussian noise): against Gaussian noise at the same
    σ and seeds, ``q_law - q_normal`` has the sign of ``-(excess kurtosis)`` for every other law."""

    n: int
    m: int
    sigma: float
    steps: Budget
    seeds: Budget
    laws: tuple[tuple[str, float], ...]  # (law, excess kurtosis); one of them "normal"
    salt: int

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return 2 * len(self.laws) - 1

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        S, steps = self.seeds(ctx.mode), self.steps(ctx.mode)
        ref = 3 / (self.m + 2)
        runs = noise_runs(ctx, self.n, self.m, [(law, self.sigma) for law, _ in self.laws], steps=steps, seeds=S, salt=self.salt)
        q = {law: _direction_fourth(r) for (law, _), r in zip(self.laws, runs)}
        derived = [Effect(f"{law} (kurtosis {k:+g}): q - 3/(m+2)", q[law] - ref, -int(np.sign(k)),
                          scale=ref if k == 0 else None) for law, k in self.laws]
        printed = [Effect(f"{law} (kurtosis {k:+g}): q - q_normal", q[law] - q["normal"], -int(np.sign(k)))
                   for law, k in self.laws if law != "normal"]
        margin = margin_for(claim, ctx.mode)
        d_out, p_out, rows, scale = judge_forms(derived, printed, delta=ctx.delta, margin=margin.value)
        return Evidence(
            derived=d_out,
            printed=p_out,
            method=(f"Student-t intervals over {S} seeds after {steps} GD steps at σ = {self.sigma}, level "
                    f"1-{ctx.delta:.2e}; TOST against ±{margin.value:.2g} of the largest effect ({scale:.3g}) for no effect"),
            columns=tuple(rows[0]),
            rows=rows,
            comparisons=len(rows),
            margin=margin,
        )


@rule
@dataclass(frozen=True, kw_only=True)
class PublishedSetup:
    """Fig 3 trained as published (AdamW) against gradient flow (prox) on the same seeds.

    Per width: a Student-t interval over the published runs' counts (level ``1 - ctx.delta``) must
    contain the printed n²/(4m); and the paired difference published − flow (same seeds, hence the
    same initial weights) must have a t interval containing 0 for the derived statement "the
    published training reaches gradient flow's count", the premise under which §2's gradient-flow
    theory speaks for Fig 3.
    """

    widths: Callable[[Mode], Sequence[int]]
    n: int
    seeds: Budget

    shared_runs = "fig 3"
    """Reads the Fig 3 flow runs beside its own (claims reading them run together)."""

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return 2 * len(self.widths(mode))

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        S, widths = self.seeds(ctx.mode), list(self.widths(ctx.mode))
        pub = fig3_runs(ctx, widths=widths, seeds=S, n=self.n, setup="published")
        flow = fig3_runs(ctx, widths=widths, seeds=S, n=self.n)
        rows, fails, diffs = [], {"printed": [], "derived": []}, []
        for w in widths:
            a, b = _window_count(pub[w]), _window_count(flow[w])
            mean, lo, hi = _t_interval(a, ctx.delta)
            d, dlo, dhi = _t_interval(a - b, ctx.delta) if np.any(a != b) else (0.0, 0.0, 0.0)
            # the paired t test's p-value, for reading the difference at conventional levels too
            p_value = paired_t_pvalue(a, b)
            printed = float(claim.printed.numeric(n=self.n, m=w))
            rows.append(dict(n=self.n, m=w, seeds=S, published_mean=mean, ci_lo=lo, ci_hi=hi, printed=printed,
                             printed_ok=lo <= printed <= hi, flow_mean=float(b.mean()), paired_diff=d, diff_lo=dlo,
                             diff_hi=dhi, paired_p=p_value, same_as_flow=dlo <= 0 <= dhi, init_only=expected_polysemantic(self.n, w),
                             displacement_model=float(expected_polysemantic_trained(self.n, w)),
                             published_seconds=round(pub[w].seconds, 1), flow_seconds=round(flow[w].seconds, 1)))
            if not rows[-1]["printed_ok"]:
                fails["printed"].append(f"m={w}: n²/(4m) = {printed:.4g} outside [{lo:.4g}, {hi:.4g}] (published mean {mean:.4g})")
            if not rows[-1]["same_as_flow"]:
                fails["derived"].append(f"m={w}: published - flow = {d:+.3g} [{dlo:+.3g}, {dhi:+.3g}] "
                                        f"({mean:.4g} vs {b.mean():.4g})")
            diffs.append(f"m={w}: {d:+.3g} (p = {p_value:.2g})")

        def outcome(label: str, good: str) -> FormOutcome:
            bad = fails[label]
            return FormOutcome(not bad, good if not bad else f"fails at {len(bad)} of {len(rows)} widths: " + "; ".join(bad))

        def plot(ax) -> None:
            ms = [r["m"] for r in rows]
            ax.errorbar(ms, [r["published_mean"] for r in rows],
                        yerr=[[r["published_mean"] - r["ci_lo"] for r in rows], [r["ci_hi"] - r["published_mean"] for r in rows]],
                        fmt="o", capsize=3, label="published AdamW (interval)")
            ax.plot(ms, [r["flow_mean"] for r in rows], "s", label="gradient flow (prox), same seeds")
            draw_count_forms(ax, self.n, ms)
            ax.set_title(claim.id)
            ax.legend(fontsize=7)

        return Evidence(
            derived=outcome("derived", f"the paired difference published - flow has 0 in its interval at all {len(rows)} widths "
                                       f"(differences {'; '.join(diffs)}; p from the paired t test, not the verdict's level)"),
            printed=outcome("printed", f"n²/(4m) inside the published runs' interval at all {len(rows)} widths"),
            method=(f"{S} seeds per width, both setups on the same seeds (same initial weights); Student-t intervals "
                    f"(published counts; paired differences) at level 1-{ctx.delta:.2e}"),
            columns=tuple(rows[0]),
            rows=rows,
            comparisons=2 * len(rows),
            plot=plot,
        )


def direction_fourth_trajectory(res: TrainResult) -> np.ndarray:
    """Per seed and record, the mean over rows of ‖W_i‖₄⁴/‖W_i‖₂⁴ (the direction's fourth norm), ``(S, R)``."""
    return (res.row_fourth_norm / res.row_norm2**2).mean(axis=2)


@rule
@dataclass(frozen=True, kw_only=True)
class Fig4Trajectories:
    """Fig 4: the fourth norm over training, bipolar against Gaussian noise at σ ∈ ``sigmas``.

    Statistic per seed: the time average over the recorded steps of the direction fourth norm
    ``q(t)`` (mean over rows of ‖W_i‖₄⁴/‖W_i‖₂⁴) — larger when sparsification is faster.
    Bipolar ("the higher σ, the faster", both forms): the paired difference between consecutive σ
    levels is above 0. Gaussian, printed ("no observable effect"): the paired difference from the
    noise-free run on the same seeds vanishes; derived: the time average minus 3/(m+2) vanishes
    (rotation invariance puts E q at 3/(m+2) at every step). "No effect" is an equivalence test
    against the margin times the bipolar effect (:func:`~polyverify.rules._effects.judge_effects`).
    """

    sigmas: tuple[float, ...]
    steps: Budget
    seeds: Budget
    salt: int
    bipolar_sign: int = +1
    normal_sign: int = 0

    @property
    def shared_runs(self) -> str:
        """The Figs 4/5/7 grid (:func:`polyverify.experiments.f45_runs`): claims reading it run together."""
        return f"figs 4/5/7 salt {self.salt}"

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return 2 * ((len(self.sigmas) - 1) + len(self.sigmas))

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        S, K = self.seeds(ctx.mode), self.steps(ctx.mode)
        runs = {(law, s): f45_runs(ctx, (law, s, 0.0), steps=K, seeds=S, salt=self.salt)
                for law in ("bipolar", "normal") for s in self.sigmas}
        none = f45_runs(ctx, ("none", 0.0, 0.0), steps=K, seeds=S, salt=self.salt)
        avg = {k: direction_fourth_trajectory(r).mean(axis=1) for k, r in runs.items()}
        avg_none = direction_fourth_trajectory(none).mean(axis=1)
        bip = [Effect(f"bipolar: time-avg q(σ={s1:g}) − q(σ={s0:g})", avg[("bipolar", s1)] - avg[("bipolar", s0)],
                      self.bipolar_sign) for s0, s1 in zip(self.sigmas, self.sigmas[1:])]
        # printed: "no observable effect on sparsity" — normal noise against the noise-free run on the same seeds
        printed = bip + [Effect(f"normal: time-avg q(σ={s:g}) − q(no noise)", avg[("normal", s)] - avg_none,
                                self.normal_sign) for s in self.sigmas]
        # derived: rotation invariance puts E q at 3/(m+2) at every step, noise or not
        ref = 3 / (_F45_M + 2)
        derived = bip + [Effect(f"normal: time-avg q(σ={s:g}) − 3/(m+2)", avg[("normal", s)] - ref, self.normal_sign,
                                scale=ref)
                         for s in self.sigmas]
        margin = margin_for(claim, ctx.mode)
        d_out, p_out, rows, scale = judge_forms(derived, printed, delta=ctx.delta, margin=margin.value)
        m = _F45_M
        steps_axis = np.asarray(none.record_steps)

        def plot(ax) -> None:
            colors = dict(zip(self.sigmas, ("tab:blue", "tab:orange", "tab:green", "tab:red")))
            for (law, s), r in runs.items():
                ax.plot(steps_axis, r.fourth_norm.mean(axis=0), "-" if law == "bipolar" else "--", color=colors[s],
                        lw=1.2, label=f"{law} σ={s:g}")
            ax.axhline(3 / m, color="grey", lw=0.8, ls=":", label="3/m (paper)")
            ax.axhline(3 / (m + 2), color="k", lw=0.8, ls="-.", label="3/(m+2)")
            ax.set_xlabel(f"GD step (lr {_F45_LR})")
            ax.set_ylabel(f"mean ‖W_i‖₄⁴ (mean over {S} seeds)")
            ax.set_title(f"{claim.id} (n={_F45_N}, m={m})")
            ax.legend(fontsize=6, ncol=2)

        return Evidence(
            derived=d_out,
            printed=p_out,
            method=(f"{S} seeds × {K} GD steps (lr {_F45_LR}) per law and σ, paired seeds; Student-t intervals of "
                    f"per-seed differences of the time-averaged direction fourth norm at level 1-{ctx.delta:.2e}; "
                    f"TOST against ±{margin.value:.2g} of the bipolar effect ({scale:.3g}) for no effect"),
            columns=tuple(rows[0]),
            rows=rows,
            comparisons=len(rows),
            plot=plot,
            margin=margin,
        )


@rule
@dataclass(frozen=True, kw_only=True)
class Fig5FinalFourthNorm:
    """Fig 5: final fourth norms against λ (a, no noise) and against σ (b, bipolar; normal beside).

    (a) the final direction fourth norm rises with λ over ``lams_up`` (paired, t interval above 0)
    unless both runs have already reached q = 1 up to plain GD's subgradient chatter (then it cannot
    rise; the row says ``saturated``; found at the published 100,000 steps, where λ = 0.003 and 0.01
    both end 1-sparse and differ by 5·10⁻⁷), and the raw final ‖W_i‖₄⁴ falls over ``lams_down`` as strong l1 shrinks the rows (interval below 0;
    the paper's explanation of the drop). (b) the final direction fourth norm rises with σ under
    bipolar noise over ``sigmas`` (paired). These are stated by both forms. Derived, besides: under
    normal noise ``q - 3/(m+2)`` vanishes at every σ. Printed, besides ("noise of small magnitudes
    [has] almost no effect"): bipolar noise at the smallest σ against no noise vanishes. "No
    effect" is an equivalence test against the margin times the largest effect, a direction a
    Student-t interval at level ``1 - ctx.delta`` (:func:`~polyverify.rules._effects.judge_effects`).
    """

    sigmas: tuple[float, ...]
    lams_up: tuple[float, ...]
    lams_down: tuple[float, ...]
    steps: Budget
    seeds: Budget
    salt: int
    normal_reference: Callable[[int], float] = lambda m: 3 / (m + 2)

    @property
    def shared_runs(self) -> str:
        """The Figs 4/5/7 grid (:func:`polyverify.experiments.f45_runs`): claims reading it run together."""
        return f"figs 4/5/7 salt {self.salt}"

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        common = (len(self.lams_up) - 1) + (len(self.lams_down) - 1) + (len(self.sigmas) - 1)
        return 2 * common + len(self.sigmas) + 1

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        S, K = self.seeds(ctx.mode), self.steps(ctx.mode)
        m = _F45_M
        lam_runs = {lam: f45_runs(ctx, ("none", 0.0, lam), steps=K, seeds=S, salt=self.salt)
                    for lam in dict.fromkeys(self.lams_up + self.lams_down)}
        sig_runs = {(law, s): f45_runs(ctx, (law, s, 0.0), steps=K, seeds=S, salt=self.salt)
                for law in ("bipolar", "normal") for s in self.sigmas}
        sig_runs[("bipolar", 0.0)] = lam_runs.get(0.0) or f45_runs(ctx, ("none", 0.0, 0.0), steps=K, seeds=S,
                                                                     salt=self.salt)
        q = lambda r: direction_fourth_trajectory(r)[:, -1]  # noqa: E731
        raw = lambda r: r.fourth_norm[:, -1]  # noqa: E731
        common: list[Effect] = []  # stated alike by the printed sentence and the derived statement

        def check(panel: str, what: str, x: np.ndarray, sign: int, saturated: bool = False) -> None:
            common.append(Effect(f"{panel}: {what}", x, sign, saturated))

        def at_one(res: TrainResult, lam: float) -> bool:
            """Every seed's q is 1 up to plain GD's subgradient chatter: an l1-killed coordinate
            oscillates with |w| <= lr·λ, so a row with dominant weight w_d has
            q >= 1 - 2(m-1)(lr·λ)²/w_d²; q cannot rise any further."""
            W = res.W.astype(np.float64)
            wd2 = (W**2).max(axis=2)
            floor = (1 - 2 * (m - 1) * (_F45_LR * lam) ** 2 / wd2).mean(axis=1)
            return bool(np.all(q(res) >= floor))

        for a, b in zip(self.lams_up, self.lams_up[1:]):
            both_at_one = at_one(lam_runs[a], b) and at_one(lam_runs[b], b)  # the larger λ's (looser) floor for both
            check("5a", f"q(λ={b:g}) − q(λ={a:g})", q(lam_runs[b]) - q(lam_runs[a]), +1, saturated=both_at_one)
        for a, b in zip(self.lams_down, self.lams_down[1:]):
            check("5a", f"‖W_i‖₄⁴(λ={b:g}) − ‖W_i‖₄⁴(λ={a:g})", raw(lam_runs[b]) - raw(lam_runs[a]), -1)
        levels = (0.0, *self.sigmas)
        # tested from the smallest noisy level on: the paper says small noise has "almost no effect"
        # (at 10,000 steps, σ = 0.07 moves q by ~0.016, about 6 standard errors at 32 seeds)
        for a, b in zip(self.sigmas, self.sigmas[1:]):
            check("5b", f"bipolar q(σ={b:g}) − q(σ={a:g})", q(sig_runs[("bipolar", b)]) - q(sig_runs[("bipolar", a)]), +1)
        ref = self.normal_reference(m)
        # derived: normal noise leaves q at the random-unit-vector value 3/(m+2)
        derived = common + [Effect(f"5b: normal q(σ={s:g}) − {ref:.4g}", q(sig_runs[("normal", s)]) - ref, 0, scale=ref)
                            for s in self.sigmas]
        # printed: "noise of small magnitudes [has] almost no effect on sparsity": the smallest bipolar σ
        # against no noise, on the same seeds
        s0 = self.sigmas[0]
        printed = common + [Effect(f"5b: bipolar q(σ={s0:g}) − q(no noise)",
                                   q(sig_runs[("bipolar", s0)]) - q(sig_runs[("bipolar", 0.0)]), 0)]
        margin = margin_for(claim, ctx.mode)
        d_out, p_out, rows, scale = judge_forms(derived, printed, delta=ctx.delta, margin=margin.value)

        def plot(ax) -> None:
            def band(r: TrainResult) -> tuple[float, float]:
                x = raw(r)
                return float(x.mean()), float(x.std(ddof=1) / math.sqrt(x.size))

            for law, fmt in (("bipolar", "o-"), ("normal", "s--")):
                xs = list(levels) if law == "bipolar" else list(self.sigmas)
                st_ = [band(sig_runs[(law, s)]) for s in xs]
                ax.errorbar(xs, [v for v, _ in st_], yerr=[2 * e for _, e in st_], fmt=fmt, ms=4, capsize=2,
                            label=f"{law} (vs σ)")
            ax.axhline(3 / m, color="grey", lw=0.8, ls=":", label="3/m (paper)")
            ax.axhline(3 / (m + 2), color="k", lw=0.8, ls="-.", label="3/(m+2)")
            ax.set_xlabel("σ  (inset: λ, no noise)")
            ax.set_ylabel(f"final mean ‖W_i‖₄⁴ (±2 SE, {S} seeds)")
            ax.set_title(f"{claim.id} (n={_F45_N}, m={m}, {K} steps)")
            ax.legend(fontsize=6, loc="center right")
            ins = ax.inset_axes([0.1, 0.55, 0.35, 0.35])
            lams = sorted(lam_runs)
            pos = [lam for lam in lams if lam > 0]
            ins.errorbar(pos, [band(lam_runs[lam])[0] for lam in pos], yerr=[2 * band(lam_runs[lam])[1] for lam in pos],
                         fmt="^-", ms=3, color="tab:purple")
            if 0.0 in lam_runs:
                ins.axhline(band(lam_runs[0.0])[0], color="tab:purple", lw=0.6, ls=":")
            ins.set_xscale("log")
            ins.set_xlabel("λ", fontsize=6)
            ins.tick_params(labelsize=5)

        return Evidence(
            derived=d_out,
            printed=p_out,
            method=(f"{S} paired seeds × {K} GD steps (lr {_F45_LR}); Student-t intervals of per-seed differences at "
                    f"level 1-{ctx.delta:.2e}; TOST against ±{margin.value:.2g} of the largest effect ({scale:.3g}) "
                    f"for no effect"),
            columns=tuple(rows[0]),
            rows=rows,
            comparisons=len(rows),
            plot=plot,
            margin=margin,
        )


def _stuck_pairs(W: np.ndarray) -> tuple[int, int, int]:
    """For one final ``W`` (n × m): over stuck rows ``k`` (direction fourth norm < 0.5) and sparse
    rows ``i`` (>= 0.9) whose winner ``j = argmax_j |W_ij|`` carries a significant weight of row k
    (``|W_kj| >= 0.1 max|W_k|``), count pairs with ``sign W_kj = -sign W_ij`` and with equal signs;
    also return the number of stuck rows."""
    W = np.asarray(W, dtype=np.float64)
    q = (W**4).sum(axis=1) / (W**2).sum(axis=1) ** 2
    win = np.abs(W).argmax(axis=1)
    opposite = same = 0
    stuck = np.flatnonzero(q < _STUCK_Q)
    sparse = np.flatnonzero(q >= _SPARSE_Q)
    for k in stuck:
        big = _SIGNIFICANT * np.abs(W[k]).max()
        for i in sparse:
            j = win[i]
            if abs(W[k, j]) >= big and W[k, j] != 0:
                if np.sign(W[k, j]) == -np.sign(W[i, j]):
                    opposite += 1
                else:
                    same += 1
    return opposite, same, int(stuck.size)


@rule
@dataclass(frozen=True, kw_only=True)
class Fig7StuckRows:
    """Fig 7: a stuck row's weights on the coordinates other rows won carry the opposite sign.

    Over all seeds' final ``W`` (bipolar noise, σ = ``sigma``): the pairs counted by
    :func:`_stuck_pairs`. Derived form: the fraction of opposite-sign pairs exceeds 1/2 (the
    chance level if signs were unrelated): its Clopper–Pearson interval at level ``1 - ctx.delta``
    lies above 1/2. Printed form ("in all cases"): no equal-sign pair at all.
    """

    sigma: float
    steps: Budget
    seeds: Budget
    salt: int

    @property
    def shared_runs(self) -> str:
        """The Figs 4/5/7 grid (:func:`polyverify.experiments.f45_runs`): claims reading it run together."""
        return f"figs 4/5/7 salt {self.salt}"

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return 1

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        S, K = self.seeds(ctx.mode), self.steps(ctx.mode)
        res = f45_runs(ctx, ("bipolar", self.sigma, 0.0), steps=K, seeds=S, salt=self.salt)
        counts = [_stuck_pairs(W) for W in res.W]
        opp = sum(c[0] for c in counts)
        same = sum(c[1] for c in counts)
        stuck = sum(c[2] for c in counts)
        total = opp + same
        if total == 0:
            raise ValueError(f"{claim.id}: no stuck row met a sparse row's winner in {S} seeds; nothing to test")
        cp = clopper_pearson(opp, total, delta=ctx.delta)
        lo, hi = cp.lo, cp.hi
        q_final = (res.W.astype(np.float64) ** 4).sum(axis=2) / ((res.W.astype(np.float64) ** 2).sum(axis=2)) ** 2
        frac_sparse = float((q_final >= _SPARSE_Q).mean())
        rows = [dict(seeds=S, steps=K, sigma=self.sigma, rows_sparse_fraction=frac_sparse, stuck_rows=stuck,
                     pairs=total, opposite=opp, same=same, fraction_opposite=opp / total, ci_lo=lo, ci_hi=hi)]
        d_ok = lo > 0.5
        p_ok = same == 0
        d_sum = (f"{opp}/{total} pairs opposite (CI [{lo:.3f}, {hi:.3f}] vs chance 1/2) over {stuck} stuck rows in "
                 f"{S} seeds; {100 * frac_sparse:.0f}% of rows sparse (q ≥ {_SPARSE_Q})")
        p_sum = (f"no equal-sign pair among {total}" if p_ok else f"{same} of {total} pairs have equal signs")
        # the instance drawn: the first seed with a stuck row
        pick = next((s for s, c in enumerate(counts) if c[2] > 0), 0)

        def plot(ax) -> None:
            steps_axis = np.asarray(res.record_steps)
            for i in range(res.row_fourth_norm.shape[2]):
                ax.plot(steps_axis, res.row_fourth_norm[pick, :, i], lw=1.0, label=f"W_{i + 1}")
            ax.set_xlabel(f"GD step (lr {_F45_LR}, bipolar σ = {self.sigma:g})")
            ax.set_ylabel("‖W_i‖₄⁴")
            ax.set_ylim(0, 1.8)  # headroom for the heat map above the curves
            ax.set_title(f"{claim.id}: seed {res.seeds[pick]}")
            ax.legend(fontsize=5, ncol=4, loc="lower right")
            ins = ax.inset_axes([0.04, 0.64, 0.5, 0.33])
            Wp = res.W[pick]
            lim = float(np.abs(Wp).max())
            ins.imshow(Wp, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto", interpolation="nearest")
            ins.set_xticks([])
            ins.set_yticks(range(Wp.shape[0]))
            ins.set_yticklabels([str(i + 1) for i in range(Wp.shape[0])], fontsize=5)
            ins.set_title("final W", fontsize=6)

        # derived, a direction: holds when the interval lies above 1/2, rejected when below.
        # printed, "in all cases": one equal-sign pair rejects it; otherwise its resolution is the
        # upper confidence bound on the fraction of exceptions (1 - the interval's lower end)
        iv = Interval(opp / total, lo, hi, total, ctx.delta, "clopper-pearson")
        return Evidence(
            derived=FormOutcome(hi >= 0.5, d_sum, resolution=proportion_resolution(iv), conclusive=d_ok),
            printed=FormOutcome(p_ok, p_sum + "; " + d_sum, resolution=1.0 - lo),
            method=(f"{S} seeds × {K} GD steps (lr {_F45_LR}); stuck rows q < {_STUCK_Q}, sparse rows q ≥ {_SPARSE_Q}, "
                    f"significant weight ≥ {_SIGNIFICANT}·max|W_k|; Clopper–Pearson at level 1-{ctx.delta:.2e}"),
            columns=tuple(rows[0]),
            rows=rows,
            comparisons=1,
            plot=plot,
        )


# --- trained counts and the assignment process (paper 1, §2.5) ---------------------------
@rule
@dataclass(frozen=True, kw_only=True)
class BracketMean:
    """``lower(params) <= E[stat] <= upper(params)``: the Monte Carlo interval of the mean (level
    ``1 - ctx.delta``) must meet the bracket at every drawn point. Used where a closed form is
    known to second order and an idealisation bounds it from one side; rows show both ends."""

    strategy: st.SearchStrategy[dict[str, Any]]
    simulate: Callable[..., np.ndarray]
    lower: Callable[..., float]
    upper: Callable[..., float]
    trials: Budget
    examples: Budget
    pinned: tuple[dict[str, Any], ...] = ()
    value_range: Callable[..., float] | None = None

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return self.examples(mode) + len(self.pinned)

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        from ..stats import mean_interval

        points = draw_examples(self.strategy, self.examples(ctx.mode), ctx.hypothesis_seed(claim.id), self.pinned)
        rows, bad = [], []
        worst = 0.0  # the resolution: (half-width + z_0.9 se)/|mean|, worst over points
        for idx, params in enumerate(points):
            x = self.simulate(params, rng=ctx.rng(claim.id, idx), trials=self.trials(ctx.mode), device=ctx.device)
            vr = None if self.value_range is None else float(self.value_range(**params))
            iv = mean_interval(x, delta=ctx.delta, value_range=vr)
            lo, hi = float(self.lower(**params)), float(self.upper(**params))
            ok = iv.hi >= lo and iv.lo <= hi
            xa = np.asarray(x, dtype=float)
            # a point whose statistic is 0 by construction (n = 1) is exact; else relative to the bracket's scale
            scale = max(abs(iv.mean), abs(lo), abs(hi))
            worst = max(worst, 0.0 if iv.halfwidth == 0 or scale == 0 else
                        interval_resolution(iv.halfwidth, float(xa.std(ddof=1) / np.sqrt(xa.size)), scale))
            rows.append(dict(params, mc_mean=iv.mean, ci_lo=iv.lo, ci_hi=iv.hi, lower=lo, upper=hi, derived_ok=ok,
                             above_lower=iv.mean - lo, below_upper=hi - iv.mean))
            if not ok:
                bad.append(f"{params}: interval [{iv.lo:.5g}, {iv.hi:.5g}] misses the bracket [{lo:.5g}, {hi:.5g}]")
        summary = (
            f"the interval meets the bracket at all {len(points)} points; mean - lower in "
            f"[{min(r['above_lower'] for r in rows):.4f}, {max(r['above_lower'] for r in rows):.4f}], "
            f"upper - mean in [{min(r['below_upper'] for r in rows):.4f}, {max(r['below_upper'] for r in rows):.4f}]"
            if not bad
            else f"outside the bracket at {len(bad)} of {len(points)} points; e.g. {bad[0]}"
        )

        def plot(ax) -> None:
            xs = np.arange(len(rows))
            ax.errorbar(xs, [r["mc_mean"] - r["lower"] for r in rows], yerr=[[r["mc_mean"] - r["ci_lo"] for r in rows], [r["ci_hi"] - r["mc_mean"] for r in rows]], fmt="o", label="Gaussian process - n(n-1)/(4m) (interval)")
            ax.plot(xs, [r["upper"] - r["lower"] for r in rows], "_", ms=14, label="free-cell form - n(n-1)/(4m)")
            ax.axhline(0, color="k", lw=0.8)
            ax.set_xticks(xs, [f"({r['n']}, {r['m']})" for r in rows], rotation=45, fontsize=7)
            ax.set_xlabel("(n, m)")
            ax.set_ylabel("polysemantic neurons above n(n-1)/(4m)")
            ax.set_title(claim.id)
            ax.legend(fontsize=7)

        return Evidence(
            derived=FormOutcome(not bad, summary, resolution=worst),
            printed=None,
            method=f"Monte Carlo interval (level 1-{ctx.delta:.2e} per point) against a bracket",
            columns=tuple(rows[0].keys()) if rows else (),
            rows=rows,
            comparisons=len(points),
            plot=plot,
        )


@rule
@dataclass(frozen=True, kw_only=True)
class OneSidedMean:
    """``E[stat] <= form``: passes when the form is not below the interval's lower end at any point.

    The interval is the same two-sided interval as :class:`verify.rules.MonteCarloMean` (level
    ``1 - ctx.delta``), so a true bound is flagged with probability at most ``ctx.delta / 2``.
    Rows also show the first-order value ``1 - (n-1)/(4m)`` and the gap to the bound.
    """

    strategy: st.SearchStrategy[dict[str, Any]]
    simulate: Callable[..., np.ndarray]
    trials: Budget
    examples: Budget
    pinned: tuple[dict[str, Any], ...] = ()

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return self.examples(mode) + len(self.pinned)

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        from ..stats import mean_interval

        points = draw_examples(self.strategy, self.examples(ctx.mode), ctx.hypothesis_seed(claim.id), self.pinned)
        rows, bad = [], []
        worst = 0.0  # the resolution: (half-width + z_0.9 se)/|mean|, worst over points
        for idx, params in enumerate(points):
            x = self.simulate(params, rng=ctx.rng(claim.id, idx), trials=self.trials(ctx.mode), device=ctx.device)
            iv = mean_interval(x, delta=ctx.delta, value_range=1.0)
            bound = float(claim.derived.evaluate(params))
            ok = bound >= iv.lo
            xa = np.asarray(x, dtype=float)
            worst = max(worst, interval_resolution(iv.halfwidth, float(xa.std(ddof=1) / np.sqrt(xa.size)), iv.mean))
            rows.append(
                dict(params, mc_mean=iv.mean, ci_lo=iv.lo, ci_hi=iv.hi, derived=bound, derived_ok=ok,
                     first_order=1 - (params["n"] - 1) / (4 * params["m"]), gap=bound - iv.mean)
            )
            if not ok:
                bad.append(f"n={params['n']}, m={params['m']}: bound {bound:.5f} < interval [{iv.lo:.5f}, {iv.hi:.5f}]")
        gaps = [r["gap"] for r in rows]
        summary = (
            f"bound holds at all {len(points)} points; bound - measured in [{min(gaps):.4f}, {max(gaps):.4f}]"
            if not bad
            else f"bound violated at {len(bad)} of {len(points)} points; e.g. {bad[0]}"
        )

        def plot(ax) -> None:
            xs = [r["n"] / r["m"] for r in rows]
            ax.errorbar(xs, [r["mc_mean"] for r in rows], yerr=[[r["mc_mean"] - r["ci_lo"] for r in rows], [r["ci_hi"] - r["mc_mean"] for r in rows]], fmt="o", label="Gaussian displacement (interval)")
            ax.plot(xs, [r["derived"] for r in rows], "x", label="initial-contest bound")
            ax.plot(xs, [r["first_order"] for r in rows], "+", label="1 - (n-1)/(4m)")
            ax.set_xlabel("n / m")
            ax.set_ylabel("P(feature ends on its initial argmax)")
            ax.set_title(claim.id)
            ax.legend(fontsize=7)

        return Evidence(
            derived=FormOutcome(not bad, summary, resolution=worst),
            printed=None,
            method=f"one-sided Monte Carlo bound (interval at level 1-{ctx.delta:.2e} per point)",
            columns=tuple(rows[0].keys()) if rows else (),
            rows=rows,
            comparisons=len(points),
            plot=plot,
        )


@dataclass(frozen=True, kw_only=True)
class TrainSettings:
    """Plain gradient descent with l1 (§2.1): ``lam``, step ``lr``, at most ``steps`` steps,
    stopping once every weight's speed is below ``tol`` (see :class:`numerics.autoencoder.TrainConfig`)."""

    lam: float
    lr: float
    steps: int
    tol: float = 1e-4
    record_every: int = 250
    rule: str = "window"


_TRAINED: dict[tuple[Any, ...], dict[str, Any]] = {}


def train_width(n_: int, m_: int, seeds: Sequence[int], settings: TrainSettings, device: str = "cpu") -> dict[str, Any]:
    """Train one width and measure, per seed: trained count (``settings.rule``), the displacement
    process on the same initial weights, stay fractions, and how many features end where the
    displacement process puts them.

    Training is deterministic, so results are kept for the process's lifetime: the claims on
    counts and on stay fractions share one training per width.
    """
    key = (n_, m_, tuple(seeds), settings, device)
    if key not in _TRAINED:
        _TRAINED[key] = _train_width(n_, m_, seeds, settings, device)
    return _TRAINED[key]


def _width_config(n_: int, m_: int, seeds: Sequence[int], settings: TrainSettings, device: str) -> TrainConfig:
    return TrainConfig(
        n=n_, m=m_, lam=settings.lam, lr=settings.lr, steps=settings.steps, tol=settings.tol,
        record_every=settings.record_every, seeds=tuple(seeds), device="cpu" if device == "cpu" else "auto",
    )


def _train_width(n_: int, m_: int, seeds: Sequence[int], settings: TrainSettings, device: str) -> dict[str, Any]:
    return measure_trained(train(_width_config(n_, m_, seeds, settings, device)), rule=settings.rule)


def measure_trained(res: Any, *, rule: str = "window") -> dict[str, Any]:
    """Per-seed measurements of a :class:`numerics.autoencoder.TrainResult`: the trained count
    (``rule``), the displacement process run on the same initial weights, stay fractions, the share
    of features ending on the cell the process predicts, and the mixed-sign share."""
    from polyverify.numerics.autoencoder import initial_weights
    from polyverify.numerics.metrics import count_polysemantic, winners

    W = res.W
    m_ = W.shape[-1]
    counts = count_polysemantic(W, rule=rule).astype(float)
    pred = displacement_from_weights(initial_weights(res.train_config()))
    pc = assignment_counts(pred)
    win = winners(W)
    sgn = np.sign(np.take_along_axis(W, win[..., None], axis=-1)[..., 0])
    return {
        "trained": counts,
        "trained_argmax_rule": count_polysemantic(W, rule="argmax").astype(float),
        "mixed_sign_share": _mixed_sign_share(win, sgn, m_),
        "process_same_init": pc.polysemantic.astype(float),
        "stay_trained": (win == res.init_argmax).mean(axis=-1),
        "stay_process": pc.stayed,
        "cell_match": ((win == pred.neuron) & (sgn == pred.sign)).mean(axis=-1),
        "steps_run": res.steps_run,
        "seconds": res.seconds,
    }


def _mixed_sign_share(win: np.ndarray, sgn: np.ndarray, m_: int) -> np.ndarray:
    """Per seed: among neurons that are the dominant neuron of >= 2 features, the share holding
    exactly one positive and one negative feature (the displacement model says: all of them)."""
    out = []
    for w, s in zip(win, sgn):
        pos = np.bincount(w[s > 0], minlength=m_)
        neg = np.bincount(w[s < 0], minlength=m_)
        shared = (pos + neg) >= 2
        out.append(float(((pos == 1) & (neg == 1))[shared].mean()) if shared.any() else 1.0)
    return np.asarray(out)


def _describe(s: TrainSettings) -> str:
    return f"lam={s.lam}, lr={s.lr}, <= {s.steps} steps"


@dataclass(frozen=True, kw_only=True)
class GDTraining:
    """Trained networks of a claim's own: plain GD + l1 with ``settings``, seeds ``0 .. S-1``."""

    settings: TrainSettings

    def measure(self, ctx: Context, n_: int, m_: int, seeds: int) -> dict[str, Any]:
        """The runs are published under the run's ``runs/`` folder (resumable); measured once per process."""
        key = (str(runs_dir(ctx)), n_, m_, seeds, self.settings)
        if key not in _TRAINED:
            cfg = _width_config(n_, m_, range(seeds), self.settings, ctx.device)
            res = trained(ctx, [cfg], what="GD + l1", parallel=False)[0]
            _TRAINED[key] = measure_trained(res, rule=self.settings.rule)
        return _TRAINED[key]

    def describe(self) -> str:
        return f"trained plain GD + l1 ({_describe(self.settings)}; {self.settings.rule} rule)"

    @property
    def shared_runs(self) -> str:
        return f"gd+l1 {self.settings}"

    label = "trained (GD + l1)"


_FIG3_MEASURED_CACHE: dict[tuple[Any, ...], dict[str, Any]] = {}


@dataclass(frozen=True, kw_only=True)
class Fig3Training:
    """The Fig 3 runs of the training issue (:mod:`polyverify.experiments`: proximal GD + l1, ``lam = 0.05``,
    ``lr = stable_lr(n, m)``, each seed to convergence), shared with ``training.fig3_polysemantic``."""

    def measure(self, ctx: Context, n_: int, m_: int, seeds: int) -> dict[str, Any]:
        key = (ctx.seed, ctx.device, str(ctx.runs_dir), n_, m_, seeds)
        if key not in _FIG3_MEASURED_CACHE:
            # all of Fig 3's widths at once (a parallel, resumable sweep), then read from the cache
            widths = FIG3_WIDTHS if m_ in FIG3_WIDTHS else (m_,)
            res = fig3_runs(ctx, widths=widths, seeds=seeds, n=n_)[m_]
            _FIG3_MEASURED_CACHE[key] = measure_trained(res, rule="window")
        return _FIG3_MEASURED_CACHE[key]

    shared_runs = "fig 3"

    def describe(self) -> str:
        return "the Fig 3 runs of training.fig3_polysemantic (prox GD + l1, lam=0.05, lr=stable_lr(n, m), tol 1e-4; window rule)"

    label = "trained (Fig 3 runs, prox GD + l1)"


@rule
@dataclass(frozen=True, kw_only=True)
class TrainedCounts:
    """Trained counts per width against each form (Student-t interval over seeds, level ``1 - delta``).

    A form passes when it lies in the interval at every width; every width is reported with
    the miss in neurons and in half-widths. The initialisation-only count and the displacement
    process on the same initial weights are reported beside them (same interval, not part of
    the verdict), with the stay fractions and the fraction of features ending on the cell the
    process predicts.
    """

    widths: Callable[[Mode], Sequence[tuple[int, int]]]
    seeds: Budget
    source: GDTraining | Fig3Training

    @property
    def shared_runs(self) -> str:
        """Claims measuring the same trained networks run together (one training, one measurement)."""
        return self.source.shared_runs

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return len(self.widths(mode)) * (1 + (claim.printed is not None))

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        rows: list[dict[str, Any]] = []
        misses: dict[str, list[str]] = {"derived": [], "printed": []}
        seeds = list(range(self.seeds(ctx.mode)))
        worst = 0.0  # the resolution: (half-width + z_0.9 se)/|mean|, worst over widths
        for n_, m_ in self.widths(ctx.mode):
            r = self.source.measure(ctx, n_, m_, len(seeds))
            mean, lo, hi = _t_interval(r["trained"], ctx.delta)
            x = np.asarray(r["trained"], dtype=float)
            res = interval_resolution((hi - lo) / 2, float(x.std(ddof=1) / np.sqrt(x.size)), mean)
            worst = max(worst, res)
            row: dict[str, Any] = {"n": n_, "m": m_, "seeds": len(seeds), "trained_mean": mean, "ci_lo": lo, "ci_hi": hi,
                                   "resolution": res}
            forms = [("derived", claim.derived)] + ([("printed", claim.printed)] if claim.printed is not None else [])
            for label, form in forms:
                v = float(form.evaluate({"n": n_, "m": m_}))
                ok = lo <= v <= hi
                row[label], row[f"{label}_ok"] = v, ok
                if not ok:
                    misses[label].append(
                        f"m={m_}: {label} {v:.2f} vs trained {mean:.2f} [{lo:.2f}, {hi:.2f}] (off by {v - mean:+.2f}, {(v - mean) / mean:+.0%})"
                    )
            init_only = float(coll.expected_polysemantic(n_, m_))
            row["init_only"], row["init_only_ok"] = init_only, lo <= init_only <= hi
            row["process_same_init"] = float(r["process_same_init"].mean())
            d_mean, d_lo, d_hi = _t_interval(r["trained"] - r["process_same_init"], ctx.delta)
            row.update(paired_diff=d_mean, paired_lo=d_lo, paired_hi=d_hi)
            row["trained_argmax_rule"] = float(r["trained_argmax_rule"].mean())
            row["mixed_sign_share"] = float(r["mixed_sign_share"].mean())
            row["stay_trained"] = float(r["stay_trained"].mean())
            row["stay_process"] = float(r["stay_process"].mean())
            row["stay_bound"] = float(th.stay_probability_bound(n_, m_))
            row["cell_match"] = float(r["cell_match"].mean())
            row["steps_run"], row["seconds"] = r["steps_run"], round(float(r["seconds"]), 2)
            rows.append(row)

        def outcome(label: str) -> FormOutcome:
            bad = misses[label]
            if not bad:
                return FormOutcome(True, f"inside the seed interval at all {len(rows)} widths", resolution=worst)
            return FormOutcome(False, f"outside at {len(bad)} of {len(rows)} widths: " + "; ".join(bad), resolution=worst)

        def plot(ax) -> None:
            ms = np.array([r["m"] for r in rows], dtype=float)
            mean = np.array([r["trained_mean"] for r in rows])
            err = np.array([[r["trained_mean"] - r["ci_lo"] for r in rows], [r["ci_hi"] - r["trained_mean"] for r in rows]])
            ax.errorbar(ms, mean, yerr=err, fmt="o", capsize=3, label=f"{self.source.label}, {len(seeds)} seeds, interval")
            ax.plot(ms, [r["process_same_init"] for r in rows], "x", label="displacement process, same init")
            draw_count_forms(ax, rows[0]["n"], ms)
            ax.set_title(claim.id)
            ax.legend(fontsize=7)

        return Evidence(
            derived=outcome("derived"),
            printed=outcome("printed") if claim.printed is not None else None,
            method=(
                f"{self.source.describe()}; "
                f"Student-t interval over seeds at level 1-{ctx.delta:.2e} per width"
            ),
            columns=tuple(rows[0].keys()) if rows else (),
            rows=rows,
            comparisons=len(rows) * (1 + (claim.printed is not None)),
            plot=plot,
        )


@rule
@dataclass(frozen=True, kw_only=True)
class TrainedStay:
    """Fraction of features ending on their initial argmax neuron in trained networks, per
    width, against the *printed* mechanism's prediction (Student-t interval over seeds at level
    ``1 - delta``); the Gaussian displacement process on the same initial weights is reported
    beside it. The library has no closed form for the trained fraction: the derived outcome is
    the measurement itself and never holds (``conclusive=False``), so a rejected printed form is
    ``refuted``, not ``erratum``."""

    widths: Callable[[Mode], Sequence[tuple[int, int]]]
    seeds: Budget
    source: GDTraining | Fig3Training

    @property
    def shared_runs(self) -> str:
        """Claims measuring the same trained networks run together (one training, one measurement)."""
        return self.source.shared_runs

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return len(self.widths(mode))

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        rows, misses = [], []
        worst = 0.0
        seeds = list(range(self.seeds(ctx.mode)))
        for n_, m_ in self.widths(ctx.mode):
            r = self.source.measure(ctx, n_, m_, len(seeds))
            mean, lo, hi = _t_interval(r["stay_trained"], ctx.delta)
            xs = np.asarray(r["stay_trained"], dtype=float)
            worst = max(worst, interval_resolution((hi - lo) / 2, float(xs.std(ddof=1) / np.sqrt(xs.size)), mean))
            pred = float(claim.printed.evaluate({"n": n_, "m": m_}))
            ok = lo <= pred <= hi
            rows.append(
                {"n": n_, "m": m_, "seeds": len(seeds), "stay_trained": mean, "ci_lo": lo, "ci_hi": hi, "printed": pred,
                 "printed_ok": ok, "stay_process_same_init": float(r["stay_process"].mean()), "cell_match": float(r["cell_match"].mean())}
            )
            if not ok:
                misses.append(f"m={m_}: predicted {pred:.3f}, trained {mean:.3f} [{lo:.3f}, {hi:.3f}]")
        summary = (
            f"inside the seed interval at all {len(rows)} widths"
            if not misses
            else f"outside at {len(misses)} of {len(rows)} widths: " + "; ".join(misses)
        )

        def plot(ax) -> None:
            ms = [r["m"] for r in rows]
            ax.errorbar(ms, [r["stay_trained"] for r in rows], yerr=[[r["stay_trained"] - r["ci_lo"] for r in rows], [r["ci_hi"] - r["stay_trained"] for r in rows]], fmt="o", capsize=3, label="trained (interval)")
            ax.plot(ms, [r["printed"] for r in rows], "-", label="'the larger wins out' (printed mechanism)")
            ax.plot(ms, [r["stay_process_same_init"] for r in rows], "x", label="displacement process, same init")
            log_width_axis(ax, ms)
            ax.set_xlabel(f"m (n = {rows[0]['n']})")
            ax.set_ylabel("fraction of features on their initial argmax")
            ax.set_title(claim.id)
            ax.legend(fontsize=7)

        measured = ", ".join(f"{r['stay_trained']:.3f} [{r['ci_lo']:.3f}, {r['ci_hi']:.3f}] (m={r['m']})" for r in rows)
        return Evidence(
            derived=FormOutcome(True, f"no closed form for the trained fraction; measured {measured}", conclusive=False),
            printed=FormOutcome(not misses, summary, resolution=worst),
            method=f"{self.source.describe()}; Student-t interval over seeds at level 1-{ctx.delta:.2e}",
            columns=tuple(rows[0].keys()) if rows else (),
            rows=rows,
            comparisons=len(rows),
            plot=plot,
        )

