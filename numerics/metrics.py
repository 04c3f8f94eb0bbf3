r"""Metrics of trained weights ``W`` (paper 1, §2.4, §2.5, Fig 3, Figs 4/5/7).

Every function takes ``W`` of shape ``(n, m)`` or ``(S, n, m)`` (``S`` seeds) as a numpy array
and returns per-seed values (leading shape ``W.shape[:-2]``); row ``W_i`` encodes feature ``i``.

Polysemantic neurons (:func:`count_polysemantic`), three rules:

* ``"window"`` — the published code's rule: weight ``W_ik`` is *active* when
  ``0.8 <= |W_ik| <= 1.2``; neuron ``k`` is polysemantic when ``>= 2`` features are active on it.
  A feature whose weight settled just outside the window (e.g. ``0.79`` under a large ``lam``:
  the l1 fixed point is :math:`|w| \approx 1 - \mathrm{lam}/8`) is not counted.
* ``"argmax"`` — threshold-free: each feature's *dominant* neuron is :math:`\arg\max_k |W_{ik}|`;
  neuron ``k`` is polysemantic when ``>= 2`` features have it as dominant neuron *and* carry
  most of their squared norm there (:math:`W_{ik}^2 > \tfrac12\|W_i\|^2`, so the neuron is
  really theirs, not a tie among small weights). Insensitive to where the weights settle.
* ``"threshold"`` — active when ``|W_ik| >= threshold`` (default 0.5), ``>= 2`` active features.

Reports compare the rules side by side (:func:`rule_table`).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from polyverify.theory.validation import require_in_interval, require_nonnegative, require_positive

__all__ = [
    "count_polysemantic",
    "rule_table",
    "l1_norms",
    "nonzeros",
    "fourth_norms",
    "dominant_share",
    "interference",
    "winners",
    "winner_matches_init",
    "summary",
]


def _w(W: Any) -> np.ndarray:
    a = np.asarray(W, dtype=float)
    if a.ndim not in (2, 3):
        raise ValueError(f"W must have shape (n, m) or (S, n, m); got shape {a.shape}")
    if a.shape[-1] < a.shape[-2]:
        raise ValueError(f"W must satisfy m >= n (paper 1 §2.1); got n={a.shape[-2]}, m={a.shape[-1]}")
    if not np.all(np.isfinite(a)):
        raise ValueError("W holds NaN or infinite values")
    return a


def count_polysemantic(
    W: Any,
    rule: Literal["window", "argmax", "threshold"] = "window",
    *,
    window: tuple[float, float] = (0.8, 1.2),
    threshold: float = 0.5,
    share: float = 0.5,
) -> np.ndarray:
    """Number of polysemantic neurons per seed under ``rule`` (see the module docstring).

    >>> W = np.array([[1.0, 0, 0], [-1.0, 0, 0], [0, 0.9, 0]])
    >>> int(count_polysemantic(W)), int(count_polysemantic(W, rule="argmax"))
    (1, 1)
    """
    a = np.abs(_w(W))
    if rule == "window":
        lo, hi = window
        if not 0 <= lo < hi:
            raise ValueError(f"window must satisfy 0 <= lo < hi; got {window}")
        active = (a >= lo) & (a <= hi)
    elif rule == "threshold":
        active = a >= require_positive("threshold", threshold)
    elif rule == "argmax":
        require_in_interval("share", share, 0.0, 1.0, closed_lo=True, closed_hi=False)
        sq = a**2
        top = sq.argmax(axis=-1)
        norm2 = sq.sum(axis=-1)
        peak = np.take_along_axis(sq, top[..., None], axis=-1)[..., 0]
        owns = (peak > share * norm2) & (norm2 > 0)
        active = np.zeros(a.shape, dtype=bool)
        np.put_along_axis(active, top[..., None], owns[..., None], axis=-1)
    else:
        raise ValueError(f"rule must be 'window', 'argmax' or 'threshold'; got {rule!r}")
    per_neuron = active.sum(axis=-2)  # (..., m)
    return (per_neuron >= 2).sum(axis=-1).astype(np.int64)


def rule_table(W: Any, *, window: tuple[float, float] = (0.8, 1.2)) -> dict[str, np.ndarray]:
    """Per-seed counts under every rule, for a side-by-side report."""
    return {
        "window": count_polysemantic(W, "window", window=window),
        "argmax": count_polysemantic(W, "argmax"),
        "threshold": count_polysemantic(W, "threshold"),
    }


def l1_norms(W: Any) -> np.ndarray:
    r""":math:`\|W_i\|_1` per row, shape ``(..., n)`` (§2.4's proxy for :math:`\sqrt{m'}`)."""
    return np.abs(_w(W)).sum(axis=-1)


def nonzeros(W: Any, *, tol: float = 0.0) -> np.ndarray:
    r"""``m'``: the number of entries with :math:`|W_{ik}| > \mathrm{tol}` per row.

    ``tol = 0`` counts exact zeros only (right for the proximal optimiser, which produces
    them); after plain GD weights oscillate around 0 at the scale ``lr * lam``, so pass a
    tolerance of that order.
    """
    return (np.abs(_w(W)) > require_nonnegative("tol", tol)).sum(axis=-1)


def fourth_norms(W: Any) -> np.ndarray:
    r""":math:`\|W_i\|_4^4 = \sum_k W_{ik}^4` per row (§3.2; equals 1 for a signed basis vector)."""
    return (_w(W) ** 4).sum(axis=-1)


def dominant_share(W: Any) -> np.ndarray:
    r""":math:`\max_k W_{ik}^2 / \|W_i\|^2` per row (1 when the row has one nonzero; 0 for a zero row)."""
    sq = _w(W) ** 2
    norm2 = sq.sum(axis=-1)
    return np.divide(sq.max(axis=-1), norm2, out=np.zeros_like(norm2), where=norm2 > 0)


def interference(W: Any) -> np.ndarray:
    r""":math:`\sum_{i\ne j} \mathrm{ReLU}(W_i\cdot W_j)^2` per seed (§2.3's interference loss)."""
    a = _w(W)
    G = a @ np.swapaxes(a, -1, -2)
    n = a.shape[-2]
    off = np.maximum(G, 0) ** 2 * (1 - np.eye(n))
    return off.sum(axis=(-1, -2))


def winners(W: Any) -> np.ndarray:
    r"""Each feature's final neuron :math:`\arg\max_k |W_{ik}|`, shape ``(..., n)``."""
    return np.abs(_w(W)).argmax(axis=-1)


def winner_matches_init(W: Any, init_argmax: Any) -> np.ndarray:
    """Fraction of features per seed whose final neuron is their initial largest-|weight| neuron."""
    w = winners(W)
    init = np.asarray(init_argmax)
    if init.shape != w.shape:
        raise ValueError(f"init_argmax must have shape {w.shape}; got {init.shape}")
    return (w == init).mean(axis=-1)


def summary(W: Any, *, init_argmax: Any | None = None, window: tuple[float, float] = (0.8, 1.2)) -> dict[str, Any]:
    """JSON-able per-seed metrics of a batch ``(S, n, m)``."""
    a = _w(W)
    if a.ndim == 2:
        a = a[None]
    out: dict[str, Any] = {f"polysemantic_{k}": v.tolist() for k, v in rule_table(a, window=window).items()}
    out["fourth_norm_mean"] = fourth_norms(a).mean(axis=-1).tolist()
    out["l1_norm_mean"] = l1_norms(a).mean(axis=-1).tolist()
    out["nonzeros_mean"] = nonzeros(a).mean(axis=-1).tolist()
    out["dominant_share_min"] = dominant_share(a).min(axis=-1).tolist()
    out["interference"] = interference(a).tolist()
    if init_argmax is not None:
        out["winner_is_init_argmax"] = winner_matches_init(a, np.asarray(init_argmax).reshape(a.shape[:-1])).tolist()
    return out
