"""Closed forms of the two papers as checked SymPy derivations.

One module per topic; each exposes its SymPy expressions (UPPER_CASE) beside fast numeric
functions (lower_case) that validate their inputs.

==============  ===========================================================================
``collisions``  paper 1 §1.1, §2.5: collisions at initialisation, polysemantic counts
``formulas``    the registry of closed forms (every one is covered by a claim in ``verify``)
``symbols``     shared symbols with their assumptions
``validation``  parameter checks that name the assumption a bad value breaks
==============  ===========================================================================

>>> from theory.collisions import expected_polysemantic
>>> expected_polysemantic(256, 1024, exact=False)
16.0
"""

from . import collisions, formulas, symbols, validation

__all__ = ["collisions", "formulas", "symbols", "validation"]
