r"""Comparison rules: how a claim's forms are compared with simulation.

* :class:`SymbolicRule` — exact: the derived form is established by a chain of checked
  identities, and the printed form must be identical to it.
* :class:`MonteCarloMean` — each Hypothesis-drawn parameter point is simulated; the
  sample mean's interval at level ``1 - ctx.delta`` (Bonferroni share of the run's family-wise
  rate, see :mod:`verify.stats`) must contain each form's prediction.
* :class:`ScalingLaw` — a Θ(·) law: over a geometric range of scales the fitted log–log slope
  of the simulation must agree (within its interval) with the slope of the form on the same
  grid, and the ratio simulation/form must stay within ``[1/C, C]`` for the stated constant ``C``.
* :class:`DeterministicMatch` — a deterministic computation (exact enumeration, an ODE solve)
  against each form, within a tolerance that the claim derives (a solver's rtol, a bound).
* :class:`AllOf` — several rules that must all pass.
"""

from ._catalogue import registered_rules
from ._sampling import Simulation, draw_examples
from .all_of import AllOf
from .deterministic import DeterministicMatch
from .monte_carlo import MonteCarloMean
from .scaling import ScalingLaw
from .symbolic import SymbolicRule

__all__ = [
    "draw_examples",
    "Simulation",
    "registered_rules",
    "SymbolicRule",
    "MonteCarloMean",
    "ScalingLaw",
    "DeterministicMatch",
    "AllOf",
]

_HELPERS = {"draw_examples", "Simulation", "registered_rules"}
if set(__all__) - _HELPERS != set(registered_rules()):  # pragma: no cover - a packaging error
    raise ImportError(
        "polyverify.rules: __all__ and the rule registry disagree: "
        f"exported only {sorted(set(__all__) - _HELPERS - set(registered_rules()))}, "
        f"registered only {sorted(set(registered_rules()) - set(__all__))}"
    )
