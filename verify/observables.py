r"""Checking a formula against a simulation: a catalogue of observables and :func:`check_against`.

An :class:`Observable` is a per-trial statistic simulated by ``numerics/`` (nothing here uses a
closed form of ``theory/``), with its parameters, the domain where it is defined, a default
sampling domain sized to its cost, and what one trial costs. :func:`check_against` declares a
user claim whose *derived* form is the user's formula, drawn and judged exactly as the suite
judges its own Monte Carlo claims: parameters drawn by Hypothesis (deterministic by seed),
the Monte Carlo mean's interval grown to resolve the standard margin
(:class:`polyverify.rules.MonteCarloMean`), and the verdict from the form's outcome
(:func:`polyverify.claim.status`):

* ``verified`` — inside the interval at every drawn point, with resolution at most the margin;
* ``refuted`` — outside the interval at some point (the simulation rejects the form);
* ``inconclusive`` — not rejected, but the samples allowed did not resolve the margin (the
  report gives the resolution reached).

The catalogue (``polyverify observables`` lists it, with each observable's parameters, default
domain and cost) holds

* paper 1 §2.5: the collision counts at the Gaussian initialisation (``collisions.pairs``,
  ``collisions.benign_pairs``, ``collisions.polysemantic``), the polysemantic count of the final
  assignment by the displacement process and by its free-cell idealisation
  (``assignment.displacement_polysemantic``, ``assignment.free_cell_polysemantic``), and the
  polysemantic count after training the tied autoencoder (``training.polysemantic``, small sizes);
* paper 1 §2.4: the sparsification flow's ``|W_i|_1`` and ``m'`` at time ``t``
  (``sparsify.l1``, ``sparsify.m_prime``; parameters ``m, lam, t, c``);
* paper 1 §3.1: ``E[(W_i . xi)^4]`` for a named noise law (``noise.fourth_moment.LAW`` for the
  laws of ``numerics.noisy_step``; parameters ``k, sigma``);
* paper 2: the dropout channel's capacity (``channels.dropout_capacity``, certified by
  Blahut-Arimoto: deterministic) and the random-projection action
  (``spectra.projection_action``).

Real parameters (``lam``, ``t``, ``sigma``, ``D``, ``rho``, ...) are drawn as reals, integer
ones as integers (:func:`polyverify.point_draws.hypothesis_points`).

>>> sorted(OBSERVABLES)  # doctest: +NORMALIZE_WHITESPACE
['assignment.displacement_polysemantic', 'assignment.free_cell_polysemantic', 'channels.dropout_capacity',
 'collisions.benign_pairs', 'collisions.pairs', 'collisions.polysemantic', 'noise.fourth_moment.bipolar',
 'noise.fourth_moment.epanechnikov', 'noise.fourth_moment.laplace', 'noise.fourth_moment.normal',
 'noise.fourth_moment.uniform', 'sparsify.l1', 'sparsify.m_prime', 'spectra.projection_action',
 'training.polysemantic']
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import sympy as sp

__all__ = [
    "OBSERVABLES",
    "Observable",
    "SimulationOutcome",
    "check_against",
    "check_simulation_spec",
    "format_catalogue",
    "observable_rule",
]


@dataclass(frozen=True, kw_only=True)
class Observable:
    """A simulated per-trial statistic whose mean a formula may predict (or, with ``certified``,
    a deterministic computation bracketing the value)."""

    name: str
    parameters: tuple[str, ...]
    measures: str
    valid: Callable[..., bool]
    """Where the simulation is defined (keyword arguments: the parameters)."""
    valid_text: str
    default_domain: Mapping[str, tuple[float, float]]
    """Ranges drawn when the caller gives none, sized to the cost of a trial (integer ranges for
    the integer parameters, real intervals for the others)."""
    cost: Callable[..., float]
    """Elementary operations of one trial (random draws, ODE solves scaled by their size, ...)."""
    cost_text: str
    simulate: Callable[..., np.ndarray] | None = None
    """``simulate(params, *, rng, trials, device) -> per-trial values``."""
    value_range: Callable[..., float] | None = None
    real: frozenset[str] = frozenset()
    """The real-valued parameters (the others are integers)."""
    trials: int = 2000
    """Pilot trials per point (:class:`polyverify.rules.MonteCarloMean`)."""
    cap: int = 64_000
    """Most trials per point."""
    certified: Callable[..., Mapping[str, float]] | None = None
    """A deterministic observable: ``certified(**params) -> {"lo": .., "hi": ..}`` brackets the
    exact value (judged by :class:`polyverify.rules.DeterministicMatch`, no trials)."""
    tolerance: Callable[..., float] | None = None
    """Absolute rounding tolerance added to the bracket of a certified observable."""
    tolerance_text: str = ""

    def is_integer(self, parameter: str) -> bool:
        return parameter not in self.real


def _collisions(stat: str) -> Callable[..., np.ndarray]:
    def simulate(params, *, rng, trials, device="cpu"):
        from polyverify.numerics.collisions import simulate_collisions

        counts = simulate_collisions(int(params["n"]), int(params["m"]), trials=trials, rng=rng)
        return np.asarray(getattr(counts, stat), dtype=float)

    simulate.__name__ = f"simulate_{stat}"
    return simulate


def _assignment(process: str) -> Callable[..., np.ndarray]:
    def simulate(params, *, rng, trials, device="cpu"):
        from polyverify.numerics import assignment as na

        run = na.simulate_displacement if process == "displacement" else na.simulate_free_cell
        return np.asarray(run(int(params["n"]), int(params["m"]), trials=trials, rng=rng).polysemantic, dtype=float)

    simulate.__name__ = f"simulate_{process}"
    return simulate


_NM_DOMAIN: Final = {"n": (2, 32), "m": (2, 128)}
"""n·m Gaussian draws per trial: up to 4096, so a few thousand trials take well under a second."""

def _features_neurons(name: str, measures: str, simulate: Callable[..., np.ndarray],
                      value_range: Callable[..., float], *, cost_text: str = "n*m Gaussian draws",
                      cost: Callable[..., float] = lambda n, m: float(n * m),
                      domain: Mapping[str, tuple[float, float]] = _NM_DOMAIN, **extra: Any) -> Observable:
    """An observable of ``n`` features on ``m`` neurons (paper 1's model, ``1 <= n <= m``)."""
    return Observable(name=name, parameters=("n", "m"), measures=measures, valid=lambda n, m: 1 <= n <= m,
                      valid_text="1 <= n <= m (integers)", default_domain=domain, cost=cost,
                      cost_text=cost_text, simulate=simulate, value_range=value_range, **extra)


# --- the sparsification flow (numerics/sparsify.py) -------------------------------------------

_SPARSIFY_RTOL: Final = 1e-6
"""Relative tolerance of each ODE solve (absolute: 1e-8): a per-trial bias of about 1e-6 relative in
|W_i|_1 (measured: the mean of 20 solves moves by 2e-7 from rtol 1e-8), four decades below the 5%
margin the check resolves, and m' changes only where a weight is within about 1e-6 of dying at t;
2-4x faster than the integrator's default 1e-10."""


def _sparsify(stat: str) -> Callable[..., np.ndarray]:
    def simulate(params, *, rng, trials, device="cpu"):
        from polyverify.numerics.sparsify import gaussian_init, integrate_reduced

        m, lam, t, c = int(params["m"]), float(params["lam"]), float(params["t"]), float(params["c"])
        out = np.empty(trials)
        for j in range(trials):
            w0 = gaussian_init(m, std=c / math.sqrt(m), rng=rng)
            traj = integrate_reduced(w0, lam, [t], rtol=_SPARSIFY_RTOL, atol=_SPARSIFY_RTOL * 1e-2)
            out[j] = float(getattr(traj, stat)[-1])
        return out

    simulate.__name__ = f"simulate_sparsify_{stat}"
    return simulate


def _sparsify_valid(m, lam, t, c) -> bool:
    return m >= 1 and lam > 0 and lam * math.sqrt(m) <= 1 and t >= 0 and c > 0


def _sparsify_observable(name: str, stat: str, what: str, value_range: Callable[..., float]) -> Observable:
    return Observable(
        name=name, parameters=("m", "lam", "t", "c"), real=frozenset({"lam", "t", "c"}),
        measures=(f"{what} of one encoding W_i after time t of the no-interference sparsification flow "
                  "dw/dt = (1 - |w|^2) w - lam sign(w) (paper 1 §2.4; numerics.sparsify.integrate_reduced), "
                  "from W_i(0) ~ N(0, c^2/m) in R^m"),
        valid=_sparsify_valid, valid_text="m >= 1 integer, lam > 0 with lam*sqrt(m) <= 1 (§2.1), t >= 0, c > 0",
        default_domain={"m": (4, 32), "lam": (0.01, 0.1), "t": (0.0, 5.0), "c": (0.5, 2.0)},
        cost=lambda m, lam, t, c: 1000.0 * m, cost_text="one ODE solve of the reduced flow (3-15 ms)",
        simulate=_sparsify(stat), value_range=value_range, trials=200, cap=1600,
    )


# --- E[(W_i . xi)^4] under a named noise law (numerics/noisy_step.py) --------------------------

_NOISE_STD: Final[Mapping[str, float]] = {
    "bipolar": 1.0, "uniform": math.sqrt(3.0), "normal": 1.0, "laplace": 1.0 / math.sqrt(2.0),
    "epanechnikov": math.sqrt(5.0),
}
"""Natural parameter of each law of ``numerics.noisy_step.NOISE_KINDS`` at standard deviation 1
(amplitude 1; half-width sqrt(3): variance a^2/3; std 1; scale 1/sqrt(2): variance 2b^2;
half-width sqrt(5): variance c^2/5). The parametrisation only: the moment itself is simulated."""


def _noise_fourth(law: str) -> Callable[..., np.ndarray]:
    def simulate(params, *, rng, trials, device="cpu"):
        from polyverify.numerics.noisy_step import (
            NOISE_KINDS,
            noise_sampler,
            power_samples,
        )

        k, sigma = int(params["k"]), float(params["sigma"])
        pname = NOISE_KINDS[law][0]
        noise = noise_sampler(law, **{pname: sigma * _NOISE_STD[law]})
        return power_samples(np.full(k, 1.0 / math.sqrt(k)), noise, trials=trials, rng=rng, power=4)

    simulate.__name__ = f"simulate_fourth_moment_{law}"
    return simulate


def _noise_range(law: str) -> Callable[..., float]:
    # read only for a sample without spread (bipolar noise at k = 1: (w.xi)^4 = sigma^4 in every
    # trial); for the bounded laws |w.xi| <= |w|_1 max|xi| = sqrt(k) * sigma * (natural parameter
    # at std 1), the unbounded laws (normal, Laplace) always have spread
    return lambda k, sigma: float((math.sqrt(k) * sigma * _NOISE_STD[law]) ** 4)


def _noise_observable(law: str) -> Observable:
    return Observable(
        name=f"noise.fourth_moment.{law}", parameters=("k", "sigma"), real=frozenset({"sigma"}),
        measures=(f"(W_i . xi)^4 with xi i.i.d. {law} noise of standard deviation sigma (paper 1 §3.1; "
                  "numerics.noisy_step.power_samples) and W_i the unit-norm encoding with k equal "
                  "nonzero weights 1/sqrt(k) (|W_i|_2 = 1, |W_i|_4^4 = 1/k)"),
        valid=lambda k, sigma: k >= 1 and sigma > 0, valid_text="k >= 1 integer, sigma > 0",
        default_domain={"k": (1, 16), "sigma": (0.1, 2.0)},
        cost=lambda k, sigma: float(k), cost_text="k noise draws",
        simulate=_noise_fourth(law), value_range=_noise_range(law), trials=20_000, cap=2_000_000,
    )


# --- the dropout channel's capacity (numerics/channels.py) -------------------------------------

_EPS: Final = float(np.finfo(float).eps)


def _capacity(D, bits) -> dict[str, float]:
    from polyverify.numerics.channels import capacity

    res = capacity(float(D), int(bits))
    return {"lo": res.lower, "hi": res.upper}


def _capacity_tolerance(D, bits) -> float:
    # the bracket's two ends are float64 sums of 2**bits terms of at most bits bits each: their
    # rounding error is at most 2**bits * eps * bits (twice that for safety)
    return 2.0 * (2.0 ** int(bits)) * _EPS * max(int(bits), 1)


# --- the random-projection action (numerics/spectra.py) ----------------------------------------


def _action(params, *, rng, trials, device="cpu"):
    from polyverify.numerics.spectra import projection_action, smooth_trajectory

    m, frames, k = int(params["m"]), int(params["frames"]), int(params["k"])
    alpha, rho = float(params["alpha"]), float(params["rho"])
    out = np.empty(trials)
    for j in range(trials):
        # one trial: a fresh trajectory and the mean action of _PROJECTIONS fresh projections of it
        # (trials stay independent; the mean over trials estimates the same E[action])
        x = smooth_trajectory(alpha, m, frames, rho=rho, rng=rng)
        out[j] = float(np.mean(projection_action(x, k=k, trials=_PROJECTIONS, rng=rng)))
    return out


_PROJECTIONS: Final = 16
"""Projections averaged per trajectory: the projection's share of the spread shrinks fourfold for
about the cost of the trajectory itself."""


# --- the trained polysemantic count (numerics/autoencoder.py) ----------------------------------

TRAINED_SETTINGS: Final = {"lam": 0.05, "steps": 3000, "tol": 1e-4, "record_every": 250}
"""Plain GD with l1 as the quick suite's small-size training claims (``lam = 0.05``, at most 3000
steps, stopping once every weight's speed is below 1e-4), at the step ``stable_lr(n, m)``."""


def _trained(params, *, rng, trials, device="cpu"):
    from polyverify.numerics.autoencoder import TrainConfig, stable_lr, train
    from polyverify.numerics.metrics import count_polysemantic

    n, m = int(params["n"]), int(params["m"])
    seeds = np.unique(rng.integers(0, 2**62, size=trials))
    while seeds.size < trials:  # a repeated seed (probability ~1e-12) is replaced
        seeds = np.unique(np.concatenate([seeds, rng.integers(0, 2**62, size=trials - seeds.size)]))
    rng.shuffle(seeds)
    cfg = TrainConfig(n=n, m=m, lr=stable_lr(n, m), seeds=tuple(int(s) for s in seeds), device="cpu",
                      **TRAINED_SETTINGS)
    return np.asarray(count_polysemantic(train(cfg).W, rule="window"), dtype=float)


OBSERVABLES: Final[Mapping[str, Observable]] = {
    o.name: o
    for o in (
        _features_neurons("collisions.pairs",
                          "colliding pairs: feature pairs sharing their largest-|weight| neuron, W ~ N(0, 1/m)",
                          _collisions("pairs"), lambda n, m: n * (n - 1) / 2),
        _features_neurons("collisions.benign_pairs",
                          "benign pairs: colliding pairs whose winning weights have opposite signs",
                          _collisions("benign_pairs"), lambda n, m: n * (n - 1) / 2),
        _features_neurons("collisions.polysemantic",
                          "polysemantic neurons at the Gaussian initialisation (features of both signs)",
                          _collisions("polysemantic"), lambda n, m: n / 2),
        _features_neurons("assignment.displacement_polysemantic",
                          "polysemantic neurons after the displacement process (paper 1 §2.5: each feature, in "
                          "order of its largest weight, takes its best free (neuron, sign) cell)",
                          _assignment("displacement"), lambda n, m: n / 2, cost_text="n*m Gaussian draws and a sort"),
        _features_neurons("assignment.free_cell_polysemantic",
                          "polysemantic neurons when each feature in turn takes a uniformly drawn free (neuron, "
                          "sign) cell (the idealised displacement process of paper 1 §2.5)",
                          _assignment("free_cell"), lambda n, m: n / 2, cost_text="n uniform draws",
                          cost=lambda n, m: float(n)),
        _features_neurons("training.polysemantic",
                          "polysemantic neurons of the trained tied autoencoder (paper 1 §2.5, Fig 3 at small "
                          "sizes; numerics.autoencoder.train, one seed per trial): plain GD with l1 lam = 0.05, "
                          "step stable_lr(n, m), at most 3000 steps (stopping at speed 1e-4), window rule "
                          "|W_ij| in [0.8, 1.2]",
                          _trained, lambda n, m: n / 2, cost_text="n*m weights trained for up to 3000 GD steps "
                          "(trials batched: about 1 s per 1000 at n, m <= 8)",
                          cost=lambda n, m: 3000.0 * n * m, domain={"n": (2, 4), "m": (2, 8)},
                          trials=1000, cap=16_000),
        # ranges, read only for a sample without spread (every weight dead: all values 0):
        # |w|_1 <= sqrt(m) |w|_2, and the flow keeps |w|_2 <= max(1, |w(0)|_2), about max(1, c)
        _sparsify_observable("sparsify.l1", "l1", "|W_i|_1", lambda m, lam, t, c: math.sqrt(m) * max(1.0, 2.0 * c)),
        _sparsify_observable("sparsify.m_prime", "m_prime", "m' (the number of nonzero weights)",
                             lambda m, lam, t, c: float(m)),
        *(_noise_observable(law) for law in _NOISE_STD),
        Observable(
            name="channels.dropout_capacity", parameters=("D", "bits"), real=frozenset({"D"}),
            measures=("capacity in bits of one neuron of 2**bits symbols behind dropout D (x -> 0 with "
                      "probability D; paper 2 §2.3), certified to 1e-9 bits by Blahut-Arimoto "
                      "(numerics.channels.capacity): deterministic, no trials"),
            valid=lambda D, bits: 0 < D < 1 and 1 <= bits <= 8, valid_text="0 < D < 1, 1 <= bits <= 8 (integer)",
            default_domain={"D": (0.05, 0.95), "bits": (1, 6)},
            cost=lambda D, bits: float(4 ** int(bits)), cost_text="Blahut-Arimoto on a 2**bits x 2**bits channel "
            "(under 0.1 s)", certified=_capacity, tolerance=_capacity_tolerance,
            tolerance_text="the Blahut-Arimoto bracket [I(p; W), max_x D(W_x || pW)] (gap <= 1e-9 bits) widened "
                           "by its float64 rounding, 2 * 2**bits * eps * bits",
        ),
        Observable(
            name="spectra.projection_action", parameters=("m", "frames", "k", "alpha", "rho"),
            real=frozenset({"alpha", "rho"}),
            measures=("the action 1/2 sum_t |z_{t+1} - z_t|^2 of z_t = A_t r, r an m x k matrix of N(0, 1/m) "
                      "entries (paper 2 §2; numerics.spectra.projection_action), per trial a fresh stationary "
                      "AR(1) trajectory A of `frames` frames in R^m (numerics.spectra.smooth_trajectory: "
                      "covariance spectrum i^alpha in a random basis, frame correlation rho) and the mean "
                      "over 16 fresh projections r"),
            valid=lambda m, frames, k, alpha, rho: m >= 2 and frames >= 2 and k >= 1 and 0 <= rho < 1,
            valid_text="m >= 2, frames >= 2, k >= 1 (integers), alpha real, 0 <= rho < 1",
            # frames >= 8 and alpha >= -1 keep the relative spread of a trial near 0.3 (a few
            # hundred trials resolve the margin); frames = 2 with alpha = -2 would need ~15 000
            default_domain={"m": (4, 16), "frames": (8, 32), "k": (1, 3), "alpha": (-1.0, 0.0), "rho": (0.0, 0.9)},
            cost=lambda m, frames, k, alpha, rho: float(m * m + frames * m * (1 + 16 * k)),
            cost_text="an m x m random basis, frames*m Gaussian draws and 16 projections (about 1 ms)",
            # a continuous statistic: its samples always have spread, so no range is ever read
            simulate=_action, value_range=None, trials=500, cap=8000,
        ),
    )
}
"""The catalogue: name -> :class:`Observable`."""


def _interval_text(o: Observable, name: str) -> str:
    lo, hi = o.default_domain[name]
    if o.is_integer(name):
        return f"{name} in {int(lo)}..{int(hi)}"
    return f"{name} in [{lo:g}, {hi:g}]"


def format_catalogue() -> str:
    """The catalogue as text (``polyverify observables``)."""
    lines = []
    for o in OBSERVABLES.values():
        dom = ", ".join(_interval_text(o, k) for k in o.default_domain)
        lines.append(f"{o.name}({', '.join(o.parameters)})")
        lines.append(f"    measures: {o.measures}")
        lines.append(f"    defined:  {o.valid_text}; default domain {dom}")
        if o.certified is not None:
            lines.append(f"    cost:     {o.cost_text} per point (deterministic)")
        else:
            lines.append(f"    cost:     {o.cost_text} per trial; {o.trials} trials per point, grown up to {o.cap}")
    return "\n".join(lines)


@dataclass(frozen=True)
class SimulationOutcome:
    """The verdict of a formula against an observable, with the evidence behind it."""

    observable: str
    verdict: str
    """``verified``, ``refuted`` or ``inconclusive``."""
    summary: str
    resolution: float | None
    margin: float
    margin_reason: str
    points: int
    rows: tuple[dict[str, Any], ...] = field(default=(), compare=False)
    step: int | None = None

    def describe(self) -> str:
        res = "n/a" if self.resolution is None else f"{self.resolution:.3g}"
        at = f"step {self.step} " if self.step else ""
        return (
            f"{at}against {self.observable}: {self.verdict.upper()} ({self.summary}; resolution "
            f"{res} against margin {self.margin:.3g}, {self.margin_reason}; {self.points} points)"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "observable": self.observable, "verdict": self.verdict, "summary": self.summary,
            "resolution": self.resolution, "margin": self.margin, "points": self.points,
            "step": self.step,
        }


def _numeric(expr: sp.Expr, symbols: Sequence[sp.Symbol]) -> Callable[..., float]:
    f = sp.lambdify(list(symbols), expr, modules="mpmath")

    def value(**kw: Any) -> float:
        import mpmath

        with mpmath.workdps(30):
            return float(mpmath.re(f(*[kw[s.name] for s in symbols])))

    return value


def _parameter_values(obs: Observable, param_fns, syms, point: Mapping[str, Any]) -> dict[str, Any] | None:
    """The observable's parameters at a drawn point (``None`` where an integer parameter is not an
    integer, or a value is not a finite real)."""
    values: dict[str, Any] = {}
    for p, f in param_fns.items():
        try:
            v = f(*[point[s.name] for s in syms])
            if obs.is_integer(p):
                iv = int(v)
                if iv != v:
                    return None
                values[p] = iv
            else:
                fv = float(v)
                if not math.isfinite(fv):
                    return None
                values[p] = fv
        except (TypeError, ValueError, OverflowError, ZeroDivisionError):
            return None
    return values


def _exact_point(syms: Sequence[sp.Symbol], point: Mapping[str, Any]) -> dict[sp.Symbol, sp.Rational]:
    return {s: sp.Integer(point[s.name]) if s.is_integer else sp.Rational(point[s.name]) for s in syms}


def observable_rule(
    observable: str,
    *,
    symbols: Sequence[sp.Symbol],
    params: Mapping[str, sp.Expr] | None = None,
    domain: Mapping[str, tuple[float, float]] | None = None,
    conditions: Sequence[Any] = (),
    examples: int = 3,
    trials: int | None = None,
    cap: int | None = None,
):
    """The suite's rule for ``observable`` at points of the ``symbols``: a
    :class:`polyverify.rules.MonteCarloMean` that simulates the observable at ``params``
    (observable parameter -> expression of the symbols; default: the symbol of the same name, a
    fresh one drawn from the default domain for a parameter the formula does not mention),
    or for a certified (deterministic) observable a :class:`polyverify.rules.DeterministicMatch`
    against its bracket, for a claim whose forms are functions of the symbols.

    Integer symbols are drawn as integers and the others as reals
    (:func:`polyverify.point_draws.hypothesis_points`). ``domain`` bounds the symbols (default:
    the observable's own domain for a parameter given by a plain symbol); ``conditions`` and the
    observable's validity filter the drawn points; the domain's lower corner is pinned when valid.
    ``trials`` and ``cap`` default to the observable's own (sized to its cost). Used by
    :func:`check_against` and by claims of third-party packages (``examples/polyverify_extra``).
    """
    from .claim import Budget
    from .point_draws import hypothesis_points, lower_corner
    from .rules import DeterministicMatch, MonteCarloMean, Relation
    from .side_conditions import all_hold

    if observable not in OBSERVABLES:
        raise ValueError(f"observable must be one of {', '.join(sorted(OBSERVABLES))}; got {observable!r}")
    obs = OBSERVABLES[observable]
    trials = obs.trials if trials is None else trials
    cap = max(obs.cap, trials) if cap is None else cap
    for name, value in (("examples", examples), ("trials", trials), ("cap", cap)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}")
    if trials < 200:
        raise ValueError(f"trials must be at least 200 (the CLT interval's minimum); got {trials}")
    by_name = {s.name: s for s in symbols}
    if params is None:
        # a parameter the formula does not mention is drawn all the same (from the default domain)
        params = {p: by_name.get(p) or (sp.Symbol(p, integer=True) if obs.is_integer(p) else sp.Symbol(p, real=True))
                  for p in obs.parameters}
    params = {k: sp.sympify(v, strict=True) for k, v in params.items()}
    if set(params) != set(obs.parameters):
        raise ValueError(f"params must give exactly {', '.join(obs.parameters)}; got {', '.join(sorted(params))}")
    for p, e in params.items():
        if isinstance(e, sp.Symbol) and obs.is_integer(p) and e.is_integer is not True:
            raise ValueError(f"params: {observable}'s parameter {p!r} is an integer; the symbol {e.name!r} "
                             "must be declared integer")
    syms = sorted(set(symbols) | set().union(*(e.free_symbols for e in params.values())), key=lambda s: s.name)
    dom: dict[str, tuple[float, float]] = dict(domain or {})
    for p, e in params.items():
        if isinstance(e, sp.Symbol) and e.name not in dom:
            dom[e.name] = obs.default_domain[p]
    lacking = [s.name for s in syms if s.name not in dom]
    if lacking:
        raise ValueError(f"domain: give a range for {lacking[0]!r} (it is no plain observable parameter)")
    param_fns = {p: sp.lambdify(syms, e, modules="mpmath") for p, e in params.items()}

    def observable_params(point: Mapping[str, Any]) -> dict[str, Any] | None:
        return _parameter_values(obs, param_fns, syms, point)

    def accept(point: dict[str, Any]) -> bool:
        op = observable_params(point)
        if op is None or not obs.valid(**op):
            return False
        return all_hold(conditions, _exact_point(syms, point)) if conditions else True

    strategy = hypothesis_points(syms, dom, accept=accept)
    corner = lower_corner(syms, dom)
    pinned = (corner,) if accept(corner) else ()
    if obs.certified is not None:
        def compute(**point: Any) -> dict[str, float]:
            return dict(obs.certified(**observable_params(point)))

        tol = obs.tolerance
        return DeterministicMatch(
            strategy=strategy, compute=compute, examples=Budget(quick=examples, full=examples),
            tolerance_reason=obs.tolerance_text, pinned=pinned,
            relations={"derived": Relation("equal", tol=None if tol is None else
                                           (lambda **pt: float(tol(**observable_params(pt)))))},
        )

    def simulate(point, *, rng, trials, device):
        return obs.simulate(observable_params(point), rng=rng, trials=trials, device=device)

    value_range = None
    if obs.value_range is not None:
        vr = obs.value_range

        def value_range(**pt: Any) -> float:
            return float(vr(**observable_params(pt)))

    return MonteCarloMean(
        strategy=strategy,
        simulate=simulate,
        trials=Budget(quick=trials, full=trials),
        examples=Budget(quick=examples, full=examples),
        pinned=pinned,
        cap=Budget(quick=cap, full=cap),
        value_range=value_range,
        cost=lambda **pt: float(obs.cost(**observable_params(pt))),
    )


def check_against(
    expr: sp.Expr,
    *,
    observable: str,
    params: Mapping[str, sp.Expr] | None = None,
    domain: Mapping[str, tuple[float, float]] | None = None,
    conditions: Sequence[Any] = (),
    seed: int = 0,
    examples: int = 3,
    trials: int | None = None,
    cap: int | None = None,
    alpha: float | None = None,
    claim_id: str = "user.derivation",
) -> SimulationOutcome:
    r"""Judge ``expr`` (a formula of the symbols) as the mean of ``observable``.

    The points and the simulation are those of :func:`observable_rule` (``params``, ``domain``,
    ``conditions``, ``examples``, ``trials``, ``cap``): ``examples`` points drawn by Hypothesis
    (seeded by ``seed``; integers for integer symbols, reals for the others) after the domain's
    lower corner, each with a pilot of ``trials`` trials grown up to ``cap`` (default: the
    observable's own, sized to its cost) to resolve the standard quick-suite margin
    (:data:`polyverify.claim.STANDARD_MARGIN`), at the level ``alpha / comparisons`` (default the
    suite's family-wise rate). A certified observable (``channels.dropout_capacity``) is
    computed, not simulated: the formula must lie in its certified bracket at every point. See
    the module docstring for the verdicts.

    >>> n, m = sp.symbols("n m", positive=True, integer=True)
    >>> out = check_against(n*(n - 1)/(2*m), observable="collisions.pairs", examples=1, trials=500, cap=4000)
    >>> out.verdict in ("verified", "inconclusive")
    True
    """
    from .claim import (
        Claim,
        Context,
        Domain,
        Form,
        Source,
        margin_for,
        register_paper,
        status,
    )
    from .stats import FAMILY_ALPHA

    expr = sp.sympify(expr, strict=True)
    free = sorted(expr.free_symbols, key=lambda s: s.name)
    rule = observable_rule(
        observable, symbols=free, params=params, domain=domain, conditions=conditions,
        examples=examples, trials=trials, cap=cap,
    )
    # the form takes every drawn symbol: those of the formula and of the parameters' expressions
    drawn = set(free) | set().union(*(sp.sympify(e, strict=True).free_symbols for e in (params or {}).values()))
    syms = sorted(drawn, key=lambda s: s.name)
    register_paper("user", "a derivation checked with polyverify check", short="user derivation")
    obs = OBSERVABLES[observable]
    claim = Claim(
        id=claim_id,
        title=f"user formula against {observable}",
        statement=f"E[{observable}] = {expr}" if obs.certified is None else f"{observable} = {expr}",
        source=Source(paper="user", section="derivation"),
        printed=None,
        derived=Form(text=str(expr), expr=expr, numeric=_numeric(expr, syms)),
        domain=Domain(assumptions=tuple(getattr(c, "text", str(c)) for c in conditions) + (obs.valid_text,)),
        rule=rule,
    )
    planned = rule.planned_comparisons(claim, "quick")
    delta = (alpha if alpha is not None else FAMILY_ALPHA) / max(planned, 1)
    ctx = Context(seed=seed, mode="quick", device="cpu", delta=delta)
    evidence = rule.run(claim, ctx)
    margin = evidence.margin or margin_for(claim, "quick")
    outcome = evidence.derived
    verdict = {"holds": "verified", "rejected": "refuted", "undecided": "inconclusive"}[
        status(outcome, margin.value)
    ]
    rows = tuple(getattr(evidence, "rows", None) or ())
    return SimulationOutcome(
        observable, verdict, outcome.summary, outcome.resolution, margin.value, margin.reason,
        len(rows) if rows else planned, rows,
    )


def _spec_worker(derivation: Any, seed: int) -> SimulationOutcome:
    spec = derivation.simulation
    step = derivation.steps[spec.step - 1]
    out = check_against(
        step.expr,
        observable=spec.observable,
        params=spec.params,
        domain=derivation.domain,
        conditions=derivation.conditions,
        seed=seed,
    )
    return SimulationOutcome(
        out.observable, out.verdict, out.summary, out.resolution, out.margin, out.margin_reason,
        out.points, (), spec.step,
    )


def check_simulation_spec(derivation: Any, *, seed: int, timeout: float) -> SimulationOutcome:
    """The ``[simulation]`` of a loaded derivation, within ``timeout`` seconds (a killed child
    process past it: the outcome is then ``inconclusive`` with that reason)."""
    from .budget import BudgetExceeded, WorkerError, call_with_deadline

    spec = derivation.simulation
    try:
        return call_with_deadline(_spec_worker, derivation, seed, seconds=timeout, what="simulation")
    except BudgetExceeded:
        reason = f"time budget of {timeout:.3g} s spent before the simulation finished"
    except WorkerError as exc:
        reason = f"the simulation check raised {exc.kind}: {exc.message[:120]}"
    return SimulationOutcome(spec.observable, "inconclusive", reason, None, float("nan"), "", 0, (), spec.step)
