r"""Comparison rules: how a claim's forms are compared with simulation.

* :class:`SymbolicRule` — exact: the derived form is established by a chain of checked
  identities, and the printed form must be identical to it.
* :class:`MonteCarloMean` — each Hypothesis-drawn parameter point is simulated; the
  sample mean's interval at level ``1 - ctx.delta`` (Bonferroni share of the run's family-wise
  rate, see :mod:`verify.stats`) must contain each form's prediction.
* :class:`ScalingLaw` — a Θ(·) law: over a geometric range of scales the fitted log–log slope
  of the simulation must agree (within its interval) with the slope of the form on the same
  grid, and the ratio simulation/form must stay within ``[1/C, C]`` for the stated constant ``C``.
* :class:`DeterministicMatch` — a deterministic computation (exact enumeration, an ODE solve)
  against each form, within a tolerance that the claim derives (a solver's rtol, a bound).
* :class:`AllOf` — several rules that must all pass.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hyp_seed
from hypothesis import strategies as st

from .claim import Budget, Claim, Context, Evidence, FormOutcome, Mode
from .identity import check_identity
from .stats import loglog_slope, mean_interval

__all__ = [
    "draw_examples",
    "SymbolicRule",
    "MonteCarloMean",
    "ScalingLaw",
    "DeterministicMatch",
    "AllOf",
    "Simulation",
]

Simulation = Callable[..., np.ndarray]
"""``simulate(params, *, rng, trials, device) -> per-trial values`` (a 1-D array)."""


def draw_examples(
    strategy: st.SearchStrategy[Any], count: int, seed: int, pinned: Sequence[Any] = ()
) -> list[Any]:
    """``count`` parameter points drawn by Hypothesis, determined by ``seed``, after ``pinned``.

    Hypothesis runs in generate-only mode with no example database, so the same seed draws
    the same points on every machine.
    """
    drawn: list[Any] = []
    with _no_local_constants():
        _collect(strategy, count, seed, drawn)
    unique: list[Any] = []
    for p in list(pinned) + drawn[:count]:
        if p not in unique:
            unique.append(p)
    return unique


@contextmanager
def _no_local_constants():
    """Hypothesis mixes constants found in *local* source files into its draws; which files
    count as local depends on where the package is installed (a source checkout or
    site-packages), so the same seed would draw different points in different installs.
    Within a run the library therefore draws with no local constants (Hypothesis's global
    constants still apply). Private API: on a Hypothesis without it, nothing is patched."""
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover
        yield
        return
    original = getattr(providers, "_get_local_constants", None)
    cache = getattr(providers, "CONSTANTS_CACHE", None)
    empty = getattr(providers, "Constants", None)
    if original is None or cache is None or empty is None:  # pragma: no cover
        yield
        return
    cache.cache.clear()
    providers._get_local_constants = lambda: empty()
    try:
        yield
    finally:
        providers._get_local_constants = original
        cache.cache.clear()


def _collect(strategy: st.SearchStrategy[Any], count: int, seed: int, drawn: list[Any]) -> None:
    @settings(
        max_examples=max(count, 1),
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        derandomize=False,
    )
    @hyp_seed(seed)
    @given(strategy)
    def collect(p: Any) -> None:
        drawn.append(p)

    if count > 0:
        collect()


def _forms(claim: Claim):
    yield "derived", claim.derived
    if claim.printed is not None:
        yield "printed", claim.printed


def _fmt(params: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items())


@dataclass(frozen=True, kw_only=True)
class SymbolicRule:
    """Exact symbolic checks.

    ``derivation`` returns named steps ``(label, lhs, rhs)``; each is checked by
    :func:`verify.identity.check_identity` and the derived form passes when all hold. The
    printed form passes when ``printed.expr`` is identical to ``derived.expr``.
    """

    derivation: Callable[[], Sequence[tuple[str, Any, Any]]]
    domain: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    relation: str = "identity"
    """``"identity"``: printed == derived. ``"asymptotic"``: printed ~ derived, i.e. the
    iterated limit of printed/derived over ``limits`` (``((m, oo), (n, oo))``) equals 1."""
    limits: tuple[tuple[Any, Any], ...] = ()

    def __post_init__(self) -> None:
        if self.relation not in ("identity", "asymptotic"):
            raise ValueError(f"relation must be 'identity' or 'asymptotic'; got {self.relation!r}")
        if self.relation == "asymptotic" and not self.limits:
            raise ValueError("an asymptotic relation needs limits, e.g. ((m, oo),)")

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return 0  # exact: no false-alarm budget used

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        rows = []
        ok = True
        for label, lhs, rhs in self.derivation():
            r = check_identity(lhs, rhs, domain=self.domain, seed=ctx.seed)
            rows.append({"step": label, "result": r.describe()})
            ok = ok and bool(r)
        derived = FormOutcome(ok, f"{len(rows)} derivation steps, " + ("all hold" if ok else "one fails"))
        printed = None
        if claim.printed is not None:
            if claim.printed.expr is None or claim.derived.expr is None:
                raise ValueError(f"{claim.id}: a symbolic rule needs expressions for both forms")
            if self.relation == "identity":
                r = check_identity(claim.printed.expr, claim.derived.expr, domain=self.domain, seed=ctx.seed)
                label = "printed == derived"
            else:
                ratio = claim.printed.expr / claim.derived.expr
                for var, point in self.limits:
                    ratio = sp.limit(ratio, var, point)
                r = check_identity(ratio, 1)
                label = "lim printed/derived = 1 (" + ", then ".join(f"{v} -> {p}" for v, p in self.limits) + ")"
            detail = r.describe()
            if not r and self.relation == "identity":
                # the factored difference says what the misprint is (a coefficient, a sign)
                detail = f"printed − derived = {sp.sstr(sp.factor(claim.printed.expr - claim.derived.expr))}; {detail}"
            rows.append({"step": label, "result": detail})
            printed = FormOutcome(bool(r), f"{label}: {detail}")
        return Evidence(
            derived=derived,
            printed=printed,
            method="symbolic (simplify, then high-precision random points)",
            columns=("step", "result"),
            rows=rows,
        )


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
            for label, form in _forms(claim):
                pred = float(form.evaluate(params))
                inside = iv.contains(pred)
                row[label] = pred
                row[f"{label}_ok"] = inside
                if not inside:
                    # misses are ranked by their distance from the interval in half-widths
                    dist = abs(pred - iv.mean) / max(iv.halfwidth, 1e-300)
                    fails[label].append(
                        (dist, f"{_fmt(params)}: {label} {pred:.5g} outside [{iv.lo:.5g}, {iv.hi:.5g}] "
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
        for label, form in _forms(claim):
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
            from .stats import z_value

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


@dataclass(frozen=True, kw_only=True)
class DeterministicMatch:
    """A deterministic computation against each form: ``|form - value| <= atol + rtol*|value|``.

    ``tolerance_reason`` must say where ``rtol``/``atol`` come from (a solver's tolerance,
    floating-point accumulation, a proven bound); it is printed in the report.
    """

    strategy: st.SearchStrategy[dict[str, Any]]
    compute: Callable[..., float]
    examples: Budget
    rtol: float
    atol: float
    tolerance_reason: str
    pinned: tuple[dict[str, Any], ...] = ()

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return 0  # deterministic: no false-alarm budget used

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        points = draw_examples(self.strategy, self.examples(ctx.mode), ctx.hypothesis_seed(claim.id), self.pinned)
        rows, fails = [], {"derived": [], "printed": []}
        for params in points:
            value = float(self.compute(**params))
            row = dict(params, value=value)
            for label, form in _forms(claim):
                pred = float(form.evaluate(params))
                ok = abs(pred - value) <= self.atol + self.rtol * abs(value)
                row[label] = pred
                row[f"{label}_ok"] = ok
                if not ok:
                    fails[label].append(f"{_fmt(params)}: {label} {pred:.6g} vs {value:.6g}")
            rows.append(row)

        def outcome(label: str) -> FormOutcome:
            bad = fails[label]
            if not bad:
                return FormOutcome(True, f"matches at all {len(points)} points (rtol {self.rtol:g}, atol {self.atol:g})")
            return FormOutcome(False, f"misses at {len(bad)} of {len(points)} points; e.g. {bad[0]}")

        return Evidence(
            derived=outcome("derived"),
            printed=outcome("printed") if claim.printed is not None else None,
            method=f"deterministic comparison; tolerance: {self.tolerance_reason}",
            columns=tuple(rows[0].keys()) if rows else (),
            rows=rows,
        )


@dataclass(frozen=True)
class AllOf:
    """Several rules; a form passes when it passes every one of them."""

    rules: tuple[Any, ...]

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return sum(r.planned_comparisons(claim, mode) for r in self.rules)

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        evs = [r.run(claim, ctx) for r in self.rules]

        def merge(get) -> FormOutcome | None:
            outs = [get(e) for e in evs if get(e) is not None]
            if not outs:
                return None
            return FormOutcome(all(o.passed for o in outs), " | ".join(o.summary for o in outs))

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
            plot=plots[-1] if plots else None,
        )
