"""Claims on the interference between encodings (paper 1, §2.5, "How strong is the interference?").

Simulations: :func:`numerics.interference.init_forces` measures both force components on sampled
Gaussian weights; :func:`numerics.interference.integrate_smooth_flow` integrates the whole
``2 × m`` flow (no l1) that the closed Gram flow of :mod:`theory.interference` reduces.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from polyverify.numerics.assignment import displacement_from_weights
from polyverify.numerics.autoencoder import stable_lr
from polyverify.numerics.gradient_flow import integrate_gradient_flow
from polyverify.numerics.interference import (
    init_forces,
    integrate_smooth_flow,
    integrate_two_rows_reduced,
    rows_with_gram,
    shifted_displacement,
)
from polyverify.theory import interference as th

from ..claim import Budget, Claim, Domain, Form, Source
from ..registry import register
from ..rules import (
    AllOf,
    DeterministicMatch,
    MonteCarloMean,
    PairedModel,
    ScalingLaw,
    SymbolicRule,
)
from ..rules.paired_model import polysemantic_count, share_fraction
from ..rules.trained import TrainSettings

__all__: list[str] = []

_SRC = Source(paper="incidental", section="§2.5")
_INIT = "W_ik ~ N(0, s^2/m) i.i.d. (std Theta(1/sqrt m), paper 1 §2.1)"


@st.composite
def _nms(draw, n_max: int = 32, ratio_max: int = 8) -> dict[str, float]:
    """(n, m, s) with 2 <= n <= n_max, n <= m <= ratio_max n and s in [0.5, 1.2]: valid by construction."""
    n_ = draw(st.integers(2, n_max))
    m_ = draw(st.integers(n_, ratio_max * n_))
    return {"n": n_, "m": m_, "s": draw(st.floats(0.5, 1.2))}


def _forces(component: str):
    def simulate(params, *, rng, trials, device):
        f = init_forces(params["n"], params["m"], trials=trials, rng=rng, s=params.get("s", 1.0))
        return getattr(f, component)

    simulate.__name__ = f"simulate_{component}"
    return simulate


# one trial draws an n x m Gaussian matrix and its n x n Gram matrix
_WORK = Budget(quick=60_000_000, full=600_000_000)


def _cost(n: int, m: int, s: float = 1.0) -> float:
    return float(n * m + n * n)


register(
    Claim(
        id="interference.init_strength",
        title="Interference at initialisation: mean (n-1)s^4/(2m), exactly",
        statement=(
            "The interference's component along W_i, sum_{j != i} ReLU(W_i.W_j)^2, has mean (n-1)s^4/(2m) at the "
            "Gaussian initialisation (derived: W_i.W_j given W_i is exactly N(0, s^2||W_i||^2/m)); the paper gives "
            "its order only (see interference.init_order)."
        ),
        source=Source(paper="incidental", section="§2.5", equation="derived constant of Theta(n/m)"),
        printed=None,
        derived=Form(text=r"\frac{(n-1)s^4}{2m}", expr=th.INIT_INTERFERENCE, numeric=lambda n, m, s: th.init_interference(n, m, s=s)),
        domain=Domain(assumptions=(_INIT, "2 <= n <= m")),
        rule=AllOf(
            (
                SymbolicRule(derivation=th.init_strength_derivation),
                MonteCarloMean(
                    strategy=_nms(),
                    simulate=_forces("interference"),
                    trials=Budget(quick=2000, full=20000),
                    examples=Budget(quick=3, full=20),
                    pinned=({"n": 2, "m": 2, "s": 1.0}, {"n": 32, "m": 32, "s": 1.0}),
                    cost=_cost,
                    work=_WORK,
                ),
            )
        ),
        formulas=("interference.init_strength",),
    )
)


def _grid_m(mode):
    return [{"n": 16, "m": 16 * 2**e} for e in range(5 if mode == "quick" else 7)]


def _grid_n(mode):
    big = 256 if mode == "quick" else 1024
    return [{"n": 4 * 2**e, "m": big} for e in range(5 if mode == "quick" else 7)]


# Theta leaves the constant open; the derived one is (n-1)/(2n) in [1/4, 1/2) at s = 1. A ratio bound of
# 4 accepts any constant in [1/4, 4] and rejects a wrong power of n or m over the 16- to 64-fold grids
# (a wrong exponent moves the ratio by >= 16x), as for the collision counts.
_THETA_C = 4.0
_SCALING_TRIALS = Budget(quick=1500, full=10000)

register(
    Claim(
        id="interference.init_order",
        title="Interference at initialisation is Θ(n/m)",
        statement="sum_{j != i} ReLU(W_i.W_j)^2 has mean Theta(1/m) per pair and Theta(n/m) in all, at the Gaussian initialisation.",
        source=_SRC,
        printed=Form(text=r"\Theta\left(\frac{n}{m}\right)", expr=th.INIT_ORDER, numeric=lambda n, m: n / m),
        derived=Form(text=r"\frac{n-1}{2m}", expr=th.INIT_INTERFERENCE.subs(th.s, 1), numeric=lambda n, m: th.init_interference(n, m)),
        domain=Domain(assumptions=("W_ik ~ N(0, 1/m) i.i.d. (s = 1)", "n <= m")),
        rule=AllOf(
            (
                SymbolicRule(derivation=th.init_strength_derivation, judge_printed=False),
                ScalingLaw(grid=_grid_m, scale="m", simulate=_forces("interference"), trials=_SCALING_TRIALS, ratio_bound=_THETA_C,
                           ylabel="mean interference along W_i"),
                ScalingLaw(grid=_grid_n, scale="n", simulate=_forces("interference"), trials=_SCALING_TRIALS, ratio_bound=_THETA_C,
                           ylabel="mean interference along W_i"),
            )
        ),
        formulas=("interference.init_order", "interference.init_strength"),
    )
)


@st.composite
def _nm_s_small(draw) -> dict[str, float]:
    n_ = draw(st.integers(2, 32))
    m_ = draw(st.integers(n_, 8 * n_))
    return {"n": n_, "m": m_, "s": draw(st.floats(0.5, 0.9))}


register(
    Claim(
        id="interference.init_benefit",
        title="The feature benefit at initialisation: s^2 - s^4 - 2s^4/m (-2/m at unit rows)",
        statement=(
            "The feature benefit's component along W_i, (1 - ||W_i||^2)||W_i||^2, has mean s^2 - s^4 - 2s^4/m at the "
            "Gaussian initialisation; §2.5 calls it Theta(1) 'as long as Omega(1) <= ||W_i||^2 <= 1 - Omega(1)' and "
            "concludes that the Theta(n/m) interference is dominated by it when m >= n."
        ),
        source=Source(paper="incidental", section="§2.5", equation="derived mean of the Theta(1) feature-benefit term"),
        printed=None,
        derived=Form(text=r"s^2 - s^4 - \frac{2s^4}{m}", expr=th.INIT_BENEFIT, numeric=lambda n, m, s: th.init_benefit(m, s=s)),
        domain=Domain(assumptions=(_INIT, "2 <= n <= m")),
        rule=AllOf(
            (
                SymbolicRule(derivation=th.init_benefit_derivation),
                MonteCarloMean(
                    strategy=_nm_s_small(),
                    simulate=_forces("benefit"),
                    trials=Budget(quick=2000, full=20000),
                    examples=Budget(quick=3, full=20),
                    # s = 1, the library's and Fig 3's init (std 1/sqrt m): the mean is -2/m
                    pinned=({"n": 8, "m": 8, "s": 1.0}, {"n": 16, "m": 32, "s": 1.0}),
                    cost=_cost,
                    work=_WORK,
                ),
            )
        ),
        formulas=("interference.init_benefit",),
        notes=(
            "At s = 1 (rows of unit expected length, the default init of the library and of Fig 3's setting) the mean "
            "feature benefit is -2/m while the mean interference is (n-1)/(2m): the premise of §2.5's dominance "
            "argument (Omega(1) <= ||W_i||^2 <= 1 - Omega(1)) fails there, and the interference is (n-1)/4 times "
            "the benefit's mean in size. The argument holds for s bounded away from 1 (ratio (n-1)s^2/(2m(1-s^2)) "
            "to leading order)."
        ),
    )
)


# --- two rows without l1: the Gram flow and the decay of positive inner products ------------

@st.composite
def _pair(draw, positive: bool) -> dict[str, float]:
    lo = 0.05 if positive else -0.95
    return {
        "m": draw(st.integers(2, 64)),
        "a0": draw(st.floats(0.3, 1.5)),
        "b0": draw(st.floats(0.3, 1.5)),
        "cos0": draw(st.floats(lo, 0.95)),
        "h": draw(st.floats(0.1, 1.0)),
        "seed": draw(st.integers(0, 2**31 - 1)),
    }


def _flow_p(m, a0, b0, cos0, h, seed) -> dict[str, float]:
    W0 = rows_with_gram(int(m), a0, b0, cos0, rng=np.random.default_rng(int(seed)))
    W = integrate_smooth_flow(W0, [0.0, h])
    p0, ph = float(W0[0] @ W0[1]), float(W[-1, 0] @ W[-1, 1])
    return {"p0": p0, "ph": ph, "a_h": float(W[-1, 0] @ W[-1, 0]), "b_h": float(W[-1, 1] @ W[-1, 1])}


def _gram_p(m, a0, b0, cos0, h, seed) -> float:
    return _flow_p(m, a0, b0, cos0, h, seed)["ph"]


def _gram_form(m, a0, b0, cos0, h, seed) -> float:
    return float(th.gram_flow(a0, b0, cos0 * np.sqrt(a0 * b0), [0.0, h])["p"][-1])


_FLOW_TOL = (
    "both flows by DOP853, the 2 x m flow at rtol 1e-11 and the Gram flow at 1e-12, over T <= 1 with squared norms "
    "<= 1.5: halving either tolerance moves p(T) by < 1e-11 relative on the drawn points, and 1e-8 leaves a factor "
    "1000 for the growth of the global error; a wrong term in the Gram flow (e.g. the paper's rate a + b alone) moves "
    "p(T) by O(T |2 - a - b|), >= 1e-3 relative off a + b = 2"
)

register(
    Claim(
        id="interference.gram_flow",
        title="Two rows without l1: the Gram matrix follows a closed 3-D flow",
        statement=(
            "For n = 2 and lambda = 0 the squared norms a, b and the inner product p of the two rows obey "
            "a' = 2a(1-a) - 2r p, b' = 2b(1-b) - 2r p, p' = (2-a-b)p - (a+b)r with r = ReLU(p), whatever m and the "
            "rows' orientation (derived: the reduction behind §2.5's inner-product computation)."
        ),
        source=Source(paper="incidental", section="§2.5", equation="derived (exact two-row reduction at lambda = 0)"),
        printed=None,
        derived=Form(text=r"\dot p = (2-a-b)p - (a+b)\,\mathrm{ReLU}(p)", expr=th.GRAM_P_RATE, numeric=_gram_form),
        domain=Domain(assumptions=("n = 2", "lambda = 0", "paper's units (constants 4 dropped)", "any orientation in R^m")),
        rule=AllOf(
            (
                SymbolicRule(derivation=th.gram_derivation),
                DeterministicMatch(
                    strategy=_pair(positive=False),
                    compute=_gram_p,
                    examples=Budget(quick=4, full=24),
                    rtol=1e-8,
                    atol=1e-11,
                    tolerance_reason=_FLOW_TOL + "; atol 1e-11 for p near 0 (cos0 = 0 is drawn): the solvers' atol "
                                     "(1e-13, 1e-14) and the rounding of an inner product of rows of norm <= 1.3",
                    pinned=({"m": 2, "a0": 1.0, "b0": 1.0, "cos0": 0.5, "h": 1.0, "seed": 0},),
                ),
            )
        ),
        formulas=("interference.p_decay_rate", "interference.cos_decay_rate"),
    )
)


def _measured_rate(m, a0, b0, cos0, h, seed) -> float:
    r = _flow_p(m, a0, b0, cos0, h, seed)
    return -float(np.log(r["ph"] / r["p0"])) / h


register(
    Claim(
        id="interference.inner_product_decay",
        title="Positive inner products decay at 2(a+b) - 2, not a + b",
        statement=(
            "§2.5: the interference terms change W_i.W_j by -(W_i.W_j)(||W_i||^2 + ||W_j||^2) = -Theta(W_i.W_j), so "
            "positive inner products decrease exponentially at the rate a + b. The line is exact for the interference "
            "terms; with the feature benefit the rate of the whole flow is 2(a+b) - 2 (derived; n = 2, lambda = 0): "
            "p grows while a + b < 1. Compared as the mean rate -ln(p(h)/p(0))/h over a window of the flow."
        ),
        source=_SRC,
        printed=Form(text=r"\|W_i\|^2 + \|W_j\|^2", expr=th.GRAM_P_RATE_PRINTED,
                     numeric=lambda m, a0, b0, cos0, h, seed: th.window_rates(a0, b0, cos0, h)["printed"]),
        derived=Form(text=r"2(\|W_i\|^2 + \|W_j\|^2) - 2", expr=th.GRAM_P_RATE,
                     numeric=lambda m, a0, b0, cos0, h, seed: th.window_rates(a0, b0, cos0, h)["derived"]),
        domain=Domain(assumptions=("n = 2", "lambda = 0", "W_1.W_2 > 0", "paper's units (constants 4 dropped)")),
        rule=AllOf(
            (
                SymbolicRule(derivation=th.gram_derivation, judge_printed=False),
                DeterministicMatch(
                    strategy=_pair(positive=True),
                    compute=_measured_rate,
                    examples=Budget(quick=4, full=24),
                    rtol=1e-7,
                    atol=1e-8,
                    tolerance_reason=_FLOW_TOL + "; the rate is ln(p(h)/p(0))/h with h >= 0.1, so its absolute error is "
                                     "at most 10x the relative error of p(h)",
                    # a + b = 2 at the start (unit rows, the library's init): where the printed rate is closest
                    pinned=({"m": 16, "a0": 1.0, "b0": 1.0, "cos0": 0.25, "h": 0.5, "seed": 1},
                            {"m": 16, "a0": 0.4, "b0": 0.4, "cos0": 0.25, "h": 0.5, "seed": 2}),
                ),
            )
        ),
        formulas=("interference.p_decay_rate", "interference.p_decay_rate_printed", "interference.cos_decay_rate"),
        notes=(
            "What always decays is the angle: cos = p/sqrt(ab) obeys d ln cos/dT = -(a+b)(1 - cos^2) (proved in the "
            "derivation), the paper's rate a + b to leading order in cos. For the inner product itself the paper's "
            "rate holds only where a + b = 2; at a + b < 1 (initial std below 1/sqrt(2m)) positive inner products grow."
        ),
    )
)


@st.composite
def _two_row_params(draw) -> dict[str, float]:
    return {
        "m": draw(st.integers(2, 24)),
        "lam": draw(st.floats(0.005, 0.1)),
        "cos0": draw(st.floats(-0.9, 0.95)),
        "T": draw(st.floats(1.0, 40.0)),
        "obs": draw(st.sampled_from(("l1_1", "l1_2", "inner", "norm_sq_1"))),
        "seed": draw(st.integers(0, 2**31 - 1)),
    }


def _two_rows(m, lam, cos0, T, obs, seed, *, reduced: bool) -> float:
    """One observable of the two rows at time T, from the reduction or from the brute-force flow."""
    rng = np.random.default_rng(int(seed))
    W0 = rows_with_gram(int(m), float(rng.uniform(0.5, 1.3)), float(rng.uniform(0.5, 1.3)), cos0, rng=rng)
    if reduced:
        W = integrate_two_rows_reduced(W0, lam, [0.0, T]).W[-1]
    else:
        W = integrate_gradient_flow(W0, lam, [0.0, T], c=1.0, rtol=1e-10, atol=1e-13).W[-1]
    return {"l1_1": float(np.abs(W[0]).sum()), "l1_2": float(np.abs(W[1]).sum()), "inner": float(W[0] @ W[1]),
            "norm_sq_1": float(W[0] @ W[0])}[obs]


register(
    Claim(
        id="interference.two_row_reduction",
        title="Two rows under l1: every coordinate in closed form, driven by eight scalar functions of time",
        statement=(
            "For n = 2 a coordinate k where both weights live evolves as (|W_1k|, |W_2k|) = Phi_eps(T)((|W_1k|, "
            "|W_2k|)(0) - lam G_eps(T)), eps = sign(W_1k W_2k), with Phi_+' = M_+ Phi_+, Phi_- = D Phi_+ D and "
            "G_eps' = Phi_eps^{-1}(1, 1): the rows couple only through a, b and ReLU(W_1.W_2) (derived: the two-row "
            "analogue of the single-row reduction e^S(|w_k(0)| - B)); once one weight of the coordinate has died the "
            "other follows the single-row law e^{S_2}(c_k - B_2)."
        ),
        source=Source(paper="incidental", section="§2.5", equation="derived (exact two-row reduction)"),
        printed=None,
        derived=Form(text=r"\Phi_\varepsilon(T)\left(z_0 - \lambda G_\varepsilon(T)\right)", expr=th.TWO_ROW_CLOSED_FORM,
                     numeric=lambda **p: _two_rows(**p, reduced=True)),
        domain=Domain(assumptions=("n = 2", "lambda > 0", "paper's units (constants 4 dropped)",
                                   "Filippov flow at zero (a zero weight stays while its force is <= lambda)")),
        rule=AllOf(
            (
                SymbolicRule(derivation=th.two_row_reduction_derivation),
                DeterministicMatch(
                    strategy=_two_row_params(),
                    compute=lambda **p: _two_rows(**p, reduced=False),
                    examples=Budget(quick=6, full=40),
                    rtol=1e-7,
                    atol=1e-9,
                    tolerance_reason=(
                        "the reduction (12 scalar functions, every coordinate a closed form of them, "
                        "numerics.interference.integrate_two_rows_reduced) and the brute-force 2 x m Filippov flow "
                        "(numerics.gradient_flow.integrate_gradient_flow) both by DOP853 at rtol 1e-10 with event "
                        "location at each death: measured over 12 random cases (m 2..23, lam 0.006..0.1, cos -0.8..0.95, "
                        "T up to 3/sqrt(lam)) every weight agrees to 4e-10; 1e-7 relative (1e-9 absolute, for values "
                        "that are 0 once the rows are sparse) leaves a factor 100 for the amplification of errors by "
                        "e^S along the flow"
                    ),
                    pinned=({"m": 16, "lam": 0.0125, "cos0": 0.5, "T": 40.0, "obs": "l1_1", "seed": 0},),
                ),
            )
        ),
        formulas=("interference.two_row_closed_form",),
    )
)


# --- which neuron wins: models of the trained stay fraction --------------------------------

def _stay(assignment) -> np.ndarray:
    return (assignment.neuron == assignment.initial_neuron).mean(axis=-1)


def _stay_printed(W0):
    """The paper's mechanism: no reordering before the collisions; the larger weight wins a malign one."""
    return _stay(displacement_from_weights(W0))


def _stay_shifted(W0):
    """The first-order interference shift W_i - sum_j J_ij W_j, then the displacement process."""
    return _stay(shifted_displacement(W0, th.shift_matrix(W0)))


def _stay_widths(mode):
    # n = m = 2 is left out: with 10,000 seeds some initial rows are long enough (|W_i|^2 up to ~10) for
    # plain GD to diverge even at stable_lr(2, 2) = 0.05 (measured: non-finite weights by step 250)
    if mode == "quick":
        return [(2, 4), (16, 16)]
    return [(2, mm) for mm in (4, 8, 16, 32, 64, 128, 256)] + [(16, mm) for mm in (16, 32, 64, 128, 256)]


def _stay_seeds(mode, n_):
    # n = 2: per-seed differences are 0 or +-1/2 and mostly 0, so 2,000 seeds resolve about 1.5% and
    # 10,000 seeds 0.6% (under the full suite's 1%). The share probability sets the count, in quick too: its
    # paper mechanism differs from training by about 0.010 at m = 4 and 0.0047 at m = 16, against the quick
    # bounds (5% of the trained share) 0.0068 and 0.0016, and is rejected only once the half-width is below
    # the difference minus the bound (0.0031 at m = 16); at the whole quick suite's level (328 comparisons)
    # 10,000 seeds left it undecided at both widths while the shift model was rejected at m = 4, which reads
    # as the library being wrong (failed). 16,000 seeds put the half-width near 0.0027.
    # n = 16 averages 16 features per seed. The polysemantic
    # count's per-seed difference has a standard deviation of about 1.3 (measured at m = 16): at 200 seeds its
    # half-width (0.37) is as large as the paper's mechanism's mean difference (about -0.35) and the decision
    # flipped with the number of comparisons in the run (interference claims alone: undecided); 1,000 seeds
    # (half-width about 0.19 at the whole quick suite's per-comparison level) decide it in every mode
    if n_ == 2:
        return 16000
    return 1000


# paper lambda = 0.0125 as in assignment.trained_counts, but the step is stable_lr(n, m) per width: a fixed
# lr 0.1 is above the stability bound at small m (stable_lr(2, 4) = 0.069, stable_lr(16, 16) = 0.05) and
# diverged on some of 10,000 initial weights at n = 2, m = 2 and 4 (non-finite weights by step 250);
# at most 3000 steps: GD time >= 150 against the l1 phase's ~20 (paper time 1/lambda = 80)
_GD = TrainSettings(lam=0.05, lr=0.1, steps=3000)


def _flow_lr(n_: int, m_: int) -> float:
    """The step of the which-neuron trainings: ``stable_lr(n, m)``, halved at ``n = 2``.

    The models are derived for the gradient flow; GD follows it with an O(lr) error. Measured on the
    same 2,000 initial weights (seed 0, n = 2): the stay fraction at stable_lr differs from the one at
    half that step by -0.0043, -0.0030 and -0.0060 (+-0.002) at m = 4, 16, 64, while quartering and
    eighthing the step move it by at most 0.0007 more: at half stable_lr GD is at the flow's value
    within the full suite's resolution (about +-0.003 at 10,000 seeds, less at the 16,000 used). At n = 16 (1,000 seeds) halving
    moves the stay fraction by 0.0004 and 0.0014 and the count by -0.013 and -0.001 at m = 16, 64,
    inside their intervals: those widths keep stable_lr. GD time at half stable_lr(2, 4) over 3,000
    steps is 103, against the l1 phase's ~20.
    """
    return stable_lr(n_, m_) / 2 if n_ == 2 else stable_lr(n_, m_)

register(
    Claim(
        id="interference.stay_shift_model",
        title="Which neuron wins: interference shifts each row's initial weights before the collisions",
        statement=(
            "§2.5: the interference is weak at first and matters only in collisions, where 'the larger of the two "
            "wins out' (printed model: the displacement process on the initial weights). Derived model: before the "
            "rows sparsify, interference shifts W_i by -sum_j J_ij W_j, J_ij = ReLU(W_i.W_j)/(2(a_i + a_j) - 2) (the "
            "pair's inner product integrated along the linearised Gram flow), and the displacement process then runs "
            "on the shifted weights. Each model predicts, from a network's initial weights alone, the fraction of "
            "features that end on their initial argmax neuron; compared with training seed by seed."
        ),
        source=_SRC,
        printed=Form(text=r"\text{displacement process on } W(0)", numeric=_stay_printed),
        derived=Form(text=r"\text{displacement process on } W_i(0) - \sum_{j\ne i} J_{ij} W_j(0)", expr=th.SHIFT,
                     numeric=_stay_shifted),
        domain=Domain(assumptions=("W_ik ~ N(0, 1/m) i.i.d.", "plain GD + l1, lam = 0.05 (paper lambda = 0.0125), lr = stable_lr(n, m), halved at n = 2",
                                   "n = 2 and n = 16, m >= n")),
        rule=AllOf((SymbolicRule(derivation=th.shift_derivation, judge_printed=False),
                    PairedModel(widths=_stay_widths, seeds=_stay_seeds, settings=_GD, lr=_flow_lr))),
        formulas=("interference.shift",),
        notes=(
            "The shift is first order in the interference (the partner row frozen at its initial value, the inner "
            "product relaxing at the linearised rate 2(a+b) - 2); the l1 term keeps feeding the inner product during "
            "the dense phase (d p/dT gains -lam(sign(W_1).W_2 + sign(W_2).W_1)), which the first order leaves out. "
            "Measured (quick, seed 0, 16,000 seeds at n = 2, lr = stable_lr/2): n = 2, m = 4: trained 0.8946, shift "
            "model 0.8879 (difference [+0.002, +0.011], within the +-0.025 bound), displacement alone 0.938; n = 16, m = 16 (1,000 seeds): "
            "trained 0.504, shift model 0.558, displacement alone 0.783: the shift explains 81% of the gap but "
            "misses by 0.054 [0.040, 0.067]. At lr 0.1 instead of stable_lr the trained fractions were 0.880 and 0.482, and at stable_lr "
            "itself 0.890 at n = 2, m = 4: at this resolution the step size matters, hence half stable_lr at n = 2 "
            "(_flow_lr). With the "
            "shift linearised at the initial norms (J = p/(2(a+b) - 2), larger where a + b < 2) the n = 16 miss was "
            "0.021 in an exploration: the missing l1 feeding of the inner products acts in the same direction."
        ),
    )
)


def _share_printed(W0):
    return share_fraction(displacement_from_weights(W0).neuron)


def _share_shifted(W0):
    return share_fraction(shifted_displacement(W0, th.shift_matrix(W0)).neuron)


def _share_widths(mode):
    return [(2, 4), (2, 16)] if mode == "quick" else [(2, mm) for mm in (4, 8, 16, 32, 64, 128, 256)]  # as _stay_widths


register(
    Claim(
        id="interference.share_shift_model",
        title="Two features: how often they end on one neuron, by each model of where features end",
        statement=(
            "For n = 2, the probability that the two features end on the same neuron (necessarily with opposite "
            "signs: a polysemantic neuron), as the paper's mechanism (the displacement process on the initial "
            "weights; 1/(2m) to first order) and as the first-order interference shift predict it from each "
            "network's initial weights; compared with training seed by seed (see interference.stay_shift_model)."
        ),
        source=_SRC,
        printed=Form(text=r"\text{displacement process on } W(0)", numeric=_share_printed),
        derived=Form(text=r"\text{displacement process on } W_i(0) - J_{ij} W_j(0)", expr=th.SHIFT, numeric=_share_shifted),
        domain=Domain(assumptions=("n = 2", "W_ik ~ N(0, 1/m) i.i.d.", "plain GD + l1, lam = 0.05 (paper lambda = 0.0125), lr = stable_lr(n, m), halved at n = 2")),
        rule=PairedModel(widths=_share_widths, seeds=_stay_seeds, settings=_GD, lr=_flow_lr, statistic="share"),
        formulas=("interference.shift",),
        notes=(
            "The same trained networks as interference.stay_shift_model at n = 2 (one training per width). A share "
            "probability near 1/(2m) is a small mean: its relative resolution at a fixed number of seeds is much "
            "coarser than the stay fraction's. Measured (quick, seed 0, 16,000 seeds, lr = stable_lr/2, at the whole "
            "quick suite's per-comparison level): trained 0.1358 [0.1232, 0.1483] at m = 4 and 0.0319 [0.0255, 0.0384] "
            "at m = 16; the shift model 0.1651 (rejected at m = 4, difference [-0.036, -0.023]) and 0.0329; the "
            "paper's mechanism 0.1251 and 0.0269 (rejected at m = 16, difference [+0.0025, +0.0075] against the "
            "+-0.0016 bound)."
        ),
    )
)


def _count(assignment) -> np.ndarray:
    return polysemantic_count(assignment.neuron, sign=assignment.sign)


def _count_printed(W0):
    return _count(displacement_from_weights(W0))


def _count_shifted(W0):
    return _count(shifted_displacement(W0, th.shift_matrix(W0)))


def _count_widths(mode):
    # n = 16 as in interference.stay_shift_model (the same trained networks); n = 2 holds at most one
    # polysemantic neuron, which interference.share_shift_model already covers
    return [(16, 16)] if mode == "quick" else [(16, mm) for mm in (16, 32, 64, 128, 256)]


register(
    Claim(
        id="interference.count_shift_model",
        title="Trained polysemantic neurons at n = 16, predicted from the initial weights by each model",
        statement=(
            "Each model of where features end (interference.stay_shift_model) also predicts, from a network's initial "
            "weights alone, how many neurons end polysemantic (holding features of both signs). Printed mechanism: "
            "the displacement process on the initial weights ('the larger of the two wins out'); derived model: the "
            "same process on the first-order shifted weights W_i - sum_j J_ij W_j. Compared with training seed by seed."
        ),
        source=Source(paper="incidental", section="§2.5", equation="Fig 3"),
        printed=Form(text=r"\text{displacement process on } W(0)", numeric=_count_printed),
        derived=Form(text=r"\text{displacement process on } W_i(0) - \sum_{j\ne i} J_{ij} W_j(0)", expr=th.SHIFT,
                     numeric=_count_shifted),
        domain=Domain(assumptions=("n = 16, m = 16..256", "W_ik ~ N(0, 1/m) i.i.d.",
                                   "plain GD + l1, lam = 0.05 (paper lambda = 0.0125), lr = stable_lr(n, m)")),
        rule=PairedModel(widths=_count_widths, seeds=_stay_seeds, settings=_GD, lr=_flow_lr, statistic="polysemantic"),
        formulas=("interference.shift",),
        notes=(
            "The same trained networks as interference.stay_shift_model at n = 16 (one training per width). A model "
            "can reproduce the count without reproducing which neuron each feature ends on: the count depends only on "
            "how many (neuron, sign) cells pair up, which is why the displacement count n(n-1)/(2(2m-1)) "
            "(assignment.trained_counts) comes close while the stay fraction does not. Measured (quick suite, seed 0, "
            "the interference claims alone, 1,000 seeds at n = m = 16): trained 3.444 [3.312, 3.576], the paper's "
            "displacement on W(0) 3.805 (difference [-0.527, -0.195]), the shift model 3.928 ([-0.643, -0.325]): "
            "both above training, the shift further off."
        ),
    )
)

