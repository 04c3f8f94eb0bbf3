"""Sweeps of training runs: one interface over a ``concurrent.futures.Executor``.

Each run is a :class:`numerics.autoencoder.TrainConfig`; its result is stored under
``out_dir/<key>`` where ``key`` (:func:`config_key`) is a hash of the full configuration (so
two configs that differ in any field never share a result). A worker writes into a private
temporary directory and publishes it with one ``os.replace`` — a reader sees a complete result
or none. Re-running an interrupted sweep skips every key already present and redoes only
the rest; a run that fails (an exception, or its worker process dying) is retried ``retries``
times and then reported in :attr:`SweepOutcome.failed` without affecting the others.

Executors: local processes by default (``ProcessPoolExecutor``, spawn context, torch limited to
one thread per worker); any ``Executor`` may be passed instead; with ``scheduler="tcp://host:port"``
the runs go to a Dask distributed cluster (``distributed`` must be installed; an unreachable
scheduler is a ``ValueError``). As with any spawn-based pool, a script that calls
:func:`run_sweep` with the default executor must guard its entry point with
``if __name__ == "__main__":`` (otherwise every worker fails to start; the sweep then reports each
run in ``failed`` instead of hanging).
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import math
import multiprocessing
import os
import shutil
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from polyverify.theory.validation import require_int

from .autoencoder import TRAINING_REVISION, TrainConfig, TrainResult, batch_signature, train, train_batch

__all__ = ["config_key", "run_one", "run_group", "run_sweep", "SweepOutcome", "load_result", "dask_executor"]

_DONE_MARK = "result.json"


def config_key(config: TrainConfig) -> str:
    """A stable 20-hex-digit key of the full configuration and of
    :data:`numerics.autoencoder.TRAINING_REVISION` (device, threads and compact excluded: results agree
    across devices up to floating point, and a sweep may move between them)."""
    if not isinstance(config, TrainConfig):
        raise ValueError(f"config must be a TrainConfig; got {type(config).__name__}")
    d = config.to_dict()
    d.pop("device", None)
    d.pop("threads", None)
    d.pop("compact", None)
    d["training_revision"] = TRAINING_REVISION
    text = json.dumps(d, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _finished(path: Path) -> bool:
    return (path / _DONE_MARK).is_file() and (path / "arrays.npz").is_file()


def _publish(result: TrainResult, out_dir: str, key: str) -> None:
    """Write ``result`` into a private temporary folder and publish it as ``out_dir/key`` with one
    ``os.replace`` (a reader sees a complete result or none)."""
    final = Path(out_dir) / key
    tmp = Path(out_dir) / f".tmp-{key}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    result.save(tmp)
    try:
        os.replace(tmp, final)  # atomic on POSIX; fails if another worker published first
    except OSError:
        if not _finished(final):
            raise
        shutil.rmtree(tmp, ignore_errors=True)


def run_one(config: TrainConfig, out_dir: str) -> str:
    """Train ``config`` and publish its result atomically under ``out_dir/<key>``; return the key."""
    import torch

    torch.set_num_threads(1)
    key = config_key(config)
    if not _finished(Path(out_dir) / key):
        _publish(train(config), out_dir, key)
    return key


def run_group(configs: list[TrainConfig], out_dir: str) -> list[str]:
    """Train the unfinished ``configs`` (equal :func:`numerics.autoencoder.batch_signature`) as one
    :func:`numerics.autoencoder.train_batch` and publish each result atomically; return the keys."""
    import torch

    torch.set_num_threads(1)
    keys = [config_key(c) for c in configs]
    todo = [(k, c) for k, c in zip(keys, configs) if not _finished(Path(out_dir) / k)]
    if todo:
        for (k, _), result in zip(todo, train_batch([c for _, c in todo])):
            _publish(result, out_dir, k)
    return keys


def load_result(out_dir: str | os.PathLike[str], config: TrainConfig) -> TrainResult:
    """The stored result of ``config`` (``FileNotFoundError`` if it has not run)."""
    path = Path(out_dir) / config_key(config)
    if not _finished(path):
        raise FileNotFoundError(f"no finished result for this config under {path}")
    return TrainResult.load(path)


@dataclass(kw_only=True)
class SweepOutcome:
    """Where each config's result lives, which were already done, and which failed (with why)."""

    out_dir: Path
    keys: dict[str, TrainConfig]
    done_before: list[str] = field(default_factory=list)
    ran: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    def load(self, config: TrainConfig) -> TrainResult:
        return load_result(self.out_dir, config)

    def results(self) -> dict[str, TrainResult]:
        """Every finished result by key."""
        return {k: TrainResult.load(self.out_dir / k) for k in self.keys if _finished(self.out_dir / k)}


def _worker_init() -> None:
    import torch

    torch.set_num_threads(1)


def dask_executor(scheduler: str, timeout: float) -> tuple[cf.Executor, object]:
    """A ``concurrent.futures`` executor on the Dask cluster at ``scheduler`` and its client (close
    it when done); ``ValueError`` with one line if ``distributed`` is missing or the scheduler
    cannot be reached within ``timeout`` seconds. Tasks get fresh keys (``pure=False``)."""
    try:
        from distributed import Client  # type: ignore[import-not-found]
    except ImportError as exc:
        raise ValueError(
            f"scheduler={scheduler!r} needs dask.distributed, which is not installed (pip install distributed)"
        ) from exc
    try:
        client = Client(scheduler, timeout=timeout)
    except Exception as exc:  # noqa: BLE001 - any connection failure is reported the same way
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise ValueError(f"cannot reach the Dask scheduler at {scheduler!r} within {timeout:g} s: {detail}") from exc
    # pure=False: a retried run gets a fresh task key (with Dask's default pure=True the retry would
    # share the failed task's key and return its stored error instead of running again)
    return client.get_executor(pure=False), client


def run_sweep(
    configs: Iterable[TrainConfig],
    out_dir: str | os.PathLike[str],
    *,
    executor: cf.Executor | None = None,
    workers: int = 2,
    scheduler: str | None = None,
    scheduler_timeout: float = 10.0,
    retries: int = 1,
    progress: bool = True,
    on_done: Callable[[str, TrainConfig], None] | None = None,
    batch_params: bool = False,
) -> SweepOutcome:
    """Run every config not already finished under ``out_dir``; return a :class:`SweepOutcome`.

    ``executor`` (any ``concurrent.futures.Executor``) wins over ``scheduler`` (a Dask address,
    e.g. ``"tcp://10.0.0.5:8786"``; the connection must succeed within ``scheduler_timeout``
    seconds, else ``ValueError``), which wins over the default local process pool of ``workers``
    processes. ``on_done(key, config)`` is called in the calling process as each run is
    published (not for runs finished before the call). With ``batch_params``, pending configs
    that differ only in batchable values (λ, lr, σ, weight decay, seeds, tol; equal
    :func:`numerics.autoencoder.batch_signature`) form one task trained by ``train_batch``: one
    task per group, each result still published (and resumed) on its own; a failed task retries
    its whole group.
    """
    if scheduler is not None and (not isinstance(scheduler, str) or not scheduler.strip()):
        raise ValueError(f"scheduler must be a Dask scheduler address such as 'tcp://host:8786'; got {scheduler!r}")
    if not (isinstance(scheduler_timeout, (int, float)) and math.isfinite(scheduler_timeout) and scheduler_timeout > 0):
        raise ValueError(f"scheduler_timeout must be a positive number of seconds; got {scheduler_timeout!r}")
    cfgs = list(configs)
    for c in cfgs:
        if not isinstance(c, TrainConfig):
            raise ValueError(f"configs must hold TrainConfig objects; got {type(c).__name__}")
    workers = require_int("workers", workers, minimum=1)
    retries = require_int("retries", retries, minimum=0)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob(".tmp-*"):  # left by an interrupted worker; never a finished result
        shutil.rmtree(stale, ignore_errors=True)
    keys = {config_key(c): c for c in cfgs}
    outcome = SweepOutcome(out_dir=out, keys=keys)
    pending = []
    for k, c in keys.items():
        (outcome.done_before if _finished(out / k) else pending).append(k)
    if not pending:
        return outcome

    client = None
    if executor is None and scheduler is not None:
        executor, client = dask_executor(scheduler, scheduler_timeout)
    errors: dict[str, str] = {}
    attempts = 0
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(pending), desc="sweep", unit="run")
    try:
        while pending and attempts <= retries:
            attempts += 1
            ex = executor
            if ex is None:
                ex = cf.ProcessPoolExecutor(
                    max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_init
                )
            try:
                if batch_params:
                    groups: dict[str, list[str]] = {}
                    for k in pending:
                        groups.setdefault(batch_signature(keys[k]), []).append(k)
                    futures = {ex.submit(run_group, [keys[k] for k in g], str(out)): tuple(g) for g in groups.values()}
                else:
                    futures = {ex.submit(run_one, keys[k], str(out)): (k,) for k in pending}
                next_pending = []
                for fut in cf.as_completed(futures):
                    try:
                        fut.result()
                        failure = None
                    except Exception as exc:  # noqa: BLE001 - a failed run is reported, not fatal
                        failure = f"{type(exc).__name__}: {exc}"
                    for k in futures[fut]:
                        if failure is None or _finished(out / k):  # a run published before its worker died counts
                            outcome.ran.append(k)
                            errors.pop(k, None)
                            if bar is not None:
                                bar.update(1)
                            if on_done is not None:
                                on_done(k, keys[k])
                        else:
                            errors[k] = failure
                            next_pending.append(k)
                pending = next_pending
            finally:
                if executor is None:
                    ex.shutdown(wait=True, cancel_futures=True)
    finally:
        if bar is not None:
            bar.close()
        if client is not None:
            client.close()
    outcome.failed = {k: errors[k] for k in pending}
    return outcome

