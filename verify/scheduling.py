"""Claims in parallel: which claims run together, in what order, on which processes.

The runner hands the claims it must compute (not those it reuses) to :func:`run_claims`. With
``workers == 1`` they run here, one after the other. Otherwise they run on ``workers`` local
processes:

* **groups** — claims that read the same training runs (a rule's ``shared_runs`` names them,
  e.g. the Figs 4/5/7 grid) form one task, run one after the other in one process, so that the
  runs train once and the others read them (:func:`claim_groups`);
* **largest first** — tasks start in decreasing order of their expected time: the seconds their
  claims took when last stored in the report folder (any key), else first the groups that train
  (:func:`expected_seconds`), so that the longest task does not start last;
* **processes** — ``fork`` where the platform has it and torch is not loaded here (a forked
  child then inherits the loaded claims, including claims defined in a user's script; OpenMP is
  not fork-safe once torch has run), else ``spawn``, which can only rebuild registered claims
  (a run with unregistered claims then stays in this process).

With ``scheduler="tcp://host:port"`` the groups run as tasks on a Dask cluster instead (the
report folder must be on a file system the workers share; a claim travels by id and is rebuilt on
the worker from the installed package, so only registered claims can go: a user's claim holds
Hypothesis strategies and lambdas that do not pickle, and is refused with a ``ValueError``). The
training sweeps a claim starts then run inside that claim's task on its worker (one process:
Dask workers are daemonic and cannot start a pool of their own).

Each claim's result is computed and written (atomically, as in one process) by the process that
ran it; the caller puts the records back in claim order. Every claim's numbers depend only on
the seed, the claim and the settings (seeds come from names, training runs from their config
keys), so the verdicts and numbers are the same whatever ``workers`` is; a test checks it.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .claim import Claim

__all__ = ["claim_groups", "expected_seconds", "run_claims", "default_workers", "previous_seconds"]

Compute = Callable[[Claim], dict[str, Any]]
"""Runs one claim and returns its stored record (written to the report folder if there is one)."""

_CHOSEN: list[Claim] = []  # the claims of the current parallel run, inherited by forked workers
_COMPUTE: list[Compute] = []


def default_workers() -> int:
    """The cores this process may use (its CPU affinity where the platform tells it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def claim_groups(claims: Sequence[Claim]) -> list[list[Claim]]:
    """The claims in groups that share training runs (``rule.shared_runs``), each group in claim
    order; a claim that shares nothing is a group of its own. Groups appear in the order of their
    first claim."""
    groups: dict[Any, list[Claim]] = {}
    for c in claims:
        key = getattr(c.rule, "shared_runs", None) or ("claim", c.id)
        groups.setdefault(key, []).append(c)
    return list(groups.values())


def expected_seconds(group: Sequence[Claim], previous: dict[str, float]) -> tuple[float, int]:
    """Sort key (larger first) of a group: the seconds its claims took when last stored, and
    whether it trains shared runs (1) or not (0) where nothing is stored."""
    known = [previous[c.id] for c in group if c.id in previous]
    trains = int(getattr(group[0].rule, "shared_runs", None) is not None)
    return (sum(known), trains)


def _context() -> multiprocessing.context.BaseContext:
    if sys.platform.startswith("linux") and type(sys.modules.get("torch")).__name__ != "module":
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _forked_task(indices: Sequence[int]) -> list[tuple[int, dict[str, Any]]]:
    return [(i, _COMPUTE[0](_CHOSEN[i])) for i in indices]


def _spawned_task(ids: Sequence[str], indices: Sequence[int], compute: Compute) -> list[tuple[int, dict[str, Any]]]:
    from .registry import get_claim

    return [(i, compute(get_claim(cid))) for cid, i in zip(ids, indices)]


def run_claims(claims: Sequence[Claim], compute: Compute, *, workers: int, previous: dict[str, float],
               on_done: Callable[[Claim], None] | None = None, scheduler: str | None = None,
               scheduler_timeout: float = 10.0) -> list[dict[str, Any]]:
    """The records of ``claims`` in their order, computed by ``compute`` on ``workers`` processes
    (see the module docstring). ``compute`` must be a module-level function or a
    ``functools.partial`` of one (it travels to spawned workers); ``on_done(claim)`` is called
    here as each claim's record arrives."""
    claims = list(claims)
    records: list[dict[str, Any] | None] = [None] * len(claims)
    groups = claim_groups(claims)
    mp = _context()
    from .registry import is_registered

    registered = {id(c) for c in claims if is_registered(c)}
    if scheduler is not None:
        return _run_on_dask(claims, groups, compute, registered, previous, on_done, scheduler, scheduler_timeout)
    if workers <= 1 or len(groups) <= 1 or (mp.get_start_method() != "fork" and any(id(c) not in registered for c in claims)):
        for i, c in enumerate(claims):
            records[i] = compute(c)
            if on_done is not None:
                on_done(c)
        return records  # type: ignore[return-value]
    index = {id(c): i for i, c in enumerate(claims)}
    order = sorted(groups, key=lambda g: expected_seconds(g, previous), reverse=True)
    _CHOSEN[:] = claims
    _COMPUTE[:] = [compute]
    try:
        with cf.ProcessPoolExecutor(max_workers=min(workers, len(groups)), mp_context=mp) as pool:
            futures = []
            for g in order:
                idx = [index[id(c)] for c in g]
                if mp.get_start_method() == "fork":
                    futures.append(pool.submit(_forked_task, idx))
                else:
                    futures.append(pool.submit(_spawned_task, [c.id for c in g], idx, compute))
            _collect(futures, records, claims, on_done)
    finally:
        _CHOSEN.clear()
        _COMPUTE.clear()
    return records  # type: ignore[return-value]


def _collect(futures: Sequence[cf.Future], records: list[dict[str, Any] | None], claims: Sequence[Claim],
             on_done: Callable[[Claim], None] | None) -> None:
    """Put each finished task's records at their claims' places, as the tasks finish."""
    for fut in cf.as_completed(futures):
        for i, record in fut.result():
            records[i] = record
            if on_done is not None:
                on_done(claims[i])


def _run_on_dask(claims: list[Claim], groups: list[list[Claim]], compute: Compute, registered: set[int],
                 previous: dict[str, float], on_done: Callable[[Claim], None] | None, scheduler: str,
                 timeout: float) -> list[dict[str, Any]]:
    from polyverify.numerics.sweep import dask_executor

    stray = [c.id for c in claims if id(c) not in registered]
    if stray:
        raise ValueError(f"claims to run on a Dask cluster must be registered (rebuilt by id on the workers); "
                         f"not registered: {', '.join(stray[:3])}{' …' if len(stray) > 3 else ''}")
    records: list[dict[str, Any] | None] = [None] * len(claims)
    index = {id(c): i for i, c in enumerate(claims)}
    executor, client = dask_executor(scheduler, timeout)
    try:
        futures = []
        for g in sorted(groups, key=lambda g: expected_seconds(g, previous), reverse=True):
            futures.append(executor.submit(_spawned_task, [c.id for c in g], [index[id(c)] for c in g], compute))
        _collect(futures, records, claims, on_done)
    finally:
        client.close()
    return records  # type: ignore[return-value]


def previous_seconds(out: Path | None, claims: Sequence[Claim], read: Callable[[Path, str], Any]) -> dict[str, float]:
    """Seconds each claim took when last stored under ``out`` (whatever its key), for ordering."""
    if out is None:
        return {}
    seen: dict[str, float] = {}
    for c in claims:
        record, _ = read(out, c.id)
        if record is not None and isinstance(record.get("seconds"), (int, float)):
            seen[c.id] = float(record["seconds"])
    return seen
