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



_D = np.array([1.0, -1.0])


@dataclass(frozen=True)
class TwoRowTrajectory:
    """Rows ``W`` (``len(t) × 2 × m``) of the reduced two-row flow at the requested times, and the
    number of segments (events: a weight reaching zero, a stuck weight pulled out)."""

    t: np.ndarray
    W: np.ndarray
    segments: int


def _magnitudes(y: np.ndarray, lam: float, z0: np.ndarray, live: np.ndarray, eps: np.ndarray) -> np.ndarray:
    r"""The closed forms of one segment (times from its start): a coordinate whose two weights live is
    :math:`\Phi_\varepsilon(z_0 - \lambda G_\varepsilon)` (:math:`\Phi_- = D\Phi_+D`); one whose partner
    is stuck at zero follows the single-row law :math:`e^{S_i}(z_0 - B_i)`; a stuck weight is 0."""
    phi = y[:4].reshape(2, 2)
    out = np.zeros_like(z0)
    both = live[0] & live[1]
    for e, g in ((1.0, y[4:6]), (-1.0, y[6:8])):
        sel = both & (eps == e)
        if sel.any():
            ph = phi if e > 0 else _D[:, None] * phi * _D[None, :]
            out[:, sel] = ph @ (z0[:, sel] - lam * g[:, None])
    for i in (0, 1):
        alone = live[i] & ~live[1 - i]
        out[i, alone] = np.exp(y[8 + 2 * i]) * (z0[i, alone] - y[9 + 2 * i])
    return out


def integrate_two_rows_reduced(W0: Any, lam: float, t: Any, *, rtol: float = 1e-10, atol: float = 1e-13,
                               max_segments: int = 100_000) -> TwoRowTrajectory:
    r"""The two-row l1 flow of paper 1 §2.3 (constants 4 dropped: :math:`\dot W_i = (1-\|W_i\|^2)W_i -
    \mathrm{ReLU}(W_1\cdot W_2)W_j - \lambda\,\mathrm{sign}(W_i)`, Filippov at zero) integrated through its
    reduction: between events only twelve scalar functions of time are integrated — the fundamental
    matrix :math:`\Phi_+` of :math:`M_+ = \begin{pmatrix}1-a & -r\\ -r & 1-b\end{pmatrix}`, the forcing
    integrals :math:`G_\pm` (:math:`\dot G_+ = \Phi_+^{-1}(1,1)`, :math:`\dot G_- = D\Phi_+^{-1}(1,-1)`) and
    the single-row pairs :math:`(S_i, B_i)` — and every coordinate is a closed form of them; ``a``, ``b``
    and ``r`` are sums over those closed forms. Events (a live magnitude reaching zero; a stuck weight
    whose force :math:`r|W_{jk}|` exceeds :math:`\lambda`) restart the scalars from the current state.
    A weight reaching zero stays there while :math:`r|W_{jk}| \le \lambda`, else it passes through zero
    with the sign of its force :math:`-r W_{jk}`."""
    w = np.asarray(W0, dtype=float)
    if w.ndim != 2 or w.shape[0] != 2 or not np.all(np.isfinite(w)):
        raise ValueError(f"W0 must be a finite 2 x m array (two rows); got shape {w.shape}")
    lam_f = require_positive("lam", lam)
    ts = np.atleast_1d(np.asarray(t, dtype=float))
    if ts.ndim != 1 or ts.size == 0 or np.any(ts < 0) or np.any(np.diff(ts) < 0):
        raise ValueError("t must be a non-empty sorted 1-D array of times >= 0")
    m_ = w.shape[1]
    out = np.zeros((ts.size, 2, m_))
    sgn = np.sign(w)
    z = np.abs(w)
    live = z > 0
    y_start = np.array([1.0, 0.0, 0.0, 1.0, 0, 0, 0, 0, 0, 0, 0, 0])
    t_now, idx, segments = 0.0, 0, 0
    while idx < ts.size and ts[idx] <= 0:
        out[idx] = sgn * z
        idx += 1
    while idx < ts.size:
        segments += 1
        if segments > max_segments:
            raise RuntimeError(f"more than max_segments={max_segments} segments (chattering at zero?)")
        z0, lv, sg = z.copy(), live.copy(), sgn.copy()
        eps = sg[0] * sg[1]
        watched = lv & (z0 > 0)

        def signed(y: np.ndarray, z0=z0, lv=lv, sg=sg, eps=eps) -> np.ndarray:
            return sg * _magnitudes(y, lam_f, z0, lv, eps)

        def rhs(_t: float, y: np.ndarray, signed=signed) -> np.ndarray:
            W = signed(y)
            a_, b_ = float(W[0] @ W[0]), float(W[1] @ W[1])
            r_ = max(float(W[0] @ W[1]), 0.0)
            phi = y[:4].reshape(2, 2)
            M = np.array([[1 - a_, -r_], [-r_, 1 - b_]])
            inv = np.linalg.inv(phi)
            return np.concatenate([(M @ phi).ravel(), inv @ np.array([1.0, 1.0]), _D * (inv @ np.array([1.0, -1.0])),
                                   [1 - a_, lam_f * np.exp(-y[8]), 1 - b_, lam_f * np.exp(-y[10])]])

        def hit_zero(_t: float, y: np.ndarray, z0=z0, lv=lv, eps=eps, watched=watched) -> float:
            mags = _magnitudes(y, lam_f, z0, lv, eps)[watched]
            return float(mags.min()) if mags.size else 1.0

        def pulled_out(_t: float, y: np.ndarray, signed=signed, lv=lv) -> float:
            stuck = ~lv & lv[::-1]  # a zero weight whose partner lives
            if not stuck.any():
                return -1.0
            W = signed(y)
            r_ = max(float(W[0] @ W[1]), 0.0)
            return float((r_ * np.abs(W[::-1][stuck])).max() - lam_f)

        hit_zero.terminal, hit_zero.direction = True, -1  # type: ignore[attr-defined]
        pulled_out.terminal, pulled_out.direction = True, 1  # type: ignore[attr-defined]
        t_eval = ts[idx:][ts[idx:] > t_now] - t_now
        sol = solve_ivp(rhs, (0.0, float(ts[-1] - t_now)), y_start, t_eval=t_eval, events=(hit_zero, pulled_out),
                        method="DOP853", rtol=rtol, atol=atol)
        for j in range(np.asarray(sol.t).size):
            out[idx] = signed(np.asarray(sol.y)[:, j])
            idx += 1
        if sol.status != 1:
            if sol.status == -1:  # pragma: no cover
                raise RuntimeError(f"reduced two-row flow failed: {sol.message}")
            break
        hits = [(float(sol.t_events[k][0]), k) for k in range(2) if len(sol.t_events[k])]
        t_ev, k_ev = min(hits)
        y_ev = np.asarray(sol.y_events[k_ev][0])
        W = signed(y_ev)
        t_now += t_ev
        z, sgn = np.abs(W), np.sign(W)
        r_ = max(float(W[0] @ W[1]), 0.0)
        force = -r_ * W[::-1]  # the smooth force on a weight at zero: -r times its partner
        if k_ev == 0:  # the live magnitude that reached zero (to the event's precision)
            mags = z.copy()
            mags[~watched] = np.inf
            at_zero = mags <= mags.min() + 1e-14 * max(1.0, float(np.abs(W).max()))
            z[at_zero] = 0.0
            passes = at_zero & (np.abs(force) > lam_f)
            live = lv & ~at_zero | passes
            sgn = np.where(at_zero, np.where(passes, np.sign(force), 0.0), sgn)
        else:  # the stuck weights whose force reached lam are pulled out with the sign of their force
            pull = ~lv & lv[::-1] & (np.abs(force) >= lam_f * (1 - 1e-9))
            live = lv | pull
            sgn = np.where(pull, np.sign(force), sgn)
            z = np.where(pull, 0.0, z)
        sgn = np.where(live, sgn, 0.0)
        z = np.where(live, z, 0.0)
    return TwoRowTrajectory(t=ts, W=out, segments=segments)
