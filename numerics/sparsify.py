r"""The no-interference sparsification flow of one encoding (paper 1, §2.4 and Appendix B).

Without the interference force one row :math:`w = W_i \in \mathbb R^m` follows (the constants
4 dropped, as in §2.3)

.. math:: \frac{dw_k}{dt} = (1-\|w\|^2)\,w_k - \lambda\,\mathrm{sign}(w_k),

where a coordinate that reaches zero stays zero (§2.4: the regularisation acts only on
nonzero weights, and at zero the feature-benefit force vanishes too, so zero is absorbing).

Three integrators, none of which uses a closed form of ``theory/``:

* :func:`integrate_full` — brute force: all ``m`` coordinates with SciPy's ``solve_ivp``, the
  sign frozen between events; an event stops the solver when a surviving coordinate reaches
  zero, which is then fixed at zero and the solve restarts.
* :func:`integrate_reduced` — the exact two-dimensional reduction. Every surviving magnitude
  obeys :math:`d|w_k|/dt = s(t)|w_k| - \lambda` with one shared :math:`s = 1-\|w\|^2`, so
  :math:`|w_k(t)| = e^{S(t)}\,(|w_k(0)| - B(t))` with :math:`S = \int_0^t s`,
  :math:`B = \lambda\int_0^t e^{-S}`; coordinate ``k`` is alive iff :math:`|w_k(0)| > B(t)`
  (``B`` only grows, so a dead coordinate stays dead). The state ``(S, B)`` obeys

  .. math:: \dot S = 1 - e^{2S}\sum_{x_k > B}(x_k - B)^2, \qquad \dot B = \lambda e^{-S},

  with :math:`x_k = |w_k(0)|`; the sums are read off the sorted magnitudes and their prefix
  sums in :math:`O(\log m)` per evaluation.
* :func:`integrate_euler` — forward Euler with step ``dt`` over all coordinates (the published
  code's method, for the benchmark), a coordinate that would cross zero being set to zero.

All three return a :class:`SparsifyTrajectory`.

Extinction (issue 17, item 1): :func:`survives` decides whether some weight survives the flow
(reduced ODE with a survival certificate, or brute force to a horizon), and
:func:`critical_lambda` bisects on ``lam`` for the value beyond which every weight dies.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.integrate import solve_ivp

from polyverify.theory.validation import require_int, require_positive

__all__ = [
    "SparsifyTrajectory",
    "SortedMagnitudes",
    "integrate_reduced",
    "integrate_full",
    "integrate_euler",
    "velocity",
    "magnitude_velocity",
    "gaussian_init",
    "validate_inputs",
    "survives",
    "critical_lambda",
]

_DIRECT = 64
"""Below this many survivors the sums over survivors are formed directly (no prefix-sum
cancellation when ``B`` is close to the surviving magnitudes)."""


@dataclass(frozen=True, kw_only=True)
class SparsifyTrajectory:
    r"""Observables of one row at the requested times ``t`` (1-D arrays, same length).

    ``l1`` is :math:`\|w\|_1`, ``norm_sq`` is :math:`\|w\|^2`, ``m_prime`` the number of
    nonzero coordinates, ``rel_var`` the relative variance :math:`\mathrm{Var}[X]/E[X]^2` of
    ``X`` = a uniformly chosen nonzero :math:`|w_k|` (Appendix B; NaN when no weight is left).
    """

    t: np.ndarray
    l1: np.ndarray
    norm_sq: np.ndarray
    m_prime: np.ndarray
    rel_var: np.ndarray


def _rel_var(m_prime: np.ndarray, l1: np.ndarray, norm_sq: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        rv = m_prime * norm_sq / l1**2 - 1.0
    return np.where(m_prime > 0, np.maximum(rv, 0.0), np.nan)


def validate_inputs(w0: Any, lam: Any, t: Any, *, check_lambda_bound: bool = True) -> tuple[np.ndarray, float, np.ndarray]:
    """Validate ``(w0, lam, t)`` and return them as float arrays / float.

    * ``w0``: a non-empty 1-D array of finite reals, not all zero;
    * ``lam``: ``lam > 0``; paper 1 §2.1 assumes ``lam <= 1/sqrt(m)`` (the l1 term must not
      kill all weights immediately): a larger value draws a ``UserWarning``;
    * ``t``: a non-empty 1-D array of finite times, ``t >= 0``, non-decreasing.
    """
    w = np.asarray(w0, dtype=float)
    if w.ndim != 1 or w.size == 0:
        raise ValueError(f"w0 must be a non-empty 1-D array (one encoding W_i); got shape {w.shape}")
    if not np.all(np.isfinite(w)):
        raise ValueError("w0 must hold finite values (no NaN or infinity)")
    if not np.any(w != 0):
        raise ValueError("w0 must have a nonzero coordinate (an all-zero encoding does not move)")
    lam_f = require_positive("lam", lam)
    if check_lambda_bound and lam_f > 1.0 / math.sqrt(w.size):
        warnings.warn(
            f"lam={lam_f:g} exceeds 1/sqrt(m)={1 / math.sqrt(w.size):g}: paper 1 §2.1 assumes "
            "lam <= 1/sqrt(m) so that the l1 term does not kill all weights immediately",
            UserWarning,
            stacklevel=3,
        )
    ts = np.atleast_1d(np.asarray(t, dtype=float))
    if ts.ndim != 1 or ts.size == 0:
        raise ValueError(f"t must be a non-empty 1-D array of times; got shape {ts.shape}")
    if not np.all(np.isfinite(ts)):
        raise ValueError("t must hold finite times (no NaN or infinity)")
    if np.any(ts < 0):
        raise ValueError(f"t must satisfy t >= 0; got min {ts.min()}")
    if np.any(np.diff(ts) < 0):
        raise ValueError("t must be sorted in non-decreasing order")
    return w, lam_f, ts


def gaussian_init(m: int, *, std: float, rng: np.random.Generator, dtype: Any = np.float64) -> np.ndarray:
    r"""``m`` i.i.d. :math:`\mathcal N(0, \mathrm{std}^2)` weights (§2.1: std :math:`\Theta(1/\sqrt m)`)."""
    m_ = require_int("m", m, minimum=1)
    s = require_positive("std", std)
    dt = np.dtype(dtype)
    if dt == np.float32:  # drawn natively in float32 (a different stream from float64): 4 bytes per weight
        out = rng.standard_normal(m_, dtype=np.float32)
        out *= np.float32(s)
        return out
    return (rng.standard_normal(m_, dtype=np.float64) * s).astype(dt, copy=False)


def velocity(w: np.ndarray, lam: float) -> np.ndarray:
    r"""The no-interference flow :math:`(1-\|w\|^2)w - \lambda\,\mathrm{sign}(w)`, zero at zero."""
    w = np.asarray(w, dtype=float)
    s = 1.0 - float(w @ w)
    return s * w - lam * np.sign(w)


def magnitude_velocity(w: np.ndarray, lam: float) -> np.ndarray:
    r""":math:`d|w_k|/dt = \mathrm{sign}(w_k)\,dw_k/dt` (zero for a zero coordinate)."""
    w = np.asarray(w, dtype=float)
    return np.sign(w) * velocity(w, lam)


class SortedMagnitudes:
    r"""Sorted initial magnitudes :math:`x_1 \ge x_2 \ge \dots` as gaps :math:`d_k = x_1 - x_k`.

    With the top survivor's magnitude ``u`` and the scale :math:`a = e^{S}`, the survivors are
    the ``k`` with :math:`d_k < u/a` and their magnitudes are :math:`u - a\,d_k`.
    :meth:`sums` returns their count ``N``, :math:`L = \sum (u - a d_k)` and
    :math:`G = \sum (u - a d_k)^2`, from prefix sums of ``d`` and ``d**2`` (directly when
    ``N`` is small, where the prefix formula would cancel). Memory: the gaps in ``dtype`` plus
    two float64 prefix sums, i.e. ``(itemsize + 16)`` bytes per coordinate.
    """

    _CHUNK = 1 << 22

    def __init__(self, w0: np.ndarray, *, dtype: Any = np.float64) -> None:
        w = np.asarray(w0)
        x = np.negative(np.abs(w), dtype=dtype)  # -|w_k|: sorting ascending puts the largest first
        x = x[x < 0]  # drop zero weights (a copy: w0 is left untouched)
        x.sort()
        top = -x[0]
        self.top = float(top)
        # gaps d_k = x_1 - x_k = top + (-|w_k|), ascending and contiguous, in place (one `dtype` array)
        np.add(x, top, out=x)
        self.d = x
        n = x.size
        self.p1 = np.zeros(n + 1)
        self.p2 = np.zeros(n + 1)
        acc1 = acc2 = 0.0
        for lo in range(0, n, self._CHUNK):  # chunked float64 prefix sums: no m-sized temporaries
            blk = self.d[lo : lo + self._CHUNK].astype(np.float64)
            c1 = np.cumsum(blk)
            c1 += acc1
            self.p1[lo + 1 : lo + 1 + blk.size] = c1
            np.square(blk, out=blk)
            c2 = np.cumsum(blk)
            c2 += acc2
            self.p2[lo + 1 : lo + 1 + blk.size] = c2
            acc1, acc2 = float(c1[-1]), float(c2[-1])

    @property
    def nbytes(self) -> int:
        """Memory held: the gaps and the two prefix sums."""
        return int(self.d.nbytes + self.p1.nbytes + self.p2.nbytes)

    def count(self, gap: float) -> int:
        """Number of ``k`` with :math:`d_k < \text{gap}`."""
        # compare in the storage dtype: a float64 key would make numpy cast (copy) the whole array
        key = self.d.dtype.type(min(gap, float(np.finfo(self.d.dtype).max)))
        return int(np.searchsorted(self.d, key, side="left"))

    def sums(self, u: float, a: float) -> tuple[int, float, float]:
        if u <= 0:
            return 0, 0.0, 0.0
        n = self.count(u / a)
        if n <= _DIRECT:
            v = u - a * self.d[:n].astype(np.float64)
            return n, float(v.sum()), float(v @ v)
        p1, p2 = self.p1[n], self.p2[n]
        return n, n * u - a * p1, max(n * u * u - 2.0 * u * a * p1 + a * a * p2, 0.0)


def integrate_reduced(
    w0: Any,
    lam: Any,
    t: Any,
    *,
    rtol: float = 1e-10,
    atol: float = 1e-12,
    method: str = "LSODA",
    dtype: Any = np.float64,
) -> SparsifyTrajectory:
    r"""Exact reduced flow (see the module docstring) at the times ``t``.

    The state is :math:`(S, u)` with :math:`u = e^{S}(x_1 - B)` the largest magnitude
    (numerically safer than ``B`` itself, which approaches :math:`x_1` to within
    :math:`u e^{-S}` once one weight is left): :math:`\dot S = s`, :math:`\dot u = s u - \lambda`,
    :math:`s = 1 - \sum_{d_k < u e^{-S}} (u - e^{S} d_k)^2`. ``rtol``/``atol`` go to
    ``solve_ivp``; ``dtype`` is the storage width of the sorted magnitudes.

    >>> import numpy as np
    >>> tr = integrate_reduced(np.array([0.5, -0.3, 0.1]), 0.05, [0.0, 50.0])
    >>> tr.m_prime.tolist(), round(float(tr.l1[0]), 3), round(float(tr.l1[1]), 4)
    ([3.0, 1.0], 0.9, 0.974)
    """
    w, lam_f, ts = validate_inputs(w0, lam, t)
    sm = SortedMagnitudes(w, dtype=dtype)

    def rhs(_t: float, y: np.ndarray) -> np.ndarray:
        s_, u_ = y
        _, _, g = sm.sums(u_, math.exp(s_))
        sv = 1.0 - g
        return np.array([sv, sv * u_ - lam_f if u_ > 0 else 0.0])

    def all_dead(_t: float, y: np.ndarray) -> float:
        return float(y[1])

    all_dead.terminal = True  # type: ignore[attr-defined]
    all_dead.direction = -1  # type: ignore[attr-defined]

    y = np.zeros((2, ts.size))
    y[1] = sm.top
    pos = ts > 0
    if np.any(pos):
        # the right-hand side jumps where the last weight dies (u = 0): stop there, nothing moves after
        sol = solve_ivp(
            rhs, (0.0, float(ts[-1])), [0.0, sm.top], method=method, t_eval=ts[pos], rtol=rtol, atol=atol, events=all_dead
        )
        if sol.status == -1:  # pragma: no cover - solver failure is reported, never hidden
            raise RuntimeError(f"reduced ODE failed: {sol.message}")
        got = np.asarray(sol.t).size
        idx_pos = np.flatnonzero(pos)
        y[:, idx_pos[:got]] = np.asarray(sol.y).reshape(2, got)
        y[1, idx_pos[got:]] = 0.0  # after the last death: all weights zero
    out = np.array([sm.sums(u_, math.exp(s_)) for s_, u_ in y.T], dtype=float)
    m_prime, l1, norm_sq = out[:, 0], out[:, 1], out[:, 2]
    return SparsifyTrajectory(t=ts, l1=l1, norm_sq=norm_sq, m_prime=m_prime, rel_var=_rel_var(m_prime, l1, norm_sq))


def integrate_full(
    w0: Any,
    lam: Any,
    t: Any,
    *,
    rtol: float = 1e-10,
    atol: float = 1e-13,
    method: str = "DOP853",
    return_states: bool = False,
) -> SparsifyTrajectory | tuple[SparsifyTrajectory, np.ndarray]:
    r"""Brute-force integration of all ``m`` coordinates of the signed flow.

    Between events the sign pattern is fixed and ``solve_ivp`` integrates
    :math:`\dot w = (1-\|w\|^2)w - \lambda\,\mathrm{sign}(w)` on the surviving coordinates; a
    terminal event fires when one of them reaches zero (its signed value
    :math:`\mathrm{sign}(w_k(0))\,w_k` changes sign), that coordinate is set to exactly zero and
    stays there (zero is absorbing: both forces vanish at a zero weight), and the solve restarts.
    With ``return_states`` the ``len(t) × m`` states are returned too.
    """
    w, lam_f, ts = validate_inputs(w0, lam, t)
    sgn = np.sign(w)
    alive = sgn != 0
    cur = w.copy()
    t_now = 0.0
    states = np.zeros((ts.size, w.size))
    idx = 0
    while idx < ts.size and ts[idx] <= 0:
        states[idx] = cur
        idx += 1
    while idx < ts.size:
        a_idx = np.flatnonzero(alive)
        sg = sgn[a_idx]
        if a_idx.size == 0:
            states[idx:] = 0.0
            break

        def rhs(_t: float, y: np.ndarray, sg: np.ndarray = sg) -> np.ndarray:
            return (1.0 - float(y @ y)) * y - lam_f * sg

        def hit_zero(_t: float, y: np.ndarray, sg: np.ndarray = sg) -> float:
            return float(np.min(y * sg))

        hit_zero.terminal = True  # type: ignore[attr-defined]
        hit_zero.direction = -1  # type: ignore[attr-defined]
        t_end = float(ts[-1])
        t_eval = ts[idx:][ts[idx:] > t_now]
        sol = solve_ivp(
            rhs, (t_now, t_end), cur[a_idx], method=method, t_eval=t_eval, events=hit_zero, rtol=rtol, atol=atol
        )
        if sol.status == -1:  # pragma: no cover
            raise RuntimeError(f"full ODE failed: {sol.message}")
        sol_t = np.asarray(sol.t)
        sol_y = np.asarray(sol.y).reshape(a_idx.size, sol_t.size)
        for j in range(sol_t.size):
            st = np.zeros(w.size)
            st[a_idx] = sol_y[:, j]
            states[idx] = st
            idx += 1
        if sol.status == 1:  # a coordinate reached zero
            t_now = float(sol.t_events[0][0])
            y_ev = sol.y_events[0][0]
            signed = y_ev * sg
            dead = a_idx[(signed <= signed.min() + 1e-15) | (signed <= 0)]
            cur[a_idx] = y_ev
            cur[dead] = 0.0
            alive[dead] = False
        else:
            break
    nz = states != 0
    m_prime = nz.sum(axis=1).astype(float)
    l1 = np.abs(states).sum(axis=1)
    norm_sq = np.einsum("ij,ij->i", states, states)
    traj = SparsifyTrajectory(t=ts, l1=l1, norm_sq=norm_sq, m_prime=m_prime, rel_var=_rel_var(m_prime, l1, norm_sq))
    return (traj, states) if return_states else traj


def integrate_euler(w0: Any, lam: Any, t: Any, *, dt: float = 0.5, dtype: Any = np.float64) -> SparsifyTrajectory:
    r"""Forward Euler with step ``dt`` over all coordinates (the published code's approach).

    :math:`w \leftarrow w + dt\,[(1-\|w\|^2)w - \lambda\,\mathrm{sign}(w)]`, then a coordinate
    whose sign flipped is set to zero (it reached zero within the step and stays there). The
    requested times are rounded to the step grid (``round(t/dt)`` steps).
    """
    w, lam_f, ts = validate_inputs(w0, lam, t)
    h = require_positive("dt", dt)
    cur = w.astype(dtype, copy=True)
    sgn = np.sign(cur)
    steps = np.rint(ts / h).astype(np.int64)
    l1 = np.empty(ts.size)
    nsq = np.empty(ts.size)
    mp = np.empty(ts.size)
    done = 0
    for j, target in enumerate(steps):
        while done < target:
            s = 1.0 - float(cur @ cur)
            cur += h * (s * cur - lam_f * sgn)
            flipped = cur * sgn <= 0
            if flipped.any():
                cur[flipped] = 0.0
                sgn[flipped] = 0.0
            done += 1
        l1[j] = float(np.abs(cur).sum(dtype=np.float64))
        nsq[j] = float(cur @ cur)
        mp[j] = float(np.count_nonzero(cur))
    return SparsifyTrajectory(t=steps * h, l1=l1, norm_sq=nsq, m_prime=mp, rel_var=_rel_var(mp, l1, nsq))


def survives(
    w0: Any,
    lam: Any,
    *,
    method: str = "reduced",
    t_max: float = 200.0,
    rtol: float = 1e-10,
    atol: float = 1e-13,
) -> bool:
    r"""Whether some weight of ``w0`` is still nonzero when the flow at ``lam`` has decided.

    ``method="reduced"``: the state :math:`(S, u)` of :func:`integrate_reduced` is integrated in
    steps of 2 time units until either the top magnitude ``u`` reaches 0 (every weight has died:
    ``False``) or the survival certificate :math:`s\,u > \lambda` holds at a step point
    (``True``): the set :math:`\{s u > \lambda\}` is forward-invariant, since where
    :math:`s u = \lambda` one has :math:`d\|w\|^2/dt = (2\lambda/u)\sum_k |w_k|(|w_k| - u) \le 0`,
    so :math:`s` does not fall while ``u`` is stationary (the proof steps are
    :func:`polyverify.theory.sparsity.extinction_derivation`). ``method="full"``: brute force,
    :func:`integrate_full` to ``t_max`` and ``m' > 0`` at the end (no certificate; the check of
    the reduced decision). Raises if the reduced flow has not decided by ``t_max``.
    """
    w, lam_f, _ = validate_inputs(w0, lam, [0.0], check_lambda_bound=False)
    if method == "full":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            tr = integrate_full(w, lam_f, [0.0, float(t_max)], rtol=rtol, atol=atol)
        return bool(tr.m_prime[-1] > 0)
    if method != "reduced":
        raise ValueError(f"method must be 'reduced' or 'full'; got {method!r}")
    sm = SortedMagnitudes(w)

    def s_of(y: np.ndarray) -> float:
        return 1.0 - sm.sums(float(y[1]), math.exp(float(y[0])))[2]

    def rhs(_t: float, y: np.ndarray) -> list[float]:
        sv = s_of(y)
        return [sv, sv * float(y[1]) - lam_f if y[1] > 0 else 0.0]

    def dead(_t: float, y: np.ndarray) -> float:
        return float(y[1])

    dead.terminal = True  # type: ignore[attr-defined]
    dead.direction = -1  # type: ignore[attr-defined]
    y0, t0 = np.array([0.0, sm.top]), 0.0
    if s_of(y0) * sm.top > lam_f:
        return True
    while t0 < t_max:
        sol = solve_ivp(rhs, (t0, t0 + 2.0), y0, method="LSODA", rtol=rtol, atol=atol, events=dead)
        if sol.status == -1:  # pragma: no cover
            raise RuntimeError(f"reduced ODE failed: {sol.message}")
        if np.asarray(sol.t_events[0]).size:
            return False
        ys = np.asarray(sol.y)
        for j in range(ys.shape[1]):
            if ys[1, j] > 0 and s_of(ys[:, j]) * ys[1, j] > lam_f:
                return True
        t0, y0 = float(sol.t[-1]), ys[:, -1]
    raise RuntimeError(f"the reduced flow at lam={lam_f:g} has not decided by t_max={t_max:g}")


def critical_lambda(
    w0: Any, *, rtol: float = 1e-5, method: str = "reduced", t_max: float = 200.0
) -> tuple[float, float]:
    r"""A bracket ``(lo, hi)`` of the critical ``lam`` of ``w0``: some weight survives at ``lo``,
    every weight dies at ``hi``, ``hi - lo <= rtol * hi`` (bisection with :func:`survives`).

    Start: ``hi = max|w_k(0)|`` (every weight dies there: :math:`\dot u = s u - \lambda \le u - \lambda`
    with :math:`s \le 1`), ``lo = (1 - \|w(0)\|^2) \max|w_k(0)|`` (the certificate holds at
    ``t = 0``), halved while no weight survives there (an init with :math:`\|w(0)\| \ge 1`);
    both ends are checked, not assumed.
    """
    w = np.asarray(w0, dtype=float)
    hi = float(np.max(np.abs(w)))
    lo = hi * (1.0 - float(w @ w))
    tol = require_positive("rtol", rtol)
    if survives(w, hi, method=method, t_max=t_max):  # pragma: no cover - excluded by the flow (see above)
        raise RuntimeError("a weight survives at lam = max|w_k(0)|: the flow is not the no-interference flow")
    halvings = 0
    while lo <= 0 or not survives(w, lo, method=method, t_max=t_max):  # ||w(0)|| >= 1: no certificate at t = 0
        lo = hi / 2 ** (halvings + 1)
        halvings += 1
        if halvings > 60:  # pragma: no cover
            raise RuntimeError("no lam found at which a weight survives")
    while hi - lo > tol * hi:
        mid = 0.5 * (lo + hi)
        if survives(w, mid, method=method, t_max=t_max):
            lo = mid
        else:
            hi = mid
    return lo, hi
