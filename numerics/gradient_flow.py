r"""The full gradient flow of §2.3 for :math:`W \in \mathbb R^{n\times m}` (all three forces).

.. math:: \dot W_i = c\,(1-\|W_i\|^2)W_i - c\sum_{j\ne i}\mathrm{ReLU}(W_i\cdot W_j)W_j - \lambda\,\mathrm{sign}(W_i)

with ``c = 4`` for the loss as printed (``c = 1`` with the constants dropped, §2.3). The l1
term is non-smooth at zero; the flow there is the Filippov (minimum-norm subgradient) one: a
zero weight stays zero while the smooth force on it, ``g``, satisfies :math:`|g| \le \lambda`,
and leaves zero with velocity :math:`g - \lambda\,\mathrm{sign}(g)` otherwise. Unlike the
no-interference flow, a zero weight can be pulled back out by interference.

:func:`integrate_gradient_flow` integrates it with SciPy's ``solve_ivp``, the set of stuck
weights fixed between events; events stop the solver when a moving weight reaches zero or a
stuck weight's smooth force exceeds ``lam`` in magnitude. :func:`loss` evaluates the printed
loss (NumPy) and :func:`loss_gradient_autograd` differentiates it with torch autograd, an
independent check of the force formula.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.integrate import solve_ivp

from polyverify.theory.validation import require_positive

__all__ = ["FlowResult", "smooth_force", "velocity", "loss", "loss_gradient_autograd", "integrate_gradient_flow"]


@dataclass(frozen=True, kw_only=True)
class FlowResult:
    """States ``W`` at the requested times (``len(t) × n × m``) and the event count."""

    t: np.ndarray
    W: np.ndarray
    events: int


def _check_w(W: Any) -> np.ndarray:
    w = np.asarray(W, dtype=float)
    if w.ndim != 2 or w.size == 0:
        raise ValueError(f"W must be a non-empty 2-D array (n x m); got shape {w.shape}")
    if not np.all(np.isfinite(w)):
        raise ValueError("W must hold finite values (no NaN or infinity)")
    return w


def smooth_force(W: np.ndarray, *, c: float = 4.0) -> np.ndarray:
    r"""Feature benefit minus interference: :math:`c(1-\|W_i\|^2)W_i - c\sum_{j\ne i}\mathrm{ReLU}(W_i\cdot W_j)W_j`."""
    G = W @ W.T
    relu = np.maximum(G, 0.0)
    np.fill_diagonal(relu, 0.0)
    norms = np.diag(G)
    return c * ((1.0 - norms)[:, None] * W - relu @ W)


def velocity(W: Any, lam: float, *, c: float = 4.0) -> np.ndarray:
    """The Filippov velocity: ``g - lam sign(W)`` off zero; at zero ``0`` if ``|g| <= lam`` else ``g - lam sign(g)``."""
    w = _check_w(W)
    g = smooth_force(w, c=c)
    v = g - lam * np.sign(w)
    zero = w == 0
    gz = g[zero]
    v[zero] = np.where(np.abs(gz) <= lam, 0.0, gz - lam * np.sign(gz))
    return v


def loss(W: Any, lam: float) -> float:
    r"""The printed loss :math:`\sum_i (1-\|W_i\|^2)^2 + \sum_{j\ne i}\mathrm{ReLU}(W_i\cdot W_j)^2 + \lambda\|W_i\|_1`."""
    w = _check_w(W)
    G = w @ w.T
    relu = np.maximum(G, 0.0)
    np.fill_diagonal(relu, 0.0)
    return float(np.sum((1 - np.diag(G)) ** 2) + np.sum(relu**2) + lam * np.abs(w).sum())


def loss_gradient_autograd(W: Any, lam: float) -> np.ndarray:
    """:math:`\\partial\\mathcal L/\\partial W` by torch autograd (float64, CPU), an independent check of the forces."""
    import torch

    w = torch.tensor(_check_w(W), dtype=torch.float64, requires_grad=True)
    G = w @ w.T
    off = torch.relu(G) * (1 - torch.eye(G.shape[0], dtype=torch.float64))
    L = torch.sum((1 - torch.diagonal(G)) ** 2) + torch.sum(off**2) + lam * torch.sum(torch.abs(w))
    L.backward()
    return w.grad.numpy().copy()


def integrate_gradient_flow(
    W0: Any, lam: Any, t: Any, *, c: float = 4.0, rtol: float = 1e-9, atol: float = 1e-12, max_events: int = 100_000
) -> FlowResult:
    """Integrate the full flow from ``W0`` (``n × m``) to the sorted times ``t`` (see the module docstring)."""
    w = _check_w(W0).copy()
    lam_f = require_positive("lam", lam)
    require_positive("c", c)
    ts = np.atleast_1d(np.asarray(t, dtype=float))
    if ts.ndim != 1 or ts.size == 0 or not np.all(np.isfinite(ts)):
        raise ValueError("t must be a non-empty 1-D array of finite times")
    if np.any(ts < 0) or np.any(np.diff(ts) < 0):
        raise ValueError("t must satisfy t >= 0 and be sorted in non-decreasing order")
    shape = w.shape
    out = np.zeros((ts.size,) + shape)
    idx = 0
    while idx < ts.size and ts[idx] <= 0:
        out[idx] = w
        idx += 1
    t_now, events = 0.0, 0
    release = np.zeros(shape, dtype=bool)
    while idx < ts.size:
        g0 = smooth_force(w, c=c)
        stuck = (w == 0) & (np.abs(g0) <= lam_f) & ~release
        # weights at zero that are pushed out leave with the sign of their force
        sgn = np.where(w != 0, np.sign(w), np.sign(g0))
        sgn[stuck] = 0.0
        moving = ~stuck
        # weights leaving zero in this segment move away from it (|g| > lam): the zero-crossing
        # test watches only the weights that start off zero
        watched = moving & (w != 0)

        def rhs(_t: float, y: np.ndarray, stuck=stuck, sgn=sgn) -> np.ndarray:
            W = y.reshape(shape)
            v = smooth_force(W, c=c) - lam_f * sgn
            v[stuck] = 0.0
            return v.ravel()

        def cross(_t: float, y: np.ndarray, sgn=sgn, watched=watched) -> float:
            s = (y.reshape(shape) * sgn)[watched]
            return float(s.min()) if s.size else 1.0

        def unstick(_t: float, y: np.ndarray, stuck=stuck) -> float:
            if not stuck.any():
                return -1.0
            g = smooth_force(y.reshape(shape), c=c)
            return float(np.abs(g[stuck]).max() - lam_f)

        cross.terminal, cross.direction = True, -1  # type: ignore[attr-defined]
        unstick.terminal, unstick.direction = True, 1  # type: ignore[attr-defined]
        y0 = w.ravel().copy()
        t_eval = ts[idx:][ts[idx:] > t_now]
        sol = solve_ivp(rhs, (t_now, float(ts[-1])), y0, t_eval=t_eval, events=(cross, unstick), rtol=rtol, atol=atol, method="DOP853")
        for j in range(np.asarray(sol.t).size):
            out[idx] = np.asarray(sol.y)[:, j].reshape(shape)
            idx += 1
        if sol.status != 1:
            if sol.status == -1:  # pragma: no cover
                raise RuntimeError(f"gradient flow failed: {sol.message}")
            break
        events += 1
        if events > max_events:
            raise RuntimeError(f"more than max_events={max_events} events (chattering at zero?)")
        hit = [k for k in range(2) if len(sol.t_events[k])]
        t_now = float(min(sol.t_events[k][0] for k in hit))
        k_ev = min(hit, key=lambda k: sol.t_events[k][0])
        w = sol.y_events[k_ev][0].reshape(shape).copy()
        release[:] = False
        if k_ev == 0:
            s = w * sgn
            w[watched & (s <= s[watched].min() + 1e-15)] = 0.0
            w[watched & (s < 0)] = 0.0
        else:  # the stuck weights whose force reached lam (to the event's precision) are released
            g = smooth_force(w, c=c)
            release = stuck & (np.abs(g) >= lam_f * (1 - 1e-9))
    return FlowResult(t=ts, W=out, events=events)
