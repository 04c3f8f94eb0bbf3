r"""Evaluating two expressions at a point, and judging their difference against the precision achieved.

Both sides are evaluated by SymPy's ``evalf`` (mpmath underneath: arbitrary precision and
arbitrary exponent, so ``(x + 1)**10000`` is a number, not a float overflow) at two working
precisions, ``p = dps`` and ``2p`` decimal digits, from exact point values rounded afresh at
each precision. Write :math:`a_p, b_p` and :math:`a_{2p}, b_{2p}` for the values and
:math:`S = \max(|a_{2p}|, |b_{2p}|)` for the scale. The evaluation error achieved at ``p`` is
estimated against the more precise run,

.. math:: \varepsilon_p = \frac{|a_p - a_{2p}| + |b_p - b_{2p}|}{S} + 10^{-(p - g)},

with :data:`GUARD_DIGITS` ``g`` digits of slack for the final rounding of each side and of the
subtraction (``evalf`` aims at ``p`` correct digits of each result). The relative differences
are :math:`r_p = |a_p - b_p|/S` and :math:`r_{2p} = |a_{2p} - b_{2p}|/S`. At this point:

* **differ** when :math:`r_{2p} > 10\,\varepsilon_p` (the difference at ``2p`` is ten times the
  whole error estimate at ``p``, which bounds the error at ``2p`` as long as more digits do not
  make the evaluation worse), or when :math:`r_{2p} > 10^{-(2p - g - 1)}` and
  :math:`r_{2p} > r_p / 10` (a difference above the rounding level of ``2p`` that did not
  shrink when the precision doubled: a true identity's residue shrinks by about ``10**-p``);
* **unstable** when neither, and :math:`\varepsilon_p > 10^{-p/2}`: fewer than half the digits
  were achieved, too few to call the sides equal;
* **agree** otherwise, to within :math:`\max(r_{2p}, 10^{-(2p-g)})`.

So ``1/(1 - exp(-m))`` and ``1`` differ at ``m = 50`` (:math:`r = 1.9\cdot10^{-22}`, against
:math:`\varepsilon_{40} \approx 10^{-37}`) and at ``m = 100`` (:math:`r_{80} = 3.7\cdot10^{-44}`
while :math:`r_{40} = 0`), where a fixed tolerance of ``1e-20`` called them equal. A
difference below :math:`10^{-2p}` relatively is beyond this check; the report says so by
giving the agreement achieved.

Orderings (``lhs <= rhs``) use the signed margin :math:`(b - a)/S` with the same error
estimate: **violated** when the margin is below :math:`-10\,\varepsilon_p` at both precisions,
**holds** when above :math:`+\varepsilon_p`, **tight** in between (equal to within the
precision: fine for ``<=``, undecided for ``<``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

import mpmath
import sympy as sp

__all__ = [
    "GUARD_DIGITS",
    "NotEvaluable",
    "PairValues",
    "PointJudgement",
    "evaluate",
    "evaluate_pair",
    "judge_equal",
    "judge_order",
    "format_number",
]

GUARD_DIGITS: Final = 3
"""Digits of slack for the last roundings: each side to ``p`` digits, then their difference."""


class NotEvaluable(Exception):
    """An expression has no finite numeric value at a point (or ``evalf`` failed there)."""


def _inputs(point: Mapping[sp.Symbol, sp.Rational], dps: int) -> dict[sp.Symbol, sp.Expr]:
    out: dict[sp.Symbol, sp.Expr] = {}
    for s, v in point.items():
        # integers stay exact; other values are rounded to the working precision (plus a few
        # digits) so that no exact Rational**Rational is ever built
        out[s] = v if isinstance(v, sp.Integer) else sp.Float(v, dps + GUARD_DIGITS)
    return out


def _parts(value: sp.Basic, prec_bits: int) -> tuple[mpmath.mpc, mpmath.mpf]:
    if not isinstance(value, sp.Expr) or value.free_symbols or not value.is_number:
        raise NotEvaluable("not a number")
    if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo, sp.AccumBounds):
        raise NotEvaluable("not finite")
    re, im = value.as_real_imag()
    with mpmath.workprec(prec_bits):
        parts = []
        uncertainty = mpmath.mpf(0)
        for part in (re, im):
            if isinstance(part, sp.Float):
                x = mpmath.mpf(part._mpf_)
                # evalf marks a result it could not make accurate by a short mantissa: "0.e+6"
                # is any number up to about 10**6 in size, "0.e-172" is zero to within 10**-172
                uncertainty += abs(x) * mpmath.mpf(2) ** (1 - part._prec)
                parts.append(x)
            elif isinstance(part, sp.Rational):
                parts.append(mpmath.mpf(part.p) / part.q)
            else:
                raise NotEvaluable(f"evaluates to {type(part).__name__}, not a number")
        z = mpmath.mpc(parts[0], parts[1])
        if not (mpmath.isfinite(z.real) and mpmath.isfinite(z.imag)):
            raise NotEvaluable("not finite")
        return z, uncertainty


def evaluate(expr: sp.Expr, point: Mapping[sp.Symbol, sp.Rational], dps: int) -> mpmath.mpc:
    """``expr`` at ``point`` to ``dps`` digits as an mpmath complex; :class:`NotEvaluable` if not finite."""
    return evaluate_with_error(expr, point, dps)[0]


def evaluate_with_error(
    expr: sp.Expr, point: Mapping[sp.Symbol, sp.Rational], dps: int
) -> tuple[mpmath.mpc, mpmath.mpf]:
    """``expr`` at ``point`` and the absolute uncertainty ``evalf`` itself reports for it."""
    try:
        value = expr.evalf(dps, subs=_inputs(point, dps), maxn=max(100, 4 * dps))
        return _parts(value, int(4 * dps * 3.33) + 64)
    except NotEvaluable:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure (overflow, recursion, ...): no value here
        raise NotEvaluable(f"{type(exc).__name__}: {str(exc)[:80]}") from None


@dataclass(frozen=True)
class PairValues:
    """Both sides at one point, at ``dps`` and ``2 * dps`` digits."""

    a_p: mpmath.mpc
    b_p: mpmath.mpc
    a_2p: mpmath.mpc
    b_2p: mpmath.mpc
    dps: int
    u_p: mpmath.mpf = mpmath.mpf(0)
    """Absolute uncertainty ``evalf`` reports for the two sides at ``dps`` digits (summed)."""
    u_2p: mpmath.mpf = mpmath.mpf(0)
    ua_2p: mpmath.mpf = mpmath.mpf(0)
    """The uncertainty of ``a_2p`` alone (``ub_2p``: of ``b_2p``), for showing values."""
    ub_2p: mpmath.mpf = mpmath.mpf(0)


def evaluate_pair(
    lhs: sp.Expr, rhs: sp.Expr, point: Mapping[sp.Symbol, sp.Rational], dps: int
) -> PairValues:
    """Evaluate both sides at ``dps`` and ``2 * dps`` digits (:class:`NotEvaluable` if either fails)."""
    (a_p, ua), (b_p, ub) = evaluate_with_error(lhs, point, dps), evaluate_with_error(rhs, point, dps)
    (a_2p, ua2), (b_2p, ub2) = (
        evaluate_with_error(lhs, point, 2 * dps),
        evaluate_with_error(rhs, point, 2 * dps),
    )
    return PairValues(a_p, b_p, a_2p, b_2p, dps, ua + ub, ua2 + ub2, ua2, ub2)


Kind = Literal["agree", "differ", "unstable", "holds", "violated", "tight", "not real"]


@dataclass(frozen=True)
class PointJudgement:
    """The verdict at one point: ``kind``, the relative difference or margin, the error achieved."""

    kind: Kind
    value: mpmath.mpf
    """Relative difference :math:`r_{2p}` (equalities) or signed margin (orderings)."""
    achieved: mpmath.mpf
    """Estimated relative evaluation error at ``p`` digits, :math:`\\varepsilon_p`."""


def _scale_and_error(v: PairValues) -> tuple[mpmath.mpf, mpmath.mpf]:
    scale = max(abs(v.a_2p), abs(v.b_2p))
    floor = mpmath.mpf(10) ** (-(v.dps - GUARD_DIGITS))
    if scale == 0:
        return scale, floor + v.u_p + v.u_2p
    err = (abs(v.a_p - v.a_2p) + abs(v.b_p - v.b_2p) + v.u_p + v.u_2p) / scale
    return scale, err + floor


def judge_equal(v: PairValues) -> PointJudgement:
    """``lhs == rhs`` at this point: ``agree``, ``differ`` or ``unstable`` (module docstring)."""
    with mpmath.workprec(int(4 * v.dps * 3.33) + 64):
        scale, eps = _scale_and_error(v)
        if scale == 0:
            same = v.a_p == v.b_p
            return PointJudgement("agree" if same else "differ", mpmath.mpf(0), eps)
        r_p = abs(v.a_p - v.b_p) / scale
        r_2p = abs(v.a_2p - v.b_2p) / scale
        rounding_2p = mpmath.mpf(10) ** (-(2 * v.dps - GUARD_DIGITS - 1)) + 10 * v.u_2p / scale
        if r_2p > 10 * eps or (r_2p > rounding_2p and r_2p > r_p / 10):
            return PointJudgement("differ", r_2p, eps)
        if eps > mpmath.mpf(10) ** (-v.dps / 2):
            return PointJudgement("unstable", r_2p, eps)
        return PointJudgement("agree", r_2p, eps)


def judge_order(v: PairValues, *, strict: bool) -> PointJudgement:
    """``lhs <= rhs`` (``strict``: ``<``) at this point: ``holds``, ``violated``, ``tight``, ``unstable``."""
    with mpmath.workprec(int(4 * v.dps * 3.33) + 64):
        scale, eps = _scale_and_error(v)
        values = (v.a_p, v.b_p, v.a_2p, v.b_2p)
        s = scale if scale != 0 else mpmath.mpf(1)
        if any(abs(z.imag) > eps * s for z in values):
            return PointJudgement("not real", mpmath.mpf(0), eps)
        m_p = (v.b_p.real - v.a_p.real) / s
        m_2p = (v.b_2p.real - v.a_2p.real) / s
        if m_2p < -10 * eps and m_p < -eps:
            return PointJudgement("violated", m_2p, eps)
        if eps > mpmath.mpf(10) ** (-v.dps / 2):
            return PointJudgement("unstable", m_2p, eps)
        if m_2p > eps:
            return PointJudgement("holds", m_2p, eps)
        return PointJudgement("tight", m_2p, eps)


def format_number(x: mpmath.mpf | mpmath.mpc | float, digits: int = 6) -> str:
    """A short decimal for reports (any magnitude: ``1.3e+6532`` is fine)."""
    if isinstance(x, mpmath.mpc) and x.imag == 0:
        x = x.real
    return mpmath.nstr(x, digits)
