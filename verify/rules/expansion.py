r"""Expansion orders: the error of a truncated expansion must shrink at the order a line claims.

:class:`ExpansionOrder` fits the log–log slope of the mean truncation error against the
expansion variable (a real computation at each value) and checks, symbolically, that the exact
expression minus the form has no lower-order term. Resolution: the slope interval's half-width
(worst over the drawn points), in units of the order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from hypothesis import strategies as st

from ..claim import Budget, Claim, Context, Evidence, Form, FormOutcome, Mode
from ..stats import loglog_slope
from ._catalogue import rule
from ._sampling import draw_examples

__all__ = ["ExpansionOrder"]


@rule
@dataclass(frozen=True, kw_only=True)
class ExpansionOrder:
    r"""A truncated η-expansion whose error must shrink as :math:`\eta^{\text{order}}`.

    For every parameter point and every η of ``etas`` (independent noise per η), ``simulate``
    runs real SGD steps and returns per-trial arrays ``value`` (the exact quantity), ``a`` and
    ``s``; each form's ``numeric(a=, s=, eta=)`` gives the truncation, and the mean absolute
    error over the trials is fitted against η on log–log axes (:func:`verify.stats.loglog_slope`,
    interval at level ``1 - ctx.delta``). A form passes when ``order`` lies in the slope's
    interval at every point and, symbolically, ``exact - form`` has no term below
    :math:`\eta^{\text{order}}`.
    """

    strategy: st.SearchStrategy[dict[str, Any]]
    examples: Budget
    etas: tuple[float, ...]
    order: int
    exact: sp.Expr
    variable: sp.Symbol
    """The expansion variable (η): ``exact - form`` must have no term below ``variable**order``."""
    simulate: Callable[..., dict[str, np.ndarray]]
    trials: Budget
    arguments: tuple[str, ...] = ("a", "s")
    """The per-trial arrays of ``simulate`` passed to each form's numeric, beside the variable."""
    pinned: tuple[dict[str, Any], ...] = ()

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return (self.examples(mode) + len(self.pinned)) * (1 + (claim.printed is not None))

    def form_parameters(self, claim: Claim) -> frozenset[str]:
        return frozenset(self.arguments) | {self.variable.name}

    def _symbolic(self, form: Form) -> tuple[bool, str]:
        eta = self.variable
        diff = sp.Poly(sp.expand(self.exact - form.expr), eta)
        low = [(k, c) for (k,), c in diff.terms() if k < self.order and sp.simplify(c) != 0]
        if not low:
            return True, f"exact − form starts at η^{self.order} or later"
        k, c = min(low, key=lambda t: t[0])
        return False, f"exact − form has the η^{k} term {sp.sstr(c * eta**k)}"

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        forms = [("derived", claim.derived)] + ([("printed", claim.printed)] if claim.printed is not None else [])
        sym = {label: self._symbolic(f) for label, f in forms}
        points = draw_examples(self.strategy, self.examples(ctx.mode), ctx.hypothesis_seed(claim.id), self.pinned)
        rows: list[dict[str, Any]] = []
        fails: dict[str, list[str]] = {label: [] for label, _ in forms}
        slopes: dict[str, list[float]] = {label: [] for label, _ in forms}
        res: dict[str, float] = {label: 0.0 for label, _ in forms}
        curves = []
        for pidx, params in enumerate(points):
            errs = {label: ([], []) for label, _ in forms}
            for k, e in enumerate(self.etas):
                rng = ctx.rng(f"{claim.id}/eta={e!r}", pidx)
                out = self.simulate(params, e, rng=rng, trials=self.trials(ctx.mode), device=ctx.device)
                for label, form in forms:
                    args = {k: out[k] for k in self.arguments}
                    err = np.abs(out["value"] - form.numeric(**args, **{self.variable.name: e}))
                    errs[label][0].append(float(err.mean()))
                    errs[label][1].append(float(err.std(ddof=1) / np.sqrt(err.size)))
            row = dict(params)
            for label, _ in forms:
                fit = loglog_slope(np.array(self.etas), np.array(errs[label][0]), np.array(errs[label][1]), delta=ctx.delta)
                ok = fit.contains(self.order)
                res[label] = max(res[label], float((fit.hi - fit.lo) / 2))
                slopes[label].append(fit.slope)
                row[f"{label}_slope"] = fit.slope
                row[f"{label}_slope_lo"] = fit.lo
                row[f"{label}_slope_hi"] = fit.hi
                row[f"{label}_ok"] = ok
                if not ok:
                    fails[label].append(f"slope {fit.slope:.3f} [{fit.lo:.3f}, {fit.hi:.3f}] at {params}")
                curves.append((pidx, label, list(errs[label][0])))
            rows.append(row)

        def outcome(label: str) -> FormOutcome:
            sok, smsg = sym[label]
            bad = fails[label]
            num = (f"fitted error slope in η {min(slopes[label]):.3f}..{max(slopes[label]):.3f} "
                   f"(order {self.order} {'inside' if not bad else 'outside'} the interval at "
                   f"{len(points) - len(bad)} of {len(points)} points)")
            return FormOutcome(sok and not bad, f"{smsg}; {num}" + (f"; e.g. {bad[0]}" if bad else ""),
                               resolution=res[label])

        etas = np.array(self.etas)

        def plot(ax) -> None:
            for pidx, label, ys in curves:
                ax.loglog(etas, ys, "o-" if label == "derived" else "x--", ms=3, lw=0.8,
                          color="C0" if label == "derived" else "C1",
                          label=f"{label} form (each drawn point)" if pidx == 0 else None)
            ref = curves[0][2][-1] if curves else 1.0
            ax.loglog(etas, ref * (etas / etas[-1]) ** self.order, "k:", lw=0.8, label=f"slope {self.order}")
            ax.set_xlabel("η")
            ax.set_ylabel("mean |exact − truncation|")
            ax.set_title(claim.id)
            ax.legend(fontsize=7)

        return Evidence(
            derived=outcome("derived"),
            printed=outcome("printed") if claim.printed is not None else None,
            method=(f"truncation error of real SGD steps at η in {list(self.etas)}; log-log slope interval at level "
                    f"1-{ctx.delta:.2e} must contain {self.order}; symbolic: no term of exact − form below η^{self.order}"),
            columns=tuple(rows[0].keys()) if rows else (),
            rows=rows,
            comparisons=len(points) * len(forms),
            plot=plot,
        )
