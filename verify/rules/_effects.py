r"""Qualitative statements on replicated (per-seed) effects, judged one form at a time.

A training claim often states directions and "no effect"s: *q rises with σ under bipolar noise;
Gaussian noise leaves it where it is*. Each such statement is an :class:`Effect`, a per-seed sample
(a paired difference, or a value minus its reference) with the direction the form states. A form
is a list of effects, and :func:`judge_effects` turns it into that form's own
:class:`~polyverify.claim.FormOutcome`, so the printed sentence and the derived statement are
tested separately even where they share measurements.

With the Student-t interval :math:`[\ell, u]` at level :math:`1-\delta` (seeds are few) and the
claim's margin :math:`r` (:func:`polyverify.claim.margin_for`):

* a stated direction :math:`s = \pm 1` *holds* when the interval excludes 0 on side :math:`s`, is
  *rejected* when it excludes 0 on the other side, and is undecided otherwise; its resolution is
  :math:`(h + z_{0.9}\,\mathrm{se})/\text{scale}`;
* a stated "no effect" (:math:`s = 0`) is a TOST equivalence test
  (:func:`polyverify.stats.equivalence_test`) against :math:`\pm r\cdot\text{scale}`: it *holds*
  when the mean is shown inside the band, is *rejected* when the interval lies wholly outside it;

where *scale* is the largest measured effect among the stated directions of the claim (the effect
the "no effect" is contrasted with), or the effect's own ``scale`` (a value against its reference:
the reference). A form holds when every effect holds
(``conclusive``) and is rejected when any effect is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..claim import FormOutcome
from ..stats import equivalence_test, interval_resolution, t_interval

__all__ = ["Effect", "effect_scale", "judge_effects", "judge_forms"]


@dataclass(frozen=True)
class Effect:
    """One stated direction (+1, −1) or no effect (0) of a per-seed ``sample``.

    ``saturated``: the statement cannot apply (e.g. a fourth norm already at 1 cannot rise); it is
    reported and counts as holding.
    """

    label: str
    sample: np.ndarray
    want: int
    saturated: bool = False
    scale: float | None = None
    """The effect's own scale, for a value against its reference (``q - 3/(m+2)``: the reference
    itself, so "no effect" means within the margin of the value); default the claim's scale."""


def effect_scale(effects: Iterable[Effect]) -> float:
    """The largest |mean| among the effects with a stated direction (1.0 when there is none)."""
    moving = [abs(float(np.mean(e.sample))) for e in effects if e.want != 0 and not e.saturated]
    return max(moving, default=0.0) or 1.0


def judge_effects(
    effects: Sequence[Effect], *, delta: float, margin: float, scale: float, what: str = ""
) -> tuple[FormOutcome, list[dict[str, Any]]]:
    """The outcome of one form stating ``effects``, and one row per effect (see the module docstring).

    >>> rng = np.random.default_rng(0)
    >>> up = Effect("up", rng.normal(1.0, 0.1, 32), +1)
    >>> flat = Effect("flat", rng.normal(0.0, 0.01, 32), 0)
    >>> out, rows = judge_effects([up, flat], delta=1e-3, margin=0.05, scale=effect_scale([up, flat]))
    >>> out.passed, out.conclusive, [r["status"] for r in rows]
    (True, True, ['holds', 'holds'])
    """
    rows, parts, statuses, worst = [], [], [], 0.0
    for e in effects:
        sc = e.scale if e.scale is not None else scale
        bound = margin * sc
        x = np.asarray(e.sample, dtype=float).ravel()
        iv = t_interval(x, delta=delta)
        se = float(x.std(ddof=1) / np.sqrt(x.size))
        if e.saturated:
            st, res = "holds", 0.0
        elif e.want != 0:
            seen = 1 if iv.lo > 0 else (-1 if iv.hi < 0 else 0)
            st = "holds" if seen == e.want else ("rejected" if seen == -e.want else "undecided")
            res = interval_resolution(iv.halfwidth, se, 1.0) / sc
        else:
            eq = equivalence_test(x, bound=bound, delta=delta)
            st = "holds" if eq.equivalent else ("rejected" if eq.different else "undecided")
            res = eq.resolution / sc
        worst = max(worst, res)
        statuses.append(st)
        stated = "no effect" if e.want == 0 else f"{e.want:+d}"
        rows.append(dict(effect=e.label, stated=stated, mean=iv.mean, ci_lo=iv.lo, ci_hi=iv.hi, seeds=int(x.size),
                         saturated=e.saturated, status=st))
        band = f", band ±{bound:.3g}" if e.want == 0 else ""
        parts.append(f"{e.label}: stated {stated}, mean {iv.mean:+.4g} [{iv.lo:+.4g}, {iv.hi:+.4g}]{band} → {st}"
                     + (" (saturated)" if e.saturated else ""))
    head = f"{what}: " if what else ""
    return (FormOutcome("rejected" not in statuses, head + "; ".join(parts), resolution=worst,
                        conclusive=all(s == "holds" for s in statuses)), rows)


def judge_forms(
    derived: Sequence[Effect], printed: Sequence[Effect], *, delta: float, margin: float
) -> tuple[FormOutcome, FormOutcome, list[dict[str, Any]], float]:
    """Both forms' outcomes on one common scale (:func:`effect_scale` over both), their rows
    tagged ``form``, and that scale."""
    scale = effect_scale([*derived, *printed])
    d_out, d_rows = judge_effects(derived, delta=delta, margin=margin, scale=scale, what="derived")
    p_out, p_rows = judge_effects(printed, delta=delta, margin=margin, scale=scale, what="printed")
    rows = [dict(form="derived", **r) for r in d_rows] + [dict(form="printed", **r) for r in p_rows]
    return d_out, p_out, rows, scale
