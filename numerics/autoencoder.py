r"""Training the tied autoencoder of paper 1 (§2.1, §3.1) with l1 and/or hidden-layer noise.

Model (paper 1, §2.1 and §3.1). ``W`` is ``n × m``; row ``W_i`` encodes feature ``i``. For an
input ``x`` the hidden layer is :math:`h = W^\top x + \xi` and the output
:math:`y = \mathrm{ReLU}(W h)`. The data are the ``n`` basis vectors ``e_i``, trained full batch.
The loss of one step is

.. math:: \mathcal L = \sum_i \|y(e_i) - e_i\|^2 + \mathrm{lam}\sum_i \|W^\top e_i\|_1 ,

the l1 penalty acting on the hidden activations :math:`W^\top x` *before* the noise. For a basis
input :math:`W^\top e_i = W_i`, so the penalty is exactly :math:`\mathrm{lam}\,\|W\|_1` — the
published code's ``l1 * |W|.sum()``. Without noise, :math:`y(e_i)_j = \mathrm{ReLU}(W_j\cdot W_i)`
and :math:`\mathcal L` is the loss printed in §2.3 with :math:`\lambda = \mathrm{lam}`.

Analytic gradient (used instead of autograd; checked against autograd in the tests). With
``H = W + Ξ`` (row ``i`` = hidden layer on input ``e_i``), ``Z = H W^T``, ``R = ReLU(Z) - I`` and
``G = 2 R ⊙ 1[Z > 0]``:

.. math:: \partial\mathcal L/\partial W = G^\top H + G W + \mathrm{lam}\,\mathrm{sign}(W).

(decoder part :math:`G^\top H`, encoder part :math:`G W`); for one input with no interference
this is the paper's :math:`2(W_i\cdot\xi)(2W_i+\xi)` (Appendix C.1).

Gradient descent and gradient-flow time
---------------------------------------
Plain GD, :math:`W_{k+1} = W_k - \eta\,\partial\mathcal L/\partial W`, is the explicit Euler
scheme of :math:`\mathrm dW/\mathrm dt = -\partial\mathcal L/\partial W` with step ``η``: after
``k`` steps the ODE time is :math:`t = \eta k` (the paper's "learning rate multiplied by the
number of training steps", §2.3) and the global error is :math:`O(\eta)` on a fixed horizon.
That ODE is §2.3's printed one, *with* its factors 4:
:math:`\dot W_i = 4(1-\|W_i\|^2)W_i - 4\sum_{j\ne i}\mathrm{ReLU}(W_i\cdot W_j)W_j - \mathrm{lam}\,\mathrm{sign}(W_i)`.
The paper then drops the 4s (footnote 5). Dividing by 4 and setting :math:`T = 4t`:
:math:`\mathrm dW_i/\mathrm dT = (1-\|W_i\|^2)W_i - \sum_{j\ne i}\mathrm{ReLU}(W_i\cdot W_j)W_j - (\mathrm{lam}/4)\,\mathrm{sign}(W_i)`,
so **the paper's time is** :math:`T = 4\eta k` **and its** :math:`\lambda = \mathrm{lam}/4`
(:func:`gradient_flow_time`, :func:`paper_lambda`; checked against ``scipy.integrate.solve_ivp`` in
``verify/claims/training.py``). A proximal step (``optimizer="prox"``) is the forward–backward
splitting of the same flow (also first order), with exact zeros.

Noise (§3.1): ``noise`` names a law of unit variance scaled by ``sigma`` (``bipolar`` ±1,
``uniform`` on :math:`[-\sqrt3, \sqrt3]`, ``normal``, ``laplace`` with scale :math:`1/\sqrt2`), or
is a user sampler. ``noise_sharing="per_input"`` (default) draws an independent ξ for each of
the ``n`` inputs at every step, as the paper's text says ("every time the auto-encoder is run");
``"shared"`` draws one ξ per step shared by all inputs *and by all seeds of the batch*, as the
published code does (one noise vector per step for its 16 instances). That couples the seeds:
their runs are no longer independent, so an interval computed over seeds (t or CLT) is not
valid, and a seed's result depends on the whole seed tuple (the shared stream is seeded by
``(*seeds, 2)``). ``"shared_per_seed"`` draws one ξ per step shared by all inputs but
independently per seed (seeded by ``(s, 1)`` as per-input noise): the published code's
within-step sharing with seeds that stay independent, so seed intervals remain valid.

Batching: all seeds train at once as one ``(S, n, m)`` tensor with ``torch.bmm``. Every random
draw of seed ``s`` comes from its own ``torch.Generator`` (init seeded by ``s``; noise by
``(s, 1)``) in chunks whose size depends only on ``(n, m)`` and the sharing mode, so a seed's
result does not depend on which other seeds share the batch — except under
``noise_sharing="shared"``, whose one noise stream is common to the batch by design.
"""

from __future__ import annotations

import dataclasses
import json
import math
import numbers
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from polyverify.theory.validation import require_int, require_nonnegative, require_positive, require_real, require_m_ge_n

from . import metrics as _metrics
from ._lazy import lazy_module

if TYPE_CHECKING:
    import torch
else:
    torch = lazy_module("torch", globals())  # loaded by the first training call, not by import

__all__ = [
    "NOISE_LAWS",
    "NoiseSampler",
    "TrainConfig",
    "TrainResult",
    "train",
    "train_batch",
    "batch_signature",
    "initial_weights",
    "resolve_device",
    "gradient_flow_time",
    "paper_time",
    "paper_lambda",
    "stable_lr",
    "TRAINING_REVISION",
    "loss_and_grad",
    "grad_one_sparse_rows",
    "grad_sparse",
    "grad_noise_free",
    "reconstruction_loss",
    "sample_noise",
]

TRAINING_REVISION = 2
"""Revision of what :func:`train` computes for a given config; part of every sweep key, so stored
runs of an earlier revision are retrained, not reused. 2: each seed stops on its own, after a quiet
stretch from step k₁ to 2 k₁ (1: all seeds stopped together at the first quiet record)."""

NoiseSampler = Callable[..., "torch.Tensor"]
"""A user noise law: ``sampler(shape, *, generator, dtype, device) -> Tensor`` of i.i.d. draws
with mean 0 and variance 1 (``train`` multiplies by ``sigma``). Mark a law without a finite
fourth moment with an attribute ``finite_fourth_moment = False``; it is then rejected (the
analysis of §3.2 needs :math:`\\mu_4 < \\infty`)."""


def _bipolar(shape, *, generator, dtype, device):
    return torch.randint(0, 2, shape, generator=generator, device=device).to(dtype) * 2 - 1


def _uniform(shape, *, generator, dtype, device):
    return (torch.rand(shape, generator=generator, dtype=dtype, device=device) * 2 - 1) * math.sqrt(3.0)


def _normal(shape, *, generator, dtype, device):
    return torch.randn(shape, generator=generator, dtype=dtype, device=device)


def _laplace(shape, *, generator, dtype, device):
    u = torch.rand(shape, generator=generator, dtype=torch.float64, device=device) - 0.5
    tiny = torch.finfo(torch.float64).tiny
    x = -torch.sign(u) * torch.log(torch.clamp(1 - 2 * u.abs(), min=tiny)) / math.sqrt(2.0)
    return x.to(dtype)


NOISE_LAWS: Mapping[str, NoiseSampler] = {
    "bipolar": _bipolar,
    "uniform": _uniform,
    "normal": _normal,
    "laplace": _laplace,
}
"""Unit-variance noise laws by name; excess kurtosis −2, −6/5, 0 and +3 respectively."""

_OPTIMIZERS = ("gd", "prox", "adamw")
_SHARING = ("per_input", "shared", "shared_per_seed")
_DEVICES = ("auto", "cpu", "cuda")
_DTYPES = ("float32", "float64")


def resolve_device(device: str) -> str:
    """``"auto"`` → ``"cuda"`` when available, else ``"cpu"``; ``"cuda"`` without CUDA is an error.

    >>> resolve_device("cpu")
    'cpu'
    """
    if device not in _DEVICES:
        raise ValueError(f"device must be one of {_DEVICES}; got {device!r}")
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device='cuda' needs a CUDA build of torch and a visible GPU; none is available here")
    return device


def gradient_flow_time(lr: float, steps: int) -> float:
    r"""ODE time :math:`t = \eta k` of §2.3's flow (with its factors 4) after ``steps`` GD steps."""
    return require_positive("lr", lr) * require_int("steps", steps, minimum=0)


def paper_time(lr: float, steps: int) -> float:
    r"""Time :math:`T = 4\eta k` of the reduced flow the paper analyses (factors 4 dropped, fn. 5)."""
    return 4.0 * gradient_flow_time(lr, steps)


def stable_lr(n: int, m: int, *, margin: float = 1.6) -> float:
    r"""A step size for noise-free training at width ``m``: ``margin / (8 (1 + sqrt(n/m))^2)``.

    Explicit steps of ``-∇L`` are stable while ``lr · λ_max < 2``, ``λ_max`` the top eigenvalue of
    the loss Hessian. At the ``N(0, 1/m)`` initialisation the interference ``W W^T`` has the
    Marchenko-Pastur edge :math:`(1 + \sqrt{n/m})^2` and the reconstruction loss's curvature is about
    8 times that; past the l1 phase rows are unit vectors, where the curvature is 8 (that of
    :math:`(1 - r^2)^2` at :math:`r = 1`). Measured by power iteration on Hessian-vector products at
    ``n = 256`` (seed 0): λ_max = 39.7, 21.6 and 13.9 at m = 256, 1024 and 4096 against the formula's
    32.0, 18.0 and 12.5, so the default ``margin = 1.6`` gives ``lr · λ_max`` = 1.99, 1.92 and 1.78
    at the start: stable (at ``m = n`` this is the library's earlier fixed
    ``lr = 0.05``). A larger step only moves along the same gradient flow faster, with O(lr) error.

    >>> round(stable_lr(256, 256), 4), round(stable_lr(256, 4096), 4)
    (0.05, 0.128)
    """
    n, m = require_m_ge_n(n, m)
    margin = require_positive("margin", margin)
    if margin >= 2:
        raise ValueError(f"margin must satisfy 0 < margin < 2 (lr * lambda_max < 2 for stable steps); got {margin}")
    return margin / (8.0 * (1.0 + math.sqrt(n / m)) ** 2)


def paper_lambda(lam: float) -> float:
    r"""The paper's :math:`\lambda` in the reduced flow: ``lam / 4`` (footnote 5)."""
    return require_nonnegative("lam", lam) / 4.0


def _require_seeds(value: Any) -> tuple[int, ...]:
    """``seeds`` as a tuple: an int ``k >= 1`` means the seeds ``0 .. k-1``; otherwise a sequence
    of distinct non-negative ints (a list, tuple, range or 1-D integer array). Floats, bools,
    strings, sets and anything else are rejected with a ValueError naming ``seeds``."""

    def as_int(x: Any) -> int | None:
        if isinstance(x, (bool, np.bool_)) or not isinstance(x, (numbers.Integral, np.integer)):
            return None
        return int(x)

    count = as_int(value)
    if count is not None:
        if count < 1:
            raise ValueError(f"seeds must be a count >= 1 (seeds=k means seeds 0..k-1) or a sequence of seeds; got {count}")
        return tuple(range(count))
    if isinstance(value, np.ndarray):
        if value.ndim != 1:
            raise ValueError(f"seeds must be a 1-D sequence of seeds; got an array of shape {value.shape}")
        value = value.tolist()
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise ValueError(f"seeds must be an int >= 1 or a sequence of distinct non-negative ints; got {value!r}")
    seeds = tuple(as_int(s) for s in value)
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    bad = [s for s, k in zip(value, seeds) if k is None or k < 0]
    if bad:
        raise ValueError(f"seeds must be non-negative ints; got {bad[0]!r} in {list(value)!r}")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct (repeated seeds give identical runs); got {seeds}")
    return seeds


@dataclass(frozen=True, kw_only=True)
class TrainConfig:
    """Everything that determines a training run (validated on construction).

    ``n, m``: features and neurons (``m >= n``, §2.1). ``lam``: l1 coefficient (``>= 0``).
    ``noise``/``sigma``/``noise_sharing``: hidden-layer noise (§3.1); ``noise_sharing`` is
    ``"per_input"`` (the paper's text), ``"shared"`` (one ξ per step for all inputs and all seeds,
    as the published code: seeds are then coupled and seed intervals invalid) or
    ``"shared_per_seed"`` (one ξ per step for all inputs, independent per seed). ``steps``/``lr``/
    ``optimizer``: ``"gd"`` plain gradient descent (subgradient ``sign(0) = 0``), ``"prox"``
    proximal gradient (soft-thresholding; exact zeros), ``"adamw"`` as the published code
    (betas 0.9/0.999, eps 1e-8, decoupled ``weight_decay``, default 0.01 as ``torch.optim.AdamW``).
    ``seeds``: one independent run per seed, batched; an int ``k`` means seeds ``0 .. k-1`` (stored
    as a tuple). ``init_std``: std of the i.i.d. normal
    init (default ``1/sqrt(m)``: rows of length ≈ 1, §2.1). ``record_every``: trajectory stride.
    ``tol``: if ``> 0`` (noise-free only), a seed stops once its speed ``max|ΔW| / (lr · record_every)``
    between two records has stayed below ``tol`` from the step ``k₁`` where it fell below until step
    ``2 k₁`` (near a saddle the speed is small but grows: a seed resting at a slow saddle, e.g. a row
    with two equal coordinates under l1, leaves it within that stretch instead of being stopped there).
    It then leaves the batch (its result does not depend on the other seeds); the call ends when
    every seed has stopped or after ``steps``.
    ``threads``: CPU threads for torch during the call; ``None`` picks 1 on CPU (measured here:
    on a shared 2-core machine intra-op threads slow small steps down up to a hundredfold and
    large ones 2-6x; parallelise over runs with :mod:`numerics.sweep` instead).
    ``compact``: without noise and for ``gd``/``prox``, drop columns that are exactly zero in
    every row at record steps (they provably stay zero; see ``_train``) — a large saving once
    prox has sparsified the rows. ``window``: the published "active weight" window of the recorded polysemantic count.
    """

    n: int
    m: int
    lam: float = 0.0
    noise: str | NoiseSampler = "none"
    sigma: float = 0.0
    noise_sharing: Literal["per_input", "shared", "shared_per_seed"] = "per_input"
    steps: int = 1000
    lr: float = 0.01
    optimizer: Literal["gd", "prox", "adamw"] = "gd"
    weight_decay: float = 0.01
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    seeds: int | Sequence[int] = (0,)
    init_std: float | None = None
    device: Literal["auto", "cpu", "cuda"] = "auto"
    dtype: Literal["float32", "float64"] = "float32"
    record_every: int = 100
    tol: float = 0.0
    window: tuple[float, float] = (0.8, 1.2)
    threads: int | None = None
    compact: bool = True

    def __post_init__(self) -> None:
        n, m = require_m_ge_n(self.n, self.m)
        object.__setattr__(self, "n", n)
        object.__setattr__(self, "m", m)
        object.__setattr__(self, "lam", require_nonnegative("lam", self.lam))
        object.__setattr__(self, "sigma", require_nonnegative("sigma", self.sigma))
        if callable(self.noise):
            if getattr(self.noise, "finite_fourth_moment", True) is False:
                raise ValueError(
                    "noise must have a finite fourth moment (paper 1 §3.1 assumes mu_4 < inf); "
                    "the sampler says finite_fourth_moment=False"
                )
        elif self.noise != "none" and self.noise not in NOISE_LAWS:
            raise ValueError(f"noise must be 'none', one of {sorted(NOISE_LAWS)} or a sampler; got {self.noise!r}")
        if self.noise == "none" and self.sigma != 0:
            raise ValueError(f"sigma must be 0 when noise='none' (no noise law to scale); got {self.sigma}")
        if self.noise_sharing not in _SHARING:
            raise ValueError(f"noise_sharing must be one of {_SHARING}; got {self.noise_sharing!r}")
        object.__setattr__(self, "steps", require_int("steps", self.steps, minimum=1))
        object.__setattr__(self, "lr", require_positive("lr", self.lr))
        if self.optimizer not in _OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {_OPTIMIZERS}; got {self.optimizer!r}")
        object.__setattr__(self, "weight_decay", require_nonnegative("weight_decay", self.weight_decay))
        b1, b2 = (require_real("betas", b) for b in self.betas)
        if not (0 <= b1 < 1 and 0 <= b2 < 1):
            raise ValueError(f"betas must satisfy 0 <= beta < 1; got {self.betas}")
        object.__setattr__(self, "betas", (b1, b2))
        object.__setattr__(self, "eps", require_positive("eps", self.eps))
        object.__setattr__(self, "seeds", _require_seeds(self.seeds))
        if self.init_std is not None:
            object.__setattr__(self, "init_std", require_positive("init_std", self.init_std))
        if self.device not in _DEVICES:
            raise ValueError(f"device must be one of {_DEVICES}; got {self.device!r}")
        if self.dtype not in _DTYPES:
            raise ValueError(f"dtype must be one of {tuple(_DTYPES)}; got {self.dtype!r}")
        object.__setattr__(self, "record_every", require_int("record_every", self.record_every, minimum=1))
        object.__setattr__(self, "tol", require_nonnegative("tol", self.tol))
        if self.tol > 0 and self.noise != "none":
            raise ValueError("tol > 0 (stop at convergence) needs noise='none': noisy runs never settle")
        lo, hi = (require_real("window", w) for w in self.window)
        if not 0 <= lo < hi:
            raise ValueError(f"window must satisfy 0 <= lo < hi; got {self.window}")
        object.__setattr__(self, "window", (lo, hi))
        if not isinstance(self.compact, bool):
            raise ValueError(f"compact must be a bool; got {self.compact!r}")
        if self.threads is not None:
            object.__setattr__(self, "threads", require_int("threads", self.threads, minimum=1))

    @property
    def std(self) -> float:
        """The init std actually used (``1/sqrt(m)`` unless given)."""
        return self.init_std if self.init_std is not None else 1.0 / math.sqrt(self.m)

    def replace(self, **changes: Any) -> TrainConfig:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (a user sampler is recorded by its qualified name)."""
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        if callable(self.noise):
            d["noise"] = "custom:" + getattr(self.noise, "__module__", "?") + "." + getattr(
                self.noise, "__qualname__", type(self.noise).__name__
            )
        d["seeds"] = list(self.seeds)
        d["betas"] = list(self.betas)
        d["window"] = list(self.window)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> TrainConfig:
        """Inverse of :meth:`to_dict` (a custom sampler cannot be rebuilt: ``ValueError``)."""
        d = dict(d)
        if isinstance(d.get("noise"), str) and d["noise"].startswith("custom:"):
            raise ValueError(f"noise {d['noise']!r} is a user sampler and cannot be rebuilt from JSON")
        for key in ("seeds", "betas", "window"):
            if key in d:
                d[key] = tuple(d[key])
        return cls(**d)


# ----------------------------------------------------------------------------------------
# the loss and its gradient


def loss_and_grad(
    W: torch.Tensor, lam: float, xi: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Per-seed loss (without the l1 term) and its analytic gradient, for ``W`` of shape ``(S, n, m)``.

    ``xi`` is ``None`` (no noise), ``(S, n, m)`` (one ξ per input) or ``(S, 1, m)`` (shared).
    Returns ``(rec_loss (S,), grad_smooth (S, n, m))``; the l1 term ``lam * sum|W|`` and its
    subgradient are added by the optimiser (``lam`` is accepted here for symmetry and unused).
    """
    H = W if xi is None else W + xi
    Z = torch.bmm(H, W.transpose(1, 2))
    eye = torch.eye(W.shape[1], dtype=W.dtype, device=W.device)
    R = torch.relu(Z) - eye
    rec = (R * R).sum(dim=(1, 2))
    G = 2 * R * (Z > 0)
    grad = torch.bmm(G.transpose(1, 2), H) + torch.bmm(G, W)
    return rec, grad


def grad_noise_free(W: torch.Tensor) -> torch.Tensor:
    r"""The noise-free reconstruction gradient of :func:`loss_and_grad` with one product fewer.

    With ``H = W`` the two products :math:`G^\top W + G W` are one, :math:`(G + G^\top) W`; and
    :math:`G = 2R\odot 1[Z>0]` is :math:`2\,\mathrm{ReLU}(Z)` off the diagonal (there
    :math:`R = \mathrm{ReLU}(Z)`) and :math:`2(Z_{ii}-1)\,1[Z_{ii}>0]` on it. Two batched products
    instead of three; equal to :func:`loss_and_grad`'s gradient up to summation order (tests).
    The factor 2 scales the ``n x n`` matrix, not the ``n x m`` product: a power of two commutes
    with rounding, so the result is bit for bit that of scaling the product, one pass over
    ``S x n x m`` cheaper (tests).
    """
    Z = torch.bmm(W, W.transpose(1, 2))
    G = torch.relu(Z)
    d = torch.diagonal(Z, dim1=1, dim2=2)
    torch.diagonal(G, dim1=1, dim2=2).copy_(torch.where(d > 0, d - 1, torch.zeros_like(d)))
    A = (G + G.transpose(1, 2)).mul_(2)
    return torch.bmm(A, W)


def reconstruction_loss(W: torch.Tensor) -> torch.Tensor:
    r"""Per-seed noise-free reconstruction loss :math:`\sum_{ij}(\mathrm{ReLU}(W_i\cdot W_j) - \delta_{ij})^2`, ``(S,)``."""
    Z = torch.bmm(W, W.transpose(1, 2))
    R = torch.relu(Z) - torch.eye(W.shape[1], dtype=W.dtype, device=W.device)
    return (R * R).sum(dim=(1, 2))


def grad_sparse(W: torch.Tensor, *, max_column: int = 16) -> torch.Tensor | None:
    r"""The noise-free reconstruction gradient :math:`2 G W` (``G`` symmetric when ``H = W``) from the
    nonzeros of ``W`` alone, or ``None`` when some neuron holds more than ``max_column`` nonzeros.

    Only rows sharing a neuron interact: :math:`Z_{ij} = \sum_k W_{ik} W_{jk}` is summed over the
    pairs of nonzeros in each column, :math:`G_{ij} = 2\,\mathrm{ReLU}(Z_{ij})` off the diagonal and
    :math:`2(Z_{ii} - 1)` on it, and :math:`(2 G W)_{ik}` over the nonzeros of the rows ``j`` with
    :math:`G_{ij} \ne 0`. Work: the pairs :math:`\sum_k c_k^2` (``c_k`` nonzeros of neuron ``k``) and
    their rows' nonzeros, instead of :math:`n^2 m` per seed: once l1 has made the rows sparse, a
    few hundred times less at ``n = m = 256``. Equal to :func:`loss_and_grad`'s gradient up to
    summation order (tests).
    """
    S, n, K = W.shape
    s, i, k = torch.nonzero(W, as_tuple=True)  # row-major: sorted by (s, i, k)
    v = W[s, i, k]
    dev = W.device
    nnz = v.numel()
    if nnz == 0:
        return torch.zeros_like(W)
    # nonzeros of each neuron (s, k), padded to the fullest neuron
    col = s * K + k
    order = torch.argsort(col, stable=True)
    col_sorted = col[order]
    ucol, counts = torch.unique_consecutive(col_sorted, return_counts=True)
    cmax = int(counts.max())
    if cmax > max_column:
        return None
    slot = torch.arange(nnz, device=dev) - torch.repeat_interleave(torch.cumsum(counts, 0) - counts, counts)
    table = torch.full((ucol.numel(), cmax), -1, dtype=torch.long, device=dev)
    table[torch.repeat_interleave(torch.arange(ucol.numel(), device=dev), counts), slot] = order
    a = table[:, :, None].expand(-1, cmax, cmax)
    b = table[:, None, :].expand(-1, cmax, cmax)
    pair = (a >= 0) & (b >= 0)
    a, b = a[pair], b[pair]  # every ordered pair of nonzeros on one neuron (a == b included)
    key = (s[a] * n + i[a]) * n + i[b]
    ukey, inv = torch.unique(key, return_inverse=True)
    Z = torch.zeros(ukey.numel(), dtype=W.dtype, device=dev).index_add_(0, inv, v[a] * v[b])
    zs, zi, zj = ukey // (n * n), (ukey // n) % n, ukey % n
    G = torch.where(zi == zj, torch.where(Z > 0, Z - 1, torch.zeros_like(Z)), torch.relu(Z))
    keep = G != 0
    zs, zi, zj, G = zs[keep], zi[keep], zj[keep], G[keep]
    # nonzeros of each row (s, j), padded; grad[s, i, k] += 4 G_ij W_jk over row j's nonzeros
    row = s * n + i
    urow, rcounts = torch.unique_consecutive(row, return_counts=True)
    rmax = int(rcounts.max())
    rslot = torch.arange(nnz, device=dev) - torch.repeat_interleave(torch.cumsum(rcounts, 0) - rcounts, rcounts)
    rtable = torch.full((S * n, rmax), -1, dtype=torch.long, device=dev)
    rtable[row, rslot] = torch.arange(nnz, device=dev)
    ent = rtable[zs * n + zj]  # (pairs, rmax)
    p, e = torch.nonzero(ent >= 0, as_tuple=True)
    e = ent[p, e]
    target = (zs[p] * n + zi[p]) * K + k[e]
    grad = torch.zeros(S * n * K, dtype=W.dtype, device=dev).index_add_(0, target, 4 * G[p] * v[e])
    return grad.view(S, n, K)


_SPARSE_PER_ROW = 4
"""Mean nonzeros per row up to which training uses :func:`grad_sparse` (measured at n = 256, 4 seeds:
2x faster than the dense products at 2 nonzeros per row and m = 256, 4x at 3 per row and m = 1024)."""


def grad_one_sparse_rows(W: torch.Tensor) -> torch.Tensor:
    r"""The noise-free reconstruction gradient when every row of ``W`` has at most one nonzero,
    in :math:`O(S n)` after locating it.

    Row ``i`` holds :math:`v_i` at neuron :math:`k_i`. Then :math:`Z_{ij} = v_i v_j [k_i = k_j]`, the
    only interference is between rows on the same neuron with the same sign, and the gradient is
    supported on each row's own neuron:

    .. math:: \partial\mathcal L/\partial W_{i k_i} = 4 v_i \Big(\sum_{j:\,k_j = k_i,\ \mathrm{sign}\,v_j
              = \mathrm{sign}\,v_i} v_j^2 - 1\Big)

    (the self term :math:`4 v_i (v_i^2 - 1)` plus :math:`4 v_i v_j^2` per same-sign row sharing the
    neuron). Equal to :func:`loss_and_grad`'s gradient (tests); a dead row gets 0.
    """
    S, n, K = W.shape
    idx = W.abs().argmax(dim=2)  # (S, n)
    v = torch.gather(W, 2, idx[..., None])[..., 0]
    bucket = idx * 2 + (v > 0).to(idx.dtype)  # (neuron, sign) cell of each row
    q = torch.zeros((S, 2 * K), dtype=W.dtype, device=W.device).scatter_add_(1, bucket, v * v)
    g = 4 * v * (torch.gather(q, 1, bucket) - 1)
    return torch.zeros_like(W).scatter_(2, idx[..., None], (g * (v != 0))[..., None])




def sample_noise(
    law: str | NoiseSampler, shape: tuple[int, ...], *, generator: torch.Generator, dtype: torch.dtype, device: str
) -> torch.Tensor:
    """Unit-variance draws of ``law`` (a name of :data:`NOISE_LAWS` or a sampler)."""
    fn = law if callable(law) else NOISE_LAWS[law]
    x = fn(shape, generator=generator, dtype=dtype, device=device)
    if tuple(x.shape) != tuple(shape):
        raise ValueError(f"noise sampler returned shape {tuple(x.shape)}, expected {shape}")
    return x.to(dtype)


# ----------------------------------------------------------------------------------------
# results


_ARRAYS = ("W", "record_steps", "loss", "fourth_norm", "row_fourth_norm", "row_norm2", "polysemantic", "init_argmax",
           "init_sign", "seed_steps")
_OPTIONAL_ARRAYS = ("row_norm2", "seed_steps")  # absent from results saved before they were recorded


@dataclass(kw_only=True)
class TrainResult:
    """Final weights per seed, recorded trajectories and metrics of one :func:`train` call.

    Arrays (numpy): ``W`` ``(S, n, m)``; ``record_steps`` ``(R,)``; per seed and record:
    ``loss`` (noise-free loss incl. l1), ``fourth_norm`` (mean over rows of ‖W_i‖₄⁴),
    ``polysemantic`` (window-rule count) ``(S, R)``; ``row_fourth_norm`` ``(S, R, n)`` (‖W_i‖₄⁴) and
    ``row_norm2`` ``(S, R, n)`` (‖W_i‖₂², so ``row_fourth_norm / row_norm2**2`` is the fourth norm of
    the row's direction, free of the rows' length);
    ``init_argmax``/``init_sign`` ``(S, n)``: each feature's largest-|weight| neuron at init and
    that weight's sign. ``seed_steps`` ``(S,)``: the steps each seed ran (fewer than ``steps_run``, the
    batch's steps, when it converged earlier under ``tol``; its later records repeat its final values).
    ``metrics``: JSON-able per-seed lists (:func:`numerics.metrics.summary`).
    """

    config: dict[str, Any]
    W: np.ndarray
    record_steps: np.ndarray
    loss: np.ndarray
    fourth_norm: np.ndarray
    row_fourth_norm: np.ndarray
    row_norm2: np.ndarray
    polysemantic: np.ndarray
    init_argmax: np.ndarray
    init_sign: np.ndarray
    seed_steps: np.ndarray
    steps_run: int
    seconds: float
    device: str
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def seeds(self) -> tuple[int, ...]:
        return tuple(self.config["seeds"])

    def train_config(self) -> TrainConfig:
        """The :class:`TrainConfig` (``ValueError`` if it used a user sampler)."""
        return TrainConfig.from_dict(self.config)

    def save(self, directory: str | os.PathLike[str]) -> None:
        """Write ``arrays.npz`` and ``result.json`` into ``directory`` (created if needed)."""
        os.makedirs(directory, exist_ok=True)
        np.savez(os.path.join(directory, "arrays.npz"), **{k: getattr(self, k) for k in _ARRAYS})
        meta = {
            "config": self.config,
            "steps_run": self.steps_run,
            "seconds": self.seconds,
            "device": self.device,
            "metrics": self.metrics,
            "format": 1,
        }
        with open(os.path.join(directory, "result.json"), "w") as fh:
            json.dump(meta, fh, indent=1, sort_keys=True)

    @classmethod
    def load(cls, directory: str | os.PathLike[str]) -> TrainResult:
        """Read a result written by :meth:`save` (``allow_pickle=False``: no code is ever loaded)."""
        with open(os.path.join(directory, "result.json")) as fh:
            meta = json.load(fh)
        with np.load(os.path.join(directory, "arrays.npz"), allow_pickle=False) as z:
            arrays = {k: z[k] for k in _ARRAYS if k in z.files or k not in _OPTIONAL_ARRAYS}
        if "row_norm2" not in arrays:
            arrays["row_norm2"] = np.full_like(arrays["row_fourth_norm"], np.nan)
        if "seed_steps" not in arrays:  # saved before seeds stopped one by one: all ran steps_run
            arrays["seed_steps"] = np.full(arrays["W"].shape[0], int(meta["steps_run"]), dtype=np.int64)
        return cls(
            config=meta["config"],
            steps_run=int(meta["steps_run"]),
            seconds=float(meta["seconds"]),
            device=str(meta["device"]),
            metrics=meta["metrics"],
            **arrays,
        )


# ----------------------------------------------------------------------------------------
# training


def _chunk(config: TrainConfig) -> int:
    """Steps of noise drawn at once: a function of (n, m) only, so seeds stay batch-independent."""
    per_step = config.m * (config.n if config.noise_sharing == "per_input" else 1)
    return int(max(1, min(1024, 2**20 // per_step)))


class _NoiseStream:
    """ξ per step, ``(B, rows, m)`` for the batch of every config's seeds: ``rows = n`` per input, 1
    when shared across inputs. Under ``"shared"`` one generator per config (seeded by
    ``(*seeds, 2)``) feeds all that config's seeds the same draws; otherwise each seed has its own
    (seeded by ``(s, 1)``). Each element is scaled by its config's ``sigma``. Draws come from CPU
    generators and move to the device in chunks, so a seed's noise is the same on every device
    (a CUDA generator's stream differs from the CPU one; sweep keys leave the device out)."""

    def __init__(self, configs: list[TrainConfig], device: str, dtype: torch.dtype) -> None:
        first = configs[0]
        self.law, self.m, self.device, self.dtype = first.noise, first.m, device, dtype
        self.rows = first.n if first.noise_sharing == "per_input" else 1
        self.gens: list[tuple[torch.Generator, int]] = []  # (generator, how many batch elements it feeds)
        for c in configs:
            entropies = [([*c.seeds, 2], len(c.seeds))] if c.noise_sharing == "shared" else [([s, 1], 1) for s in c.seeds]
            for entropy, count in entropies:
                g = torch.Generator(device="cpu")
                g.manual_seed(int(np.random.SeedSequence(entropy).generate_state(1)[0]))
                self.gens.append((g, count))
        self.sigma = torch.tensor([c.sigma for c in configs for _ in c.seeds], dtype=dtype, device=device)
        self.chunk = _chunk(first)
        self.buf: torch.Tensor | None = None
        self.pos = self.chunk

    def next(self) -> torch.Tensor:
        if self.pos >= self.chunk:
            shape = (self.chunk, self.rows, self.m)
            draws = []
            for g, count in self.gens:
                x = sample_noise(self.law, shape, generator=g, dtype=self.dtype, device="cpu")
                draws.append(x[:, None].expand(-1, count, -1, -1))
            buf = torch.cat(draws, dim=1).to(self.device)
            self.buf = buf * self.sigma[None, :, None, None]  # (chunk, B, rows, m)
            self.pos = 0
        xi = self.buf[self.pos]
        self.pos += 1
        return xi


def initial_weights(config: TrainConfig) -> np.ndarray:
    """The initial ``W`` of every seed, ``(S, n, m)`` float64: i.i.d. ``N(0, init_std^2)`` drawn by a
    CPU ``torch.Generator`` seeded with the seed (identical on every device)."""
    return _init(config, "cpu", torch.float64).numpy()


def _init(config: TrainConfig, device: str, dtype: torch.dtype) -> torch.Tensor:
    ws = []
    for s in config.seeds:
        g = torch.Generator(device="cpu")
        g.manual_seed(int(s))
        ws.append(torch.randn((config.n, config.m), generator=g, dtype=torch.float64))
    return (torch.stack(ws) * config.std).to(device=device, dtype=dtype)


def _record(W: torch.Tensor, lam: torch.Tensor, window: tuple[float, float]) -> tuple[np.ndarray, ...]:
    rec = reconstruction_loss(W)
    loss = rec + lam * W.abs().sum(dim=(1, 2))
    rows4 = (W**4).sum(dim=2)
    rows2 = (W**2).sum(dim=2)
    a = W.abs()
    active = (a >= window[0]) & (a <= window[1])  # the "window" rule of numerics.metrics
    poly = (active.sum(dim=1) >= 2).sum(dim=1)
    return (
        loss.cpu().numpy().astype(np.float64),
        rows4.mean(dim=1).cpu().numpy().astype(np.float64),
        rows4.cpu().numpy().astype(np.float64),
        poly.cpu().numpy(),
        rows2.cpu().numpy().astype(np.float64),
    )


def train(config: TrainConfig) -> TrainResult:
    """Train ``len(config.seeds)`` independent autoencoders as one batch and return the result.

    Deterministic: the same config gives the same numbers (per-seed generators; deterministic
    algorithms are requested for the duration of the call, with warnings only).
    """
    if not isinstance(config, TrainConfig):
        raise ValueError(f"config must be a TrainConfig; got {type(config).__name__}")
    return train_batch([config])[0]


_BATCH_VARYING = frozenset({"lam", "lr", "sigma", "weight_decay", "seeds", "tol"})
"""Fields in which the configs of one :func:`train_batch` call may differ (the rest fix shapes,
the update rule or the noise law)."""


def batch_signature(config: TrainConfig) -> str:
    """The fields that must agree for configs to share a :func:`train_batch` call, as a stable
    string: configs with equal signatures can train as one batch."""
    d = config.to_dict()
    return json.dumps({k: v for k, v in d.items() if k not in _BATCH_VARYING}, sort_keys=True, default=str)


def train_batch(configs: Sequence[TrainConfig]) -> list[TrainResult]:
    """Train several configs as one batched tensor: every seed of every config, with per-element
    ``lam``, ``lr``, ``sigma``, ``weight_decay`` and ``tol``. Returns one result per config, in order.

    The configs must agree on every other field (``n``, ``m``, ``noise``, ``noise_sharing``,
    ``steps``, ``optimizer``, ``dtype``, ``device``, …): those fix the tensors' shapes and the
    update rule. A config's result is the one :func:`train` gives it alone (its seeds' generators
    are its own), up to floating-point summation order once dead columns are dropped; each result's
    ``seconds`` is the whole batch's time. A λ or σ grid at a small size, where one step of one
    config costs little more than launching its kernels, trains in about the time of one config.

    >>> a, b = train_batch([TrainConfig(n=4, m=6, lam=lam, steps=20, seeds=(0, 1), device="cpu") for lam in (0.0, 0.1)])
    >>> (a.config["lam"], b.config["lam"], a.W.shape)
    (0.0, 0.1, (2, 4, 6))
    """
    configs = list(configs)
    if not configs:
        raise ValueError("configs must hold at least one TrainConfig")
    for c in configs:
        if not isinstance(c, TrainConfig):
            raise ValueError(f"configs must hold TrainConfig objects; got {type(c).__name__}")
    first = configs[0]
    for c in configs[1:]:
        for f in dataclasses.fields(TrainConfig):
            if f.name not in _BATCH_VARYING and getattr(c, f.name) != getattr(first, f.name):
                raise ValueError(
                    f"configs of one batch must agree on {f.name} (it fixes shapes or the update rule); "
                    f"got {getattr(first, f.name)!r} and {getattr(c, f.name)!r}"
                )
    device = resolve_device(first.device)
    dtype = getattr(torch, first.dtype)
    prev_det = torch.are_deterministic_algorithms_enabled()
    prev_warn = torch.is_deterministic_algorithms_warn_only_enabled()
    torch.use_deterministic_algorithms(True, warn_only=True)
    # interference terms decay geometrically into subnormal floats, which are ~100x slower on
    # CPUs; flushing them to zero changes values below 1e-38 (float32) only. torch cannot report
    # the previous setting, so it is switched off again afterwards (torch's default).
    flushing = torch.set_flush_denormal(True)
    prev_threads = torch.get_num_threads()
    threads = first.threads
    if threads is None:
        threads = 1 if device == "cpu" else prev_threads
    torch.set_num_threads(threads)
    t0 = time.perf_counter()
    try:
        with torch.no_grad():
            results = _train(configs, device, dtype)
    finally:
        torch.use_deterministic_algorithms(prev_det, warn_only=prev_warn)
        if flushing:
            torch.set_flush_denormal(False)
        torch.set_num_threads(prev_threads)
    seconds = time.perf_counter() - t0
    for r in results:
        r.seconds = seconds
    return results


def _per_element(configs: list[TrainConfig], value: Callable[[TrainConfig], float], device: str, dtype: torch.dtype) -> torch.Tensor:
    """A ``(B, 1, 1)`` tensor of ``value(config)`` (computed in double precision), one entry per seed
    of every config."""
    return torch.tensor([value(c) for c in configs for _ in c.seeds], dtype=dtype, device=device)[:, None, None]


def _train(configs: list[TrainConfig], device: str, dtype: torch.dtype) -> list[TrainResult]:
    first = configs[0]
    W = torch.cat([_init(c, device, dtype) for c in configs])
    W0 = W.detach().cpu().numpy()
    init_argmax = np.abs(W0).argmax(axis=2)
    init_sign = np.sign(np.take_along_axis(W0, init_argmax[..., None], axis=2)[..., 0]).astype(np.int8)
    del W0
    lam = _per_element(configs, lambda c: c.lam, device, dtype)
    lr = _per_element(configs, lambda c: c.lr, device, dtype)
    shrink = _per_element(configs, lambda c: c.lr * c.lam, device, dtype)  # the prox threshold
    uniform = len({(c.lr, c.lam) for c in configs}) == 1
    tol = _per_element(configs, lambda c: c.tol, device, dtype)[:, 0, 0]
    lam_rec = lam[:, 0, 0]
    noisy = first.noise != "none" and any(c.sigma > 0 for c in configs)
    noise = _NoiseStream(configs, device, dtype) if noisy else None
    if first.optimizer == "adamw":
        m1 = torch.zeros_like(W)
        m2 = torch.zeros_like(W)
        b1, b2 = first.betas
        decay = _per_element(configs, lambda c: 1 - c.lr * c.weight_decay, device, dtype)
    B, n_ = W.shape[0], W.shape[1]
    # The batch holds the elements still training (``active``, indices into the batch). An element
    # with tol > 0 stops at its own convergence and leaves the batch: its result does not depend on
    # which other seeds shared the batch, and finished elements cost nothing.
    active = torch.arange(B, device=device)
    final: list[tuple[torch.Tensor, torch.Tensor] | None] = [None] * B
    seed_steps = np.full(B, first.steps, dtype=np.int64)
    steps_rec: list[int] = []
    recs: list[tuple[np.ndarray, ...]] = []
    latest: list[np.ndarray] | None = None  # the last record of every element (finished ones stay frozen)

    def record(k: int) -> None:
        nonlocal latest
        vals = _record(W, lam_rec, first.window)
        if latest is None:
            latest = [v.copy() for v in vals]
        else:
            idx = active.cpu().numpy()
            for store, v in zip(latest, vals):
                store[idx] = v
        steps_rec.append(k)
        recs.append(tuple(v.copy() for v in latest))

    record(0)
    stopping = bool((tol > 0).any())
    W_prev = W.clone() if stopping else None
    quiet_since = torch.zeros(B, dtype=torch.long, device=device)  # first step of the current quiet stretch
    # Dead columns: with no noise, a column of W that is exactly zero in every row gets zero
    # gradient (both G^T W and G W vanish there) and stays zero under gd and prox steps, so it can
    # be dropped from the computation without changing any other entry (up to summation order).
    compacting = first.compact and noise is None and first.optimizer in ("gd", "prox")
    # once prox has made the rows sparse, exact gradients from the nonzeros alone (grad_sparse;
    # grad_one_sparse_rows when every row is 1-sparse)
    sparse_ok = first.compact and noise is None and first.optimizer == "prox"
    cols = torch.arange(first.m, device=device).expand(B, -1).clone()
    k = 0
    for k in range(1, first.steps + 1):
        xi = None if noise is None else noise.next()
        grad = None
        if sparse_ok:
            per_row = (W != 0).sum(dim=2)
            if int(per_row.max()) <= 1:
                grad = grad_one_sparse_rows(W)
            elif int(per_row.sum()) <= _SPARSE_PER_ROW * per_row.numel():
                grad = grad_sparse(W)  # None when some neuron is too crowded: dense below
        if grad is None:
            grad = grad_noise_free(W) if xi is None else loss_and_grad(W, 0.0, xi)[1]
        if first.optimizer == "gd":
            W = W - lr * (grad + lam * torch.sign(W))
        elif first.optimizer == "prox":
            if uniform:  # one (lr, lam) for the whole batch: fused kernels
                W = torch.nn.functional.softshrink(torch.add(W, grad, alpha=-first.lr), first.lr * first.lam)
            else:
                V = W - lr * grad
                W = torch.sign(V) * torch.clamp(V.abs() - shrink, min=0)
        else:  # adamw, as torch.optim.AdamW (decoupled weight decay, bias-corrected moments)
            g = grad + lam * torch.sign(W)
            W = W * decay
            m1.mul_(b1).add_(g, alpha=1 - b1)
            m2.mul_(b2).addcmul_(g, g, value=1 - b2)
            mhat = m1 / (1 - b1**k)
            vhat = m2 / (1 - b2**k)
            W = W - lr * mhat / (vhat.sqrt() + first.eps)
        if k % first.record_every == 0 or k == first.steps:
            if not bool(torch.isfinite(W).all()):
                bad = sorted({(c.lr, c.sigma) for c in configs})
                raise ValueError(
                    f"training diverged (non-finite weights) by step {k}: lr is too large for this problem "
                    f"(noise={first.to_dict()['noise']}, (lr, sigma) in {bad}); lower lr"
                )
            record(k)
            if W_prev is not None:
                speed = (W - W_prev).abs().amax(dim=(1, 2)) / (lr[:, 0, 0] * (k - steps_rec[-2]))
                below = (tol > 0) & (speed < tol)
                quiet_since = torch.where(below, torch.where(quiet_since > 0, quiet_since, k), 0)
                done = below & (k >= 2 * quiet_since)  # quiet from step k1 to 2 k1: not a slow saddle
                if bool(done.any()):
                    for j in torch.nonzero(done).flatten().tolist():
                        e = int(active[j])
                        final[e] = (W[j].clone(), cols[j].clone())
                        seed_steps[e] = k
                    keep = ~done
                    W, cols, active, quiet_since = W[keep], cols[keep], active[keep], quiet_since[keep]
                    lam, lr, shrink, tol, lam_rec = lam[keep], lr[keep], shrink[keep], tol[keep], lam_rec[keep]
                    if first.optimizer == "adamw":
                        m1, m2, decay = m1[keep], m2[keep], decay[keep]
                    if active.numel() == 0:
                        break
            if compacting:
                alive = (W != 0).any(dim=1)  # (B, K)
                keep_cols = max(int(alive.sum(dim=1).max()), 1)
                if keep_cols <= 0.75 * W.shape[2]:
                    order = torch.argsort((~alive).to(torch.int8), dim=1, stable=True)[:, :keep_cols]
                    W = torch.gather(W, 2, order[:, None, :].expand(-1, n_, -1))
                    cols = torch.gather(cols, 1, order)
            if W_prev is not None:
                W_prev = W.clone()
    for j, e in enumerate(active.tolist()):
        final[e] = (W[j], cols[j])
        seed_steps[e] = k
    loss, fourth, rows4, poly, rows2 = (np.stack([r[i] for r in recs], axis=1) for i in range(5))
    full = torch.zeros((B, n_, first.m), dtype=dtype, device=device)
    for e, (w_e, c_e) in enumerate(final):
        full[e].scatter_(1, c_e[None, :].expand(n_, -1), w_e)
    Wf = full.detach().cpu().numpy()
    results, lo = [], 0
    steps_rec_a = np.asarray(steps_rec, dtype=np.int64)
    for c in configs:
        sl = slice(lo, lo + len(c.seeds))
        lo = sl.stop
        # a config's records end where its last seed stopped, as if it had trained alone
        nr = int(np.searchsorted(steps_rec_a, seed_steps[sl].max(), side="right"))
        res = TrainResult(
            config=c.to_dict(),
            W=Wf[sl],
            record_steps=steps_rec_a[:nr],
            loss=loss[sl, :nr],
            fourth_norm=fourth[sl, :nr],
            row_fourth_norm=rows4[sl, :nr],
            row_norm2=rows2[sl, :nr],
            polysemantic=poly[sl, :nr].astype(np.int64),
            init_argmax=init_argmax[sl].astype(np.int64),
            init_sign=init_sign[sl],
            seed_steps=seed_steps[sl],
            steps_run=int(seed_steps[sl].max()),
            seconds=0.0,
            device=device,
        )
        res.metrics = _metrics.summary(res.W, init_argmax=res.init_argmax, window=c.window)
        results.append(res)
    return results
