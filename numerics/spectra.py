r"""Eigenspectra of activations, power-law fits, synthetic spectra and random projections
(paper 2, §2 and Methods "Statistics"; Fig. 3b, Fig. 4).

* :func:`eigenspectrum` — Methods: PCA with a randomized SVD solver, at most 1000 components,
  keeping every ``s``-th unit so that the dimension stays below 8000.
* :func:`fit_power_law` — Methods: Huber regression of log explained variance on log component
  index over components ``lo..hi`` (10..50), returning :math:`\hat\alpha` with a confidence
  interval from Huber's sandwich (M-estimator) covariance (see :class:`PowerLawFit`).
* :func:`synthetic_activations`, :func:`smooth_trajectory` — Gaussian activations with a
  prescribed spectrum :math:`\lambda_i = i^\alpha` in a random basis (plus isotropic noise),
  independent over samples or an AR(1) trajectory over frames.
* :func:`projection_energy`, :func:`projection_action` — per-projection Monte Carlo samples of
  :math:`\overline{\tfrac12\|z_t\|^2}` and :math:`\tfrac12\sum_t\|z_{t+1}-z_t\|^2` for
  :math:`z_t = A_t r`, :math:`r_{ij}\sim\mathcal N(0, 1/m)`.

Nothing here uses a closed form of :mod:`theory`; only :mod:`theory.validation`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from polyverify.theory.validation import require_in_interval, require_int, require_nonnegative, require_real
from ._lazy import lazy_module

_st = lazy_module("scipy.stats", globals())  # scipy.stats costs ~1 s to import; loaded on first use

__all__ = [
    "PowerLawFit",
    "eigenspectrum",
    "subsample_stride",
    "fit_power_law",
    "window_resolved",
    "synthetic_activations",
    "smooth_trajectory",
    "random_projections",
    "projection_energy",
    "projection_action",
    "total_variance",
]

MAX_COMPONENTS = 1000
MAX_DIM = 8000
HUBER_EPSILON = 1.35
"""sklearn's default Huber threshold (95% efficiency at the normal)."""


def _matrix(name: str, acts: Any) -> np.ndarray:
    x = np.asarray(acts, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (samples x units); got shape {x.shape}")
    if x.shape[0] < 2 or x.shape[1] < 1:
        raise ValueError(f"{name} must hold at least 2 samples and 1 unit; got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite (no NaN or infinite values)")
    return x


def subsample_stride(dim: int, max_dim: int = MAX_DIM) -> int:
    """The smallest stride ``s`` with ``len(range(0, dim, s)) < max_dim`` (Methods)."""
    d = require_int("dim", dim, minimum=1)
    cap = require_int("max_dim", max_dim, minimum=2)
    s = max(1, d // cap)
    while math.ceil(d / s) >= cap:
        s += 1
    return s


def eigenspectrum(
    acts: Any,
    *,
    n_components: int | None = None,
    max_dim: int = MAX_DIM,
    seed: int = 0,
    threads: int | None = 1,
) -> np.ndarray:
    """Explained variances (descending) of the PCA of ``acts`` (``samples x units``), as in Methods.

    Every ``s``-th unit is kept (:func:`subsample_stride`) so the dimension is below ``max_dim``;
    PCA uses sklearn's randomized SVD with ``n_components`` (default ``min(1000, dim)``), seeded
    by ``seed``, on ``threads`` BLAS threads (``None``: the library default).
    Raises ``ValueError`` naming the assumption for: a non-2-D array or fewer than 2 samples,
    NaN or infinite values, constant activations (every unit of zero variance), fewer samples
    than components (``n_samples >= n_components``), ``n_components > min(1000, dim)``.
    """
    from sklearn.decomposition import PCA

    x = _matrix("acts", acts)
    x = x[:, :: subsample_stride(x.shape[1], max_dim)]
    dim = x.shape[1]
    nc = min(MAX_COMPONENTS, dim) if n_components is None else require_int("n_components", n_components, minimum=1)
    if nc > min(MAX_COMPONENTS, dim):
        raise ValueError(f"n_components must satisfy n_components <= min(1000, dim) = {min(MAX_COMPONENTS, dim)}; got {nc}")
    if x.shape[0] < nc:
        raise ValueError(
            f"acts must satisfy n_samples >= n_components (at least n_components samples, rows, for a PCA of "
            f"{nc} components); got n_samples={x.shape[0]}"
        )
    if not np.any(np.ptp(x, axis=0) > 0):
        raise ValueError("acts must not be constant (every unit has zero variance)")
    pca = PCA(n_components=nc, svd_solver="randomized", random_state=seed)
    with threadpool_limits(limits=threads):  # oversubscribed BLAS threads slow this 10-30x
        pca.fit(x)
    return np.asarray(pca.explained_variance_, dtype=float)


def _rounding_floor(lam: np.ndarray) -> float:
    return lam.size * np.finfo(float).eps * float(np.max(np.abs(lam))) if lam.size else 0.0


def window_resolved(eigvals: Any, lo: int = 10, hi: int = 50) -> bool:
    """Whether components ``lo..hi`` exist, are finite and lie above the rounding level
    ``len(eigvals) * eps * max(eigvals)`` — the conditions :func:`fit_power_law` requires of them."""
    lam = np.asarray(eigvals, dtype=float).ravel()
    if lam.size < hi or not np.all(np.isfinite(lam)):
        return False
    return bool(np.all(lam[lo - 1 : hi] > max(_rounding_floor(lam), 0.0)))


@dataclass(frozen=True, kw_only=True)
class PowerLawFit:
    r"""A fitted power law :math:`\lambda_i \approx e^{c} i^{\alpha}` over components ``lo..hi``.

    ``stderr`` is Huber's sandwich standard error of the slope,
    :math:`\widehat{\mathrm{Cov}} = \frac{N}{N-2}\, s^2 M^{-1} \hat\Omega M^{-1}`,
    :math:`M = \sum_i \psi'_i x_i x_i^\top`, with :math:`\psi` Huber's function at the fitted
    scale :math:`s` (the asymptotic covariance of an M-estimator, Huber 1973) and
    :math:`\hat\Omega` the Newey–West (HAC) estimate of :math:`\mathrm{Var}\sum_i\psi_i x_i`
    with Bartlett weights and bandwidth :math:`\lfloor 4(N/100)^{2/9}\rfloor`: neighbouring
    sample eigenvalues are correlated, so the plain sandwich (independent residuals) is too
    narrow. It measures the scatter of the log-eigenvalues about the line;
    it does *not* include a smooth bias of sample eigenvalues (that is measured by the claim
    ``spectra.power_law_fit`` and reported as the estimator's bias). ``ci_lo``/``ci_hi`` use the
    Student-t quantile with ``N-2`` degrees of freedom at ``level``.
    """

    alpha: float
    intercept: float
    stderr: float
    ci_lo: float
    ci_hi: float
    level: float
    lo: int
    hi: int

    def contains(self, value: float) -> bool:
        return bool(self.ci_lo <= value <= self.ci_hi)


def fit_power_law(eigvals: Any, lo: int = 10, hi: int = 50, *, level: float = 0.95) -> PowerLawFit:
    """Huber regression of ``log eigvals[i-1]`` on ``log i`` for ``i = lo..hi`` (1-based, inclusive).

    Raises ``ValueError`` naming the assumption for: ``lo < 1``, ``lo >= hi - 1`` (fewer than 3
    components in the window), ``hi > len(eigvals)`` (a window beyond the spectrum), ``eigvals``
    not 1-D, NaN or infinite eigenvalues, eigenvalues in the window that are non-positive or at
    rounding level (``<= len(eigvals) eps max(eigvals)``: rank-deficient or constant
    activations), ``level`` outside (0, 1).

    >>> lam = np.arange(1, 101, dtype=float) ** -1.3
    >>> round(fit_power_law(lam).alpha, 6)
    -1.3
    """
    from sklearn.linear_model import HuberRegressor

    lo_ = require_int("lo", lo, minimum=1)
    hi_ = require_int("hi", hi, minimum=1)
    if lo_ >= hi_ - 1:
        raise ValueError(f"lo and hi must satisfy lo < hi - 1 (at least 3 components to fit); got lo={lo_}, hi={hi_}")
    lev = require_in_interval("level", level, 0.0, 1.0, closed_lo=False, closed_hi=False)
    lam = np.asarray(eigvals, dtype=float)
    if lam.ndim != 1:
        raise ValueError(f"eigvals must be a 1-D array of explained variances; got shape {lam.shape}")
    if hi_ > lam.size:
        raise ValueError(f"hi must satisfy hi <= len(eigvals) (fit window within the spectrum); got hi={hi_}, len={lam.size}")
    if not np.all(np.isfinite(lam)):
        raise ValueError("eigvals must be finite (no NaN or infinite values)")
    window = lam[lo_ - 1 : hi_]
    if np.any(window <= 0):
        raise ValueError("eigvals must be positive over the fit window (log of a non-positive variance)")
    floor = _rounding_floor(lam)
    if np.any(window <= floor):
        # PCA eigenvalues are accurate to ~ n eps lambda_max: below that the log is rounding noise
        raise ValueError(
            "eigvals must exceed the rounding level len(eigvals) * eps * max(eigvals) over the fit window "
            f"(= {floor:.2e}; numerically zero variances: rank-deficient or constant activations)"
        )
    u = np.log(np.arange(lo_, hi_ + 1, dtype=float))
    v = np.log(window)
    # alpha=0: no ridge penalty on the slope (sklearn's default 1e-4 would shrink it)
    reg = HuberRegressor(epsilon=HUBER_EPSILON, alpha=0.0, max_iter=1000).fit(u[:, None], v)
    slope, icpt, scale = float(reg.coef_[0]), float(reg.intercept_), float(reg.scale_)
    resid = (v - icpt - slope * u) / scale
    psi = np.clip(resid, -HUBER_EPSILON, HUBER_EPSILON)
    dpsi = (np.abs(resid) <= HUBER_EPSILON).astype(float)
    xmat = np.column_stack([np.ones_like(u), u])
    bread = (xmat * dpsi[:, None]).T @ xmat
    npts = u.size
    g = xmat * psi[:, None]
    meat = g.T @ g
    lags = int(math.floor(4 * (npts / 100) ** (2 / 9)))  # Newey-West (1994) rule-of-thumb bandwidth
    for lag in range(1, lags + 1):
        w = 1.0 - lag / (lags + 1)  # Bartlett kernel keeps the estimate positive semi-definite
        cross = g[lag:].T @ g[:-lag]
        meat += w * (cross + cross.T)
    try:
        binv = np.linalg.inv(bread)
        cov = npts / (npts - 2) * scale**2 * binv @ meat @ binv
        se = float(math.sqrt(max(cov[1, 1], 0.0)))
    except np.linalg.LinAlgError:
        se = float("inf")  # too many points flagged as outliers: no usable interval
    tq = float(_st.t.ppf(0.5 + lev / 2, npts - 2))
    return PowerLawFit(
        alpha=slope, intercept=icpt, stderr=se, ci_lo=slope - tq * se, ci_hi=slope + tq * se, level=lev, lo=lo_, hi=hi_
    )


def _spectrum(alpha: float, m: int) -> np.ndarray:
    return np.arange(1, m + 1, dtype=float) ** alpha


def _basis(m: int, rng: np.random.Generator) -> np.ndarray:
    q, r = np.linalg.qr(rng.standard_normal((m, m)))
    return q * np.sign(np.diag(r))


def synthetic_activations(
    alpha: Any, m: Any, n_samples: Any, *, rng: np.random.Generator, noise: Any = 0.0, rotate: bool = True
) -> np.ndarray:
    r"""``n_samples x m`` Gaussian activations with covariance :math:`Q\,\mathrm{diag}(i^\alpha)Q^\top
    + \text{noise}^2 I` (``Q`` a random orthogonal basis when ``rotate``), independent rows."""
    a = require_real("alpha", alpha)
    m_ = require_int("m", m, minimum=2)
    n_ = require_int("n_samples", n_samples, minimum=2)
    nz = require_nonnegative("noise", noise)
    x = rng.standard_normal((n_, m_)) * np.sqrt(_spectrum(a, m_))
    if rotate:
        x = x @ _basis(m_, rng).T
    if nz > 0:
        x = x + nz * rng.standard_normal((n_, m_))
    return x


def smooth_trajectory(
    alpha: Any, m: Any, n_frames: Any, *, rho: Any, rng: np.random.Generator, noise: Any = 0.0
) -> np.ndarray:
    r"""``n_frames x m`` stationary AR(1) trajectory, :math:`x_{t+1} = \rho x_t + \sqrt{1-\rho^2}\,\varepsilon_t`,
    with stationary covariance :math:`Q\,\mathrm{diag}(i^\alpha)Q^\top` (+ white noise of std ``noise``).
    ``rho`` near 1 gives a smooth trajectory, ``rho = 0`` independent frames."""
    a = require_real("alpha", alpha)
    m_ = require_int("m", m, minimum=2)
    n_ = require_int("n_frames", n_frames, minimum=2)
    rh = require_in_interval("rho", rho, 0.0, 1.0, closed_hi=False)
    nz = require_nonnegative("noise", noise)
    eps = rng.standard_normal((n_, m_))
    x = np.empty((n_, m_))
    x[0] = eps[0]
    c = math.sqrt(1 - rh**2)
    for t_ in range(1, n_):
        x[t_] = rh * x[t_ - 1] + c * eps[t_]
    x = (x * np.sqrt(_spectrum(a, m_))) @ _basis(m_, rng).T
    if nz > 0:
        x = x + nz * rng.standard_normal((n_, m_))
    return x


def random_projections(m: Any, k: Any, trials: Any, *, rng: np.random.Generator) -> np.ndarray:
    """``trials x m x k`` projection matrices with i.i.d. ``N(0, 1/m)`` entries (paper 2, §2)."""
    m_ = require_int("m", m, minimum=1)
    k_ = require_int("k", k, minimum=1)
    n_ = require_int("trials", trials, minimum=1)
    return rng.standard_normal((n_, m_, k_)) / math.sqrt(m_)


def _batched(x: np.ndarray, k: int, trials: int, rng: np.random.Generator, reduce) -> np.ndarray:
    out = np.empty(trials)
    batch = max(1, int(4_000_000 // max(1, x.shape[0] * k + x.shape[1] * k)))
    done = 0
    while done < trials:
        b = min(batch, trials - done)
        r = random_projections(x.shape[1], k, b, rng=rng)
        with threadpool_limits(limits=1):
            z = np.einsum("tm,bmk->btk", x, r, optimize=True)
        out[done : done + b] = reduce(z)
        done += b
    return out


def projection_energy(acts: Any, *, k: Any = 3, trials: Any, rng: np.random.Generator) -> np.ndarray:
    r"""Per projection: :math:`\frac1n\sum_t \tfrac12\|(A_t-\bar A)r\|^2` (the Supplement's energy
    ``½‖Ar‖²`` of centred activations, averaged over the ``n`` rows)."""
    x = _matrix("acts", acts)
    x = x - x.mean(axis=0)
    return _batched(x, require_int("k", k, minimum=1), require_int("trials", trials, minimum=2), rng,
                    lambda z: 0.5 * np.mean(np.sum(z**2, axis=2), axis=1))


def projection_action(acts: Any, *, k: Any = 3, trials: Any, rng: np.random.Generator) -> np.ndarray:
    r"""Per projection: the discrete action :math:`\tfrac12\sum_t\|z_{t+1}-z_t\|^2` of the projected
    trajectory (rows of ``acts`` are frames in time order; the helpers' "energy" of Supplement §1)."""
    x = _matrix("acts", acts)
    d = np.diff(x, axis=0)
    return _batched(d, require_int("k", k, minimum=1), require_int("trials", trials, minimum=2), rng,
                    lambda z: 0.5 * np.sum(z**2, axis=(1, 2)))


def total_variance(acts: Any) -> float:
    """Sum of the eigenvalues of the (``ddof=0``) covariance of the rows = its trace."""
    x = _matrix("acts", acts)
    return float(np.sum((x - x.mean(axis=0)) ** 2) / x.shape[0])
