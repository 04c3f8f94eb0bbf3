"""Simulations of the papers' dynamics, computed without their closed forms.

==============  ===========================================================================
``collisions``  Monte Carlo of the Gaussian initialisation: argmax neurons, collision counts
==============  ===========================================================================

Nothing here imports a closed form from ``theory`` (only ``theory.validation``): a simulation
that used the formula it checks would prove nothing. ``tests/test_registry.py`` enforces it.
"""

from . import collisions

__all__ = ["collisions"]
