r"""Simulations of the noisy tied autoencoder of paper 1, §3 (no closed form used).

* noise samplers by natural parameter (bipolar amplitude, uniform half-width, normal std,
  Laplace scale, and the Epanechnikov law :math:`\tfrac34(1-(x/c)^2)/c` used as a
  "user-supplied" law) and any callable ``noise(rng, shape)``;
* Monte Carlo samples of :math:`(w\cdot\xi)^k` and :math:`(w\cdot\xi)^2\|\xi\|^2`;
* exact expectations for bipolar noise by enumerating all :math:`2^m` sign patterns, of a
  function of :math:`(w\cdot\xi, \|\xi\|^2)` or of one real SGD step at a finite learning rate
  (:func:`bipolar_step_expectation`: the law is finite, so its expectation is a finite average);
* one real SGD step of :math:`y = \mathrm{ReLU}(W(W^\top x + \xi))`, loss :math:`\|y-x\|^2`,
  on input :math:`e_i`, in PyTorch with autograd (a batch of independent copies, one noise
  draw each), and the same model with the encoder and decoder untied (App. C.1);
* uniform random unit vectors; projected gradient descent of a Monte Carlo estimate of
  :math:`E[(w\cdot\xi)^4]` on the unit sphere (the implicit regulariser of §3.2, estimated
  from noise samples, not from its closed form).

Every function validates its inputs with :mod:`theory.validation`; nothing else from
``theory`` is imported (a simulation must not use the formula it checks).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from typing import TYPE_CHECKING

import numpy as np

from polyverify.theory.validation import require_int, require_nonnegative, require_positive

from ._lazy import lazy_module

if TYPE_CHECKING:
    import torch
else:
    torch = lazy_module("torch", globals())  # loaded on the first simulation, not by import

__all__ = [
    "NoiseFn",
    "noise_sampler",
    "NOISE_KINDS",
    "power_samples",
    "a2_norm_samples",
    "bipolar_expectation",
    "bipolar_patterns",
    "bipolar_step_expectation",
    "interference_free_weights",
    "StepResult",
    "tied_sgd_step",
    "untied_gradients",
    "encoder_jacobian",
    "unit_vector_fourth_norms",
    "projected_descent_fourth_moment",
]

NoiseFn = Callable[[np.random.Generator, tuple[int, ...]], np.ndarray]
"""``noise(rng, shape) -> array`` of i.i.d. noise coordinates."""

_MAX_ELEMENTS = 1 << 22


def _bipolar(amplitude: float) -> NoiseFn:
    return lambda rng, shape: amplitude * (2.0 * rng.integers(0, 2, size=shape) - 1.0)


def _uniform(halfwidth: float) -> NoiseFn:
    return lambda rng, shape: rng.uniform(-halfwidth, halfwidth, size=shape)


def _normal(std: float) -> NoiseFn:
    return lambda rng, shape: rng.normal(0.0, std, size=shape)


def _laplace(scale: float) -> NoiseFn:
    return lambda rng, shape: rng.laplace(0.0, scale, size=shape)


def _epanechnikov(halfwidth: float) -> NoiseFn:
    # Beta(2, 2) has density 6x(1-x) on [0, 1]; 2B-1 has density (3/4)(1-y^2) on [-1, 1]
    return lambda rng, shape: halfwidth * (2.0 * rng.beta(2.0, 2.0, size=shape) - 1.0)


NOISE_KINDS: dict[str, tuple[str, Callable[[float], NoiseFn]]] = {
    "bipolar": ("amplitude", _bipolar),
    "uniform": ("halfwidth", _uniform),
    "normal": ("std", _normal),
    "laplace": ("scale", _laplace),
    "epanechnikov": ("halfwidth", _epanechnikov),
}
"""Sampler families: kind -> (name of the natural parameter, constructor)."""


def noise_sampler(kind: str, **natural: float) -> NoiseFn:
    """A sampler of one of :data:`NOISE_KINDS`, e.g. ``noise_sampler("uniform", halfwidth=0.5)``."""
    if kind not in NOISE_KINDS:
        raise ValueError(f"kind must be one of {sorted(NOISE_KINDS)}; got {kind!r}")
    pname, ctor = NOISE_KINDS[kind]
    if set(natural) != {pname}:
        raise ValueError(f"the {kind} sampler takes exactly the parameter {pname!r}; got {sorted(natural)}")
    return ctor(require_positive(pname, natural[pname]))


def _row(w) -> np.ndarray:
    arr = np.asarray(w, dtype=float)
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)):
        raise ValueError(f"w must be a finite non-empty 1-D row; got shape {arr.shape}")
    return arr


def _chunks(trials: int, m: int):
    chunk = max(1, _MAX_ELEMENTS // m)
    for start in range(0, trials, chunk):
        yield start, min(trials, start + chunk)


def power_samples(w, noise: NoiseFn, *, trials: int, rng: np.random.Generator, power: int = 4) -> np.ndarray:
    r"""Per-trial :math:`(w\cdot\xi)^{\text{power}}` with fresh noise each trial (a 1-D array)."""
    w = _row(w)
    trials = require_int("trials", trials, minimum=1)
    power = require_int("power", power, minimum=1)
    out = np.empty(trials)
    for lo, hi in _chunks(trials, w.size):
        out[lo:hi] = (noise(rng, (hi - lo, w.size)) @ w) ** power
    return out


def a2_norm_samples(w, noise: NoiseFn, *, trials: int, rng: np.random.Generator, power: int = 2) -> np.ndarray:
    r"""Per-trial :math:`(w\cdot\xi)^{\text{power}}\|\xi\|^2` (power 2 by default; 4 for the
    :math:`\eta^3` term of App. C.2)."""
    w = _row(w)
    trials = require_int("trials", trials, minimum=1)
    power = require_int("power", power, minimum=1)
    out = np.empty(trials)
    for lo, hi in _chunks(trials, w.size):
        xi = noise(rng, (hi - lo, w.size))
        out[lo:hi] = (xi @ w) ** power * np.sum(xi**2, axis=1)
    return out


def bipolar_expectation(w, amplitude: float, fn: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> float:
    r"""Exact :math:`E[f(w\cdot\xi, \|\xi\|^2)]` for bipolar noise :math:`\pm` ``amplitude``.

    Averages ``fn(a, s)`` over all :math:`2^m` sign patterns (each has probability
    :math:`2^{-m}`); ``m <= 20``.
    """
    w = _row(w)
    xi = bipolar_patterns(w.size, amplitude)
    return float(np.mean(fn(xi @ w, np.sum(xi**2, axis=1))))


def bipolar_patterns(m: int, amplitude: float) -> np.ndarray:
    r"""All :math:`2^m` bipolar noise vectors :math:`\xi \in \{\pm\text{amplitude}\}^m`, shape
    ``(2**m, m)``, each of probability :math:`2^{-m}` under i.i.d. bipolar noise; ``m <= 20``."""
    m = require_int("m", m, minimum=1)
    amp = require_positive("amplitude", amplitude)
    if m > 20:
        raise ValueError(f"m must satisfy m <= 20 for enumeration over 2^m patterns; got {m}")
    bits = (np.arange(2**m)[:, None] >> np.arange(m)[None, :]) & 1
    return amp * (2.0 * bits - 1.0)


def interference_free_weights(n: int, m: int, i: int, rng: np.random.Generator, *, tilt: float = 0.1) -> np.ndarray:
    r"""Weights with unit rows where every other row is nearly opposite to row ``i``.

    Row ``i`` is uniform on the unit sphere; each other row is :math:`-W_i` plus a small random
    tilt, renormalised, so :math:`W_{i'}\cdot W_i \approx -1` and the ReLUs of the other
    outputs stay off on input :math:`e_i` for small noise (§3.2 assumption (b)).
    """
    n = require_int("n", n, minimum=1)
    m = require_int("m", m, minimum=1)
    i = require_int("i", i, minimum=0)
    if i >= n:
        raise ValueError(f"i must satisfy 0 <= i < n; got i={i}, n={n}")
    tilt = require_nonnegative("tilt", tilt)
    g = rng.standard_normal(m)
    row = g / np.linalg.norm(g)
    W = np.empty((n, m))
    for k in range(n):
        if k == i:
            W[k] = row
        else:
            v = -row + tilt * rng.standard_normal(m) / np.sqrt(m)
            W[k] = v / np.linalg.norm(v)
    return W


@dataclass(frozen=True)
class StepResult:
    """One SGD step of ``T`` independent copies (arrays with a leading axis ``T``)."""

    W: np.ndarray
    """Weights before the step, ``(n, m)`` (shared by the copies)."""
    xi: np.ndarray
    """Noise of each copy, ``(T, m)``."""
    loss: np.ndarray
    """Loss before the step, ``(T,)``."""
    grad: np.ndarray
    """Autograd gradient of the loss w.r.t. ``W``, ``(T, n, m)``."""
    W_next: np.ndarray
    """Weights after the step, ``(T, n, m)``."""
    relu_on: np.ndarray
    """Whether output ``i`` was active and every other output inactive, ``(T,)`` (§3.2 (a), (b))."""


def _forward(Wt: torch.Tensor, We: torch.Tensor, x: torch.Tensor, xi: torch.Tensor):
    h = torch.einsum("tnm,n->tm", We, x) + xi  # hidden layer (W^e)^T x + xi
    pre = torch.einsum("tnm,tm->tn", Wt, h)  # decoder W^d h
    y = torch.relu(pre)
    return pre, ((y - x) ** 2).sum(dim=-1)


def tied_sgd_step(W, i: int, xi, eta: float, *, device: str = "cpu") -> StepResult:
    r"""One real SGD step of the tied noisy model on input :math:`e_i`, for each noise row of ``xi``.

    The loss :math:`\|\mathrm{ReLU}(W(W^\top e_i + \xi)) - e_i\|^2` is built in PyTorch
    (float64), differentiated by autograd and stepped with ``torch.optim.SGD(lr=eta)``.
    """
    W = np.asarray(W, dtype=float)
    if W.ndim != 2:
        raise ValueError(f"W must be a 2-D (n, m) array; got shape {W.shape}")
    n, m = W.shape
    i = require_int("i", i, minimum=0)
    if i >= n:
        raise ValueError(f"i must satisfy 0 <= i < n; got i={i}, n={n}")
    eta = require_positive("eta", eta)
    xi = np.asarray(xi, dtype=float)
    if xi.ndim != 2 or xi.shape[1] != m:
        raise ValueError(f"xi must have shape (T, m={m}); got {xi.shape}")
    T = xi.shape[0]
    dev = torch.device(device)
    Wt = torch.tensor(W, dtype=torch.float64, device=dev).expand(T, n, m).clone().requires_grad_(True)
    x = torch.zeros(n, dtype=torch.float64, device=dev)
    x[i] = 1.0
    xit = torch.tensor(xi, dtype=torch.float64, device=dev)
    opt = torch.optim.SGD([Wt], lr=eta)
    opt.zero_grad()
    pre, loss = _forward(Wt, Wt, x, xit)
    loss.sum().backward()  # the copies are independent: each copy's gradient is its own
    grad = Wt.grad.detach().clone()
    opt.step()
    with torch.no_grad():
        others = torch.cat([pre[:, :i], pre[:, i + 1 :]], dim=1)
        on = (pre[:, i] > 0) & torch.all(others < 0, dim=1)
    return StepResult(
        W=W,
        xi=xi,
        loss=loss.detach().cpu().numpy(),
        grad=grad.cpu().numpy(),
        W_next=Wt.detach().cpu().numpy(),
        relu_on=on.cpu().numpy(),
    )


def bipolar_step_expectation(W, i: int, amplitude: float, eta: float,
                             statistic: Callable[[StepResult], np.ndarray], *, device: str = "cpu") -> float:
    r"""Exact expectation over bipolar noise of ``statistic`` after one real SGD step at rate ``eta``.

    Runs :func:`tied_sgd_step` once on all :math:`2^m` sign patterns (:func:`bipolar_patterns`,
    one copy each) and averages ``statistic(result)`` (one value per copy) with weight
    :math:`2^{-m}` each: the exact expectation at a finite η, with no expansion in η. Raises
    ``ValueError`` when some pattern changes the ReLU states (§3.2 (a), (b) then do not hold for
    the whole law).

    >>> W = np.array([[0.6, 0.8]])
    >>> round(bipolar_step_expectation(W, 0, 0.1, 0.01, lambda r: r.loss), 12)   # E[(W.xi)^2] = sigma^2
    0.01
    """
    W = np.asarray(W, dtype=float)
    if W.ndim != 2:
        raise ValueError(f"W must be a 2-D (n, m) array; got shape {W.shape}")
    res = tied_sgd_step(W, i, bipolar_patterns(W.shape[1], amplitude), eta, device=device)
    if not np.all(res.relu_on):
        raise ValueError("some bipolar pattern changes the ReLU states on input e_i (paper 1 §3.2 (a), (b)): "
                         "use a smaller amplitude")
    values = np.asarray(statistic(res), dtype=float)
    if values.shape != (res.xi.shape[0],):
        raise ValueError(f"statistic must return one value per pattern, shape ({res.xi.shape[0]},); got {values.shape}")
    return float(np.mean(values))


def untied_gradients(W, i: int, xi, *, device: str = "cpu") -> tuple[np.ndarray, np.ndarray]:
    r"""Row ``i`` of the autograd gradients w.r.t. the encoder and the decoder copies of ``W``.

    App. C.1 renames the encoder matrix :math:`W^e` and decoder :math:`W^d` (both equal to W);
    returns ``(dL/dW^e_i, dL/dW^d_i)``, each ``(T, m)``.
    """
    W = np.asarray(W, dtype=float)
    n, m = W.shape
    xi = np.asarray(xi, dtype=float)
    T = xi.shape[0]
    dev = torch.device(device)
    base = torch.tensor(W, dtype=torch.float64, device=dev).expand(T, n, m)
    We = base.clone().requires_grad_(True)
    Wd = base.clone().requires_grad_(True)
    x = torch.zeros(n, dtype=torch.float64, device=dev)
    x[i] = 1.0
    _, loss = _forward(Wd, We, x, torch.tensor(xi, dtype=torch.float64, device=dev))
    loss.sum().backward()
    return We.grad[:, i, :].cpu().numpy(), Wd.grad[:, i, :].cpu().numpy()


def encoder_jacobian(W, i: int, xi) -> np.ndarray:
    r"""The Jacobian :math:`\partial h/\partial W^e_i` of the hidden layer :math:`h = (W^e)^\top e_i + \xi` (autograd)."""
    W = np.asarray(W, dtype=float)
    n, m = W.shape
    xit = torch.tensor(np.asarray(xi, dtype=float).reshape(m), dtype=torch.float64)
    x = torch.zeros(n, dtype=torch.float64)
    x[i] = 1.0
    Wt = torch.tensor(W, dtype=torch.float64)

    def hidden(row: torch.Tensor) -> torch.Tensor:
        We = torch.cat([Wt[:i], row[None, :], Wt[i + 1 :]], dim=0)
        return We.T @ x + xit

    return torch.autograd.functional.jacobian(hidden, Wt[i].clone()).numpy()


def unit_vector_fourth_norms(m: int, *, trials: int, rng: np.random.Generator) -> np.ndarray:
    r"""Per-trial :math:`\|u\|_4^4` for u uniform on the unit sphere of :math:`\mathbb R^m` (normalised Gaussians)."""
    m = require_int("m", m, minimum=1)
    trials = require_int("trials", trials, minimum=1)
    out = np.empty(trials)
    for lo, hi in _chunks(trials, m):
        g = rng.standard_normal((hi - lo, m))
        u = g / np.linalg.norm(g, axis=1, keepdims=True)
        out[lo:hi] = np.sum(u**4, axis=1)
    return out


def projected_descent_fourth_moment(
    m: int,
    noise: NoiseFn,
    *,
    starts: int,
    steps: int,
    lr: float,
    batch: int,
    rng: np.random.Generator,
    device: str = "cpu",
) -> tuple[np.ndarray, np.ndarray]:
    r"""Projected gradient descent on a sample estimate of :math:`E[(w\cdot\xi)^4]` over the unit sphere.

    Each of ``starts`` independent runs begins at a uniform random unit vector and draws its
    own ``batch`` noise vectors once; it then descends the sample average
    :math:`\frac1B\sum_b (w\cdot\xi_b)^4` (autograd gradient, step ``lr``) and renormalises
    :math:`w` after every step. A fixed sample per run (rather than fresh noise per step) keeps
    step-size noise from biasing the drift; runs are independent, so the spread of the result
    across runs is a valid sample. Returns :math:`\|w\|_4^4` at the start and at the end.
    """
    m = require_int("m", m, minimum=1)
    starts = require_int("starts", starts, minimum=1)
    steps = require_int("steps", steps, minimum=1)
    batch = require_int("batch", batch, minimum=1)
    lr = require_positive("lr", lr)
    dev = torch.device(device)
    g = rng.standard_normal((starts, m))
    w = torch.tensor(g / np.linalg.norm(g, axis=1, keepdims=True), dtype=torch.float64, device=dev)
    xi = torch.tensor(noise(rng, (starts, batch, m)), dtype=torch.float64, device=dev)
    q0 = (w**4).sum(dim=1).cpu().numpy()
    for _ in range(steps):
        w.requires_grad_(True)
        obj = (torch.einsum("sbm,sm->sb", xi, w) ** 4).mean(dim=1).sum()
        (grad,) = torch.autograd.grad(obj, w)
        with torch.no_grad():
            w = w - lr * grad
            w = w / w.norm(dim=1, keepdim=True)
    return q0, (w.detach() ** 4).sum(dim=1).cpu().numpy()
