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

The catalogue (``polyverify observables`` lists it) holds the collision counts of paper 1
§2.5 at the Gaussian initialisation, and the polysemantic count of the final assignment (§2.5,
Fig 3) by the displacement process from Gaussian weights and by its idealisation, in which each
feature takes a uniformly drawn free (neuron, sign) cell. Not catalogued yet: the sparsification flow,
fourth moments under a noise law, dropout capacity, random projections, trained counts (their
parameters are not all integers, which :func:`check_against` draws).

>>> sorted(OBSERVABLES)  # doctest: +NORMALIZE_WHITESPACE
['assignment.displacement_polysemantic', 'assignment.free_cell_polysemantic', 'collisions.benign_pairs',
 'collisions.pairs', 'collisions.polysemantic']
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import sympy as sp

__all__ = [
    "Observable",
    "OBSERVABLES",
    "SimulationOutcome",
    "check_against",
    "observable_rule",
    "check_simulation_spec",
    "format_catalogue",
]


@dataclass(frozen=True, kw_only=True)
class Observable:
    """A simulated per-trial statistic whose mean a formula may predict."""

    name: str
    parameters: tuple[str, ...]
    measures: str
    valid: Callable[..., bool]
    """Where the simulation is defined (keyword arguments: the parameters)."""
    valid_text: str
    default_domain: Mapping[str, tuple[int, int]]
    """Integer ranges drawn when the caller gives none, sized to the cost of a trial."""
    cost: Callable[..., float]
    """Elementary random draws of one trial."""
    cost_text: str
    simulate: Callable[..., np.ndarray]
    """``simulate(params, *, rng, trials, device) -> per-trial values``."""
    value_range: Callable[..., float]


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
                      cost: Callable[..., float] = lambda n, m: float(n * m)) -> Observable:
    """An observable of ``n`` features on ``m`` neurons (paper 1's model, ``1 <= n <= m``)."""
    return Observable(name=name, parameters=("n", "m"), measures=measures, valid=lambda n, m: 1 <= n <= m,
                      valid_text="1 <= n <= m (integers)", default_domain=_NM_DOMAIN, cost=cost,
                      cost_text=cost_text, simulate=simulate, value_range=value_range)


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
    )
}
"""The catalogue: name -> :class:`Observable`."""


def format_catalogue() -> str:
    """The catalogue as text (``polyverify observables``)."""
    lines = []
    for o in OBSERVABLES.values():
        dom = ", ".join(f"{k} in {lo}..{hi}" for k, (lo, hi) in o.default_domain.items())
        lines.append(f"{o.name}({', '.join(o.parameters)})")
        lines.append(f"    measures: {o.measures}")
        lines.append(f"    defined:  {o.valid_text}; default domain {dom}")
        lines.append(f"    cost:     {o.cost_text} per trial")
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


def _strategy(
    symbols: Sequence[sp.Symbol],
    domain: Mapping[str, tuple[float, float]],
    accept: Callable[[dict[str, int]], bool],
):
    from hypothesis import strategies as st

    parts = {}
    for s in symbols:
        lo, hi = domain[s.name]
        if not s.is_integer:
            raise ValueError(
                f"symbol {s.name!r} of a simulation check must be an integer (observable parameters are counts)"
            )
        parts[s.name] = st.integers(int(math.ceil(lo)), int(math.floor(hi)))
    return st.fixed_dictionaries(parts).filter(accept)


def observable_rule(
    observable: str,
    *,
    symbols: Sequence[sp.Symbol],
    params: Mapping[str, sp.Expr] | None = None,
    domain: Mapping[str, tuple[float, float]] | None = None,
    conditions: Sequence[Any] = (),
    examples: int = 3,
    trials: int = 2000,
    cap: int = 64_000,
):
    """A :class:`polyverify.rules.MonteCarloMean` rule that draws the integer ``symbols`` and
    simulates ``observable`` at ``params`` (observable parameter -> expression of the symbols;
    default: the symbol of the same name), for a claim whose forms are functions of the symbols.

    ``domain`` bounds the symbols (default: the observable's own domain for a parameter given by
    a plain symbol); ``conditions`` and the observable's validity filter the drawn points; the
    domain's lower corner is pinned when valid. Used by :func:`check_against` and by claims of
    third-party packages (``examples/polyverify_extra``).
    """
    from .claim import Budget
    from .rules import MonteCarloMean
    from .side_conditions import all_hold

    if observable not in OBSERVABLES:
        raise ValueError(f"observable must be one of {', '.join(sorted(OBSERVABLES))}; got {observable!r}")
    obs = OBSERVABLES[observable]
    for name, value in (("examples", examples), ("trials", trials), ("cap", cap)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}")
    if trials < 200:
        raise ValueError(f"trials must be at least 200 (the CLT interval's minimum); got {trials}")
    by_name = {s.name: s for s in symbols}
    if params is None:
        missing = [p for p in obs.parameters if p not in by_name]
        if missing:
            raise ValueError(f"params: the formula has no symbol {missing[0]!r}; give params={{...}}")
        params = {p: by_name[p] for p in obs.parameters}
    params = {k: sp.sympify(v, strict=True) for k, v in params.items()}
    if set(params) != set(obs.parameters):
        raise ValueError(f"params must give exactly {', '.join(obs.parameters)}; got {', '.join(sorted(params))}")
    syms = sorted(set(symbols) | set().union(*(e.free_symbols for e in params.values())), key=lambda s: s.name)
    dom: dict[str, tuple[float, float]] = dict(domain or {})
    for p, e in params.items():
        if isinstance(e, sp.Symbol) and e.name not in dom:
            dom[e.name] = obs.default_domain[p]
    lacking = [s.name for s in syms if s.name not in dom]
    if lacking:
        raise ValueError(f"domain: give a range for {lacking[0]!r} (it is no plain observable parameter)")
    param_fns = {p: sp.lambdify(syms, e, modules="mpmath") for p, e in params.items()}

    def observable_params(point: Mapping[str, int]) -> dict[str, Any] | None:
        values = {}
        for p, f in param_fns.items():
            v = f(*[point[s.name] for s in syms])
            try:
                iv = int(v)
            except (TypeError, ValueError, OverflowError):
                return None
            if iv != v:
                return None
            values[p] = iv
        return values

    def accept(point: dict[str, int]) -> bool:
        op = observable_params(point)
        if op is None or not obs.valid(**op):
            return False
        exact = {s: sp.Integer(point[s.name]) for s in syms}
        return all_hold(conditions, exact) if conditions else True

    def simulate(point, *, rng, trials, device):
        return obs.simulate(observable_params(point), rng=rng, trials=trials, device=device)

    corner = {s.name: int(math.ceil(dom[s.name][0])) for s in syms}
    return MonteCarloMean(
        strategy=_strategy(syms, dom, accept),
        simulate=simulate,
        trials=Budget(quick=trials, full=trials),
        examples=Budget(quick=examples, full=examples),
        pinned=(corner,) if accept(corner) else (),
        cap=Budget(quick=cap, full=cap),
        value_range=lambda **pt: float(obs.value_range(**observable_params(pt))),
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
    trials: int = 2000,
    cap: int = 64_000,
    alpha: float | None = None,
    claim_id: str = "user.derivation",
) -> SimulationOutcome:
    r"""Judge ``expr`` (a formula of integer symbols) as the mean of ``observable``.

    The points and the simulation are those of :func:`observable_rule` (``params``, ``domain``,
    ``conditions``, ``examples``, ``trials``, ``cap``): ``examples`` points drawn by Hypothesis
    (seeded by ``seed``) after the domain's lower corner, each with a pilot of ``trials`` trials
    grown up to ``cap`` to resolve the standard quick-suite margin
    (:data:`polyverify.claim.STANDARD_MARGIN`), at the level ``alpha / comparisons`` (default the
    suite's family-wise rate). See the module docstring for the verdicts.

    >>> n, m = sp.symbols("n m", positive=True, integer=True)
    >>> out = check_against(n*(n - 1)/(2*m), observable="collisions.pairs", examples=1, trials=500, cap=4000)
    >>> out.verdict in ("verified", "inconclusive")
    True
    """
    from .claim import Claim, Context, Domain, Form, Source, margin_for, register_paper, status
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
        statement=f"E[{observable}] = {expr}",
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
