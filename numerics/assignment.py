r"""Direct simulation of the final feature-to-neuron assignment with displacement (paper 1, §2.5).

Paper 1 §2.5 describes what training does to a collision: on a *benign* collision (two
features' largest weights on the same neuron with opposite signs) both survive and the neuron
ends polysemantic; on a *malign* one (same sign) "the larger of the two wins out" and the
loser's weight on that neuron drops to zero. The paper stops there. Here the loser is followed:
its next-largest weight takes over, on another neuron and with that weight's sign, where it can
collide again, until every neuron holds at most one feature of each sign.

The process (:func:`displacement_assignment`), on a Gaussian initialisation ``W``:

* a *cell* is a pair (neuron ``k``, sign ``s``); feature ``i`` can occupy only the cell
  ``(k, sign W_ik)`` of neuron ``k``, with strength ``|W_ik|``; it prefers its cells in
  decreasing ``|W_ik|`` (its initial argmax first);
* a cell holds at most one feature; two features on one cell: the stronger (larger ``|W_ik|``)
  keeps it and the other moves on to its next cell.

Because both sides rank by the same numbers ``|W_ik|``, this process has one outcome whatever
the order of the moves: the unique stable matching, equal to the *global greedy* (go through
all entries in decreasing ``|W_ik|``; place feature ``i`` on ``(k, sign W_ik)`` if both are
free). It is computed here by parallel deferred acceptance (all unplaced features propose at
once, each cell keeps its strongest proposer), vectorised over trials and features; only the
``depth`` strongest entries of each row are sorted, and a chunk whose features run out of them
is redone deeper. :func:`greedy_assignment_loop` is the straightforward per-trial loop over the
sorted entries, used by the tests and the benchmark as the reference.

:func:`free_cell_assignment` simulates the idealisation the closed form of
:mod:`theory.assignment` is derived for: features arrive one by one, each at its initial cell
(uniform over the ``2m`` cells) if free, else at a uniformly random free cell. It is simulated
directly (a sequential allocation), not by sampling the subset the theory says it produces.

Nothing here uses a closed form.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from polyverify.theory.validation import require_int, require_m_ge_n, require_positive

__all__ = [
    "FinalAssignment",
    "AssignmentCounts",
    "gaussian_weights",
    "displacement_assignment",
    "displacement_from_weights",
    "greedy_assignment_loop",
    "free_cell_assignment",
    "assignment_counts",
    "simulate_displacement",
    "simulate_free_cell",
]


@dataclass(frozen=True)
class FinalAssignment:
    """Where each feature ends, per trial (arrays ``trials × n``).

    ``neuron``/``sign``: final neuron and sign (±1); ``initial_neuron``/``initial_sign``: the
    initial argmax cell; ``moves``: how many cells the feature was pushed past before it
    settled (0 = it kept its initial argmax).
    """

    neuron: np.ndarray
    sign: np.ndarray
    initial_neuron: np.ndarray
    initial_sign: np.ndarray
    moves: np.ndarray
    m: int


@dataclass(frozen=True)
class AssignmentCounts:
    """Per-trial statistics (1-D arrays of length ``trials``)."""

    polysemantic: np.ndarray
    """Neurons holding one positive and one negative feature."""
    stayed: np.ndarray
    """Fraction of the ``n`` features that end on their initial argmax neuron."""
    displaced: np.ndarray
    """Number of features that end elsewhere."""
    n: int
    m: int


def gaussian_weights(n: int, m: int, *, trials: int, rng: np.random.Generator, std: float | None = None) -> np.ndarray:
    """``trials × n × m`` i.i.d. :math:`\\mathcal N(0, \\mathrm{std}^2)` (float32; ``std = 1/\\sqrt m`` by default, §2.1)."""
    n, m = require_m_ge_n(n, m)
    trials = require_int("trials", trials, minimum=1)
    scale = 1.0 / np.sqrt(m) if std is None else require_positive("std", std)
    return rng.standard_normal((trials, n, m), dtype=np.float32) * np.float32(scale)


def _preferences(w: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``depth`` strongest entries of each row, strongest first: neuron, sign, strength."""
    a = np.abs(w)
    m = w.shape[-1]
    if depth >= m:
        idx = np.argsort(-a, axis=-1, kind="stable")
    else:
        part = np.argpartition(-a, depth - 1, axis=-1)[..., :depth]
        order = np.argsort(-np.take_along_axis(a, part, axis=-1), axis=-1, kind="stable")
        idx = np.take_along_axis(part, order, axis=-1)
    val = np.take_along_axis(w, idx, axis=-1)
    return idx.astype(np.int64), np.where(val >= 0, 1, -1).astype(np.int8), np.abs(val).astype(np.float64)


def _deferred_acceptance(neuron: np.ndarray, sign: np.ndarray, strength: np.ndarray, m: int):
    """Parallel deferred acceptance on preference lists ``(T, n, depth)``.

    Returns ``(pointer (T, n), ok)``; ``ok`` is False when some feature ran out of its list.
    Cell id of (trial t, neuron k, sign s): ``t * 2m + 2k + (s < 0)``. Ties in strength (float
    equality) are broken towards the lower feature index, so the outcome is deterministic.
    """
    T, n, depth = neuron.shape
    cell_of = (np.arange(T)[:, None, None] * (2 * m) + 2 * neuron + (sign < 0)).reshape(T * n, depth)
    str_flat = strength.reshape(T * n, depth)
    ptr = np.zeros(T * n, dtype=np.int64)
    holder = np.full(T * 2 * m, -1, dtype=np.int64)  # flat feature id (t * n + i) holding the cell
    held = np.full(T * 2 * m, -np.inf)  # its strength
    free = np.arange(T * n)
    while free.size:
        if (ptr[free] >= depth).any():
            return ptr.reshape(T, n), False
        cells = cell_of[free, ptr[free]]
        st = str_flat[free, ptr[free]]
        # strongest proposer per cell (ties: lowest feature id, via a stable lexsort)
        order = np.lexsort((free, -st, cells))
        cells_o, st_o, f_o = cells[order], st[order], free[order]
        first = np.ones(cells_o.size, dtype=bool)
        first[1:] = cells_o[1:] != cells_o[:-1]
        top_cell, top_st, top_f = cells_o[first], st_o[first], f_o[first]
        losers = [f_o[~first]]
        beats = top_st > held[top_cell]
        # proposers weaker than the holder lose; stronger ones evict the holder
        losers.append(top_f[~beats])
        evicted = holder[top_cell[beats]]
        losers.append(evicted[evicted >= 0])
        holder[top_cell[beats]] = top_f[beats]
        held[top_cell[beats]] = top_st[beats]
        free = np.concatenate(losers)
        ptr[free] += 1
    return ptr.reshape(T, n), True


def displacement_from_weights(W: np.ndarray, *, depth: int = 16) -> FinalAssignment:
    """Run the displacement process on given initial weights ``W`` (``(n, m)`` or ``(T, n, m)``).

    ``depth`` is the number of preferences sorted per feature at first; it is raised (×4, up to
    ``m``) whenever some feature is pushed past all of them, so the result never depends on it.
    """
    w = np.asarray(W)
    if w.ndim == 2:
        w = w[None]
    if w.ndim != 3:
        raise ValueError(f"W must have shape (n, m) or (T, n, m); got shape {w.shape}")
    T, n, m = w.shape
    require_m_ge_n(n, m)
    depth = min(require_int("depth", depth, minimum=1), m)
    while True:
        neuron, sign, strength = _preferences(w, depth)
        ptr, ok = _deferred_acceptance(neuron, sign, strength, m)
        if ok:
            break
        if depth == m:  # cannot happen for n <= m: a feature meets at most n-1 rivals
            raise RuntimeError("a feature was rejected by every neuron; this needs n > m")
        depth = min(4 * depth, m)
    fin_n = np.take_along_axis(neuron, ptr[..., None], axis=-1)[..., 0]
    fin_s = np.take_along_axis(sign, ptr[..., None], axis=-1)[..., 0]
    return FinalAssignment(
        neuron=fin_n, sign=fin_s, initial_neuron=neuron[..., 0], initial_sign=sign[..., 0], moves=ptr, m=m
    )


def displacement_assignment(
    n: int,
    m: int,
    *,
    trials: int,
    rng: np.random.Generator,
    std: float | None = None,
    depth: int = 16,
    max_elements: int = 1 << 23,
) -> FinalAssignment:
    """Sample ``trials`` Gaussian initialisations and run the displacement process on each.

    Trials are drawn in chunks of at most ``max_elements`` weights; the result for a given
    ``rng`` state depends on the chunking only through the order of the draws (fixed).
    """
    n, m = require_m_ge_n(n, m)
    trials = require_int("trials", trials, minimum=1)
    chunk = max(1, require_int("max_elements", max_elements, minimum=1) // (n * m))
    parts = []
    for start in range(0, trials, chunk):
        w = gaussian_weights(n, m, trials=min(chunk, trials - start), rng=rng, std=std)
        parts.append(displacement_from_weights(w, depth=depth))
    return FinalAssignment(
        **{f: np.concatenate([getattr(p, f) for p in parts]) for f in ("neuron", "sign", "initial_neuron", "initial_sign", "moves")},
        m=m,
    )


def greedy_assignment_loop(W: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Reference: the global greedy on one ``(n, m)`` matrix, as a plain loop.

    Go through all entries in decreasing ``|W_ik|``; place feature ``i`` on cell
    ``(k, sign W_ik)`` when the feature is unplaced and the cell free. Returns (neuron, sign).
    """
    w = np.asarray(W, dtype=np.float64)
    n, m = w.shape
    require_m_ge_n(n, m)
    order = np.argsort(-np.abs(w), axis=None, kind="stable")
    neuron = np.full(n, -1, dtype=np.int64)
    sign = np.zeros(n, dtype=np.int8)
    taken: set[tuple[int, int]] = set()
    placed = 0
    for flat in order:
        i, k = divmod(int(flat), m)
        if neuron[i] >= 0:
            continue
        s = 1 if w[i, k] >= 0 else -1
        if (k, s) in taken:
            continue
        taken.add((k, s))
        neuron[i], sign[i] = k, s
        placed += 1
        if placed == n:
            break
    return neuron, sign


def free_cell_assignment(n: int, m: int, *, trials: int, rng: np.random.Generator) -> FinalAssignment:
    """The idealised process, simulated sequentially and vectorised over trials.

    Feature ``j`` (in order ``0..n-1``) draws its initial cell uniformly among the ``2m``
    cells; if that cell is free it stays there, otherwise it moves to a uniformly random free
    cell. ``moves`` is 1 for a moved feature.
    """
    n, m = require_m_ge_n(n, m)
    trials = require_int("trials", trials, minimum=1)
    rows = np.arange(trials)
    occupied = np.zeros((trials, 2 * m), dtype=bool)
    cell = np.empty((trials, n), dtype=np.int64)
    first = np.empty((trials, n), dtype=np.int64)
    for j in range(n):
        init = rng.integers(0, 2 * m, size=trials)
        chosen = init.copy()
        # a uniformly random free cell by rejection: redraw while the drawn cell is occupied
        # (at most n-1 of 2m >= 2n cells are occupied, so each redraw succeeds w.p. > 1/2)
        todo = np.flatnonzero(occupied[rows, chosen])
        while todo.size:
            chosen[todo] = rng.integers(0, 2 * m, size=todo.size)
            todo = todo[occupied[todo, chosen[todo]]]
        occupied[rows, chosen] = True
        cell[:, j] = chosen
        first[:, j] = init
    return FinalAssignment(
        neuron=cell // 2,
        sign=np.where(cell % 2 == 0, 1, -1).astype(np.int8),
        initial_neuron=first // 2,
        initial_sign=np.where(first % 2 == 0, 1, -1).astype(np.int8),
        moves=(cell != first).astype(np.int64),
        m=m,
    )


def assignment_counts(a: FinalAssignment) -> AssignmentCounts:
    """Polysemantic neurons, the fraction of features on their initial neuron, and moves, per trial.

    Raises if some cell holds two features (the process guarantees it never does).
    """
    trials, n = a.neuron.shape
    m = a.m
    base = (np.arange(trials)[:, None] * m + a.neuron).ravel()
    pos = np.bincount(base[a.sign.ravel() > 0], minlength=trials * m).reshape(trials, m)
    neg = np.bincount(base[a.sign.ravel() < 0], minlength=trials * m).reshape(trials, m)
    if pos.max(initial=0) > 1 or neg.max(initial=0) > 1:
        raise RuntimeError("a neuron holds two features of the same sign: the assignment is not final")
    stayed = (a.neuron == a.initial_neuron).mean(axis=1)
    return AssignmentCounts(
        polysemantic=((pos > 0) & (neg > 0)).sum(axis=1),
        stayed=stayed,
        displaced=(a.neuron != a.initial_neuron).sum(axis=1),
        n=n,
        m=m,
    )


def simulate_displacement(
    n: int, m: int, *, trials: int, rng: np.random.Generator, std: float | None = None
) -> AssignmentCounts:
    """Gaussian initialisations → displacement process → counts."""
    return assignment_counts(displacement_assignment(n, m, trials=trials, rng=rng, std=std))


def simulate_free_cell(n: int, m: int, *, trials: int, rng: np.random.Generator) -> AssignmentCounts:
    """Idealised uniform-free-cell process → counts."""
    return assignment_counts(free_cell_assignment(n, m, trials=trials, rng=rng))
