r"""Claims of paper 2's coding theory: Lemma 2 and eq. 1 (§2.1), Theorem 3 and eq. 2 (§2.3),
Theorem 4 and eq. 3 (§2.4). All logarithms in bits.

Declarations only; the rules come from :mod:`polyverify.rules`:

* proofs line by line (:class:`~polyverify.rules.SymbolicRule` with ``tagged=True``): the printed
  lines exactly as printed and the derived lines, each an identity checked symbolically first
  and otherwise at 24 random 40-digit points, plus named side conditions (inequalities on a
  grid, solution sets). The printed form passes iff every printed line holds.
* certified intervals (:class:`~polyverify.rules.DeterministicMatch` with ``relations``): a
  deterministic computation returns ``[lo, hi]`` for the true value (Blahut–Arimoto's lower and
  upper capacity bounds, or an exact enumeration with its floating-point slack), and each form
  has a relation: ``equal``, ``lower`` (a lower bound), ``upper`` or ``sandwich`` (the paper's
  "∼" made precise by Theorem 3).

Forms with a SymPy expression get their numeric function from one lambdify
(:func:`polyverify.forms.from_expr`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import sympy as sp
from hypothesis import strategies as st
from polyverify.claim import Budget, Claim, Context, Domain, Form, Source
from polyverify.forms import from_expr
from polyverify.numerics import channels as ch
from polyverify.registry import register
from polyverify.rules import (
    AllOf,
    DeterministicMatch,
    MonteCarloMean,
    Relation,
    SymbolicRule,
)
from polyverify.theory import coding as tc
from polyverify.theory.symbols import D as sD
from polyverify.theory.symbols import N as sN
from polyverify.theory.symbols import S as sS
from polyverify.theory.symbols import alpha as s_alpha
from polyverify.theory.symbols import m as sm

__all__ = ["CLAIMS"]


# --- shared helpers ----------------------------------------------------------------------

PAPER = "coding"
LOG2E = 1.0 / math.log(2.0)
FP = 1e-9
"""Floating-point slack (bits) of an exact enumeration or closed-form evaluation: sums of at
most 2**22 terms of magnitude <= 64 bits in float64 stay far below 1e-9."""


def _f(expr: sp.Expr, *syms: sp.Symbol) -> Callable[..., float]:
    """A positional numeric function for the computations and figures (not for forms)."""
    return sp.lambdify(syms, expr, modules=["math", "mpmath"])


def _form(*, text: str, expr: sp.Expr, syms: tuple[sp.Symbol, ...], inputs: Callable[..., tuple[Any, ...]]) -> Form:
    """A form whose numeric function is the one lambdify of ``expr`` (math, then mpmath), at
    ``inputs(**params)``: the claim's parameters mapped to the symbols' values."""
    return from_expr(expr, *syms, text=text, inputs=inputs, modules=["math", "mpmath"])


def _law(bits: int, shape: str, ratio: float, zero: bool) -> np.ndarray:
    if shape == "uniform":
        return ch.uniform_law(bits, include_zero=zero)
    return ch.geometric_law(bits, ratio, include_zero=zero)


def _law_params(zero: bool, n_max: int = 3) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "n": st.integers(1, n_max),
            "bits": st.integers(1, 3),
            "S": st.floats(0.01, 0.99),
            "shape": st.sampled_from(["uniform", "geometric"]),
            "ratio": st.floats(0.3, 3.0),
            "zero": st.just(zero),
        }
    )


_DOM = {
    "S": (0.05, 0.95), "p1": (0.05, 0.3), "p2": (0.05, 0.3), "p3": (0.05, 0.3), "q": (0.001, 0.5),
    "epsilon": (0.001, 0.5), "D": (0.02, 0.95), "D_1": (0.02, 0.95), "D_2": (0.02, 0.95), "K": (2.0, 300.0),
    "alpha_e": (0.02, 0.95), "alpha": (-3.0, -0.05), "m": (1, 60), "C_base": (0.1, 12.0), "b": (1, 20),
    "h_nz": (0.1, 5.0), "H": (0.5, 64.0), "n": (1, 50), "N": (0, 30),
}

_steps = functools.partial(SymbolicRule, tagged=True, points=24, simplify_timeout=10.0, domain=_DOM)
"""A proof line by line: each line an identity, proved or checked at 24 random 40-digit points."""

# lambdified forms (numeric functions of the claims' parameters) -------------------------

_n_sym = next(s for s in tc.SPARSE_ENTROPY_PRINTED.free_symbols if s.name == "n")
_lemma_f = _f(tc.SPARSE_ENTROPY_PRINTED, _n_sym, sS, tc.H_elem)
_H = next(s for s in tc.COMPRESSION_RATE.free_symbols if s.name == "H")
_rate_f = _f(tc.COMPRESSION_RATE, sS, _H)
_r = next(s for s in tc.REPETITION_CASCADE_INFORMATION.free_symbols if s.name == "r")


def _exact_capacity(C_base: float, D: float, m: int) -> float:
    """The Piecewise :data:`theory.coding.DROPOUT_CAPACITY_EXACT`, evaluated branch by branch
    from the SymPy form (lambdify of a Piecewise with a float condition)."""
    if D >= 1.0:
        return 0.0
    if D == 0.0:
        return float(m * C_base)  # both branches' limit at D -> 0: log2(K) (0 log 0 = 0)
    expr = tc.DROPOUT_CAPACITY_EXACT.subs({tc.C_base: sp.Float(C_base, 30), sD: sp.Float(D, 30), sm: int(m)})
    return float(sp.N(expr, 30))


def _eps(c: float) -> float:
    return -math.log2(1.0 - 2.0 ** (-c))


# --- figures -----------------------------------------------------------------------------


def _fig1c(ctx: Context) -> Callable[[Any], None]:
    def plot(ax) -> None:
        s = np.linspace(0.01, 0.99, 200)
        for h, ls in ((4, ":"), (16, "--"), (32, "-")):
            ax.plot(1 / (1 - s), [_rate_f(x, h) for x in s], ls, color="green", label=f"eq. 1, H = {h} bits")
        ax.plot(1 / (1 - s), 1 - s, "k-", lw=0.8, label="large-H limit 1 - S")
        pts_s = np.array([0.1, 0.3, 0.5, 0.7, 0.9])
        law = ch.uniform_law(4, include_zero=False)
        h_el = ch.entropy_bits(law)
        ex = [ch.sparsified_entropy(law, x, 2) / (2 * h_el) for x in pts_s]
        ax.plot(1 / (1 - pts_s), ex, "o", color="gray", label=f"enumeration, 4-bit law (H = {h_el:.2f})")
        ax.set_xscale("log")
        ax.set_xlabel("1 / (1 - S)")
        ax.set_ylabel("dimensions per feature  m / n")
        ax.set_title("Fig. 1c: optimal-code prediction (no data of ref. 12)")
        ax.legend(fontsize=7)

    return plot


def _fig2b(ctx: Context) -> Callable[[Any], None]:
    def plot(ax) -> None:
        depths = np.arange(0, 11)
        for d, color in ((0.1, "C0"), (0.2, "C1"), (0.4, "C2")):
            mono = [ch.blahut_arimoto(ch.cascade(ch.dropout_channel(1, d), N), tol=1e-7).capacity_bits for N in depths]
            sup = [ch.blahut_arimoto(ch.cascade(ch.dropout_channel(4, d), N), tol=1e-7).capacity_bits / 4 for N in depths]
            ax.plot(depths, mono, "o-", color=color, ms=3, label=f"monosemantic (1 bit), D={d}")
            ax.plot(depths, sup, "*--", color=color, ms=5, label=f"superposition (4 bits, per bit), D={d}")
            ax.plot(depths, (1 - d) ** depths, ":", color=color, lw=0.8)
        ax.set_xlabel("depth N (dropout layers)")
        ax.set_ylabel("capacity per neuron-bit (Blahut-Arimoto)")
        ax.set_title("Fig. 2b: no re-encoding, dotted (1-D)^N")
        ax.legend(fontsize=6)

    return plot


def _best_mds(bits: int, D: float, N: int, m: int) -> tuple[int, float]:
    vals = [(k, ch.reed_solomon_cascade_exact(bits, D, N, m, k)) for k in range(1, m + 1)]
    return max(vals, key=lambda kv: kv[1])


def _fig2c(ctx: Context) -> Callable[[Any], None]:
    bits, m = 5, 31
    rng = ctx.rng("coding.mds_cascade.figure", 0)

    def plot(ax) -> None:
        depths = np.arange(1, 11)
        per = m * math.log2(2**bits - 1)
        for d, color in ((0.1, "C0"), (0.2, "C1"), (0.4, "C2")):
            k_best = _best_mds(bits, d, 10, m)[0]
            exact = [ch.reed_solomon_cascade_exact(bits, d, N, m, k_best) / per for N in depths]
            mc_depths = (1, 5, 10)
            mc = [ch.reed_solomon_cascade(bits, d, N, m, k_best, trials=300, rng=rng).mean() / per for N in mc_depths]
            rep = [ch.repetition_cascade_mi(bits, d, N, m, 3) / per for N in depths]
            ax.plot(depths, exact, "s-", color=color, ms=4, label=f"Reed-Solomon [{m},{k_best}], D={d}")
            ax.plot(mc_depths, mc, "x", color="k", ms=5)
            ax.plot(depths, rep, "^:", color=color, ms=3, label=f"repetition x3, D={d}")
            ax.axhline(1 - d, color=color, lw=0.6, ls="--")
            ax.plot(depths, (1 - d) ** depths, color=color, lw=0.6, ls=":")
        ax.set_xlabel("depth N (dropout layers, re-encoded)")
        ax.set_ylabel("bits delivered / (m log2(2^b - 1))")
        ax.set_title("Fig. 2c: polysemantic codes (x: Monte Carlo; dashed: 1-D)")
        ax.legend(fontsize=6)

    return plot


# --- §2.1 Lemma 2 and eq. 1 --------------------------------------------------------------

_LEMMA_TEX = r"H(X^S) = -nS \log(S) - n(1-S) \log(1-S) + n(1-S)H_{elem}(X)"


def _enum(n: int, bits: int, S: float, shape: str, ratio: float, zero: bool) -> dict[str, float]:
    law = _law(bits, shape, ratio, zero)
    h = ch.sparsified_entropy(law, S, n)
    return {"lo": h, "hi": h, "H_elem": ch.entropy_bits(law), "p_zero": float(law[0])}


def _h_elem(bits: int, shape: str, ratio: float, zero: bool) -> float:
    return ch.entropy_bits(_law(bits, shape, ratio, zero))


def _p0(bits: int, shape: str, ratio: float, zero: bool) -> float:
    return float(_law(bits, shape, ratio, zero)[0])


_FP_REL = Relation("equal", tol=lambda **p: FP)

CLAIMS: list[Claim] = []


def _reg(c: Claim) -> Claim:
    CLAIMS.append(register(c))
    return c


_reg(
    Claim(
        id="coding.lemma2_proof",
        title="Lemma 2's proof, line by line",
        statement="The entropy of one sparsified element, computed line by line from its law "
        "(three nonzero symbols, P(X_0=0)=0); the pair line checks the i.i.d. step.",
        source=Source(paper=PAPER, section="Supp. §2.1", equation="Lemma 2 (proof)"),
        printed=Form(
            text=r"H(X_0^S) = -\sum_{X_0^S \neq 0} P\log P + P(X_0^S = 0)\log(P(X_0^S = 0)) \;\dots\; "
            r"H(X_0^S) \approx -(1-S)H(X_0) - (1-S)\log(1-S) - S\log(S)"
        ),
        derived=Form(text="-sum_{!=0} P log P - P(0) log P(0) ... = +(1-S) H(X_0) - (1-S) log(1-S) - S log S"),
        domain=Domain(assumptions=("0 < S < 1", "P(X_0 = 0) = 0", "elements i.i.d.")),
        rule=_steps(
            derivation=tc.lemma2_derived_steps,
            printed_steps=tc.lemma2_printed_steps,
            domain=_DOM,
            numeric_only=frozenset({"i.i.d.: H(X_0^S, X_1^S) = 2 H(X_0^S)", "line 3: split the logarithm",
                                    "line 3: = -(1-S) sum P log P - (1-S) sum P log(1-S) - S log S"}),
        ),
        notes="Two sign slips: the first line's '+ P(0) log P(0)' and the last line's '-(1-S)H(X_0)' "
        "(should be '+'). The lemma's statement is nevertheless right (coding.lemma2_entropy). "
        "The chain rule is also printed with each term conditioned on all other elements and with "
        "indices 0..n (n+1 elements); with independent elements both reduce to n H(X_0^S).",
    )
)

_reg(
    Claim(
        id="coding.lemma2_entropy",
        title="Lemma 2: entropy of an S-sparsified i.i.d. vector",
        statement="For laws with no mass on 0, H(X^S) = -nS log S - n(1-S) log(1-S) + n(1-S)H_elem, "
        "against the exact joint entropy enumerated over all K^n outcomes.",
        source=Source(paper=PAPER, section="Supp. §2.1", equation="Lemma 2"),
        printed=_form(text=_LEMMA_TEX, expr=tc.SPARSE_ENTROPY_PRINTED,
                     syms=(_n_sym, sS, tc.H_elem), inputs=lambda n, bits, S, shape, ratio, zero: (n, S, _h_elem(bits, shape, ratio, zero),)),
        derived=_form(text="Lemma 2 minus the merge loss n Delta(S, q), here q = 0",
                      expr=sp.limit(tc.SPARSE_ENTROPY_EXACT, tc.q, 0, "+"),  # 0 log 0 = 0: the q -> 0 limit
                     syms=(_n_sym, sS, tc.H_elem), inputs=lambda n, bits, S, shape, ratio, zero: (n, S, _h_elem(bits, shape, ratio, zero),)),
        domain=Domain(assumptions=("0 < S < 1", "P(X_0 = 0) = 0", "bits in 1..3, n in 1..3")),
        rule=DeterministicMatch(
            strategy=_law_params(zero=False),
            compute=_enum,
            relations={"derived": _FP_REL, "printed": _FP_REL},
            examples=Budget(10, 80),
            pinned=({"n": 3, "bits": 3, "S": 0.01, "shape": "uniform", "ratio": 1.0, "zero": False},
                    {"n": 2, "bits": 1, "S": 0.99, "shape": "uniform", "ratio": 1.0, "zero": False}),
            tolerance_reason=f"floating-point accumulation of an exact enumeration (<= {FP:g} bits)",
        ),
        formulas=("coding.sparse_entropy_printed",),
    )
)

_reg(
    Claim(
        id="coding.lemma2_zero_mass",
        title="Lemma 2 made exact when the law has mass on 0",
        statement="With q = P(X_0=0) > 0 (b-bit uniform or geometric laws including 0), the exact "
        "entropy is Lemma 2 minus n Delta(S, q), Delta = (a+b) h2(a/(a+b)), a=S, b=(1-S)q.",
        source=Source(paper=PAPER, section="Supp. §2.1", equation="Lemma 2 (approximation P(X_0=0)≈0)"),
        printed=None,
        derived=_form(text="n[h2(S) + (1-S)H_elem] - n Delta(S, q)", expr=tc.SPARSE_ENTROPY_EXACT,
                     syms=(_n_sym, sS, tc.H_elem, tc.q), inputs=lambda n, bits, S, shape, ratio, zero: (n, S, _h_elem(bits, shape, ratio, zero), _p0(bits, shape, ratio, zero),)),
        domain=Domain(assumptions=("0 < S < 1", "0 < P(X_0 = 0)")),
        rule=AllOf((
            _steps(derivation=tc.lemma2_error_steps, domain=_DOM,
                      numeric_only=frozenset({"Delta = (a+b) h2(a/(a+b)), a=S, b=(1-S)q", "Delta = b log2((a+b)/b) + a log2(1+b/a)",
                                              "dDelta/dq = (1-S) log2((S+(1-S)q)/((1-S)q))"})),
            DeterministicMatch(
                strategy=_law_params(zero=True),
                compute=_enum,
                relations={"derived": _FP_REL},
                examples=Budget(10, 80),
                tolerance_reason=f"floating-point accumulation of an exact enumeration (<= {FP:g} bits)",
            ),
        )),
        formulas=("coding.sparse_entropy_exact", "coding.zero_merge_loss"),
    )
)


def _lemma_error(n: int, bits: int, S: float, shape: str, ratio: float, zero: bool) -> dict[str, float]:
    law = _law(bits, shape, ratio, zero)
    exact = ch.sparsified_entropy(law, S, n)
    err = _lemma_f(n, S, ch.entropy_bits(law)) - exact
    return {"lo": err, "hi": err, "p_zero": float(law[0]), "lemma_minus_exact": err}


_reg(
    Claim(
        id="coding.lemma2_error_bound",
        title="Lemma 2's error when P(X_0 = 0) <= eps",
        statement="The Supplement: with P(X_0=0) < eps 'the stated entropy result is within additive eps'. "
        "Derived: 0 <= error <= n(1-S)eps[log2((S+(1-S)eps)/((1-S)eps)) + log2 e], of order eps log(1/eps) "
        "per element. Checked with eps = P(X_0=0) (the tightest eps the statement allows).",
        source=Source(paper=PAPER, section="Supp. §2.1", equation="remark after Lemma 2"),
        printed=_form(text=r"\text{the stated entropy result is within additive } \epsilon",
                     expr=tc.epsilon, syms=(tc.epsilon,), inputs=lambda n, bits, S, shape, ratio, zero: (_p0(bits, shape, ratio, zero),)),
        derived=_form(text="n(1-S) eps [log2((S+(1-S)eps)/((1-S)eps)) + log2 e]", expr=tc.SPARSE_ENTROPY_ERROR_BOUND,
                     syms=(_n_sym, sS, tc.epsilon), inputs=lambda n, bits, S, shape, ratio, zero: (n, S, _p0(bits, shape, ratio, zero),)),
        domain=Domain(assumptions=("0 < S < 1", "0 < P(X_0 = 0) <= eps")),
        rule=DeterministicMatch(
            strategy=_law_params(zero=True),
            compute=_lemma_error,
            relations={"derived": Relation("upper", tol=lambda **p: FP), "printed": Relation("upper", tol=lambda **p: FP)},
            examples=Budget(10, 80),
            pinned=({"n": 1, "bits": 3, "S": 0.5, "shape": "uniform", "ratio": 1.0, "zero": True},),
            tolerance_reason=f"floating-point slack of the enumeration ({FP:g} bits); each form must bound the error from above",
        ),
        formulas=("coding.sparse_entropy_error_bound",),
    )
)


def _mean_log(bits: int, shape: str, ratio: float) -> dict[str, float]:
    law = _law(bits, shape, ratio, True)  # full support: H > 0, so the sign is visible
    h = ch.entropy_bits(law)
    return {"lo": h, "hi": h}


def _expected_log(bits: int, shape: str, ratio: float, sign: float) -> float:
    law = _law(bits, shape, ratio, True)
    nz = law[law > 0]
    return float(sign * (nz * np.log2(nz)).sum())


_reg(
    Claim(
        id="coding.entropy_definition",
        title="Eq. 1's definition of H",
        statement="The main text defines the information content as H = <log p_x>; the entropy is -<log p_x>.",
        source=Source(paper=PAPER, section="main text §2", equation="after eq. 1"),
        printed=Form(text=r"H = \langle \log p_x \rangle", numeric=lambda bits, shape, ratio: _expected_log(bits, shape, ratio, +1.0)),
        derived=Form(text=r"H = -\langle \log_2 p_x \rangle", numeric=lambda bits, shape, ratio: _expected_log(bits, shape, ratio, -1.0)),
        domain=Domain(assumptions=("a discrete law",)),
        rule=DeterministicMatch(
            strategy=st.fixed_dictionaries({"bits": st.integers(1, 8), "shape": st.sampled_from(["uniform", "geometric"]), "ratio": st.floats(0.3, 3.0)}),
            compute=_mean_log,
            relations={"derived": _FP_REL, "printed": _FP_REL},
            examples=Budget(5, 30),
            tolerance_reason=f"floating-point accumulation (<= {FP:g} bits)",
        ),
    )
)


def _rate_enum(n: int, bits: int, S: float, shape: str, ratio: float, zero: bool) -> dict[str, float]:
    law = _law(bits, shape, ratio, zero)
    h = ch.entropy_bits(law)
    r = ch.sparsified_entropy(law, S, n) / (n * h)
    return {"lo": r, "hi": r, "H": h}


_reg(
    Claim(
        id="coding.compression_rate",
        title="Eq. 1: compression rate of an optimal code",
        statement="m/n = H(X^S)/(nH) = 1 - S + (1/H)(-S log S - (1-S) log(1-S)), against the enumerated "
        "entropy of the sparsified input divided by n H (laws without mass on 0, H > 0).",
        source=Source(paper=PAPER, section="main text §2; Supp. §2.1", equation="eq. 1"),
        printed=_form(text=r"R = 1 - S + \frac{1}{H}(-S \log(S) - (1 - S) \log(1 - S))", expr=tc.COMPRESSION_RATE,
                     syms=(sS, _H), inputs=lambda n, bits, S, shape, ratio, zero: (S, _h_elem(bits, shape, ratio, zero),)),
        derived=_form(text="H(X^S) / (n H_elem) from Lemma 2", expr=tc.COMPRESSION_RATE,
                      syms=(sS, _H), inputs=lambda n, bits, S, shape, ratio, zero: (S, _h_elem(bits, shape, ratio, zero))),
        domain=Domain(assumptions=("0 < S < 1", "H > 0", "P(X_0 = 0) = 0")),
        rule=AllOf((
                _steps(derivation=tc.compression_rate_steps, domain=_DOM),
                DeterministicMatch(
                    strategy=_law_params(zero=False).filter(lambda p: p["bits"] > 1),  # one nonzero symbol: H = 0
                    compute=_rate_enum,
                    relations={"derived": _FP_REL, "printed": _FP_REL},
                    examples=Budget(8, 60),
                    tolerance_reason=f"floating-point accumulation (<= {FP:g})",
                ),
            ), figure=_fig1c),
        formulas=("coding.compression_rate",),
        notes="Fig. 1c is drawn from eq. 1 and exact enumeration; the toy-model data of ref. 12 are not reproduced.",
    )
)

_reg(
    Claim(
        id="coding.compression_rate_limit",
        title="Eq. 1's large-H limit 1 - S",
        statement="For large H (16 or 32 bits) R ≈ 1 - S; exactly, R - (1 - S) = h2(S)/H <= 1/H.",
        source=Source(paper=PAPER, section="main text §2", equation="eq. 1 (limit)"),
        printed=Form(text=r"R = 1 - S", expr=tc.COMPRESSION_RATE_LIMIT),
        derived=Form(text="lim_{H->oo} R(S, H)", expr=sp.limit(tc.COMPRESSION_RATE, next(s for s in tc.COMPRESSION_RATE.free_symbols if s.name == "H"), sp.oo)),
        domain=Domain(assumptions=("0 < S < 1",)),
        rule=_steps(derivation=tc.compression_rate_steps, domain=_DOM),
        formulas=("coding.compression_rate_limit",),
    )
)

# --- §2.3 Theorem 3 ----------------------------------------------------------------------

_CHANNEL_SIZES = [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (3, 1), (3, 2), (4, 1), (5, 1)]


def _ba_params() -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        lambda bm, D: {"bits": bm[0], "m": bm[1], "D": D},
        st.sampled_from(_CHANNEL_SIZES),
        st.floats(0.0, 0.95),
    )


BA_TOL = 1e-9


def _ba(bits: int, D: float, m: int) -> dict[str, float]:
    res = ch.capacity(D, bits, m=m, tol=BA_TOL)
    return {"lo": res.lower, "hi": res.upper, "ba_gap": res.gap}


_BA_REASON = (f"Blahut-Arimoto certified bracket [I(p), max_x D(W_x||pW)] with gap <= {BA_TOL:g} bits, "
              f"widened by {FP:g} bits of floating-point slack")

_reg(
    Claim(
        id="coding.dropout_capacity",
        title="Exact capacity of m neurons behind dropout",
        statement="The capacity of m independent neurons with 2^b symbols behind dropout D is m C_1, "
        "C_1 = (1-D)log2(2^b-1) if D(2^b-1)^(1-D) >= 1 (the construction is optimal), else "
        "log2(1 + (2^b-1) 2^(-h2(D)/(1-D))); against Blahut-Arimoto on the product channel.",
        source=Source(paper=PAPER, section="Supp. §2.3", equation="Theorem 3 (exact value)"),
        printed=None,
        derived=Form(text="m C_1(b, D) from the KKT conditions", expr=tc.DROPOUT_CAPACITY_EXACT,
                     numeric=lambda bits, m, D: _exact_capacity(bits, D, m)),
        domain=Domain(assumptions=("0 <= D < 1", "C_base = b bits", "m independent neurons")),
        rule=AllOf((
            _steps(derivation=tc.dropout_capacity_steps, domain=_DOM,
                      numeric_only=frozenset({"interior: D(W_x || q) = C for x != 0", "continuity on the switching curve D (K-1)^(1-D) = 1"})),
            DeterministicMatch(strategy=_ba_params(), compute=_ba, relations={"derived": Relation("equal", tol=lambda **p: FP)},
                         examples=Budget(8, 60), pinned=({"bits": 3, "m": 2, "D": 0.0}, {"bits": 1, "m": 1, "D": 0.95}),
                         tolerance_reason=_BA_REASON),
        )),
        formulas=("coding.dropout_capacity_exact",),
        notes="The product check (BA on the Kronecker power) confirms the proof's 'C^m = m C^1'.",
    )
)

_reg(
    Claim(
        id="coding.theorem3_lower",
        title="Theorem 3: lower bound on the dropout capacity",
        statement="(1-eps)(1-D)C_base m <= C^m_dropout, eps = -log2(1-2^-C_base); the proof's construction gives "
        "(1-D)(C_base - eps) m. Both as lower bounds of the Blahut-Arimoto capacity.",
        source=Source(paper=PAPER, section="Supp. §2.3", equation="Theorem 3"),
        printed=_form(text=r"(1 - \varepsilon) \times (1 - D) \times C_{base} \times m \leq C_{dropout}^m",
                     expr=tc.DROPOUT_LOWER_PRINTED, syms=(tc.C_base, sD, sm), inputs=lambda bits, m, D: (bits, D, m,)),
        derived=_form(text="(1-D)(C_base - eps) m = (1-D) m log2(2^C_base - 1)", expr=tc.DROPOUT_LOWER_CONSTRUCTION,
                     syms=(tc.C_base, sD, sm), inputs=lambda bits, m, D: (bits, D, m,)),
        domain=Domain(assumptions=("0 <= D < 1", "C_base = b >= 1 bits")),
        rule=AllOf((
            _steps(derivation=tc.theorem3_lower_steps, domain=_DOM, judge_printed=False),
            DeterministicMatch(strategy=_ba_params(), compute=_ba,
                         relations={"derived": Relation("lower", tol=lambda **p: FP), "printed": Relation("lower", tol=lambda **p: FP)},
                         examples=Budget(8, 60), pinned=({"bits": 1, "m": 1, "D": 0.5},), tolerance_reason=_BA_REASON),
        )),
        formulas=("coding.dropout_lower_printed", "coding.dropout_lower_construction"),
        notes="The construction's bound is tight (equals the capacity) whenever D(2^C_base - 1)^(1-D) >= 1.",
    )
)


def _domain_checks() -> list[tuple[str, bool, str]]:
    cb = tc.C_base
    diff = sp.simplify(tc.DROPOUT_BOUND_DIFFERENCE / ((1 - sD) * sm * tc.EPSILON))
    eps_pos = sp.solveset(sp.simplify(1 - 2 ** (-cb)) < 1, cb, sp.Interval.open(0, sp.oo))
    eps_pos_b = sp.solveset(1 - 2 ** (-cb) > 0, cb, sp.Interval.open(0, sp.oo))
    where = sp.solveset(cb - 1 >= 0, cb, sp.Interval.open(0, sp.oo))
    eps_gt1 = sp.solveset(2 ** (-cb) > sp.Rational(1, 2), cb, sp.Interval.open(0, sp.oo))
    return [
        ("(construction - printed) / ((1-D) m eps) = C_base - 1", sp.simplify(diff - (cb - 1)) == 0, f"simplifies to {diff}"),
        ("eps > 0 for all C_base > 0 (0 < 1 - 2^-C < 1)", eps_pos == sp.Interval.open(0, sp.oo) and eps_pos_b == sp.Interval.open(0, sp.oo), f"{eps_pos}, {eps_pos_b}"),
        ("construction >= printed  <=>  C_base in [1, oo)", where == sp.Interval(1, sp.oo), f"solveset: {where}"),
        ("for C_base < 1: eps > 1, so both lower bounds are negative (vacuous)", eps_gt1 == sp.Interval.open(0, 1), f"2^-C > 1/2 on {eps_gt1}"),
    ]


_reg(
    Claim(
        id="coding.theorem3_domain",
        title="Where the construction's bound implies Theorem 3's printed lower bound",
        statement="(1-D)(C_base - eps)m - (1-eps)(1-D)C_base m = (1-D) m eps (C_base - 1): the construction "
        "implies the printed bound exactly when C_base >= 1 (and for C_base < 1 both are negative).",
        source=Source(paper=PAPER, section="Supp. §2.3", equation="Theorem 3 (lower bound)"),
        printed=None,
        derived=Form(text="(1-D) m eps (C_base - 1) >= 0 iff C_base >= 1", expr=tc.DROPOUT_BOUND_DIFFERENCE),
        domain=Domain(assumptions=("C_base > 0", "0 <= D < 1")),
        rule=_steps(derivation=lambda: tc.theorem3_lower_steps()[-1:], side_checks=_domain_checks, domain=_DOM),
        formulas=("coding.dropout_bound_difference",),
    )
)

_reg(
    Claim(
        id="coding.theorem3_upper",
        title="Theorem 3: upper bound on the dropout capacity",
        statement="C^m_dropout <= (1-D) C_base m: the dropout channel is the erasure channel followed by e -> 0 "
        "(data processing). Checked against the Blahut-Arimoto lower bound.",
        source=Source(paper=PAPER, section="Supp. §2.3", equation="Theorem 3"),
        printed=_form(text=r"C_{dropout}^m \leq (1 - D) \times C_{base} \times m", expr=tc.DROPOUT_UPPER,
                     syms=(tc.C_base, sD, sm), inputs=lambda bits, m, D: (bits, D, m,)),
        derived=_form(text="(1-D) C_base m (data processing through the bits-bit erasure channel)", expr=tc.DROPOUT_UPPER,
                     syms=(tc.C_base, sD, sm), inputs=lambda bits, m, D: (bits, D, m,)),
        domain=Domain(assumptions=("0 <= D < 1", "C_base = b bits")),
        rule=DeterministicMatch(strategy=_ba_params(), compute=_ba,
                          relations={"derived": Relation("upper", tol=lambda **p: FP), "printed": Relation("upper", tol=lambda **p: FP)},
                          examples=Budget(8, 60), pinned=({"bits": 5, "m": 1, "D": 0.0},), tolerance_reason=_BA_REASON),
        formulas=("coding.dropout_upper",),
    )
)


def _erasure(bits: int, alpha: float, seed: int) -> dict[str, float]:
    W = ch.erasure_channel(bits, alpha)
    p = np.random.default_rng(seed).dirichlet(np.ones(W.shape[0]))
    # the dropout channel is exactly erasure followed by e -> 0
    if not np.allclose(W @ ch.erasure_to_dropout(bits), ch.dropout_channel(bits, alpha), atol=0, rtol=0):
        raise ArithmeticError("erasure followed by e -> 0 is not the dropout channel")
    mi = ch.mutual_information(p, W)
    return {"lo": mi, "hi": mi, "H_X": ch.entropy_bits(p), "H_X_given_Y": ch.conditional_entropy(p, W)}


def _erasure_form(sign: float) -> Callable[..., float]:
    def f(bits: int, alpha: float, seed: int) -> float:
        W = ch.erasure_channel(bits, alpha)
        p = np.random.default_rng(seed).dirichlet(np.ones(W.shape[0]))
        return ch.entropy_bits(p) + sign * ch.conditional_entropy(p, W)

    return f


_reg(
    Claim(
        id="coding.erasure_step",
        title="The upper-bound proof's erasure-channel line",
        statement="For the n-bit erasure channel the proof prints I(X;Y) = H(X) + H(X|Y) = ... = (1-alpha)H(X); "
        "the first equality is I = H(X) - H(X|Y). Checked symbolically on a 2-bit channel and numerically "
        "for random input laws.",
        source=Source(paper=PAPER, section="Supp. §2.3", equation="Theorem 3 (upper-bound proof)"),
        printed=Form(text=r"I(X; Y) = H(X) + H(X|Y)", numeric=_erasure_form(+1.0)),
        derived=Form(text="I(X; Y) = H(X) - H(X|Y) = (1 - alpha) H(X)", numeric=_erasure_form(-1.0)),
        domain=Domain(assumptions=("0 <= alpha <= 1",)),
        rule=AllOf((
            _steps(derivation=tc.erasure_derived_steps, printed_steps=tc.erasure_printed_steps, domain=_DOM),
            DeterministicMatch(
                strategy=st.fixed_dictionaries({"bits": st.integers(1, 6), "alpha": st.floats(0.01, 0.99), "seed": st.integers(0, 2**31)}),
                compute=_erasure, relations={"derived": _FP_REL, "printed": _FP_REL}, examples=Budget(6, 40),
                tolerance_reason=f"floating-point accumulation (<= {FP:g} bits)",
            ),
        )),
        notes="A sign slip only; the capacity (1-alpha)n and the data-processing argument are right.",
    )
)

# --- depth: eq. 2 and the naive decay ----------------------------------------------------

_DEPTH_SIZES = [(1, 1), (1, 2), (2, 1), (2, 2), (3, 1), (3, 2), (4, 1)]


def _depth_params() -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        lambda bm, D, N: {"bits": bm[0], "m": bm[1], "D": D, "N": N},
        st.sampled_from(_DEPTH_SIZES),
        st.floats(0.0, 0.6),
        st.integers(1, 6),
    )


def _cascade_ba(bits: int, m: int, D: float, N: int) -> dict[str, float]:
    W = ch.product_channel(ch.cascade(ch.dropout_channel(bits, D), N), m)
    res = ch.blahut_arimoto(W, tol=BA_TOL)
    construction = m * ch.mutual_information(ch.uniform_law(bits, include_zero=False), ch.cascade(ch.dropout_channel(bits, D), N))
    return {"lo": res.lower, "hi": res.upper, "construction_mi": construction}


def _sandwich_slack(bits: int, **_: Any) -> float:
    # Theorem 3 at the effective rate: (1 - eps/C_base) F <= capacity <= F for F = C_base m (1 - D_eff)
    return 1.0 - _eps(bits) / bits


_reg(
    Claim(
        id="coding.naive_depth",
        title="Capacity after N dropout layers without re-encoding",
        statement="N dropout layers compose to one of rate 1-(1-D)^N, so the capacity is m C_1(b, 1-(1-D)^N); "
        "the printed C(1-D)^N (C = m b) is its upper bound within the factor 1 - eps/b of Theorem 3 ('∼').",
        source=Source(paper=PAPER, section="main text §2 (Robust encoding)", equation="before eq. 2"),
        printed=_form(text=r"\tilde{C}_{dropout} \sim C(1 - D)^N", expr=tc.NAIVE_DEPTH_PRINTED,
                     syms=(tc.C, sD, sN), inputs=lambda bits, m, D, N: (bits * m, D, N,)),
        derived=Form(text="m C_1(b, 1 - (1-D)^N)", expr=tc.NAIVE_DEPTH_EXACT,
                     numeric=lambda bits, m, D, N: _exact_capacity(bits, 1 - (1 - D) ** N, m)),
        domain=Domain(assumptions=("0 <= D < 1", "N >= 1", "C = m b")),
        rule=AllOf((
                _steps(derivation=tc.dropout_composition_steps, domain=_DOM, judge_printed=False),
                DeterministicMatch(strategy=_depth_params(), compute=_cascade_ba,
                             relations={"derived": Relation("equal", tol=lambda **p: FP),
                                        "printed": Relation("sandwich", tol=lambda **p: FP, slack=_sandwich_slack)},
                             examples=Budget(6, 50), pinned=({"bits": 2, "m": 1, "D": 0.5, "N": 6},),
                             tolerance_reason=_BA_REASON + "; '∼' read as Theorem 3's sandwich (1-eps/b) C(1-D)^N <= capacity <= C(1-D)^N"),
            ), figure=_fig2b),
        formulas=("coding.naive_depth_printed", "coding.naive_depth_exact"),
        notes="The construction (uniform on nonzero symbols) delivers exactly m (1-D)^N log2(2^b - 1) (column construction_mi).",
    )
)


def _layer_ba(bits: int, m: int, D: float, N: int) -> dict[str, float]:
    res = ch.capacity(D, bits, m=m, tol=BA_TOL)
    rep = ch.repetition_cascade_mi(bits, D, N, m, m) if m > 1 else float("nan")
    return {"lo": res.lower, "hi": res.upper, "repetition_all_neurons_mi": rep,
            "no_reencoding_mi": m * ch.mutual_information(ch.uniform_law(bits, include_zero=False), ch.cascade(ch.dropout_channel(bits, D), N))}


_reg(
    Claim(
        id="coding.ecc_depth",
        title="Eq. 2: with error correction the capacity of one layer survives every depth",
        statement="With re-encoding between layers, N dropout layers have the capacity of one, m C_1(D) "
        "(cut-set bound: each layer is a bottleneck; decode-and-forward achieves it). The printed "
        "C(1-D) (C = m b) is that capacity's upper bound within Theorem 3's factor 1 - eps/b.",
        source=Source(paper=PAPER, section="main text §2; Supp. §2.3", equation="eq. 2"),
        printed=_form(text=r"C_{dropout} \sim C(1 - D)", expr=tc.ECC_DEPTH_PRINTED, syms=(tc.C, sD), inputs=lambda bits, m, D, N: (bits * m, D,)),
        derived=Form(text="m C_1(b, D) for every N >= 1", expr=tc.REENCODED_DEPTH_EXACT, numeric=lambda bits, m, D, N: _exact_capacity(bits, D, m)),
        domain=Domain(assumptions=("0 <= D < 1", "N >= 1", "re-encoding between layers, coding over many uses")),
        rule=DeterministicMatch(strategy=_depth_params(), compute=_layer_ba,
                          relations={"derived": Relation("equal", tol=lambda **p: FP),
                                     "printed": Relation("sandwich", tol=lambda **p: FP, slack=_sandwich_slack)},
                          examples=Budget(6, 50), tolerance_reason=_BA_REASON + "; '∼' read as Theorem 3's sandwich"),
        formulas=("coding.ecc_depth_printed", "coding.reencoded_depth_exact"),
        notes="Achievability with explicit finite codes is shown by coding.repetition_cascade and coding.mds_cascade "
        "(Fig. 2c): a Reed-Solomon code re-encoded between layers approaches (1-D) per neuron as m grows.",
    )
)

_reg(
    Claim(
        id="coding.repetition_cascade",
        title="Repetition across r neurons, re-encoded between layers",
        statement="Each of floor(m/r) symbols is lost in a layer only when all r copies drop: the delivered "
        "information is floor(m/r)(1-D^r)^N log2(2^b-1), against the exact mutual information of the "
        "enumerated layer channel raised to the N-th power.",
        source=Source(paper=PAPER, section="main text §2", equation="eq. 2 (explicit code)"),
        printed=None,
        derived=_form(text="floor(m/r) (1 - D^r)^N log2(2^b - 1)", expr=tc.REPETITION_CASCADE_INFORMATION,
                     syms=(tc.C_base, sD, sN, sm, _r), inputs=lambda bits, D, N, m, r: (bits, D, N, m, r,)),
        domain=Domain(assumptions=("0 <= D < 1", "1 <= r <= m")),
        rule=DeterministicMatch(
            strategy=st.fixed_dictionaries({"bits": st.integers(1, 4), "D": st.floats(0.0, 0.9), "N": st.integers(0, 12),
                                            "m": st.integers(1, 12), "r": st.integers(1, 5)}).filter(lambda p: p["r"] <= p["m"]),
            compute=lambda bits, D, N, m, r: {"lo": (v := ch.repetition_cascade_mi(bits, D, N, m, r)), "hi": v},
            relations={"derived": Relation("equal", tol=lambda **p: FP)}, examples=Budget(8, 60),
            tolerance_reason=f"floating-point accumulation (<= {FP:g} bits)",
        ),
        formulas=("coding.repetition_cascade_information",),
    )
)

_mds_sym = {s.name: s for s in tc.MDS_CASCADE_INFORMATION.free_symbols}


def _mds_value(bits: int, D: float, N: int, m: int, k: int) -> float:
    expr = tc.MDS_CASCADE_INFORMATION.subs({tc.C_base: bits, sD: sp.Float(D, 30), sN: N, sm: m, _mds_sym["k"]: k}).doit()
    return float(sp.N(expr, 30))


def _mds_sim(params: Mapping[str, Any], *, rng: np.random.Generator, trials: int, device: str) -> np.ndarray:
    return ch.reed_solomon_cascade(params["bits"], params["D"], params["N"], params["m"], params["k"], trials=trials, rng=rng)


@st.composite
def _mds_params(draw: Any) -> dict[str, Any]:
    bits = draw(st.sampled_from([2, 3, 5]))
    m = draw(st.integers(2, 2**bits - 1))
    k = draw(st.integers(1, m))
    return {"bits": bits, "D": draw(st.floats(0.0, 0.6)), "N": draw(st.integers(1, 8)), "m": m, "k": k}


_reg(
    Claim(
        id="coding.mds_cascade",
        title="Reed-Solomon code re-encoded between dropout layers",
        statement="An [m, k] Reed-Solomon code over GF(2^b - 1) decodes from any k surviving neurons; re-encoded "
        "between layers it delivers k log2(2^b-1) P(Bin(m, 1-D) >= k)^N bits. Monte Carlo with real "
        "encoding and decoding against this value.",
        source=Source(paper=PAPER, section="main text §2", equation="eq. 2 (explicit code), Fig. 2c"),
        printed=None,
        derived=Form(text="k log2(2^b - 1) P(Bin(m, 1-D) >= k)^N", expr=tc.MDS_CASCADE_INFORMATION,
                     numeric=_mds_value),
        domain=Domain(assumptions=("2^b - 1 prime", "1 <= k <= m <= 2^b - 1", "0 <= D < 1")),
        rule=AllOf((
            MonteCarloMean(strategy=_mds_params(), simulate=_mds_sim, trials=Budget(600, 4000), examples=Budget(5, 40),
                           value_range=lambda bits, D, N, m, k: k * math.log2(2**bits - 1)),
        ), figure=_fig2c),
        formulas=("coding.mds_cascade_information",),
    )
)



def _best_mds_value(bits: int, D: float, N: int, m: int) -> dict[str, float]:
    k, v = _best_mds(bits, D, N, m)
    naive = m * (1 - D) ** N * math.log2(2**bits - 1)
    return {"lo": v, "hi": v, "best_k": k, "per_neuron": v / m, "no_reencoding": naive}


_reg(
    Claim(
        id="coding.ecc_achievability",
        title="Eq. 2 achieved by an explicit code: Reed-Solomon re-encoded at every layer",
        statement="The best [m, k] Reed-Solomon code over GF(2^b - 1), decoded and re-encoded between layers, "
        "delivers at least (m(1-D) - sqrt(m ln(Nm)/2) - 1) log2(2^b-1) (1 - 1/(Nm))^N bits through N layers "
        "(Hoeffding), which per neuron tends to (1-D) log2(2^b-1) at every depth, and never more than eq. 2's "
        "C(1-D) (C = m b).",
        source=Source(paper=PAPER, section="main text §2; Supp. §2.3", equation="eq. 2"),
        printed=_form(text=r"C_{dropout} \sim C(1 - D)", expr=tc.ECC_DEPTH_PRINTED, syms=(tc.C, sD), inputs=lambda bits, D, N, m: (bits * m, D,)),
        derived=_form(text="(m(1-D) - sqrt(m ln(Nm)/2) - 1) log2(2^b - 1) (1 - 1/(Nm))^N (a lower bound)", expr=tc.MDS_RATE_LOWER,
                     syms=(tc.C_base, sD, sN, sm), inputs=lambda bits, D, N, m: (bits, D, N, m,)),
        domain=Domain(assumptions=("2^b - 1 prime", "2 <= m <= 2^b - 1", "N >= 1", "0 <= D < 1")),
        rule=AllOf((
            _steps(derivation=tc.mds_rate_steps, domain=_DOM, judge_printed=False),
            DeterministicMatch(
                strategy=st.builds(lambda bits, D, N, frac: {"bits": bits, "D": D, "N": N, "m": max(2, round(frac * (2**bits - 1)))},
                                   st.sampled_from([5, 7]), st.floats(0.0, 0.6), st.integers(1, 50), st.floats(0.05, 1.0)),
                compute=_best_mds_value,
                relations={"derived": Relation("lower", tol=lambda **p: FP), "printed": Relation("upper", tol=lambda **p: FP)},
                examples=Budget(6, 40), pinned=({"bits": 7, "D": 0.3, "N": 50, "m": 127},),
                tolerance_reason=f"exact binomial tails (floating-point slack {FP:g} bits); the derived form is a lower "
                "bound, the printed eq. 2 an upper bound (Theorem 3 per layer)",
            ),
        )),
        formulas=("coding.mds_rate_lower",),
        notes="Column no_reencoding shows m(1-D)^N log2(2^b-1), the information left without re-encoding.",
    )
)

# --- §2.4 Theorem 4 and eq. 3 ------------------------------------------------------------


def _stirling_checks() -> list[tuple[str, bool, str]]:
    import mpmath

    mpmath.mp.dps = 40
    worst_lo, worst_hi, ok = mpmath.inf, mpmath.inf, True
    for mm in range(1, 501):
        r = (mpmath.loggamma(mm + 1) - mm * mpmath.log(mm / mpmath.e)) / mpmath.log(2)
        lo = mpmath.log(2 * mpmath.pi * mm, 2) / 2
        hi = lo + 1 / (12 * mm * mpmath.log(2))
        ok = ok and lo < r < hi
        worst_lo, worst_hi = min(worst_lo, r - lo), min(worst_hi, hi - r)
    return [(
        "Robbins: (1/2)log2(2 pi m) < log2 m! - m log2(m/e) < (1/2)log2(2 pi m) + 1/(12 m ln 2), m = 1..500",
        bool(ok), f"min margins {float(worst_lo):.3g} (lower), {float(worst_hi):.3g} (upper) at 40 digits",
    )]


_reg(
    Claim(
        id="coding.theorem4_proof",
        title="Theorem 4's proof, line by line",
        statement="sum_i log(2^n i^alpha) is printed as mn - alpha log(prod i) and, after Stirling, mn - alpha m log(m/e); "
        "derived: mn + alpha log m!, and Stirling adds (1/2)log2(2 pi m) + O(1/m).",
        source=Source(paper=PAPER, section="Supp. §2.4", equation="Theorem 4 (proof)"),
        printed=Form(text=r"\sum_i^m \log(2^n i^\alpha) = mn - \alpha \log\left(\prod_i^m i\right); \quad H(X) \lesssim mn - \alpha m \log(m/e)"),
        derived=Form(text="m b + alpha log2 m!  ~  m b + alpha m log2(m/e) (+ alpha (1/2) log2(2 pi m))"),
        domain=Domain(assumptions=("alpha < 0", "m >= 1", "b bits per neuron")),
        rule=_steps(derivation=tc.theorem4_derived_steps, printed_steps=tc.theorem4_printed_steps,
                       side_checks=_stirling_checks, domain=_DOM,
                       numeric_only=frozenset({"std reading after Stirling = m b + alpha m log2(m/e) + alpha (1/2)log2(2 pi m)"})),
        formulas=("coding.stirling_remainder",),
        notes="Only the printed identity line is checked as printed; its Stirling line is an approximation "
        "('~', error (1/2)log2(2 pi m) + O(1/m), listed on the derived side) and inherits the sign slip.",
    )
)


def _power_tol(m: int, bits: int, alpha: float, exponent_of: str) -> float:
    beta = alpha / 2 if exponent_of == "variance" else alpha
    _, hi = tc.stirling_bounds(m)
    quant = sum(math.log2(1 + 2.0**-bits * (i ** -beta)) for i in range(1, m + 1))
    return abs(beta) * hi + quant


def _power_enum(m: int, bits: int, alpha: float, exponent_of: str) -> dict[str, float]:
    h = ch.power_law_entropy(m, bits, alpha, exponent_of=exponent_of)
    return {"lo": h, "hi": h, "stirling_plus_quantisation_tol": _power_tol(m, bits, alpha, exponent_of)}


def _power_params(exponent_of: str, m_min: int = 8) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({
        "m": st.integers(m_min, 200), "bits": st.integers(16, 22), "alpha": st.floats(-2.0, -0.2), "exponent_of": st.just(exponent_of),
    })


_POWER_REASON = ("Stirling's remainder |beta|((1/2)log2(2 pi m) + 1/(12 m ln 2)) (Robbins) plus the quantisation "
                 "bound sum_i log2(1 + 2^-b / s_i) of the uniform neurons (log2 L <= H <= log2 ceil L)")

_reg(
    Claim(
        id="coding.theorem4_entropy",
        title="Theorem 4: entropy of m neurons with power-law standard deviations",
        statement="With standard deviations sigma_i = i^alpha (alpha < 0) and b bits per neuron, the entropy is "
        "≈ m b + alpha m log2(m/e) = m b - |alpha| m log2(m/e); the theorem prints m n - alpha m log(m/e). "
        "Against the exact entropy of independent quantised uniform neurons.",
        source=Source(paper=PAPER, section="Supp. §2.4", equation="Theorem 4"),
        printed=_form(text=r"H(X) \lesssim mn - \alpha m \log(m/e)", expr=tc.POWER_LAW_ENTROPY_PRINTED,
                     syms=(sm, tc.b, s_alpha), inputs=lambda m, bits, alpha, exponent_of: (m, bits, alpha,)),
        derived=_form(text="m b + alpha m log2(m/e)", expr=tc.POWER_LAW_ENTROPY_STD,
                     syms=(sm, tc.b, s_alpha), inputs=lambda m, bits, alpha, exponent_of: (m, bits, alpha,)),
        domain=Domain(assumptions=("alpha < 0", "8 <= m <= 200 (drawn from 16)", "2^b m^alpha >= 1")),
        # drawn m >= 16: the derived form is Stirling's leading term, whose remainder |alpha|(1/2)log2(2 pi m)
        # is up to 5.8% of the entropy at m = 8, |alpha| = 2, b = 16 (beyond the quick margin) and at most
        # 3.8% from m = 16; the pinned m = 8 point (|alpha| = 0.2, remainder 0.5%) keeps the small end
        rule=DeterministicMatch(strategy=_power_params("std", m_min=16), compute=_power_enum,
                          relations={k: Relation("equal", tol=lambda m, bits, alpha, exponent_of: _power_tol(m, bits, alpha, exponent_of))
                                     for k in ("derived", "printed")},
                          examples=Budget(6, 50), pinned=({"m": 8, "bits": 16, "alpha": -0.2, "exponent_of": "std"},),
                          tolerance_reason=_POWER_REASON),
        formulas=("coding.power_law_entropy_printed", "coding.power_law_entropy_std"),
        notes="As an upper bound the printed form holds but is vacuous: for alpha < 0 it exceeds m n, the entropy "
        "of m n bits. As the approximation the proof derives it has the wrong sign of the alpha-term.",
    )
)

_reg(
    Claim(
        id="coding.power_law_capacity",
        title="Eq. 3: capacity with a power-law eigenspectrum (variances i^alpha)",
        statement="When the covariance eigenvalues (variances) follow i^alpha, each neuron's scale is i^(alpha/2) and "
        "C_alpha ≈ C - (|alpha|/2) m log2(m/e) with C = m b; eq. 3 prints C - |alpha| m log(m/e) (exact only for "
        "a standard-deviation exponent). Against exact quantised entropies.",
        source=Source(paper=PAPER, section="main text §2; Supp. §2.4", equation="eq. 3"),
        printed=_form(text=r"C_\alpha \approx C - |\alpha| m \log(m/e)", expr=tc.power_law_capacity_printed,
                     syms=(tc.C, s_alpha, sm), inputs=lambda m, bits, alpha, exponent_of: (m * bits, alpha, m,)),
        derived=_form(text="C - (|alpha|/2) m log2(m/e)", expr=tc.power_law_capacity,
                     syms=(tc.C, s_alpha, sm), inputs=lambda m, bits, alpha, exponent_of: (m * bits, alpha, m,)),
        domain=Domain(assumptions=("alpha < 0 (eigenvalue exponent)", "C = m b", "8 <= m <= 200")),
        rule=DeterministicMatch(strategy=_power_params("variance"), compute=_power_enum,
                          relations={k: Relation("equal", tol=lambda m, bits, alpha, exponent_of: _power_tol(m, bits, alpha, exponent_of))
                                     for k in ("derived", "printed")},
                          examples=Budget(6, 50), pinned=({"m": 200, "bits": 16, "alpha": -2.0, "exponent_of": "variance"},),
                          tolerance_reason=_POWER_REASON),
        formulas=("coding.power_law_capacity", "coding.power_law_capacity_printed", "coding.power_law_entropy_variance"),
        notes="theory.coding.power_law_capacity is this derived form (shared with theory.spectra).",
    )
)




def _gauss_widths(m: int, bits: int, alpha: float) -> np.ndarray:
    return 2.0**bits * np.arange(1, m + 1, dtype=float) ** (alpha / 2)


def _gauss_minus_uniform(m: int, bits: int, alpha: float) -> dict[str, float]:
    d = ch.power_law_entropy(m, bits, alpha, law="gaussian") - ch.power_law_entropy(m, bits, alpha, law="uniform")
    return {"lo": d, "hi": d}


def _gauss_tol(m: int, bits: int, alpha: float) -> float:
    # uniform quantisation: 0 <= H - log2 w <= log2(1 + 1/w); Gaussian quantisation: Sheppard's
    # second-order term log2(e)/(24 s^2), s = w/sqrt(12), doubled to cover the O(s^-4) remainder
    w = _gauss_widths(m, bits, alpha)
    s2 = w**2 / 12
    return float(np.sum(np.log2(1 + 1 / w)) + np.sum(2 * LOG2E / (24 * s2)))


_reg(
    Claim(
        id="coding.theorem4_gaussian",
        title="Theorem 4 with Gaussian neurons: the additive term",
        statement="Replacing each neuron by a Gaussian 'results in an additive term of at most (m/2) log(2 pi e)'. "
        "With equal variances the exact term is (m/2) log2(2 pi e/12) (about 0.254 bits per neuron), within the bound.",
        source=Source(paper=PAPER, section="Supp. §2.4", equation="remark after Theorem 4"),
        printed=_form(text=r"\text{an additive term of at most } \frac{m}{2} \log(2\pi e)", expr=tc.GAUSSIAN_TERM_PRINTED,
                     syms=(sm,), inputs=lambda m, bits, alpha: (m,)),
        derived=_form(text="(m/2) log2(2 pi e / 12) (equal variances)", expr=tc.GAUSSIAN_TERM_MATCHED,
                     syms=(sm,), inputs=lambda m, bits, alpha: (m,)),
        domain=Domain(assumptions=("alpha < 0 (variance exponent)", "2 <= m <= 30", "b = 12 bits")),
        rule=AllOf((
            _steps(derivation=tc.gaussian_term_steps, domain=_DOM, judge_printed=False),
            DeterministicMatch(
                strategy=st.fixed_dictionaries({"m": st.integers(2, 30), "bits": st.just(12), "alpha": st.floats(-2.0, -0.2)}),
                compute=_gauss_minus_uniform,
                relations={"derived": Relation("equal", tol=_gauss_tol), "printed": Relation("upper", tol=_gauss_tol)},
                examples=Budget(3, 20),
                tolerance_reason="quantisation bounds: log2(1+1/w) per uniform neuron, twice Sheppard's term per Gaussian one",
            ),
        )),
        formulas=("coding.gaussian_term_printed", "coding.gaussian_term_matched"),
        notes="If the Gaussian's standard deviation equals the uniform neuron's width instead, the term is exactly "
        "(m/2) log2(2 pi e): the bound is attained, so 'at most' holds with equality in that reading.",
    )
)


# --- eq. 1: how good is R ≈ 1 - S? (issue 17, item 7) ------------------------------------

_EQ1_RHO = 0.05
"""The stated size of the approximation's relative error: the quick suite's standard margin
(:data:`polyverify.claim.STANDARD_MARGIN`), the relative difference at which every other claim of
the suite calls two values different. A point whose error exceeds it is flagged, and there the
printed R = 1 - S is rejected."""

_eq1_err_f = _f(tc.COMPRESSION_RATE_RELATIVE_ERROR, sS, _H)
_eq1_hmin_f = _f(tc.COMPRESSION_RATE_MIN_ENTROPY, sS, tc.rho)


def _grouped_entropy(masses: np.ndarray, counts: np.ndarray) -> float:
    """-sum p log2 p over a law given as distinct masses with multiplicities (the definition of
    entropy summed group by group; for laws too large to enumerate symbol by symbol)."""
    nz = masses > 0
    return float(-np.sum(counts[nz] * masses[nz] * np.log2(masses[nz])))


def _eq1_exact_rate(bits: int, S: float) -> dict[str, Any]:
    """R = H(X^S)/H for one element uniform on 2**bits nonzero symbols (no mass on 0), from the
    definition of the sparsified law: enumerated symbol by symbol (numerics.channels) for
    bits <= 16, and for 32 bits summed over its two groups of equal mass (the zero, mass S, and
    2**bits symbols of mass (1-S) 2**-bits). No closed form of eq. 1 is used."""
    if bits <= 16:
        law = np.zeros((1 << bits) + 1)
        law[1:] = 2.0**-bits
        h, hs, how = ch.entropy_bits(law), ch.sparsified_entropy(law, S, 1), "enumerated"
    else:
        h = _grouped_entropy(np.array([2.0**-bits]), np.array([2.0**bits]))
        hs = _grouped_entropy(np.array([S, (1 - S) * 2.0**-bits]), np.array([1.0, 2.0**bits]))
        how = "grouped"
    r = hs / h
    err = (r - (1 - S)) / r
    return {"lo": r, "hi": r, "H": h, "how": how, "rel_error": err, "rel_error_derived": float(_eq1_err_f(S, h)),
            f"exceeds_{_EQ1_RHO:g}": bool(err > _EQ1_RHO), f"H_needed_{_EQ1_RHO:g}": float(_eq1_hmin_f(S, _EQ1_RHO))}


def _eq1_printed_tol(bits: int, S: float) -> float:
    # |(1-S) - R| <= rho R: the stated relative size, as the absolute tolerance rho R. R here is
    # eq. 1 at H = bits, which the same check verifies against the enumerated R to FP (1e-9), so
    # this is rho times the enumerated R to within 1e-9 of itself (and the check's resolution is rho).
    return _EQ1_RHO * float(_rate_f(S, float(bits)))


def _eq1_threshold(h: float, rho: float = _EQ1_RHO) -> float:
    """S*(H): the sparsity above which the relative error exceeds ``rho`` (the error increases in S:
    theory.coding.compression_rate_error_steps), by bisection to 1e-12."""
    lo, hi = 1e-12, 1.0 - 1e-12
    while hi - lo > 1e-12:
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if _eq1_err_f(mid, h) < rho else (lo, mid)
    return (lo + hi) / 2


def _eq1_numbers() -> str:
    errs = "; ".join(f"S = {x:g}: {_eq1_err_f(x, 16):.1%} / {_eq1_err_f(x, 32):.1%}" for x in (0.1, 0.5, 0.9, 0.99))
    need = ", ".join(f"{_eq1_hmin_f(x, _EQ1_RHO):.0f} bits at S = {x:g}" for x in (0.5, 0.9, 0.99))
    return (f"Relative error of R = 1 - S at H = 16 / 32 bits (derived form): {errs}. It exceeds {_EQ1_RHO:g} for "
            f"S > {_eq1_threshold(16):.3f} (H = 16) and S > {_eq1_threshold(32):.3f} (H = 32); within {_EQ1_RHO:g} needs "
            f"H >= {need}.")


def _eq1_plot(rows: list[dict[str, Any]]) -> Callable[[Any], None]:
    def plot(ax) -> None:
        s = np.linspace(0.005, 0.999, 400)
        for h, ls in ((8, ":"), (16, "--"), (32, "-"), (64, "-.")):
            ax.plot(s, [_eq1_err_f(x, h) for x in s], ls, color="green", label=f"derived h2(S)/(H(1-S)+h2(S)), H = {h}")
            if h in (16, 32):
                ax.axvline(_eq1_threshold(h), color="green", ls=ls, lw=0.6)
        for how, mk in (("enumerated", "o"), ("grouped", "s")):
            pts = [r for r in rows if r.get("how") == how]
            if pts:
                ax.plot([r["S"] for r in pts], [r["rel_error"] for r in pts], mk, color="k", ms=4,
                        label=f"exact R ({how}), H = {pts[0]['H']:.0f}" if len({r['bits'] for r in pts}) == 1 else f"exact R ({how})")
        ax.axhline(_EQ1_RHO, color="red", lw=0.8, label=f"stated size {_EQ1_RHO:g}")
        ax.set_xlabel("sparsity S")
        ax.set_ylabel("relative error of R = 1 - S")
        ax.set_title("Eq. 1: error of R = 1 - S (vertical: S* at H = 16, 32)")
        ax.legend(fontsize=6)

    return plot


_reg(
    Claim(
        id="coding.eq1_relative_error",
        title="Eq. 1's approximation R = 1 - S at H = 16 and 32 bits: its relative error",
        statement="'For sufficiently large H, e.g. 16 or 32 bits, R can be approximated as R = 1 - S.' Relative to "
        f"the exact R of eq. 1 the error is h2(S)/(H(1-S)+h2(S)), which grows with S to 1; it exceeds {_EQ1_RHO:g} for "
        f"S > {_eq1_threshold(16):.3f} at H = 16 and S > {_eq1_threshold(32):.3f} at H = 32, and is at most rho only for "
        "H >= (1-rho)/rho h2(S)/(1-S). "
        f"Each form against the exact R (enumerated): the printed 1 - S within relative {_EQ1_RHO:g}, eq. 1 to floating point.",
        source=Source(paper=PAPER, section="main text §2", equation="eq. 1 (large-H approximation)"),
        printed=_form(text=r"R = 1 - S \quad (\text{for sufficiently large } H\text{, e.g. 16 or 32 bits})",
                      expr=tc.COMPRESSION_RATE_LIMIT, syms=(sS,), inputs=lambda bits, S: (S,)),
        derived=_form(text="eq. 1: R = 1 - S + h2(S)/H (H = bits for a uniform law on 2^bits symbols)",
                      expr=tc.COMPRESSION_RATE, syms=(sS, _H), inputs=lambda bits, S: (S, float(bits))),
        domain=Domain(assumptions=("0 < S < 1", "H = 16 or 32 bits, the paper's examples", "P(X_0 = 0) = 0")),
        rule=AllOf((
            _steps(derivation=tc.compression_rate_error_steps, domain={**_DOM, "rho": (0.01, 0.5)}, judge_printed=False),
            DeterministicMatch(
                strategy=st.fixed_dictionaries({"bits": st.sampled_from([16, 32]), "S": st.floats(0.01, 0.99)}),
                compute=_eq1_exact_rate,
                relations={"derived": _FP_REL, "printed": Relation("equal", tol=_eq1_printed_tol)},
                examples=Budget(4, 30),
                pinned=tuple({"bits": b, "S": s} for b, s in ((16, 0.1), (32, 0.1), (16, 0.5), (32, 0.5), (32, 0.9), (32, 0.99))),
                tolerance_reason=(f"eq. 1 to the floating-point slack of the enumeration ({FP:g}); the printed approximation "
                                  f"to the stated relative size {_EQ1_RHO:g} (the quick suite's standard margin): |(1-S) - R| <= {_EQ1_RHO:g} R"),
                plot=_eq1_plot,
            ),
        )),
        formulas=("coding.compression_rate_relative_error", "coding.compression_rate_min_entropy"),
        notes=(_eq1_numbers() + " In the sparse regime of Fig. 1c (large 1/(1-S)) the approximation is far from the "
               "exact eq. 1: the absolute error bound h2(S)/H <= 1/H hides that R itself shrinks like 1 - S. The rows "
               "flag each point whose relative error exceeds the stated size and give the H it would need."),
    )
)
