r"""Models of where features end up, against trained networks, seed by seed.

A *model* here is a process on a network's initial weights (the displacement process, the same
process on shifted weights, ...); a form's numeric function takes ``W0`` (``seeds × n × m``) and
returns, per seed, the statistic the rule compares (:data:`STATISTICS`): the fraction of features
the model puts on their initial argmax neuron, the fraction of pairs it puts on one neuron, or the
number of polysemantic neurons (holding features of both signs). Each
trained network is compared with the model run on **its own** initial weights, so the seed-to-
seed spread of the initial weights cancels from the difference.

Per width the per-seed difference :math:`d_s = \mathrm{trained}_s - \mathrm{model}_s` is judged by
an equivalence test (:func:`polyverify.stats.equivalence_test`, TOST at the run's per-comparison
level) within :math:`\pm r\,|\overline{\mathrm{trained}}|`, ``r`` the claim's margin
(:func:`polyverify.claim.margin_for` over the two models' mean predictions, so that the test can
tell them apart). A form holds when the difference is equivalent to zero at every width, is
rejected when it is significantly outside the bound at some width, and is otherwise undecided;
its resolution is the worst over widths of the test's resolution over the trained mean.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from polyverify.numerics.autoencoder import initial_weights
from polyverify.numerics.metrics import winners

from ..claim import Claim, Context, Evidence, FormOutcome, Mode, margin_for
from ..experiments import trained
from ..report import log_width_axis
from ..stats import equivalence_test, t_interval
from ._catalogue import rule
from ._sampling import forms
from .trained import TrainSettings, _width_config

__all__ = ["STATISTICS", "PairedModel", "polysemantic_count", "share_fraction", "stay_fraction"]


def stay_fraction(final: np.ndarray, initial: np.ndarray, sign: np.ndarray | None = None) -> np.ndarray:
    """Per seed (rows of ``seeds × n`` neuron indices): the fraction of features whose final neuron is their initial one."""
    return (np.asarray(final) == np.asarray(initial)).mean(axis=-1).astype(float)


def share_fraction(final: np.ndarray, initial: np.ndarray | None = None, sign: np.ndarray | None = None) -> np.ndarray:
    """Per seed: the fraction of the n(n-1)/2 pairs of features whose final neurons coincide."""
    f = np.asarray(final)
    n_ = f.shape[-1]
    same = f[..., :, None] == f[..., None, :]
    iu = np.triu_indices(n_, 1)
    return same[..., iu[0], iu[1]].mean(axis=-1).astype(float)


def polysemantic_count(final: np.ndarray, initial: np.ndarray | None = None, sign: np.ndarray | None = None) -> np.ndarray:
    """Per seed: the number of neurons that hold a feature of each sign (``sign``: each feature's final sign, ±1).

    >>> polysemantic_count(np.array([[0, 0, 1, 1], [2, 2, 2, 0]]), sign=np.array([[1, -1, 1, 1], [1, 1, -1, -1]]))
    array([1., 1.])
    """
    f = np.asarray(final)
    if sign is None:
        raise ValueError("sign is required: a polysemantic neuron holds features of both signs")
    sg = np.asarray(sign)
    if sg.shape != f.shape:
        raise ValueError(f"sign must have the shape of final {f.shape}; got {sg.shape}")
    f2 = f.reshape(-1, f.shape[-1])
    seeds, width = f2.shape[0], int(f2.max()) + 1 if f2.size else 1
    cell = (np.arange(seeds)[:, None] * width + f2).ravel()
    positive = sg.reshape(-1) > 0
    has_pos = np.bincount(cell[positive], minlength=seeds * width) > 0
    has_neg = np.bincount(cell[~positive], minlength=seeds * width) > 0
    return (has_pos & has_neg).reshape(seeds, width).sum(axis=1).astype(float).reshape(f.shape[:-1])


STATISTICS: dict[str, Callable[..., np.ndarray]] = {
    "stay": stay_fraction, "share": share_fraction, "polysemantic": polysemantic_count,
}
_AXIS_LABELS = {
    "stay": "fraction of features on their initial argmax",
    "share": "fraction of pairs of features sharing their final neuron",
    "polysemantic": "polysemantic neurons (features of both signs)",
}


@rule
@dataclass(frozen=True, kw_only=True)
class PairedModel:
    """Each form a model of a statistic of the final assignment (``statistic``), judged seed by seed against training
    (plain GD + l1 with ``settings``) at each width of ``widths(mode)`` with ``seeds(mode)``
    seeds per width; see the module docstring."""

    widths: Callable[[Mode], Sequence[tuple[int, int]]]
    seeds: Callable[[Mode, int], int]
    """Seeds per width as a function of the mode and ``n`` (two-feature widths afford many more)."""
    settings: TrainSettings
    lr: Callable[[int, int], float] | None = None
    """The step per width ``lr(n, m)`` in place of ``settings.lr`` (e.g. ``numerics.autoencoder.stable_lr``:
    a fixed step above a width's stability bound diverges on some initial weights)."""
    statistic: str = "stay"
    """``"stay"``: per seed, the fraction of features on their initial argmax neuron; ``"share"``: the
    fraction of pairs of features that end on the same neuron (for ``n = 2``: whether the two share one);
    ``"polysemantic"``: the number of neurons holding features of both signs."""

    def __post_init__(self) -> None:
        if self.statistic not in STATISTICS:
            raise ValueError(f"statistic must be one of {sorted(STATISTICS)}; got {self.statistic!r}")

    @property
    def shared_runs(self) -> str:
        """Claims training with the same settings and step rule read the same runs: the runner puts
        them in one process, so each width trains once (the others read the stored runs)."""
        step = getattr(self.lr, "__qualname__", repr(self.lr))
        return f"paired gd+l1 {self.settings} lr={getattr(self.lr, '__module__', '')}.{step}"

    def form_parameters(self, claim: Claim) -> tuple[str, ...]:
        return ("W0",)

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
        return len(self.widths(mode)) * (1 + (claim.printed is not None))

    def run(self, claim: Claim, ctx: Context) -> Evidence:
        labels = [label for label, _ in forms(claim)]
        widths = list(self.widths(ctx.mode))
        measured = []
        for n_, m_ in widths:
            S = int(self.seeds(ctx.mode, n_))
            cfg = _width_config(n_, m_, range(S), self.settings, ctx.device)
            if self.lr is not None:
                cfg = cfg.replace(lr=float(self.lr(n_, m_)))
            res = trained(ctx, [cfg], what=f"GD + l1 for {claim.id}", parallel=False)[0]
            won = winners(res.W)
            won_sign = np.where(np.take_along_axis(np.asarray(res.W), won[..., None], axis=-1)[..., 0] >= 0, 1, -1)
            stay = STATISTICS[self.statistic](won, np.asarray(res.init_argmax), won_sign)
            W0 = initial_weights(res.train_config())
            preds = {label: np.asarray(form.numeric(W0=W0), dtype=float) for label, form in forms(claim)}
            measured.append((n_, m_, S, stay, preds))
        pairs = [(float(p["printed"].mean()), float(p["derived"].mean())) for *_, p in measured if "printed" in p]
        margin = margin_for(claim, ctx.mode, pairs)
        rows: list[dict[str, Any]] = []
        verdicts = {label: {"different": [], "undecided": [], "res": 0.0} for label in labels}
        for n_, m_, S, stay, preds in measured:
            mean = float(stay.mean())
            iv = t_interval(stay, delta=ctx.delta)
            row: dict[str, Any] = {"n": n_, "m": m_, "seeds": S, "trained": mean, "ci_lo": iv.lo, "ci_hi": iv.hi}
            for label in labels:
                d = stay - preds[label]
                bound = margin.value * abs(mean)
                if np.allclose(d, 0.0):  # the model reproduces every seed: no spread to test
                    eq_equiv, eq_diff, lo, hi, res_abs = True, False, 0.0, 0.0, 0.0
                else:
                    e = equivalence_test(d, bound=bound, delta=ctx.delta)
                    eq_equiv, eq_diff, lo, hi, res_abs = e.equivalent, e.different, e.lo, e.hi, e.resolution
                v = verdicts[label]
                v["res"] = max(v["res"], res_abs / abs(mean) if mean else float("inf"))
                if eq_diff:
                    v["different"].append(f"n={n_}, m={m_}: {label} {preds[label].mean():.4f} vs trained {mean:.4f} "
                                          f"(difference [{lo:+.4f}, {hi:+.4f}], bound ±{bound:.4f})")
                elif not eq_equiv:
                    v["undecided"].append(f"n={n_}, m={m_}")
                row[label] = float(preds[label].mean())
                row[f"{label}_diff_lo"], row[f"{label}_diff_hi"] = float(lo), float(hi)
                row[f"{label}_ok"] = bool(eq_equiv)
            row["bound"] = margin.value * abs(mean)
            rows.append(row)

        def outcome(label: str) -> FormOutcome:
            v = verdicts[label]
            if v["different"]:
                return FormOutcome(False, f"differs from training at {len(v['different'])} of {len(rows)} widths; e.g. "
                                   + v["different"][0], resolution=v["res"], conclusive=True)
            if v["undecided"]:
                return FormOutcome(True, f"undecided at {len(v['undecided'])} of {len(rows)} widths ({', '.join(v['undecided'])}): "
                                   "more seeds would decide", resolution=v["res"], conclusive=False)
            return FormOutcome(True, f"equivalent to training within ±{margin.value:.3g} of the trained mean at all "
                               f"{len(rows)} widths", resolution=v["res"], conclusive=True)

        def plot(ax) -> None:
            for n_ in sorted({r["n"] for r in rows}):
                sub = [r for r in rows if r["n"] == n_]
                ms = [r["m"] for r in sub]
                ax.errorbar(ms, [r["trained"] for r in sub],
                            yerr=[[r["trained"] - r["ci_lo"] for r in sub], [r["ci_hi"] - r["trained"] for r in sub]],
                            fmt="o-", capsize=3, label=f"trained, seed interval (n = {n_})")
                for label, mark, what in (("derived", "x--", "derived model"), ("printed", "s:", "printed mechanism")):
                    if label in labels:
                        ax.plot(ms, [r[label] for r in sub], mark, label=f"{what} (n = {n_})")
            log_width_axis(ax, sorted({r["m"] for r in rows}))
            ax.set_xlabel("m")
            ax.set_ylabel(_AXIS_LABELS[self.statistic])
            ax.set_title(claim.id)
            ax.legend(fontsize=6)

        return Evidence(
            derived=outcome("derived"),
            printed=outcome("printed") if claim.printed is not None else None,
            method=(f"trained plain GD + l1 (lam={self.settings.lam}, lr={'lr(n, m) per width' if self.lr else self.settings.lr}, "
                    f"<= {self.settings.steps} steps) "
                    f"against each model on the same initial weights; TOST of the per-seed difference at level "
                    f"{ctx.delta:.2e} within ±{margin.value:.3g} ({margin.reason}) of the trained mean"),
            columns=tuple(rows[0].keys()) if rows else (),
            rows=rows,
            margin=margin,
            plot=plot,
        )

