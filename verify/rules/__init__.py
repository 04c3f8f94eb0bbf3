r"""The catalogue of comparison rules: how a claim's forms are compared with computation.

One module per kind of test; every rule is registered with ``@rule`` and exported here, and
``__all__`` is checked against the registry at import.

=========================  ===============================================================
module                     rules
=========================  ===============================================================
``symbolic``               :class:`SymbolicRule` — a proof line by line (printed lines as
                           printed, derived lines), the printed expression identical or
                           asymptotic to the derived one.
``deterministic``          :class:`DeterministicMatch` (a value within ``atol + rtol|v|``, or
                           a certified interval with a :class:`Relation` per form),
                           :class:`LimitConvergence`, :class:`BoundsAlong`.
``monte_carlo``            :class:`MonteCarloMean` — each drawn point simulated; the mean's
                           interval at level ``1 - ctx.delta`` must contain each prediction;
                           :class:`MeasuredMeans`, the same at measured points.
``scaling``                :class:`ScalingLaw` (fitted log–log slope and bounded ratios; Θ
                           forms with their slack), :class:`ExponentFit`.
``expansion``              :class:`ExpansionOrder` — a truncation error shrinking at the
                           claimed order of the expansion variable.
``remainder``              :class:`RemainderCoefficient` — exact values at finite η: the
                           remainder's order (local slope) and its η^p coefficient.
``signed``                 :class:`SignedEffect` (the direction of a replicated effect),
                           :class:`MonotoneTrend` (rank trends with permutation tests).
``trained``                rules whose evidence is trained networks: :class:`EulerOrder`,
                           :class:`PerWidthMean`, :class:`RowFraction`, :class:`WinnerRank`,
                           :class:`NoiseTrend`, :class:`KurtosisSign`,
                           :class:`Fig4Trajectories`, :class:`Fig5FinalFourthNorm`,
                           :class:`Fig7StuckRows`, :class:`PublishedSetup`,
                           :class:`TrainedCounts`, :class:`TrainedStay`; and a Monte Carlo
                           mean against a bracket or a bound: :class:`BracketMean`,
                           :class:`OneSidedMean`. Directions and "no effect"s are stated
                           per form (``_effects.judge_effects``).
``drift``                  :class:`TrajectoryPrediction` (trained fourth norms against a
                           predicted drift, per form), :class:`HorizonTrend` (stated
                           directions at one horizon, a statistic per form).
``paired_model``           :class:`PairedModel` — models of the final assignment (processes
                           on the initial weights) against trained networks, seed by seed
                           (equivalence test of the per-seed difference).
``threshold``              :class:`ThresholdCrossing` — a form's critical value of a parameter
                           against the simulated yes/no outcome just below and just above it.
``all_of``                 :class:`AllOf` — several rules that must all pass.
=========================  ===============================================================

Every rule's outcomes carry a ``resolution`` (:class:`polyverify.claim.FormOutcome`).
"""

from ._catalogue import registered_rules
from ._sampling import Simulation, draw_examples
from .all_of import AllOf
from .deterministic import BoundsAlong, DeterministicMatch, LimitConvergence, Relation
from .drift import HorizonTrend, TrajectoryPrediction
from .expansion import ExpansionOrder
from .monte_carlo import MeasuredMeans, MonteCarloMean
from .paired_model import PairedModel
from .remainder import RemainderCoefficient
from .scaling import ExponentFit, ScalingLaw
from .signed import MonotoneTrend, SignedEffect, Trend
from .symbolic import SymbolicRule
from .threshold import ThresholdCrossing
from .trained import (
    BracketMean,
    EulerOrder,
    Fig4Trajectories,
    Fig5FinalFourthNorm,
    Fig7StuckRows,
    KurtosisSign,
    NoiseTrend,
    OneSidedMean,
    PerWidthMean,
    PublishedSetup,
    RowFraction,
    TrainedCounts,
    TrainedStay,
    WinnerRank,
)

__all__ = [
    "draw_examples",
    "Simulation",
    "registered_rules",
    "Relation",
    "Trend",
    "SymbolicRule",
    "DeterministicMatch",
    "LimitConvergence",
    "BoundsAlong",
    "MonteCarloMean",
    "MeasuredMeans",
    "ScalingLaw",
    "ExponentFit",
    "ExpansionOrder",
    "RemainderCoefficient",
    "SignedEffect",
    "MonotoneTrend",
    "AllOf",
    "TrajectoryPrediction",
    "HorizonTrend",
    "EulerOrder",
    "PerWidthMean",
    "RowFraction",
    "WinnerRank",
    "NoiseTrend",
    "KurtosisSign",
    "Fig4Trajectories",
    "Fig5FinalFourthNorm",
    "Fig7StuckRows",
    "PublishedSetup",
    "TrainedCounts",
    "TrainedStay",
    "PairedModel",
    "ThresholdCrossing",
    "BracketMean",
    "OneSidedMean",
]

_HELPERS = {"draw_examples", "Simulation", "registered_rules", "Relation", "Trend"}
if set(__all__) - _HELPERS != set(registered_rules()):  # pragma: no cover - a packaging error
    raise ImportError(
        "polyverify.rules: __all__ and the rule registry disagree: "
        f"exported only {sorted(set(__all__) - _HELPERS - set(registered_rules()))}, "
        f"registered only {sorted(set(registered_rules()) - set(__all__))}"
    )
