"""Simulations of the papers' dynamics, computed without their closed forms.

=====================  ====================================================================
module                 contents
=====================  ====================================================================
``collisions``         Monte Carlo of the Gaussian initialisation: argmax neurons, collisions
``assignment``         the final assignment process with displacement (paper 1, Fig 3)
``sparsify``           one encoding under l1: exact reduced ODE and brute-force integration
``gradient_flow``      the full n×m gradient flow of paper 1 §2.3 (all three forces)
``interference``       interference at initialisation, sampled; the smooth flow of a few rows integrated
``autoencoder``        training the tied autoencoder in PyTorch (seeds and λ, σ grids batched; l1, noise)
``metrics``            polysemantic counts and other metrics of trained weights
``sweep``              sweeps with atomic per-result files that resume after interruption
``noisy_step``         one noisy SGD step, noise samplers, exact bipolar enumeration
``channels``           dropout channels, Blahut–Arimoto, sparsified entropies, codes
``spectra``            eigenspectra, power-law fits, random projections and their action
``spectra_training``   small dropout autoencoders trained on generated images
``stimuli``            generated images (moving dot), no downloads
=====================  ====================================================================

Nothing here imports a closed form from ``theory`` (only ``theory.validation``): a simulation
that used the formula it checks would prove nothing. ``tests/test_registry.py`` enforces it.
Torch code takes ``device="auto"|"cpu"|"cuda"``.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import (
        assignment,
        autoencoder,
        channels,
        collisions,
        gradient_flow,
        interference,
        metrics,
        noisy_step,
        sparsify,
        spectra,
        spectra_training,
        stimuli,
        sweep,
    )

# Submodules load on first use (PEP 562): importing one module, e.g. ``validation``, runs no other
# module's derivations or imports.

__all__ = [
    "assignment",
    "autoencoder",
    "channels",
    "collisions",
    "gradient_flow",
    "interference",
    "metrics",
    "noisy_step",
    "sparsify",
    "spectra",
    "spectra_training",
    "stimuli",
    "sweep",
]
_SUBMODULES = frozenset(__all__)


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _SUBMODULES)
