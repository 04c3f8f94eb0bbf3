r"""``polyverify sweep``: the training sweeps behind Figs 3, 4 and 5 of paper 1, resumable.

::

    polyverify sweep --fig 3|4|5 [--widths M ...] [--seeds N] [--out DIR] [--workers K]
                     [--scheduler tcp://host:port] [--device auto|cpu|cuda] [--n N] [--steps K]
                     [--setup flow|published] [--no-batch]

Each figure is a list of :class:`numerics.autoencoder.TrainConfig` (:func:`figure_configs`), one
per point of the figure with all its seeds batched; :func:`numerics.sweep.run_sweep` runs them on
local processes (``--workers``) or on a Dask cluster (``--scheduler``). Every finished run is
published atomically under ``DIR/<key>`` (key = hash of the full config), so re-running the same
command resumes: finished runs are skipped, nothing finished is lost. A progress bar counts runs;
each finished run prints one summary line (mean ± standard error over seeds).

The figures (paper 1):

* **Fig 3** (§2.5): ``n = 256``, ``m = 256, 512, …, 4096``; proximal GD on the l1 loss
  (``lam = 0.05``, i.e. the paper's ``λ = lam/4 = 0.0125 <= 1/sqrt(4096)``; step
  :func:`numerics.autoencoder.stable_lr` ``= 0.2/(1 + sqrt(n/m))^2``, 0.05 at m = n to 0.128 at
  m = 16 n; at most 20,000 steps, each seed stopping once every weight moves slower than ``1e-4``
  per unit of flow time). These are the runs of the ``training.fig3_polysemantic`` and
  ``assignment.*_fig3`` claims (same configs, hence same keys: a sweep's folder can serve them);
  summary: the published window-rule count of polysemantic neurons against :math:`n^2/(4m)`.
  ``--setup published`` trains Fig 3 as the published code does instead (:data:`PUBLISHED_FIG3`:
  AdamW, lr 1e-3, weight decay 0.01, ``l1 = 1e-3``, 7,500 steps; this library's AdamW equals
  ``torch.optim.AdamW``, a test checks it), for the ``training.fig3_published_setup`` claim.
* **Fig 4** (App. D): ``n = 8``, ``m = 16``, plain GD ``lr = 0.02``, 100,000 steps, bipolar and
  normal noise at ``σ ∈ {0.07, 0.1, 0.15}`` (the published settings); summary: the final mean
  :math:`\|W_i\|_4^4` against ``3/m`` (the paper's line) and ``3/(m+2)`` (its exact value for
  rotation-invariant training, see ``training.rotation_invariant_fourth_norm``).
* **Fig 5** (App. D): the same model; (a) l1 without noise at :data:`FIG5_LAMS`, (b) bipolar noise
  at :data:`FIG5_SIGMAS` (the paper prints no grid; these bracket its range).

Default seeds: 16 for Fig 3 (the paper's instances), 5 for Figs 4/5 (the published code's 5
instances). Runs that differ only in λ, σ, lr or seeds (a Fig 4 or Fig 5 grid) train as one
batched tensor per task (:func:`numerics.autoencoder.train_batch`), each still published and
resumed on its own; ``--no-batch`` makes one task per run. ``--n``/``--steps`` override the size and the step count (for trial runs).
Noise is drawn per input (the paper's text) unless ``--noise-sharing`` says otherwise.

Bad input (an unknown figure, widths that are not integers ``>= n``, a scheduler that cannot be
reached, ``--device cuda`` without CUDA) raises ``ValueError`` with one line, which the CLI turns
into exit status 2. Exit status 1 when some run failed after its retries (listed on stderr).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from polyverify.numerics.autoencoder import TrainConfig, TrainResult, resolve_device, stable_lr
from polyverify.numerics.metrics import count_polysemantic
from polyverify.numerics.sweep import config_key, run_sweep
from polyverify.theory.validation import require_int

__all__ = [
    "add_parser",
    "run",
    "figure_configs",
    "summarize",
    "FIG3_WIDTHS",
    "PUBLISHED_FIG3",
    "FIG45_SIGMAS",
    "FIG5_LAMS",
    "FIG5_SIGMAS",
]

FIG3_WIDTHS: tuple[int, ...] = tuple(range(256, 4097, 256))
"""The 16 widths of Fig 3 (published code: m = 256 … 4096 in steps of 256)."""
FIG45_SIGMAS: tuple[float, ...] = (0.07, 0.1, 0.15)
"""σ of the published Fig-4 runs."""
FIG5_LAMS: tuple[float, ...] = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3)
"""l1 coefficients of Fig 5a (this library's grid; the paper prints none)."""
FIG5_SIGMAS: tuple[float, ...] = (0.01, 0.03, 0.05, 0.07, 0.1, 0.15, 0.2, 0.3)
"""σ of Fig 5b (this library's grid; the paper prints none)."""

PUBLISHED_FIG3: dict[str, object] = {"optimizer": "adamw", "lr": 1e-3, "weight_decay": 0.01, "lam": 1e-3, "steps": 7500}
"""The published code's Fig 3 training (Appendix; its AdamW keeps torch's default weight decay 0.01)."""

_DEFAULT_SEEDS = {3: 16, 4: 5, 5: 5}
_DEFAULT_N = {3: 256, 4: 8, 5: 8}
_DEFAULT_WIDTHS = {3: FIG3_WIDTHS, 4: (16,), 5: (16,)}
_DEFAULT_STEPS = {3: 20_000, 4: 100_000, 5: 100_000}
_SHARING = ("per_input", "shared", "shared_per_seed")


def add_parser(subparsers: Any) -> None:
    """Add the ``sweep`` subcommand to an ``argparse`` subparsers action."""
    p = subparsers.add_parser("sweep", help="run the training sweep of Fig 3, 4 or 5 (resumable)",
                              description="Run the training sweep behind Fig 3, 4 or 5 of paper 1; re-running resumes.")
    p.add_argument("--fig", required=True, metavar="3|4|5", help="which figure's sweep")
    p.add_argument("--widths", nargs="+", metavar="M", help="widths m (default: the figure's)")
    p.add_argument("--seeds", metavar="N", help="seeds per point (default 16 for Fig 3, 5 for Figs 4/5)")
    p.add_argument("--out", metavar="DIR", help="result folder (default polyverify-sweeps/figN)")
    p.add_argument("--workers", default="2", metavar="K", help="local worker processes (default 2)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address, e.g. tcp://host:8786")
    p.add_argument("--scheduler-timeout", default="10", metavar="SECONDS", help="connection timeout (default 10)")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto", help="torch device (default auto)")
    p.add_argument("--n", metavar="N", help="features n (default: the figure's; for trial runs)")
    p.add_argument("--steps", metavar="K", help="training steps (default: the figure's; for trial runs)")
    p.add_argument("--setup", choices=("flow", "published"), default="flow",
                   help="Fig 3 only: gradient flow by proximal steps (default) or the published AdamW training")
    p.add_argument("--noise-sharing", choices=_SHARING, default="per_input",
                   help="noise per input (the paper's text, default) or shared (the published code)")
    p.add_argument("--retries", default="1", metavar="R", help="retries of a failed run (default 1)")
    p.add_argument("--no-batch", dest="batch", action="store_false",
                   help="one task per run (default: runs differing only in λ, σ, lr or seeds train as one batch)")
    p.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")


def _int_arg(name: str, value: Any, default: int, minimum: int) -> int:
    if value is None:
        return default
    try:
        v = int(str(value).strip())
    except ValueError:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}") from None
    return require_int(name, v, minimum=minimum)


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
    widths: Sequence[int] | None = None,
    seeds: int | None = None,
    n: int | None = None,
    steps: int | None = None,
    device: str = "auto",
    noise_sharing: str = "per_input",
    first_seed: int = 0,
    setup: str = "flow",
) -> list[TrainConfig]:
    """The runs of one figure's sweep (see the module docstring), one config per figure point,
    with seeds ``first_seed, first_seed + 1, …``.

    >>> [c.m for c in figure_configs(3, widths=[8, 16], n=8, seeds=2, steps=10)]
    [8, 16]
    >>> len(figure_configs(4, seeds=1, steps=10))  # 2 laws x 3 sigmas
    6
    """
    fig = _int_arg("fig", fig, 0, 0)
    if fig not in _DEFAULT_SEEDS:
        raise ValueError(f"fig must be 3, 4 or 5; got {fig}")
    n = _int_arg("n", n, _DEFAULT_N[fig], 1)
    S = _int_arg("seeds", seeds, _DEFAULT_SEEDS[fig], 1)
    K = _int_arg("steps", steps, _DEFAULT_STEPS[fig], 1)
    ws = _widths(widths, _DEFAULT_WIDTHS[fig] if n == _DEFAULT_N[fig] else (2 * n,), n)
    first = _int_arg("first_seed", first_seed, 0, 0)
    seed_tuple = tuple(range(first, first + S))
    common: dict[str, Any] = dict(n=n, seeds=seed_tuple, steps=K, device=device, noise_sharing=noise_sharing)
    if setup not in ("flow", "published"):
        raise ValueError(f"setup must be 'flow' or 'published'; got {setup!r}")
    if setup == "published" and fig != 3:
        raise ValueError(f"setup='published' is defined for fig 3 only; got fig {fig}")
    if fig == 3 and setup == "published":
        if steps is None:
            common["steps"] = PUBLISHED_FIG3["steps"]
        published = {k: v for k, v in PUBLISHED_FIG3.items() if k != "steps"}
        return [TrainConfig(m=m, record_every=250, **published, **common) for m in ws]
    if fig == 3:
        return [TrainConfig(m=m, lam=0.05, lr=stable_lr(n, m), optimizer="prox", tol=1e-4, record_every=50, **common)
                for m in ws]
    noisy = dict(optimizer="gd", lr=0.02, record_every=max(1, K // 200), **common)
    if fig == 4:
        return [TrainConfig(m=m, noise=law, sigma=s, **noisy) for m in ws for law in ("bipolar", "normal") for s in FIG45_SIGMAS]
    return [TrainConfig(m=m, lam=lam, **noisy) for m in ws for lam in FIG5_LAMS] + [
        TrainConfig(m=m, noise="bipolar", sigma=s, **noisy) for m in ws for s in FIG5_SIGMAS
    ]


def _mean_se(x: np.ndarray) -> str:
    x = np.asarray(x, dtype=float)
    se = float(x.std(ddof=1) / math.sqrt(x.size)) if x.size > 1 else float("nan")
    return f"{x.mean():.4g} ± {se:.2g}"


def summarize(result: TrainResult, fig: int) -> str:
    """One line for a finished run: the figure's statistic, mean ± standard error over seeds."""
    c = result.config
    n, m, S = c["n"], c["m"], len(c["seeds"])
    head = f"fig{fig} n={n} m={m}"
    if fig == 3:
        counts = count_polysemantic(result.W, "window")
        body = f"polysemantic {_mean_se(counts)} (n²/(4m) = {n * n / (4 * m):.4g})"
    else:
        if c["noise"] != "none":
            head += f" {c['noise']} σ={c['sigma']:g}"
        if c["lam"]:
            head += f" λ={c['lam']:g}"
        body = (f"final mean ‖W_i‖₄⁴ {_mean_se(result.fourth_norm[:, -1])} "
                f"(3/m = {3 / m:.4g}, 3/(m+2) = {3 / (m + 2):.4g})")
    return f"{head} seeds={S} steps={result.steps_run}: {body} [{result.seconds:.1f} s]"


def _write_manifest(out: Path, fig: int, configs: Sequence[TrainConfig]) -> None:
    """``manifest.json``: the figure and every run's key and config; written atomically."""
    doc = {"fig": fig, "runs": [{"key": config_key(c), "config": c.to_dict()} for c in configs]}
    tmp = out / f".manifest-{os.getpid()}-{uuid.uuid4().hex[:8]}.json"
    tmp.write_text(json.dumps(doc, indent=1, sort_keys=True))
    os.replace(tmp, out / "manifest.json")


def run(args: argparse.Namespace) -> int:
    """Run the sweep of ``args.fig``; 0 if every run finished, 1 if some failed; ``ValueError`` on bad input."""
    get = lambda name, default=None: getattr(args, name, default)  # noqa: E731 - tolerant of partial Namespaces
    fig = _int_arg("fig", get("fig"), 0, 0)
    if fig not in _DEFAULT_SEEDS:
        raise ValueError(f"fig must be 3, 4 or 5; got {get('fig')!r}")
    device = get("device", "auto") or "auto"
    scheduler = get("scheduler")
    if scheduler is None:  # with a scheduler the workers' devices matter, not this machine's
        resolve_device(device)
    sharing = get("noise_sharing", "per_input") or "per_input"
    if sharing not in _SHARING:
        raise ValueError(f"noise_sharing must be one of {_SHARING}; got {sharing!r}")
    configs = figure_configs(fig, widths=get("widths"), seeds=get("seeds"), n=get("n"), steps=get("steps"),
                             device=device, noise_sharing=sharing, setup=get("setup", "flow") or "flow")
    workers = _int_arg("workers", get("workers"), 2, 1)
    retries = _int_arg("retries", get("retries"), 1, 0)
    try:
        timeout = float(get("scheduler_timeout", 10) or 10)
    except ValueError:
        raise ValueError(f"scheduler_timeout must be a positive number of seconds; got {get('scheduler_timeout')!r}") from None
    out = Path(get("out") or f"polyverify-sweeps/fig{fig}")
    out.mkdir(parents=True, exist_ok=True)
    _write_manifest(out, fig, configs)
    progress = bool(get("progress", True))

    def emit(line: str) -> None:
        if progress:
            from tqdm.auto import tqdm

            tqdm.write(line)
        else:
            print(line, flush=True)

    def on_done(key: str, config: TrainConfig) -> None:
        emit(summarize(TrainResult.load(out / key), fig))

    outcome = run_sweep(configs, out, workers=workers, scheduler=scheduler, scheduler_timeout=timeout,
                        retries=retries, progress=progress, on_done=on_done, batch_params=bool(get("batch", True)))
    print(f"fig {fig}: {len(configs)} runs, {len(outcome.ran)} ran now, {len(outcome.done_before)} already done, "
          f"{len(outcome.failed)} failed; results in {out}", flush=True)
    for key, why in outcome.failed.items():
        print(f"failed run {key}: {why}", file=sys.stderr)
    return 1 if outcome.failed else 0
