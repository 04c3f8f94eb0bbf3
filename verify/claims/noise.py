r"""Claims on noise as a push toward sparsity (paper 1, §3.2 and Appendix C).

Every printed line of §3.2 and Appendix C is a claim: the printed form exactly as printed and
the form derived in :mod:`theory.noise`. Evidence comes from :mod:`numerics.noisy_step`: exact
enumeration of all :math:`2^m` bipolar sign patterns, Monte Carlo with confidence intervals
for the uniform, normal, Laplace and a user-supplied (Epanechnikov) law, one real SGD step of
the noisy tied model in PyTorch (autograd), and projected gradient descent on the sphere.

Parameters. ``law`` names the noise law and ``scale`` its parameter: the std σ of the built-in
laws (bipolar ±σ, uniform, normal, Laplace), the half-width ``c`` of the user law with density
:math:`\tfrac34(1-(x/c)^2)/c` (its σ² = c²/5 is computed by ``sympy.stats``, not typed in).
Rows ``w`` are drawn by Hypothesis. Step-based claims use bounded laws with
:math:`\max|\xi_j|\sqrt m \le 0.9`, so on input :math:`e_i` the ReLU of output ``i`` is on and
all others are off for every draw: §3.2's assumptions (a), (b) hold exactly, not just with high
probability; the simulation checks this per draw.

Declarations only; the rules come from :mod:`polyverify.rules`: among them
:class:`~polyverify.rules.ExpansionOrder` (the error of a truncated η-expansion of a real SGD
step must shrink at the order the line claims: a fitted log–log slope in η) and
:class:`~polyverify.rules.SignedEffect` (projected descent on the sphere moves toward sparsity
exactly when the excess kurtosis is negative).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import sympy as sp
import sympy.stats as sps
from hypothesis import strategies as st
from polyverify.numerics import noisy_step as ns
from polyverify.theory import noise as th
from polyverify.theory import noise_laws as nl
from polyverify.theory.symbols import eta, m, mu4, sigma

from ..claim import Budget, Claim, Domain, Form, Mode, Source, named_rng
from ..forms import from_expr
from ..registry import register
from ..rules import (
    AllOf,
    DeterministicMatch,
    ExpansionOrder,
    MonteCarloMean,
    RemainderCoefficient,
    SignedEffect,
    SymbolicRule,
)

__all__ = ["user_law"]

_A, _S, _W2, _Q4, _E4 = th.a, th.s, th.w2, th.q4, th.E4


def _form(*, text: str, expr: sp.Expr, syms: tuple[sp.Symbol, ...], inputs=None, cast=float) -> Form:
    """A form whose numeric function is the one lambdify of ``expr`` at ``inputs(**params)``
    (the claim's parameters mapped to the symbols' values; without ``inputs``, the symbols'
    names are the parameters). ``cast=None`` keeps arrays (per-trial truncations)."""
    return from_expr(expr, *syms, text=text, inputs=inputs, cast=cast)

# ------------------------------------------------------------------ laws and parameters

_X = sp.Symbol("x", real=True)


@functools.lru_cache(maxsize=None)
def user_law(halfwidth: float) -> nl.NoiseLaw:
    """A user-supplied symmetric law: density (3/4)(1-(x/c)^2)/c on [-c, c] (Epanechnikov)."""
    c = sp.nsimplify(halfwidth)
    X = sps.ContinuousRV(_X, sp.Rational(3, 4) / c * (1 - (_X / c) ** 2), set=sp.Interval(-c, c))
    return nl.from_random_variable(X, name="user (Epanechnikov)", kind="epanechnikov", natural={"halfwidth": c})


@functools.lru_cache(maxsize=None)
def _law(kind: str, scale: float) -> nl.NoiseLaw:
    if kind == "epanechnikov":
        return user_law(scale)
    return nl.BUILTIN_LAWS[kind](sp.nsimplify(scale))


@functools.lru_cache(maxsize=None)
def _moments(kind: str, scale: float) -> tuple[float, float]:
    """(σ², μ₄) computed by sympy.stats from the law."""
    law = _law(kind, scale)
    return float(law.sigma2), float(law.mu4)


def _sampler(kind: str, scale: float) -> ns.NoiseFn:
    law = _law(kind, scale)
    return ns.noise_sampler(kind, **{k: float(v) for k, v in law.natural.items()})


def _bound(kind: str, scale: float) -> float:
    """Largest |ξ_j| of a bounded law (from its support)."""
    return {"bipolar": 1.0, "uniform": np.sqrt(3.0), "epanechnikov": 1.0}[kind] * scale


@st.composite
def _row(draw, m_min: int = 1, m_max: int = 8, unit: bool = False) -> tuple[float, ...]:
    mm = draw(st.integers(m_min, m_max))
    w = draw(st.lists(st.floats(-1.0, 1.0, allow_nan=False, width=32), min_size=mm, max_size=mm))
    arr = np.round(np.asarray(w, dtype=float), 4)
    if np.linalg.norm(arr) < 0.1:
        arr[0] = 1.0
    if unit:
        arr = arr / np.linalg.norm(arr)
    return tuple(float(x) for x in arr)


@st.composite
def _law_point(draw, kinds: Sequence[str], scale_lo: float = 0.2, scale_hi: float = 2.0, m_max: int = 8):
    kind = draw(st.sampled_from(list(kinds)))
    scale = draw(st.sampled_from([round(x, 2) for x in np.geomspace(scale_lo, scale_hi, 9)]))
    return {"law": kind, "scale": float(scale), "w": draw(_row(1, m_max))}


def _norms(w) -> tuple[float, float]:
    arr = np.asarray(w, dtype=float)
    return float(np.sum(arr**2)), float(np.sum(arr**4))


# ------------------------------------------------------------------ step-based points

_BOUNDED = ("bipolar", "uniform", "epanechnikov")


@st.composite
def _step_point(draw, eta_lo: float, eta_hi: float, m_max: int = 8, extra: dict | None = None):
    """A real-step configuration: n, m, row i, a bounded law with max|ξ|√m <= 0.9, η, a seed."""
    mm = draw(st.integers(2, m_max))
    nn = draw(st.integers(1, 4))
    kind = draw(st.sampled_from(_BOUNDED))
    top = 0.9 / np.sqrt(mm) / _bound(kind, 1.0)
    scale = draw(st.sampled_from([round(top * f, 4) for f in (0.25, 0.5, 0.75, 1.0)]))
    e = draw(st.sampled_from([round(x, 4) for x in np.geomspace(eta_lo, eta_hi, 7)]))
    p = {"n": nn, "m": mm, "i": draw(st.integers(0, nn - 1)), "law": kind, "scale": float(scale), "eta": float(e),
         "seed": draw(st.integers(0, 2**31 - 1))}
    for k, strat in (extra or {}).items():
        p[k] = draw(strat)
    return p


def _weights(p: dict) -> np.ndarray:
    return ns.interference_free_weights(p["n"], p["m"], p["i"], named_rng(p["seed"], "weights"))


def _one_noise(p: dict) -> np.ndarray:
    """One noise draw fixed by the seed (for the deterministic, pathwise claims)."""
    return _sampler(p["law"], p["scale"])(named_rng(p["seed"], "noise"), (1, p["m"]))


def _step(p: dict, xi: np.ndarray, device: str = "cpu") -> ns.StepResult:
    res = ns.tied_sgd_step(_weights(p), p["i"], xi, p["eta"], device=device)
    if not np.all(res.relu_on):
        raise AssertionError("§3.2 (a)/(b) violated in a draw: the parameter strategy must keep them exact")
    return res


# ------------------------------------------------------------------ symbolic rule


# ============================================================ C.1: gradient and update

def _gradient_derivation():
    W, X = th.M3_W, th.M3_XI
    eps = th.norm_sq(W) - 1 + th.dot(W, X)
    return [
        ("encoder part dL/dW^e_i1 = 2 eps W_i1 (eps = |W|^2 - 1 + W.xi)", th.GRAD_ENCODER, 2 * eps * W[0]),
        ("decoder part dL/dW^d_i1 = 2 eps (W_i1 + xi_1)", th.GRAD_DECODER, 2 * eps * (W[0] + X[0])),
        ("tied: encoder + decoder = 2 eps (2W_i1 + xi_1)", th.GRAD_ENCODER + th.GRAD_DECODER, th.GRADIENT_ANY_NORM),
        ("minus 2(W.xi)(2W_i1+xi_1) leaves 2(|W|^2-1)(2W_i1+xi_1): zero on unit rows",
         th.GRADIENT_ANY_NORM - th.GRADIENT, 2 * (th.norm_sq(W) - 1) * (2 * W[0] + X[0])),
        ("update W_i1 - eta * gradient", W[0] - eta * th.GRADIENT, th.UPDATE),
    ]


def _direction(p: dict, shape) -> np.ndarray:
    return named_rng(p["seed"], "direction").standard_normal(shape)


def _autograd_value(**p) -> float:
    """Projection of the autograd gradient (or the SGD-updated weights) on a random direction."""
    xi = _one_noise(p)
    res = _step(p, xi)
    mat = res.grad[0] if p["quantity"] == "gradient" else res.W_next[0]
    return float(np.sum(mat * _direction(p, mat.shape)))


def _formula_value(**p) -> float:
    """The same projection from 2(W_i.xi)(2W_i+xi) in row i, zero in every other row (App. C.1)."""
    W = _weights(p)
    xi = _one_noise(p)[0]
    i = p["i"]
    grad = np.zeros_like(W)
    grad[i] = 2 * (W[i] @ xi) * (2 * W[i] + xi)
    mat = grad if p["quantity"] == "gradient" else W - p["eta"] * grad
    return float(np.sum(mat * _direction(p, mat.shape)))


_GRAD_POINTS = _step_point(0.01, 1.0, extra={"quantity": st.sampled_from(["gradient", "update"])})
_F64 = ("float64 on both sides; each value is a few dozen multiply-adds of O(1) numbers, so rounding stays "
        "below 1e-13; atol 1e-10 leaves margin while any wrong coefficient changes the value by O(sigma) >= 1e-2")

register(
    Claim(
        id="noise.gradient",
        title="Gradient 2(W_i·ξ)(2W_i+ξ) and update of the noisy tied model",
        statement=(
            "On input e_i with unit rows and no interference, dL/dW_i = 2(W_i·ξ)(2W_i+ξ) (encoder part "
            "2(W_i·ξ)W_i plus decoder part 2(W_i·ξ)(W_i+ξ)), all other gradients vanish, and SGD gives "
            "W_i' = W_i − 2η(W_i·ξ)(2W_i+ξ)."
        ),
        source=Source(paper="incidental", section="§3.2, App. C.1"),
        printed=Form(
            text=r"\frac{\partial \mathcal{L}}{\partial W_i}=2(W_i\cdot\xi)(2W_i+\xi),\quad "
            r"W_i^{(t+1)} = W_i^{(t)} - 2\eta(W_i \cdot \xi)(2W_i + \xi)",
            expr=th.GRADIENT,
            numeric=_formula_value,
        ),
        derived=Form(
            text="d/dW^e + d/dW^d of (W^d_i·(W^e_i+ξ) − 1)², tied and restricted to |W_i| = 1 (coordinate 1, m = 3 symbols)",
            expr=th.GRADIENT,
            numeric=_formula_value,
        ),
        domain=Domain(assumptions=("||W_i||_2 = 1", "other rows nearly opposite to W_i (no interference)",
                                   "bounded noise with max|xi| sqrt(m) <= 0.9 (ReLU states fixed)")),
        rule=AllOf((
            SymbolicRule(derivation=_gradient_derivation),
            DeterministicMatch(strategy=_GRAD_POINTS, compute=_autograd_value, examples=Budget(8, 60),
                               rtol=0.0, atol=1e-10, tolerance_reason=_F64),
        )),
        formulas=("noise.gradient", "noise.gradient_any_norm", "noise.update"),
        notes=(
            "Autograd on the real model y = ReLU(W(Wᵀx+ξ)) (PyTorch, float64), one torch.optim.SGD step. Two slips of "
            "notation in the same passage change no formula: App. C.1 writes ∂L/∂o_i for the output y_i, and §3.2's "
            "assumption (b) omits the inequality '(W_i + ξ)·W_{i'} < 0' that it describes."
        ),
    )
)


def _jacobian_trace(**p) -> float:
    W = _weights(p)
    return float(np.trace(ns.encoder_jacobian(W, p["i"], _one_noise(p)[0])))


@st.composite
def _n_lt_m(draw):
    mm = draw(st.integers(2, 8))
    nn = draw(st.integers(1, mm - 1))
    return {"n": nn, "m": mm, "i": draw(st.integers(0, nn - 1)), "law": "bipolar", "scale": 0.1,
            "seed": draw(st.integers(0, 2**31 - 1))}


register(
    Claim(
        id="noise.encoder_jacobian",
        title="∂h/∂W_i^e is the identity of R^m (printed I_n)",
        statement="The hidden layer h = W_i^e + ξ lies in R^m, so its Jacobian with respect to W_i^e is I_m; App. C.1 prints I_n.",
        source=Source(paper="incidental", section="App. C.1"),
        printed=_form(text=r"\frac{\partial h}{\partial W_i^{\mathrm{e}}} = I_n \quad(\text{trace } n)",
                     expr=th.PRINTED_ENCODER_JACOBIAN_TRACE, syms=tuple(th.PRINTED_ENCODER_JACOBIAN_TRACE.free_symbols), inputs=lambda n, **_: (n,)),
        derived=_form(text=r"I_m \quad(\text{trace } m)", expr=th.ENCODER_JACOBIAN_TRACE, syms=(m,), inputs=lambda m, **_: (m,)),
        domain=Domain(assumptions=("n < m drawn so that I_n and I_m differ (they agree at m = n)",)),
        rule=DeterministicMatch(strategy=_n_lt_m(), compute=_jacobian_trace, examples=Budget(4, 20), rtol=0.0,
                                atol=1e-12, tolerance_reason="the Jacobian of an affine map is exact in floating point"),
        formulas=("noise.encoder_jacobian_trace",),
        notes="A typo with no effect on the gradient that follows (the authors use dh/dW^e_i as the identity).",
    )
)

# ============================================================ C.2: ||W'||^2



def _norm_expansion_derivation():
    W, X = th.M3_W, th.M3_XI
    a_, s_, w_ = th.dot(W, X), th.norm_sq(X), th.norm_sq(W)
    new = [W[k] - 2 * eta * a_ * (2 * W[k] + X[k]) for k in range(3)]
    return [
        ("||W - 2 eta a (2W + xi)||^2 expanded (m = 3 coordinates)", th.norm_sq(new),
         th.NORM_SQ_NEXT.xreplace({_A: a_, _S: s_, _W2: w_})),
        ("at ||W|| = 1", th.NORM_SQ_NEXT.subs(_W2, 1), th.NORM_SQ_NEXT_UNIT),
    ]


def _torch_norm_sq(**p) -> float:
    res = _step(p, _one_noise(p))
    return float(np.sum(res.W_next[0, p["i"]] ** 2))


def _norm_inputs(**p) -> tuple[float, float, float]:
    """(a, s, η) = (W_i·ξ, ||ξ||², η) of the point's fixed noise draw."""
    W = _weights(p)
    xi = _one_noise(p)[0]
    return float(W[p["i"]] @ xi), float(xi @ xi), p["eta"]


register(
    Claim(
        id="noise.norm_expansion",
        title="||W_i'||² expanded in η (exact, degree 2)",
        statement="||W_i − 2η a(2W_i+ξ)||² = ||W_i||² − 4η a(2||W_i||² + a) + 4η² a²(4||W_i||² + 4a + ||ξ||²), a = W_i·ξ; at unit norm 1 − 4ηa(2+a) + 4η²a²(4+4a+||ξ||²).",
        source=Source(paper="incidental", section="App. C.2"),
        printed=_form(
            text=r"\|W_i\|^2 - 4\eta (W_i \cdot \xi) ( 2\|W_i\|^2 + (W_i \cdot \xi) ) + 4\eta^2 (W_i \cdot \xi)^2 ( 4\|W_i\|^2 + 4(W_i \cdot \xi) + \|\xi\|^2 )"
            r" = 1 - 4\eta (W_i \cdot \xi) (2 + (W_i \cdot \xi)) + 4\eta^2 (W_i \cdot \xi)^2 ( 4 + 4(W_i \cdot \xi) + \|\xi\|^2 )",
            expr=th.NORM_SQ_NEXT_UNIT,
            syms=(_A, _S, eta), inputs=_norm_inputs,
        ),
        derived=_form(text="expansion of the squared norm (m = 3 symbols), then ||W_i|| = 1", expr=th.NORM_SQ_NEXT_UNIT,
                     syms=(_A, _S, eta), inputs=_norm_inputs),
        domain=Domain(assumptions=("||W_i||_2 = 1", "no interference", "bounded noise, max|xi| sqrt(m) <= 0.9")),
        rule=AllOf((
            SymbolicRule(derivation=_norm_expansion_derivation),
            DeterministicMatch(strategy=_step_point(0.01, 3.0), compute=_torch_norm_sq, examples=Budget(6, 50),
                               rtol=1e-11, atol=1e-12, tolerance_reason=_F64),
        )),
        formulas=("noise.norm_sq_next", "noise.norm_sq_next_unit"),
    )
)

# ---- E||W'||^2 (exact)


def _expected_norm_derivation():
    X = th.M3_XI
    W = th.M3_W
    a_ = th.dot(W, X)
    unit = {W[2] ** 2: 1 - W[0] ** 2 - W[1] ** 2}
    e_a2 = th.expect_symmetric(a_**2, X)
    e_a2s = th.expect_symmetric(a_**2 * th.norm_sq(X), X)
    e_norm = th.expect_symmetric(th.NORM_SQ_NEXT_UNIT.xreplace({_A: a_, _S: th.norm_sq(X)}), X)
    return [
        ("E[a] = E[a^3] = 0 (symmetric noise, m = 3)", th.expect_symmetric(a_ + a_**3, X), 0),
        ("E||W'||^2 = 1 - 4eta(1-4eta)E[a^2] + 4eta^2 E[a^2 s]", e_norm,
         th.EXPECTED_NORM_SQ_NEXT_MOMENTS.xreplace({sigma**2: e_a2}).subs(sp.Symbol("E_a2s", positive=True), e_a2s)),
        ("E[a^2] = sigma^2 ||W||^2 = sigma^2 on a unit row", sp.expand(e_a2).subs(unit), sigma**2),
        ("E[a^2 s] = ||W||^2 (mu_4 + (m-1) sigma^4) at m = 3", e_a2s, th.A2_NORM_XI.subs({_W2: th.norm_sq(W), m: 3})),
        ("substituting both", th.EXPECTED_NORM_SQ_NEXT_MOMENTS.subs(sp.Symbol("E_a2s", positive=True), th.A2_NORM_XI.subs(_W2, 1)),
         th.EXPECTED_NORM_SQ_NEXT),
    ]


def _sim_norm_sq(params, *, rng, trials, device):
    xi = _sampler(params["law"], params["scale"])(rng, (trials, params["m"]))
    res = _step(params, xi, device)
    return np.sum(res.W_next[:, params["i"], :] ** 2, axis=1)


def _step_moments(**p) -> tuple[float, int, float, float]:
    """(η, m, σ, μ₄) of a step point (σ², μ₄ from the law by sympy.stats)."""
    s2, m4 = _moments(p["law"], p["scale"])
    return p["eta"], p["m"], float(np.sqrt(s2)), m4


_STEP_MC_TRIALS = Budget(quick=4000, full=40000)
# one trial is one noise vector of at most a few dozen coordinates (microseconds): a point may
# grow its sample this far to resolve its margin (about 1 s per million trials)
_MC_CAP = Budget(quick=6_000_000, full=30_000_000)

register(
    Claim(
        id="noise.expected_norm_sq",
        title="E||W_i'||² = 1 − 4η(1−4η)σ² + 4η²(μ₄+(m−1)σ⁴)",
        statement="Since E[a] = E[a³] = 0, E||W_i'||² = 1 − 4η(1−4η)E[a²] + 4η²E[a²||ξ||²] with E[a²] = σ²; exact in η.",
        source=Source(paper="incidental", section="App. C.2"),
        printed=_form(
            text=r"\mathbb{E}\left[\left\|W_{i}^{(t+1)}\right\|^{2}\right] = 1 - 4\eta(1 - 4\eta)\mathbb{E}\left[\left(W_{i} \cdot \xi\right)^{2}\right] + 4\eta^{2}\mathbb{E}\left[\left(W_{i} \cdot \xi\right)^{2}\|\xi\|^{2}\right]"
            r",\ \mathbb{E}\left[\left(W_i\cdot\xi\right)^2\right]=\sigma^2\|W_i\|^2=\sigma^2",
            expr=th.EXPECTED_NORM_SQ_NEXT_MOMENTS.subs(sp.Symbol("E_a2s", positive=True), th.A2_NORM_XI.subs(_W2, 1)),
            syms=(eta, m, sigma, mu4), inputs=_step_moments,
        ),
        derived=_form(text="expectation of the exact expansion over symmetric noise", expr=th.EXPECTED_NORM_SQ_NEXT,
                     syms=(eta, m, sigma, mu4), inputs=_step_moments),
        domain=Domain(assumptions=("||W_i||_2 = 1", "no interference", "bounded noise, max|xi| sqrt(m) <= 0.9")),
        rule=AllOf((
            SymbolicRule(derivation=_expected_norm_derivation),
            MonteCarloMean(cap=_MC_CAP, strategy=_step_point(0.1, 2.0), simulate=_sim_norm_sq, trials=_STEP_MC_TRIALS,
                           examples=Budget(3, 20)),
        )),
        formulas=("noise.expected_norm_sq_next_moments", "noise.expected_norm_sq_next"),
        notes="Monte Carlo of one real SGD step (torch autograd) per trial, fresh noise each trial.",
    )
)

# ---- E[a^2 ||xi||^2]


def _a2s_derivation():
    steps = []
    for mm in (2, 3, 5):
        W = sp.symbols(f"V_1:{mm + 1}", real=True)
        X = sp.symbols(f"z_1:{mm + 1}", real=True)
        e = th.expect_symmetric(th.dot(W, X) ** 2 * th.norm_sq(X), X)
        diag = th.expect_symmetric(sp.Add(*[W[k] ** 2 * X[k] ** 2 for k in range(mm)]) * th.norm_sq(X), X)
        steps.append((f"E[(sum W_j xi_j)^2 sum xi^2] = E[(sum W_j^2 xi_j^2) sum xi^2] (m={mm})", e, diag))
        steps.append((f"= ||W||^2 (mu_4 + (m-1) sigma^4) (m={mm})", diag, th.A2_NORM_XI.subs({_W2: th.norm_sq(W), m: mm})))
    return steps


def _a2s_inputs(law, scale, w) -> tuple[float, int, float, float]:
    """(||w||², m, σ, μ₄)."""
    s2, m4 = _moments(law, scale)
    return _norms(w)[0], len(w), float(np.sqrt(s2)), m4


def _sim_a2s(params, *, rng, trials, device):
    return ns.a2_norm_samples(params["w"], _sampler(params["law"], params["scale"]), trials=trials, rng=rng)


def _enum_a2s(law, scale, w) -> float:
    return ns.bipolar_expectation(w, scale, lambda a, s: a**2 * s)


_ENUM_TOL = "exact enumeration of 2^m patterns in float64: relative rounding below 1e-12 (rtol 1e-9 leaves margin)"
_MC_LAWS = ("uniform", "normal", "laplace", "epanechnikov")
_MC_TRIALS = Budget(quick=20000, full=200000)

register(
    Claim(
        id="noise.a2_norm_xi",
        title="E[(W_i·ξ)²||ξ||²] = ||W_i||²(μ₄ + (m−1)σ⁴)",
        statement="Only j = k terms of (Σ W_j ξ_j)² survive; each contributes W_j²(μ₄ + (m−1)σ⁴).",
        source=Source(paper="incidental", section="App. C.2"),
        printed=_form(
            text=r"\mathbb{E}\left[(W_i \cdot \xi)^2 \|\xi\|^2\right] = \mathbb{E}\left[\left(\sum W_{ij}^2 \xi_j^2\right) \sum \xi_j^2\right] = \|W_i\|^2 \left(\mu_4 + (m-1)\sigma^4\right)",
            expr=th.A2_NORM_XI, syms=(_W2, m, sigma, mu4), inputs=_a2s_inputs,
        ),
        derived=_form(text=r"\mu_4\|W_i\|^2 + (m-1)\sigma^4\|W_i\|^2", expr=th.A2_NORM_XI, syms=(_W2, m, sigma, mu4), inputs=_a2s_inputs),
        domain=Domain(assumptions=("xi_j i.i.d., symmetric, variance sigma^2, fourth moment mu_4", "any row W (not only unit)")),
        rule=AllOf((
            SymbolicRule(derivation=_a2s_derivation),
            DeterministicMatch(strategy=_law_point(["bipolar"], m_max=12), compute=_enum_a2s, examples=Budget(5, 40),
                               rtol=1e-9, atol=1e-14, tolerance_reason=_ENUM_TOL),
            MonteCarloMean(cap=_MC_CAP, strategy=_law_point(_MC_LAWS, 0.2, 1.5), simulate=_sim_a2s, trials=_MC_TRIALS,
                           examples=Budget(4, 30)),
        )),
        formulas=("noise.a2_norm_xi",),
        notes="The printed line is right: it equals mu_4 ||W||^2 + (m-1) sigma^4 ||W||^2 (each cross term j≠k has mean 0).",
    )
)

# ---- the xi' part (printed with ±)


def _xi_prime_derivation():
    W = sp.symbols("U_1:4", real=True)  # W' (any vector, independent of xi')
    X = th.M3_XI
    nw = th.norm_sq(W)
    return [
        ("E[(W'.xi')^2] = sigma^2 ||W'||^2 (xi' independent of W')", th.expect_symmetric(th.dot(W, X) ** 2, X), sigma**2 * nw),
        ("cross term E[(||W'||^2-1) W'.xi'] = 0", th.expect_symmetric((nw - 1) * th.dot(W, X), X), 0),
        ("sigma^2 E||W'||^2", sigma**2 * th.EXPECTED_NORM_SQ_NEXT, th.XI_PRIME_PART),
    ]


_XI_PRIME_REPEATS = 16


def _sim_xi_prime(params, *, rng, trials, device):
    """Per W' (one real SGD step): the mean over 16 fresh ξ' of (||W'||²−1+W'·ξ')² − (||W'||²−1)²."""
    noise = _sampler(params["law"], params["scale"])
    res = _step(params, noise(rng, (trials, params["m"])), device)
    Wn = res.W_next[:, params["i"], :]
    xi2 = noise(rng, (trials, _XI_PRIME_REPEATS, params["m"]))
    nrm = np.sum(Wn**2, axis=1) - 1
    err = nrm[:, None] + np.einsum("tm,tkm->tk", Wn, xi2)  # next-step error W'.(W'+xi') - 1
    return np.mean(err**2 - nrm[:, None] ** 2, axis=1)


@st.composite
def _xi_prime_point(draw):
    """Large η and the largest admissible noise make the η² term a visible share of the value."""
    p = draw(_step_point(1.0, 3.0, m_max=4))
    top = 0.9 / np.sqrt(p["m"]) / _bound(p["law"], 1.0)
    p["scale"] = float(round(top * draw(st.sampled_from([0.75, 1.0])), 4))
    return p


register(
    Claim(
        id="noise.xi_prime_part",
        title="The part of the next loss with the new noise ξ′: σ²(… + 4η²(μ₄+(m−1)σ⁴)), not ±",
        statement=(
            "E[(||W'||²−1+W'·ξ')²] − E[(||W'||²−1)²] = E[(W'·ξ')²] = σ²E||W'||² = "
            "σ²(1 − 4η(1−4η)σ² + 4η²(μ₄+(m−1)σ⁴)). The sign of the η² term is +: the printed ± leaves it open, "
            "and its − reading is wrong."
        ),
        source=Source(paper="incidental", section="App. C.2"),
        printed=_form(
            text=r"\sigma^{2} (1 - 4\eta(1 - 4\eta)\sigma^{2} \pm 4\eta^{2} (\mu_{4} + (m - 1)\sigma^{4}))",
            expr=th.PRINTED_XI_PRIME_PART_MINUS, syms=(eta, m, sigma, mu4), inputs=_step_moments,
        ),
        derived=_form(text=r"\sigma^2(1 - 4\eta(1-4\eta)\sigma^2 + 4\eta^2(\mu_4 + (m-1)\sigma^4))", expr=th.XI_PRIME_PART,
                     syms=(eta, m, sigma, mu4), inputs=_step_moments),
        domain=Domain(assumptions=("||W_i||_2 = 1", "no interference at step t", "bounded noise, max|xi| sqrt(m) <= 0.9",
                                   "xi' independent of xi")),
        rule=AllOf((
            SymbolicRule(derivation=_xi_prime_derivation),
            MonteCarloMean(cap=_MC_CAP, strategy=_xi_prime_point(), simulate=_sim_xi_prime, trials=_STEP_MC_TRIALS,
                           examples=Budget(3, 20), pinned=({"n": 2, "m": 2, "i": 0, "law": "bipolar", "scale": 0.6364,
                                                            "eta": 2.0, "seed": 7},)),
        )),
        formulas=("noise.xi_prime_part",),
        notes=(
            "The printed ± is checked through its − reading (expr and numeric of the printed form); its + reading is the "
            "derived form, so a ± that merely hedges would still state a value the derivation excludes. "
            "The per-trial statistic is (||W'||²−1+W'·ξ')² − (||W'||²−1)² from a real SGD step, averaged over 16 fresh ξ′, "
            "so it also checks that the cross term vanishes. Large η (1 to 3) makes the η² term visible: the expression is exact in η."
        ),
    )
)

# ============================================================ the η-order rule


def _sim_expansion(square: bool):
    def simulate(params, e, *, rng, trials, device):
        p = dict(params, eta=e)
        xi = _sampler(p["law"], p["scale"])(rng, (trials, p["m"]))
        res = _step(p, xi, device)
        W = res.W[p["i"]]
        val = np.sum(res.W_next[:, p["i"], :] ** 2, axis=1) - 1.0
        return {"value": val**2 if square else val, "a": xi @ W, "s": np.sum(xi**2, axis=1)}

    return simulate


def _expansion_point(m_max: int = 6):
    return _step_point(0.1, 0.1, m_max=m_max)  # eta is set by the rule's grid


_EXP_TRIALS = Budget(quick=2000, full=20000)

register(
    Claim(
        id="noise.norm_sq_first_order",
        title="||W_i'||² − 1 = −4η(2a + a²) + O(η²) (printed with a stray η)",
        statement=(
            "To first order in η, ||W_i'||² − 1 = −4η(2(W_i·ξ) + (W_i·ξ)²). The printed −4η(2(W_i·ξ) + η(W_i·ξ)²) drops "
            "the −4η(W_i·ξ)² term of order η: its error shrinks only like η, not η². The next printed line "
            "(16η²E[4a² + 4a³ + a⁴]) squares the correct expression, so the inner η is a typo."
        ),
        source=Source(paper="incidental", section="App. C.2"),
        printed=_form(
            text=r"\|W_i^{(t+1)}\|^2 - 1 = -4\eta (2(W_i \cdot \xi) + \eta (W_i \cdot \xi)^2) \pm O(\eta^2)",
            expr=th.PRINTED_NORM_SQ_FIRST_ORDER, syms=(_A, eta), cast=None,
        ),
        derived=_form(text=r"-4\eta(2(W_i\cdot\xi) + (W_i\cdot\xi)^2) + O(\eta^2)", expr=th.NORM_SQ_FIRST_ORDER,
                     syms=(_A, eta), cast=None),
        domain=Domain(assumptions=("||W_i||_2 = 1", "no interference", "bounded noise, max|xi| sqrt(m) <= 0.9")),
        rule=ExpansionOrder(strategy=_expansion_point(), examples=Budget(2, 10), etas=(1e-4, 3e-4, 1e-3, 3e-3, 1e-2),
                            order=2, exact=th.NORM_SQ_NEXT_UNIT - 1, variable=eta, simulate=_sim_expansion(False), trials=_EXP_TRIALS),
        formulas=("noise.norm_sq_first_order",),
    )
)


register(
    Claim(
        id="noise.xi_only_leading_pathwise",
        title="(||W_i'||²−1)² = 16η²(4a² + 4a³ + a⁴) + O(η³)",
        statement="Inside the expectation of App. C.2's ξ-only part, (||W_i'||²−1)² = 16η²(2a + a²)² + O(η³), a = W_i·ξ.",
        source=Source(paper="incidental", section="App. C.2"),
        printed=_form(
            text=r"\mathbb{E}\left[\left(\left\|W_{i}^{(t+1)}\right\|^{2} - 1\right)^{2}\right] = 16\eta^{2}\mathbb{E}\left[4(W_{i} \cdot \xi)^{2} + 4(W_{i} \cdot \xi)^{3} + (W_{i} \cdot \xi)^{4}\right] \pm O(\eta^{3})",
            expr=th.XI_ONLY_LEADING_PATHWISE, syms=(_A, eta), cast=None,
        ),
        derived=_form(text=r"16\eta^2(2a + a^2)^2 + O(\eta^3)", expr=th.XI_ONLY_LEADING_PATHWISE,
                     syms=(_A, eta), cast=None),
        domain=Domain(assumptions=("||W_i||_2 = 1", "no interference", "bounded noise, max|xi| sqrt(m) <= 0.9")),
        rule=ExpansionOrder(strategy=_expansion_point(), examples=Budget(2, 10), etas=(1e-5, 3e-5, 1e-4, 3e-4, 1e-3),
                            order=3, exact=(th.NORM_SQ_NEXT_UNIT - 1) ** 2, variable=eta, simulate=_sim_expansion(True),
                            trials=_EXP_TRIALS),
        formulas=("noise.xi_only_leading_pathwise",),
        notes="Checked pathwise (for each noise draw), which implies the statement about expectations.",
    )
)

# ---- E[4a^2 + 4a^3 + a^4] = 4 sigma^2 + E[a^4]; the eta^3 term


def _leading_derivation():
    W, X = th.M3_W, th.M3_XI
    a_ = th.dot(W, X)
    unit = {W[2] ** 2: 1 - W[0] ** 2 - W[1] ** 2}
    lhs = th.expect_symmetric(4 * a_**2 + 4 * a_**3 + a_**4, X)
    e4 = th.expect_symmetric(a_**4, X)
    return [("E[4a^2 + 4a^3 + a^4] = 4 sigma^2 + E[a^4] (unit row, m = 3)", sp.expand(lhs - e4).subs(unit), 4 * sigma**2)]


def _lead_form(**p) -> float:
    s2, m4 = _moments(p["law"], p["scale"])
    w = np.asarray(p["w"]) / np.linalg.norm(p["w"])
    return 4 * s2 + th.fourth_moment(w, s2, m4)


def _sim_lead(params, *, rng, trials, device):
    w = np.asarray(params["w"]) / np.linalg.norm(params["w"])
    a_ = ns.power_samples(w, _sampler(params["law"], params["scale"]), trials=trials, rng=rng, power=1)
    return 4 * a_**2 + 4 * a_**3 + a_**4


register(
    Claim(
        id="noise.xi_only_leading",
        title="E[(||W_i'||²−1)²] = 16η²(4σ² + E[(W_i·ξ)⁴]) + O(η³)",
        statement="The η² coefficient of the ξ-only part: E[4a² + 4a³ + a⁴] = 4σ² + E[a⁴] on a unit row (E[a³] = 0).",
        source=Source(paper="incidental", section="App. C.2"),
        printed=Form(text=r"= 16\eta^{2}\left(4\sigma^{2} + \mathbb{E}\left[(W_{i} \cdot \xi)^{4}\right]\right) \pm O(\eta^{3})",
                     expr=th.XI_ONLY_LEADING, numeric=_lead_form),
        derived=Form(text=r"16\eta^2(4\sigma^2 + 3\sigma^4 + \|W_i\|_4^4(\mu_4 - 3\sigma^4))", expr=th.XI_ONLY_LEADING,
                     numeric=_lead_form),
        domain=Domain(assumptions=("||W_i||_2 = 1 (w drawn, then normalised)", "symmetric noise with finite mu_4")),
        rule=AllOf((
            SymbolicRule(derivation=_leading_derivation),
            MonteCarloMean(cap=_MC_CAP, strategy=_law_point(_MC_LAWS + ("bipolar",), 0.2, 1.2), simulate=_sim_lead,
                           trials=_MC_TRIALS, examples=Budget(3, 25)),
        )),
        formulas=("noise.xi_only_leading",),
        notes="Per-trial statistic 4a²+4a³+a⁴ (the η² coefficient divided by 16η²); the prediction uses the closed form of E[a⁴].",
    )
)


def _eta3_derivation():
    steps = []
    for mm in (2, 3):
        W = sp.symbols(f"V_1:{mm + 1}", real=True)
        X = sp.symbols(f"z_1:{mm + 1}", real=True)
        a_, s_ = th.dot(W, X), th.norm_sq(X)
        unit = {W[-1] ** 2: 1 - sum(w**2 for w in W[:-1])}
        # coefficients in η first (polynomials in a, s), then a = W·ξ, s = ||ξ||² in each
        sq = sp.Poly(sp.expand((th.NORM_SQ_NEXT_UNIT - 1) ** 2), eta)
        coeff = {k: sq.coeff_monomial(eta**k).xreplace({_A: a_, _S: s_}) for k in range(3)}
        lhs = th.expect_symmetric(sq.coeff_monomial(eta**3).xreplace({_A: a_, _S: s_}), X)
        rhs = (th.XI_ONLY_ETA3 / eta**3).subs({_E4: th.expect_symmetric(a_**4, X),
                                                th.E4S: th.expect_symmetric(a_**4 * s_, X)})
        steps.append((f"eta^3 coefficient of E[(||W'||^2-1)^2] = -32(12E[a^4] + E[a^4 s]) (m={mm}, unit row)",
                      sp.expand(lhs).subs(unit), sp.expand(rhs).subs(unit)))
        c2 = th.expect_symmetric(coeff[2], X)
        steps.append((f"eta^2 coefficient = 16(4 sigma^2 + E[a^4]) (m={mm}, unit row)", sp.expand(c2).subs(unit),
                      sp.expand((th.XI_ONLY_LEADING / eta**2).subs(_E4, th.expect_symmetric(a_**4, X))).subs(unit)))
        steps.append((f"no eta^0 or eta^1 term (m={mm})", sp.expand(coeff[0]) + sp.expand(coeff[1]), 0))
    return steps


register(
    Claim(
        id="noise.xi_only_orders",
        title="Which terms of the ξ-only part are O(η²) and which O(η³)",
        statement=(
            "E[(||W_i'||²−1)²] = 16η²(4σ² + E[a⁴]) − 32η³(12E[a⁴] + E[a⁴||ξ||²]) + O(η⁴): the constant and η terms vanish, "
            "the η³ term needs the sixth moment of the noise."
        ),
        source=Source(paper="incidental", section="App. C.2"),
        printed=None,
        derived=Form(text=r"16\eta^2(4\sigma^2 + E[a^4]) - 32\eta^3(12E[a^4] + E[a^4\|\xi\|^2])",
                     expr=th.XI_ONLY_LEADING + th.XI_ONLY_ETA3),
        domain=Domain(assumptions=("||W_i||_2 = 1", "symmetric noise with finite sixth moment (mu_6 symbolic)")),
        rule=SymbolicRule(derivation=_eta3_derivation),
        formulas=("noise.xi_only_eta3",),
        notes="Exact symbolic expectation over explicit coordinates (m = 2, 3) with mu_6 left as a symbol.",
    )
)

# ============================================================ E[(W.xi)^4]


def _index_derivation():
    steps = []
    for mm in (2, 3, 5):
        e4, w2_, q4_ = th.fourth_moment_explicit(mm)
        W = sp.symbols(f"V_1:{mm + 1}", real=True)
        ordered = sp.Add(*[W[j] ** 2 * W[k] ** 2 for j in range(mm) for k in range(mm) if j != k])
        steps.append((f"sum over ordered pairs j != j' = ||W||_2^4 - ||W||_4^4 (m={mm})", ordered, w2_**2 - q4_))
        steps.append((f"E[a^4] = mu_4 sum W^4 + 3 sigma^4 sum_(j != j') W_j^2 W_j'^2 (m={mm})", e4,
                       th.FOURTH_MOMENT_INDEX.subs({_W2: w2_, _Q4: q4_})))
    return steps


_MOMENT_SYMS = (_W2, _Q4, sigma, mu4)


def _moment_inputs(law, scale, w, **_) -> tuple[float, float, float, float]:
    """(||w||₂², ||w||₄⁴, σ, μ₄)."""
    s2, m4 = _moments(law, scale)
    w2_, q4_ = _norms(w)
    return w2_, q4_, float(np.sqrt(s2)), m4


def _enum_fourth(law, scale, w, **_) -> float:
    return ns.bipolar_expectation(w, scale, lambda a, s: a**4)


def _sim_fourth(params, *, rng, trials, device):
    return ns.power_samples(params["w"], _sampler(params["law"], params["scale"]), trials=trials, rng=rng, power=4)


_ENUM_POINTS = _law_point(["bipolar"], 0.2, 2.0, m_max=12)

register(
    Claim(
        id="noise.fourth_moment_index_sum",
        title="E[(W_i·ξ)⁴]: the ordered-pair sum has coefficient 3, not 6",
        statement=(
            "E[(Σ_j W_j ξ_j)⁴] = μ₄Σ_j W_j⁴ + 3σ⁴Σ_{j≠j'} W_j²W_{j'}² with the sum over ordered pairs (j, j') — "
            "equivalently 6σ⁴Σ_{j<j'}. The printed 6Σ_{j≠j'} counts each pair twice; the paper's next line "
            "(μ₄−3σ⁴)ΣW⁴ + 3(σ²ΣW²)² agrees with coefficient 3."
        ),
        source=Source(paper="incidental", section="App. C.2"),
        printed=_form(
            text=r"\mathbb{E}[(W_i \cdot \xi)^4] = \sum_j W_{ij}^4 \mu_4 + 6 \sum_{j \neq j'} W_{ij}^2 W_{ij'}^2 \sigma^4",
            expr=th.PRINTED_FOURTH_MOMENT_INDEX, syms=_MOMENT_SYMS, inputs=_moment_inputs,
        ),
        derived=_form(text=r"\sum_j W_{ij}^4 \mu_4 + 3 \sum_{j \neq j'} W_{ij}^2 W_{ij'}^2 \sigma^4",
                     expr=th.FOURTH_MOMENT_INDEX, syms=_MOMENT_SYMS, inputs=_moment_inputs),
        domain=Domain(assumptions=("xi_j i.i.d., symmetric, variance sigma^2, fourth moment mu_4", "m >= 2 (a pair exists)")),
        rule=AllOf((
            SymbolicRule(derivation=_index_derivation),
            DeterministicMatch(strategy=_law_point(["bipolar"], 0.2, 2.0, m_max=12).filter(lambda p: len(p["w"]) >= 2),
                               compute=_enum_fourth, examples=Budget(5, 40), rtol=1e-9, atol=1e-14,
                               tolerance_reason=_ENUM_TOL),
        )),
        formulas=("noise.fourth_moment_index",),
    )
)


def _fourth_derivation():
    steps = _index_derivation()[-1:]
    steps.append(("= sum W^4 (mu_4 - 3 sigma^4) + 3 (sigma^2 sum W^2)^2",
                  th.FOURTH_MOMENT_INDEX, _Q4 * (mu4 - 3 * sigma**4) + 3 * (sigma**2 * _W2) ** 2))
    steps.append(("= 3 sigma^4 ||W||_2^4 + ||W||_4^4 (mu_4 - 3 sigma^4)",
                  _Q4 * (mu4 - 3 * sigma**4) + 3 * (sigma**2 * _W2) ** 2, th.FOURTH_MOMENT))
    return steps


register(
    Claim(
        id="noise.fourth_moment",
        title="E[(W_i·ξ)⁴] = 3σ⁴||W_i||₂⁴ + ||W_i||₄⁴(μ₄ − 3σ⁴)",
        statement="For i.i.d. symmetric noise with variance σ² and fourth moment μ₄, for any row W_i.",
        source=Source(paper="incidental", section="App. C.2"),
        printed=_form(
            text=r"= \sum_j W_{ij}^4 (\mu_4 - 3\sigma^4) + 3 \left(\sigma^2 \sum_j W_{ij}^2\right)^2 = 3\sigma^4 \|W_i\|_2^4 + \|W_i\|_4^4 (\mu_4 - 3\sigma^4)",
            expr=th.FOURTH_MOMENT, syms=_MOMENT_SYMS, inputs=_moment_inputs,
        ),
        derived=_form(text="expansion of (Σ W_j ξ_j)⁴ with ordered-pair counting", expr=th.FOURTH_MOMENT,
                     syms=_MOMENT_SYMS, inputs=_moment_inputs),
        domain=Domain(assumptions=("xi_j i.i.d., symmetric, variance sigma^2, fourth moment mu_4", "any nonzero row W")),
        rule=AllOf((
            SymbolicRule(derivation=_fourth_derivation),
            DeterministicMatch(strategy=_ENUM_POINTS, compute=_enum_fourth, examples=Budget(6, 40), rtol=1e-9, atol=1e-14,
                               tolerance_reason=_ENUM_TOL),
            MonteCarloMean(cap=_MC_CAP, strategy=_law_point(_MC_LAWS, 0.2, 2.0), simulate=_sim_fourth, trials=_MC_TRIALS,
                           examples=Budget(6, 40),
                           pinned=({"law": "laplace", "scale": 1.0, "w": (1.0, 0.0, 0.0)},
                                   {"law": "epanechnikov", "scale": 1.0, "w": (0.5, 0.5, 0.5, 0.5)})),
        )),
        formulas=("noise.fourth_moment",),
        notes="Bipolar: exact enumeration of all 2^m sign patterns; uniform, normal, Laplace and the user law: Monte Carlo.",
    )
)


def _sim_main_term(params, *, rng, trials, device):
    return 16 * params["eta"] ** 2 * _sim_fourth(params, rng=rng, trials=trials, device=device)


def _main_inputs(law, scale, w, eta) -> tuple[float, float, float, float, float]:
    """(||w||₂², ||w||₄⁴, σ, μ₄, η)."""
    return _moment_inputs(law, scale, w) + (eta,)


def _main_range(law, scale, w, eta) -> float:
    """Range of 16η²(w·ξ)⁴: finite for a bounded law, infinite otherwise.

    The rule uses it only when a sample has no spread, which happens only for bipolar noise on a
    one-hot row; a continuous law always has spread, so its infinite range is never used.
    """
    if law not in _BOUNDED:
        return float("inf")
    return 16 * eta**2 * (_bound(law, scale) * float(np.sum(np.abs(w)))) ** 4


@st.composite
def _main_point(draw):
    p = draw(_law_point(("bipolar",) + _MC_LAWS, 0.3, 2.0))
    w = np.asarray(p["w"], dtype=float)
    if np.count_nonzero(w) < 2:  # keep (w·ξ)^4 random for bipolar noise (a one-hot row makes it constant)
        w = np.append(w, 0.5)
    p["w"] = tuple(float(x) for x in w / np.linalg.norm(w))
    p["eta"] = draw(st.sampled_from([0.01, 0.05, 0.1]))
    return p


register(
    Claim(
        id="noise.main_text_term",
        title="§3.2: 16η²E[(W_i·ξ)⁴] — the factor 3σ⁴ is misplaced",
        statement=(
            "16η²E[(W_i·ξ)⁴] = 16η²(3σ⁴||W_i||₂⁴ + ||W_i||₄⁴(μ₄−3σ⁴)). §3.2 prints 3σ⁴·16η²(||W_i||₂⁴ + ||W_i||₄⁴(μ₄−3σ⁴)), "
            "which multiplies the kurtosis term by 3σ⁴ as well (and is not even homogeneous in σ)."
        ),
        source=Source(paper="incidental", section="§3.2"),
        printed=_form(
            text=r"16\eta^2\mathbb{E}\left[(W_i\cdot\xi)^4\right] = 3\sigma^416\eta^2\left(\|W_i\|_2^4 + \|W_i\|_4^4\left(\mu_4 - 3\sigma^4\right)\right)",
            expr=th.PRINTED_MAIN_TEXT_TERM, syms=_MOMENT_SYMS + (eta,), inputs=_main_inputs,
        ),
        derived=_form(text=r"16\eta^2\left(3\sigma^4\|W_i\|_2^4 + \|W_i\|_4^4(\mu_4 - 3\sigma^4)\right)", expr=th.MAIN_TEXT_TERM,
                     syms=_MOMENT_SYMS + (eta,), inputs=_main_inputs),
        domain=Domain(assumptions=("||W_i||_2 = 1", "symmetric noise with finite mu_4")),
        rule=AllOf((
            SymbolicRule(derivation=lambda: [("16 eta^2 times App. C's E[a^4]", 16 * eta**2 * th.FOURTH_MOMENT, th.MAIN_TEXT_TERM)]),
            MonteCarloMean(cap=_MC_CAP, strategy=_main_point(), simulate=_sim_main_term, trials=_MC_TRIALS, examples=Budget(3, 25),
                           pinned=({"law": "bipolar", "scale": 1.0, "w": (0.6, 0.8), "eta": 0.1},),
                           value_range=_main_range),
        )),
        formulas=("noise.main_text_term",),
        notes="Appendix C's own last line is right; the main text misplaces the factor 3σ⁴.",
    )
)


# ============================================================ App. C.2: the η³ term

_MU6_SYMS = (_W2, _Q4, m, sigma, mu4, th.mu6)


@functools.cache
def _mu6(kind: str, scale: float) -> float:
    """μ₆ = E[ξ⁶] computed by sympy.stats from the law."""
    return float(_law(kind, scale).mu6)


def _a4s_inputs(law, scale, w) -> tuple[float, float, int, float, float, float]:
    """(||w||₂², ||w||₄⁴, m, σ, μ₄, μ₆)."""
    s2, m4 = _moments(law, scale)
    w2_, q4_ = _norms(w)
    return w2_, q4_, len(w), float(np.sqrt(s2)), m4, _mu6(law, scale)


# Laplace is left out of the Monte Carlo: a⁴||ξ||² has a heavy tail (it needs about 5 million trials
# for 5%, 130 million for the full suite's 1%); the symbolic steps prove the closed form for any mu_6
_A4S_LAWS = ("uniform", "normal", "epanechnikov")


def _enum_a4s(law, scale, w) -> float:
    return ns.bipolar_expectation(w, scale, lambda a, s: a**4 * s)


def _sim_a4s(params, *, rng, trials, device):
    return ns.a2_norm_samples(params["w"], _sampler(params["law"], params["scale"]), trials=trials, rng=rng, power=4)


register(
    Claim(
        id="noise.a4_norm_xi",
        title="E[(W_i·ξ)⁴||ξ||²] = mσ²E[a⁴] + (μ₆−σ²μ₄)||W_i||₄⁴ + 6σ²(μ₄−σ⁴)(||W_i||₂⁴−||W_i||₄⁴)",
        statement=(
            "The sixth-moment expectation that App. C.2's η³ term needs (the paper leaves it inside ± O(η³)): for i.i.d. "
            "symmetric noise with finite μ₆ and any row W, E[a⁴||ξ||²] = mσ²E[a⁴] + (μ₆ − σ²μ₄)||W||₄⁴ + "
            "6σ²(μ₄ − σ⁴)(||W||₂⁴ − ||W||₄⁴); for bipolar noise ||ξ||² = mσ² surely and it is mσ²E[a⁴]."
        ),
        source=Source(paper="incidental", section="App. C.2"),
        printed=None,
        derived=_form(text=r"m\sigma^2\mathbb{E}[a^4] + (\mu_6-\sigma^2\mu_4)\|W_i\|_4^4 + 6\sigma^2(\mu_4-\sigma^4)"
                      r"(\|W_i\|_2^4-\|W_i\|_4^4)", expr=th.A4_NORM_XI, syms=_MU6_SYMS, inputs=_a4s_inputs),
        domain=Domain(assumptions=("xi_j i.i.d., symmetric, finite sixth moment mu_6", "any nonzero row W")),
        rule=AllOf((
            SymbolicRule(derivation=th._a4_norm_xi_derivation),
            DeterministicMatch(strategy=_ENUM_POINTS, compute=_enum_a4s, examples=Budget(5, 40), rtol=1e-9, atol=1e-14,
                               tolerance_reason=_ENUM_TOL),
            MonteCarloMean(cap=_MC_CAP, strategy=_law_point(_A4S_LAWS, 0.2, 1.5, m_max=6), simulate=_sim_a4s,
                           trials=_MC_TRIALS, examples=Budget(4, 30),
                           pinned=({"law": "epanechnikov", "scale": 1.0, "w": (0.5, 0.5, 0.5, 0.5)},)),
        )),
        formulas=("noise.a4_norm_xi",),
        notes=("μ₆ is computed from each law by sympy.stats (bipolar σ⁶, uniform 27σ⁶/7, normal 15σ⁶, Laplace 90σ⁶, "
               "the user law c⁶/21). Bipolar: exact enumeration of all 2^m sign patterns; uniform, normal and the user law: "
               "Monte Carlo (Laplace's a⁴||ξ||² is too heavy-tailed for the suite's budget)."),
    )
)


_ETA3_GRID = tuple(1e-2 / 2**k for k in range(7))  # 1e-2 down to 1.5625e-4, ratio 1/2


@st.composite
def _eta3_point(draw):
    """A real-step configuration under bipolar noise with σ√m <= 0.9 (ReLU states fixed for every pattern)."""
    mm = draw(st.integers(2, 8))
    nn = draw(st.integers(1, 4))
    top = 0.9 / np.sqrt(mm)
    return {"n": nn, "m": mm, "i": draw(st.integers(0, nn - 1)), "law": "bipolar",
            "scale": float(round(top * draw(st.sampled_from([0.25, 0.5, 0.75, 1.0])), 4)),
            "seed": draw(st.integers(0, 2**31 - 1))}


def _exact_xi_only(*, eta, **p) -> float:
    """E[(||W_i'||² − 1)²] after one real SGD step at η, exact: the average over all 2^m bipolar patterns."""
    i = p["i"]
    return ns.bipolar_step_expectation(_weights(p), i, p["scale"], eta,
                                       lambda r: (np.sum(r.W_next[:, i, :] ** 2, axis=1) - 1.0) ** 2)


def _eta3_inputs(law, scale, n, m, i, seed, eta) -> tuple[float, int, float, float, float]:
    """(||W_i||₄⁴, m, σ, μ₄, μ₆) of the point's row and law (the coefficient does not depend on η)."""
    s2, m4 = _moments(law, scale)
    q4_ = float(np.sum(_weights({"n": n, "m": m, "i": i, "seed": seed})[i] ** 4))
    return q4_, m, float(np.sqrt(s2)), m4, _mu6(law, scale)


def _eta2_inputs(law, scale, n, m, i, seed, eta) -> tuple[float, float, float, float]:
    """(η, σ, E[a⁴], ...) for the η² truncation 16η²(4σ² + E[a⁴]), E[a⁴] by its closed form on the point's row."""
    s2, m4 = _moments(law, scale)
    w = _weights({"n": n, "m": m, "i": i, "seed": seed})[i]
    return eta, float(np.sqrt(s2)), th.fourth_moment(w, s2, m4)


_ETA2 = _form(text="", expr=th.XI_ONLY_LEADING, syms=(eta, sigma, _E4), inputs=_eta2_inputs)
_ETA3_ROUNDING = (
    "|δ(||W'||² − 1)| <= 4(m+2)ε (||W'||² <= 2 from two float64 sums of m squares, the row's own ||W||² − 1 "
    "included) and |||W'||² − 1| <= 11η (|W·ξ| <= σ√m <= 0.9, η <= 0.01), so the average of the squares is off by at "
    "most 2·11η·4(m+2)ε plus its own relative rounding mε: 100(m+2)εη bounds both"
)

register(
    Claim(
        id="noise.eta3_remainder",
        title="The O(η³) remainder of E[(||W_i'||²−1)²]: coefficient −32σ⁴(12 + mσ²)(3 − 2||W_i||₄⁴) for bipolar noise",
        statement=(
            "App. C.2 writes E[(||W_i'||²−1)²] = 16η²(4σ² + E[a⁴]) ± O(η³). The remainder after the η² term is exactly "
            "c₃η³ + c₄η⁴ (the update is linear in η) with c₃ = −32(12E[a⁴] + E[a⁴||ξ||²]) = −32((12 + mσ²)E[a⁴] + "
            "(μ₆ − σ²μ₄)||W_i||₄⁴ + 6σ²(μ₄ − σ⁴)(1 − ||W_i||₄⁴)) on a unit row; for bipolar noise ±σ, "
            "c₃ = −32σ⁴(12 + mσ²)(3 − 2||W_i||₄⁴). Checked against the exact expectation of one real SGD step at finite η."
        ),
        source=Source(paper="incidental", section="App. C.2"),
        printed=Form(
            text=r"\mathbb{E}\left[\left(\left\|W_{i}^{(t+1)}\right\|^{2} - 1\right)^{2}\right] = 16\eta^{2}\left(4\sigma^{2} + "
            r"\mathbb{E}\left[(W_{i} \cdot \xi)^{4}\right]\right) \pm O(\eta^{3})",
            expr=th.XI_ONLY_LEADING, numeric=_ETA2.numeric,
        ),
        derived=_form(
            text=r"-32\left(12\,\mathbb{E}[a^4] + \mathbb{E}[a^4\|\xi\|^2]\right) = -32\sigma^4(12 + m\sigma^2)(3 - 2\|W_i\|_4^4)"
            r"\ \text{(bipolar)}",
            expr=th.XI_ONLY_ETA3_COEFFICIENT, syms=(_Q4, m, sigma, mu4, th.mu6), inputs=_eta3_inputs,
        ),
        domain=Domain(assumptions=("||W_i||_2 = 1", "no interference",
                                   "bipolar noise with sigma sqrt(m) <= 0.9 (ReLU states fixed for every pattern)",
                                   "eta in [1.6e-4, 1e-2]")),
        rule=AllOf((
            SymbolicRule(derivation=th._eta3_coefficient_derivation, judge_printed=False),
            RemainderCoefficient(
                strategy=_eta3_point(), examples=Budget(4, 24), etas=_ETA3_GRID, order=3,
                compute=_exact_xi_only, lower=_ETA2.numeric,
                rounding=lambda *, eta, m, **_: 100 * (m + 2) * float(np.finfo(float).eps) * eta,
                rounding_reason=_ETA3_ROUNDING,
                description="E[(||W_i'||²−1)²] of one real SGD step (torch autograd), averaged over all 2^m bipolar patterns",
            ),
        )),
        formulas=("noise.xi_only_eta3", "noise.xi_only_eta3_coefficient", "noise.xi_only_eta3_bipolar", "noise.a4_norm_xi"),
        notes=(
            "The printed statement (the remainder after the η² term is O(η³)) is judged by the local log–log slope of "
            "|exact − 16η²(4σ² + E[a⁴])| at the smallest η; the derived coefficient by (exact − η² term)/η³ at the smallest η. "
            "The η² term subtracted is the one noise.xi_only_leading verifies. For bipolar noise the direction-dependent "
            "part of the η² and η³ terms together is −32η²σ⁴||W_i||₄⁴(1 − 2η(12 + mσ²)): the third-order term weakens the "
            "push toward sparsity by the factor 1 − 2η(12 + mσ²) (a derivation step)."
        ),
    )
)



# ============================================================ the drift of the fourth norm (Figs 4, 5; issue 17)


def _direction_q(W: np.ndarray) -> np.ndarray:
    """||W||₄⁴/||W||₂⁴ of the last axis (the direction's fourth norm, scale-invariant)."""
    return np.sum(W**4, axis=-1) / np.sum(W**2, axis=-1) ** 2


def _exact_q_drift(*, eta, **p) -> float:
    """E[q(W_i')] − q(W_i) after one real SGD step at η, exact: the average over all 2^m bipolar patterns."""
    i, W = p["i"], _weights(p)
    return ns.bipolar_step_expectation(W, i, p["scale"], eta, lambda r: _direction_q(r.W_next[:, i, :])) - float(
        _direction_q(W[i]))


def _drift_inputs(law, scale, n, m, i, seed, eta) -> tuple[float, float, int, float, float]:
    """(q, p₆, m, σ, μ₄) of the point's (unit) row and law (the coefficient does not depend on η)."""
    s2, m4 = _moments(law, scale)
    w = _weights({"n": n, "m": m, "i": i, "seed": seed})[i]
    return float(np.sum(w**4)), float(np.sum(w**6)), m, float(np.sqrt(s2)), m4


_DRIFT_ROUNDING = (
    "each pattern's q(W') is a ratio of two float64 sums of m terms, relative error <= (2m + 4)ε with q <= 1; "
    "their average and the subtraction of q(W) add 2ε: 4(m + 2)ε bounds the computed drift's error"
)

register(
    Claim(
        id="noise.fourth_norm_drift",
        title="Per-step drift of the direction's fourth norm: 2η²σ⁴(12 − 4(m+2)q + κ(8q + 24q² − 32‖W_i‖₆⁶)), not a regulariser's O(η³)",
        statement=(
            "For the direction's fourth norm q = ||W_i||₄⁴/||W_i||₂⁴ of a unit row without interference (§3.2 (a), (b)), "
            "one real noisy SGD step changes q on average by E[q(W_i')] − q(W_i) = 2η²σ⁴(12 − 4(m+2)q + κ(8q + 24q² − "
            "32p₆)) + O(η³), κ = μ₄/σ⁴ − 3, p₆ = ||W_i||₆⁶; the η term vanishes (the mean gradient is radial). Printed "
            "reading: §3.2's implicit regulariser 16η²σ⁴κ||W_i||₄⁴ is a loss term the step descends, moving q by "
            "−η∇R·∇q = −256η³σ⁴κ(p₆ − q²): nothing at order η²."
        ),
        source=Source(paper="incidental", section="§3.2, App. C, App. D (Figs 4, 5)"),
        printed=Form(
            text=r"\mathbb{E}[\Delta q] = -\eta\,\nabla R\cdot\nabla q = -256\eta^3\sigma^4\kappa(\|W_i\|_6^6 - q^2):"
            r"\ \text{coefficient of } \eta^2 = 0",
            expr=sp.Integer(0), numeric=lambda **_: 0.0,
        ),
        derived=_form(
            text=r"\mathbb{E}[\Delta q] = 2\eta^2\sigma^4\left(12 - 4(m+2)q + \kappa(8q + 24q^2 - 32\|W_i\|_6^6)\right)"
            r" + O(\eta^3)",
            expr=th.FOURTH_NORM_DRIFT, syms=(_Q4, th.p6, m, sigma, mu4), inputs=_drift_inputs,
        ),
        domain=Domain(assumptions=("||W_i||_2 = 1", "no interference",
                                   "bipolar noise with sigma sqrt(m) <= 0.9 (ReLU states fixed for every pattern)",
                                   "eta in [1.6e-4, 1e-2]")),
        rule=AllOf((
            SymbolicRule(derivation=th._fourth_norm_drift_derivation, judge_printed=False),
            RemainderCoefficient(
                strategy=_eta3_point(), examples=Budget(4, 24), etas=_ETA3_GRID, order=2,
                compute=_exact_q_drift, lower=lambda **_: 0.0,
                rounding=lambda *, eta, m, **_: 4 * (m + 2) * float(np.finfo(float).eps),
                rounding_reason=_DRIFT_ROUNDING, judge={"printed": "coefficient", "derived": "coefficient"},
                description="E[q(W_i')] − q(W_i) of one real SGD step (torch autograd), averaged over all 2^m bipolar patterns",
            ),
        )),
        formulas=("noise.fourth_norm_drift", "noise.fourth_norm_drift_bipolar", "noise.fourth_norm_drift_sphere_mean",
                  "noise.fourth_norm_relaxation_rate", "noise.fourth_norm_stationary", "noise.regulariser_step_drift"),
        notes=(
            "The drift is an Itô-type term of the noisy step, not the gradient of the loss's q-term: its κ-free part "
            "12 − 4(m+2)q pulls q to the uniform value 3/(m+2) (isotropic diffusion), and over uniformly random "
            "directions the whole drift averages to 48η²σ⁴κ m(m−1)/((m+2)(m+4)(m+6)), negative for bipolar noise. "
            "Closing E[8q + 24q² − 32p₆] at its uniform value, E q relaxes at 8(m+2)η²σ⁴ per step to "
            "3/(m+2) + 6κm(m−1)/((m+2)²(m+4)(m+6)) (below 3/(m+2) for κ < 0): under §3.2's own assumptions, bipolar noise "
            "desparsifies a row (training.single_row_drift checks it on trained single rows; training.fig4_drift_rate "
            "shows Fig 4's rise is not this mechanism). The printed regulariser's gradient step is O(η³), so the "
            "printed reading's η² coefficient is 0."
        ),
    )
)


def _regulariser_derivation():
    return [
        ("16 eta^2 E[a^4] minus its rotationally symmetric part 48 eta^2 sigma^4 ||W||_2^4",
         th.MAIN_TEXT_TERM - 48 * eta**2 * sigma**4 * _W2**2, th.IMPLICIT_REGULARISER),
        ("W_ij = ±1/sqrt(m) for all j: ||W||_4^4 = m (1/sqrt(m))^4 = 1/m", m * (1 / sp.sqrt(m)) ** 4, 1 / m),
        ("one-hot W_i: ||W||_4^4 = 1", sp.Integer(1) ** 4, 1),
        ("on the sphere, 1/m <= ||W||_4^4 <= 1 (m=3: q4 - 1/3 is a sum of squares)",
         sp.expand(sum(w**4 for w in th.M3_W) - sp.Rational(1, 3) * th.norm_sq(th.M3_W) ** 2),
         sp.expand(sp.Rational(1, 3) * ((th.M3_W[0]**2 - th.M3_W[1]**2)**2 + (th.M3_W[1]**2 - th.M3_W[2]**2)**2
                                        + (th.M3_W[0]**2 - th.M3_W[2]**2)**2))),
    ]


register(
    Claim(
        id="noise.implicit_regulariser",
        title="Implicit regulariser 16η²σ⁴||W_i||₄⁴(μ₄/σ⁴ − 3)",
        statement=(
            "Removing the rotationally symmetric part 48η²σ⁴||W_i||₂⁴ of 16η²E[a⁴] leaves 16η²σ⁴||W_i||₄⁴(μ₄/σ⁴−3); "
            "on the unit sphere ||W_i||₄⁴ ranges from 1/m (all |W_ij| = 1/√m) to 1 (one-hot)."
        ),
        source=Source(paper="incidental", section="§3.2"),
        printed=Form(text=r"16\eta^2\sigma^4\|W_i\|_4^4\left(\frac{\mu_4}{\sigma^4}-3\right)", expr=th.IMPLICIT_REGULARISER),
        derived=Form(text="16η²E[a⁴] − 48η²σ⁴||W_i||₂⁴", expr=th.IMPLICIT_REGULARISER),
        domain=Domain(assumptions=("||W_i||_2 = 1", "symmetric noise with finite mu_4")),
        rule=SymbolicRule(derivation=_regulariser_derivation),
        formulas=("noise.implicit_regulariser",),
        notes="Its sign, and so the direction of the push, is checked by noise.sparsity_sign.",
    )
)

# ============================================================ kurtosis and the sign


def _kurtosis_derivation():
    steps = []
    for name, ctor in nl.BUILTIN_LAWS.items():
        law = ctor(sigma)
        steps.append((f"{name}: sigma^2 = E[X^2] computed by sympy.stats", law.sigma2, sigma**2))
    return steps


_PRINTED_KURTOSIS = {"bipolar": -2, "normal": 0}
def _derived_kurtosis() -> dict[str, sp.Expr]:
    """Each built-in law's excess kurtosis from ``sympy.stats`` (computed when the claim runs: about
    a second of integration, not paid by importing the suite)."""
    return {name: nl.BUILTIN_LAWS[name](sigma).excess_kurtosis for name in nl.BUILTIN_LAWS}


def _kurtosis_steps():
    _DERIVED_KURTOSIS = _derived_kurtosis()
    steps = _kurtosis_derivation()
    for name, value in _PRINTED_KURTOSIS.items():
        steps.append((f"{name}: excess kurtosis mu_4/sigma^4 - 3 = {value} (printed)", _DERIVED_KURTOSIS[name], value))
    steps.append(("uniform: -6/5 (< 0: 'any interval' centred at 0)", _DERIVED_KURTOSIS["uniform"], sp.Rational(-6, 5)))
    steps.append(("Laplace: 3", _DERIVED_KURTOSIS["laplace"], 3))
    steps.append(("user (Epanechnikov) law: -6/7", excess_kurtosis_user(), sp.Rational(-6, 7)))
    return steps


def excess_kurtosis_user() -> sp.Expr:
    return user_law(1.0).excess_kurtosis


register(
    Claim(
        id="noise.kurtosis_values",
        title="Excess kurtosis: bipolar −2, normal 0 (uniform −6/5, Laplace 3)",
        statement="Computed from the laws by sympy.stats: bipolar ±σ has μ₄/σ⁴ − 3 = −2, N(0, σ²) has 0.",
        source=Source(paper="incidental", section="§3.2"),
        printed=Form(text=r"\text{bipolar: } -2,\quad \mathcal N(0,\sigma^2): 0\quad(\tfrac{\mu_4}{\sigma^4}-3)",
                     expr=th.EXCESS_KURTOSIS),
        derived=Form(text="E[X^4]/E[X^2]^2 − 3 from sympy.stats densities", expr=th.EXCESS_KURTOSIS),
        domain=Domain(assumptions=("symmetric laws with finite fourth moment",)),
        rule=SymbolicRule(derivation=_kurtosis_steps),
        formulas=("noise.excess_kurtosis",),
    )
)


def _drift(case, *, rng, mode, device):
    """Per run the change of ||w||_4^4 under projected descent on E[(w·ξ)^4] (the implicit regulariser alone)."""
    q0, q1 = ns.projected_descent_fourth_moment(
        _SIGN_M, _sampler(case["law"], case["scale"]), starts=_SIGN_STARTS(mode), steps=_SIGN_STEPS, lr=_SIGN_LR,
        batch=_SIGN_BATCH, rng=rng, device=device)
    return q1 - q0


def _kurtosis(law, scale) -> float:
    return float(_law(law, scale).excess_kurtosis)


_SIGN_M, _SIGN_STARTS, _SIGN_STEPS, _SIGN_LR, _SIGN_BATCH = 4, Budget(200, 1024), 20, 0.05, 2048


def _sign_laws(mode: Mode):
    quick = [{"law": "bipolar", "scale": 1.0}, {"law": "normal", "scale": 1.0}, {"law": "laplace", "scale": 1.0}]
    full = quick + [{"law": "uniform", "scale": 1.0}, {"law": "epanechnikov", "scale": float(np.sqrt(5.0))}]
    return quick if mode == "quick" else full


def _predicted_direction(law, scale) -> int:
    """−sign(κ): minimising κσ⁴||w||₄⁴ raises ||w||₄⁴ when κ < 0 (theory.noise_laws computes κ)."""
    k = _law(law, scale).excess_kurtosis
    return 0 if k == 0 else (1 if k < 0 else -1)


register(
    Claim(
        id="noise.sparsity_sign",
        title="Noise pushes toward sparsity exactly when its excess kurtosis is negative",
        statement=(
            "Descending E[(w·ξ)⁴] on the unit sphere (the implicit regulariser alone) raises ||w||₄⁴ (sparser) when "
            "μ₄/σ⁴ − 3 < 0 (bipolar, uniform, the user law), leaves it unchanged on average for normal noise, and lowers "
            "it when the excess kurtosis is positive (Laplace)."
        ),
        source=Source(paper="incidental", section="§3.1, §3.2"),
        printed=Form(text=r"\text{negative excess kurtosis} \Rightarrow \text{push towards sparsity; normal noise: no push}",
                     expr=th.EXCESS_KURTOSIS, numeric=_predicted_direction),
        derived=Form(text=r"\operatorname{sign}\Delta\|w\|_4^4 = -\operatorname{sign}(\mu_4/\sigma^4 - 3)",
                     expr=th.EXCESS_KURTOSIS, numeric=_predicted_direction),
        domain=Domain(assumptions=("unit-norm w, uniform random start", "sigma = 1", "m = 4")),
        rule=SignedEffect(
            cases=_sign_laws, measure=_drift, covariate=("kurtosis", _kurtosis), quantity="||w||_4^4",
            description=(f"projected descent on a sample estimate of E[(w·ξ)^4] (m={_SIGN_M}, {_SIGN_STEPS} steps, lr {_SIGN_LR}, "
                         f"{_SIGN_BATCH} noise draws per run)"),
            xlabel="excess kurtosis μ₄/σ⁴ − 3", ylabel="mean change of ||w||₄⁴",
        ),
        formulas=("noise.excess_kurtosis",),
        notes=(
            "Each run descends the average of (w·ξ)⁴ over its own fixed sample of 2048 noise vectors; with fresh noise "
            "per step or small samples the heavy tails of Laplace noise bias the drift toward the axes (a step-size "
            "effect, not the regulariser). For normal noise the objective is rotation invariant in law, so from a "
            "uniform start the mean change is exactly 0."
        ),
    )
)

# ============================================================ the 3/m reference


def _sim_unit(params, *, rng, trials, device):
    return ns.unit_vector_fourth_norms(params["m"], trials=trials, rng=rng)


register(
    Claim(
        id="noise.unit_fourth_norm",
        title="Mean fourth power norm of a random unit vector: exactly 3/(m+2)",
        statement="For u uniform on the unit sphere of R^m, E||u||₄⁴ = m E[u₁⁴] = 3/(m+2) (Gaussian normalisation).",
        source=Source(paper="incidental", section="Figs 4, 5 (captions)"),
        printed=None,
        derived=_form(text=r"\frac{3}{m+2}", expr=th.UNIT_FOURTH_NORM, syms=(m,)),
        domain=Domain(assumptions=("m >= 1", "u uniform on the unit sphere")),
        rule=AllOf((
            SymbolicRule(derivation=th._unit_fourth_norm_derivation),
            MonteCarloMean(cap=_MC_CAP, strategy=st.fixed_dictionaries({"m": st.integers(1, 512)}), simulate=_sim_unit,
                           trials=Budget(20000, 60000), examples=Budget(4, 30), pinned=({"m": 1}, {"m": 2}, {"m": 64}),
                           value_range=lambda m: 1.0),
        )),
        formulas=("noise.unit_fourth_norm",),
    )
)


register(
    Claim(
        id="noise.unit_fourth_norm_limit",
        title="The reference line 3/m is asymptotic to the fourth norm of a random unit vector",
        statement="3/m ~ E||u||₄⁴ = 3/(m+2) as m → ∞ (the captions of Figs 4 and 5 say 'for large m').",
        source=Source(paper="incidental", section="Figs 4, 5 (captions)"),
        printed=Form(text=r"3/m \text{ (for large } m\text{ asymptotic to the fourth norm of a random unit vector)}",
                     expr=3 / m),
        derived=Form(text=r"\frac{3}{m+2}", expr=th.UNIT_FOURTH_NORM),
        domain=Domain(assumptions=("m -> infinity",)),
        rule=SymbolicRule(derivation=th._unit_fourth_norm_derivation, relation="asymptotic", limits=((m, sp.oo),)),
        formulas=("noise.unit_fourth_norm",),
        notes="At m = 8 (Figs 4, 5) 3/m = 0.375 while the exact mean is 0.3; the line is a large-m reference only. "
        "The derived 3/(m+2) is proved here and checked by Monte Carlo in noise.unit_fourth_norm.",
    )
)
