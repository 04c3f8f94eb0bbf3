"""Closed forms of the two papers as checked SymPy derivations.

One module per topic; each exposes its SymPy expressions (UPPER_CASE) beside fast numeric
functions (lower_case) that validate their inputs and name the assumption a bad value breaks.

================  ===========================================================================
module            contents
================  ===========================================================================
``collisions``    paper 1 §1.1, §2.5: collisions at initialisation, polysemantic counts
``assignment``    paper 1 §2.5, Fig 3: the final assignment with displacement (trained count)
``interference``  paper 1 §2.5: interference at initialisation, the two-row Gram flow
``sparsity``      paper 1 §2.3–2.4, App. B: l1 sparsification, exact reduction, large-m limit
``noise``         paper 1 §3.2, App. C: the noisy gradient step and the kurtosis term
``noise_laws``    noise laws as ``sympy.stats`` variables with computed σ², μ₄, excess kurtosis
``coding``        paper 2 eqs. 1–3, Supp. §2.1–2.4: sparse-code entropy, dropout capacity
``spectra``       paper 2 eq. 4, Supp. §2.5: random projections, power sums, ζ(−α)
``formulas``      the registry of closed forms (each is covered by a claim in ``verify``)
``symbols``       shared symbols with their assumptions
``validation``    parameter checks
================  ===========================================================================

>>> from theory.collisions import expected_polysemantic
>>> expected_polysemantic(256, 1024, exact=False)
16.0
>>> from theory.spectra import power_sum
>>> round(power_sum(-2.0), 12)  # zeta(2) = pi^2/6
1.644934066848
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import (
        assignment,
        coding,
        collisions,
        formulas,
        interference,
        noise,
        noise_laws,
        sparsity,
        spectra,
        symbols,
        validation,
    )

# Submodules load on first use (PEP 562): importing one module, e.g. ``validation``, runs no other
# module's derivations or imports.

__all__ = [
    "assignment",
    "coding",
    "collisions",
    "formulas",
    "interference",
    "noise",
    "noise_laws",
    "sparsity",
    "spectra",
    "symbols",
    "validation",
]
_SUBMODULES = frozenset(__all__)


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _SUBMODULES)
