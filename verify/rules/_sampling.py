"""Drawing parameter points (Hypothesis, deterministic by seed) and helpers shared by the rules."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hyp_seed
from hypothesis import strategies as st

from ..claim import Claim

__all__ = ["Simulation", "draw_examples", "forms", "fmt_params"]

Simulation = Callable[..., np.ndarray]
"""``simulate(params, *, rng, trials, device) -> per-trial values`` (a 1-D array)."""


def draw_examples(
    strategy: st.SearchStrategy[Any], count: int, seed: int, pinned: Sequence[Any] = ()
) -> list[Any]:
    """``count`` parameter points drawn by Hypothesis, determined by ``seed``, after ``pinned``.

    Hypothesis runs in generate-only mode with no example database, so the same seed draws
    the same points on every machine.
    """
    drawn: list[Any] = []
    with _no_local_constants():
        _collect(strategy, count, seed, drawn)
    unique: list[Any] = []
    for p in list(pinned) + drawn[:count]:
        if p not in unique:
            unique.append(p)
    return unique


@contextmanager
def _no_local_constants():
    """Hypothesis mixes constants found in *local* source files into its draws; which files
    count as local depends on where the package is installed (a source checkout or
    site-packages), so the same seed would draw different points in different installs.
    Within a run the library therefore draws with no local constants (Hypothesis's global
    constants still apply). Private API: on a Hypothesis without it, nothing is patched."""
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover
        yield
        return
    original = getattr(providers, "_get_local_constants", None)
    cache = getattr(providers, "CONSTANTS_CACHE", None)
    empty = getattr(providers, "Constants", None)
    if original is None or cache is None or empty is None:  # pragma: no cover
        yield
        return
    cache.cache.clear()
    providers._get_local_constants = lambda: empty()
    try:
        yield
    finally:
        providers._get_local_constants = original
        cache.cache.clear()


def _collect(strategy: st.SearchStrategy[Any], count: int, seed: int, drawn: list[Any]) -> None:
    @settings(
        max_examples=max(count, 1),
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        derandomize=False,
    )
    @hyp_seed(seed)
    @given(strategy)
    def collect(p: Any) -> None:
        drawn.append(p)

    if count > 0:
        collect()


def forms(claim: Claim):
    """The claim's forms to judge, as ``(label, form)``: derived first, then printed if any."""
    yield "derived", claim.derived
    if claim.printed is not None:
        yield "printed", claim.printed


def fmt_params(params: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items())
