r"""Discrete channels behind paper 2's coding theory (§2.1, §2.3, §2.4), computed without closed forms.

Everything here is computed from the definitions — probability tables are enumerated, mutual
informations are summed, capacities are maximised numerically — and nothing imports a closed
form from :mod:`theory` (only :mod:`theory.validation`). All logarithms are base 2 (bits).

Conventions. A neuron holding ``bits`` bits has the ``K = 2**bits`` symbols ``0, 1, ..., K-1``;
symbol ``0`` is what dropout writes (paper 2, §2.3: "a fraction D of the neurons is erased").
A channel is a row-stochastic matrix ``W[x, y] = P(Y = y | X = x)``; an input law is a
probability vector ``p`` over the rows.

Public API
----------
Entropy of sparse codes (§2.1, Lemma 2)
    :func:`entropy_bits`, :func:`uniform_law`, :func:`geometric_law`, :func:`sparsify_law`,
    :func:`sparsified_entropy` (exact joint entropy of ``n`` i.i.d. S-sparsified elements by
    enumerating all ``K**n`` outcomes).
Dropout channel (§2.3, Theorem 3)
    :func:`dropout_channel`, :func:`erasure_channel`, :func:`erasure_to_dropout`,
    :func:`mutual_information` (exact, any input law), :func:`blahut_arimoto`
    ``(W) -> BAResult(capacity_bits, input_law, gap)`` with certified bounds,
    :func:`capacity` ``(D, bits)``, :func:`product_channel` (``m`` independent neurons),
    :func:`conditional_entropy`.
Depth (main text eq. 2, Fig. 2)
    :func:`cascade` (``N`` dropout layers without re-encoding), :func:`repetition_layer_channel`
    (repetition across ``r`` neurons, decoded and re-encoded between layers),
    :func:`repetition_cascade_mi`, :func:`reed_solomon_cascade` (Monte Carlo with a real
    Reed–Solomon code over GF(2**bits - 1) decoded and re-encoded between layers),
    :func:`reed_solomon_cascade_exact`.
Power-law spectra (§2.4, Theorem 4)
    :func:`quantized_uniform_entropy`, :func:`quantized_gaussian_entropy`,
    :func:`power_law_entropy` (exact entropy of ``m`` independent quantised neurons whose
    scales follow a power law).

>>> round(capacity(0.0, 3).capacity_bits, 9)
3.0
>>> W = dropout_channel(2, 0.5)
>>> bool(abs(mutual_information(np.array([0, 1, 1, 1]) / 3, W) - 0.5 * np.log2(3)) < 1e-12)
True
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy import special as _sp

from polyverify.theory.validation import require_in_interval, require_int, require_positive, require_real
from ._lazy import lazy_module

_st = lazy_module("scipy.stats", globals())  # scipy.stats costs ~1 s to import; loaded on first use

__all__ = [
    "entropy_bits",
    "uniform_law",
    "geometric_law",
    "sparsify_law",
    "sparsified_entropy",
    "dropout_channel",
    "erasure_channel",
    "erasure_to_dropout",
    "mutual_information",
    "conditional_entropy",
    "BAResult",
    "blahut_arimoto",
    "capacity",
    "product_channel",
    "cascade",
    "repetition_layer_channel",
    "repetition_cascade_mi",
    "reed_solomon_cascade",
    "reed_solomon_cascade_exact",
    "quantized_uniform_entropy",
    "quantized_gaussian_entropy",
    "power_law_entropy",
    "MAX_ENUMERATION",
]

MAX_ENUMERATION = 1 << 22
"""Largest number of outcomes an exact enumeration may hold (about 32 MB of float64)."""

_LOG2E = 1.0 / math.log(2.0)


# --- validation helpers ------------------------------------------------------------------


def _bits(bits: object, *, maximum: int = 16) -> int:
    b = require_int("bits", bits, minimum=1)
    if b > maximum:
        raise ValueError(f"bits must satisfy bits <= {maximum} (the tables are enumerated); got {b}")
    return b


def _dropout(D: object) -> float:
    return require_in_interval("D", D, 0.0, 1.0)


def _law(p: object, name: str = "p") -> np.ndarray:
    a = np.asarray(p, dtype=float)
    if a.ndim != 1 or a.size < 1:
        raise ValueError(f"{name} must be a 1-D probability vector; got shape {a.shape}")
    if not np.all(np.isfinite(a)) or np.any(a < 0):
        raise ValueError(f"{name} must hold finite non-negative probabilities")
    if abs(a.sum() - 1.0) > 1e-9:
        raise ValueError(f"{name} must sum to 1 (a probability law); sums to {a.sum():.12g}")
    return a


def _channel(W: object) -> np.ndarray:
    a = np.asarray(W, dtype=float)
    if a.ndim < 2:
        raise ValueError(f"W must be a channel matrix W[x, y] (at least 2-D); got shape {a.shape}")
    if not np.all(np.isfinite(a)) or np.any(a < 0):
        raise ValueError("W must hold finite non-negative transition probabilities")
    if np.any(np.abs(a.sum(axis=-1) - 1.0) > 1e-9):
        raise ValueError("W must be row-stochastic (each row P(. | x) sums to 1)")
    return a


# --- entropy of sparse codes (§2.1) ------------------------------------------------------


def entropy_bits(p: object) -> float:
    """Shannon entropy :math:`-\\sum p \\log_2 p` in bits, with :math:`0 \\log 0 = 0`.

    >>> entropy_bits([0.5, 0.5]), entropy_bits([1.0, 0.0])
    (1.0, 0.0)
    """
    a = _law(p)
    nz = a[a > 0]
    return float(-(nz * np.log2(nz)).sum()) + 0.0  # + 0.0 turns -0.0 into 0.0


def uniform_law(bits: int, *, include_zero: bool = True) -> np.ndarray:
    """The uniform law on the ``2**bits`` symbols (``include_zero=False``: on the nonzero ones only)."""
    b = _bits(bits)
    K = 1 << b
    p = np.full(K, 1.0 / K) if include_zero else np.r_[0.0, np.full(K - 1, 1.0 / (K - 1))]
    return p


def geometric_law(bits: int, ratio: float, *, include_zero: bool = True) -> np.ndarray:
    """A non-uniform law :math:`p_y \\propto \\mathrm{ratio}^{y}` on the symbols (optionally not on 0)."""
    b = _bits(bits)
    r = require_positive("ratio", ratio)
    K = 1 << b
    w = r ** np.arange(K, dtype=float)
    if not include_zero:
        w[0] = 0.0
    return w / w.sum()


def sparsify_law(p: object, S: float) -> np.ndarray:
    """Law of one element after S-sparsification (paper 2, Definition 1): set to 0 w.p. ``S``.

    ``P(X^S = y) = (1 - S) P(X = y) + S [y = 0]`` — exact, including mass that ``X`` itself puts on 0.
    """
    a = _law(p)
    s = require_in_interval("S", S, 0.0, 1.0, closed_lo=False, closed_hi=False)
    out = (1.0 - s) * a
    out[0] += s
    return out


def sparsified_entropy(p: object, S: float, n: int) -> float:
    """Exact joint entropy (bits) of ``n`` i.i.d. S-sparsified elements of law ``p``, by enumeration.

    The joint table of all ``K**n`` outcomes is built (outer products of the element law, i.e.
    the definition of independence) and summed; no chain rule or closed form is used.
    """
    q = sparsify_law(p, S)
    n_ = require_int("n", n, minimum=1)
    if q.size**n_ > MAX_ENUMERATION:
        raise ValueError(f"n must keep K**n <= {MAX_ENUMERATION} outcomes to enumerate; got K={q.size}, n={n_}")
    joint = np.ones(1)
    for _ in range(n_):
        joint = np.multiply.outer(joint, q).ravel()
    nz = joint[joint > 0]
    return float(-(nz * np.log2(nz)).sum())


# --- the dropout channel (§2.3) ----------------------------------------------------------


def dropout_channel(bits: int, D: float) -> np.ndarray:
    """One neuron with ``2**bits`` symbols behind dropout: ``x -> 0`` w.p. ``D``, else ``x -> x``.

    >>> dropout_channel(1, 0.25)
    array([[1.  , 0.  ],
           [0.25, 0.75]])
    """
    b, d = _bits(bits, maximum=12), _dropout(D)
    K = 1 << b
    W = (1.0 - d) * np.eye(K)
    W[:, 0] += d
    return W


def erasure_channel(bits: int, alpha: float) -> np.ndarray:
    """The ``bits``-bit erasure channel of §2.3's upper-bound proof: output ``x`` w.p. ``1 - alpha``,
    the extra symbol ``e`` (last column) w.p. ``alpha``."""
    b = _bits(bits, maximum=12)
    a = require_in_interval("alpha", alpha, 0.0, 1.0)
    K = 1 << b
    W = np.zeros((K, K + 1))
    W[:, :K] = (1.0 - a) * np.eye(K)
    W[:, K] = a
    return W


def erasure_to_dropout(bits: int) -> np.ndarray:
    """The deterministic post-processing ``e -> 0`` as a ``(K+1) x K`` channel matrix."""
    b = _bits(bits, maximum=12)
    K = 1 << b
    M = np.zeros((K + 1, K))
    M[:K, :K] = np.eye(K)
    M[K, 0] = 1.0
    return M


def mutual_information(p: object, W: object) -> float:
    """Exact :math:`I(X;Y) = \\sum_{x,y} p(x) W(y|x) \\log_2 \\frac{W(y|x)}{q(y)}` in bits."""
    a, w = _law(p), _channel(W)
    if w.ndim != 2 or w.shape[0] != a.size:
        raise ValueError(f"W must have one row per input symbol; got W {w.shape}, p {a.shape}")
    q = a @ w
    joint = a[:, None] * w
    mask = joint > 0
    ratio = np.where(mask, w, 1.0) / np.where(mask, q[None, :], 1.0)
    return float((joint[mask] * np.log2(ratio[mask])).sum())


def conditional_entropy(p: object, W: object) -> float:
    """:math:`H(X \\mid Y)` in bits (the equivocation), from the joint table."""
    a, w = _law(p), _channel(W)
    joint = a[:, None] * w
    q = joint.sum(axis=0)
    mask = joint > 0
    post = np.where(mask, joint, 1.0) / np.where(mask, q[None, :], 1.0)
    return float(-(joint[mask] * np.log2(post[mask])).sum())


class BAResult(NamedTuple):
    """Blahut–Arimoto result: unpacks as ``(capacity_bits, input_law, gap)``.

    ``capacity_bits`` is :math:`I(p; W)` at the returned law — a certified *lower* bound — and
    ``capacity_bits + gap`` the certified *upper* bound :math:`\\max_x D(W_x \\| pW)` (bits).
    """

    capacity_bits: float
    input_law: np.ndarray
    gap: float

    @property
    def lower(self) -> float:
        return self.capacity_bits

    @property
    def upper(self) -> float:
        return self.capacity_bits + self.gap


def _kl_rows(W: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``D(W_x || q)`` in nats for every row (0 log 0 = 0; rows reaching a q=0 output get +inf)."""
    pos = W > 0
    qb = np.broadcast_to(q[..., None, :], W.shape)
    with np.errstate(divide="ignore"):
        terms = np.where(pos, W * (np.log(np.where(pos, W, 1.0)) - np.log(np.where(pos, qb, 1.0))), 0.0)
        bad = pos & (qb <= 0)
    d = terms.sum(axis=-1)
    return np.where(bad.any(axis=-1), np.inf, d)


def blahut_arimoto(
    W: object, *, tol: float = 1e-9, max_iter: int = 200_000, p0: object | None = None
) -> BAResult:
    r"""Capacity of a discrete memoryless channel ``W[x, y]`` by Blahut–Arimoto (bits).

    Each iteration computes :math:`c_x = \exp D(W_x \| q)` with :math:`q = pW` and updates
    :math:`p_x \leftarrow p_x c_x / \sum p c`. At every iterate the capacity is bracketed,

    .. math:: I(p; W) \;\le\; C \;\le\; \max_x D(W_x \| q)

    (the upper bound is the dual bound of the capacity, Csiszár–Körner Thm 8.1; the lower bound
    is the information of an achievable law). The loop stops when ``upper - lower <= tol``, so the
    returned ``gap`` certifies the capacity to within ``tol`` bits. ``RuntimeError`` if
    ``max_iter`` iterations do not reach ``tol`` (never a silent uncertified answer).

    >>> res = blahut_arimoto(np.array([[0.9, 0.1], [0.1, 0.9]]))
    >>> round(res.capacity_bits, 6), res.gap <= 1e-9
    (0.531004, True)
    """
    w = _channel(W)
    if w.ndim != 2:
        raise ValueError(f"W must be 2-D; got shape {w.shape}")
    tol_ = require_positive("tol", tol)
    iters = require_int("max_iter", max_iter, minimum=1)
    K = w.shape[0]
    p = np.full(K, 1.0 / K) if p0 is None else _law(p0, "p0").copy()
    for _ in range(iters):
        q = p @ w
        d = _kl_rows(w, q)  # nats
        upper = float(np.max(d)) * _LOG2E
        lower = mutual_information(p, w)
        if upper - lower <= tol_:
            return BAResult(lower, p, max(upper - lower, 0.0))
        # p c / sum(p c) with c = exp(d), shifted by max(d) to avoid overflow
        z = p * np.exp(d - np.max(d))
        p = z / z.sum()
    raise RuntimeError(f"Blahut-Arimoto did not reach tol={tol_:g} bits in {iters} iterations (gap {upper - lower:.3g})")


def capacity(D: float, bits: int, *, m: int = 1, tol: float = 1e-9) -> BAResult:
    """Capacity (bits) of ``m`` independent neurons of ``bits`` bits behind dropout ``D``, by
    Blahut–Arimoto on the product channel (``(2**bits)**m`` inputs)."""
    m_ = require_int("m", m, minimum=1)
    W = dropout_channel(bits, D)
    if W.shape[0] ** m_ > 4096:
        raise ValueError(f"m must keep (2**bits)**m <= 4096 for Blahut-Arimoto on the product channel; got bits={bits}, m={m_}")
    return blahut_arimoto(product_channel(W, m_), tol=tol)


def product_channel(W: object, m: int) -> np.ndarray:
    """``m`` independent uses of ``W`` as one channel (Kronecker power)."""
    w = _channel(W)
    m_ = require_int("m", m, minimum=1)
    out = w
    for _ in range(m_ - 1):
        out = np.kron(out, w)
    return out


# --- depth: cascades without and with re-encoding (eq. 2, Fig. 2) -----------------------


def cascade(W: object, N: int) -> np.ndarray:
    """``N`` square channels in series without re-encoding: the matrix power ``W**N`` (``N=0``: identity)."""
    w = _channel(W)
    n_ = require_int("N", N, minimum=0)
    if w.shape[0] != w.shape[1]:
        raise ValueError("W must be square to be applied in series")
    return np.linalg.matrix_power(w, n_)


def repetition_layer_channel(bits: int, D: float, r: int) -> np.ndarray:
    """One layer of a repetition code across ``r`` neurons: encode ``x -> (x, ..., x)``, drop each
    copy to 0 independently w.p. ``D``, decode to the first nonzero copy (0 if none).

    Built by enumerating all ``2**r`` dropout masks and running the decoder on each; the result is
    the logical ``K x K`` channel one re-encoded layer applies to a symbol.
    """
    b, d = _bits(bits, maximum=12), _dropout(D)
    r_ = require_int("r", r, minimum=1)
    if r_ > 16:
        raise ValueError(f"r must satisfy r <= 16 (masks are enumerated); got {r_}")
    K = 1 << b
    W = np.zeros((K, K))
    xs = np.arange(K)
    for mask in range(1 << r_):
        kept = [(mask >> j) & 1 for j in range(r_)]
        prob = (1.0 - d) ** sum(kept) * d ** (r_ - sum(kept))
        received = np.stack([xs * k for k in kept], axis=1)  # K x r, dropped copies read 0
        nonzero = received != 0
        first = np.where(nonzero.any(axis=1), received[np.arange(K), nonzero.argmax(axis=1)], 0)
        np.add.at(W, (xs, first), prob)
    return W


def repetition_cascade_mi(
    bits: int, D: float, N: int, m: int, r: int, *, input_law: object | None = None
) -> float:
    """Exact mutual information (bits) through ``N`` layers of ``m`` neurons carrying ``m // r``
    symbols, each repeated on ``r`` neurons and decoded/re-encoded between layers (``r = 1``: no
    redundancy, i.e. no re-encoding helps). Input law per symbol: uniform on the nonzero symbols
    unless given."""
    m_ = require_int("m", m, minimum=1)
    r_ = require_int("r", r, minimum=1)
    if r_ > m_:
        raise ValueError(f"r must satisfy r <= m (copies live on distinct neurons); got r={r_}, m={m_}")
    p = uniform_law(bits, include_zero=False) if input_law is None else _law(input_law, "input_law")
    layer = repetition_layer_channel(bits, D, r_)
    return (m_ // r_) * mutual_information(p, cascade(layer, N))


def _is_prime(x: int) -> bool:
    return x >= 2 and all(x % f for f in range(2, int(math.isqrt(x)) + 1))


def _rs_field(bits: int) -> int:
    b = _bits(bits, maximum=13)
    p = (1 << b) - 1
    if not _is_prime(p):
        raise ValueError(
            f"bits must make 2**bits - 1 prime (a Mersenne prime: bits in 2, 3, 5, 7, 13) for the GF(p) code; got {b}"
        )
    return p


def _solve_mod(A: np.ndarray, B: np.ndarray, p: int) -> np.ndarray:
    """Solve ``A X = B (mod p)`` for a batch of invertible ``k x k`` systems by Gauss–Jordan."""
    A = A.copy() % p
    B = B.copy() % p
    inverses = np.array([0] + [pow(v, p - 2, p) for v in range(1, p)], dtype=np.int64)  # Fermat
    T, k, _ = A.shape
    rows = np.arange(T)
    for c in range(k):
        piv = c + np.argmax(A[:, c:, c] != 0, axis=1)
        if np.any(A[rows, piv, c] == 0):
            raise ArithmeticError("singular system: the code is not MDS on these positions")
        for M in (A, B):
            top, low = M[rows, c].copy(), M[rows, piv].copy()
            M[rows, c], M[rows, piv] = low, top
        inv = inverses[A[rows, c, c]]
        A[:, c, :] = (A[:, c, :] * inv[:, None]) % p
        B[:, c] = (B[:, c] * inv) % p
        f = A[:, :, c].copy()
        f[:, c] = 0
        A -= (f[:, :, None] * A[:, c, None, :]) % p
        B -= (f * B[:, c, None]) % p
        A %= p
        B %= p
    return B


def reed_solomon_cascade(
    bits: int, D: float, N: int, m: int, k: int, *, trials: int, rng: np.random.Generator
) -> np.ndarray:
    r"""Monte Carlo of ``N`` dropout layers with a Reed–Solomon code re-encoded between layers.

    A message of ``k`` symbols of GF(p), ``p = 2**bits - 1`` prime, is encoded as the values of
    its polynomial at the ``m <= p`` points ``0..m-1``; neuron ``j`` holds ``value + 1`` (so the
    dropout symbol 0 marks an erasure). Each layer drops every neuron w.p. ``D``; the next layer
    decodes from any ``k`` surviving neurons (solving the Vandermonde system mod ``p``) and
    re-encodes; with fewer than ``k`` survivors the message is lost and the output says so.
    Returns, per trial, the bits delivered: ``k log2 p`` if the decoded message equals the sent
    one after all layers, else 0. Because success does not depend on the (uniform) message and
    failure is flagged, the mean of this statistic is the mutual information exactly.
    """
    p = _rs_field(bits)
    d = _dropout(D)
    n_ = require_int("N", N, minimum=0)
    m_ = require_int("m", m, minimum=1)
    k_ = require_int("k", k, minimum=1)
    T = require_int("trials", trials, minimum=1)
    if m_ > p:
        raise ValueError(f"m must satisfy m <= 2**bits - 1 (distinct evaluation points of GF(p)); got m={m_}, p={p}")
    if k_ > m_:
        raise ValueError(f"k must satisfy k <= m (message no longer than the code); got k={k_}, m={m_}")
    points = np.arange(m_, dtype=np.int64)
    V = np.stack([pow_mod(points, e, p) for e in range(k_)], axis=1)  # m x k Vandermonde
    msg = rng.integers(0, p, size=(T, k_), dtype=np.int64)
    current = msg.copy()
    alive = np.ones(T, dtype=bool)
    for _ in range(n_):
        neurons = (current @ V.T) % p + 1  # T x m, symbols 1..p
        keep = rng.random((T, m_)) >= d
        neurons = neurons * keep
        survivors = (neurons != 0).sum(axis=1)
        ok = alive & (survivors >= k_)
        alive = ok
        if not ok.any():
            break
        idx = np.argsort(~(neurons[ok] != 0), axis=1, kind="stable")[:, :k_]  # first k survivors
        A = V[idx]  # t x k x k
        B = np.take_along_axis(neurons[ok], idx, axis=1) - 1
        current[ok] = _solve_mod(A, B, p)
    correct = alive & np.all(current == msg, axis=1)
    if np.any(alive & ~correct):
        raise ArithmeticError("a decoded message differs from the sent one: the decoder is wrong")
    return correct * (k_ * math.log2(p))


def pow_mod(x: np.ndarray, e: int, p: int) -> np.ndarray:
    """Elementwise ``x**e mod p`` for small integer arrays."""
    out = np.ones_like(x)
    for _ in range(e):
        out = (out * x) % p
    return out


def reed_solomon_cascade_exact(bits: int, D: float, N: int, m: int, k: int) -> float:
    """Mutual information (bits) of :func:`reed_solomon_cascade`: ``k log2 p`` times the probability
    that every one of the ``N`` layers keeps at least ``k`` of its ``m`` neurons (binomial tail)."""
    p = _rs_field(bits)
    d = _dropout(D)
    n_ = require_int("N", N, minimum=0)
    m_ = require_int("m", m, minimum=1)
    k_ = require_int("k", k, minimum=1)
    if k_ > m_:
        raise ValueError(f"k must satisfy k <= m; got k={k_}, m={m_}")
    survive = float(_st.binom.sf(k_ - 1, m_, 1.0 - d))  # P(#kept >= k)
    return k_ * math.log2(p) * survive**n_


# --- power-law spectra (§2.4) ------------------------------------------------------------


def quantized_uniform_entropy(width: float) -> float:
    r"""Entropy (bits) of a uniform variable on ``[0, width)`` read in unit bins ``[j, j+1)``.

    ``floor(width)`` full bins of mass ``1/width`` and one partial bin with the rest: the exact
    entropy of a neuron whose range covers ``width`` quantisation levels.
    """
    w = require_positive("width", width)
    full = math.floor(w)
    rest = (w - full) / w
    h = full * (1.0 / w) * math.log2(w)
    if rest > 0:
        h -= rest * math.log2(rest)
    return h


def quantized_gaussian_entropy(std_levels: float, *, span: float = 12.0) -> float:
    r"""Entropy (bits) of :math:`\mathcal N(0, s^2)` read in unit bins, ``s = std_levels`` (in bins).

    Bin masses from differences of the normal CDF over :math:`\pm` ``span`` standard deviations
    (the mass outside is below :math:`10^{-32}` and is ignored).
    """
    s = require_positive("std_levels", std_levels)
    half = math.ceil(span * s) + 1
    edges = np.arange(-half, half + 1, dtype=float) - 0.5
    cdf = _sp.ndtr(edges / s)
    mass = np.diff(cdf)
    mass = mass[mass > 0]
    return float(-(mass * np.log2(mass)).sum())


def power_law_entropy(
    m: int, bits: int, alpha: float, *, exponent_of: str = "variance", law: str = "uniform"
) -> float:
    r"""Exact entropy (bits) of ``m`` independent quantised neurons whose spectrum is a power law.

    Neuron 1 spans all ``2**bits`` levels (the "optimally dense" first neuron of §2.4); neuron
    ``i`` is scaled by :math:`s_i`, with :math:`s_i = i^{\alpha/2}` when the *variances* follow
    :math:`i^\alpha` (``exponent_of="variance"``, as the covariance eigenvalues of Fig. 3 do) and
    :math:`s_i = i^{\alpha}` when the *standard deviations* do (``exponent_of="std"``). With
    ``law="uniform"`` neuron ``i`` is uniform over :math:`2^{\mathrm{bits}} s_i` levels; with
    ``law="gaussian"`` it is normal with standard deviation :math:`2^{\mathrm{bits}} s_i/\sqrt{12}`
    levels (the same variance as the uniform one). Independence makes the joint entropy the sum.
    """
    m_ = require_int("m", m, minimum=1)
    b = require_int("bits", bits, minimum=1)
    a = require_real("alpha", alpha)
    if a > 0:
        raise ValueError(f"alpha must satisfy alpha <= 0 (a decaying spectrum normalised to its first neuron); got {a}")
    if exponent_of not in ("variance", "std"):
        raise ValueError(f"exponent_of must be 'variance' or 'std'; got {exponent_of!r}")
    if law not in ("uniform", "gaussian"):
        raise ValueError(f"law must be 'uniform' or 'gaussian'; got {law!r}")
    e = a / 2.0 if exponent_of == "variance" else a
    widths = 2.0**b * np.arange(1, m_ + 1, dtype=float) ** e
    if widths[-1] < 1.0:
        raise ValueError(
            f"bits must make every neuron span at least one level (2**bits * m**exponent >= 1); "
            f"got bits={b}, m={m_}, alpha={a}"
        )
    if law == "uniform":
        return float(sum(quantized_uniform_entropy(w) for w in widths))
    return float(sum(quantized_gaussian_entropy(w / math.sqrt(12.0)) for w in widths))
