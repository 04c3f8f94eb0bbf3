r"""The training experiments of paper 1, defined once: Figs 3, 4, 5 and 7.

Every claim that reads trained networks of these figures, and ``polyverify sweep --fig N``, take
their configurations from :func:`figure_configs` and train them through the resumable sweep
(:func:`polyverify.numerics.sweep.run_sweep`): each run is published atomically under
``runs_dir/<key>`` (key = :func:`~polyverify.numerics.sweep.config_key` of the full config), so

* an interrupted ``polyverify run`` resumes without retraining a finished run (``runs_dir`` is the
  report folder's ``runs/``);
* ``polyverify sweep --fig N --seed S --suite quick|full --out REPORT/runs`` trains exactly the
  runs that ``polyverify run --seed S --quick|--full --report REPORT`` reads, under the same keys
  (a test checks it), so a sweep on a cluster can feed the suite.

The experiments (paper 1):

* **Fig 3** (§2.5): ``n = 256``, the 16 widths ``m = 256, 512, …, 4096``, 16 seeds each (the
  paper's instances); proximal GD on the l1 loss (``lam = 0.05``, i.e. the paper's
  ``λ = lam/4 = 0.0125 <= 1/sqrt(4096)``; step :func:`~polyverify.numerics.autoencoder.stable_lr`;
  at most 20,000 steps, each seed stopping once every weight moves slower than ``1e-4`` per unit
  of flow time). ``setup="published"`` trains it as the published code does
  (:data:`PUBLISHED_FIG3`: AdamW, lr 1e-3, weight decay 0.01, ``l1 = 1e-3``, 7,500 steps) on the
  same seeds, hence the same initial weights.
* **Figs 4, 5, 7** (App. D): one model, ``n = 8``, ``m = 16``, plain GD at the published
  ``lr = 0.02``, noise per input; :data:`F45_STEPS` steps and :data:`F45_SEEDS` seeds (the full
  suite runs the published 100,000 steps). Every point uses the same seeds, hence the same
  initial weights and noise streams, so the claims compare points pairwise. Fig 4: bipolar and
  normal noise at :data:`F45_SIGMAS` and the noise-free run; Fig 5: no noise at
  :data:`FIG5_LAMS` (a) and both noise laws at :data:`F45_SIGMAS` (b); Fig 7: bipolar noise at
  σ = 0.15. The union, :data:`F45_GRID`, trains as one batched tensor per noise law
  (:func:`~polyverify.numerics.autoencoder.train_batch`): at this size a step costs little more
  than its kernel launches.

Besides the figures, two smaller experiments of the training claims are defined here too:
:func:`l1_config` (prox GD on the l1 loss at small sizes, §2.3–§2.5) and :func:`noise_config`
(plain GD under a noise law, §3.1): the claims read them through :func:`l1_runs` and
:func:`noise_runs`, published and resumed the same way.

Seeds: a figure's first seed is :func:`first_seed` of the run seed and the figure's salt
(:data:`FIG3_SALT`, :data:`F45_SALT`), so another ``--seed`` gives new networks and the same seed
the same ones, whatever the number of workers.
"""

from __future__ import annotations

import atexit
import concurrent.futures as cf
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from polyverify.numerics.autoencoder import TrainConfig, TrainResult, stable_lr
from polyverify.numerics.sweep import config_key, run_sweep
from polyverify.theory.validation import require_int

from .claim import Budget, Context, Mode

__all__ = [
    "FIGURES",
    "FIG3_N",
    "FIG3_SEEDS",
    "FIG3_STEPS",
    "FIG3_WIDTHS",
    "FIG3_SALT",
    "PUBLISHED_FIG3",
    "F45_N",
    "F45_M",
    "F45_LR",
    "F45_STEPS",
    "F45_SEEDS",
    "F45_SALT",
    "F45_SIGMAS",
    "F5_LAMS_UP",
    "F5_LAMS_DOWN",
    "FIG5_LAMS",
    "F45_GRID",
    "FIGURE_POINTS",
    "first_seed",
    "figure_configs",
    "f45_config",
    "trained",
    "runs_dir",
    "fig3_runs",
    "f45_runs",
    "L1_LAM",
    "L1_LR",
    "L1_STEPS",
    "L1_TOL",
    "NOISE_LR",
    "l1_config",
    "noise_config",
    "l1_runs",
    "noise_runs",
]

FIGURES: tuple[int, ...] = (3, 4, 5, 7)
"""The figures of paper 1 whose training runs are defined here."""

FIG3_N = 256
"""Features of Fig 3."""
FIG3_SEEDS = 16
"""Seeds per width (the paper's 16 instances)."""
FIG3_STEPS = 20_000
"""Step cap of the Fig 3 flow runs (each seed stops earlier, at convergence)."""
FIG3_WIDTHS: tuple[int, ...] = tuple(range(256, 4097, 256))
"""The 16 widths of Fig 3 (published code: m = 256 … 4096 in steps of 256)."""
FIG3_SALT = 5
"""Salt of the Fig 3 seeds."""
PUBLISHED_FIG3: dict[str, object] = {"optimizer": "adamw", "lr": 1e-3, "weight_decay": 0.01, "lam": 1e-3, "steps": 7500}
"""The published code's Fig 3 training (Appendix; its AdamW keeps torch's default weight decay 0.01)."""

F45_N, F45_M, F45_LR = 8, 16, 0.02
"""The model of Figs 4, 5 and 7 (App. D) and the published plain-GD step."""
F45_STEPS = Budget(quick=10_000, full=100_000)
"""GD steps of Figs 4/5/7: the published 100,000 in the full suite."""
F45_SEEDS = Budget(quick=32, full=64)
"""Seeds of every Figs 4/5/7 point (the published code has 5 instances; 32/64 resolve the claims' margins)."""
F45_SALT = 6
"""One salt for Figs 4, 5 and 7: their runs are shared (paired seeds)."""
F45_SIGMAS: tuple[float, ...] = (0.07, 0.1, 0.15)
"""σ of the published Fig 4 runs (also Fig 5b's points)."""
F5_LAMS_UP: tuple[float, ...] = (0.0, 0.003, 0.01)
"""l1 coefficients over which the direction's fourth norm must rise (Fig 5a, small λ)."""
F5_LAMS_DOWN: tuple[float, ...] = (0.03, 0.1, 0.3)
"""l1 coefficients over which the raw ‖W_i‖₄⁴ must fall as the rows shrink (Fig 5a, large λ)."""
FIG5_LAMS: tuple[float, ...] = F5_LAMS_UP + F5_LAMS_DOWN
"""Fig 5a's l1 grid (the paper prints none; this brackets its range)."""

L1_LAM = 0.1
"""l1 coefficient of the small-size runs: λ_paper = 0.025 <= 1/sqrt(m) for m <= 1600 (§2.1)."""
L1_LR = 0.1
"""Step of the small l1 runs. Near init the top Hessian eigenvalue of the reconstruction loss is
about 8(1 + sqrt(n/m))^2 (Marchenko–Pastur edge of W W^T), up to 32 at m = n, halved roughly by
the ReLU on the interference; 0.1 is stable at n = 16 for all widths tried (0.15 diverges at n = m = 256)."""
L1_STEPS = 6000
"""Step cap of the small l1 runs (each seed stops at convergence, :data:`L1_TOL`)."""
L1_TOL = 1e-4
"""Stop when every weight moves slower than 1e-4 per unit of ODE time."""
NOISE_LR = 0.05
"""Plain-GD step of the noise-law runs (§3.1)."""

Point = tuple[str, float, float]
"""A Figs 4/5/7 point: (noise law, σ, λ)."""

FIGURE_POINTS: dict[int, tuple[Point, ...]] = {
    4: (("none", 0.0, 0.0),) + tuple((law, s, 0.0) for law in ("bipolar", "normal") for s in F45_SIGMAS),
    5: tuple(("none", 0.0, lam) for lam in FIG5_LAMS) + tuple((law, s, 0.0) for law in ("bipolar", "normal") for s in F45_SIGMAS),
    7: (("bipolar", 0.15, 0.0),),
}
"""The points of each noise figure."""

F45_GRID: tuple[Point, ...] = tuple(dict.fromkeys(p for f in (4, 5, 7) for p in FIGURE_POINTS[f]))
"""Every point of Figs 4, 5 and 7: trained together on first use."""

def first_seed(run_seed: int, salt: int) -> int:
    """First seed of an experiment's batch: a function of the run seed and the experiment's salt.

    >>> first_seed(3, FIG3_SALT)
    3050000
    """
    return (require_int("seed", run_seed, minimum=0) % 10_000) * 1_000_000 + require_int("salt", salt, minimum=0) * 10_000


def f45_config(point: Point, *, steps: int, seeds: int, first: int, device: str = "cpu",
               noise_sharing: str = "per_input", n: int = F45_N, m: int = F45_M) -> TrainConfig:
    """The Figs 4/5/7 run at ``point = (law, σ, λ)``: plain GD at :data:`F45_LR`, 50 records."""
    law, sigma, lam = point
    return TrainConfig(n=n, m=m, lam=lam, noise=law, sigma=sigma if law != "none" else 0.0, lr=F45_LR,
                       optimizer="gd", steps=steps, seeds=tuple(range(first, first + seeds)),
                       record_every=max(1, steps // 50), device=device, noise_sharing=noise_sharing)


def l1_config(n: int, m: int, *, seeds: int, first: int) -> TrainConfig:
    """Prox GD on the l1 loss at a small size (:data:`L1_LAM`, :data:`L1_LR`, to convergence)."""
    return TrainConfig(n=n, m=m, lam=L1_LAM, lr=L1_LR, optimizer="prox", steps=L1_STEPS, tol=L1_TOL,
                       seeds=tuple(range(first, first + seeds)), record_every=50, device="cpu")


def noise_config(n: int, m: int, law: str, sigma: float, *, steps: int, seeds: int, first: int) -> TrainConfig:
    """Plain GD at :data:`NOISE_LR` under hidden-layer noise ``law`` of scale ``sigma`` (none: σ = 0)."""
    return TrainConfig(n=n, m=m, noise=law, sigma=sigma if law != "none" else 0.0, lr=NOISE_LR, optimizer="gd",
                       steps=steps, seeds=tuple(range(first, first + seeds)), record_every=max(1, steps // 20),
                       device="cpu")


def _opt_int(name: str, value: Any, default: int, minimum: int) -> int:
    if value is None:
        return default
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}") from None
    return require_int(name, value, minimum=minimum)


def _widths(value: Any, default: Sequence[int], n: int) -> tuple[int, ...]:
    if value is None:
        return tuple(default)
    items = [value] if isinstance(value, (str, int)) else list(value)
    out: list[int] = []
    for item in items:
        for part in str(item).replace(",", " ").split():
            try:
                w = int(part)
            except ValueError:
                raise ValueError(f"widths must be integers m >= n = {n}; got {part!r}") from None
            if w < n:
                raise ValueError(f"widths must be integers m >= n = {n} (paper 1, §2.1); got {w}")
            out.append(w)
    if not out:
        raise ValueError("widths must hold at least one width")
    if len(set(out)) != len(out):
        raise ValueError(f"widths must be distinct; got {out}")
    return tuple(out)


def figure_configs(
    fig: int,
    *,
    seed: int = 0,
    suite: Mode = "full",
    widths: Sequence[int] | None = None,
    seeds: int | None = None,
    n: int | None = None,
    steps: int | None = None,
    device: str = "auto",
    noise_sharing: str = "per_input",
    setup: Literal["flow", "published"] = "flow",
) -> list[TrainConfig]:
    """The runs of figure ``fig`` (3, 4, 5 or 7) for run seed ``seed`` in suite ``suite``: the very
    configs the claims of that suite train (same keys), unless ``widths``/``seeds``/``n``/``steps``
    override them (trial runs). One config per figure point, all its seeds batched.

    >>> [c.m for c in figure_configs(3, widths=[8, 16], n=8, seeds=2, steps=10)]
    [8, 16]
    >>> len(figure_configs(4, seeds=1, steps=10))  # no noise + 2 laws x 3 sigmas
    7
    >>> figure_configs(7, suite="quick")[0].seeds[:2]
    (60000, 60001)
    """
    fig = _opt_int("fig", fig, 0, 0)
    if fig not in FIGURES:
        raise ValueError(f"fig must be one of {', '.join(map(str, FIGURES))}; got {fig}")
    if suite not in ("quick", "full"):
        raise ValueError(f"suite must be 'quick' or 'full'; got {suite!r}")
    if setup not in ("flow", "published"):
        raise ValueError(f"setup must be 'flow' or 'published'; got {setup!r}")
    if setup == "published" and fig != 3:
        raise ValueError(f"setup='published' is defined for fig 3 only; got fig {fig}")
    if fig == 3:
        n_ = _opt_int("n", n, FIG3_N, 1)
        S = _opt_int("seeds", seeds, FIG3_SEEDS, 1)  # the same in both suites
        ws = _widths(widths, FIG3_WIDTHS if n_ == FIG3_N else (2 * n_,), n_)
        first = first_seed(seed, FIG3_SALT)
        common: dict[str, Any] = dict(n=n_, seeds=tuple(range(first, first + S)), device=device, noise_sharing=noise_sharing)
        if setup == "published":
            published = {k: v for k, v in PUBLISHED_FIG3.items() if k != "steps"}
            K = _opt_int("steps", steps, int(PUBLISHED_FIG3["steps"]), 1)  # type: ignore[arg-type]
            return [TrainConfig(m=m, steps=K, record_every=250, **published, **common) for m in ws]
        K = _opt_int("steps", steps, FIG3_STEPS, 1)
        return [TrainConfig(m=m, lam=0.05, lr=stable_lr(n_, m), optimizer="prox", tol=1e-4, steps=K, record_every=50,
                            **common) for m in ws]
    n_ = _opt_int("n", n, F45_N, 1)
    S = _opt_int("seeds", seeds, F45_SEEDS(suite), 1)
    K = _opt_int("steps", steps, F45_STEPS(suite), 1)
    ws = _widths(widths, (F45_M,) if n_ == F45_N else (2 * n_,), n_)
    first = first_seed(seed, F45_SALT)
    return [f45_config(p, steps=K, seeds=S, first=first, device=device, noise_sharing=noise_sharing, n=n_, m=m)
            for m in ws for p in FIGURE_POINTS[fig]]


# ------------------------------------------------------------------------------------------
# training through the resumable sweep

_RESULTS: dict[tuple[str, str], TrainResult] = {}
_TMP: list[Path] = []


class _InlineExecutor(cf.Executor):
    """Runs each task at submission, in this process: for work too small to pay a process pool's
    start-up (importing torch in a fresh interpreter costs seconds)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future:
        fut: cf.Future = cf.Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - handed to the sweep, which reports and retries it
            fut.set_exception(exc)
        return fut


def runs_dir(ctx: Context) -> Path:
    """Where ``ctx``'s runs are published: ``ctx.runs_dir``, else one private folder for the
    process, removed at exit."""
    if ctx.runs_dir is not None:
        return Path(ctx.runs_dir)
    if not _TMP:
        _TMP.append(Path(tempfile.mkdtemp(prefix="polyverify-runs-")))
        atexit.register(shutil.rmtree, _TMP[0], True)
    return _TMP[0]


def trained(ctx: Context, configs: Sequence[TrainConfig], *, what: str, parallel: bool,
            batch: bool = True) -> list[TrainResult]:
    """The results of ``configs`` in order: read from ``runs_dir(ctx)`` where published, the rest
    trained now through :func:`~polyverify.numerics.sweep.run_sweep` and published run by run
    (with ``batch``, configs that differ only in batchable values train as one batch, equal to
    training them alone up to summation order). ``parallel``: on ``ctx.workers`` local processes
    (worth it for runs of many seconds: measured on 2 cores, the quick Figs 4/5/7 grid takes 16 s
    in this process and 39 s on a 2-process pool, whose workers each import torch); else here.

    Raises ``RuntimeError`` naming ``what`` and the runs that failed after their retry.
    """
    out = runs_dir(ctx)
    keyed = [(config_key(c), c) for c in configs]
    missing = list({k: c for k, c in keyed if (str(out), k) not in _RESULTS}.values())
    if missing:
        executor = None if parallel and ctx.workers > 1 and len(missing) > 1 else _InlineExecutor()
        outcome = run_sweep(missing, out, executor=executor, workers=ctx.workers, progress=False, batch_params=batch)
        if outcome.failed:
            raise RuntimeError(f"{what} runs failed: " + "; ".join(f"{k}: {why}" for k, why in outcome.failed.items()))
        for c in missing:
            _RESULTS[(str(out), config_key(c))] = outcome.load(c)
    return [_RESULTS[(str(out), k)] for k, _ in keyed]


def fig3_runs(ctx: Context, *, widths: Sequence[int] = FIG3_WIDTHS, seeds: int = FIG3_SEEDS, n: int = FIG3_N,
              setup: Literal["flow", "published"] = "flow") -> dict[int, TrainResult]:
    """The trained Fig 3 runs by width, on ``ctx.workers`` processes unless already published."""
    configs = figure_configs(3, seed=ctx.seed, suite=ctx.mode, widths=list(widths), seeds=seeds, n=n,
                             device=ctx.device, setup=setup)
    return {c.m: r for c, r in zip(configs, trained(ctx, configs, what="Fig 3", parallel=True))}


def f45_runs(ctx: Context, point: Point, *, steps: int, seeds: int, salt: int = F45_SALT) -> TrainResult:
    """The Figs 4/5/7 run at ``point = (law, σ, λ)``; the first call trains all of :data:`F45_GRID`
    (plus ``point``) for these ``steps``/``seeds``, so every claim of the three figures reads
    runs on the same seeds. CPU: at n = 8, m = 16 a GPU only adds launch latency."""
    first = first_seed(ctx.seed, salt)
    points = list(dict.fromkeys([*F45_GRID, point]))
    configs = [f45_config(p, steps=steps, seeds=seeds, first=first) for p in points]
    return trained(ctx, configs, what="Figs 4/5/7", parallel=False)[points.index(point)]


def l1_runs(ctx: Context, n: int, m: int, seeds: int, salt: int) -> TrainResult:
    """The :func:`l1_config` runs of one width, seeds from :func:`first_seed` of ``ctx.seed`` and ``salt``."""
    cfg = l1_config(n, m, seeds=seeds, first=first_seed(ctx.seed, salt))
    return trained(ctx, [cfg], what="l1", parallel=False)[0]


def noise_runs(ctx: Context, n: int, m: int, points: Sequence[tuple[str, float]], *, steps: int, seeds: int,
               salt: int) -> list[TrainResult]:
    """The :func:`noise_config` runs at each ``(law, σ)`` of ``points`` on the same seeds (paired),
    each trained alone (as these claims always have: their numbers do not move by a summation order)."""
    first = first_seed(ctx.seed, salt)
    configs = [noise_config(n, m, law, sigma, steps=steps, seeds=seeds, first=first) for law, sigma in points]
    return trained(ctx, configs, what="noise-law", parallel=False, batch=False)
