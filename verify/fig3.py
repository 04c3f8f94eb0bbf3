r"""The training runs behind Fig 3 of paper 1, shared by every claim that reads them.

Fig 3 (§2.5) plots polysemantic neurons against the width ``m`` at ``n = 256``, 16 widths
``m = 256, 512, …, 4096`` and 16 seeds each. Two claim modules test those counts:
``training.fig3_polysemantic`` (against the paper's :math:`n^2/(4m)` and the exact
initialisation-only expectation) and ``assignment.trained_counts_fig3`` /
``assignment.trained_stay_fig3`` (against the displacement theory). They read *the same runs*:
the configs are :func:`verify.sweep_cmd.figure_configs` for figure 3 (so
``polyverify sweep --fig 3`` makes the same runs, under the same keys), trained by
:func:`numerics.sweep.run_sweep` on ``ctx.workers`` local processes and published run by run
under ``ctx.runs_dir`` — an interrupted suite resumes without retraining a finished width.

Seeds: ``first_seed = (run seed mod 10⁴)·10⁶ + 5·10⁴`` (salt 5, the training claims' Fig 3
salt), so a different ``--seed`` gives new networks and the same seed the same ones.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from polyverify.numerics.autoencoder import TrainConfig, TrainResult
from polyverify.numerics.sweep import config_key, run_sweep
from polyverify.theory.assignment import expected_polysemantic_trained
from polyverify.theory.collisions import expected_polysemantic

from .claim import Context
from .report import log_width_axis
from .sweep_cmd import FIG3_WIDTHS, figure_configs

__all__ = ["FIG3_N", "FIG3_SEEDS", "FIG3_WIDTHS", "FIG3_SALT", "fig3_first_seed", "fig3_configs", "fig3_runs",
           "draw_count_forms"]

FIG3_N = 256
"""Features of Fig 3."""
FIG3_SEEDS = 16
"""Seeds per width (the paper's 16 instances)."""
FIG3_SALT = 5
"""Salt of the Fig 3 seeds (see the module docstring)."""

_RESULTS: dict[tuple[str, str], TrainResult] = {}
_TMP: list[Path] = []


def fig3_first_seed(ctx: Context) -> int:
    """First seed of the Fig 3 runs of a verification run."""
    return (ctx.seed % 10_000) * 1_000_000 + FIG3_SALT * 10_000


def fig3_configs(ctx: Context, *, widths: Sequence[int] = FIG3_WIDTHS, seeds: int = FIG3_SEEDS, n: int = FIG3_N,
                 setup: str = "flow") -> list[TrainConfig]:
    """One config per width, all seeds batched (device as the run's). ``setup``: ``"flow"`` (proximal
    GD, the default) or ``"published"`` (the published AdamW training); both setups use the same
    seeds, hence the same initial weights."""
    return figure_configs(3, widths=list(widths), seeds=seeds, n=n, device=ctx.device, first_seed=fig3_first_seed(ctx),
                          setup=setup)


def _runs_dir(ctx: Context) -> Path:
    if ctx.runs_dir is not None:
        return Path(ctx.runs_dir)
    if not _TMP:  # one private folder for the process, removed at exit
        _TMP.append(Path(tempfile.mkdtemp(prefix="polyverify-runs-")))
        atexit.register(shutil.rmtree, _TMP[0], True)
    return _TMP[0]


def fig3_runs(ctx: Context, *, widths: Sequence[int] = FIG3_WIDTHS, seeds: int = FIG3_SEEDS, n: int = FIG3_N,
              setup: str = "flow") -> dict[int, TrainResult]:
    """The trained Fig 3 runs by width: trained now (in parallel) unless already published.

    Raises ``RuntimeError`` naming the runs that failed after their retry.
    """
    configs = fig3_configs(ctx, widths=widths, seeds=seeds, n=n, setup=setup)
    out = _runs_dir(ctx)
    missing = [c for c in configs if (str(out), config_key(c)) not in _RESULTS]
    if missing:
        outcome = run_sweep(missing, out, workers=ctx.workers, progress=False)
        if outcome.failed:
            raise RuntimeError("Fig 3 runs failed: " + "; ".join(f"{k}: {why}" for k, why in outcome.failed.items()))
        for c in missing:
            _RESULTS[(str(out), config_key(c))] = outcome.load(c)
    return {c.m: _RESULTS[(str(out), config_key(c))] for c in configs}


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
