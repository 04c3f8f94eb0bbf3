r"""Claims checked by training the tied autoencoder (paper 1, §2.3, §2.4, §2.5, §3, Appendix D).

Simulation: :func:`numerics.autoencoder.train` (many seeds as one batch). Seeds of a claim are
``base + 0 .. S-1`` with ``base`` derived from the run seed, so runs are reproducible.

Intervals over seeds: per-seed statistics (a count, a mean over rows) are i.i.d. across seeds.
With ``S >= 200`` seeds the rules use :func:`verify.stats.mean_interval` (CLT); the full-size
Fig-3 claim, with the paper's 16 seeds, uses the Student-t interval (exact for normal data;
a count summed over ``m`` weakly dependent neurons is close to normal) — :func:`_t_interval`.

Claims:

* ``training.gd_time_map`` — §2.3: GD with step ``η`` follows the printed gradient flow with
  ``t = ηk``; equivalently the reduced flow (4s dropped) with ``T = 4ηk`` and ``λ = lam/4``
  (footnote 5). Checked against ``solve_ivp`` by the convergence order of the error in ``η``.
* ``training.polysemantic_count`` — §2.5 / Fig 3 at small sizes: trained count vs the exact
  collision expectation and ``n²/(4m)``, per width.
* ``training.one_dominant_coordinate`` — §2.4: under l1 every row ends with one nonzero.
* ``training.initial_argmax_wins`` — §2.5 footnote 6: the initial argmax is the most likely winner.
* ``training.rotation_invariant_fourth_norm`` — §3.1/Fig 4: under Gaussian (or no) noise the
  fourth norm of a row's direction keeps the random-unit-vector value: exactly ``3/(m+2)``;
  the paper's reference line is ``3/m``.
* ``training.noise_sparsity_trend`` — §3.2/App. D: bipolar noise raises ``‖W_i‖₄⁴`` the more
  the larger σ; Gaussian noise does not.
* ``training.noise_kurtosis_sign`` (full) — the sign of the effect is minus the sign of the
  excess kurtosis (bipolar, uniform up; Laplace down).
* ``training.single_row_drift`` — §3.2's mechanism where its assumptions hold (one row, no
  interference): the derived drift of the direction's fourth norm integrated in time predicts the
  trained trajectory under bipolar noise (down, to 3/(m+2) + 6κm(m−1)/((m+2)²(m+4)(m+6))) and
  normal noise (to 3/(m+2)).
* ``training.fig4_drift_rate`` — Fig 4 quantitatively: the same integrated drift against the Fig 4
  runs (n = 8, m = 16, σ ∈ {0.07, 0.1, 0.15}); the trained rise is far above it.
* ``training.noise_trend_turning`` — App. D's large-σ reversal: the η³-weakened push peaks at
  σ*² = (1 − 24η)/(3ηm), far above 0.15; against the Fig 4 runs at the suite's horizon.
* ``training.fig3_polysemantic`` (full) — Fig 3 at the paper's size (n = 256, m = 256..4096, 16
  seeds per width), on the runs of :mod:`polyverify.experiments` (shared with ``assignment.*_fig3``).
* ``training.fig3_published_setup`` (full) — Fig 3 trained as the published code does (AdamW) at
  m = 256, 512, 1024: its counts against n²/(4m), and paired with gradient flow on the same seeds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import sympy as sp
from hypothesis import strategies as st
from polyverify.numerics import metrics as M
from polyverify.numerics.autoencoder import TrainResult, initial_weights
from polyverify.theory.assignment import (
    TRAINED_POLYSEMANTIC,
    expected_polysemantic_trained,
)
from polyverify.theory.collisions import expected_polysemantic
from polyverify.theory.symbols import m as m_sym
from scipy.integrate import solve_ivp

from ..claim import Budget, Claim, Context, Domain, Form, Source
from ..experiments import (
    F5_LAMS_DOWN,
    F5_LAMS_UP,
    F45_LR,
    F45_SALT,
    F45_SEEDS,
    F45_SIGMAS,
    F45_STEPS,
    FIG3_N,
    FIG3_SEEDS,
    FIG3_WIDTHS,
    f45_runs,
    fig3_runs,
    l1_runs,
    noise_runs,
)
from ..experiments import L1_LAM as _L1_LAM
from ..registry import register
from ..rules import (
    AllOf,
    HorizonTrend,
    MonteCarloMean,
    SymbolicRule,
    TrajectoryPrediction,
)
from ..rules._effects import Effect
from ..rules.trained import (
    _ODE_RTOL,
    _SIGNIFICANT,
    _SPARSE_Q,
    _STUCK_Q,
    EulerOrder,
    Fig4Trajectories,
    Fig5FinalFourthNorm,
    Fig7StuckRows,
    KurtosisSign,
    NoiseTrend,
    PerWidthMean,
    PublishedSetup,
    RowFraction,
    WinnerRank,
    _direction_fourth,
    _gd_config,
    _noise_runs,
    _window_count,
)

__all__ = [
    "printed_flow_rhs",
    "reduced_flow_rhs",
    "ode_weights",
]

_SRC23 = Source(paper="incidental", section="§2.3", equation="training dynamics; footnote 5")


# ------------------------------------------------------------------------------------------
# 1. GD steps <-> gradient-flow time


def printed_flow_rhs(W: np.ndarray, lam: float) -> np.ndarray:
    r"""§2.3 as printed: :math:`\dot W_i = 4(1-\|W_i\|^2)W_i - 4\sum_{j\ne i}\mathrm{ReLU}(W_i\cdot W_j)W_j - \lambda\,\mathrm{sign}(W_i)`."""
    G = W @ W.T
    norms = np.diag(G)
    R = np.maximum(G, 0.0)
    np.fill_diagonal(R, 0.0)
    return 4 * (1 - norms)[:, None] * W - 4 * R @ W - lam * np.sign(W)


def reduced_flow_rhs(W: np.ndarray, lam: float) -> np.ndarray:
    r"""§2.3 with the factors 4 dropped: :math:`\mathrm dW_i/\mathrm dT = (1-\|W_i\|^2)W_i - \sum_{j\ne i}\mathrm{ReLU}(W_i\cdot W_j)W_j - \lambda\,\mathrm{sign}(W_i)`."""
    G = W @ W.T
    norms = np.diag(G)
    R = np.maximum(G, 0.0)
    np.fill_diagonal(R, 0.0)
    return (1 - norms)[:, None] * W - R @ W - lam * np.sign(W)


_ODE_ATOL = 1e-13


def ode_weights(rhs: Callable[[np.ndarray, float], np.ndarray], W0: np.ndarray, lam: float, time: float) -> np.ndarray:
    """``W(time)`` of ``dW/dτ = rhs(W, lam)`` by DOP853 at rtol 1e-11 (error far below GD's O(η))."""
    shape = W0.shape
    sol = solve_ivp(
        lambda _t, y: rhs(y.reshape(shape), lam).ravel(),
        (0.0, time),
        W0.ravel(),
        method="DOP853",
        rtol=_ODE_RTOL,
        atol=_ODE_ATOL,
    )
    if not sol.success:
        raise RuntimeError(f"solve_ivp failed: {sol.message}")
    return sol.y[:, -1].reshape(shape)


def _printed_prediction(n, m, lam, seed, lr, steps):
    """Printed reading: the §2.3 flow with its 4s, at ``t = lr * steps``, with ``λ = lam``."""
    W0 = initial_weights(_gd_config(n, m, lam, seed, lr, steps))[0]
    return ode_weights(printed_flow_rhs, W0, lam, lr * steps)


def _derived_prediction(n, m, lam, seed, lr, steps):
    """Derived mapping: the reduced flow at ``T = 4 lr steps`` with ``λ = lam / 4``."""
    W0 = initial_weights(_gd_config(n, m, lam, seed, lr, steps))[0]
    return ode_weights(reduced_flow_rhs, W0, lam / 4, 4 * lr * steps)


def naive_prediction(n, m, lam, seed, lr, steps):
    """A wrong mapping (for the power check): the reduced flow at ``T = lr steps`` with ``λ = lam``."""
    W0 = initial_weights(_gd_config(n, m, lam, seed, lr, steps))[0]
    return ode_weights(reduced_flow_rhs, W0, lam, lr * steps)


@st.composite
def _small_problem(draw) -> dict[str, Any]:
    n_ = draw(st.integers(2, 6))
    m_ = draw(st.integers(n_, 2 * n_))
    lam_ = draw(st.one_of(st.just(0.0), st.floats(0.01, 0.5)))
    seed_ = draw(st.integers(0, 10_000))
    return {"n": n_, "m": m_, "lam": lam_, "seed": seed_}


register(
    Claim(
        id="training.gd_time_map",
        title="GD steps and gradient-flow time: t = ηk, and T = 4ηk, λ = lam/4 once the 4s are dropped",
        statement=(
            "Plain gradient descent on the loss of §2.3 with learning rate η follows the printed flow "
            "dW_i/dt = 4(1-|W_i|²)W_i - 4Σ ReLU(W_i·W_j)W_j - λ sign(W_i) with t = η × steps. The paper then drops "
            "the 4s (footnote 5): the reduced flow with the same λ is reached at time T = 4ηk and with λ_paper = lam/4."
        ),
        source=_SRC23,
        printed=Form(
            text=(r"\frac{dW_i}{dt} = 4(1-\|W_i\|^2)W_i - 4\sum_{j\neq i}\mathrm{ReLU}(W_i\cdot W_j)W_j - \lambda\,"
                  r"\mathrm{sign}(W_i),\quad t = \eta k"),
            numeric=_printed_prediction,
        ),
        derived=Form(
            text=(r"\frac{dW_i}{dT} = (1-\|W_i\|^2)W_i - \sum_{j\neq i}\mathrm{ReLU}(W_i\cdot W_j)W_j - "
                  r"\frac{\mathrm{lam}}{4}\mathrm{sign}(W_i),\quad T = 4\eta k"),
            numeric=_derived_prediction,
        ),
        domain=Domain(assumptions=("m >= n", "lam >= 0", "a horizon on which no weight crosses zero",
                                   "W_ik ~ N(0, 1/m) i.i.d.")),
        rule=EulerOrder(
            strategy=_small_problem(),
            examples=Budget(quick=2, full=12),
            pinned=({"n": 4, "m": 4, "lam": 0.1, "seed": 7},),
        ),
        notes=(
            "Both forms are the same flow in different units, so both must pass; the check has power: the naive "
            "reading 'reduced flow at T = ηk with λ = lam' leaves an O(1) error (tests/test_autoencoder_claims.py)."
        ),
    )
)


# ------------------------------------------------------------------------------------------
# shared l1 runs (prox GD to convergence), cached within a process


_SMALL_N = 16
_SMALL_WIDTHS = {"quick": (16, 32, 64), "full": (16, 24, 32, 48, 64, 96, 128)}
_SMALL_SEEDS = Budget(quick=200, full=400)


def _rule_columns(n: int, m: int, res: TrainResult) -> dict[str, float]:
    """Diagnostics beside the test: the count under each rule (how the rule changes it) and the
    count the paper's own mechanism gives if each feature stayed on its initial argmax (the exact
    collision expectation at initialisation, :func:`theory.collisions.expected_polysemantic`,
    verified against initialisations in ``collisions.expected_polysemantic``). The rule reports
    whether it lies inside each width's interval; it bears on no verdict."""
    out = {f"mean_{rule}_rule": float(np.mean(res.metrics[f"polysemantic_{rule}"])) for rule in ("window", "argmax", "threshold")}
    out["init_only"] = float(expected_polysemantic(n, m, exact=True))
    return out


_POLY_PRINTED = Form(
    text=r"\binom{n}{2} \times \frac{1}{2m} \sim \frac{n^2}{4m}",
    expr=sp.Symbol("n", positive=True) ** 2 / (4 * m_sym),
    numeric=lambda n, m: expected_polysemantic(n, m, exact=False),
)
_POLY_DERIVED = Form(
    text=r"\frac{n(n-1)}{2(2m-1)}",
    expr=TRAINED_POLYSEMANTIC,
    numeric=lambda n, m: expected_polysemantic_trained(n, m),
)
"""The library's theory of the trained count (:mod:`theory.assignment`, displacement: features end on
distinct (neuron, sign) cells). The paper's mechanism, each feature on its initial argmax, gives the
exact collision expectation m(1 - 2(1-1/(2m))^n + (1-1/m)^n); it is not the trained count (39.6
against 64.4 [57.4, 71.5] at n = m = 256) and is reported beside the test, not as a form."""

register(
    Claim(
        id="training.polysemantic_count",
        title="Trained polysemantic neurons against the collision count (small n, per width)",
        statement=(
            "After training with l1 (prox GD to convergence), the number of polysemantic neurons (published window "
            "rule) is about n²/(4m), the benign collisions of §2.5. Derived: if training moves the loser of every "
            "same-sign collision to a free (neuron, sign) cell, the expectation is n(n-1)/(2(2m-1)) (theory.assignment)."
        ),
        source=Source(paper="incidental", section="§2.5", equation="Benign and malign collisions; Fig 3"),
        printed=_POLY_PRINTED,
        derived=_POLY_DERIVED,
        domain=Domain(assumptions=("m >= n", f"n = {_SMALL_N}", f"lam = {_L1_LAM} (λ_paper = {_L1_LAM / 4})",
                                   "prox GD to convergence", "W_ik ~ N(0, 1/m)")),
        rule=PerWidthMean(
            widths=lambda mode: _SMALL_WIDTHS[mode],
            n=_SMALL_N,
            seeds=_SMALL_SEEDS,
            statistic=_window_count,
            value_range=lambda n, m: n / 2,
            runs=l1_runs,
            salt=1,
            extra=_rule_columns,
        ),
        formulas=("assignment.expected_polysemantic", "collisions.polysemantic_printed"),
        notes=(
            "The paper's mechanism places each feature on its initial argmax neuron independently; its exact count "
            "m(1-2(1-1/(2m))^n+(1-1/m)^n) is the column init_only (with init_only_ok: whether "
            "it lies in the width's interval), a diagnostic that bears on no verdict. Training resolves every malign "
            "(same-sign) collision by moving the loser to another neuron, so final features occupy distinct "
            "(neuron, sign) cells: the derived form. The window "
            "and argmax rules agree on these runs (all rows end 1-sparse at |w| = 1 - lam/8 ≈ 0.99)."
        ),
    )
)


# ------------------------------------------------------------------------------------------
# 3. one dominant coordinate per row


def _one_nonzero(res: TrainResult) -> np.ndarray:
    return (M.nonzeros(res.W, tol=0.0) == 1).ravel()


register(
    Claim(
        id="training.one_dominant_coordinate",
        title="The winning neuron takes it all: each row ends with one nonzero weight",
        statement="Under l1 regularisation every encoding W_i ends with a single nonzero coordinate (m' = 1).",
        source=Source(paper="incidental", section="§2.4", equation="'The winning neuron takes it all'"),
        printed=Form(text=r"m' \to 1 \text{ for every } i \text{ (fraction of rows} = 1)", numeric=lambda: 1.0),
        derived=Form(text=r"P(m'_i = 1) = 1 \text{ at convergence of prox GD (exact zeros)}", numeric=lambda: 1.0),
        domain=Domain(assumptions=("m >= n", f"n = {_SMALL_N}", f"lam = {_L1_LAM}", "prox GD to convergence")),
        rule=RowFraction(widths=lambda mode: _SMALL_WIDTHS[mode], n=_SMALL_N, seeds=_SMALL_SEEDS,
                         indicator=_one_nonzero, salt=1),
        notes="m' counts exact nonzeros (tolerance 0), which the proximal step makes meaningful.",
    )
)


# ------------------------------------------------------------------------------------------
# 4. the initial argmax is the most likely winner


register(
    Claim(
        id="training.initial_argmax_wins",
        title="The largest weight at initialisation is the most likely to win",
        statement=(
            "A feature's final neuron is more often its initial largest-|weight| neuron than any other (in "
            "particular than the second largest); the frequency is reported against m."
        ),
        source=Source(paper="incidental", section="§2.5", equation="footnote 6"),
        printed=Form(text="the largest weight at initialization is still the most likely to win the race"),
        derived=Form(text=r"P(\text{winner} = \text{rank }1) > P(\text{winner} = \text{rank }2)"),
        domain=Domain(assumptions=("m >= n", f"n = {_SMALL_N}", f"lam = {_L1_LAM}", "prox GD to convergence")),
        rule=WinnerRank(widths=lambda mode: _SMALL_WIDTHS[mode], n=_SMALL_N, seeds=_SMALL_SEEDS, salt=1),
        notes="The paper prints no number; the frequency is far from 1 at m close to n (see the rows).",
    )
)


# ------------------------------------------------------------------------------------------
# 5. noise: rotation invariance under Gaussian noise, and the kurtosis effect


def _unit_sphere_derivation() -> list[tuple[str, Any, Any]]:
    """E‖u‖₄⁴ for u uniform on S^{m-1}: with g ~ N(0, I_m), g = r u, r ⟂ u, so
    E[g_1⁴] = E[r⁴] E[u_1⁴]; E[r⁴] = E[(Σ g_k²)²] = 3m + m(m-1) = m(m+2)."""
    mm = m_sym
    Er4 = 3 * mm + mm * (mm - 1)
    Eu4 = sp.Integer(3) / Er4
    return [
        ("E[r^4] = sum of 4th moments + cross terms", Er4, mm * (mm + 2)),
        ("E[sum_k u_k^4] = m * 3 / E[r^4]", mm * Eu4, 3 / (mm + 2)),
    ]


@st.composite
def _noise_point(draw) -> dict[str, Any]:
    n_ = draw(st.integers(2, 8))
    m_ = draw(st.integers(n_, 24))
    s_ = draw(st.sampled_from([0.0, 0.05, 0.1, 0.15]))
    return {"n": n_, "m": m_, "sigma": s_}


def _simulate_gauss(params, *, rng, trials, device):
    base = int(rng.integers(0, 2**31))
    law = "normal" if params["sigma"] > 0 else "none"
    res = _noise_runs(params["n"], params["m"], law, float(params["sigma"]), 400, trials, base)
    return _direction_fourth(res)


register(
    Claim(
        id="training.rotation_invariant_fourth_norm",
        title="Under Gaussian (or no) noise a row's fourth norm stays that of a random unit vector: 3/(m+2)",
        statement=(
            "The loss is invariant under rotations of the hidden space (§3.1) and so is Gaussian noise and the i.i.d. "
            "normal init; hence at every step of GD each row direction W_i/|W_i| is uniform on the sphere and "
            "E[|W_i|_4^4/|W_i|_2^4] = 3/(m+2) exactly. The paper draws the reference line 3/m (Figs 4, 5), "
            "'asymptotic to the fourth norm of a random unit vector'."
        ),
        source=Source(paper="incidental", section="§3.1, Appendix D", equation="Figs 4/5 reference line 3/m"),
        # The paper prints 3/m only as the m -> oo asymptote ("for large m it is asymptotic to"), which
        # holds (noise.unit_fourth_norm_limit); it states nothing exact about trained rows. So this
        # claim has no printed form of its own: it is the library's exact statement about training.
        printed=None,
        derived=Form(text=r"\mathbb{E}\,\|u\|_4^4 = \frac{3}{m+2},\ u \sim \mathrm{Unif}(S^{m-1})", expr=3 / (m_sym + 2),
                     numeric=lambda n, m, sigma: 3 / (m + 2)),
        domain=Domain(assumptions=("m >= n", "noise Gaussian or absent", "plain GD (rotation-equivariant)",
                                   "W_ik ~ N(0, 1/m) i.i.d.")),
        rule=AllOf(
            (
                SymbolicRule(derivation=_unit_sphere_derivation),
                MonteCarloMean(
                    strategy=_noise_point(),
                    simulate=_simulate_gauss,
                    trials=Budget(quick=256, full=1024),
                    examples=Budget(quick=1, full=8),
                    pinned=({"n": 8, "m": 16, "sigma": 0.1},),
                    value_range=lambda n, m, sigma: 1.0,
                ),
            )
        ),
        notes=(
            "3/m is the m -> oo asymptote the paper names, and as such it holds (noise.unit_fourth_norm_limit); "
            "read as the value at the plotted m = 16 it is 12.5% high (3/16 = 0.1875 vs 3/18 = 0.1667). The invariance argument fails for AdamW (coordinate-wise) and for "
            "any non-Gaussian noise, which is what makes bipolar noise special."
        ),
    )
)


register(
    Claim(
        id="training.noise_sparsity_trend",
        title="Bipolar noise pushes encodings towards sparsity, the more the larger σ; Gaussian noise does not",
        statement=(
            "After a fixed number of GD steps with hidden-layer noise (n = 8, m = 16 as in Figs 4/5), the fourth norm "
            "of the row directions grows with σ for bipolar noise (excess kurtosis -2) and does not change with σ "
            "for Gaussian noise (excess kurtosis 0)."
        ),
        source=Source(paper="incidental", section="§3.2, Appendix D", equation="Figs 4, 5b"),
        printed=Form(text=("bipolar noise pushes encodings towards sparsity, and the higher the standard deviation σ is, "
                           "the faster this is; in the presence of normal noise, there is no observable effect on sparsity")),
        derived=Form(text=(r"\mathbb{E}\,q \text{ increases with } \sigma \text{ (bipolar)},\ \mathbb{E}\,q = \tfrac{3}{m+2} "
                           r"\text{ for all } \sigma \text{ (Gaussian)},\ q = \|W_i\|_4^4/\|W_i\|_2^4")),
        domain=Domain(assumptions=("n = 8, m = 16", "plain GD, lr 0.05", "σ in the paper's range (0.05..0.15)",
                                   "noise per input (the paper's text)")),
        rule=NoiseTrend(n=8, m=16, sigmas=(0.05, 0.10, 0.15), steps=Budget(quick=3000, full=20000),
                        seeds=Budget(quick=48, full=128), laws=(("bipolar", +1), ("normal", 0)), salt=3),
        notes=(
            "The statistic is the direction's fourth norm, so the rotationally symmetric shrinking of |W_i| under noise "
            "(App. D) does not masquerade as (de)sparsification. Beyond the paper's range the trend reverses (at "
            "σ = 0.3-0.5, lr 0.05, q falls again), as App. D reports for very large σ."
        ),
    )
)

register(
    Claim(
        id="training.noise_kurtosis_sign",
        title="The sign of the sparsity push is minus the sign of the noise's excess kurtosis",
        statement=(
            "The implicit regulariser 16η²σ⁴‖W_i‖₄⁴(μ₄/σ⁴ - 3) (§3.2) favours sparse rows when the excess kurtosis is "
            "negative (bipolar -2, uniform -1.2), is neutral for Gaussian noise, and favours dense rows when it is "
            "positive (Laplace +3)."
        ),
        source=Source(paper="incidental", section="§3.2", equation="implicit regularisation term"),
        printed=Form(text=r"16\eta^2\sigma^4\|W_i\|_4^4\left(\frac{\mu_4}{\sigma^4}-3\right)"),
        derived=Form(text=r"\mathrm{sign}\left(\mathbb{E}\,q - \tfrac{3}{m+2}\right) = -\mathrm{sign}(\mu_4/\sigma^4 - 3)"),
        domain=Domain(assumptions=("n = 8, m = 16", "plain GD, lr 0.05, σ = 0.15", "noise per input")),
        rule=KurtosisSign(n=8, m=16, sigma=0.15, steps=Budget(quick=20000, full=20000), seeds=Budget(quick=200, full=200),
                          laws=(("bipolar", -2.0), ("uniform", -1.2), ("normal", 0.0), ("laplace", 3.0)), salt=4),
        suites=frozenset({"full"}),
    )
)


# ------------------------------------------------------------------------------------------
# 6. Fig 3 at the paper's size (full suite only)

def _fig3_batch(ctx: Context, n: int, widths: Sequence[int], seeds: int) -> dict[int, TrainResult]:
    """The shared Fig 3 runs (:mod:`polyverify.experiments`), also read by ``assignment.*_fig3``."""
    return fig3_runs(ctx, widths=widths, seeds=seeds, n=n)


register(
    Claim(
        id="training.fig3_polysemantic",
        title="Fig 3: polysemantic neurons against m at n = 256 (16 widths × 16 seeds)",
        statement=(
            "Training at n = 256 and m = 256, 512, ..., 4096 gives about n²/(4m) polysemantic neurons (Fig 3). Derived: "
            "the displacement count n(n-1)/(2(2m-1)); the paper's mechanism (features stay on their initial argmax) "
            "gives the exact collision expectation m(1-2(1-1/(2m))^n+(1-1/m)^n), reported beside the test."
        ),
        source=Source(paper="incidental", section="§2.5", equation="Fig 3"),
        printed=_POLY_PRINTED,
        derived=_POLY_DERIVED,
        domain=Domain(assumptions=("n = 256", "m = 256..4096 step 256", "lam = 0.05 (λ_paper = 0.0125 <= 1/sqrt(4096))",
                                   "prox GD, lr = stable_lr(n, m), each seed to convergence",
                                   "16 seeds per width")),
        rule=PerWidthMean(
            widths=lambda mode: FIG3_WIDTHS,
            n=FIG3_N,
            seeds=Budget(quick=FIG3_SEEDS, full=FIG3_SEEDS),
            statistic=_window_count,
            value_range=lambda n, m: n / 2,
            batch=_fig3_batch,
            extra=_rule_columns,
        ),
        formulas=("assignment.expected_polysemantic", "collisions.polysemantic_printed"),
        suites=frozenset({"full"}),
        notes="16 seeds per width as in the paper; Student-t intervals (see the module docstring).",
    )
)


_PUBLISHED_WIDTHS = (256, 512, 1024)
"""Widths at which the published training is run beside gradient flow (it never stops early:
7,500 dense AdamW steps cost ~m, so the widest Fig 3 widths are left to the flow runs)."""


register(
    Claim(
        id="training.fig3_published_setup",
        title="Fig 3 as published (AdamW, weight decay, 7,500 steps) against n²/(4m) and against gradient flow",
        statement=(
            "The published Fig 3 is trained with AdamW (lr 1e-3, its default weight decay 0.01, l1 1e-3, 7,500 steps), "
            "while §2's theory is gradient flow. Printed: those runs give about n²/(4m) polysemantic neurons. Derived "
            "premise: the published training reaches the count of gradient flow from the same initial weights."
        ),
        source=Source(paper="incidental", section="§2.5, Appendix (published code)", equation="Fig 3"),
        printed=_POLY_PRINTED,
        derived=Form(text=r"\mathbb{E}[P_{\mathrm{AdamW}}] = \mathbb{E}[P_{\mathrm{flow}}]\ \text{(same initial weights)}"),
        domain=Domain(assumptions=("n = 256, m in {256, 512, 1024}", "16 seeds per width, paired across setups",
                                   "window rule 0.8 <= |W| <= 1.2")),
        rule=PublishedSetup(widths=lambda mode: _PUBLISHED_WIDTHS, n=FIG3_N, seeds=Budget(quick=FIG3_SEEDS, full=FIG3_SEEDS)),
        formulas=(),
        suites=frozenset({"full"}),
        notes=("The flow runs are those of training.fig3_polysemantic (polyverify.experiments); the published runs are "
               "`polyverify sweep --fig 3 --setup published`, this library's AdamW (equal to torch.optim.AdamW, tested). "
               "'Erratum' here means the printed count misses the published runs while the premise holds at the "
               "suite's level. That level is strict (family-wise 1e-3): read paired_p as well. Measured (seed 0): "
               "published - flow = +5.1 (p = 0.002), -5.2 (p = 0.007), -4.9 (p = 0.003) neurons at m = 256, 512, 1024, so "
               "at conventional levels the published AdamW runs do differ from gradient flow: more polysemantic "
               "neurons at m = n, fewer from m = 2n."),
    )
)


# ------------------------------------------------------------------------------------------
# 7. Figs 4, 5 and 7 at the published model size (n = 8, m = 16, plain GD at lr 0.02)



def _sign_ok(lo: float, hi: float, sign: int) -> bool:
    return (lo > 0) if sign > 0 else (hi < 0) if sign < 0 else (lo <= 0 <= hi)


register(
    Claim(
        id="training.fig4_trajectories",
        title="Fig 4: bipolar noise sparsifies faster the larger σ; normal noise leaves the fourth norm where it is",
        statement=(
            "Training n = 8, m = 16 with per-input hidden noise (plain GD, lr 0.02 as published), the fourth norm of "
            "the encodings rises over training under bipolar noise, the faster the larger σ ∈ {0.07, 0.1, 0.15}; "
            "under normal noise it shows no effect and only oscillates."
        ),
        source=Source(paper="incidental", section="Appendix D", equation="Fig 4"),
        printed=Form(text=("bipolar noise pushes encodings towards sparsity, and the higher the standard deviation σ is, "
                           "the faster this is; in the presence of normal noise, there is no observable effect on "
                           "sparsity, and it only makes the fourth norms oscillate")),
        derived=Form(text=(r"\bar q_{\text{bip}}(\sigma) \uparrow \text{ in } \sigma,\quad "
                           r"\mathbb{E}\,\bar q_{\mathcal N}(\sigma) = \mathbb{E}\,\bar q_{\text{none}} = \tfrac{3}{m+2},"
                           r"\quad \bar q = \text{time average of } \|W_i\|_4^4/\|W_i\|_2^4")),
        domain=Domain(assumptions=("n = 8, m = 16", "plain GD, lr 0.02", "σ ∈ {0.07, 0.1, 0.15}",
                                   "noise per input (the paper's text)", "quick: 10,000 steps; full: 100,000")),
        rule=Fig4Trajectories(sigmas=F45_SIGMAS, steps=F45_STEPS, seeds=F45_SEEDS, salt=F45_SALT),
        notes=(
            "The figure plots the raw mean ‖W_i‖₄⁴ (as the paper); the test uses the direction's fourth norm so that "
            "the rows' slight shrinking under noise does not count as (de)sparsification. At t = 0 the raw value "
            "has expectation exactly 3/m (N(0, 1/m) entries: m·3/m² ), the paper's line; trained rows of length ≈ 1 "
            "under rotation-invariant dynamics sit at 3/(m+2)."
        ),
    )
)


register(
    Claim(
        id="training.fig5_final_fourth_norm",
        title="Fig 5: final fourth norms rise with λ and with σ (bipolar); strong l1 shrinks them; normal noise stays at 3/(m+2)",
        statement=(
            "After a fixed number of steps (n = 8, m = 16), the final fourth norm of the encodings grows with the l1 "
            "coefficient λ and with the standard deviation σ of bipolar noise; at very large λ the fourth norm drops "
            "because the l1 term shrinks ‖W_i‖₂. Under normal noise the direction's fourth norm stays at the "
            "random-unit-vector value 3/(m+2)."
        ),
        source=Source(paper="incidental", section="Appendix D", equation="Fig 5a, 5b"),
        printed=Form(text=("regularization and noise of small magnitudes have almost no effect on sparsity and the effect "
                           "generally grows with magnitude [...] when λ is very high [...] we see a drop in the fourth "
                           "norms due to an overall drop in the magnitudes ‖W_i‖₂")),
        derived=Form(text=(r"q(\lambda)\uparrow \text{ on } \{0, .003, .01\} \text{ (until } q = 1 \text{ up to GD chatter)},\ \|W_i\|_4^4(\lambda)\downarrow \text{ on } "
                           r"\{.03, .1, .3\},\ q_{\text{bip}}(\sigma)\uparrow,\ \mathbb{E}\,q_{\mathcal N} = \tfrac{3}{m+2}")),
        domain=Domain(assumptions=("n = 8, m = 16", "plain GD, lr 0.02 (l1 by subgradient, as published)",
                                   "noise per input", "quick: 10,000 steps; full: 100,000")),
        rule=Fig5FinalFourthNorm(sigmas=F45_SIGMAS, lams_up=F5_LAMS_UP, lams_down=F5_LAMS_DOWN, steps=F45_STEPS,
                                 seeds=F45_SEEDS, salt=F45_SALT),
        notes=(
            "λ here is the code's l1 coefficient (the paper's reduced-flow λ is lam/4, see training.gd_time_map). In "
            "direction the rows are already perfectly sparse from λ = 0.03 on (q = 1.000): the drop the paper sees at "
            "large λ is the length ‖W_i‖₂ shrinking (the fixed point 4(1-‖W_i‖²)‖W_i‖ = λ), as it says. The figure "
            "shows raw ‖W_i‖₄⁴ as the paper does; the σ tests use the direction's fourth norm."
        ),
    )
)


register(
    Claim(
        id="training.fig7_stuck_rows",
        title="Fig 7: a row stuck below sparsity holds the other rows' coordinates with the opposite sign",
        statement=(
            "Under bipolar noise most encodings become almost perfectly sparse, but some stay stuck with comparable "
            "weights on several coordinates that other encodings won; on each such coordinate j the stuck row's "
            "weight has the sign opposite to that of the row i maximising |W_ij|, so it causes no interference."
        ),
        source=Source(paper="incidental", section="Appendix D", equation="Fig 7"),
        printed=Form(text=("in all cases, the sign of W_{2j} is the opposite of the sign of W_{ij} for the encoding i "
                           "which maximizes |W_{ij}|")),
        derived=Form(text=r"P\left(\mathrm{sign}\,W_{kj} = -\mathrm{sign}\,W_{ij}\right) > \tfrac12 \text{ over stuck rows } k"),
        domain=Domain(assumptions=("n = 8, m = 16", "plain GD, lr 0.02", "bipolar noise σ = 0.15 per input",
                                   f"stuck: q < {_STUCK_Q}; sparse: q ≥ {_SPARSE_Q}; significant: ≥ {_SIGNIFICANT}·max|W_k|")),
        rule=Fig7StuckRows(sigma=0.15, steps=F45_STEPS, seeds=F45_SEEDS, salt=F45_SALT),
        notes=(
            "The paper's Fig 7 caption says σ = 0.01; at σ = 0.01 and lr 0.02 nothing visible happens within 100,000 "
            "steps (measured, 8 seeds: the mean direction fourth norm moves by 6e-5 between steps 10,000 and 100,000; "
            "the push scales as σ⁴), so the instance here uses σ = 0.15 from Fig 4's range. The paper states "
            "the sign rule for one instance; here it is checked over every stuck row of every seed."
        ),
    )
)



# ------------------------------------------------------------------------------------------
# 8. the drift of the fourth norm integrated in time (issue 17 items 5 and 6)

from polyverify.theory import noise as _thn
from polyverify.theory.symbols import eta as _eta_sym
from polyverify.theory.symbols import mu4 as _mu4_sym
from polyverify.theory.symbols import sigma as _sigma_sym

_Q_INF = sp.lambdify((m_sym, _sigma_sym, _mu4_sym), _thn.FOURTH_NORM_STATIONARY, "numpy")
_RATE = sp.lambdify((m_sym, _sigma_sym, _eta_sym), _thn.FOURTH_NORM_RELAXATION_RATE, "numpy")
_REG_CLOSED = _thn.REGULARISER_STEP_DRIFT.subs(
    _thn.p6 - _thn.q4**2, 6 * (m_sym - 1) / ((m_sym + 2) * (m_sym + 4) * (m_sym + 6)))
_REG_STEP = sp.lambdify((m_sym, _sigma_sym, _mu4_sym, _eta_sym), _REG_CLOSED, "numpy")


def drift_trajectory(q0, steps, m, sigma, eta, kappa):
    """E q after ``steps`` noisy steps from ``q0`` on the derived η² drift (noise.fourth_norm_drift) with
    E[8q + 24q² − 32p₆] at its uniform-sphere value: q∞ + (q0 − q∞) exp(−8(m+2)η²σ⁴ steps)."""
    mu4_ = (kappa + 3) * sigma**4
    q_inf = _Q_INF(m, sigma, mu4_)
    return q_inf + (np.asarray(q0, dtype=float) - q_inf) * np.exp(-_RATE(m, sigma, eta) * np.asarray(steps, dtype=float))


def regulariser_trajectory(q0, steps, m, sigma, eta, kappa):
    """The printed reading: q moved by the regulariser's gradient step −256η³σ⁴κ(p₆ − q²) per step, p₆ − q²
    at its uniform-sphere value 6(m−1)/((m+2)(m+4)(m+6))."""
    mu4_ = (kappa + 3) * sigma**4
    return np.asarray(q0, dtype=float) + _REG_STEP(m, sigma, mu4_, eta) * np.asarray(steps, dtype=float)


_DRIFT_DERIVED = Form(
    text=(r"\mathbb{E}\,q(k) = q_\infty + (q(0) - q_\infty)e^{-8(m+2)\eta^2\sigma^4 k},\ "
          r"q_\infty = \frac{3}{m+2} + \frac{6\kappa m(m-1)}{(m+2)^2(m+4)(m+6)}"),
    expr=_thn.FOURTH_NORM_STATIONARY, numeric=drift_trajectory,
)
_DRIFT_PRINTED = Form(
    text=(r"\mathbb{E}\,q(k) = q(0) - 256\eta^3\sigma^4\kappa\,\mathbb{E}[\|W_i\|_6^6 - q^2]\,k"
          r"\ \text{(the regulariser } 16\eta^2\sigma^4\kappa\|W_i\|_4^4 \text{ descended as a loss)}"),
    expr=_REG_CLOSED, numeric=regulariser_trajectory,
)
_SINGLE_M, _SINGLE_SIGMA = 4, 0.2
_SINGLE_LAWS = (("bipolar", -2.0), ("normal", 0.0))


def _single_row_runs(ctx: Context, steps: int, seeds: int):
    from ..experiments import NOISE_LR, first_seed, noise_config, trained
    runs = noise_runs(ctx, 1, _SINGLE_M, [(law, _SINGLE_SIGMA) for law, _ in _SINGLE_LAWS], steps=steps, seeds=seeds, salt=8)
    out = [(f"{law} σ={_SINGLE_SIGMA:g} η={NOISE_LR:g}", r, {"m": _SINGLE_M, "sigma": _SINGLE_SIGMA, "eta": NOISE_LR, "kappa": k})
           for (law, k), r in zip(_SINGLE_LAWS, runs)]
    # the eta^2 of the rate: bipolar noise at half the step (relaxation time 4x longer: 20,800 steps, so the
    # comparison is along the approach, not only at the stationary value)
    half = NOISE_LR / 2
    cfg = noise_config(1, _SINGLE_M, "bipolar", _SINGLE_SIGMA, steps=steps, seeds=seeds, first=first_seed(ctx.seed, 8))
    r = trained(ctx, [cfg.replace(lr=half)], what="noise-law", parallel=False, batch=False)[0]
    out.append((f"bipolar σ={_SINGLE_SIGMA:g} η={half:g}", r, {"m": _SINGLE_M, "sigma": _SINGLE_SIGMA, "eta": half, "kappa": -2.0}))
    return out


register(
    Claim(
        id="training.single_row_drift",
        title="One row without interference: bipolar noise lowers ‖W_i‖₄⁴/‖W_i‖₂⁴ to 3/(m+2) + 6κm(m−1)/((m+2)²(m+4)(m+6))",
        statement=(
            "Trained alone (n = 1, so §3.2's assumption of no interference holds exactly), a row under hidden noise "
            "follows the derived drift of noise.fourth_norm_drift: E q relaxes at 8(m+2)η²σ⁴ per step to "
            "3/(m+2) + 6κm(m−1)/((m+2)²(m+4)(m+6)), below the uniform value for bipolar noise (κ = −2). Printed reading: "
            "the implicit regulariser 16η²σ⁴κ||W_i||₄⁴ is descended as a loss, raising q by 512η³σ⁴E[p₆ − q²] per step."
        ),
        source=Source(paper="incidental", section="§3.2, App. D", equation="implicit regulariser; Figs 4, 5"),
        printed=_DRIFT_PRINTED,
        derived=_DRIFT_DERIVED,
        domain=Domain(assumptions=(f"n = 1, m = {_SINGLE_M}", f"σ = {_SINGLE_SIGMA}", "plain GD, lr 0.05 and 0.025 (bipolar)",
                                   "η² drift; E[8q + 24q² − 32p₆] closed at its uniform-sphere value (first order in κ)")),
        rule=TrajectoryPrediction(runs=_single_row_runs, count=len(_SINGLE_LAWS) + 1, steps=Budget(quick=20_000, full=40_000),
                                  seeds=Budget(quick=1024, full=4096),
                                  description="n = 1 (no other row, so no interference), bipolar and normal noise at lr 0.05, "
                                              "bipolar also at lr 0.025 (the rate's eta^2)"),
        formulas=("noise.fourth_norm_drift", "noise.fourth_norm_relaxation_rate", "noise.fourth_norm_stationary"),
        notes=(
            "The relaxation time 1/(8(m+2)η²σ⁴) is 5,200 steps here, so 20,000 steps reach the stationary value to 2% "
            "of the initial gap. The closure is first order in κ: the stationary law is the uniform one plus O(κ). "
            "This is §3.2's mechanism where its assumptions hold, and it desparsifies: the sparsity of Fig 4 needs "
            "the other rows (training.fig4_drift_rate)."
        ),
    )
)


def _fig4_bipolar_runs(ctx: Context, steps: int, seeds: int):
    return [(f"bipolar σ={s:g}", f45_runs(ctx, ("bipolar", s, 0.0), steps=steps, seeds=seeds, salt=F45_SALT),
             {"m": 16, "sigma": s, "eta": F45_LR, "kappa": -2.0}) for s in F45_SIGMAS]


register(
    Claim(
        id="training.fig4_drift_rate",
        title="Fig 4 quantitatively: the derived one-row drift integrated in time against the trained rise of ‖W_i‖₄⁴",
        statement=(
            "The rise of the mean fourth norm in Fig 4 (n = 8, m = 16, bipolar noise σ ∈ {0.07, 0.1, 0.15}, lr 0.02) "
            "is predicted by §3.2's analysis: derived, the one-row drift of noise.fourth_norm_drift integrated in time "
            "(E q relaxes at 8(m+2)η²σ⁴ per step to 3/(m+2) − 12m(m−1)/((m+2)²(m+4)(m+6))); printed reading, the "
            "implicit regulariser descended as a loss (q rises by 512η³σ⁴E[p₆ − q²] per step)."
        ),
        source=Source(paper="incidental", section="§3.2, Appendix D", equation="Fig 4"),
        printed=_DRIFT_PRINTED,
        derived=_DRIFT_DERIVED,
        domain=Domain(assumptions=("n = 8, m = 16", "plain GD, lr 0.02", "σ ∈ {0.07, 0.1, 0.15}", "noise per input",
                                   "quick: 10,000 steps; full: 100,000")),
        rule=TrajectoryPrediction(runs=_fig4_bipolar_runs, count=len(F45_SIGMAS), steps=F45_STEPS, seeds=F45_SEEDS,
                                  description="the Figs 4/5/7 runs (polyverify.experiments), bipolar noise",
                                  shared_runs=f"figs 4/5/7 salt {F45_SALT}"),
        formulas=("noise.fourth_norm_drift", "noise.fourth_norm_relaxation_rate", "noise.fourth_norm_stationary",
                  "noise.regulariser_step_drift"),
        notes=(
            "Both predictions are per step of order η²σ⁴ or η³σ⁴: over 10,000 steps at σ = 0.15 they move q by "
            "less than 0.01, while the trained q rises by about 0.57. The rise is not §3.2's one-row mechanism (which "
            "lowers q, training.single_row_drift) but needs the other rows: with n = 1 or 2 rows at m = 16 the same "
            "noise leaves q flat over 10,000 steps (measured, 64 seeds). A derived form for the rise needs the "
            "interaction of the noise with the ReLU of the other outputs (interference), which §3.2 assumes away."
        ),
    )
)


def _push_turning_sigma(eta_: float, m_: int) -> float:
    return float(np.sqrt(float(_thn.PUSH_TURNING_SIGMA2.subs({_eta_sym: eta_, m_sym: m_}))))


_TURN_SIGMAS = (0.1, 0.15)


def _turning_effects(ctx: Context, steps: int, seeds: int) -> dict[str, list[Effect]]:
    lo, hi = (f45_runs(ctx, ("bipolar", s, 0.0), steps=steps, seeds=seeds, salt=F45_SALT) for s in _TURN_SIGMAS)
    q = lambda r: (r.row_fourth_norm[:, -1] / r.row_norm2[:, -1] ** 2).mean(axis=1)
    # the row lengths fluctuate under noise step by step: their mean over rows and the records of the second half
    w2 = lambda r: r.row_norm2[:, r.row_norm2.shape[1] // 2:].mean(axis=(1, 2))
    star = _push_turning_sigma(F45_LR, 16)
    return {
        "derived": [Effect(f"q(σ=0.15) − q(σ=0.1) after {steps} steps (σ* = {star:.3f} > 0.15)", q(hi) - q(lo), +1)],
        "printed": [Effect(f"‖W_i‖₂²(σ=0.15) − ‖W_i‖₂²(σ=0.1), mean over the second half of {steps} steps", w2(hi) - w2(lo),
                           -1)],
    }


register(
    Claim(
        id="training.noise_trend_turning",
        title="App. D's large-σ reversal: the η³-weakened push peaks at σ* = √((1−24η)/(3ηm)) ≈ 0.74, far above 0.15",
        statement=(
            "With the η³ term (noise.eta3_remainder) the bipolar push on ||W_i||₄⁴ is −32η²σ⁴(1 − 2η(12 + mσ²)), which "
            "grows with σ up to σ*² = (1 − 24η)/(3ηm) (σ* = 0.736 at η = 0.02, m = 16): on that theory the fourth norm "
            "after a fixed number of steps still grows from σ = 0.1 to 0.15. Printed (App. D): when σ is very high the "
            "fourth norms drop because the lengths ||W_i||₂ shorten."
        ),
        source=Source(paper="incidental", section="App. C.2, Appendix D", equation="Figs 4, 5b"),
        printed=Form(text=(r"\text{large } \sigma:\ \text{the drop in } \|W_i\|_4^4 \text{ is a drop in } \|W_i\|_2:\ "
                           r"\|W_i\|_2^2(0.15) < \|W_i\|_2^2(0.1)")),
        derived=Form(text=(r"\sigma_*^2 = \frac{1-24\eta}{3\eta m} \Rightarrow q(0.15) > q(0.1)\ \text{at any horizon}"),
                     expr=_thn.PUSH_TURNING_SIGMA2),
        domain=Domain(assumptions=("n = 8, m = 16", "plain GD, lr 0.02", "bipolar noise per input",
                                   "quick: 10,000 steps; full: the published 100,000")),
        rule=HorizonTrend(effects=_turning_effects, steps=F45_STEPS, seeds=F45_SEEDS, comparisons=2,
                          description="the Figs 4/5/7 runs at σ = 0.1 and 0.15 (paired seeds)",
                          shared_runs=f"figs 4/5/7 salt {F45_SALT}"),
        formulas=("noise.push_turning_sigma2",),
        notes=(
            "Measured (seed 0, 32 seeds, this session): at 10,000 steps q = 0.304 (σ = 0.1) and 0.732 (σ = 0.15); at "
            "100,000 steps 0.807 and 0.801, both on the plateau that stuck rows (Fig 7) set. The trend does not turn "
            "where the η³ term would turn it (σ* = 0.74): it turns at the horizon where the σ = 0.1 run reaches the "
            "plateau (between 40,000 and 60,000 steps), a saturation that no one-row drift describes."
        ),
    )
)
