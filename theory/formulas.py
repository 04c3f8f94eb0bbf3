"""The registry of closed forms that ``theory/`` derives, and the catalogue of its public functions.

Two layers:

* **Expressions.** Every module of ``theory`` registers the SymPy expressions it derives with
  :func:`formula` (an id such as ``collisions.polysemantic_exact``, its source in the papers,
  whether the paper prints it). The verification package covers each id with at least one
  claim (``tests/test_registry.py``).
* **Functions.** :data:`CATALOGUE` lists every public function of the topic modules
  (``collisions``, ``assignment``, ``sparsity``, ``noise``, ``noise_laws``, ``coding``,
  ``spectra``) as an :class:`Entry`: its import path and signature, the registered
  expressions it evaluates or derives, its parameters with their domains, and the ids of the
  claims that verify it. ``tests/test_formulas.py`` fails when a public function is missing
  here, has no claim, or lists a claim that neither calls it nor covers one of its
  expressions; and it evaluates every numeric function against its expressions
  (:class:`Evaluation`) at points of their domain.

``polyverify formulas [PATTERN]`` prints this catalogue; :func:`catalogue` returns it with the
expression-only formulas (registered expressions no function evaluates) appended.

>>> e = entry("collisions.expected_polysemantic")
>>> e.import_path, e.kind
('polyverify.theory.collisions.expected_polysemantic', 'formula')
>>> e.formulas
('collisions.polysemantic_exact', 'collisions.polysemantic_printed')
>>> "collisions.expected_polysemantic" in e.claims
True
"""

from __future__ import annotations

import dataclasses
import fnmatch
import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

__all__ = [
    "Formula",
    "formula",
    "registered_formulas",
    "Parameter",
    "Evaluation",
    "Entry",
    "CATALOGUE",
    "TOPICS",
    "entry",
    "catalogue",
    "search",
    "TRANSFORMS",
]


@dataclass(frozen=True, kw_only=True)
class Formula:
    """A closed form with the place it comes from.

    ``source`` cites the paper, section and equation it belongs to; ``printed`` says whether
    the paper prints this form (``True``) or the library derived it (``False``).
    """

    id: str
    expr: sp.Basic
    source: str
    printed: bool
    doc: str = ""


_FORMULAS: dict[str, Formula] = {}


def formula(id: str, expr: sp.Basic, *, source: str, printed: bool, doc: str = "") -> sp.Basic:
    """Register ``expr`` under ``id`` and return it unchanged (so modules can write
    ``EXPECTED = formula("collisions.expected_pairs", ..., source=..., printed=True)``)."""
    if id in _FORMULAS and _FORMULAS[id].expr != expr:
        raise ValueError(f"formula id {id!r} is registered twice with different expressions")
    _FORMULAS[id] = Formula(id=id, expr=expr, source=source, printed=printed, doc=doc)
    return expr


def registered_formulas() -> dict[str, Formula]:
    """All formulas registered so far (import the ``theory`` modules first)."""
    return dict(_FORMULAS)


# --- the catalogue of public functions ------------------------------------------------------

TOPICS = ("collisions", "assignment", "interference", "sparsity", "noise", "noise_laws", "coding", "spectra")
"""The topic modules whose public functions the catalogue covers (``symbols``, ``validation``
and this module hold no formulas)."""


def _row_sum_sq(w: Any) -> Any:
    import numpy as np

    return np.sum(np.asarray(w, dtype=float) ** 2, axis=-1)


def _row_sum_fourth(w: Any) -> Any:
    import numpy as np

    return np.sum(np.asarray(w, dtype=float) ** 4, axis=-1)


def _row_length(w: Any) -> Any:
    import numpy as np

    return float(np.shape(w)[-1])


def _trace_cov(x: Any) -> Any:
    import numpy as np

    a = np.asarray(x, dtype=float)
    return float(np.sum((a - a.mean(axis=0)) ** 2) / a.shape[0])


def _increment_energy(x: Any) -> Any:
    import numpy as np

    return float(np.sum(np.diff(np.asarray(x, dtype=float), axis=0) ** 2))


def _sqrt(x: Any) -> Any:
    import numpy as np

    return np.sqrt(x)


TRANSFORMS: dict[str, Callable[[Any], Any]] = {
    "sqrt": _sqrt,
    "row_sum_sq": _row_sum_sq,
    "row_sum_fourth": _row_sum_fourth,
    "row_length": _row_length,
    "columns": _row_length,
    "trace_cov": _trace_cov,
    "increment_energy": _increment_energy,
}
"""How a parameter becomes a symbol's value when it is not the symbol itself (a fixed list of
named functions, never parsed text): ``sigma2 -> sigma`` is ``sqrt``, a row ``w`` gives
``w_2 = sum(w**2)`` (``row_sum_sq``) and ``q_4 = sum(w**4)`` (``row_sum_fourth``), activations
give ``tr Sigma`` (``trace_cov``, the ``ddof=0`` covariance) and ``sum_t ||A_{t+1} - A_t||^2``
(``increment_energy``)."""


@dataclass(frozen=True, kw_only=True)
class Parameter:
    """A parameter of a catalogued function and the domain it must lie in (the assumption a
    ``ValueError`` names when it is broken)."""

    name: str
    domain: str


@dataclass(frozen=True, kw_only=True)
class Evaluation:
    """What a numeric function computes, as a registered expression: calling the function with
    ``options`` fixed gives ``formula`` evaluated at ``symbols`` — each item
    ``(parameter, symbol name, transform)``, the transform a key of :data:`TRANSFORMS` or
    ``None`` — and ``output`` picks one part of a tuple or dict result."""

    formula: str
    symbols: tuple[tuple[str, str, str | None], ...]
    options: tuple[tuple[str, Any], ...] = ()
    output: int | str | None = None


@dataclass(frozen=True, kw_only=True)
class Entry:
    """One catalogued function (or, with ``kind="expression"``, one registered expression that
    no function evaluates).

    ``kind``: ``"formula"`` (evaluates closed forms numerically), ``"solver"`` (an ODE or
    quadrature built on closed forms), ``"derivation"`` (returns the checked steps
    ``(label, lhs, rhs)`` of a derivation), ``"symbolic"`` (builds SymPy objects: helpers, noise
    laws), ``"expression"`` (a registered SymPy expression, a module constant).
    ``arrays``: whether array arguments broadcast (``False``: numbers only, e.g. the 40-digit
    mpmath functions). ``claims``: ids of the claims that verify it — each one calls the
    function in its forms or rules, or covers one of its ``formulas``.
    """

    name: str
    kind: str
    formulas: tuple[str, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    claims: tuple[str, ...] = ()
    evaluations: tuple[Evaluation, ...] = ()
    arrays: bool = False
    notes: str = ""
    attribute: str = ""
    """The module attribute (default: the last part of ``name``)."""
    extra_expressions: tuple[tuple[str, str], ...] = field(default=())
    """``(label, module attribute)`` of unregistered SymPy constants the function evaluates."""

    @property
    def topic(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def module(self) -> str:
        return f"polyverify.theory.{self.topic}"

    @property
    def import_path(self) -> str:
        return f"{self.module}.{self.attribute or self.name.split('.', 1)[1]}"

    def obj(self) -> Any:
        """The function (or expression) itself; imports its module."""
        mod = importlib.import_module(self.module)
        return getattr(mod, self.attribute or self.name.split(".", 1)[1])

    def signature(self) -> str:
        """``name(params)`` as Python shows it (``""`` for an expression)."""
        if self.kind == "expression":
            return ""
        sig = inspect.signature(self.obj())
        params = []
        for p in sig.parameters.values():
            text = p.name if p.kind is not p.VAR_KEYWORD else f"**{p.name}"
            if p.default is not p.empty:
                text += f"={p.default!r}" if not isinstance(p.default, sp.Basic) else f"={p.default}"
            params.append((p.kind, text))
        out, star = [], False
        for kind, text in params:
            if kind is inspect.Parameter.KEYWORD_ONLY and not star:
                out.append("*")
                star = True
            out.append(text)
        return f"{self.name.split('.', 1)[1]}({', '.join(out)})"

    def expressions(self) -> list[tuple[str, sp.Basic]]:
        """``(id or label, SymPy expression)`` for what it evaluates or derives."""
        importlib.import_module(self.module)
        reg = registered_formulas()
        out = [(fid, reg[fid].expr) for fid in self.formulas if fid in reg]
        mod = importlib.import_module(self.module)
        out += [(label, getattr(mod, attr)) for label, attr in self.extra_expressions]
        return out

    def sources(self) -> list[str]:
        """The paper sections of its expressions (in order, without repeats)."""
        importlib.import_module(self.module)
        reg = registered_formulas()
        seen: list[str] = []
        for fid in self.formulas:
            if fid in reg and reg[fid].source not in seen:
                seen.append(reg[fid].source)
        return seen

    def origin(self) -> str:
        """``"printed in the paper"`` when one of its expressions is printed there, otherwise
        ``"derived here"``."""
        importlib.import_module(self.module)
        reg = registered_formulas()
        printed = [reg[f].printed for f in self.formulas if f in reg]
        if any(printed):
            return "printed in the paper" + (" (and derived here)" if not all(printed) else "")
        return "derived here"


def _p(**domains: str) -> tuple[Parameter, ...]:
    return tuple(Parameter(name=k, domain=v) for k, v in domains.items())


def _ev(fid: str, *symbols: tuple[str, str, str | None] | str, output: int | str | None = None, **options: Any) -> Evaluation:
    syms = tuple((s, s, None) if isinstance(s, str) else s for s in symbols)
    return Evaluation(formula=fid, symbols=syms, options=tuple(options.items()), output=output)


_N = "integer, n >= 1 (features)"
_M = "integer, m >= n (neurons; paper 1 §2.1 assumes m >= n)"
_S = "0 < S < 1 (sparsity: the probability that an element is zeroed)"
_D = "0 <= D <= 1 (dropout rate)"
_BITS = "bits >= 1 (each neuron has 2**bits symbols, one of them 0)"
_MN = "integer, m >= 1 (neurons)"
_ACTS = "2-D array, frames x units, at least 2 frames and 1 unit, finite"
_K = "integer, k >= 1 (columns of the random projection; the paper takes 3)"
_ALPHA = "real"
_SIG2 = "sigma2 > 0 (noise variance)"
_MU4 = "mu4 >= sigma2**2 (fourth moment; Jensen)"
_W = "1-D row or 2-D array of rows, finite, each of nonzero norm (paper 1 §3.2 takes unit rows)"
_NM = (("n", "n", None), ("m", "m", None))

_ENTRIES: tuple[Entry, ...] = (
    # --- collisions (paper 1 §1.1, §2.5) ---------------------------------------------------
    Entry(name="collisions.pair_probability", kind="formula", formulas=("collisions.pair_probability",),
          parameters=_p(n=_N, m=_M), evaluations=(_ev("collisions.pair_probability", ("m", "m", None)),), arrays=True),
    Entry(name="collisions.expected_collisions", kind="formula", formulas=("collisions.expected_pairs", "collisions.pairs_order"),
          parameters=_p(n=_N, m=_M), evaluations=(_ev("collisions.expected_pairs", *_NM),), arrays=True),
    Entry(name="collisions.benign_probability", kind="formula", formulas=("collisions.benign_probability",),
          parameters=_p(n=_N, m=_M), evaluations=(_ev("collisions.benign_probability", ("m", "m", None)),), arrays=True),
    Entry(name="collisions.expected_benign", kind="formula", formulas=("collisions.expected_benign_pairs",),
          parameters=_p(n=_N, m=_M), evaluations=(_ev("collisions.expected_benign_pairs", *_NM),), arrays=True),
    Entry(name="collisions.expected_polysemantic", kind="formula",
          formulas=("collisions.polysemantic_exact", "collisions.polysemantic_printed"),
          parameters=_p(n=_N, m=_M, exact="bool only: the exact finite-size expectation (True, derived here) or the paper's n^2/(4m)"),
          evaluations=(_ev("collisions.polysemantic_exact", *_NM, exact=True), _ev("collisions.polysemantic_printed", *_NM, exact=False)),
          arrays=True, notes="exact=True evaluates 1 - 2a + b as (1-a)^2 - (a^2 - b) with expm1/log1p (no cancellation when n << m)"),
    Entry(name="collisions.polysemantic_variance", kind="formula",
          formulas=("collisions.polysemantic_variance", "collisions.polysemantic_second_moment"),
          parameters=_p(n=_N, m=_M), evaluations=(_ev("collisions.polysemantic_variance", *_NM),), arrays=True,
          notes="element by element in 50-digit mpmath (the float form cancels badly when m >> n): arrays are accepted but not fast"),
    Entry(name="collisions.pair_probability_derivation", kind="derivation", formulas=("collisions.pair_probability", "collisions.expected_pairs")),
    Entry(name="collisions.benign_probability_derivation", kind="derivation", formulas=("collisions.benign_probability", "collisions.expected_benign_pairs")),
    Entry(name="collisions.polysemantic_derivation", kind="derivation", formulas=("collisions.polysemantic_exact", "collisions.polysemantic_printed")),
    # --- assignment (paper 1 §2.5, Fig 3: displacement) -------------------------------------
    Entry(name="assignment.expected_polysemantic_trained", kind="formula", formulas=("assignment.expected_polysemantic",),
          parameters=_p(n=_N, m=_M), evaluations=(_ev("assignment.expected_polysemantic", *_NM),), arrays=True),
    Entry(name="assignment.polysemantic_trained_variance", kind="formula", formulas=("assignment.variance", "assignment.factorial_moment"),
          parameters=_p(n=_N, m=_M), evaluations=(_ev("assignment.variance", *_NM),), arrays=True),
    Entry(name="assignment.stay_probability_bound", kind="formula", formulas=("assignment.stay_bound",),
          parameters=_p(n=_N, m=_M), evaluations=(_ev("assignment.stay_bound", *_NM),), arrays=True),
    Entry(name="assignment.gaussian_second_order", kind="formula", formulas=("assignment.gaussian_second_order",),
          parameters=_p(n=_N, m=_M), evaluations=(_ev("assignment.gaussian_second_order", *_NM),), arrays=True),
    Entry(name="assignment.expansion_table", kind="symbolic",
          formulas=("assignment.expected_polysemantic", "collisions.polysemantic_exact", "collisions.polysemantic_printed"),
          parameters=_p(order="integer >= 2: coefficients of 1/m^q for q < order"),
          notes="series of the displacement count, the initialisation-only count and the paper's n^2/(4m) in 1/m"),
    Entry(name="assignment.displacement_derivation", kind="derivation", formulas=("assignment.expected_polysemantic",)),
    Entry(name="assignment.gaussian_second_order_derivation", kind="derivation", formulas=("assignment.gaussian_second_order",)),
    Entry(name="assignment.variance_derivation", kind="derivation", formulas=("assignment.factorial_moment", "assignment.variance")),
    Entry(name="assignment.expansion_derivation", kind="derivation",
          formulas=("assignment.expected_polysemantic", "collisions.polysemantic_exact", "collisions.polysemantic_printed")),
    Entry(name="assignment.stay_derivation", kind="derivation", formulas=("assignment.stay_bound",)),
    # --- interference (paper 1 §2.5) ---------------------------------------------------------
    Entry(name="interference.init_interference", kind="formula", formulas=("interference.init_strength",),
          parameters=_p(n=_N, m=_M, s="s > 0 (init std times sqrt(m))"),
          evaluations=(_ev("interference.init_strength", *_NM, ("s", "s", None)),), arrays=True),
    Entry(name="interference.init_benefit", kind="formula", formulas=("interference.init_benefit",),
          parameters=_p(m=_MN, s="s > 0 (init std times sqrt(m))"),
          evaluations=(_ev("interference.init_benefit", ("m", "m", None), ("s", "s", None)),), arrays=True),
    Entry(name="interference.gram_rates", kind="formula",
          formulas=("interference.p_decay_rate", "interference.p_decay_rate_printed", "interference.cos_decay_rate"),
          parameters=_p(a="a > 0 (squared norm of row 1)", b="b > 0 (squared norm of row 2)", p="0 < p <= sqrt(ab) (a positive inner product)"),
          evaluations=(_ev("interference.p_decay_rate", "a", "b", output="p_rate"),
                       _ev("interference.p_decay_rate_printed", "a", "b", output="p_rate_printed")), arrays=True),
    Entry(name="interference.gram_flow", kind="solver", formulas=("interference.p_decay_rate",),
          parameters=_p(a0="a0 > 0", b0="b0 > 0", p0="p0^2 <= a0 b0 (Cauchy-Schwarz)", t="sorted times >= 0",
                        rtol="solver rtol > 0", atol="solver atol > 0")),
    Entry(name="interference.window_rates", kind="solver",
          formulas=("interference.p_decay_rate", "interference.p_decay_rate_printed", "interference.cos_decay_rate"),
          parameters=_p(a0="a0 > 0", b0="b0 > 0", cos0="0 < cos0 <= 1", h="h > 0 (window length)",
                        points="odd integer >= 3 (Simpson nodes)")),
    Entry(name="interference.shift_matrix", kind="solver", formulas=("interference.shift",),
          parameters=_p(W="(n, m) or (T, n, m) finite array", horizon="horizon > 0 (time the Gram flows run)",
                        rtol="solver rtol > 0")),
    Entry(name="interference.shift_derivation", kind="derivation", formulas=("interference.shift",)),
    Entry(name="interference.init_strength_derivation", kind="derivation", formulas=("interference.init_strength", "interference.init_order")),
    Entry(name="interference.init_benefit_derivation", kind="derivation", formulas=("interference.init_benefit",)),
    Entry(name="interference.gram_derivation", kind="derivation",
          formulas=("interference.p_decay_rate", "interference.p_decay_rate_printed", "interference.cos_decay_rate")),
    Entry(name="interference.two_row_reduction_derivation", kind="derivation", formulas=("interference.two_row_closed_form",)),
    # --- sparsity (paper 1 §2.3-2.4, App. B) ------------------------------------------------
    Entry(name="sparsity.threshold", kind="formula", formulas=("sparsity.threshold",),
          parameters=_p(lam="lam > 0 (l1 coefficient)", norm_sq="0 <= norm_sq < 1 (||W_i||^2; §2.4 assumes ||W_i|| < 1)"),
          evaluations=(_ev("sparsity.threshold", ("lam", "lambda", None), ("norm_sq", "N_2", None)),), arrays=True),
    Entry(name="sparsity.regime_law_printed", kind="formula", formulas=("sparsity.regime_law",),
          parameters=_p(m="m > 0 (neurons)", lam="lam > 0", t="t >= 0 (time of the gradient flow)"),
          evaluations=(_ev("sparsity.regime_law", "m", ("lam", "lambda", None), "t"),), arrays=True),
    Entry(name="sparsity.limit_functions", kind="formula",
          formulas=("sparsity.halfnormal_tail", "sparsity.halfnormal_h", "sparsity.halfnormal_g"),
          parameters=_p(bv="b >= 0 (scaled shift B sqrt(m)/c)"),
          evaluations=(_ev("sparsity.halfnormal_tail", ("bv", "b", None), output=0), _ev("sparsity.halfnormal_h", ("bv", "b", None), output=1),
                       _ev("sparsity.halfnormal_g", ("bv", "b", None), output=2)), arrays=True,
          notes="h and g through the scaled complementary error function erfcx (no underflow for large b)"),
    Entry(name="sparsity.limit_constants", kind="formula",
          formulas=("sparsity.limit_rel_var", "sparsity.limit_mprime_ratio", "sparsity.limit_lam_t_l1"),
          evaluations=(_ev("sparsity.limit_rel_var", output="rel_var_limit"), _ev("sparsity.limit_mprime_ratio", output="mprime_ratio_limit"),
                       _ev("sparsity.limit_lam_t_l1", output="lam_t_l1_limit"))),
    Entry(name="sparsity.large_m_curve", kind="solver",
          formulas=("sparsity.halfnormal_g", "sparsity.limit_rel_var", "sparsity.limit_mprime_ratio", "sparsity.limit_lam_t_l1", "sparsity.regime_law"),
          parameters=_p(tau="tau >= 0, sorted (scaled time lam sqrt(m) t)", ell="ell > 0 (lam sqrt(m))", c="c > 0 (init std c/sqrt(m))", rtol="ODE tolerance"),
          notes="solves the m -> oo ODE with LSODA at rtol"),
    Entry(name="sparsity.quasi_static_curve", kind="solver",
          formulas=("sparsity.halfnormal_g", "sparsity.halfnormal_h", "sparsity.halfnormal_tail", "sparsity.limit_rel_var", "sparsity.limit_lam_t_l1"),
          parameters=_p(bv="b >= 0, sorted"), notes="tau(b) = int_0^b dbeta / sqrt(g(beta)) by adaptive quadrature"),
    Entry(name="sparsity.loss_instance", kind="symbolic", formulas=("sparsity.gradient",),
          parameters=_p(n_rows="integer >= 1", m_cols="integer >= 1", lam_="SymPy expression (l1 coefficient)",
                        pattern="None, or the sign of each W_i . W_j (i < j)")),
    Entry(name="sparsity.gradient_derivation", kind="derivation", formulas=("sparsity.gradient",)),
    Entry(name="sparsity.footnote_derivation", kind="derivation", formulas=("sparsity.footnote_simplified_flow",)),
    Entry(name="sparsity.threshold_derivation", kind="derivation", formulas=("sparsity.threshold", "sparsity.magnitude_flow")),
    Entry(name="sparsity.balance_derivation", kind="derivation", formulas=("sparsity.balance",)),
    Entry(name="sparsity.appendix_b_derivation", kind="derivation", formulas=("sparsity.appendix_b_identity",)),
    Entry(name="sparsity.gamma_derivation", kind="derivation", formulas=("sparsity.gamma_ode", "sparsity.gamma_solution", "sparsity.affine_form")),
    Entry(name="sparsity.reduction_derivation", kind="derivation", formulas=("sparsity.reduced_magnitude",)),
    Entry(name="sparsity.halfnormal_derivation", kind="derivation",
          formulas=("sparsity.halfnormal_tail", "sparsity.halfnormal_h", "sparsity.halfnormal_g")),
    Entry(name="sparsity.limit_derivation", kind="derivation",
          formulas=("sparsity.limit_rel_var", "sparsity.limit_mprime_ratio", "sparsity.limit_lam_t_l1")),
    Entry(name="sparsity.regime1_plateau_derivation", kind="derivation", formulas=("sparsity.regime1_plateau",)),
    Entry(name="sparsity.extinction_derivation", kind="derivation", formulas=("sparsity.extinction_shift",)),
    Entry(name="sparsity.critical_ell", kind="solver", formulas=("sparsity.extinction_shift",),
          parameters=_p(scaled_top="scaled_top > 0 (sqrt(m) max_k |w_k(0)| / c)", c="c > 0 (init std times sqrt(m))")),
    Entry(name="sparsity.critical_ell_asymptotic", kind="formula", formulas=("sparsity.extinction_shift",),
          parameters=_p(scaled_top="scaled_top > 0 (sqrt(m) max_k |w_k(0)| / c)", c="c > 0 (init std times sqrt(m))"),
          arrays=True),
    Entry(name="sparsity.halfnormal_max_mean", kind="solver", formulas=("sparsity.halfnormal_max_mean",),
          parameters=_p(m="m > 0 (number of half-normal magnitudes)")),
    Entry(name="sparsity.balance_transient_derivation", kind="derivation", formulas=("sparsity.balance_relaxation",)),
    Entry(name="sparsity.balance_rel_error_lower", kind="formula", formulas=("sparsity.balance_relaxation",),
          parameters=_p(t="t >= 0 (flow time)", ell="ell > 0 (lam sqrt(m))", c="c > 0 (init std times sqrt(m))"), arrays=True),
    Entry(name="sparsity.balance_rel_error_first_order", kind="formula", formulas=("sparsity.balance_relaxation",),
          parameters=_p(t="t >= 0 (flow time)", ell="ell > 0 (lam sqrt(m))", c="c > 0 (init std times sqrt(m))",
                        rel_var="rel_var >= 0 (relative variance of the live magnitudes)"), arrays=True),
    Entry(name="sparsity.balance_times", kind="formula", formulas=("sparsity.balance_relaxation",),
          parameters=_p(eps="eps > s_b/2 (accuracy above the lag)", ell="ell > 0 (lam sqrt(m))", c="c > 0 (init std times sqrt(m))")),
    # --- noise (paper 1 §3.2, App. C) -------------------------------------------------------
    Entry(name="noise.fourth_moment", kind="formula", formulas=("noise.fourth_moment",),
          parameters=_p(w=_W, sigma2=_SIG2, mu4=_MU4),
          evaluations=(_ev("noise.fourth_moment", ("w", "w_2", "row_sum_sq"), ("w", "q_4", "row_sum_fourth"), ("sigma2", "sigma", "sqrt"),
                           ("mu4", "mu_4", None)),), arrays=True, notes="NumPy only: pass a torch weight matrix as W.detach().cpu().numpy()"),
    Entry(name="noise.a2_norm_xi_moment", kind="formula", formulas=("noise.a2_norm_xi",),
          parameters=_p(w=_W, sigma2=_SIG2, mu4=_MU4),
          evaluations=(_ev("noise.a2_norm_xi", ("w", "w_2", "row_sum_sq"), ("w", "m", "row_length"), ("sigma2", "sigma", "sqrt"),
                           ("mu4", "mu_4", None)),), arrays=True, notes="NumPy only: pass a torch weight matrix as W.detach().cpu().numpy()"),
    Entry(name="noise.expected_norm_sq_next", kind="formula", formulas=("noise.expected_norm_sq_next",),
          parameters=_p(m=_MN, sigma2=_SIG2, mu4=_MU4, eta="eta > 0 (learning rate)"),
          evaluations=(_ev("noise.expected_norm_sq_next", "m", ("sigma2", "sigma", "sqrt"), ("mu4", "mu_4", None), "eta"),), arrays=True),
    Entry(name="noise.unit_fourth_norm_mean", kind="formula", formulas=("noise.unit_fourth_norm",),
          parameters=_p(m=_MN), evaluations=(_ev("noise.unit_fourth_norm", "m"),), arrays=True),
    Entry(name="noise.expect_symmetric", kind="symbolic", formulas=("noise.a2_norm_xi", "noise.expected_norm_sq_next", "noise.xi_only_leading"),
          parameters=_p(expr="SymPy polynomial in xis", xis="independent symmetric coordinates", moments="even moments beyond the fourth (optional)")),
    Entry(name="noise.dot", kind="symbolic", formulas=("noise.gradient", "noise.gradient_any_norm", "noise.update"),
          parameters=_p(u="sequence of SymPy expressions", v="sequence of the same length")),
    Entry(name="noise.norm_sq", kind="symbolic", formulas=("noise.gradient_any_norm", "noise.norm_sq_next"),
          parameters=_p(u="sequence of SymPy expressions")),
    Entry(name="noise.fourth_moment_explicit", kind="symbolic", formulas=("noise.fourth_moment", "noise.fourth_moment_index"),
          parameters=_p(mm="integer >= 1 (coordinates)")),
    # --- noise laws (paper 1 §3.1) ----------------------------------------------------------
    Entry(name="noise_laws.excess_kurtosis", kind="symbolic", formulas=("noise.excess_kurtosis",),
          parameters=_p(law="a NoiseLaw or a sympy.stats variable: symmetric about 0, finite fourth moment, sigma^2 > 0")),
    Entry(name="noise_laws.bipolar", kind="symbolic", formulas=("noise.excess_kurtosis",), parameters=_p(sigma="sigma > 0 (number or positive symbol)")),
    Entry(name="noise_laws.uniform", kind="symbolic", formulas=("noise.excess_kurtosis",), parameters=_p(sigma="sigma > 0 (number or positive symbol)")),
    Entry(name="noise_laws.normal", kind="symbolic", formulas=("noise.excess_kurtosis",), parameters=_p(sigma="sigma > 0 (number or positive symbol)")),
    Entry(name="noise_laws.laplace", kind="symbolic", formulas=("noise.excess_kurtosis",), parameters=_p(sigma="sigma > 0 (number or positive symbol)")),
    Entry(name="noise_laws.from_random_variable", kind="symbolic", formulas=("noise.excess_kurtosis",),
          parameters=_p(X="a single sympy.stats variable: symmetric about 0, finite fourth moment, sigma^2 > 0", name="label", kind="sampler family",
                        natural="sampler parameters")),
    Entry(name="noise_laws.moment", kind="symbolic", formulas=("noise.excess_kurtosis",),
          parameters=_p(X="a single sympy.stats variable", k="integer >= 0 (order)")),
    # --- coding (paper 2 eqs. 1-3, Supp. §2.1-2.4) ------------------------------------------
    Entry(name="coding.sparse_entropy", kind="formula", formulas=("coding.sparse_entropy_printed", "coding.sparse_entropy_exact"),
          parameters=_p(n=_N, S=_S, h_elem="h_elem >= 0 (bits: entropy of one element, its zero mass included)",
                        p_zero="0 <= p_zero <= 1 (the law's own mass on 0)"),
          evaluations=(_ev("coding.sparse_entropy_printed", "n", "S", ("h_elem", "H_elem", None), p_zero=0.0),
                       _ev("coding.sparse_entropy_exact", "n", "S", ("h_elem", "H_elem", None), ("p_zero", "q", None))), arrays=True),
    Entry(name="coding.sparse_entropy_error_bound", kind="formula", formulas=("coding.sparse_entropy_error_bound",),
          parameters=_p(n=_N, S=_S, eps="0 < eps <= 1 (bound on P(X_0 = 0))"),
          evaluations=(_ev("coding.sparse_entropy_error_bound", "n", "S", ("eps", "epsilon", None)),), arrays=True),
    Entry(name="coding.compression_rate", kind="formula", formulas=("coding.compression_rate",),
          parameters=_p(S=_S, H="H > 0 (bits per element)"), evaluations=(_ev("coding.compression_rate", "S", "H"),), arrays=True),
    Entry(name="coding.dropout_capacity_bounds", kind="formula", formulas=("coding.dropout_lower_printed", "coding.dropout_upper"),
          parameters=_p(c_base="c_base > 0 (bits of one neuron)", D=_D, m=_MN),
          evaluations=(_ev("coding.dropout_lower_printed", ("c_base", "C_base", None), "D", "m", output=0),
                       _ev("coding.dropout_upper", ("c_base", "C_base", None), "D", "m", output=1)), arrays=True),
    Entry(name="coding.dropout_construction_bound", kind="formula", formulas=("coding.dropout_lower_construction",),
          parameters=_p(c_base="c_base > 0 (bits of one neuron)", D=_D, m=_MN),
          evaluations=(_ev("coding.dropout_lower_construction", ("c_base", "C_base", None), "D", "m"),), arrays=True),
    Entry(name="coding.dropout_capacity_exact", kind="formula", formulas=("coding.dropout_capacity_exact", "coding.reencoded_depth_exact"),
          parameters=_p(bits=_BITS, D=_D, m=_MN),
          evaluations=(_ev("coding.dropout_capacity_exact", ("bits", "C_base", None), "D", "m"),), arrays=True,
          notes="the branch test and the interior value in logarithms of 2**bits - 1 (no overflow for bits >= 1024)"),
    Entry(name="coding.naive_depth_capacity", kind="formula", formulas=("coding.naive_depth_exact",),
          parameters=_p(bits=_BITS, D=_D, N="integer, N >= 0 (dropout layers)", m=_MN),
          evaluations=(_ev("coding.naive_depth_exact", ("bits", "C_base", None), "D", "N", "m"),), arrays=True),
    Entry(name="coding.repetition_cascade_information", kind="formula", formulas=("coding.repetition_cascade_information",),
          parameters=_p(bits="integer, bits >= 1", D=_D, N="integer, N >= 0", m=_MN, r="integer, 1 <= r <= m (repetitions)"),
          evaluations=(_ev("coding.repetition_cascade_information", ("bits", "C_base", None), "D", "N", "m", "r"),), arrays=True),
    Entry(name="coding.mds_cascade_information", kind="formula", formulas=("coding.mds_cascade_information",),
          parameters=_p(bits="integer, bits >= 1", D=_D, N="integer, N >= 0", m=_MN, k="integer, 1 <= k <= m (code dimension)"),
          evaluations=(_ev("coding.mds_cascade_information", ("bits", "C_base", None), "D", "N", "m", "k"),),
          notes="numbers only: the binomial tail is summed exactly term by term"),
    Entry(name="coding.power_law_entropy_approx", kind="formula",
          formulas=("coding.power_law_entropy_variance", "coding.power_law_entropy_std"),
          parameters=_p(m=_MN, bits="integer, bits >= 1", alpha="alpha <= 0 (decaying power law)",
                        exponent_of="'variance' (eigenvalues follow i^alpha) or 'std'"),
          evaluations=(_ev("coding.power_law_entropy_variance", "m", ("bits", "b", None), "alpha", exponent_of="variance"),
                       _ev("coding.power_law_entropy_std", "m", ("bits", "b", None), "alpha", exponent_of="std")), arrays=True),
    Entry(name="coding.stirling_bounds", kind="formula", formulas=("coding.stirling_remainder",),
          parameters=_p(m=_MN), evaluations=(_ev("coding.stirling_remainder", "m", output=0),), arrays=True,
          notes="(lo, hi): lo is the Stirling remainder's leading term, hi adds Robbins' 1/(12 m ln 2)"),
    Entry(name="coding.log2", kind="symbolic", formulas=("coding.power_law_entropy_std", "coding.power_law_capacity"), parameters=_p(x="SymPy expression")),
    Entry(name="coding.binary_entropy", kind="symbolic", formulas=("coding.compression_rate", "coding.zero_merge_loss", "coding.dropout_capacity_exact"),
          parameters=_p(x="SymPy expression in [0, 1]")),
    Entry(name="coding.lemma2_printed_steps", kind="derivation", formulas=("coding.sparse_entropy_printed",)),
    Entry(name="coding.lemma2_derived_steps", kind="derivation", formulas=("coding.sparse_entropy_printed",)),
    Entry(name="coding.lemma2_error_steps", kind="derivation",
          formulas=("coding.zero_merge_loss", "coding.sparse_entropy_exact", "coding.sparse_entropy_error_bound")),
    Entry(name="coding.compression_rate_steps", kind="derivation", formulas=("coding.compression_rate", "coding.compression_rate_limit")),
    Entry(name="coding.compression_rate_error_steps", kind="derivation",
          formulas=("coding.compression_rate_relative_error", "coding.compression_rate_min_entropy")),
    Entry(name="coding.mds_rate_steps", kind="derivation", formulas=("coding.mds_rate_lower",)),
    Entry(name="coding.theorem3_lower_steps", kind="derivation",
          formulas=("coding.dropout_lower_printed", "coding.dropout_lower_construction", "coding.dropout_bound_difference")),
    Entry(name="coding.dropout_capacity_steps", kind="derivation", formulas=("coding.dropout_capacity_exact",)),
    Entry(name="coding.erasure_printed_steps", kind="derivation", formulas=("coding.dropout_upper",)),
    Entry(name="coding.erasure_derived_steps", kind="derivation", formulas=("coding.dropout_upper",)),
    Entry(name="coding.dropout_composition_steps", kind="derivation", formulas=("coding.naive_depth_exact", "coding.naive_depth_printed")),
    Entry(name="coding.theorem4_printed_steps", kind="derivation", formulas=("coding.power_law_entropy_printed",)),
    Entry(name="coding.theorem4_derived_steps", kind="derivation",
          formulas=("coding.power_law_entropy_std", "coding.power_law_entropy_variance", "coding.stirling_remainder", "coding.power_law_capacity")),
    Entry(name="coding.gaussian_term_steps", kind="derivation", formulas=("coding.gaussian_term_matched", "coding.gaussian_term_printed")),
    # --- spectra (paper 2 eq. 4, Supp. §2.5) ------------------------------------------------
    Entry(name="spectra.power_sum", kind="formula", formulas=("spectra.power_sum_hurwitz", "spectra.zeta_limit"),
          parameters=_p(alpha="real; alpha < -1 when m is None (the infinite series converges)", m="None, or integer m >= 1",
                        dps="integer >= 1 (mpmath digits)"),
          evaluations=(_ev("spectra.power_sum_hurwitz", "alpha", "m"),),
          notes="numbers only: 40-digit mpmath Hurwitz zeta (harmonic number at alpha = -1)"),
    Entry(name="spectra.power_sum_direct", kind="formula", formulas=("spectra.power_sum_hurwitz",),
          parameters=_p(alpha=_ALPHA, m="integer, m >= 1", dps="integer >= 1 (mpmath digits)"),
          evaluations=(_ev("spectra.power_sum_hurwitz", "alpha", "m"),), notes="numbers only: the reference sum, term by term in mpmath"),
    Entry(name="spectra.power_sum_asymptotic", kind="formula", formulas=("spectra.power_sum_asymptotic",),
          parameters=_p(alpha="alpha < 0, alpha != -1", m="integer, m >= 1"),
          evaluations=(_ev("spectra.power_sum_asymptotic", "alpha", "m"),), notes="numbers only (mpmath at 40 digits)"),
    Entry(name="spectra.power_sum_remainder_bound", kind="formula", formulas=("spectra.power_sum_asymptotic",),
          parameters=_p(alpha=_ALPHA, m="integer, m >= 1"), extra_expressions=(("|R| bound", "POWER_SUM_REMAINDER_BOUND"),),
          notes="numbers only (mpmath at 40 digits); bounds the remainder of the four-term Euler-Maclaurin form"),
    Entry(name="spectra.zeta_tail", kind="formula", formulas=("spectra.zeta_limit", "spectra.power_sum_hurwitz"),
          parameters=_p(alpha="alpha < -1", m="integer, m >= 1"),
          notes="numbers only: zeta(-alpha, m+1) = zeta_limit - power_sum_hurwitz in 40-digit mpmath"),
    Entry(name="spectra.expected_energy", kind="formula", formulas=("spectra.energy_derived",),
          parameters=_p(acts=_ACTS, k=_K),
          evaluations=(_ev("spectra.energy_derived", "k", ("acts", "m", "columns"), ("acts", "T_Sigma", "trace_cov")),),
          notes="one activation matrix in, one float out; NumPy only (torch activations: .detach().cpu().numpy())"),
    Entry(name="spectra.expected_action", kind="formula", formulas=("spectra.action_derived",),
          parameters=_p(acts=_ACTS + "; rows in time order", k=_K),
          evaluations=(_ev("spectra.action_derived", "k", ("acts", "m", "columns"), ("acts", "Q_Delta", "increment_energy")),),
          notes="one activation matrix in, one float out; NumPy only (torch activations: .detach().cpu().numpy())"),
    Entry(name="spectra.printed_energy", kind="formula", formulas=("spectra.energy_printed",),
          parameters=_p(acts=_ACTS, k=_K), evaluations=(_ev("spectra.energy_printed", ("acts", "T_Sigma", "trace_cov")),),
          notes="the Supplement's printed 1/2 tr Sigma (k is checked, and unused by the printed form)"),
    Entry(name="spectra.printed_eq4_action", kind="formula", formulas=("spectra.eq4_action_printed",),
          parameters=_p(acts=_ACTS, k=_K), evaluations=(_ev("spectra.eq4_action_printed", ("acts", "T_Sigma", "trace_cov")),),
          notes="main-text eq. 4 as printed, tr Sigma (k is checked, and unused by the printed form)"),
    Entry(name="spectra.energy_derivation", kind="derivation",
          formulas=("spectra.energy_derived", "spectra.energy_printed", "spectra.energy_printed_step")),
    Entry(name="spectra.action_derivation", kind="derivation", formulas=("spectra.action_derived", "spectra.eq4_action_printed")),
    Entry(name="spectra.zeta_derivation", kind="derivation", formulas=("spectra.power_sum_hurwitz", "spectra.zeta_limit")),
    Entry(name="spectra.action_alpha_derivation", kind="derivation",
          formulas=("spectra.action_ar1", "spectra.action_proportional_printed", "spectra.action_alpha_elasticity")),
)


def _import_topics() -> None:
    for topic in TOPICS:
        importlib.import_module(f"polyverify.theory.{topic}")


def _expression_entries() -> list[Entry]:
    """One ``kind="expression"`` entry per registered formula, named by the module constant that
    holds it (``collisions.POLYSEMANTIC_EXACT``); its parameters are its free symbols with the
    assumptions SymPy holds for them."""
    _import_topics()
    out = []
    for fid, f in registered_formulas().items():
        topic = fid.split(".", 1)[0]
        mod = importlib.import_module(f"polyverify.theory.{topic}")
        names = [k for k, v in vars(mod).items() if v is f.expr and not k.startswith("_")]
        public = [k for k in names if k in getattr(mod, "__all__", ())]
        attr = (public or names or [""])[0]
        if not attr:  # registered but held by no public constant: listed under its id
            attr = fid.split(".", 1)[1]
        params = tuple(
            Parameter(name=str(s), domain=", ".join(k for k, v in sorted(s.assumptions0.items()) if v and k in _SHOWN) or "complex")
            for s in sorted(f.expr.free_symbols, key=str)
        )
        out.append(Entry(name=f"{topic}.{attr}", kind="expression", formulas=(fid,), parameters=params,
                         claims=_CLAIMS.get(fid, ()), attribute=attr, notes=f.doc))
    return out


_SHOWN = ("integer", "positive", "nonnegative", "negative", "real")


def catalogue(*, expressions: bool = True) -> list[Entry]:
    """Every catalogued function, then (``expressions=True``) every registered expression."""
    return list(CATALOGUE) + (_expression_entries() if expressions else [])


def entry(name: str) -> Entry:
    """The entry called ``name`` (``topic.function`` or ``topic.CONSTANT``); ``KeyError`` naming
    the close matches otherwise."""
    for e in CATALOGUE:
        if e.name == name:
            return e
    for e in _expression_entries():
        if e.name == name or e.formulas[0] == name:
            return e
    close = [e.name for e in search(name.split(".")[-1])][:5]
    hint = f"; did you mean {', '.join(close)}?" if close else "; see `polyverify formulas`"
    raise KeyError(f"no formula called {name!r}{hint}")


def search(pattern: str | None) -> list[Entry]:
    """Entries whose name or expression id matches ``pattern``: a glob (``collisions.*``), else a
    case-insensitive substring; ``None`` or ``""`` gives them all."""
    entries = catalogue()
    if not pattern:
        return entries
    pat = pattern.lower()
    glob = any(ch in pat for ch in "*?[")

    def hit(text: str) -> bool:
        text = text.lower()
        return fnmatch.fnmatchcase(text, pat) if glob else pat in text

    return [e for e in entries if hit(e.name) or any(hit(f) for f in e.formulas)]


# --- the claims that verify each entry (checked by tests/test_formulas.py) --------------------
# Keyed by function name, or by formula id for an expression. Each claim calls the function in
# its forms or rule, or covers one of its expressions.

_CLAIMS: dict[str, tuple[str, ...]] = {
    'collisions.pair_probability': ('collisions.pair_probability',),
    'collisions.expected_collisions': ('collisions.expected_pairs', 'collisions.pairs_order'),
    'collisions.benign_probability': ('collisions.benign_probability',),
    'collisions.expected_benign': ('collisions.expected_benign_pairs',),
    'collisions.expected_polysemantic': ('assignment.trained_counts', 'assignment.trained_counts_fig3', 'collisions.expected_polysemantic', 'collisions.polysemantic_limit', 'collisions.polysemantic_variance', 'training.fig3_polysemantic', 'training.fig3_published_setup', 'training.polysemantic_count'),
    'collisions.polysemantic_variance': ('collisions.polysemantic_variance',),
    'collisions.pair_probability_derivation': ('collisions.expected_pairs', 'collisions.pair_probability'),
    'collisions.benign_probability_derivation': ('collisions.benign_probability', 'collisions.expected_benign_pairs'),
    'collisions.polysemantic_derivation': ('collisions.expected_polysemantic', 'collisions.polysemantic_limit'),
    'assignment.expected_polysemantic_trained': ('assignment.expected_polysemantic', 'assignment.gaussian_displacement', 'assignment.trained_counts', 'assignment.trained_counts_fig3', 'assignment.variance', 'training.fig3_polysemantic', 'training.polysemantic_count'),
    'assignment.polysemantic_trained_variance': ('assignment.variance',),
    'assignment.stay_probability_bound': ('assignment.stay_initial_argmax', 'assignment.trained_stay', 'assignment.trained_stay_fig3'),
    'assignment.gaussian_second_order': ('assignment.gaussian_displacement',),
    'assignment.expansion_table': ('assignment.expected_polysemantic', 'collisions.expected_polysemantic', 'collisions.polysemantic_limit', 'training.fig3_polysemantic', 'training.polysemantic_count'),
    'assignment.displacement_derivation': ('assignment.expected_polysemantic',),
    'assignment.gaussian_second_order_derivation': ('assignment.gaussian_displacement',),
    'assignment.variance_derivation': ('assignment.variance',),
    'assignment.expansion_derivation': ('assignment.expansion', 'assignment.expected_polysemantic', 'collisions.expected_polysemantic', 'collisions.polysemantic_limit', 'training.fig3_polysemantic', 'training.polysemantic_count'),
    'assignment.stay_derivation': ('assignment.stay_initial_argmax',),
    'sparsity.threshold': ('sparsity.threshold', 'sparsity.threshold_equation'),
    'sparsity.regime_law_printed': ('sparsity.fig2', 'sparsity.mprime_law', 'sparsity.regime1', 'sparsity.regime2', 'sparsity.regime3'),
    'sparsity.limit_functions': ('sparsity.fig2', 'sparsity.halfnormal_moments', 'sparsity.limit_lam_t_l1', 'sparsity.limit_mprime_ratio', 'sparsity.limit_rel_var', 'sparsity.mprime_law', 'sparsity.regime1', 'sparsity.regime2', 'sparsity.rel_var_bounds'),
    'sparsity.limit_constants': ('sparsity.limit_lam_t_l1', 'sparsity.limit_mprime_ratio', 'sparsity.limit_rel_var'),
    'sparsity.large_m_curve': ('sparsity.fig2', 'sparsity.halfnormal_moments', 'sparsity.limit_lam_t_l1', 'sparsity.limit_mprime_ratio', 'sparsity.limit_rel_var', 'sparsity.mprime_law', 'sparsity.regime1', 'sparsity.regime2', 'sparsity.rel_var_bounds'),
    'sparsity.quasi_static_curve': ('sparsity.halfnormal_moments', 'sparsity.limit_lam_t_l1', 'sparsity.limit_rel_var'),
    'sparsity.loss_instance': ('sparsity.loss_gradient',),
    'sparsity.gradient_derivation': ('sparsity.loss_gradient',),
    'sparsity.footnote_derivation': ('sparsity.footnote_constants',),
    'sparsity.threshold_derivation': ('sparsity.threshold', 'sparsity.threshold_equation'),
    'sparsity.balance_derivation': ('sparsity.balance',),
    'sparsity.appendix_b_derivation': ('sparsity.appendix_b_exact', 'sparsity.appendix_b_identity'),
    'sparsity.gamma_derivation': ('sparsity.gamma',),
    'sparsity.reduction_derivation': ('sparsity.reduction',),
    'sparsity.halfnormal_derivation': ('sparsity.halfnormal_moments',),
    'sparsity.limit_derivation': ('sparsity.limit_lam_t_l1', 'sparsity.limit_mprime_ratio', 'sparsity.limit_rel_var'),
    'sparsity.regime1_plateau_derivation': ('sparsity.regime_boundary',),
    'sparsity.extinction_derivation': ('sparsity.lambda_bound',),
    'sparsity.critical_ell': ('sparsity.lambda_bound',),
    'sparsity.critical_ell_asymptotic': ('sparsity.lambda_bound',),
    'sparsity.halfnormal_max_mean': ('sparsity.lambda_bound',),
    'sparsity.balance_transient_derivation': ('sparsity.balance_transient',),
    'sparsity.balance_rel_error_lower': ('sparsity.balance_transient',),
    'sparsity.balance_rel_error_first_order': ('sparsity.balance_transient',),
    'sparsity.balance_times': ('sparsity.balance_transient',),
    'sparsity.extinction_shift': ('sparsity.lambda_bound',),
    'sparsity.balance_relaxation': ('sparsity.balance_transient',),
    'noise.fourth_moment': ('noise.fourth_moment',),
    'noise.a2_norm_xi_moment': ('noise.a2_norm_xi',),
    'noise.expected_norm_sq_next': ('noise.expected_norm_sq',),
    'noise.unit_fourth_norm_mean': ('noise.unit_fourth_norm', 'noise.unit_fourth_norm_limit'),
    'noise.expect_symmetric': ('noise.a2_norm_xi', 'noise.expected_norm_sq', 'noise.fourth_moment', 'noise.fourth_moment_index_sum', 'noise.xi_only_leading', 'noise.xi_only_orders', 'noise.xi_prime_part'),
    'noise.dot': ('noise.a2_norm_xi', 'noise.expected_norm_sq', 'noise.fourth_moment', 'noise.fourth_moment_index_sum', 'noise.gradient', 'noise.implicit_regulariser', 'noise.norm_expansion', 'noise.xi_only_leading', 'noise.xi_only_orders', 'noise.xi_prime_part'),
    'noise.norm_sq': ('noise.a2_norm_xi', 'noise.expected_norm_sq', 'noise.fourth_moment', 'noise.fourth_moment_index_sum', 'noise.gradient', 'noise.implicit_regulariser', 'noise.norm_expansion', 'noise.xi_only_orders', 'noise.xi_prime_part'),
    'noise.fourth_moment_explicit': ('noise.fourth_moment', 'noise.fourth_moment_index_sum'),
    'noise_laws.excess_kurtosis': ('noise.kurtosis_values', 'noise.sparsity_sign'),
    'noise_laws.bipolar': ('noise.kurtosis_values', 'noise.sparsity_sign'),
    'noise_laws.uniform': ('noise.kurtosis_values', 'noise.sparsity_sign'),
    'noise_laws.normal': ('noise.kurtosis_values', 'noise.sparsity_sign'),
    'noise_laws.laplace': ('noise.kurtosis_values', 'noise.sparsity_sign'),
    'noise_laws.from_random_variable': ('noise.kurtosis_values', 'noise.sparsity_sign'),
    'noise_laws.moment': ('noise.kurtosis_values', 'noise.sparsity_sign'),
    'coding.sparse_entropy': ('coding.lemma2_entropy', 'coding.lemma2_zero_mass'),
    'coding.sparse_entropy_error_bound': ('coding.lemma2_error_bound',),
    'coding.compression_rate': ('coding.compression_rate',),
    'coding.dropout_capacity_bounds': ('coding.theorem3_lower', 'coding.theorem3_upper'),
    'coding.dropout_construction_bound': ('coding.theorem3_lower',),
    'coding.dropout_capacity_exact': ('coding.dropout_capacity',),
    'coding.naive_depth_capacity': ('coding.naive_depth',),
    'coding.repetition_cascade_information': ('coding.repetition_cascade',),
    'coding.mds_cascade_information': ('coding.mds_cascade',),
    'coding.power_law_entropy_approx': ('coding.power_law_capacity', 'coding.theorem4_entropy'),
    'coding.stirling_bounds': ('coding.power_law_capacity', 'coding.theorem4_entropy', 'coding.theorem4_proof'),
    'coding.log2': ('coding.compression_rate', 'coding.compression_rate_limit', 'coding.dropout_capacity', 'coding.ecc_achievability', 'coding.erasure_step', 'coding.lemma2_proof', 'coding.lemma2_zero_mass', 'coding.power_law_capacity', 'coding.theorem3_domain', 'coding.theorem3_lower', 'coding.theorem4_entropy', 'coding.theorem4_gaussian', 'coding.theorem4_proof'),
    'coding.binary_entropy': ('coding.compression_rate', 'coding.compression_rate_limit', 'coding.dropout_capacity', 'coding.lemma2_zero_mass'),
    'coding.lemma2_printed_steps': ('coding.lemma2_entropy', 'coding.lemma2_proof'),
    'coding.lemma2_derived_steps': ('coding.lemma2_entropy', 'coding.lemma2_proof'),
    'coding.lemma2_error_steps': ('coding.lemma2_error_bound', 'coding.lemma2_zero_mass'),
    'coding.compression_rate_steps': ('coding.compression_rate', 'coding.compression_rate_limit'),
    'coding.compression_rate_error_steps': ('coding.eq1_relative_error',),
    'coding.mds_rate_steps': ('coding.ecc_achievability',),
    'coding.theorem3_lower_steps': ('coding.theorem3_domain', 'coding.theorem3_lower'),
    'coding.dropout_capacity_steps': ('coding.dropout_capacity',),
    'coding.erasure_printed_steps': ('coding.erasure_step', 'coding.theorem3_upper'),
    'coding.erasure_derived_steps': ('coding.erasure_step', 'coding.theorem3_upper'),
    'coding.dropout_composition_steps': ('coding.naive_depth',),
    'coding.theorem4_printed_steps': ('coding.theorem4_entropy', 'coding.theorem4_proof'),
    'coding.theorem4_derived_steps': ('coding.power_law_capacity', 'coding.theorem4_entropy', 'coding.theorem4_proof'),
    'coding.gaussian_term_steps': ('coding.theorem4_gaussian',),
    'spectra.power_sum': ('spectra.eq4_zeta', 'spectra.hurwitz_sum'),
    'spectra.power_sum_direct': ('spectra.divergence', 'spectra.hurwitz_sum', 'spectra.zeta_tail'),
    'spectra.power_sum_asymptotic': ('spectra.divergence', 'spectra.zeta_tail'),
    'spectra.power_sum_remainder_bound': ('spectra.divergence', 'spectra.zeta_tail'),
    'spectra.zeta_tail': ('spectra.eq4_zeta', 'spectra.hurwitz_sum'),
    'spectra.expected_energy': ('spectra.energy_trace_trick',),
    'spectra.expected_action': ('spectra.action_eq4', 'spectra.dropout_action'),
    'spectra.printed_energy': ('spectra.energy_trace_trick',),
    'spectra.printed_eq4_action': ('spectra.action_eq4',),
    'spectra.energy_derivation': ('spectra.energy_trace_trick',),
    'spectra.action_derivation': ('spectra.action_eq4', 'spectra.dropout_action'),
    'spectra.zeta_derivation': ('spectra.eq4_zeta', 'spectra.hurwitz_sum'),
    'spectra.action_alpha_derivation': ('spectra.action_alpha_proportional',),
    'assignment.expected_polysemantic': ('assignment.expected_polysemantic',),
    'assignment.factorial_moment': ('assignment.variance',),
    'assignment.variance': ('assignment.variance',),
    'assignment.stay_bound': ('assignment.stay_initial_argmax',),
    'interference.init_interference': ('interference.init_order', 'interference.init_strength'),
    'interference.shift_matrix': ('interference.count_shift_model', 'interference.share_shift_model', 'interference.stay_shift_model'),
    'interference.shift_derivation': ('interference.stay_shift_model',),
    'interference.shift': ('interference.count_shift_model', 'interference.share_shift_model', 'interference.stay_shift_model'),
    'interference.init_benefit': ('interference.init_benefit',),
    'interference.gram_rates': ('interference.inner_product_decay',),
    'interference.gram_flow': ('interference.gram_flow', 'interference.inner_product_decay'),
    'interference.window_rates': ('interference.inner_product_decay',),
    'interference.init_strength_derivation': ('interference.init_order', 'interference.init_strength'),
    'interference.init_benefit_derivation': ('interference.init_benefit',),
    'interference.gram_derivation': ('interference.gram_flow', 'interference.inner_product_decay'),
    'interference.two_row_reduction_derivation': ('interference.two_row_reduction',),
    'interference.two_row_closed_form': ('interference.two_row_reduction',),
    'interference.init_strength': ('interference.init_order', 'interference.init_strength'),
    'interference.init_order': ('interference.init_order',),
    'interference.p_decay_rate': ('interference.gram_flow', 'interference.inner_product_decay'),
    'interference.p_decay_rate_printed': ('interference.inner_product_decay',),
    'interference.cos_decay_rate': ('interference.gram_flow', 'interference.inner_product_decay'),
    'coding.sparse_entropy_printed': ('coding.lemma2_entropy',),
    'coding.zero_merge_loss': ('coding.lemma2_zero_mass',),
    'coding.sparse_entropy_exact': ('coding.lemma2_zero_mass',),
    'coding.compression_rate_limit': ('coding.compression_rate_limit',),
    'coding.compression_rate_relative_error': ('coding.eq1_relative_error',),
    'coding.compression_rate_min_entropy': ('coding.eq1_relative_error',),
    'coding.dropout_lower_printed': ('coding.theorem3_lower',),
    'coding.dropout_lower_construction': ('coding.theorem3_lower',),
    'coding.dropout_upper': ('coding.theorem3_upper',),
    'coding.dropout_bound_difference': ('coding.theorem3_domain',),
    'coding.naive_depth_printed': ('coding.naive_depth',),
    'coding.naive_depth_exact': ('coding.naive_depth',),
    'coding.ecc_depth_printed': ('coding.ecc_depth',),
    'coding.reencoded_depth_exact': ('coding.ecc_depth',),
    'coding.mds_rate_lower': ('coding.ecc_achievability',),
    'coding.power_law_entropy_printed': ('coding.theorem4_entropy',),
    'coding.power_law_entropy_std': ('coding.theorem4_entropy',),
    'coding.power_law_entropy_variance': ('coding.power_law_capacity',),
    'coding.stirling_remainder': ('coding.theorem4_proof',),
    'coding.power_law_capacity': ('coding.power_law_capacity',),
    'coding.power_law_capacity_printed': ('coding.power_law_capacity',),
    'coding.gaussian_term_printed': ('coding.theorem4_gaussian',),
    'coding.gaussian_term_matched': ('coding.theorem4_gaussian',),
    'collisions.expected_pairs': ('collisions.expected_pairs',),
    'collisions.pairs_order': ('collisions.pairs_order',),
    'collisions.expected_benign_pairs': ('collisions.expected_benign_pairs',),
    'collisions.polysemantic_printed': ('collisions.expected_polysemantic', 'collisions.polysemantic_limit', 'training.fig3_polysemantic', 'training.polysemantic_count'),
    'collisions.polysemantic_exact': ('collisions.expected_polysemantic',),
    'collisions.polysemantic_second_moment': ('collisions.polysemantic_variance',),
    'noise.gradient_any_norm': ('noise.gradient',),
    'noise.gradient': ('noise.gradient',),
    'noise.update': ('noise.gradient',),
    'noise.encoder_jacobian_trace': ('noise.encoder_jacobian',),
    'noise.norm_sq_next': ('noise.norm_expansion',),
    'noise.norm_sq_next_unit': ('noise.norm_expansion',),
    'noise.expected_norm_sq_next_moments': ('noise.expected_norm_sq',),
    'noise.a2_norm_xi': ('noise.a2_norm_xi',),
    'noise.xi_prime_part': ('noise.xi_prime_part',),
    'noise.norm_sq_first_order': ('noise.norm_sq_first_order',),
    'noise.xi_only_leading_pathwise': ('noise.xi_only_leading_pathwise',),
    'noise.xi_only_leading': ('noise.xi_only_leading',),
    'noise.xi_only_eta3': ('noise.xi_only_orders',),
    'noise.fourth_moment_index': ('noise.fourth_moment_index_sum',),
    'noise.main_text_term': ('noise.main_text_term',),
    'noise.implicit_regulariser': ('noise.implicit_regulariser',),
    'noise.excess_kurtosis': ('noise.kurtosis_values', 'noise.sparsity_sign'),
    'noise.unit_fourth_norm': ('noise.unit_fourth_norm', 'noise.unit_fourth_norm_limit'),
    'noise.a4_norm_xi': ('noise.a4_norm_xi', 'noise.eta3_remainder'),
    'noise.xi_only_eta3_coefficient': ('noise.eta3_remainder',),
    'noise.xi_only_eta3_bipolar': ('noise.eta3_remainder',),
    'noise.fourth_norm_drift': ('noise.fourth_norm_drift', 'training.single_row_drift', 'training.fig4_drift_rate'),
    'noise.fourth_norm_drift_bipolar': ('noise.fourth_norm_drift',),
    'noise.fourth_norm_drift_sphere_mean': ('noise.fourth_norm_drift',),
    'noise.fourth_norm_relaxation_rate': ('noise.fourth_norm_drift', 'training.single_row_drift', 'training.fig4_drift_rate'),
    'noise.fourth_norm_stationary': ('noise.fourth_norm_drift', 'training.single_row_drift', 'training.fig4_drift_rate'),
    'noise.regulariser_step_drift': ('noise.fourth_norm_drift', 'training.fig4_drift_rate'),
    'noise.push_turning_sigma2': ('training.noise_trend_turning',),
    'sparsity.gradient': ('sparsity.loss_gradient',),
    'sparsity.footnote_simplified_flow': ('sparsity.footnote_constants',),
    'sparsity.magnitude_flow': ('sparsity.threshold',),
    'sparsity.balance': ('sparsity.balance',),
    'sparsity.appendix_b_identity': ('sparsity.appendix_b_exact', 'sparsity.appendix_b_identity'),
    'sparsity.gamma_ode': ('sparsity.gamma',),
    'sparsity.gamma_solution': ('sparsity.gamma',),
    'sparsity.affine_form': ('sparsity.gamma',),
    'sparsity.reduced_magnitude': ('sparsity.reduction',),
    'sparsity.halfnormal_tail': ('sparsity.halfnormal_moments',),
    'sparsity.halfnormal_h': ('sparsity.halfnormal_moments',),
    'sparsity.halfnormal_g': ('sparsity.halfnormal_moments',),
    'sparsity.limit_rel_var': ('sparsity.limit_rel_var',),
    'sparsity.limit_mprime_ratio': ('sparsity.limit_mprime_ratio',),
    'sparsity.limit_lam_t_l1': ('sparsity.limit_lam_t_l1',),
    'sparsity.regime_law': ('sparsity.regime1', 'sparsity.regime_boundary'),
    'sparsity.regime1_plateau': ('sparsity.regime_boundary',),
    'spectra.energy_derived': ('spectra.energy_trace_trick',),
    'spectra.energy_printed': ('spectra.energy_trace_trick',),
    'spectra.energy_printed_step': ('spectra.energy_trace_trick',),
    'spectra.action_derived': ('spectra.action_eq4', 'spectra.dropout_action'),
    'spectra.eq4_action_printed': ('spectra.action_eq4',),
    'spectra.power_sum_hurwitz': ('spectra.hurwitz_sum',),
    'spectra.zeta_limit': ('spectra.eq4_zeta',),
    'spectra.eq4_zeta_printed': ('spectra.eq4_zeta',),
    'spectra.action_ar1': ('spectra.action_alpha_proportional',),
    'spectra.action_proportional_printed': ('spectra.action_alpha_proportional',),
    'spectra.action_alpha_elasticity': ('spectra.action_alpha_proportional',),
}

CATALOGUE: tuple[Entry, ...] = tuple(dataclasses.replace(e, claims=_CLAIMS.get(e.name, ())) for e in _ENTRIES)
"""Every public function of the topic modules, in module order (see :class:`Entry`)."""
