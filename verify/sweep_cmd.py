r"""``polyverify sweep``: the training sweeps behind Figs 3, 4, 5 and 7 of paper 1, resumable.

::

    polyverify sweep --fig 3|4|5|7 [--seed S] [--suite quick|full] [--out DIR] [--workers K]
                     [--scheduler tcp://host:port] [--device auto|cpu|cuda]
                     [--widths M ...] [--seeds N] [--n N] [--steps K] [--setup flow|published] [--no-batch]

The runs are those of :mod:`polyverify.experiments` (:func:`~polyverify.experiments.figure_configs`),
the module where every figure's training is defined once: with the same ``--seed`` and
``--suite`` they are the very runs that ``polyverify run --seed S --quick|--full`` reads, under the
same keys, and the default ``--out`` is the default report's ``runs/`` folder, so a sweep (on a
Dask cluster, say) trains what the suite then finds done. ``--widths``, ``--seeds``, ``--n`` and
``--steps`` override a figure's settings for trial runs (other keys, which the suite does not read).

:func:`polyverify.numerics.sweep.run_sweep` runs them on local processes (``--workers``) or on a
Dask cluster (``--scheduler``). Every finished run is published atomically under ``DIR/<key>``
(key = hash of the full config), so re-running the same command resumes: finished runs are
skipped, nothing finished is lost. A progress bar counts runs; each finished run prints one
summary line (mean ± standard error over seeds); ``DIR/manifest-figN.json`` lists the figure's
keys and configs.

Runs that differ only in λ, σ, lr or seeds (the Figs 4/5/7 grid) train as one batched tensor per
task (:func:`polyverify.numerics.autoencoder.train_batch`), each still published and resumed on
its own; ``--no-batch`` makes one task per run. Noise is drawn per input (the paper's text) unless
``--noise-sharing`` says otherwise. ``--setup published`` trains Fig 3 as the published code does
(:data:`~polyverify.experiments.PUBLISHED_FIG3`).

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
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # torch, numpy and the experiments load only when a sweep runs (`--help` stays fast)
    import numpy as np

    from polyverify.numerics.autoencoder import TrainConfig, TrainResult

FIGURES: tuple[int, ...] = (3, 4, 5, 7)
"""The figures with a sweep (:data:`polyverify.experiments.FIGURES`; a test checks they agree)."""

__all__ = ["add_parser", "run", "summarize", "DEFAULT_OUT"]

DEFAULT_OUT = "polyverify-report/runs"
"""The default report folder's runs (``polyverify run``'s default ``--report``)."""
_SHARING = ("per_input", "shared", "shared_per_seed")


def add_parser(subparsers: Any) -> None:
    """Add the ``sweep`` subcommand to an ``argparse`` subparsers action."""
    p = subparsers.add_parser("sweep", help="run the training sweep of Fig 3, 4, 5 or 7 (resumable)",
                              description="Run the training sweep behind Fig 3, 4, 5 or 7 of paper 1 (the suite's runs, "
                                          "same keys); re-running resumes.")
    p.add_argument("--fig", required=True, metavar="3|4|5|7", help="which figure's sweep")
    p.add_argument("--seed", default="0", metavar="S", help="the run seed, as polyverify run --seed (default 0)")
    p.add_argument("--suite", choices=("quick", "full"), default="full",
                   help="train the runs of this suite (default full: the published step counts)")
    p.add_argument("--widths", nargs="+", metavar="M", help="widths m (default: the figure's)")
    p.add_argument("--seeds", metavar="N", help="seeds per point (default: the suite's)")
    p.add_argument("--out", metavar="DIR", help=f"result folder (default {DEFAULT_OUT}, read by polyverify run)")
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
    if v < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {v}")
    return v


def _mean_se(x: np.ndarray) -> str:
    import numpy as np

    x = np.asarray(x, dtype=float)
    se = float(x.std(ddof=1) / math.sqrt(x.size)) if x.size > 1 else float("nan")
    return f"{x.mean():.4g} ± {se:.2g}"


def summarize(result: TrainResult, fig: int) -> str:
    """One line for a finished run: the figure's statistic, mean ± standard error over seeds."""
    c = result.config
    n, m, S = c["n"], c["m"], len(c["seeds"])
    head = f"fig{fig} n={n} m={m}"
    if fig == 3:
        from polyverify.numerics.metrics import count_polysemantic

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
    """``manifest-figN.json``: the figure and every run's key and config; written atomically."""
    from polyverify.numerics.sweep import config_key

    doc = {"fig": fig, "runs": [{"key": config_key(c), "config": c.to_dict()} for c in configs]}
    tmp = out / f".manifest-{os.getpid()}-{uuid.uuid4().hex[:8]}.json"
    tmp.write_text(json.dumps(doc, indent=1, sort_keys=True))
    os.replace(tmp, out / f"manifest-fig{fig}.json")


def run(args: argparse.Namespace) -> int:
    """Run the sweep of ``args.fig``; 0 if every run finished, 1 if some failed; ``ValueError`` on bad input."""
    from polyverify.numerics.autoencoder import TrainResult, resolve_device
    from polyverify.numerics.sweep import run_sweep

    from .experiments import figure_configs

    get = lambda name, default=None: getattr(args, name, default)  # noqa: E731 - tolerant of partial Namespaces
    fig = _int_arg("fig", get("fig"), 0, 0)
    if fig not in FIGURES:
        raise ValueError(f"fig must be one of {', '.join(map(str, FIGURES))}; got {get('fig')!r}")
    device = get("device", "auto") or "auto"
    scheduler = get("scheduler")
    if scheduler is None:  # with a scheduler the workers' devices matter, not this machine's
        resolve_device(device)
    sharing = get("noise_sharing", "per_input") or "per_input"
    if sharing not in _SHARING:
        raise ValueError(f"noise_sharing must be one of {_SHARING}; got {sharing!r}")
    seed = _int_arg("seed", get("seed"), 0, 0)
    configs = figure_configs(fig, seed=seed, suite=get("suite", "full") or "full", widths=get("widths"),
                             seeds=get("seeds"), n=get("n"), steps=get("steps"), device=device,
                             noise_sharing=sharing, setup=get("setup", "flow") or "flow")
    workers = _int_arg("workers", get("workers"), 2, 1)
    retries = _int_arg("retries", get("retries"), 1, 0)
    try:
        timeout = float(get("scheduler_timeout", 10) or 10)
    except ValueError:
        raise ValueError(f"scheduler_timeout must be a positive number of seconds; got {get('scheduler_timeout')!r}") from None
    out = Path(get("out") or DEFAULT_OUT)
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
