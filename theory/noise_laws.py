r"""Noise laws of paper 1, §3.1, as ``sympy.stats`` random variables with their moments computed.

Paper 1 (§3.1) assumes that every hidden-layer noise coordinate :math:`\xi_j` is drawn
independently from a law :math:`\mathcal D` that is *symmetric about 0*, has variance
:math:`\sigma^2` and fourth central moment :math:`\mu_4`; the sign of the excess kurtosis
:math:`\mu_4/\sigma^4 - 3` decides whether noise pushes encodings toward sparsity (§3.2).

Here each law is a ``sympy.stats`` random variable. Its :math:`\sigma^2 = E[X^2]` and
:math:`\mu_4 = E[X^4]` are *computed* from the law (a sum over the atoms of a finite law, an
integral of the density of a continuous one), never typed in:

============  ===============================  =====================  ===============
law           parametrised by the std σ        natural parameter      excess kurtosis
============  ===============================  =====================  ===============
bipolar       ±σ with probability 1/2 each     amplitude σ            −2
uniform       on [−√3σ, √3σ]                   half-width √3σ         −6/5
normal        N(0, σ²)                         std σ                  0
Laplace       location 0, scale σ/√2           scale σ/√2             3
============  ===============================  =====================  ===============

>>> from sympy import Rational
>>> excess_kurtosis(bipolar(Rational(1, 3)).variable)
-2
>>> uniform().excess_kurtosis
-6/5

The sixth moment :math:`\mu_6` (needed by the η³ term of App. C.2) is computed the same way, on
demand: ``law.mu6``.

Any other symmetric law with a finite fourth moment can be supplied with
:func:`from_random_variable`; asymmetric laws, laws without a finite fourth moment (e.g.
Student's t with ν ≤ 4) and degenerate laws are refused with a ``ValueError`` naming the
assumption of §3.1 they break.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import sympy as sp
import sympy.stats as sps
from sympy.stats.crv import SingleContinuousPSpace
from sympy.stats.frv import SingleFinitePSpace
from sympy.stats.rv import is_random

from . import symbols as sym
from .validation import require_positive

__all__ = [
    "NoiseLaw",
    "bipolar",
    "uniform",
    "normal",
    "laplace",
    "from_random_variable",
    "moment",
    "excess_kurtosis",
    "BUILTIN_LAWS",
]


def _sigma(sigma: Any) -> sp.Expr:
    """σ as a SymPy number or a positive symbol; ``ValueError`` unless σ > 0."""
    if isinstance(sigma, sp.Basic) and not sigma.is_number:
        if sigma.is_positive is not True:
            raise ValueError(f"sigma must satisfy sigma > 0 (a std); the symbol {sigma} is not declared positive")
        return sigma
    value = sigma if not isinstance(sigma, sp.Basic) else float(sigma)
    require_positive("sigma", value)
    return sp.nsimplify(sigma) if not isinstance(sigma, sp.Basic) else sigma


def _single_pspace(X: Any):
    if not isinstance(X, sp.Basic) or not is_random(X):
        raise ValueError(f"law must be a sympy.stats random variable; got {X!r}")
    ps = sps.pspace(X)
    if isinstance(ps, (SingleContinuousPSpace, SingleFinitePSpace)) and X == ps.value:
        return ps
    raise ValueError(
        "law must be a single continuous or finite sympy.stats random variable "
        f"(e.g. Uniform('x', -1, 1) or FiniteRV(...)); got {X!r}"
    )


def _finite(value: sp.Expr, what: str) -> sp.Expr:
    value = sp.simplify(value)
    if value.has(sp.Integral):
        raise ValueError(
            f"the noise law must have a finite {what} (paper 1 §3.1); SymPy could not evaluate it: {value}"
        )
    if value.has(sp.oo, -sp.oo, sp.zoo, sp.nan) or value.is_finite is False:
        raise ValueError(
            f"the noise law must have a finite {what} (paper 1 §3.1 assumes a variance sigma^2 and a "
            f"fourth moment mu_4); got {value}"
        )
    return value


def moment(X: Any, k: int) -> sp.Expr:
    r"""The raw moment :math:`E[X^k]` of a single random variable, computed from its law.

    A finite law is summed over its atoms; a continuous law's density is integrated over its
    support. An infinite or undefined moment raises ``ValueError``.
    """
    ps = _single_pspace(X)
    if isinstance(ps, SingleFinitePSpace):
        return sp.simplify(sp.expand_func(sum(v**k * p for v, p in sps.density(X).dict.items())))
    x = sp.Dummy("x", real=True)
    dist = ps.distribution
    support = dist.set
    value = sp.integrate(x**k * dist.pdf(x), (x, support.inf, support.sup), conds="none")
    return _finite(sp.expand_func(value), f"moment of order {k}")


def _check_symmetric(X: Any) -> None:
    ps = _single_pspace(X)
    if isinstance(ps, SingleFinitePSpace):
        d = sps.density(X).dict
        bad = [v for v, p in d.items() if sp.simplify(d.get(-v, 0) - p) != 0]
        if bad:
            raise ValueError(
                f"the noise law must be symmetric about 0 (paper 1 §3.1); P(X={bad[0]}) != P(X={-bad[0]})"
            )
        return
    x = sp.Dummy("x", real=True)
    pdf = ps.distribution.pdf
    if sp.simplify(pdf(-x) - pdf(x)) != 0:
        raise ValueError(f"the noise law must be symmetric about 0 (paper 1 §3.1); its density {pdf(x)} is not even")


@dataclass(frozen=True, kw_only=True)
class NoiseLaw:
    r"""A symmetric noise law with its variance and fourth moment computed by ``sympy.stats``.

    ``natural`` holds the parameters a sampler needs (``{"amplitude": σ}`` for bipolar noise,
    ``{"halfwidth": √3σ}`` for the uniform law, ...); ``kind`` names the sampler family
    (``"custom"`` for a user-supplied law).
    """

    name: str
    kind: str
    variable: sp.Basic
    sigma2: sp.Expr
    mu4: sp.Expr
    natural: dict[str, sp.Expr] = field(default_factory=dict)

    @property
    def excess_kurtosis(self) -> sp.Expr:
        r""":math:`\mu_4/\sigma^4 - 3`."""
        return sp.simplify(self.mu4 / self.sigma2**2 - 3)

    @functools.cached_property
    def mu6(self) -> sp.Expr:
        r"""The sixth moment :math:`\mu_6 = E[X^6]`, computed from the law when first asked for
        (App. C.2's η³ term needs it; §3.1 assumes only four moments, so it is not computed on
        construction). ``ValueError`` when it is infinite.

        >>> bipolar(Rational(1, 2)).mu6, normal(Rational(1, 2)).mu6
        (1/64, 15/64)
        """
        return moment(self.variable, 6)


def from_random_variable(X: Any, *, name: str | None = None, kind: str = "custom",
                         natural: dict[str, Any] | None = None) -> NoiseLaw:
    """Wrap a user-supplied ``sympy.stats`` variable as a :class:`NoiseLaw`, checking §3.1's assumptions.

    Raises ``ValueError`` when the law is not symmetric about 0, has no finite fourth moment,
    or has zero variance.
    """
    _check_symmetric(X)
    sigma2 = moment(X, 2)
    mu4 = moment(X, 4)
    if sigma2.is_positive is False or sigma2 == 0:
        raise ValueError(f"the noise law must have sigma^2 > 0 (a non-degenerate law); got {sigma2}")
    return NoiseLaw(
        name=name or str(X), kind=kind, variable=X, sigma2=sigma2, mu4=mu4,
        natural={k: sp.sympify(v) for k, v in (natural or {}).items()},
    )


def bipolar(sigma: Any = sym.sigma) -> NoiseLaw:
    """Bipolar noise ±σ (each with probability 1/2), paper 1 §3.2 and Figs 4, 5, 7."""
    s = _sigma(sigma)
    X = sps.FiniteRV("xi_bipolar", {-s: sp.Rational(1, 2), s: sp.Rational(1, 2)})
    return from_random_variable(X, name="bipolar", kind="bipolar", natural={"amplitude": s})


def uniform(sigma: Any = sym.sigma) -> NoiseLaw:
    """The uniform law on [−√3σ, √3σ] (std σ)."""
    s = _sigma(sigma)
    h = sp.sqrt(3) * s
    return from_random_variable(sps.Uniform("xi_uniform", -h, h), name="uniform", kind="uniform",
                                natural={"halfwidth": h})


def normal(sigma: Any = sym.sigma) -> NoiseLaw:
    """The normal law N(0, σ²), paper 1 §3.2 and Fig. 4."""
    s = _sigma(sigma)
    return from_random_variable(sps.Normal("xi_normal", 0, s), name="normal", kind="normal", natural={"std": s})


def laplace(sigma: Any = sym.sigma) -> NoiseLaw:
    """The Laplace law with location 0 and scale σ/√2 (std σ)."""
    s = _sigma(sigma)
    b = s / sp.sqrt(2)
    return from_random_variable(sps.Laplace("xi_laplace", 0, b), name="laplace", kind="laplace", natural={"scale": b})


BUILTIN_LAWS = {"bipolar": bipolar, "uniform": uniform, "normal": normal, "laplace": laplace}
"""Constructors of the built-in laws by name, each taking the std σ."""


def excess_kurtosis(law: Any) -> sp.Expr:
    r"""Excess kurtosis :math:`\mu_4/\sigma^4 - 3` of a :class:`NoiseLaw` or a ``sympy.stats`` variable.

    Paper 1 §3.2: bipolar noise has −2, normal noise 0.

    >>> import sympy.stats as sps
    >>> excess_kurtosis(sps.Normal("z", 0, 2))
    0
    >>> excess_kurtosis(sps.Exponential("e", 1))
    Traceback (most recent call last):
    ...
    ValueError: the noise law must be symmetric about 0 (paper 1 §3.1); its density ...
    """
    if isinstance(law, NoiseLaw):
        return law.excess_kurtosis
    return from_random_variable(law).excess_kurtosis
