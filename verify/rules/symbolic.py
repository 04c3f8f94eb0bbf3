r"""Exact symbolic relations: a proof checked step by step, and the printed form against the derived one.

A step ``(label, lhs, rhs)`` is checked by :func:`polyverify.identity.check_identity`: a proof
by ``simplify(lhs - rhs) == 0`` first, else evaluation at random ``dps``-digit points. The
resolution of a proved step is ``0.0``; of a step checked numerically, the relative tolerance
of that evaluation, :math:`10^{-\mathrm{dps}/2}`; a claim's is the worst over its steps.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from ..claim import Claim, Context, Evidence, FormOutcome, Mode
from ..identity import IdentityResult, check_identity
from ._catalogue import rule

__all__ = ["SymbolicRule", "Step", "SideCheck"]

Step = tuple[str, Any, Any]
"""``(label, lhs, rhs)``: one line of a derivation."""
SideCheck = Callable[[], Sequence[tuple[str, bool, str]]]
"""Named side conditions ``(label, passed, summary)`` checked exactly (inequalities on a grid, solution sets)."""


@rule
@dataclass(frozen=True, kw_only=True)
class SymbolicRule:
    """Exact symbolic checks.

    ``derivation`` returns the derived form's steps; each is checked and the derived form
    passes when all hold (and every ``side_checks`` condition holds). The printed form, when the
    claim has one and ``judge_printed`` is true, passes when every line of ``printed_steps``
    holds (the paper's proof lines exactly as printed) or, without printed steps, when
    ``printed.expr`` relates to ``derived.expr`` as ``relation`` says.
    """

    derivation: Callable[[], Sequence[Step]]
    printed_steps: Callable[[], Sequence[Step]] | None = None
    side_checks: SideCheck | None = None
    domain: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    relation: str = "identity"
    """``"identity"``: printed == derived. ``"asymptotic"``: printed ~ derived, i.e. the
    iterated limit of printed/derived over ``limits`` (``((m, oo), (n, oo))``) equals 1."""
    limits: tuple[tuple[Any, Any], ...] = ()
    numeric_only: frozenset[str] = frozenset()
    """Labels of steps where simplification is known to stall: checked numerically at once."""
    judge_printed: bool = True
    """``False`` inside :class:`~polyverify.rules.AllOf` when another rule judges the printed form
    (e.g. a printed *bound* that differs from the derived one and is checked as a bound)."""
    points: int = 60
    dps: int = 40
    simplify_timeout: float = 20.0
    tagged: bool = False
    """Rows name the form each step belongs to (a ``form`` column)."""

    def __post_init__(self) -> None:
        if self.relation not in ("identity", "asymptotic"):
            raise ValueError(f"relation must be 'identity' or 'asymptotic'; got {self.relation!r}")
        if self.relation == "asymptotic" and not self.limits:
            raise ValueError("an asymptotic relation needs limits, e.g. ((m, oo),)")

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return 0  # exact: no false-alarm budget used

    def form_parameters(self, claim: Claim) -> None:
        return None  # compares expressions, never calls a numeric function

    def _check(self, lhs: Any, rhs: Any, seed: int, symbolic: bool = True) -> IdentityResult:
        return check_identity(lhs, rhs, domain=self.domain, points=self.points, dps=self.dps, seed=seed,
                              symbolic=symbolic, simplify_timeout=self.simplify_timeout)

    def _resolution(self, r: IdentityResult) -> float | None:
        """0 for a proof, the numeric fallback's precision for agreement at points, ``None`` for an
        inconclusive step (the form is then undecided: neither rejected nor counted as holding)."""
        if r.status == "inconclusive":
            return None
        return 0.0 if r.status == "proved" else 10.0 ** (-self.dps / 2)

    def _row(self, tag: str, label: str, result: str) -> dict[str, Any]:
        return {"form": tag, "step": label, "result": result} if self.tagged else {"step": label, "result": result}

    def _steps(self, steps: Sequence[Step], tag: str, rows: list[dict[str, Any]],
               seed: int) -> tuple[bool, str, float | None]:
        """Whether no step is refuted, the first refuted one, and the worst resolution (``None``
        once a step is inconclusive: a form with an undecided step is not verified)."""
        ok, first, res = True, "", 0.0
        for label, lhs, rhs in steps:
            r = self._check(lhs, rhs, seed, symbolic=label not in self.numeric_only)
            rows.append(self._row(tag, label, r.describe()))
            step_res = self._resolution(r)
            res = None if (res is None or step_res is None) else max(res, step_res)
            if r.refuted and ok:
                ok, first = False, f"{label}: {r.describe()}"
        return ok, first, res

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        rows: list[dict[str, Any]] = []
        ok, first, res = self._steps(self.derivation(), "derived", rows, ctx.seed)
        n_steps = len(rows)
        n_side = 0
        if self.side_checks is not None:
            for label, passed, summary in self.side_checks():
                n_side += 1
                rows.append(self._row("derived", label, summary))
                if not passed and ok:
                    ok, first = False, f"{label}: {summary}"
        if self.tagged:
            derived = FormOutcome(ok, f"{n_steps + n_side} derived steps ({n_side} side conditions), "
                                  + ("all hold" if ok else f"fails at {first}"), resolution=res)
        else:
            derived = FormOutcome(ok, f"{n_steps} derivation steps, " + ("all hold" if ok else "one fails"), resolution=res)
        printed = None
        if claim.printed is not None and self.judge_printed:
            printed = self._printed(claim, ctx, rows)
        return Evidence(
            derived=derived,
            printed=printed,
            method=("line-by-line proof check (simplify, else 40-digit random points)" if self.tagged
                    else "symbolic (simplify, then high-precision random points)"),
            columns=("form", "step", "result") if self.tagged else ("step", "result"),
            rows=rows,
        )

    def _printed(self, claim: Claim, ctx: Context, rows: list[dict[str, Any]]) -> FormOutcome:
        if self.printed_steps is not None:
            steps = list(self.printed_steps())
            p_ok, p_first, res = self._steps(steps, "printed", rows, ctx.seed)
            return FormOutcome(p_ok, f"{len(steps)} printed steps, " + ("all hold" if p_ok else f"refuted: {p_first}"),
                               resolution=res)
        if claim.printed.expr is None or claim.derived.expr is None:
            raise ValueError(f"{claim.id}: a symbolic rule needs expressions for both forms")
        if self.tagged and self.relation == "identity":  # a one-line printed proof: printed == derived
            steps = [("printed == derived", claim.printed.expr, claim.derived.expr)]
            p_ok, p_first, res = self._steps(steps, "printed", rows, ctx.seed)
            return FormOutcome(p_ok, "1 printed steps, " + ("all hold" if p_ok else f"refuted: {p_first}"), resolution=res)
        if self.relation == "identity":
            r = self._check(claim.printed.expr, claim.derived.expr, ctx.seed)
            label = "printed == derived"
        else:
            ratio = claim.printed.expr / claim.derived.expr
            for var, point in self.limits:
                ratio = sp.limit(ratio, var, point)
            r = check_identity(ratio, 1)
            label = "lim printed/derived = 1 (" + ", then ".join(f"{v} -> {p}" for v, p in self.limits) + ")"
        detail = r.describe()
        if r.refuted and self.relation == "identity":
            # the factored difference says what the misprint is (a coefficient, a sign)
            detail = f"printed − derived = {sp.sstr(sp.factor(claim.printed.expr - claim.derived.expr))}; {detail}"
        rows.append(self._row("printed", label, detail))
        return FormOutcome(not r.refuted, f"{label}: {detail}", resolution=self._resolution(r))
