r"""Exact symbolic checks: a chain of identities, and the printed form against the derived one."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from ..claim import Claim, Context, Evidence, FormOutcome, Mode
from ._catalogue import rule
from ..identity import check_identity

__all__ = ['SymbolicRule']


@rule
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
