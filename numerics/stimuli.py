r"""Generated image stimuli (paper 2, Fig. 4a): no downloads, every image drawn from a formula.

* :func:`moving_dot_frames` — the moving-dot stimulus of Fig. 4a: a Gaussian dot whose centre
  moves on a circle, :math:`c_t = c_0 + \rho\,(\cos\theta_t, \sin\theta_t)`,
  :math:`\theta_t = \phi + 2\pi\,\text{turns}\,t/n`, rendered as a stack of frames.
* :func:`random_dot_images` — dots at random positions, a training set for small networks.

>>> moving_dot_frames(8, size=12).shape
(8, 12, 12)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from polyverify.theory.validation import require_int, require_positive, require_real

__all__ = ["DotConfig", "moving_dot_frames", "random_dot_images"]


@dataclass(frozen=True, kw_only=True)
class DotConfig:
    """Rendering options: ``size`` pixels per side, the circle radius as a fraction of the
    size, the dot's Gaussian width in pixels."""

    size: int = 16
    radius: float = 0.3
    dot_sigma: float = 1.2

    def __post_init__(self) -> None:
        require_int("size", self.size, minimum=4)
        require_positive("radius", self.radius)
        require_positive("dot_sigma", self.dot_sigma)


def _render(centres: np.ndarray, size: int, dot_sigma: float) -> np.ndarray:
    grid = np.arange(size, dtype=float)
    dy = grid[None, :, None] - centres[:, 0, None, None]
    dx = grid[None, None, :] - centres[:, 1, None, None]
    return np.exp(-(dx**2 + dy**2) / (2 * dot_sigma**2)).astype(np.float32)


def moving_dot_frames(
    n_frames: int,
    *,
    size: int = 16,
    radius: float = 0.3,
    dot_sigma: float = 1.2,
    turns: float = 1.0,
    phase: float = 0.0,
) -> np.ndarray:
    """``n_frames`` images (``n_frames x size x size``, float32 in [0, 1]) of a dot moving on a
    circle of radius ``radius * size`` around the centre, ``turns`` revolutions in total."""
    n = require_int("n_frames", n_frames, minimum=2)
    cfg = DotConfig(size=size, radius=radius, dot_sigma=dot_sigma)
    turns_ = require_positive("turns", turns)
    phi = require_real("phase", phase)
    theta = phi + 2 * np.pi * turns_ * np.arange(n) / n
    c0 = (cfg.size - 1) / 2
    rho = cfg.radius * cfg.size
    centres = np.stack([c0 + rho * np.sin(theta), c0 + rho * np.cos(theta)], axis=1)
    return _render(centres, cfg.size, cfg.dot_sigma)


def random_dot_images(
    n_images: int, *, rng: np.random.Generator, size: int = 16, dot_sigma: float = 1.2, max_dots: int = 2
) -> np.ndarray:
    """``n_images`` images with 1..``max_dots`` dots at uniform random positions (summed, clipped to 1)."""
    n = require_int("n_images", n_images, minimum=1)
    cfg = DotConfig(size=size, dot_sigma=dot_sigma)
    kmax = require_int("max_dots", max_dots, minimum=1)
    counts = rng.integers(1, kmax + 1, size=n)
    out = np.zeros((n, cfg.size, cfg.size), dtype=np.float32)
    for d in range(kmax):
        centres = rng.uniform(0, cfg.size - 1, size=(n, 2))
        out += _render(centres, cfg.size, cfg.dot_sigma) * (counts > d)[:, None, None]
    return np.clip(out, 0.0, 1.0)
