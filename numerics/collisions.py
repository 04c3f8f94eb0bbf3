r"""Monte Carlo of the real initialisation behind feature collisions (paper 1, §1.1, §2.5).

Each trial draws ``W`` with i.i.d. :math:`\mathcal N(0, \mathrm{std}^2)` entries (``std``
defaults to :math:`1/\sqrt m`, §2.1), assigns each feature ``i`` to its largest-|weight|
neuron :math:`\arg\max_k |W_{ik}|` with the sign of that weight, and counts per trial:
colliding pairs, benign (opposite-sign) pairs and polysemantic neurons (holding features of
both signs). Nothing here uses a closed form: the counts come from the sampled weights.

Trials are processed in chunks so that memory stays below ``max_elements`` floats.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from polyverify.theory.validation import require_int, require_m_ge_n, require_positive

__all__ = ["Assignment", "CollisionCounts", "initial_assignment", "collision_counts", "simulate_collisions"]


@dataclass(frozen=True)
class Assignment:
    """Per trial and feature: the winning neuron (``trials × n`` ints) and its sign (±1)."""

    neuron: np.ndarray
    sign: np.ndarray
    m: int


@dataclass(frozen=True)
class CollisionCounts:
    """Per-trial counts (1-D arrays of length ``trials``)."""

    pairs: np.ndarray
    benign_pairs: np.ndarray
    polysemantic: np.ndarray
    n: int
    m: int

    @property
    def pair_fraction(self) -> np.ndarray:
        """Fraction of the ``n(n-1)/2`` pairs that collide."""
        return self.pairs / (self.n * (self.n - 1) / 2)

    @property
    def benign_fraction(self) -> np.ndarray:
        return self.benign_pairs / (self.n * (self.n - 1) / 2)


def initial_assignment(
    n: int,
    m: int,
    *,
    trials: int,
    rng: np.random.Generator,
    std: float | None = None,
    max_elements: int = 1 << 22,
) -> Assignment:
    """Sample ``trials`` Gaussian initialisations and return each feature's argmax neuron and sign."""
    n, m = require_m_ge_n(n, m)
    trials = require_int("trials", trials, minimum=1)
    scale = 1.0 / np.sqrt(m) if std is None else require_positive("std", std)
    neuron = np.empty((trials, n), dtype=np.int64)
    sign = np.empty((trials, n), dtype=np.int8)
    chunk = max(1, max_elements // (n * m))
    for start in range(0, trials, chunk):
        stop = min(trials, start + chunk)
        w = rng.standard_normal((stop - start, n, m), dtype=np.float32) * np.float32(scale)
        idx = np.abs(w).argmax(axis=2)
        neuron[start:stop] = idx
        sign[start:stop] = np.where(np.take_along_axis(w, idx[..., None], axis=2)[..., 0] >= 0, 1, -1)
    return Assignment(neuron=neuron, sign=sign, m=m)


def collision_counts(assignment: Assignment) -> CollisionCounts:
    """Count colliding pairs, benign pairs and polysemantic neurons in each trial."""
    neuron, sign, m = assignment.neuron, assignment.sign, assignment.m
    trials, n = neuron.shape
    base = (np.arange(trials)[:, None] * m + neuron).ravel()
    pos = np.bincount(base[sign.ravel() > 0], minlength=trials * m).reshape(trials, m)
    neg = np.bincount(base[sign.ravel() < 0], minlength=trials * m).reshape(trials, m)
    tot = pos + neg
    pairs = (tot * (tot - 1) // 2).sum(axis=1)
    benign = (pos * neg).sum(axis=1)
    poly = ((pos > 0) & (neg > 0)).sum(axis=1)
    return CollisionCounts(pairs=pairs, benign_pairs=benign, polysemantic=poly, n=n, m=m)


def simulate_collisions(
    n: int, m: int, *, trials: int, rng: np.random.Generator, std: float | None = None
) -> CollisionCounts:
    """Sample initialisations and count their collisions (the two steps above)."""
    return collision_counts(initial_assignment(n, m, trials=trials, rng=rng, std=std))
