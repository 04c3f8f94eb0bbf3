r"""Interference between encodings, simulated (paper 1, §2.5): its strength at the Gaussian
initialisation and the flow of a few rows integrated in full.

Nothing here uses a closed form of :mod:`theory.interference`: the strengths are computed from
sampled weights, and :func:`integrate_smooth_flow` integrates the ``n × m`` flow itself
(:func:`numerics.gradient_flow.smooth_force`, the constants 4 dropped: ``c = 1``) with
``solve_ivp``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from polyverify.theory.validation import require_int, require_m_ge_n, require_positive
from scipy.integrate import solve_ivp

from .assignment import FinalAssignment, displacement_from_weights
from .gradient_flow import smooth_force

__all__ = ["InitForces", "init_forces", "integrate_smooth_flow", "rows_with_gram"]


@dataclass(frozen=True)
class InitForces:
    """Per trial, averaged over the ``n`` rows: the interference's component along the row,
    :math:`\\sum_{j\\ne i}\\mathrm{ReLU}(W_i\\cdot W_j)^2`, and the feature benefit's,
    :math:`(1-\\|W_i\\|^2)\\|W_i\\|^2`."""

    interference: np.ndarray
    benefit: np.ndarray


def init_forces(n: int, m: int, *, trials: int, rng: np.random.Generator, s: float = 1.0,
                max_elements: int = 1 << 22) -> InitForces:
    """Draw ``trials`` matrices ``W`` (``n × m``, i.i.d. ``N(0, s²/m)``) and measure both components."""
    n_, m_ = require_m_ge_n(n, m)
    trials_ = require_int("trials", trials, minimum=1)
    std = require_positive("s", s) / np.sqrt(m_)
    chunk = max(1, max_elements // (n_ * m_))
    inter, benefit = [], []
    done = 0
    while done < trials_:
        k = min(chunk, trials_ - done)
        W = rng.standard_normal((k, n_, m_)) * std
        G = W @ W.transpose(0, 2, 1)
        norms = np.diagonal(G, axis1=1, axis2=2)
        off = np.maximum(G, 0.0) ** 2
        inter.append((off.sum(axis=2) - np.maximum(norms, 0.0) ** 2).mean(axis=1))
        benefit.append(((1 - norms) * norms).mean(axis=1))
        done += k
    return InitForces(interference=np.concatenate(inter), benefit=np.concatenate(benefit))


def rows_with_gram(m: int, a: float, b: float, cos: float, *, rng: np.random.Generator) -> np.ndarray:
    """Two rows in ``R^m`` (a ``2 × m`` array) in a uniformly random orientation with squared
    norms ``a``, ``b`` and cosine ``cos`` (Gram–Schmidt of two Gaussian vectors)."""
    m_ = require_int("m", m, minimum=2)
    a_, b_ = require_positive("a", a), require_positive("b", b)
    if not -1 <= cos <= 1:
        raise ValueError(f"cos must satisfy -1 <= cos <= 1; got {cos}")
    g = rng.standard_normal((2, m_))
    u1 = g[0] / np.linalg.norm(g[0])
    w = g[1] - (g[1] @ u1) * u1
    u2 = w / np.linalg.norm(w)
    return np.stack([np.sqrt(a_) * u1, np.sqrt(b_) * (cos * u1 + np.sqrt(max(0.0, 1 - cos * cos)) * u2)])


def integrate_smooth_flow(W0: Any, t: Any, *, rtol: float = 1e-11, atol: float = 1e-13) -> np.ndarray:
    r"""Integrate :math:`\dot W_i = (1-\|W_i\|^2)W_i - \sum_{j\ne i}\mathrm{ReLU}(W_i\cdot W_j)W_j`
    (no l1: the flow is smooth away from the ReLU's kink, which DOP853 steps over at its
    tolerance) from ``W0`` to the sorted times ``t``; returns ``len(t) × n × m``."""
    w = np.asarray(W0, dtype=float)
    if w.ndim != 2 or not np.all(np.isfinite(w)):
        raise ValueError("W0 must be a finite 2-D array (n x m)")
    ts = np.atleast_1d(np.asarray(t, dtype=float))
    if ts.ndim != 1 or ts.size == 0 or np.any(ts < 0) or np.any(np.diff(ts) < 0):
        raise ValueError("t must be a non-empty sorted 1-D array of times >= 0")
    shape = w.shape

    def rhs(_t: float, y: np.ndarray) -> np.ndarray:
        return smooth_force(y.reshape(shape), c=1.0).ravel()

    sol = solve_ivp(rhs, (0.0, float(ts[-1])), w.ravel(), t_eval=ts, method="DOP853", rtol=rtol, atol=atol)
    if sol.status != 0:  # pragma: no cover
        raise RuntimeError(f"flow integration failed: {sol.message}")
    return np.asarray(sol.y).T.reshape((ts.size,) + shape)


def shifted_displacement(W0: Any, J: Any) -> FinalAssignment:
    r"""The displacement process (:func:`numerics.assignment.displacement_from_weights`) on the
    effective weights :math:`W_i - \sum_j J_{ij}W_j` (``J``: ``n × n`` per trial, given by the
    caller). The initial cells reported are those of ``W0`` itself."""
    w = np.asarray(W0, dtype=float)
    j = np.asarray(J, dtype=float)
    if w.ndim == 2:
        w, j = w[None], j[None] if j.ndim == 2 else j
    if w.ndim != 3 or j.shape != w.shape[:-1] + (w.shape[-2],):
        raise ValueError(f"J must have shape (..., n, n) matching W0 {w.shape}; got {j.shape}")
    moved = displacement_from_weights(w - j @ w)
    init = np.abs(w).argmax(axis=-1)
    sign = np.sign(np.take_along_axis(w, init[..., None], axis=-1)[..., 0])
    return FinalAssignment(neuron=moved.neuron, sign=moved.sign, initial_neuron=init, initial_sign=sign.astype(moved.sign.dtype),
                           moves=moved.moves, m=moved.m)
